"""The guideline classifier: per-label calibrated probabilities, a ``concern`` probability, and a threshold per label.

It follows scikit-learn's estimator rules: ``__init__`` only stores parameters, ``fit`` returns self, learned
attributes end in ``_`` and are set in ``fit`` alone, and ``classes_`` (the taxonomy label ids) is the column order
of ``predict_proba``. Every label has its own logistic regression on the shared features, calibrated with Platt
scaling on out-of-fold scores; ``concern`` (does this comment need a moderator at all?) is a further calibrated
model; each label's flag threshold is chosen from the same out-of-fold probabilities. Those probabilities are not
kept on the fitted model: :meth:`GuidelineClassifier.fit_out_of_fold` fits and returns them (training reports its
cross-validated metrics from them). Evidence for a flag is :mod:`classifiers.evidence`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from classifiers.features import CommentVectorizer
from moderation_core.model_inputs import CommentInput

PRECISION_TARGET = 0.7
# On sources where every comment is civil (ordinary threads), at most this share may be flagged out of fold.
CIVIL_FLAG_RATE = 0.005
# ... and at most this share may get any flag at all (the product's target on ordinary threads is 1%).
CIVIL_ANY_FLAG_RATE = 0.0075
FALLBACK_THRESHOLD = 0.95


# A second label is suggested beside the first when it is at least this close to its threshold, relative to the first.
SUGGESTION_RATIO = 0.8


def choose_threshold(proba: np.ndarray, target: np.ndarray, civil: np.ndarray, precision: float) -> float:
    """The lowest threshold whose out-of-fold precision reaches ``precision`` and whose flag rate on civil-only
    sources stays within CIVIL_FLAG_RATE; FALLBACK_THRESHOLD when no threshold does."""
    order = np.argsort(-proba)
    sorted_proba = proba[order]
    hits = np.cumsum(target[order])
    counts = np.arange(1, len(order) + 1)
    precisions = hits / counts
    best = FALLBACK_THRESHOLD
    # Walk from the strictest threshold down (precision is not monotonic, so do not stop at a dip); keep the
    # lowest that satisfies both conditions, requiring a handful of positives so one lucky comment does not set it.
    for k in range(len(order)):
        if k + 1 < len(order) and sorted_proba[k + 1] == sorted_proba[k]:
            continue
        if hits[k] >= 5 and precisions[k] >= precision:
            candidate = float(sorted_proba[k])
            if civil.any() and (proba[civil] >= candidate).mean() > CIVIL_FLAG_RATE:
                break
            best = min(best, candidate)
    return round(max(best, 0.05), 4)


def limit_civil_flags(
    civil_proba: np.ndarray, thresholds: np.ndarray, budget: float = CIVIL_ANY_FLAG_RATE
) -> np.ndarray:
    """Thresholds raised until at most ``budget`` of the civil-only comments get any flag at all.

    Each label's own threshold keeps its civil flags within CIVIL_FLAG_RATE, but seven labels each allowed that
    can together flag several times as many civil comments. While the union is over budget, the label that flags
    the most civil comments has its threshold raised past its lowest-scoring civil flag.
    """
    thresholds = thresholds.astype(np.float64).copy()
    if len(civil_proba) == 0 or thresholds.size == 0:
        return thresholds
    allowed = int(np.floor(budget * len(civil_proba)))
    while True:
        flagged = civil_proba >= thresholds
        if int(flagged.any(axis=1).sum()) <= allowed:
            return np.round(thresholds, 4)
        label = int(np.argmax(flagged.sum(axis=0)))
        lowest = float(civil_proba[flagged[:, label], label].min())
        # Just past the lowest flagged civil score, rounded up so the stored (rounded) threshold still clears it.
        thresholds[label] = np.ceil((lowest + 1e-6) * 1e4) / 1e4


class PlattScaler:
    """A one-feature logistic regression mapping decision scores to probabilities."""

    def fit(self, scores: np.ndarray, target: np.ndarray, sample_weight: np.ndarray | None = None) -> PlattScaler:
        self.model_ = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), target, sample_weight=sample_weight)
        return self

    def transform(self, scores: np.ndarray) -> np.ndarray:
        coef = float(self.model_.coef_[0, 0])
        intercept = float(self.model_.intercept_[0])
        return 1.0 / (1.0 + np.exp(-(coef * scores + intercept)))


class SentenceCalibrator:
    """Probabilities from a comment's own decision score and the highest of its sentences' (sentence_level).

    A logistic regression on three inputs: the comment's score, its highest sentence score, and how many
    sentences it has (log). Fitted on out-of-fold scores, it learns how far one sentence may carry a comment: an
    insult hidden in a long comment raises the probability, while the sharpest sentence of a long civil comment,
    which training shows is usually still civil, counts only as much as it predicts. A comment of one sentence
    is its own highest sentence, with no sentence count.
    """

    def fit(
        self,
        scores: np.ndarray,
        window_max: np.ndarray,
        n_windows: np.ndarray,
        target: np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> SentenceCalibrator:
        inputs = self._inputs(scores, window_max, n_windows)
        self.model_ = LogisticRegression(C=1e4).fit(inputs, target, sample_weight=sample_weight)
        return self

    def transform(
        self, scores: np.ndarray, window_max: np.ndarray | None = None, n_windows: np.ndarray | None = None
    ) -> np.ndarray:
        inputs = self._inputs(scores, scores if window_max is None else window_max, n_windows)
        decision = inputs @ self.model_.coef_[0] + self.model_.intercept_[0]
        return np.asarray(1.0 / (1.0 + np.exp(-decision)))

    @staticmethod
    def _inputs(scores: np.ndarray, window_max: np.ndarray, n_windows: np.ndarray | None) -> np.ndarray:
        counts = np.zeros(len(scores)) if n_windows is None else np.log1p(n_windows)
        return np.column_stack([scores, window_max, counts])


def _window_summary(scores: np.ndarray, window_scores: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per comment: the highest window score (its own score where it has no window) and its number of windows."""
    highest = np.array(scores, dtype=np.float64, copy=True)
    if not len(owners):
        return highest, np.zeros(len(scores))
    highest[owners] = -np.inf
    np.maximum.at(highest, owners, window_scores)
    return highest, np.bincount(owners, minlength=len(scores)).astype(np.float64)


