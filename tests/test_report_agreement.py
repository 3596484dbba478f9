"""Agreement between moderators (issue 15, item 4): Krippendorff's alpha against the published worked examples and
against Scott's pi computed independently, Cohen's kappa against a textbook example, and the per-label report."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Hashable, Mapping
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderator.reports.agreement import (
    ANY_LABEL,
    MIN_OVERLAP,
    LabelAgreement,
    PairKappa,
    agreement_by_label,
    cohen_kappa,
    coincidence_matrix,
    figure_text,
    krippendorff_alpha_nominal,
    value_totals,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: four observers, twelve units,
# values 1-5, "." = missing. Published: n = 40 pairable values, nominal alpha = 0.743.
PAPER_EXAMPLE_C = """
A 1 2 3 3 2 1 4 1 2 . . .
B 1 2 3 3 2 2 4 1 2 5 . 3
C . 3 3 3 2 3 4 2 2 5 1 .
D 1 2 3 3 2 4 4 1 2 5 1 .
"""

# Same paper, example A: binary data, two observers, ten units, no missing value. Published: alpha = 0.095.
PAPER_EXAMPLE_A = """
A 0 1 0 0 0 0 0 0 1 0
B 1 1 1 0 0 1 0 0 0 0
"""


def units_from_table(table: str) -> dict[int, dict[str, int]]:
    """The paper's layout (one row per observer, one column per unit) as {unit: {observer: value}}."""
    units: dict[int, dict[str, int]] = {}
    for row in table.strip().splitlines():
        observer, *values = row.split()
        for unit, value in enumerate(values, start=1):
            units.setdefault(unit, {})
            if value != ".":
                units[unit][observer] = int(value)
    return units


# --- Krippendorff's alpha: the published examples -------------------------------------------------------------------


def test_paper_example_c_four_observers_with_missing_values() -> None:
    units = units_from_table(PAPER_EXAMPLE_C)
    assert len(units) == 12
    assert round(krippendorff_alpha_nominal(units) or math.nan, 3) == 0.743


def test_paper_example_c_coincidence_matrix() -> None:
    """The matrix the paper tabulates, derived by hand: unit 12 (one value) is dropped; unit 6 (1, 2, 3, 4 from four
    observers) gives each off-diagonal pair 1/3; unit 2 (2, 2, 3, 2) gives 2-3 a full 1 and 2-2 a 2."""
    matrix = coincidence_matrix(units_from_table(PAPER_EXAMPLE_C))
    third = Fraction(1, 3)
    expected = {
        (1, 1): 7, (1, 2): 4 * third, (1, 3): third, (1, 4): third,
        (2, 2): 10, (2, 3): 4 * third, (2, 4): third,
        (3, 3): 8, (3, 4): third,
        (4, 4): 4,
        (5, 5): 3,
    }  # fmt: skip
    symmetric = {**expected, **{(k, c): o for (c, k), o in expected.items()}}
    assert matrix == symmetric
    assert value_totals(matrix) == {1: 9, 2: 13, 3: 10, 4: 5, 5: 3}  # n_c; n = 40
    # alpha = ((n-1) sum o_cc - sum n_c(n_c-1)) / (n(n-1) - sum n_c(n_c-1)) = (39*32 - 344) / (1560 - 344)
    assert krippendorff_alpha_nominal(units_from_table(PAPER_EXAMPLE_C)) == float(Fraction(904, 1216))


def test_paper_example_a_two_observers_binary() -> None:
    units = units_from_table(PAPER_EXAMPLE_A)
    # Coincidences: o_00 = 10, o_01 = o_10 = 4, o_11 = 2; n_0 = 14, n_1 = 6, n = 20.
    assert coincidence_matrix(units) == {(0, 0): 10, (0, 1): 4, (1, 0): 4, (1, 1): 2}
    alpha = krippendorff_alpha_nominal(units)
    assert alpha == pytest.approx(1 - 19 * 4 / (14 * 6))
    assert round(alpha or math.nan, 3) == 0.095


