"""Agreement between moderators: Krippendorff's alpha (nominal) per label, and Cohen's kappa per pair of moderators.

Plain Python over the effective decisions (no drawing, no scikit-learn): :func:`agreement_by_label` turns "which
labels did each moderator give each comment" into one :class:`LabelAgreement` row per label, the "any label" row
first. A figure that rests on fewer than :data:`MIN_OVERLAP` comments is withheld (None) and marked, so that a
report says "not enough overlap (N comments)" rather than print a number three comments cannot support (issue 15,
item 4).

Alpha follows K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011, Annenberg School for
Communication): values in a unit are paired across coders, each unit's pairs weighted 1/(m_u - 1), giving the
coincidence matrix; nominal alpha = 1 - D_o / D_e read from that matrix. The arithmetic is exact (fractions), so
renaming categories or reordering coders gives the very same float.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import TypeVar

# The rule: a figure resting on fewer comments than this is "not enough overlap", not a number.
MIN_OVERLAP = 10

# The row of "did the moderator give any label at all" (the comment is a concern), listed before the labels.
ANY_LABEL = "any label"

# Mapping is invariant in its keys: generic keys let {comment key: {moderator name: bool}} pass as units.
Unit = TypeVar("Unit", bound=Hashable)
Coder = TypeVar("Coder", bound=Hashable)
Value = TypeVar("Value", bound=Hashable)
Units = Mapping[Unit, Mapping[Coder, Hashable]]

CoincidenceMatrix = dict[tuple[Hashable, Hashable], Fraction]


def pairable_units(units: Units[Unit, Coder]) -> list[list[Hashable]]:
    """The values of each unit coded by at least two coders: a lone value has nothing to be paired with."""
    return [list(coded.values()) for coded in units.values() if len(coded) >= 2]


def coincidence_matrix(units: Units[Unit, Coder]) -> CoincidenceMatrix:
    """Krippendorff's o_ck: for every unit, each ordered pair of values from different coders, weighted 1/(m_u - 1).

    The weight makes every pairable value contribute exactly 1 in total, so row c sums to n_c, the number of
    pairable values c. Only pairs that occur are stored (absent keys are 0).
    """
    # Units with the same values (a multiset) add the same pairs: counted once, weighted by how often they occur.
    # Reports have tens of thousands of units over two values, so this is a handful of shapes, not 50,000 loops.
    return _matrix_of_shapes(Counter(_shape(values) for values in pairable_units(units)))


Shape = tuple[tuple[Hashable, int], ...]  # a unit's values as a multiset: (value, how many coders gave it)


def _shape(values: Iterable[Hashable]) -> Shape:
    return tuple(sorted(Counter(values).items(), key=lambda item: repr(item[0])))


def _matrix_of_shapes(shapes: Mapping[Shape, int]) -> CoincidenceMatrix:
    matrix: CoincidenceMatrix = {}
    for shape, times in shapes.items():
        weight = Fraction(times, sum(n for _value, n in shape) - 1)
        for c, n_c in shape:
            for k, n_k in shape:
                # Ordered pairs of distinct coders: a value is never paired with itself.
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                if pairs:
                    matrix[c, k] = matrix.get((c, k), Fraction(0)) + pairs * weight
    return matrix


def value_totals(matrix: CoincidenceMatrix) -> dict[Hashable, Fraction]:
    """n_c, the row sums of the coincidence matrix."""
    totals: dict[Hashable, Fraction] = {}
    for (c, _k), o_ck in matrix.items():
        totals[c] = totals.get(c, Fraction(0)) + o_ck
    return totals


def krippendorff_alpha_nominal(units: Units[Unit, Coder]) -> float | None:
    """Krippendorff's alpha for nominal data: ``units`` maps a unit to {coder: value}; a missing value is an absent
    coder. Units with fewer than two values are not pairable and are left out.

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k (Krippendorff 2011, nominal metric).

    None when alpha is not defined:
    - no pairable unit at all (n = 0: nothing to compare);
    - every pairable value is the same category, so the expected disagreement D_e is 0 and alpha is 0/0.
      Some tools print 1.0 there; we do not, because data with no variation cannot show that the coders can tell
      the categories apart (moderators who all call every comment "fine" have not shown they agree on when a
      label applies). A report prints "not defined".
    """
    return _alpha_of_matrix(coincidence_matrix(units))


def _alpha_of_matrix(matrix: CoincidenceMatrix) -> float | None:
    totals = value_totals(matrix)
    n = sum(totals.values(), Fraction(0))
    observed = sum((o_ck for (c, k), o_ck in matrix.items() if c != k), Fraction(0))
    expected = sum((totals[c] * totals[k] for c in totals for k in totals if c != k), Fraction(0))
    if n == 0 or expected == 0:
        return None
    return float(1 - (n - 1) * observed / expected)


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters over ``pairs`` (rater A's value, rater B's value): :func:`cohen_kappa_of_table`."""
    return cohen_kappa_of_table(Counter(pairs))