def _calibrated(
    calibrator: PlattScaler | SentenceCalibrator, scores: np.ndarray, highest: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Probabilities from a fitted calibrator (a Platt scaler, of a model without sentence_level, uses the
    comment's own score alone)."""
    if isinstance(calibrator, PlattScaler):
        return calibrator.transform(scores)
    return calibrator.transform(scores, highest, counts)


def _weight_columns(sample_weight: np.ndarray | None, rows: int, labels: int) -> Callable[[int], np.ndarray | None]:
    """The weights of one model (a label's column, or -1 for concern) from ``sample_weight``: None stays None
    (unweighted fits, exactly as before weights existed), one column serves every model."""
    if sample_weight is None:
        return lambda column: None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape not in ((rows,), (rows, labels + 1)):
        raise ValueError(f"sample_weight has shape {weights.shape}, expected {(rows,)} or {(rows, labels + 1)}")
    if weights.ndim == 1:
        return lambda column: weights
    return lambda column: np.ascontiguousarray(weights[:, column])


class GuidelineClassifier(BaseEstimator, ClassifierMixin):
    """Multi-label classifier of comments against a conduct-guideline taxonomy.

    Parameters
    ----------
    labels: taxonomy label ids, the column order of ``predict_proba``.
    C: inverse regularisation strength of each label's logistic regression.
    concern_C: the same for the concern model.
    min_df, max_features: passed to :class:`CommentVectorizer`.
    folds: cross-validation folds for the out-of-fold scores behind calibration and thresholds.
    bigrams: add word pairs to the word features.
    precision_target: each label's threshold is the lowest with this out-of-fold precision (see
        :func:`choose_threshold`).
    min_tokens: passed to :class:`CommentVectorizer` (texts too short to judge are weighed as this many words).
    sentence_level: also score each sentence of a comment of several, and calibrate each probability (per label,
        and concern) on both the comment's own score and its highest sentence's (:class:`SentenceCalibrator`), so
        one breach inside a long comment is not averaged away. Calibration and thresholds use out-of-fold scores,
        so a sharp sentence in a long civil comment counts against the same precision target and civil budget as
        everything else.
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
        precision_target: float = PRECISION_TARGET,
        min_tokens: int = 4,
        sentence_level: bool = True,
    ) -> None:
        self.labels = labels
        self.C = C
        self.concern_C = concern_C
        self.min_df = min_df
        self.max_features = max_features
        self.folds = folds
        self.bigrams = bigrams
        self.precision_target = precision_target
        self.min_tokens = min_tokens
        self.sentence_level = sentence_level

    # -- fitting ---------------------------------------------------------------------------------------------
    def fit(
        self,
        X: Sequence[CommentInput],
        Y: np.ndarray,
        concern: np.ndarray | None = None,
        groups: Sequence[str] | None = None,
        label_mask: np.ndarray | None = None,
        civil: np.ndarray | None = None,
        made: np.ndarray | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> GuidelineClassifier:
        """Fit on inputs ``X`` and the 0/1 label matrix ``Y`` (columns in ``labels`` order).

        ``concern`` defaults to "any label"; ``groups`` keeps a thread's comments in one fold; ``label_mask``
        marks rows whose label columns are known (rows with only a concern label train the concern model alone);
        ``civil`` marks rows of civil-only sources (ordinary threads), whose flag rate bounds the thresholds;
        ``made`` marks rows made for training (see ``training.with_hidden_breaches``): the models learn from them,
        the thresholds are chosen on the real rows alone. ``sample_weight`` weighs rows in every logistic
        regression (label and concern models, out of fold and final, and their calibrators): one weight per row, or
        one per row and model (a column per label, concern last), where 0 leaves a row out of that model. None
        (the default) fits exactly as without weights.
        """
        self.fit_out_of_fold(X, Y, concern, groups, label_mask, civil, made, sample_weight)
        return self

    def fit_out_of_fold(
        self,
        X: Sequence[CommentInput],
        Y: np.ndarray,
        concern: np.ndarray | None = None,
        groups: Sequence[str] | None = None,
        label_mask: np.ndarray | None = None,
        civil: np.ndarray | None = None,
        made: np.ndarray | None = None,
        sample_weight: np.ndarray | None = None,
        step: Callable[[int, int, str], None] | None = None,
    ) -> np.ndarray:
        """Fit as :meth:`fit` does and return the out-of-fold probabilities it calibrated and chose thresholds
        on: one row per input, a column per label (NaN where ``label_mask`` says the labels are unknown) and the
        concern probability last. They are returned, not kept: they describe the training data, not the model.
        ``step(done, total, what)`` is told after each model is fitted (the concern model, then each label's)."""
        Y = np.asarray(Y)
        n = len(X)
        if Y.shape != (n, len(self.labels)):
            raise ValueError(f"Y has shape {Y.shape}, expected {(n, len(self.labels))}")
        concern = (Y.sum(axis=1) > 0) if concern is None else np.asarray(concern, dtype=bool)
        group_ids = np.asarray(groups if groups is not None else np.arange(n))
        mask = np.ones(n, dtype=bool) if label_mask is None else np.asarray(label_mask, dtype=bool)
        civil = np.zeros(n, dtype=bool) if civil is None else np.asarray(civil, dtype=bool)
        weights = _weight_columns(sample_weight, n, len(self.labels))
        total_steps = len(self.labels) + 1
        self.classes_ = np.asarray(list(self.labels))
        self.vectorizer_ = CommentVectorizer(
            min_df=self.min_df, max_features=self.max_features, bigrams=self.bigrams, min_tokens=self.min_tokens
        ).fit(X)
        features, windows = self._features_and_windows(X)
        # The concern model sees every comment; each label model sees only comments that need a moderator and
        # learns which guideline they break. A label's probability is P(concern) * P(label | concern), so a civil
        # comment full of trigger words is held back by the concern model, which has seen thousands of those.
        concern_weight = weights(-1)
        concern_scores, concern_window_scores = self._out_of_fold(
            features, concern, group_ids, self.concern_C, np.ones(n, bool), windows, concern_weight
        )
        concern_summary = _window_summary(concern_scores, concern_window_scores, windows[1])
        self.concern_calibrator_ = self._calibrator(concern_scores, *concern_summary, concern, concern_weight)
        self.concern_estimator_ = self._logistic(self.concern_C).fit(features, concern, sample_weight=concern_weight)
        if step is not None:
            step(1, total_steps, f"concern model ({self.folds} folds)")
        concern_oof = _calibrated(self.concern_calibrator_, concern_scores, *concern_summary)
        self.estimators_: list[LogisticRegression] = []
        self.calibrators_: list[PlattScaler | SentenceCalibrator] = []
        oof = np.full((n, len(self.labels) + 1), np.nan)
        oof[:, -1] = concern_oof
        uncivil = mask & concern
        for column in range(len(self.labels)):
            target = Y[:, column]
            weight = weights(column)
            scores, window_scores = self._out_of_fold(features, target, group_ids, self.C, uncivil, windows, weight)
            highest, counts = _window_summary(scores, window_scores, windows[1])
            fit_weight = None if weight is None else weight[uncivil]
            calibrator = self._calibrator(
                scores[uncivil], highest[uncivil], counts[uncivil], target[uncivil], fit_weight
            )
            estimator = self._logistic(self.C).fit(features[uncivil], target[uncivil], sample_weight=fit_weight)
            comment_proba = concern_oof * _calibrated(calibrator, scores, highest, counts)
            oof[mask, column] = comment_proba[mask]
            self.estimators_.append(estimator)
            self.calibrators_.append(calibrator)
            if step is not None:
                step(column + 2, total_steps, f"label {self.labels[column]} ({self.folds} folds)")
        real = np.ones(n, dtype=bool) if made is None else ~np.asarray(made, dtype=bool)
        # None on a model saved before the review mark existed (see __setstate__).
        self.review_threshold_: float | None
        self.thresholds_, self.review_threshold_ = self._thresholds(
            oof[real], Y[real], concern[real], mask[real], civil[real]
        )
        self._stack_coefficients()
        return oof

    def _thresholds(
        self, oof: np.ndarray, Y: np.ndarray, concern: np.ndarray, mask: np.ndarray, civil: np.ndarray
    ) -> tuple[np.ndarray, float]:
        """Each label's threshold, and the concern threshold of the review mark, from the out-of-fold
        probabilities (labels, then concern; see :func:`choose_threshold`), then raised together until few
        enough civil-only comments get any flag or review mark (:func:`limit_civil_flags`)."""
        per_label = [
            choose_threshold(oof[mask, j], Y[mask, j], civil[mask], self.precision_target)
            for j in range(len(self.labels))
        ]
        review = choose_threshold(oof[:, -1], concern.astype(int), civil, self.precision_target)
        # Label columns hold NaN where labels are unknown: such rows can only be marked by concern.
        civil_proba = np.nan_to_num(oof[civil], nan=0.0)
        limited = limit_civil_flags(civil_proba, np.array([*per_label, review], dtype=np.float64))
        return limited[:-1], float(limited[-1])

    def __getstate__(self) -> dict[str, object]:
        # The stacked matrix repeats the estimators' coefficients: rebuilt on load instead of stored twice.
        state = dict(self.__dict__)
        state.pop("coef_matrix_", None)
        state.pop("intercepts_", None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        # A model saved before ``precision_target`` was a parameter chose its thresholds with the default, and
        # kept its out-of-fold scores on itself: they describe the training data, not the model, and are dropped.
        # One saved before sentence-level scoring and the review mark scores comments whole and marks nothing.
        state.setdefault("precision_target", PRECISION_TARGET)
        state.setdefault("min_tokens", 1)
        state.setdefault("sentence_level", False)
        state.setdefault("review_threshold_", None)
        state.pop("oof_proba_", None)
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

    def _calibrator(
        self,
        scores: np.ndarray,
        highest: np.ndarray,
        counts: np.ndarray,
        target: np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> PlattScaler | SentenceCalibrator:
        """Platt scaling of the comment's score alone, or with sentence_level its score and its sentences'."""
        if not self.sentence_level:
            return PlattScaler().fit(scores, target, sample_weight)
        return SentenceCalibrator().fit(scores, highest, counts, target, sample_weight)

    def _features_and_windows(
        self, X: Sequence[CommentInput]
    ) -> tuple[sp.csr_matrix, tuple[sp.csr_matrix, np.ndarray]]:
        """Features of ``X``, and of its sentence windows with the row each comes from (none without
        sentence_level)."""
        if not self.sentence_level:
            no_windows = sp.csr_matrix((0, self.vectorizer_.n_features_out_)), np.zeros(0, dtype=np.int64)
            return self.vectorizer_.transform(X), no_windows
        features, windows, owners = self.vectorizer_.transform_with_windows(X)
        return features, (windows, owners)

    def _out_of_fold(
        self,
        features: sp.csr_matrix,
        target: np.ndarray,
        groups: np.ndarray,
        strength: float,
        fit_rows: np.ndarray,
        windows: tuple[sp.csr_matrix, np.ndarray],
        sample_weight: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Decision scores for every row, and for every sentence window, from models fitted on the other folds'
        ``fit_rows`` (a window is scored by the model that did not see its comment)."""
        window_features, owners = windows
        scores = np.zeros(len(target))
        window_scores = np.zeros(len(owners))
        splitter = GroupKFold(n_splits=self.folds)
        for train, test in splitter.split(features, target, groups):
            train = train[fit_rows[train]]
            if len(np.unique(target[train])) < 2:
                continue
            weight = None if sample_weight is None else sample_weight[train]
            model = self._logistic(strength).fit(features[train], target[train], sample_weight=weight)
            scores[test] = model.decision_function(features[test])
            in_test = np.zeros(len(target), dtype=bool)
            in_test[test] = True
            rows = np.flatnonzero(in_test[owners])
            if len(rows):
                window_scores[rows] = model.decision_function(window_features[rows])
        return scores, window_scores

    # -- prediction ------------------------------------------------------------------------------------------
    def score_features(
        self, features: sp.csr_matrix, windows: tuple[sp.csr_matrix, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Label probabilities and concern of rows of features made by ``vectorizer_``: each row alone (evidence
        scores the sentences of a comment this way, and reuses their features to weigh words), or with the
        features of its sentence ``windows`` and the row each belongs to."""
        decision = np.asarray(features @ self.coef_matrix_) + self.intercepts_
        if windows is not None and len(windows[1]):
            window_decision = np.asarray(windows[0] @ self.coef_matrix_) + self.intercepts_
            owners = windows[1]
        else:
            window_decision, owners = np.zeros((0, decision.shape[1])), np.zeros(0, dtype=np.int64)
        concern = _calibrated(
            self.concern_calibrator_,
            decision[:, -1],
            *_window_summary(decision[:, -1], window_decision[:, -1], owners),
        )
        columns = [
            concern
            * _calibrated(calibrator, decision[:, j], *_window_summary(decision[:, j], window_decision[:, j], owners))
            for j, calibrator in enumerate(self.calibrators_)
        ]
        proba = np.column_stack(columns) if columns else np.zeros((features.shape[0], 0))
        return proba, concern

    def predict_proba(self, X: Sequence[CommentInput]) -> np.ndarray:
        """Probability of each label (columns in ``classes_`` order)."""
        return self.score_all(X)[0]

    def predict_concern(self, X: Sequence[CommentInput]) -> np.ndarray:
        """Probability that each comment needs a moderator at all."""
        return self.score_all(X)[1]

    def score_all(self, X: Sequence[CommentInput]) -> tuple[np.ndarray, np.ndarray]:
        """Label probabilities and concern of each input (with ``sentence_level``, from the comment's own score
        and its sentences': see the class parameters)."""
        return self.score_features(*self._features_and_windows(X))

    def predict_review(self, proba: np.ndarray, concern: np.ndarray) -> np.ndarray:
        """Which rows are marked for review: concern at or over ``review_threshold_`` while no label passes its
        own threshold. A model trained before the mark existed marks none."""
        threshold = self.review_threshold_
        if threshold is None:
            return np.zeros(len(concern), dtype=bool)
        flagged = np.asarray((proba >= self.thresholds_).any(axis=1))
        return np.asarray(concern >= threshold) & ~flagged

    def suggest(self, proba_row: np.ndarray) -> list[str]:
        """The labels a comment marked for review most likely breaks: the one closest to its threshold (as a share
        of it), and any other within SUGGESTION_RATIO of that one, closest first."""
        ratios = np.asarray(proba_row) / np.maximum(self.thresholds_, 1e-6)
        order = np.argsort(-ratios, kind="stable")
        best = float(ratios[order[0]]) if len(order) else 0.0
        if best <= 0:
            return []
        return [str(self.classes_[j]) for j in order if ratios[j] >= best * SUGGESTION_RATIO]

    def predict(self, X: Sequence[CommentInput]) -> np.ndarray:
        """0/1 flags: a label's probability at or over its threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(int)
