"""Evaluating a model on labeled JSONL files: how well ``concern`` ranks uncivil comments, per-label precision
and recall where a file's categories map onto the taxonomy, and how many comments of civil-only files get flagged."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    precision_recall_fscore_support,
    roc_auc_score,
)

from classifiers.data import label_matrix, load_labeled_jsonl
from classifiers.model import GuidelineClassifier


def evaluate_file(model: GuidelineClassifier, path: str | Path) -> dict[str, Any]:
    examples = load_labeled_jsonl(path)
    X = [e.input for e in examples]
    proba, concern_proba = model.score_all(X)
    concern = np.array([e.concern for e in examples])
    flagged = (proba >= model.thresholds_).any(axis=1)
    result: dict[str, Any] = {
        "file": str(path),
        "comments": len(examples),
        "uncivil": int(concern.sum()),
        "flag_rate": round(float(flagged.mean()), 4),
        "flag_rate_by_label": {
            str(label): round(float(rate), 4)
            for label, rate in zip(model.classes_, (proba >= model.thresholds_).mean(axis=0))
        },
    }
    if 0 < concern.sum() < len(concern):
        result["concern_roc_auc"] = round(float(roc_auc_score(concern, concern_proba)), 4)
        result["concern_average_precision"] = round(float(average_precision_score(concern, concern_proba)), 4)
        result["flag_precision"] = round(float(concern[flagged].mean()), 4) if flagged.any() else None
        result["flag_recall"] = round(float(flagged[concern].mean()), 4)
    else:
        result["civil_only" if concern.sum() == 0 else "uncivil_only"] = True
    categories = sorted({str(e.extra["category"]) for e in examples if e.concern and "category" in e.extra})
    if categories and not concern.all() and concern.any():
        result["categories"] = _by_category(examples, concern, concern_proba, flagged, categories)
    known = np.array([e.known_labels for e in examples])
    has_categories = any(e.labels for e in examples)
    if has_categories:
        Y = label_matrix(examples, list(model.classes_))
        predicted = (proba >= model.thresholds_).astype(int)
        per_label = {}
        for j, label in enumerate(model.classes_):
            target = Y[known, j]
            if target.sum() == 0:
                continue
            p, r, f, _ = precision_recall_fscore_support(target, predicted[known, j], average="binary", zero_division=0)
            per_label[str(label)] = {
                "precision": round(float(p), 3),
                "recall": round(float(r), 3),
                "f1": round(float(f), 3),
                "support": int(target.sum()),
            }
        result["labels"] = per_label
    return result


def _by_category(
    examples: Sequence[Any], concern: np.ndarray, concern_proba: np.ndarray, flagged: np.ndarray, categories: list[str]
) -> dict[str, dict[str, Any]]:
    """For each of the source's own categories of uncivil comment: how many, how many the model flags, and how
    well concern ranks them above the civil comments. Shows which kinds of incivility a model misses."""
    civil_scores = concern_proba[~concern]
    category_of = np.array([str(e.extra.get("category", "")) for e in examples])
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