# --- Krippendorff's alpha: when it is not defined ------------------------------------------------------------------


def test_alpha_without_a_pairable_unit_is_not_defined() -> None:
    assert krippendorff_alpha_nominal({}) is None
    assert krippendorff_alpha_nominal({"u1": {"ann": "x"}, "u2": {"bob": "y"}, "u3": {}}) is None


def test_alpha_with_a_single_category_is_not_defined() -> None:
    """Expected disagreement 0: alpha is 0/0, and None rather than a flattering 1.0."""
    units = {unit: {"ann": "fine", "bob": "fine", "cat": "fine"} for unit in range(20)}
    assert krippendorff_alpha_nominal(units) is None


def test_units_with_one_value_are_dropped() -> None:
    units = units_from_table(PAPER_EXAMPLE_A)
    with_lone_values = {**units, 11: {"A": 1}, 12: {"B": 0}, 13: {}}
    assert krippendorff_alpha_nominal(with_lone_values) == krippendorff_alpha_nominal(units)


def test_systematic_disagreement_is_below_zero() -> None:
    units = {unit: {"ann": unit % 2, "bob": 1 - unit % 2} for unit in range(10)}
    alpha = krippendorff_alpha_nominal(units)
    assert alpha is not None and alpha < 0


# --- Krippendorff's alpha: properties on random data ---------------------------------------------------------------

CATEGORIES = st.sampled_from(["a", "b", "c", "d"])


def scotts_pi(first: list[str], second: list[str]) -> Fraction | None:
    """Scott's pi from its own definition: (p_o - p_e) / (1 - p_e), p_e from the two raters' pooled proportions."""
    pooled = Counter(first + second)
    total = len(first) + len(second)
    chance = sum(Fraction(count, total) ** 2 for count in pooled.values())
    if chance == 1:
        return None
    observed = Fraction(sum(a == b for a, b in zip(first, second)), len(first))
    return (observed - chance) / (1 - chance)


two_coders = st.integers(min_value=1, max_value=40).flatmap(
    lambda size: st.tuples(
        st.lists(CATEGORIES, min_size=size, max_size=size), st.lists(CATEGORIES, min_size=size, max_size=size)
    )
)


@settings(max_examples=300, deadline=None)
@given(two_coders)
def test_two_coders_without_missing_values_match_scotts_pi(columns: tuple[list[str], list[str]]) -> None:
    first, second = columns
    units = {unit: {"ann": a, "bob": b} for unit, (a, b) in enumerate(zip(first, second))}
    alpha = krippendorff_alpha_nominal(units)
    pi = scotts_pi(first, second)
    if pi is None:
        assert alpha is None
        return
    assert alpha is not None
    # Krippendorff's small-sample correction: 1 - alpha = (1 - pi) * (n - 1) / n with n = 2N values, so alpha
    # exceeds pi by (1 - pi) / 2N, at most 1/N (pi >= -1).
    assert alpha == pytest.approx(float(pi + (1 - pi) / (2 * len(first))), abs=1e-12)
    assert abs(alpha - float(pi)) <= 1 / len(first) + 1e-12


