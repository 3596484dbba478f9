"""The guideline classifier: per-label calibrated probabilities, a ``concern`` probability, and evidence.

It follows scikit-learn's estimator rules: ``__init__`` only stores parameters, ``fit`` returns self, learned
attributes end in ``_``, and ``classes_`` (the taxonomy label ids) is the column order of ``predict_proba``.
Every label has its own logistic regression on the shared features, calibrated with Platt scaling on
out-of-fold scores; ``concern`` (does this comment need a moderator at all?) is a further calibrated model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from classifiers.features import (
    LEXICON_KEYS,
    STOP_WORDS,
    TOKEN,
    CommentInput,
    CommentVectorizer,
)

_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+[\"')\]]*|\n|$)")


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``start:end`` of a comment's own text, and the text itself."""

    start: int
    end: int
    text: str
    kind: str = "sentence"

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text, "kind": self.kind}


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences (or lines) of ``text``, surrounding whitespace excluded."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


class PlattScaler:
    """A one-feature logistic regression mapping decision scores to probabilities."""

    def __init__(self) -> None:
        self.model_ = LogisticRegression(C=1e4)

    def fit(self, scores: np.ndarray, target: np.ndarray) -> PlattScaler:
        self.model_.fit(scores.reshape(-1, 1), target)
        return self

    def transform(self, scores: np.ndarray) -> np.ndarray:
        coef = float(self.model_.coef_[0, 0])
        intercept = float(self.model_.intercept_[0])
        return 1.0 / (1.0 + np.exp(-(coef * scores + intercept)))


