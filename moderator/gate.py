"""The comparison gate: a newly trained model becomes the one in use only when it is not worse than the model in use.

Both models are judged on the same data, and the gate's rules are the constants below:

- **held-back logged decisions** (:func:`moderator.log.training.split_by_thread`: a stable fifth of the logged
  threads, never trained on) when there are enough of them: at least :data:`MIN_HELD_BACK` comments, of which at
  least :data:`MIN_POSITIVES` are concerns and as many clean, and at least one label with :data:`MIN_POSITIVES`
  positives. Only labels with that many held-back positives are judged (their recall rule and their share of macro
  F1); the others are shown with their count, since a recall measured on one to four comments moves by 0.2 or more
  when a single comment changes;
- else the **cross-validation on the starter corpus** (and corpora) that each model's card states: every label of
  the taxonomy is judged, and the output says why the logged decisions were too few. Then nothing is held back:
  ``moderator train`` trains on every logged comment (holding back what cannot judge would only lose data);
- a model in use that cannot be read or loaded here (gone, untrusted, another taxonomy) cannot be compared: the
  gate fails with that reason (:func:`cannot_compare`).

The candidate passes when its macro F1 (the mean F1 of the judged labels) is at most :data:`MAX_MACRO_F1_DROP`
below the model in use's, and no judged label's recall is more than :data:`MAX_RECALL_DROP` below. Nothing here
prints or activates anything: ``moderator train`` does that (and ``--force``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation_core.errors import ModelError
from moderation_core.textsafe import one_line

if TYPE_CHECKING:  # numpy and scikit-learn load only when the gate runs: 'moderator train --help' starts quickly
    from classifiers.data import Example
    from classifiers.model import GuidelineClassifier

MAX_MACRO_F1_DROP = 0.02
MAX_RECALL_DROP = 0.05
MIN_HELD_BACK = 50  # held-back logged comments, fewer: the gate uses the cards' cross-validation
MIN_POSITIVES = 5  # held-back positives a label needs to be judged (concerns and clean comments too)
# Figures are rounded to three places; a drop of exactly the allowed amount passes whatever the binary fraction.
_TOLERANCE = 1e-9


class Basis(StrEnum):
    """What the two models were judged on (the words of the output and the card)."""

    HELD_BACK = "held-back logged decisions"
    CROSS_VALIDATION = "cross-validation on the training corpora (the models' cards)"


@dataclass(frozen=True, slots=True)
class LabelFigures:
    precision: float | None
    recall: float | None
    f1: float | None
    positives: int | None  # None: the card does not say


@dataclass(frozen=True, slots=True)
class Metrics:
    """One model's figures on the gate's data: per label, and concern's ROC-AUC."""

    labels: dict[str, LabelFigures]
    concern_auc: float | None


@dataclass(frozen=True, slots=True)
class Row:
    """One figure of the table: the model in use's value, the candidate's, and the change."""

    name: str  # a label, "concern" or "macro"
    figure: str  # "precision", "recall", "f1", "roc_auc"
    old: float | None
    new: float | None
    positives: int | None = None
    judged: bool = True

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else round(self.new - self.old, 4)


