"""Training a guideline classifier: data assembly, thresholds chosen by cross-validation, metrics, model card."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from classifiers import trust
from classifiers.data import (
    STARTER_CORPUS,
    Example,
    label_matrix,
    load_labeled_jsonl,
    load_starter_corpus,
)
from classifiers.model import (  # the threshold rule is learned in fit; its constants describe it in the card
    CIVIL_ANY_FLAG_RATE,
    CIVIL_FLAG_RATE,
    FALLBACK_THRESHOLD,
    PRECISION_TARGET,
    GuidelineClassifier,
)
from classifiers.persist import DEFAULT_MODEL_DIR, save_model
from classifiers.sentences import sentences
from moderation_core.errors import DataError, ModelError
from moderation_core.model_inputs import INPUT_VERSION
from moderation_core.taxonomy import Taxonomy

# Datasets we know by file name: their origin and licence go into the model card.
KNOWN_DATASETS: dict[str, dict[str, str]] = {
    "vcu_incivility": {
        "name": "VCU incivility dataset (locked GitHub issues)",
        "licence": "MIT",
        "origin": "vcu-swim-lab/incivility-dataset",
    },
    "github_ordinary_threads": {
        "name": "ordinary GitHub issue threads",
        "licence": "MIT",
        "origin": "imranraad07/derailment-oss-replication",
    },
}
EVALUATION_ONLY = {"code_review_comments", "lkml_sentences"}


@dataclass(slots=True)
class TrainingData:
    examples: list[Example]
    sources: list[dict[str, Any]]


def assemble(corpora: Sequence[str | Path], taxonomy: Taxonomy, starter: Path = STARTER_CORPUS) -> TrainingData:
    examples = load_starter_corpus(starter, taxonomy.ids)
    sources: list[dict[str, Any]] = [
        {
            "name": "moderator starter corpus",
            "path": "labels/starter",
            "licence": "MIT (written for this project)",
            "examples": len(examples),
        }
    ]
    for corpus in corpora:
        path = Path(corpus)
        if "heldout" in path.parts:
            raise DataError(f"{path}: held-out data is for evaluation only, never for training")
        if path.stem in EVALUATION_ONLY:
            raise DataError(f"{path}: this dataset's licence allows evaluation only, not training a shipped model")
        loaded = load_labeled_jsonl(path)
        known = KNOWN_DATASETS.get(path.stem, {"name": path.stem, "licence": "unknown (supplied by the user)"})
        sources.append({**known, "path": path.name, "examples": len(loaded), "uncivil": sum(e.concern for e in loaded)})
        examples.extend(loaded)
    return TrainingData(examples, sources)


CONTEXT_DROPOUT = 0.3
MIN_POSITIVES = 10


@dataclass(frozen=True, slots=True)
class ExtraExamples:
    """Examples from outside the corpora (the moderators' logged decisions), added to the recipe as given.

    ``weight`` multiplies each one's weight in every model (the corpora weigh 1): a community's own judgement
    counts more than the starter corpus. ``base_only_labels`` are labels these examples are too few to teach:
    that label's model keeps the recipe's own data alone (these rows get weight 0 in it, as positives and as
    negatives). ``card`` is the caller's description of where they came from, put in the model card under
    ``card_key``. They never count as a civil-only source (whose flag rate bounds the thresholds).
    """

    examples: Sequence[Example]
    weight: float
    card: dict[str, Any]
    card_key: str = "logs"
    base_only_labels: frozenset[str] = frozenset()


def _weights(base_rows: int, extra: ExtraExamples | None, label_ids: Sequence[str]) -> np.ndarray | None:
    """The sample weights of the recipe's rows followed by ``extra``'s: None without extra examples (today's
    training, unweighted); else a column per label and concern last, 0 where a label keeps its base data alone."""
    if extra is None or not extra.examples:
        return None
    weights = np.ones((base_rows + len(extra.examples), len(label_ids) + 1))
    weights[base_rows:, :] = extra.weight
    for column, label in enumerate(label_ids):
        if label in extra.base_only_labels:
            weights[base_rows:, column] = 0.0
    return weights


def without_context_sometimes(examples: list[Example], share: float = CONTEXT_DROPOUT) -> list[Example]:
    """A stable ``share`` of the examples with their thread context removed.

    Comments are often scored without their thread (a JSONL of loose comments, a code review export); a model
    that only ever saw context would read "no context" as a signal. Off-topic examples keep their context:
    without it, off-topic cannot be told, and the model should learn exactly that.
    """
    result = []
    for example in examples:
        has_context = example.input.title or example.input.context
        bucket = int(hashlib.sha256(f"{example.source}:{example.id}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        if has_context and bucket < share and "off-topic" not in example.labels:
            example = replace(example, input=replace(example.input, title="", context=""))
        result.append(example)
    return result


# Breaches hidden in long comments: how many such examples training adds, and the fewest sentences a host has.
HIDDEN_BREACHES = 300
MIN_HOST_SENTENCES = 8
HIDDEN_BREACH_SOURCE = "hidden-breaches"


def with_hidden_breaches(examples: list[Example], count: int = HIDDEN_BREACHES) -> list[Example]:
    """``examples`` plus ``count`` made ones: a long civil comment with one short labeled breach put inside it.

    Labeled data holds few long comments whose one bad sentence is the whole problem, so a model learns that a
    long comment is civil and lets an insult hidden in benchmark talk through. Each made example takes a civil
    comment of at least MIN_HOST_SENTENCES sentences and one labeled single-sentence breach, chosen and placed
    (start, middle or end) by a hash of the made example's number, so the set is the same on every run; it keeps
    the breach's labels and its group, so cross-validation never scores it with a model that saw that breach alone.
    """
    hosts = [
        e for e in examples if not e.concern and e.known_labels and len(sentences(e.input.text)) >= MIN_HOST_SENTENCES
    ]
    breaches = [
        e
        for e in examples
        if e.concern and e.labels and e.known_labels and len(sentences(e.input.text)) == 1 and len(e.input.text) < 200
    ]
    if not hosts or not breaches:
        return examples
    made = []
    for index in range(count):
        digest = hashlib.sha256(f"hidden-breach:{index}".encode()).digest()
        host = hosts[int.from_bytes(digest[:4], "big") % len(hosts)]
        breach = breaches[int.from_bytes(digest[4:8], "big") % len(breaches)]
        spans = sentences(host.input.text)
        cut = (0, len(spans) // 2, len(spans))[digest[8] % 3]
        at = spans[cut][0] if cut < len(spans) else len(host.input.text)
        text = f"{host.input.text[:at]}{breach.input.text.strip()}\n{host.input.text[at:]}".strip()
        made.append(
            Example(
                input=replace(host.input, text=text),
                labels=breach.labels,
                concern=True,
                source=HIDDEN_BREACH_SOURCE,
                group=breach.group,
                id=f"hidden-{index}",
            )
        )
    return examples + made


def _label_metrics(proba: np.ndarray, target: np.ndarray, threshold: float) -> dict[str, Any]:
    flagged = proba >= threshold
    tp = int((flagged & (target == 1)).sum())
    precision = tp / flagged.sum() if flagged.sum() else 0.0
    recall = tp / target.sum() if target.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    both = len(np.unique(target)) == 2
    return {
        "threshold": threshold,
        "precision": round(float(precision), 3),
        "recall": round(float(recall), 3),
        "f1": round(float(f1), 3),
        "roc_auc": round(float(roc_auc_score(target, proba)), 3) if both else None,
        "average_precision": round(float(average_precision_score(target, proba)), 3) if both else None,
        "positives": int(target.sum()),
    }


def cross_validated_metrics(
    labels: Sequence[str],
    out_of_fold: np.ndarray,
    Y: np.ndarray,
    concern: np.ndarray,
    mask: np.ndarray,
    civil: np.ndarray,
    thresholds: np.ndarray,
    review_threshold: float | None = None,
) -> dict[str, Any]:
    """The model card's figures from out-of-fold probabilities (a column per label, concern last): each label's
    precision, recall and ranking at its threshold, concern's ranking, the review mark's precision and recall
    (of "needs a moderator"), and the share of civil-only comments that would get any flag or mark."""
    metrics: dict[str, Any] = {
        label: _label_metrics(out_of_fold[mask, j], Y[mask, j], float(thresholds[j])) for j, label in enumerate(labels)
    }
    concern_oof = out_of_fold[:, -1]
    metrics["concern"] = {
        "roc_auc": round(float(roc_auc_score(concern, concern_oof)), 3),
        "average_precision": round(float(average_precision_score(concern, concern_oof)), 3),
    }
    flagged = np.asarray((np.nan_to_num(out_of_fold[:, :-1], nan=0.0) >= thresholds).any(axis=1))
    marked = flagged.copy()
    if review_threshold is not None:
        review = (concern_oof >= review_threshold) & ~flagged
        marked |= review
        metrics["review"] = {
            "threshold": review_threshold,
            "marked": int(review.sum()),
            "precision": round(float(concern[review].mean()), 3) if review.any() else None,
            "flag_or_review_precision": round(float(concern[marked].mean()), 3) if marked.any() else None,
            "flag_or_review_recall": round(float(marked[concern].mean()), 3) if concern.any() else None,
        }
    if civil.any():
        metrics["civil_flag_rate"] = round(float(flagged[civil].mean()), 4)
        metrics["civil_flag_or_review_rate"] = round(float(marked[civil].mean()), 4)
    return metrics


def train(
    corpora: Sequence[str | Path],
    taxonomy: Taxonomy,
    output: str | Path,
    *,
    precision_target: float = PRECISION_TARGET,
    starter: Path = STARTER_CORPUS,
    progress: Callable[[str], None] = lambda message: None,
    extra: ExtraExamples | None = None,
    step: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Train on the starter corpus plus ``corpora`` (and ``extra`` examples, weighted) and write the model and its
    card into ``output``. ``step(done, total, what)`` follows the model fits (see ``fit_out_of_fold``)."""
    began = time.perf_counter()
    # Progress starts once the data is read: a bad corpus is then the only line the user sees, not a line after
    # "reading training data".
    data = assemble(corpora, taxonomy, starter)
    progress(f"read {len(data.examples)} examples (the starter corpus and {len(corpora)} more)")
    # Extra examples come after the recipe's own, made ones included: the recipe's rows are the same with or
    # without them (no logged comment hosts a made breach).
    examples = with_hidden_breaches(without_context_sometimes(data.examples))
    base_rows = len(examples)
    if extra is not None and extra.examples:
        examples = examples + list(extra.examples)
        progress(f"added {len(extra.examples)} logged examples, each weighing {extra.weight:g}")
    weights = _weights(base_rows, extra, taxonomy.ids)
    X = [e.input for e in examples]
    Y = label_matrix(examples, taxonomy.ids)
    concern = np.array([e.concern for e in examples])
    groups = [e.group for e in examples]
    mask = np.array([e.known_labels for e in examples])
    too_few = [
        f"{label} ({int(count)})" for label, count in zip(taxonomy.ids, Y[mask].sum(axis=0)) if count < MIN_POSITIVES
    ]
    if too_few:
        raise DataError(
            f"too few training examples for {', '.join(too_few)}: each label needs at least {MIN_POSITIVES} "
            "(add labeled examples to labels/starter or a corpus)"
        )
    progress(f"fitting {len(taxonomy.ids)} label models and the concern model on {len(examples)} examples")
    sources = np.array([e.source for e in examples])
    civil_sources = {s for s in set(sources) if not concern[sources == s].any() and not s.startswith("starter")}
    civil = np.isin(sources, list(civil_sources))
    civil[base_rows:] = False  # logged 'ok' decisions are judgements, not an ordinary-threads source
    made = sources == HIDDEN_BREACH_SOURCE
    model = GuidelineClassifier(labels=taxonomy.ids, precision_target=precision_target)
    out_of_fold = model.fit_out_of_fold(X, Y, concern, groups, mask, civil, made, weights, step)
    progress("measuring the thresholds it chose on the out-of-fold predictions")
    real = ~made  # the card's figures describe real comments, not the ones made for training
    metrics = cross_validated_metrics(
        taxonomy.ids,
        out_of_fold[real],
        Y[real],
        concern[real],
        mask[real],
        civil[real],
        model.thresholds_,
        model.review_threshold_,
    )
    seconds = time.perf_counter() - began
    card = {
        "model": "guideline-classifier",
        "description": "Per-label logistic regressions on word uni/bigram TF-IDF, cue lexicons, style and "
        "thread-overlap features; Platt-calibrated on out-of-fold scores. Judges a comment's own words.",
        "trained": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "training_seconds": round(seconds, 1),
        "input_version": INPUT_VERSION,
        "data": data.sources,
        "taxonomy": {"name": taxonomy.name, "version": taxonomy.version, "labels": list(taxonomy.ids)},
        "thresholds": {label: float(t) for label, t in zip(taxonomy.ids, model.thresholds_)},
        "review_threshold": model.review_threshold_,
        "threshold_rule": f"lowest threshold with out-of-fold precision >= {precision_target} and at most "
        f"{CIVIL_FLAG_RATE:.1%} of civil-only sources flagged; {FALLBACK_THRESHOLD} where none qualifies; then "
        f"raised until at most {CIVIL_ANY_FLAG_RATE:.2%} of civil-only comments get any flag; the same rule for "
        "review_threshold, on concern: a comment whose concern reaches it while no label passes is marked for review",
        "parameters": {k: v for k, v in model.get_params().items() if k != "labels"},
        "cross_validated_metrics": metrics,
    }
    if extra is not None:
        card[extra.card_key] = extra.card
    progress("writing the model and its card")
    written = save_model(model, output, card)
    _register(written, Path(output), progress)
    return written


def _register(card: dict[str, Any], output: Path, progress: Callable[[str], None]) -> None:
    """Trust what this installation just trained: its sha256 goes into the per-user trust store, so loading
    it needs no 'moderator models trust'. The bundled folder is trusted by the digest pinned in the code instead."""
    digest = card["artifact"]["sha256"]
    if output.resolve() == DEFAULT_MODEL_DIR.resolve() and digest != trust.BUNDLED_MODEL_SHA256:
        progress(f"this is the bundled model: set BUNDLED_MODEL_SHA256 in classifiers/trust.py to {digest}")
    try:
        trust.add(digest, source="trained", folder=output, model=str(card.get("model", "model")))
    except ModelError as error:
        raise ModelError(
            f"{output}: the model was written but not registered as trusted ({error.message}); "
            f"fix that, then run 'moderator models trust {output}'"
        ) from None
