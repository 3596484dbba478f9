"""The guideline classifier as a scikit-learn estimator, its features and its evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from classifiers.evidence import evidence, sentences
from classifiers.features import CommentVectorizer
from classifiers.model import GuidelineClassifier, limit_civil_flags
from classifiers.persist import load_model
from classifiers.tokens import tokenize
from moderation_core.model_inputs import CommentInput
from moderation_core.taxonomy import load_taxonomy

LABELS = ("rude", "pushy")
TEXTS = [
    ("you are an idiot and a clown", {"rude"}),
    ("what a moron, you clueless fool", {"rude"}),
    ("idiotic clown work from a fool", {"rude"}),
    ("you useless moron", {"rude"}),
    ("such a clueless idiot", {"rude"}),
    ("any update?? when will this be fixed", {"pushy"}),
    ("still waiting, any update on this", {"pushy"}),
    ("eta? it has been months, any update", {"pushy"}),
    ("bump, any update please, when will you fix it", {"pushy"}),
    ("when will this ship, still waiting", {"pushy"}),
] + [(f"thanks for the patch number {i}, the build passes on arm64 and x86", set()) for i in range(20)]


def fitted() -> GuidelineClassifier:
    X = [CommentInput(text) for text, _ in TEXTS]
    Y = np.array([[int(label in labels) for label in LABELS] for _, labels in TEXTS])
    return GuidelineClassifier(labels=LABELS, min_df=1, folds=3).fit(X, Y, groups=[str(i) for i in range(len(X))])


def test_init_only_stores_parameters_and_clone_works() -> None:
    model = GuidelineClassifier(labels=LABELS, C=3.0)
    assert model.get_params()["C"] == 3.0
    assert vars(model) == model.get_params()  # nothing but the parameters, and nothing learned
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "classes_")


def test_fit_returns_self_and_learns_underscore_attributes() -> None:
    model = GuidelineClassifier(labels=LABELS, min_df=1, folds=3)
    X = [CommentInput(t) for t, _ in TEXTS]
    Y = np.array([[int(l in labels) for l in LABELS] for _, labels in TEXTS])
    assert model.fit(X, Y, groups=[str(i) for i in range(len(X))]) is model
    for name in ("classes_", "vectorizer_", "estimators_", "calibrators_", "thresholds_", "concern_estimator_"):
        assert hasattr(model, name)
    # Out-of-fold scores describe the training data: returned by fit_out_of_fold, never kept on the model.
    assert not [name for name in vars(model) if "oof" in name or "out_of_fold" in name]


def test_fit_out_of_fold_returns_what_fit_learns_from() -> None:
    X = [CommentInput(t) for t, _ in TEXTS]
    Y = np.array([[int(l in labels) for l in LABELS] for _, labels in TEXTS])
    groups = [str(i) for i in range(len(X))]
    model = GuidelineClassifier(labels=LABELS, min_df=1, folds=3)
    out_of_fold = model.fit_out_of_fold(X, Y, groups=groups)
    assert out_of_fold.shape == (len(X), len(LABELS) + 1)  # a column per label, concern last
    assert ((out_of_fold >= 0) & (out_of_fold <= 1)).all()
    # The same learned attributes as fit, from the same data.
    again = GuidelineClassifier(labels=LABELS, min_df=1, folds=3).fit(X, Y, groups=groups)
    assert np.array_equal(model.thresholds_, again.thresholds_)
    assert np.allclose(model.predict_proba(X), again.predict_proba(X))
    assert set(vars(model)) == set(vars(again))


def test_classes_order_matches_predict_proba_columns() -> None:
    model = fitted()
    assert list(model.classes_) == list(LABELS)
    proba = model.predict_proba([CommentInput("you clueless moron"), CommentInput("any update?? still waiting")])
    assert proba.shape == (2, 2)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert proba[0, 0] > proba[0, 1] and proba[1, 1] > proba[1, 0]
    concern = model.predict_concern([CommentInput("you clueless moron"), CommentInput("thanks, build passes")])
    assert concern[0] > concern[1]


def test_predict_uses_per_label_thresholds() -> None:
    model = fitted()
    items = [CommentInput("you clueless moron idiot"), CommentInput("any update?? still waiting")]
    proba = model.predict_proba(items)
    assert model.predict(items).tolist() == (proba >= model.thresholds_).astype(int).tolist()
    assert ((model.thresholds_ >= 0.05) & (model.thresholds_ <= 0.95)).all()  # chosen in fit, by the rule


def test_wrong_label_matrix_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        GuidelineClassifier(labels=LABELS).fit([CommentInput("a")], np.zeros((1, 3)))


def test_tokens_keep_obfuscated_words_and_emoji() -> None:
    assert tokenize("You're a f*ck-up 🤡 see https://x.example/y") == [
        "you're",
        "a",
        "f*ck",
        "up",
        "🤡",
        "see",
        "urltoken",
    ]


def test_vectorizer_is_neutral_without_thread_context() -> None:
    vectorizer = CommentVectorizer(min_df=1).fit([CommentInput("alpha beta gamma", "alpha title")])
    names = vectorizer.feature_names()
    row = vectorizer.transform([CommentInput("delta epsilon")]).toarray()[0]
    for name in ("context:title-miss", "context:thread-miss", "context:known"):
        assert row[names.index(name)] == 0
    row = vectorizer.transform([CommentInput("delta epsilon", "alpha title")]).toarray()[0]
    assert row[names.index("context:title-miss")] == 1.0


def test_identity_terms_alone_are_not_features() -> None:
    vectorizer = CommentVectorizer(min_df=1).fit([CommentInput("as a gay maintainer I merged it")] * 2)
    assert "gay" not in vectorizer.vocabulary_
    names = vectorizer.feature_names()
    neutral = vectorizer.transform([CommentInput("as a gay maintainer I merged it")]).toarray()[0]
    hostile = vectorizer.transform([CommentInput("gay people are disgusting and should go back")]).toarray()[0]
    assert neutral[names.index("cue:identity")] == 0 < hostile[names.index("cue:identity")]


def test_sentence_spans_cover_the_text() -> None:
    text = "First point. Second one!\nThird line without stop\n\nFourth?"
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == ["First point.", "Second one!", "Third line without stop", "Fourth?"]


def test_evidence_points_at_the_offending_sentence(small_model_dir: Path) -> None:
    model, _ = load_model(small_model_dir, load_taxonomy())
    text = (
        "The release notes for 4.2 are attached and the checksums match. "
        "Honestly you are a clueless idiot who should not be allowed near a compiler."
    )
    spans = evidence(model, CommentInput(text), "personal-attack")
    kinds = {s.kind for s in spans}
    assert "sentence" in kinds
    for span in spans:
        assert text[span.start : span.end] == span.text
    sentence = next(s for s in spans if s.kind == "sentence")
    assert "clueless idiot" in sentence.text
    assert any(s.kind == "term" and s.text.lower() in ("idiot", "clueless") for s in spans)


def test_identity_word_pairs_are_not_features_either() -> None:
    texts = [
        CommentInput(t) for t in ["a gay engineer wrote it", "a gay engineer fixed it", "muslim families moved"] * 3
    ]
    vocabulary = CommentVectorizer(min_df=1).fit(texts).vocabulary_
    assert ("a", "gay") not in vocabulary and ("gay", "engineer") not in vocabulary
    assert ("muslim", "families") not in vocabulary
    assert ("a", "engineer") not in vocabulary and "engineer" in vocabulary


def test_civil_flag_budget_holds_for_all_labels_together() -> None:
    rng = np.random.default_rng(0)
    civil = rng.uniform(0, 1, size=(1000, 3)) ** 4  # mostly low scores, a tail of high ones
    thresholds = np.array([0.5, 0.6, 0.7])
    assert ((civil >= thresholds).any(axis=1)).mean() > 0.05
    raised = limit_civil_flags(civil, thresholds, budget=0.01)
    assert ((civil >= raised).any(axis=1)).sum() <= 10
    assert (raised >= thresholds).all()
    # Thresholds that already keep within the budget are left alone.
    assert (limit_civil_flags(civil, np.array([0.99, 0.99, 0.99]), budget=0.01) == 0.99).all()


def test_word_pairs_are_found_within_each_comment_and_never_across_two() -> None:
    corpus = [CommentInput(t) for t in ["alpha beta gamma", "gamma alpha beta", "beta gamma", "delta alpha", "zeta"]]
    vectorizer = CommentVectorizer(min_df=1).fit(corpus)
    vocabulary = vectorizer.vocabulary_
    # "gamma" ends the first comment and "gamma" starts the second: ("gamma", "gamma") is no pair of either.
    texts = ["alpha beta gamma", "gamma alpha beta", "unknown alpha beta unknown", "", "beta gamma alpha beta"]
    matrix = vectorizer.transform([CommentInput(t) for t in texts])
    for row, text in enumerate(texts):
        tokens = tokenize(text)
        expected = {vocabulary[t] for t in tokens if t in vocabulary}
        expected |= {vocabulary[p] for p in zip(tokens, tokens[1:]) if p in vocabulary}
        present = set(matrix.getrow(row).indices.tolist()) & set(range(len(vectorizer.idf_)))
        assert present == expected, text
    # A token seen twice counts more than one seen once (sublinear term frequency), pairs included.
    repeated = vectorizer.transform([CommentInput("alpha beta alpha beta gamma")]).toarray()[0]
    assert repeated[vocabulary[("alpha", "beta")]] > repeated[vocabulary[("beta", "gamma")]] > 0
