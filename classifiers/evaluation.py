"""Evaluating a model on labeled JSONL files: how well ``concern`` ranks uncivil comments, per-label precision
and recall where a file's categories map onto the taxonomy, and how many comments of civil-only files get flagged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    precision_recall_fscore_support,
    roc_auc_score,
)

from classifiers.data import LabeledFile, label_matrix, read_labeled_file
from classifiers.model import GuidelineClassifier

# Comments turned into examples and scored per call: a whole file's thread contexts and feature matrix (and the
# vectorizer's per-call cache of context words) would grow with the file. Scores are per comment, so batches
# give exactly the figures of one call (whatever the order of the comments: every figure is per file).
SCORING_BATCH = 512


@dataclass(slots=True)
class ScoredFile:
    """What evaluation needs of each comment of a file, one row per comment, without the comments themselves."""

    proba: np.ndarray  # label probabilities
    concern_proba: np.ndarray
    concern: np.ndarray  # the file's own label: uncivil or not
    known: np.ndarray  # the comment says which guidelines apply (see Example.known_labels)
    targets: np.ndarray  # taxonomy labels from the file's categories, label_matrix layout
    category_of: np.ndarray  # the source's category ("" for none), as Python strings
    has_labels: bool  # some category maps onto a taxonomy label (known to this model or not)


def score_file(model: GuidelineClassifier, labeled: LabeledFile) -> ScoredFile:
    """Every comment of ``labeled`` scored, a batch at a time so memory stays flat however long the file."""
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    concern: list[bool] = []
    known: list[bool] = []
    targets: list[np.ndarray] = []
    category_of: list[str] = []
    has_labels = False
    for batch in labeled.batches(SCORING_BATCH):
        parts.append(model.score_all([e.input for e in batch]))
        concern.extend(e.concern for e in batch)
        known.extend(e.known_labels for e in batch)
        targets.append(label_matrix(batch, list(model.classes_)))
        category_of.extend(str(e.extra.get("category", "")) for e in batch)
        has_labels = has_labels or any(e.labels for e in batch)
    return ScoredFile(
        proba=np.concatenate([p for p, _ in parts]),
        concern_proba=np.concatenate([c for _, c in parts]),
        concern=np.array(concern, dtype=bool),
        known=np.array(known, dtype=bool),
        targets=np.concatenate(targets),
        # object, not a fixed-width string array: one long category would otherwise widen every row
        category_of=np.array(category_of, dtype=object),
        has_labels=has_labels,
    )


def evaluate_file(model: GuidelineClassifier, path: str | Path) -> dict[str, Any]:
    """The figures of one labeled file. Every figure is a number (or None): a file without labeled comments is
    refused while it is read, and the ranking figures are only computed when the file has both kinds of comment,
    so no NaN can reach the output (NaN is not valid JSON)."""
    scored = score_file(model, read_labeled_file(path))
    proba, concern_proba, concern = scored.proba, scored.concern_proba, scored.concern
    predicted = proba >= model.thresholds_
    flagged = np.asarray(predicted.any(axis=1))  # an array (the stubs also allow a scalar)
    # What a moderator is pointed at: comments flagged by a label or marked for review by their concern.
    marked = flagged | model.predict_review(proba, concern_proba)
    result: dict[str, Any] = {
        "file": str(path),
        "comments": len(concern),
        "uncivil": int(concern.sum()),
        "flag_rate": round(float(flagged.mean()), 4),
        "flag_or_review_rate": round(float(marked.mean()), 4),
        "flag_rate_by_label": {
            str(label): round(float(rate), 4) for label, rate in zip(model.classes_, predicted.mean(axis=0))
        },
    }
    if 0 < concern.sum() < len(concern):
        result["concern_roc_auc"] = round(float(roc_auc_score(concern, concern_proba)), 4)
        result["concern_average_precision"] = round(float(average_precision_score(concern, concern_proba)), 4)
        result["flag_precision"] = round(float(concern[flagged].mean()), 4) if flagged.any() else None
        result["flag_recall"] = round(float(flagged[concern].mean()), 4)
        result["flag_or_review_precision"] = round(float(concern[marked].mean()), 4) if marked.any() else None
        result["flag_or_review_recall"] = round(float(marked[concern].mean()), 4)
    else:
        result["civil_only" if concern.sum() == 0 else "uncivil_only"] = True
    categories = sorted({category for category in scored.category_of[concern].tolist() if category})
    if categories and not concern.all() and concern.any():
        result["categories"] = _by_category(scored.category_of, concern, concern_proba, flagged, categories)
    if scored.has_labels:
        result["labels"] = _by_label(model, scored.targets[scored.known], predicted[scored.known].astype(int))
    return result


def _by_label(model: GuidelineClassifier, targets: np.ndarray, predicted: np.ndarray) -> dict[str, dict[str, Any]]:
    """Precision and recall of each taxonomy label on the comments whose categories say which labels apply."""
    per_label = {}
    for j, label in enumerate(model.classes_):
        target = targets[:, j]
        if target.sum() == 0:
            continue
        p, r, f, _ = precision_recall_fscore_support(target, predicted[:, j], average="binary", zero_division=0)
        per_label[str(label)] = {
            "precision": round(float(p), 3),
            "recall": round(float(r), 3),
            "f1": round(float(f), 3),
            "support": int(target.sum()),
        }
    return per_label


def _by_category(
    category_of: np.ndarray, concern: np.ndarray, concern_proba: np.ndarray, flagged: np.ndarray, categories: list[str]
) -> dict[str, dict[str, Any]]:
    """For each of the source's own categories of uncivil comment: how many, how many the model flags, and how
    well concern ranks them above the civil comments. Shows which kinds of incivility a model misses."""
    civil_scores = concern_proba[~concern]
    result = {}
    for category in categories:
        rows = concern & (category_of == category)
        scores = np.concatenate([civil_scores, concern_proba[rows]])
        target = np.concatenate([np.zeros(len(civil_scores)), np.ones(int(rows.sum()))])
        result[category] = {
            "comments": int(rows.sum()),
            "flagged": round(float(flagged[rows].mean()), 4),
            "concern_roc_auc": round(float(roc_auc_score(target, scores)), 4),
        }
    return result


def evaluate(model: GuidelineClassifier, paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    return [evaluate_file(model, path) for path in paths]