def cohen_kappa_of_table(table: Mapping[tuple[Value, Value], int]) -> float | None:
    """Cohen's kappa from the contingency table {(A's value, B's value): how many items}.

    kappa = (p_o - p_e) / (1 - p_e), p_o the share of items both gave the same value, p_e the share chance would
    give from each rater's own marginals (Cohen 1960); the same figure as scikit-learn's ``cohen_kappa_score``,
    which a test checks, in exact arithmetic and without importing scikit-learn for a report.

    None when kappa is not defined: no items, or both raters gave one and the same category everywhere (chance
    agreement is then 1 and kappa 0/0; scikit-learn would return nan).
    """
    total = sum(table.values())
    if not total:
        return None
    first: Counter[Value] = Counter()
    second: Counter[Value] = Counter()
    same = 0
    for (a, b), times in table.items():
        first[a] += times
        second[b] += times
        if a == b:
            same += times
    chance = Fraction(sum(first[value] * second[value] for value in first), total * total)
    if chance == 1:
        return None
    return float((Fraction(same, total) - chance) / (1 - chance))


class _Overlap:
    """What both kinds of figure share: how many comments it rests on, and how a report shows it."""

    __slots__ = ()
    comments: int
    minimum: int

    @property
    def figure(self) -> float | None:
        raise NotImplementedError

    @property
    def too_little_overlap(self) -> bool:
        return self.comments < self.minimum

    @property
    def text(self) -> str:
        return figure_text(self.figure, self.comments, self.minimum)


@dataclass(frozen=True, slots=True)
class PairKappa(_Overlap):
    """Cohen's kappa of two moderators on the comments both decided."""

    moderator_a: str
    moderator_b: str
    comments: int
    kappa: float | None  # None: fewer than ``minimum`` shared comments, or not defined
    minimum: int = MIN_OVERLAP

    @property
    def figure(self) -> float | None:
        return self.kappa


@dataclass(frozen=True, slots=True)
class LabelAgreement(_Overlap):
    """Agreement on one label (or :data:`ANY_LABEL`) over the comments decided by two or more moderators."""

    label: str
    comments: int
    alpha: float | None  # None: fewer than ``minimum`` comments, or not defined
    pairs: tuple[PairKappa, ...]
    minimum: int = MIN_OVERLAP

    @property
    def figure(self) -> float | None:
        return self.alpha


def figure_text(figure: float | None, comments: int, minimum: int = MIN_OVERLAP) -> str:
    """How a report shows a figure: three decimals, or why there is none (the two reasons read differently)."""
    if comments < minimum:
        return f"not enough overlap ({comments} comment{'' if comments == 1 else 's'})"
    if figure is None:
        return "not defined"
    return f"{figure:.3f}"


Decisions = Mapping[Unit, Mapping[str, frozenset[str]]]


def agreement_by_label(
    decisions: Decisions[Unit], labels: Iterable[str], minimum: int = MIN_OVERLAP
) -> list[LabelAgreement]:
    """Alpha and pairwise kappa per label, the "any label" row first, then ``labels`` in the order given.

    ``decisions`` maps a comment to {moderator: the labels they gave}; an empty set means "the comment is fine".
    Per label, each moderator's decision becomes "given or not". Only comments decided by two or more moderators
    count: one moderator alone agrees with nobody. A label nobody gave still gets its row (alpha not defined).
    Leave skipped comments out of ``decisions``: a skip is no judgement, not "fine".
    """
    # Comments on which the same moderators gave the same labels count the same in every figure: each such
    # "panel" is read once, with how many comments it stands for (a report over 100,000 decisions has a few
    # hundred panels, not tens of thousands of comments, to read once per label).
    panels: Counter[Panel] = Counter(
        tuple(sorted(by_moderator.items())) for by_moderator in decisions.values() if len(by_moderator) >= 2
    )
    rows = [label_agreement(ANY_LABEL, panels, bool, minimum)]
    rows += [label_agreement(label, panels, gives(label), minimum) for label in labels]
    return rows


# The moderators who decided one comment with the labels each gave, sorted by moderator.
Panel = tuple[tuple[str, frozenset[str]], ...]


def gives(label: str) -> Callable[[frozenset[str]], bool]:
    """Whether a moderator's labels include ``label``."""
    return lambda given: label in given


def label_agreement(
    label: str, panels: Mapping[Panel, int], applies: Callable[[frozenset[str]], bool], minimum: int
) -> LabelAgreement:
    """One row: ``applies`` turns a moderator's labels into the binary value this row is about. ``panels``: each
    panel of two or more moderators with the labels they gave, and how many comments it was."""
    shapes: Counter[Shape] = Counter()
    tables: dict[tuple[str, str], Counter[tuple[bool, bool]]] = {}
    for panel, times in panels.items():
        values = [(moderator, applies(given)) for moderator, given in panel]
        shapes[_shape(value for _moderator, value in values)] += times
        for (a, value_a), (b, value_b) in combinations(values, 2):  # sorted by moderator: (a, b) with a < b
            tables.setdefault((a, b), Counter())[value_a, value_b] += times
    comments = sum(panels.values())
    alpha = _alpha_of_matrix(_matrix_of_shapes(shapes)) if comments >= minimum else None
    pairs = tuple(
        PairKappa(a, b, total, cohen_kappa_of_table(table) if total >= minimum else None, minimum)
        for (a, b), table in sorted(tables.items())
        for total in (sum(table.values()),)
    )
    return LabelAgreement(label, comments, alpha, pairs, minimum)