@dataclass(frozen=True, slots=True)
class GateResult:
    """The comparison: its basis (and why), the table's rows, and one reason per failing rule (none: passed)."""

    basis: Basis
    data: dict[str, Any]  # what was compared on, for the card
    rows: list[Row]
    reasons: list[str]
    judged_labels: list[str]
    notes: list[str] = field(default_factory=list)  # said, not failing (why cross-validation was used ...)

    @property
    def passed(self) -> bool:
        return not self.reasons

    def activates(self, *, force: bool) -> bool:
        """Whether the candidate is put in use: it passed, or ``--force`` says so anyway."""
        return self.passed or force

    def verdict(self, *, forced: bool) -> str:
        if self.passed:
            return "passed"
        return "failed, put in use anyway (--force)" if forced else "failed"

    def card(self, *, forced: bool, activated: bool, old_id: str) -> dict[str, Any]:
        """The ``gate`` section of the candidate's model card."""
        return {
            "compared_with": old_id,
            "basis": str(self.basis),
            "data": self.data,
            "rules": {
                "max_macro_f1_drop": MAX_MACRO_F1_DROP,
                "max_recall_drop": MAX_RECALL_DROP,
                "min_held_back": MIN_HELD_BACK,
                "min_positives": MIN_POSITIVES,
            },
            "judged_labels": list(self.judged_labels),
            "table": [
                {
                    "name": row.name,
                    "figure": row.figure,
                    "in_use": row.old,
                    "new": row.new,
                    "delta": row.delta,
                    **({"positives": row.positives} if row.positives is not None else {}),
                    **({} if row.judged else {"judged": False}),
                }
                for row in self.rows
            ],
            "verdict": self.verdict(forced=forced),
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "activated": activated,
        }


# -- measuring ---------------------------------------------------------------------------------------------------
def _rounded(value: float) -> float:
    return round(float(value), 3)