class GuidelineClassifier(BaseEstimator, ClassifierMixin):
    """Multi-label classifier of comments against a conduct-guideline taxonomy.

    Parameters
    ----------
    labels: taxonomy label ids, the column order of ``predict_proba``.
    C: inverse regularisation strength of each label's logistic regression.
    concern_C: the same for the concern model.
    min_df, max_features: passed to :class:`CommentVectorizer`.
    folds: cross-validation folds for the out-of-fold scores behind calibration.
    bigrams: add word pairs to the word features.
    """

    def __init__(
        self,
        labels: Sequence[str] = (),
        C: float = 4.0,
        concern_C: float = 4.0,
        min_df: int = 2,
        max_features: int = 60_000,
        folds: int = 5,
        bigrams: bool = True,
    ) -> None:
        self.labels = labels
        self.C = C
        self.concern_C = concern_C
        self.min_df = min_df
        self.max_features = max_features
        self.folds = folds
        self.bigrams = bigrams

    # -- fitting ---------------------------------------------------------------------------------------------
    def fit(
        self,
        X: Sequence[CommentInput],
        Y: np.ndarray,
        concern: np.ndarray | None = None,
        groups: Sequence[str] | None = None,
        label_mask: np.ndarray | None = None,
    ) -> GuidelineClassifier:
        """Fit on inputs ``X`` and the 0/1 label matrix ``Y`` (columns in ``labels`` order).

        ``concern`` defaults to "any label"; ``groups`` keeps a thread's comments in one fold; ``label_mask``
        marks rows whose label columns are known (rows with only a concern label train the concern model alone).
        """
        Y = np.asarray(Y)
        n = len(X)
        if Y.shape != (n, len(self.labels)):
            raise ValueError(f"Y has shape {Y.shape}, expected {(n, len(self.labels))}")
        concern = (Y.sum(axis=1) > 0) if concern is None else np.asarray(concern, dtype=bool)
        groups = np.asarray(groups if groups is not None else np.arange(n))
        mask = np.ones(n, dtype=bool) if label_mask is None else np.asarray(label_mask, dtype=bool)
        self.classes_ = np.asarray(list(self.labels))
        self.vectorizer_ = CommentVectorizer(
            min_df=self.min_df, max_features=self.max_features, bigrams=self.bigrams
        ).fit(X)
        features = self.vectorizer_.transform(X)
        # The concern model sees every comment; each label model sees only comments that need a moderator and
        # learns which guideline they break. A label's probability is P(concern) * P(label | concern), so a civil
        # comment full of trigger words is held back by the concern model, which has seen thousands of those.
        concern_scores = self._out_of_fold(features, concern, groups, self.concern_C, np.ones(n, bool))
        self.concern_calibrator_ = PlattScaler().fit(concern_scores, concern)
        self.concern_estimator_ = self._logistic(self.concern_C).fit(features, concern)
        concern_oof = self.concern_calibrator_.transform(concern_scores)
        self.estimators_: list[LogisticRegression] = []
        self.calibrators_: list[PlattScaler] = []
        oof = np.full((n, len(self.labels) + 1), np.nan)
        oof[:, -1] = concern_oof
        uncivil = mask & concern
        for column in range(len(self.labels)):
            target = Y[:, column]
            scores = self._out_of_fold(features, target, groups, self.C, uncivil)
            calibrator = PlattScaler().fit(scores[uncivil], target[uncivil])
            estimator = self._logistic(self.C).fit(features[uncivil], target[uncivil])
            oof[mask, column] = (concern_oof * calibrator.transform(scores))[mask]
            self.estimators_.append(estimator)
            self.calibrators_.append(calibrator)
        self.oof_proba_ = oof
        self.thresholds_ = np.full(len(self.labels), 0.5)
        self._stack_coefficients()
        return self

    def __getstate__(self) -> dict[str, object]:
        # The stacked matrix repeats the estimators' coefficients: rebuilt on load instead of stored twice.
        state = dict(self.__dict__)
        state.pop("coef_matrix_", None)
        state.pop("intercepts_", None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if "estimators_" in state:
            self._stack_coefficients()

    def _stack_coefficients(self) -> None:
        """All models' weights as one matrix: scoring is then a single sparse-dense product."""
        estimators = [*self.estimators_, self.concern_estimator_]
        self.coef_matrix_ = np.column_stack([e.coef_[0] for e in estimators])
        self.intercepts_ = np.array([e.intercept_[0] for e in estimators])

    @staticmethod
    def _logistic(strength: float) -> LogisticRegression:
        return LogisticRegression(C=strength, class_weight="balanced", solver="liblinear", max_iter=200, random_state=0)

    def _out_of_fold(
        self, features, target: np.ndarray, groups: np.ndarray, strength: float, fit_rows: np.ndarray
    ) -> np.ndarray:
        """Decision scores for every row from models fitted on the other folds' ``fit_rows``."""
        scores = np.zeros(len(target))
        splitter = GroupKFold(n_splits=self.folds)
        for train, test in splitter.split(features, target, groups):
            train = train[fit_rows[train]]
            if len(np.unique(target[train])) < 2:
                continue
            model = self._logistic(strength).fit(features[train], target[train])
            scores[test] = model.decision_function(features[test])
        return scores

    # -- prediction ------------------------------------------------------------------------------------------
    def _scores(self, features) -> tuple[np.ndarray, np.ndarray]:
        decision = np.asarray(features @ self.coef_matrix_) + self.intercepts_
        concern = self.concern_calibrator_.transform(decision[:, -1])
        columns = [concern * calibrator.transform(decision[:, j]) for j, calibrator in enumerate(self.calibrators_)]
        proba = np.column_stack(columns) if columns else np.zeros((features.shape[0], 0))
        return proba, concern

    def predict_proba(self, X: Sequence[CommentInput]) -> np.ndarray:
        """Probability of each label (columns in ``classes_`` order)."""
        return self._scores(self.vectorizer_.transform(X))[0]

    def predict_concern(self, X: Sequence[CommentInput]) -> np.ndarray:
        """Probability that each comment needs a moderator at all."""
        return self._scores(self.vectorizer_.transform(X))[1]

    def score_all(self, X: Sequence[CommentInput]) -> tuple[np.ndarray, np.ndarray]:
        """Label probabilities and concern in one pass over the features."""
        return self._scores(self.vectorizer_.transform(X))

    def predict(self, X: Sequence[CommentInput]) -> np.ndarray:
        """0/1 flags: a label's probability at or over its threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(int)

    # -- evidence --------------------------------------------------------------------------------------------
    def evidence(self, item: CommentInput, label: str, max_sentences: int = 2, max_terms: int = 6) -> list[Span]:
        """The sentences of ``item.text`` that drive ``label`` most, and the words in them that weigh most."""
        column = list(self.classes_).index(label)
        text = item.text
        spans = sentences(text)
        if not spans:
            return []
        parts = [CommentInput(text[s:e], item.title, item.context) for s, e in spans]
        matrix = self.vectorizer_.transform(parts)
        proba = self._scores(matrix)[0][:, column]
        order = np.argsort(-proba)
        threshold = self.thresholds_[column]
        chosen = [i for i in order[:max_sentences] if proba[i] >= threshold * 0.6] or [int(order[0])]
        result = [Span(spans[i][0], spans[i][1], text[spans[i][0] : spans[i][1]]) for i in sorted(chosen)]
        # A word weighs by its contribution to "needs a moderator" plus "this guideline": its TF-IDF weight in the
        # sentence times the coefficients, plus the weight of the cue lexicon it belongs to.
        coef = self.estimators_[column].coef_[0] + self.concern_estimator_.coef_[0]
        lookup = self.vectorizer_.lookup_
        n_words = len(self.vectorizer_.idf_)
        weighted: list[tuple[float, int, int]] = []
        for i in chosen:
            start, end = spans[i]
            sparse_row = matrix.getrow(i)
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
        for weight, start, end in weighted[:max_terms]:
            if weight >= 0.15:
                result.append(Span(start, end, text[start:end], "term"))
        return result
