"""Cross-domain quality proxies computed from training data only, for choosing features and parameters.

    .venv/bin/python scripts/crossdomain_proxy.py [--shared ../shared/data] [--param NAME=VALUE ...]

The held-out files must never steer a choice, yet what they measure is how well the model carries over to a
register it was not trained on. This script measures the same thing inside ``train/`` and the starter corpus:
each row trains on some sources and reports the ROC-AUC of ``concern`` on a source left out of training.

- ``vcu``: train on the starter corpus and half the ordinary repositories, test on the VCU locked issues.
- ``starter``: train on VCU and half the ordinary repositories, test on the whole starter corpus.
- ``wiki-talk`` / ``patch-review``: train on everything except that starter file, test on it.
- ``vcu-bare``: the same, with the VCU comments scored without their thread (as loose comments are).
- ``ordinary>=0.5``: share of the other half of the ordinary repositories (never trained on) with concern >= 0.5,
  from the ``vcu`` model.
- ``cv``: the in-domain out-of-fold ROC-AUC on everything (grouped by thread), as ``moderator train`` reports it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from classifiers.data import (
    Example,
    label_matrix,
    load_labeled_jsonl,
    load_starter_corpus,
)
from classifiers.model import GuidelineClassifier
from classifiers.training import without_context_sometimes
from moderation_core.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent


def _parse_value(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def fit(
    examples: list[Example], labels: tuple[str, ...], params: dict[str, object], dropout: float
) -> tuple[GuidelineClassifier, np.ndarray]:
    """A model fitted on ``examples`` (a ``dropout`` share shown without their thread), and its out-of-fold
    probabilities (concern last)."""
    examples = without_context_sometimes(examples, dropout)
    # Only concern is measured; a label the training sources never use (VCU has no off-topic) is left out.
    present = label_matrix(examples, labels).sum(axis=0) >= 10
    labels = tuple(label for label, keep in zip(labels, present) if keep)
    model = GuidelineClassifier(labels=labels, folds=3, **params)
    out_of_fold = model.fit_out_of_fold(
        [e.input for e in examples],
        label_matrix(examples, labels),
        np.array([e.concern for e in examples]),
        [e.group for e in examples],
        np.array([e.known_labels for e in examples]),
    )
    return model, out_of_fold


def concern_auc(model: GuidelineClassifier, examples: list[Example]) -> float:
    target = np.array([e.concern for e in examples])
    return float(roc_auc_score(target, model.predict_concern([e.input for e in examples])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--param", action="append", default=[], help="a GuidelineClassifier parameter, NAME=VALUE")
    parser.add_argument(
        "--context-dropout", type=float, default=0.3, help="share of training comments shown without their thread"
    )
    args = parser.parse_args()
    params = {k: _parse_value(v) for k, v in (p.split("=", 1) for p in args.param)}
    dropout = args.context_dropout
    train_dir = Path(args.shared) / "train"
    labels = load_taxonomy().ids
    starter = load_starter_corpus(taxonomy_ids=labels)
    vcu = load_labeled_jsonl(train_dir / "vcu_incivility.jsonl")
    ordinary = load_labeled_jsonl(train_dir / "github_ordinary_threads.jsonl")
    repositories = sorted({e.group.split("#")[0] for e in ordinary})
    first_half = set(repositories[::2])
    ordinary_a = [e for e in ordinary if e.group.split("#")[0] in first_half]
    ordinary_b = [e for e in ordinary if e.group.split("#")[0] not in first_half]
    # Scored the way the product meets them: with their thread where the source has one.
    results: dict[str, float] = {}
    began = time.perf_counter()

    model, _ = fit(starter + ordinary_a, labels, params, dropout)
    results["vcu"] = concern_auc(model, vcu)
    bare = [replace(e, input=replace(e.input, title="", context="")) for e in vcu]
    results["vcu-bare"] = concern_auc(model, bare)
    results["ordinary>=0.5"] = float((model.predict_concern([e.input for e in ordinary_b]) >= 0.5).mean())

    model, _ = fit(vcu + ordinary_a, labels, params, dropout)
    results["starter"] = concern_auc(model, starter)

    for name in ("wiki-talk", "patch-review"):
        left_out = [e for e in starter if e.source == f"starter:{name}"]
        rest = [e for e in starter if e.source != f"starter:{name}"]
        model, _ = fit(rest + vcu + ordinary_a, labels, params, dropout)
        results[name] = concern_auc(model, left_out)

    everything = starter + vcu + ordinary
    _, out_of_fold = fit(everything, labels, params, dropout)
    concern = np.array([e.concern for e in everything])
    results["cv"] = float(roc_auc_score(concern, out_of_fold[:, -1]))

    print(" ".join(f"{k}={v:.3f}" for k, v in results.items()), f"({time.perf_counter() - began:.0f} s)", params)


if __name__ == "__main__":
    main()