coded_units = st.dictionaries(
    st.integers(min_value=0, max_value=30),
    st.dictionaries(st.sampled_from(["ann", "bob", "cat", "dan"]), CATEGORIES, max_size=4),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(coded_units, st.permutations(["a", "b", "c", "d"]))
def test_alpha_is_invariant_under_renaming_categories(units: dict[int, dict[str, str]], renamed: list[str]) -> None:
    rename = dict(zip(["a", "b", "c", "d"], renamed))
    # Also a change of type: the categories are only compared, never ordered.
    recoded = {unit: {coder: (rename[value], 1) for coder, value in coded.items()} for unit, coded in units.items()}
    assert krippendorff_alpha_nominal(recoded) == krippendorff_alpha_nominal(units)


@settings(max_examples=200, deadline=None)
@given(coded_units, st.permutations(["ann", "bob", "cat", "dan"]))
def test_alpha_is_invariant_under_permuting_coders(units: dict[int, dict[str, str]], order: list[str]) -> None:
    swap = dict(zip(["ann", "bob", "cat", "dan"], order))
    permuted = {unit: {swap[coder]: value for coder, value in coded.items()} for unit, coded in units.items()}
    assert krippendorff_alpha_nominal(permuted) == krippendorff_alpha_nominal(units)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(CATEGORIES, st.integers(min_value=2, max_value=4)), min_size=2, max_size=25).filter(
        lambda units: len({value for value, _coders in units}) >= 2
    )
)
def test_perfect_agreement_with_two_categories_or_more_is_one(units: list[tuple[str, int]]) -> None:
    coded = {index: {f"coder{c}": value for c in range(coders)} for index, (value, coders) in enumerate(units)}
    assert krippendorff_alpha_nominal(coded) == 1.0


# --- Cohen's kappa -------------------------------------------------------------------------------------------------


def test_cohen_kappa_textbook_example() -> None:
    """50 grant applications, two readers: both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    p_o = 35/50 = 0.7; A says yes 25/50, B 30/50: p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4."""
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([(b, a) for a, b in pairs]) == pytest.approx(0.4)


def test_cohen_kappa_three_categories_by_hand() -> None:
    """Rows A, columns B: [[4, 1, 0], [1, 3, 1], [0, 0, 2]]; n = 12, p_o = 9/12; A's marginals 5, 5, 2, B's 5, 4, 3;
    p_e = (25 + 20 + 6) / 144 = 51/144; kappa = (108/144 - 51/144) / (93/144) = 57/93."""
    pairs = [("x", "x")] * 4 + [("x", "y")] + [("y", "x")] + [("y", "y")] * 3 + [("y", "z")] + [("z", "z")] * 2
    assert cohen_kappa(pairs) == pytest.approx(57 / 93)


def test_cohen_kappa_when_not_defined() -> None:
    assert cohen_kappa([]) is None
    assert cohen_kappa([("fine", "fine")] * 12) is None


def test_cohen_kappa_of_constant_but_different_raters_is_zero() -> None:
    assert cohen_kappa([("fine", "insult")] * 12) == 0.0


def test_cohen_kappa_takes_categories_that_do_not_sort() -> None:
    pairs: list[tuple[Hashable, Hashable]] = [(None, None), ("x", "x"), (None, "x"), (1, 1)]
    assert cohen_kappa(pairs) is not None


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), min_size=1, max_size=60))
def test_cohen_kappa_is_scikit_learns(pairs: list[tuple[str, str]]) -> None:
    """The closed form (exact fractions, no scikit-learn import in a report) against ``cohen_kappa_score``."""
    from sklearn.metrics import cohen_kappa_score

    first, second = [a for a, _b in pairs], [b for _a, b in pairs]
    with warnings.catch_warnings():  # one category only: scikit-learn warns, then says nan
        warnings.simplefilter("ignore")
        expected = float(cohen_kappa_score(first, second, labels=sorted(set(first) | set(second))))
    kappa = cohen_kappa(pairs)
    if math.isnan(expected):
        assert kappa is None
    else:
        assert kappa == pytest.approx(expected, abs=1e-12)


# --- agreement_by_label --------------------------------------------------------------------------------------------

INSULT, OFF_TOPIC, SPAM = "insult", "off-topic", "spam"


