"""The parts behind the review mark, sentence-level scoring and quiet short texts, on small arrays and corpora:
the review threshold's civil budget, suggestions, old models scoring as before, the vectorizer's length floor
and the breaches training hides in long comments."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from classifiers.data import Example
from classifiers.features import CommentVectorizer
from classifiers.model import GuidelineClassifier, limit_civil_flags
from classifiers.sentences import sentence_windows
from classifiers.training import HIDDEN_BREACH_SOURCE, with_hidden_breaches
from moderation_core.model_inputs import CommentInput


def test_the_civil_budget_counts_review_marks_with_flags() -> None:
    # Two labels and concern; 200 civil comments. Each column alone flags 1 civil comment, together 3.
    civil = np.zeros((200, 3))
    civil[0, 0] = civil[1, 1] = civil[2, 2] = 0.9
    raised = limit_civil_flags(civil, np.array([0.5, 0.5, 0.5]), budget=0.01)
    flagged = (civil >= raised).any(axis=1).sum()
    assert flagged <= 2
    assert (raised >= 0.5).all() and (raised > 0.5).any()


def model_with(thresholds: list[float], review: float | None) -> GuidelineClassifier:
    model = GuidelineClassifier(labels=["a", "b", "c"])
    model.classes_ = np.array(["a", "b", "c"])
    model.thresholds_ = np.array(thresholds)
    model.review_threshold_ = review
    return model


def test_review_marks_only_unflagged_comments_over_the_concern_threshold() -> None:
    model = model_with([0.5, 0.5, 0.5], 0.8)
    proba = np.array([[0.6, 0.1, 0.1], [0.3, 0.1, 0.1], [0.3, 0.1, 0.1], [0.1, 0.1, 0.1]])
    concern = np.array([0.95, 0.95, 0.7, 0.8])
    assert model.predict_review(proba, concern).tolist() == [False, True, False, True]
    assert model_with([0.5, 0.5, 0.5], None).predict_review(proba, concern).tolist() == [False] * 4


def test_suggestions_are_the_labels_closest_to_their_thresholds() -> None:
    model = model_with([0.5, 0.2, 0.9], 0.8)
    # As shares of the thresholds: 0.8, 0.95, 0.1: b first, a within 0.8 of it, c far.
    assert model.suggest(np.array([0.4, 0.19, 0.09])) == ["b", "a"]
    assert model.suggest(np.array([0.1, 0.19, 0.09])) == ["b"]
    assert model.suggest(np.zeros(3)) == []


def test_a_model_saved_before_the_review_mark_loads_without_it() -> None:
    model = model_with([0.5, 0.5, 0.5], 0.8)
    state = model.__dict__.copy()
    for name in ("review_threshold_", "sentence_level", "min_tokens"):
        state.pop(name)
    old = GuidelineClassifier.__new__(GuidelineClassifier)
    old.__dict__.update({k: v for k, v in state.items() if k != "estimators_"})
    restored = pickle.loads(pickle.dumps(old))
    assert restored.review_threshold_ is None and restored.sentence_level is False and restored.min_tokens == 1


CORPUS = [
    "the build is green again after the cache fix",
    "a patch for the crash is attached, please review",
    "the log shows a timeout in the resolver",
    "thanks, a second run passed on the slow machine",
    "the fix for the parser landed in the nightly",
    "a flaky test was quarantined by the release team",
] * 3 + ["defenestrate", "defenestrate the old code path"]


def word_weight(vectorizer: CommentVectorizer, word: str) -> float:
    row = vectorizer.transform([CommentInput(word)])
    column = vectorizer.vocabulary_[word]
    return float(row[0, column])


def test_a_common_word_alone_keeps_little_weight_a_rare_one_most() -> None:
    floored = CommentVectorizer(min_df=1, min_tokens=4).fit([CommentInput(t) for t in CORPUS])
    assert word_weight(floored, "a") < 0.5
    assert word_weight(floored, "a") < word_weight(floored, "defenestrate") <= 1.0
    # Without the floor (min_tokens=1, as models saved before it) every word alone weighs 1.
    plain = CommentVectorizer(min_df=1, min_tokens=1).fit([CommentInput(t) for t in CORPUS])
    assert word_weight(plain, "a") == pytest.approx(1.0) and plain.norm_floor_ == 0.0


def test_a_vectorizer_saved_before_the_floor_scores_as_before() -> None:
    vectorizer = CommentVectorizer(min_df=1, min_tokens=1).fit([CommentInput(t) for t in CORPUS])
    state = vectorizer.__getstate__()
    state.pop("min_tokens")
    state.pop("norm_floor_")
    old = CommentVectorizer.__new__(CommentVectorizer)
    old.__setstate__(state)
    items = [CommentInput(t) for t in ("a", "the log", "defenestrate!!")]
    assert (old.transform(items) != vectorizer.transform(items)).nnz == 0


def test_windows_are_the_sentences_of_comments_of_several() -> None:
    items = [CommentInput("One sentence only."), CommentInput("First one. Second one!\nThird line", "T", "C")]
    windows, owners = sentence_windows(items)
    assert [w.text for w in windows] == ["First one.", "Second one!", "Third line"]
    assert owners.tolist() == [1, 1, 1]
    assert {(w.title, w.context) for w in windows} == {("T", "C")}


def example(text: str, labels: frozenset[str], group: str) -> Example:
    return Example(CommentInput(text), labels, bool(labels), "test", group, id=group)


def test_hidden_breaches_keep_the_breach_labels_and_group_and_are_the_same_every_run() -> None:
    long_civil = " ".join(f"Sentence {i} about the cache." for i in range(12))
    examples = [
        example(long_civil, frozenset(), "host"),
        example("You are a fraud.", frozenset({"personal-attack"}), "breach"),
        example("Short civil.", frozenset(), "short"),
    ]
    made = with_hidden_breaches(examples, count=5)
    assert made[:3] == examples
    extra = made[3:]
    assert len(extra) == 5
    assert all(e.source == HIDDEN_BREACH_SOURCE and e.group == "breach" and e.concern for e in extra)
    assert all(e.labels == {"personal-attack"} and "You are a fraud." in e.input.text for e in extra)
    assert all(len(e.input.text) > len(long_civil) for e in extra)
    assert with_hidden_breaches(examples, count=5) == made