def evaluate(model: GuidelineClassifier, examples: Sequence[Example]) -> Metrics:
    """``model``'s figures on ``examples``: each label's precision, recall and F1 at the model's own thresholds,
    and concern's ROC-AUC (None unless both concerns and clean comments are among them)."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from classifiers.data import label_matrix

    labels = [str(label) for label in model.classes_]
    proba, concern_proba = model.score_all([example.input for example in examples])
    targets = label_matrix(list(examples), labels)
    known = np.array([example.known_labels for example in examples], dtype=bool)
    flagged = proba >= model.thresholds_
    figures = {}
    for j, label in enumerate(labels):
        target, predicted = targets[known, j] == 1, flagged[known, j]
        figures[label] = _label_figures(int((target & predicted).sum()), int(predicted.sum()), int(target.sum()))
    concern = np.array([example.concern for example in examples], dtype=bool)
    auc = _rounded(roc_auc_score(concern, concern_proba)) if 0 < concern.sum() < len(concern) else None
    return Metrics(figures, auc)


def _label_figures(hits: int, flagged: int, positives: int) -> LabelFigures:
    """Precision (None when nothing was flagged), recall and F1 (None without positives: there is nothing to find,
    and a 0 would read as a model that finds nothing)."""
    precision = hits / flagged if flagged else None
    if not positives:
        return LabelFigures(None if precision is None else _rounded(precision), None, None, 0)
    recall = hits / positives
    f1 = 2 * precision * recall / (precision + recall) if precision is not None and precision + recall else 0.0
    return LabelFigures(None if precision is None else _rounded(precision), _rounded(recall), _rounded(f1), positives)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def card_metrics(card: Mapping[str, Any]) -> Metrics:
    """A model card's cross-validated figures as :class:`Metrics` (a figure the card lacks is None)."""
    metrics = card.get("cross_validated_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    taxonomy = card.get("taxonomy")
    names = taxonomy.get("labels", []) if isinstance(taxonomy, dict) else []
    figures = {}
    for label in names if isinstance(names, list) else []:
        entry = metrics.get(label)
        entry = entry if isinstance(entry, dict) else {}
        positives = _number(entry.get("positives"))
        figures[str(label)] = LabelFigures(
            _number(entry.get("precision")),
            _number(entry.get("recall")),
            _number(entry.get("f1")),
            None if positives is None else int(positives),
        )
    concern = metrics.get("concern")
    return Metrics(figures, _number(concern.get("roc_auc")) if isinstance(concern, dict) else None)


# -- judging -----------------------------------------------------------------------------------------------------
def too_few(held_back: Sequence[Example], label_ids: Sequence[str]) -> str | None:
    """Why the held-back decisions are too few to judge the models on (one line, the numbers stated), or None."""
    if len(held_back) < MIN_HELD_BACK:
        return f"{len(held_back)} logged comments held back, fewer than the {MIN_HELD_BACK} the gate needs"
    concerns = sum(example.concern for example in held_back)
    clean = len(held_back) - concerns
    if min(concerns, clean) < MIN_POSITIVES:
        return (
            f"{len(held_back)} logged comments held back, {concerns} of them concerns and {clean} clean: "
            f"the gate needs at least {MIN_POSITIVES} of each"
        )
    if not judged_labels(held_back, label_ids):
        return f"{len(held_back)} logged comments held back, but no label has {MIN_POSITIVES} positives among them"
    return None


def judged_labels(held_back: Sequence[Example], label_ids: Sequence[str]) -> list[str]:
    """The labels with at least MIN_POSITIVES held-back positives, in taxonomy order."""
    counts = {label: 0 for label in label_ids}
    for example in held_back:
        for label in example.labels:
            if label in counts:
                counts[label] += 1
    return [label for label in label_ids if counts[label] >= MIN_POSITIVES]


def macro_f1(metrics: Metrics, labels: Sequence[str]) -> float | None:
    """The mean F1 of ``labels`` (None when one of them has no F1)."""
    scores = [metrics.labels[label].f1 if label in metrics.labels else None for label in labels]
    known = [score for score in scores if score is not None]
    return round(sum(known) / len(known), 4) if known and len(known) == len(scores) else None


def _dropped(old: float | None, new: float | None, allowed: float) -> float | None:
    """How far ``new`` fell below ``old`` when more than ``allowed``, else None."""
    if old is None or new is None:
        return None
    drop = old - new
    return drop if drop > allowed + _TOLERANCE else None


def compare(
    old: Metrics,
    new: Metrics,
    labels: Sequence[str],
    basis: Basis,
    *,
    data: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> GateResult:
    """The gate on two models' figures: the table's rows (every label of ``new``; ``labels`` are the judged
    ones), and a reason per failing rule."""
    rows: list[Row] = []
    for label, figures in new.labels.items():
        before = old.labels.get(label, LabelFigures(None, None, None, None))
        for figure in ("precision", "recall", "f1"):
            rows.append(
                Row(
                    label, figure, getattr(before, figure), getattr(figures, figure), figures.positives, label in labels
                )
            )
    rows.append(Row("concern", "roc_auc", old.concern_auc, new.concern_auc, judged=False))
    old_macro, new_macro = macro_f1(old, labels), macro_f1(new, labels)
    rows.append(Row("macro", "f1", old_macro, new_macro))
    reasons = []
    drop = _dropped(old_macro, new_macro, MAX_MACRO_F1_DROP)
    if drop is not None:
        reasons.append(
            f"macro F1 drops by {drop:.3f} ({old_macro:.3f} to {new_macro:.3f}), "
            f"more than the {MAX_MACRO_F1_DROP} allowed"
        )
    if labels and (old_macro is None or new_macro is None):
        reasons.append("macro F1 cannot be compared: a judged label has no F1 in one of the models")
    for label in labels:
        before_recall = old.labels[label].recall if label in old.labels else None
        after_recall = new.labels[label].recall if label in new.labels else None
        drop = _dropped(before_recall, after_recall, MAX_RECALL_DROP)
        if drop is not None:
            reasons.append(
                f"{label} recall drops by {drop:.3f} ({before_recall:.3f} to {after_recall:.3f}), "
                f"more than the {MAX_RECALL_DROP} allowed"
            )
    return GateResult(basis, dict(data or {}), rows, reasons, list(labels), list(notes))


def judge_on_held_back(
    old_model: GuidelineClassifier, new_model: GuidelineClassifier, held_back: Sequence[Example], data: dict[str, Any]
) -> GateResult:
    """Both models scored on the held-back examples (enough of them: see :func:`too_few`) and compared."""
    labels = judged_labels(held_back, [str(label) for label in new_model.classes_])
    return compare(evaluate(old_model, held_back), evaluate(new_model, held_back), labels, Basis.HELD_BACK, data=data)


def judge_on_cards(
    old_card: Mapping[str, Any], new_card: Mapping[str, Any], data: dict[str, Any], notes: Sequence[str] = ()
) -> GateResult:
    """The fallback: both cards' cross-validated figures, every label of the candidate's taxonomy judged."""
    new = card_metrics(new_card)
    return compare(card_metrics(old_card), new, list(new.labels), Basis.CROSS_VALIDATION, data=data, notes=notes)


def cannot_compare(why: str, new_card: Mapping[str, Any], data: dict[str, Any]) -> GateResult:
    """The model in use cannot be read or scored here (gone, untrusted, another taxonomy...): nothing to compare
    with, so the gate fails with that reason (``--force`` puts the candidate in use anyway)."""
    new = card_metrics(new_card)
    result = compare(Metrics({}, None), new, [], Basis.CROSS_VALIDATION, data=data)
    return GateResult(result.basis, result.data, result.rows, [f"the model in use cannot be compared: {why}"], [])


# -- the card ----------------------------------------------------------------------------------------------------
def record_in_card(folder: str | Path, section: dict[str, Any]) -> dict[str, Any]:
    """Write ``section`` as the ``gate`` entry of the model card in ``folder`` (atomically); the card as written.
    The model file and its sha256 are untouched, so the model's id stays the same."""
    import yaml

    from classifiers.card import CARD_FILE, read_card
    from moderation_core.files import write_atomically

    card = read_card(folder)
    card["gate"] = section
    text = yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=100)
    path = Path(folder) / CARD_FILE
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as error:
        raise ModelError(f"{path}: cannot write the gate's result ({error.strerror or error})") from None
    return card


def gate_table(result: GateResult, old_id: str, new_id: str) -> str:
    """The gate's figures, the model in use's beside the new one's and the change, a line per label; then concern
    ROC-AUC, macro F1 and the verdict. Ids come from model cards and labels from the taxonomy file: one_line."""
    lines = [
        f"comparison gate on {result.basis}",
        f"  in use: {one_line(old_id, 80)}",
        f"  new:    {one_line(new_id, 80)}",
        f"{'':18} {'':>5}  {'precision':^20}  {'recall':^20}  {'F1':^20}",
        f"{'label':18} {'n':>5}  " + "  ".join([f"{'in use':>6} {'new':>6} {'change':>6}"] * 3),
    ]
    by_label: dict[str, dict[str, Row]] = {}
    for row in result.rows:
        by_label.setdefault(row.name, {})[row.figure] = row
    for label, figures in by_label.items():
        if label in ("concern", "macro"):
            continue
        first = next(iter(figures.values()))
        cells = "  ".join(_triple(figures[figure]) for figure in ("precision", "recall", "f1"))
        count = "-" if first.positives is None else str(first.positives)
        note = "" if first.judged else "  (not judged)"
        lines.append(f"{one_line(label, 18):18} {count:>5}  {cells}{note}")
    concern, macro = by_label["concern"]["roc_auc"], by_label["macro"]["f1"]
    lines.append(f"{'concern ROC-AUC':24}  {_triple(concern)}")
    judged = len(result.judged_labels)
    macro_name = f"macro F1 ({judged} label{'' if judged == 1 else 's'})"
    lines.append(f"{macro_name:24}  {_triple(macro)}")
    lines.append(
        f"verdict: {result.verdict(forced=False)}"
        + ("" if result.passed else f" ({len(result.reasons)} of the rules, on standard error)")
    )
    return "\n".join(lines)


def _triple(row: Row) -> str:
    def shown(value: float | None, signed: bool = False) -> str:
        return "-" if value is None else (f"{value:+.3f}" if signed else f"{value:.3f}")

    return f"{shown(row.old):>6} {shown(row.new):>6} {shown(row.delta, True):>6}"