def hand_made_decisions() -> dict[str, dict[str, frozenset[str]]]:
    """Twelve comments decided by ann and bob, the first four by cat as well; c13 by ann alone, c14 by dan alone."""
    fine: frozenset[str] = frozenset()
    decisions: dict[str, dict[str, frozenset[str]]] = {
        "c1": {"ann": frozenset({INSULT}), "bob": frozenset({INSULT}), "cat": frozenset({INSULT})},
        "c2": {"ann": frozenset({INSULT}), "bob": fine, "cat": frozenset({INSULT})},
        "c3": {"ann": frozenset({INSULT, OFF_TOPIC}), "bob": frozenset({INSULT}), "cat": frozenset({OFF_TOPIC})},
        "c4": {"ann": frozenset({OFF_TOPIC}), "bob": frozenset({OFF_TOPIC}), "cat": fine},
        "c5": {"ann": fine, "bob": frozenset({INSULT})},
    }
    decisions |= {f"c{number}": {"ann": fine, "bob": fine} for number in range(6, 13)}
    decisions["c13"] = {"ann": frozenset({INSULT})}
    decisions["c14"] = {"dan": frozenset({SPAM})}
    return decisions


def row(rows: list[LabelAgreement], label: str) -> LabelAgreement:
    return next(r for r in rows if r.label == label)


def test_rows_any_label_first_then_the_labels_in_order() -> None:
    rows = agreement_by_label(hand_made_decisions(), [INSULT, OFF_TOPIC, SPAM])
    assert [r.label for r in rows] == [ANY_LABEL, INSULT, OFF_TOPIC, SPAM]
    assert all(r.comments == 12 and not r.too_little_overlap for r in rows)  # c13 and c14: one moderator each


def test_alpha_and_kappa_per_label_by_hand() -> None:
    """Hand-computed, nominal alpha = 1 - (n - 1) o_01 / (n_0 n_1) over the 28 pairable values (c1-c4: 3 each,
    c5-c12: 2 each); a three-moderator comment with a 2-1 split adds o_01 = 2*1/(3-1) = 1, a 2-moderator split 1.

    insult: n_1 = 8 (c1 3, c2 2, c3 2, c5 1), splits c2 c3 c5: alpha = 1 - 27*3/(20*8) = 79/160.
      ann-bob over c1-c12: both 2, ann only 1, bob only 1, neither 8: p_o = 10/12, p_e = 9/144 + 81/144 = 5/8,
      kappa = (5/6 - 5/8) / (3/8) = 5/9.
    any label: n_1 = 11 (c1 3, c2 2, c3 3, c4 2, c5 1), splits c2 c4 c5: alpha = 1 - 27*3/(17*11) = 106/187.
      ann-bob: both 3, ann only 1, bob only 1, neither 7: p_o = 10/12, p_e = 1/9 + 4/9, kappa = (5/6 - 5/9)/(4/9) = 5/8.
    off-topic: n_1 = 4 (c3 2, c4 2), splits c3 c4: alpha = 1 - 27*2/(24*4) = 7/16.
      ann-bob: both 1 (c4), ann only 1 (c3), neither 10: p_o = 11/12, p_e = 2/144 + 110/144 = 7/9,
      kappa = (11/12 - 7/9) / (2/9) = 5/8.
    """
    rows = agreement_by_label(hand_made_decisions(), [INSULT, OFF_TOPIC, SPAM])
    expected = {ANY_LABEL: (106 / 187, 5 / 8), INSULT: (79 / 160, 5 / 9), OFF_TOPIC: (7 / 16, 5 / 8)}
    for label, (alpha, kappa) in expected.items():
        result = row(rows, label)
        assert result.alpha == pytest.approx(alpha), label
        ann_bob = result.pairs[0]
        assert (ann_bob.moderator_a, ann_bob.moderator_b, ann_bob.comments) == ("ann", "bob", 12)
        assert ann_bob.kappa == pytest.approx(kappa), label
        assert not ann_bob.too_little_overlap


def test_pairs_under_the_minimum_have_no_kappa() -> None:
    """cat shares four comments with each of ann and bob: listed, counted, and marked, not a number; dan shares
    none with anybody and has no pair at all."""
    insult = row(agreement_by_label(hand_made_decisions(), [INSULT]), INSULT)
    assert [(p.moderator_a, p.moderator_b, p.comments) for p in insult.pairs] == [
        ("ann", "bob", 12),
        ("ann", "cat", 4),
        ("bob", "cat", 4),
    ]
    for pair in insult.pairs[1:]:
        assert pair.kappa is None and pair.too_little_overlap
        assert pair.text == "not enough overlap (4 comments)"


