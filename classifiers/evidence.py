"""Evidence for a flag: the sentences of a comment's own words that drive a label most, and the words in them that
weigh most, as character spans of the text the model judged (``own_text``)."""

from __future__ import annotations

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
    column = list(model.classes_).index(label)
    text = item.text
    spans = sentences(text)
    if not spans:
        return []
    parts = [CommentInput(text[s:e], item.title, item.context) for s, e in spans]
    matrix = model.vectorizer_.transform(parts)
    proba = model.score_features(matrix)[0][:, column]
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
