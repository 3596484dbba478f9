"""Evidence for a flag: the sentences of a comment's own words that drive a label most, and the words in them that
weigh most, as character spans of the text the model judged (``own_text``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from classifiers.features import LEXICON_KEYS, STOP_WORDS
from classifiers.model import GuidelineClassifier
from classifiers.sentences import sentences
from classifiers.tokens import TOKEN
from moderation_core.model_inputs import CommentInput

# A word is shown as evidence only when its weight (see evidence) reaches this much.
MIN_TERM_WEIGHT = 0.15


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``start:end`` of a comment's own text, and the text itself."""

    start: int
    end: int
    text: str
    kind: str = "sentence"

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text, "kind": self.kind}


def evidence(
    model: GuidelineClassifier, item: CommentInput, label: str, max_sentences: int = 2, max_terms: int = 6
) -> list[Span]:
    """The sentences of ``item.text`` that drive ``label`` most (each scored alone, with the comment's thread
    context), and the words in them that weigh most."""
    return evidence_of_many(model, [(item, [label])], max_sentences, max_terms)[0][label]


def evidence_of_many(
    model: GuidelineClassifier,
    requests: Sequence[tuple[CommentInput, Sequence[str]]],
    max_sentences: int = 2,
    max_terms: int = 6,
) -> list[dict[str, list[Span]]]:
    """:func:`evidence` of each comment for each of its labels, with the sentences of all of them scored in one
    batch (one feature transform and one product, however many comments were flagged)."""
    spans_of = [sentences(item.text) for item, _ in requests]
    parts = [
        CommentInput(item.text[start:end], item.title, item.context, item.context_parts)
        for (item, _), spans in zip(requests, spans_of)
        for start, end in spans
    ]
    matrix = model.vectorizer_.transform(parts)
    proba_all = model.score_features(matrix)[0] if parts else np.zeros((0, len(model.classes_)))
    classes = list(model.classes_)
    results: list[dict[str, list[Span]]] = []
    first = 0
    for (item, labels), spans in zip(requests, spans_of):
        rows = slice(first, first + len(spans))
        first += len(spans)
        results.append(
            {
                label: _spans(
                    model,
                    item.text,
                    spans,
                    matrix[rows],
                    proba_all[rows, classes.index(label)],
                    classes.index(label),
                    max_sentences,
                    max_terms,
                )
                for label in labels
            }
        )
    return results


def _spans(
    model: GuidelineClassifier,
    text: str,
    spans: list[tuple[int, int]],
    matrix: sp.csr_matrix,
    proba: np.ndarray,
    column: int,
    max_sentences: int,
    max_terms: int,
) -> list[Span]:
    """The evidence of one label in one comment from its sentences' features and probabilities."""
    if not spans:
        return []
    order = np.argsort(-proba)
    threshold = model.thresholds_[column]
    chosen = [i for i in order[:max_sentences] if proba[i] >= threshold * 0.6] or [int(order[0])]
    result = [Span(spans[i][0], spans[i][1], text[spans[i][0] : spans[i][1]]) for i in sorted(chosen)]
    terms = _weighted_terms(model, column, text, matrix, [(spans[i], i) for i in chosen])
    for weight, start, end in terms[:max_terms]:
        if weight >= MIN_TERM_WEIGHT:
            result.append(Span(start, end, text[start:end], "term"))
    return result


def _weighted_terms(
    model: GuidelineClassifier,
    column: int,
    text: str,
    matrix: sp.csr_matrix,
    sentences_and_rows: list[tuple[tuple[int, int], int]],
) -> list[tuple[float, int, int]]:
    """(weight, start, end) of the words of the given sentences (spans of ``text``, each with its row of
    ``matrix``) that push towards the label, heaviest first.

    A word weighs by its contribution to "needs a moderator" plus "this guideline": its TF-IDF weight in the
    sentence times the coefficients, plus the weight of the cue lexicon it belongs to."""
    coef = model.estimators_[column].coef_[0] + model.concern_estimator_.coef_[0]
    lookup = model.vectorizer_.lookup_
    n_words = len(model.vectorizer_.idf_)
    weighted: list[tuple[float, int, int]] = []
    for (start, end), row_index in sentences_and_rows:
        sparse_row = matrix.getrow(row_index)
        row = dict(zip(sparse_row.indices.tolist(), sparse_row.data.tolist()))
        lowered = text[start:end].lower()
        if len(lowered) != end - start:  # a few characters change length when lower-cased
            continue
        for match in TOKEN.finditer(lowered):
            token = match.group()
            if token in STOP_WORDS:
                continue
            index = lookup.get(token)
            weight = coef[index] * row.get(index, 0.0) if index is not None and index < n_words else 0.0
            category = LEXICON_KEYS.get(token)
            if category is not None:
                cue = n_words + category
                weight += coef[cue] * row.get(cue, 0.0)
            if weight > 0:
                weighted.append((float(weight), start + match.start(), start + match.end()))
    weighted.sort(reverse=True)
    return weighted