def test_a_label_nobody_used_is_not_defined_rather_than_perfect() -> None:
    spam = row(agreement_by_label(hand_made_decisions(), [SPAM]), SPAM)
    assert spam.comments == 12 and not spam.too_little_overlap
    assert spam.alpha is None and spam.text == "not defined"
    assert spam.pairs[0] == PairKappa("ann", "bob", 12, None)
    assert spam.pairs[0].text == "not defined"


def test_a_comment_decided_by_one_moderator_is_not_counted() -> None:
    decisions = hand_made_decisions()
    alone = {comment: by for comment, by in decisions.items() if len(by) == 1}
    assert set(alone) == {"c13", "c14"}
    without = {comment: by for comment, by in decisions.items() if comment not in alone}
    more_alone: dict[str, dict[str, frozenset[str]]] = {
        **decisions,
        "c15": {"cat": frozenset({INSULT})},
        "c16": {"bob": frozenset()},
    }
    labels = [INSULT, OFF_TOPIC, SPAM]
    assert agreement_by_label(decisions, labels) == agreement_by_label(without, labels)
    assert agreement_by_label(more_alone, labels) == agreement_by_label(without, labels)


def test_too_little_overlap_withholds_alpha() -> None:
    """Only the four comments all three decided: under MIN_OVERLAP, so no alpha and no kappa, but the counts stay."""
    first_four = {comment: by for comment, by in hand_made_decisions().items() if comment in {"c1", "c2", "c3", "c4"}}
    for result in agreement_by_label(first_four, [INSULT, OFF_TOPIC]):
        assert result.comments == 4 and result.too_little_overlap and result.alpha is None
        assert result.text == "not enough overlap (4 comments)"
        assert [(p.comments, p.kappa) for p in result.pairs] == [(4, None)] * 3


def test_a_lower_minimum_lets_small_overlaps_through() -> None:
    """With minimum 3, the four shared comments are enough. insult over c1-c4: values 1,1,1 / 1,0,1 / 1,1,0 / 0,0,0,
    n = 12, n_1 = 7, splits c2 c3: alpha = 1 - 11*2/(5*7) = 13/35."""
    first_four = {comment: by for comment, by in hand_made_decisions().items() if comment in {"c1", "c2", "c3", "c4"}}
    insult = row(agreement_by_label(first_four, [INSULT], minimum=3), INSULT)
    assert insult.minimum == 3 and not insult.too_little_overlap
    assert insult.alpha == pytest.approx(13 / 35)
    assert all(pair.kappa is not None for pair in insult.pairs)


def test_no_shared_comment_at_all() -> None:
    decisions: Mapping[str, Mapping[str, frozenset[str]]] = {"c1": {"ann": frozenset({INSULT})}}
    rows = agreement_by_label(decisions, [INSULT])
    assert [(r.label, r.comments, r.alpha, r.pairs) for r in rows] == [(ANY_LABEL, 0, None, ()), (INSULT, 0, None, ())]
    assert rows[0].text == "not enough overlap (0 comments)"


def test_minimum_default_is_the_issue_s_ten() -> None:
    assert MIN_OVERLAP == 10
    assert LabelAgreement("x", 9, None, ()).too_little_overlap
    assert not LabelAgreement("x", 10, 0.5, ()).too_little_overlap


def test_figure_text() -> None:
    assert figure_text(0.74342, 40) == "0.743"
    assert figure_text(None, 40) == "not defined"
    assert figure_text(0.9, 1) == "not enough overlap (1 comment)"
    assert figure_text(None, 9) == "not enough overlap (9 comments)"


def test_importing_the_module_does_not_import_scikit_learn() -> None:
    import subprocess
    import sys

    script = "import sys, moderator.reports.agreement; print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr
