"""The batch feature code (one regular-expression pass per batch, numpy for the rest) against the per-comment
definition of every feature, written here the plain way: tokens of each text on its own, word counts, cue lexicons,
neighbouring words, overlap with the thread as Python sets. The two must agree exactly, on the bundled sample, on
real-world fixtures and on generated text full of what the fast paths treat specially (links, code fences, mentions,
non-ASCII letters whose lower case changes length, the batch separator itself, runs of marks, shouting)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from classifiers.features import (
    _HOSTILE_WORDS,
    _IDENTITY,
    _IDENTITY_WORDS,
    _INSULT_WORDS,
    _LEXICON_TRIGRAMS,
    _MARKS,
    _SECOND_PERSON,
    _SHOUT,
    CATEGORIES,
    N_STYLE,
    STOP_WORDS,
    CommentVectorizer,
    _shout_starts,
)
from classifiers.sentences import many_sentences, sentence_windows, sentences
from classifiers.tokens import TokenBatch, tokenize
from moderation_core.model_inputs import CommentInput, thread_inputs
from moderator.scoring import load_scorer
from moderator.sources import load_threads

SAMPLE = Path(__file__).resolve().parent.parent / "moderator" / "samples" / "bug-4127.txt"
REALWORLD = Path(__file__).resolve().parent / "fixtures" / "realworld"


# -- the per-comment definition ---------------------------------------------------------------------------------
def _aimed_insults(tokens: list[str]) -> float:
    hits = 0
    for position, token in enumerate(tokens):
        if token in _INSULT_WORDS and not _SECOND_PERSON.isdisjoint(tokens[max(0, position - 4) : position]):
            hits += 1
    return float(min(hits, 3))


def _identity_hostility(tokens: list[str]) -> float:
    hits = 0
    for position, token in enumerate(tokens):
        if token in _IDENTITY_WORDS and not _HOSTILE_WORDS.isdisjoint(tokens[max(0, position - 5) : position + 6]):
            hits += 1
    return float(hits)


def _overlaps(tokens: list[str], title: str, context: str) -> tuple[float, float]:
    own = set(tokens) - STOP_WORDS
    if not own or not (title or context):
        return 0.0, 0.0
    title_words = set(tokenize(title)) - STOP_WORDS
    context_words = set(tokenize(context)) - STOP_WORDS
    return len(own & title_words) / len(own), len(own & (title_words | context_words)) / len(own)


def reference_features(vectorizer: CommentVectorizer, items: list[CommentInput]) -> np.ndarray:
    """Each row computed on its own, token by token."""
    lookup = vectorizer.lookup_
    n_words = len(vectorizer.idf_)
    rows = []
    for item in items:
        tokens = tokenize(item.text)
        keys: list[object] = list(tokens)
        if vectorizer.bigrams:
            keys += list(zip(tokens, tokens[1:]))
        features = [lookup[key] for key in keys if key in lookup]
        trigrams = set(zip(tokens, tokens[1:], tokens[2:])) & _LEXICON_TRIGRAMS
        features += [lookup[key] for key in trigrams if key in lookup]
        words = np.zeros(n_words)
        for index, count in Counter(i for i in features if i < n_words).items():
            words[index] = (1.0 + math.log(count)) * vectorizer.idf_[index]
        norm = max(float(np.sqrt((words**2).sum())), vectorizer.norm_floor_) or 1.0
        cues = np.zeros(len(CATEGORIES))
        for index in features:
            if vectorizer.cue_of_index_[index] >= 0:
                cues[vectorizer.cue_of_index_[index]] += 1
        cues[_IDENTITY] = _identity_hostility(tokens)
        scale = 1.0 / math.sqrt(max(len(tokens), max(vectorizer.min_tokens, 1)))
        title_share, context_share = _overlaps(tokens, item.title, item.context)
        known = 1.0 if (item.title or item.context) else 0.0
        style = [
            *np.minimum(cues * scale * 2.0, 3.0),
            *(cues > 0).astype(float),
            float(cues[:2].sum() > 0),
            _aimed_insults(tokens),
            min(len(_SHOUT.findall(item.text)) * scale, 3.0),
            min(len(_MARKS.findall(item.text)) * scale * 2.0, 3.0),
            math.log1p(len(tokens)) / 6.0,
            (1.0 - title_share) * known,
            (1.0 - context_share) * known,
            known,
        ]
        rows.append(np.concatenate([words / norm, style]))
    return np.array(rows).reshape(len(items), n_words + N_STYLE)


# -- fixtures -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def vectorizer() -> CommentVectorizer:
    return load_scorer().model.vectorizer_


def _assert_same(batch: sp.csr_matrix, reference: np.ndarray) -> None:
    assert batch.shape == reference.shape
    np.testing.assert_allclose(batch.toarray(), reference, rtol=0, atol=1e-12)


def _sample_inputs() -> list[CommentInput]:
    return [item for thread in load_threads(SAMPLE) for item in thread_inputs(thread)]


def _realworld_inputs() -> list[CommentInput]:
    items = []
    not_threads = ("README", "LICENSE", "NOTICE")
    for path in sorted(p for p in REALWORLD.rglob("*") if p.is_file() and not p.name.startswith(not_threads)):
        for thread in load_threads(path):
            items.extend(thread_inputs(thread))
    return items


def test_sample_thread_features_match_the_per_comment_definition(vectorizer: CommentVectorizer) -> None:
    items = _sample_inputs()
    assert len(items) > 40
    _assert_same(vectorizer.transform(items), reference_features(vectorizer, items))


def test_windows_are_the_sentences_of_each_comment_scored_alone(vectorizer: CommentVectorizer) -> None:
    items = _sample_inputs() + _realworld_inputs()[:200]
    comments, windows, owners = vectorizer.transform_with_windows(items)
    parts, expected_owners = sentence_windows(items)
    assert len(parts) > 2 * len(items) // 3  # most comments have several sentences
    np.testing.assert_array_equal(owners, expected_owners)
    _assert_same(windows, reference_features(vectorizer, parts))
    _assert_same(comments, reference_features(vectorizer, items))


def test_real_world_comments_match_the_per_comment_definition(vectorizer: CommentVectorizer) -> None:
    items = _realworld_inputs()
    assert len(items) > 400
    _assert_same(vectorizer.transform(items), reference_features(vectorizer, items))


# Pieces that the batch code treats specially, mixed into generated comments.
_PIECES = st.sampled_from(
    [
        "You idiot",
        "you are a stupid",
        "muslim families should go back",
        "ABC DEF",
        "xABCD",
        "NOT",
        "!!",
        "?!",
        "..",
        ".'",
        "'quoted'",
        "https://example.org/a.b?c=d.",
        "www.example.com.",
        "http",
        "@someone",
        "a@b",
        "```code. with! sentences?```",
        "```unclosed fence.",
        "\x00",
        "\n",
        "\r\n",
        " ",
        "ΣΑΣ",
        "İstanbul",
        "Kelvin \u212a",
        "caf\u00e9",
        "\U0001f600",
        "f*ck",
        "don't",
        "piece of shit",
        "shut up",
        "the patch works",
        "Thanks.",
    ]
)
_TEXTS = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_TEXTS, st.sampled_from(["", "Crash. On start", "ΣΑΣ bug"]), _TEXTS), max_size=6))
@example([("You idiot.\x00 Fine!! ABC", "Crash", "you\x00 idiot")])
@example([("", "", ""), ("a", "", "")])
def test_generated_comments_match_the_per_comment_definition(
    vectorizer: CommentVectorizer, rows: list[tuple[str, str, str]]
) -> None:
    items = [CommentInput(text, title, context) for text, title, context in rows]
    comments, windows, owners = vectorizer.transform_with_windows(items)
    _assert_same(comments, reference_features(vectorizer, items))
    _assert_same(vectorizer.transform(items), reference_features(vectorizer, items))
    parts, expected_owners = sentence_windows(items)
    np.testing.assert_array_equal(owners, expected_owners)
    _assert_same(windows, reference_features(vectorizer, parts))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(_TEXTS, st.lists(st.one_of(_PIECES, _TEXTS), max_size=2), st.booleans()),
        max_size=6,
    )
)
@example([("you idiot", ["```fence. opened", "you idiot"], False), ("idiot", ["a ΣΑΣ", "Σ b"], False)])
@example([("you idiot", ["the opening", "you idiot"], True)])
def test_context_read_in_pieces_matches_the_whole_context(
    vectorizer: CommentVectorizer, rows: list[tuple[str, list[str], bool]]
) -> None:
    """A comment's context given in pieces (its thread's opening post, the previous comment) is read piece by piece
    only where that cannot change its words; pieces that do not join to the context are not trusted."""
    items = [
        CommentInput(text, "Crash", "\n".join(parts) + ("!" if wrong else ""), tuple(parts))
        for text, parts, wrong in rows
    ]
    expected = reference_features(vectorizer, items)
    _assert_same(vectorizer.transform(items), expected)
    _assert_same(vectorizer.transform_with_windows(items)[0], expected)


def test_thread_inputs_give_their_context_in_pieces() -> None:
    items = _sample_inputs()
    assert all(item.context == "\n".join(item.context_parts) for item in items)
    assert {len(item.context_parts) for item in items} == {0, 1, 2}


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTS, max_size=8))
def test_tokens_of_a_batch_are_the_tokens_of_each_text(texts: list[str]) -> None:
    batch = TokenBatch.of(texts)
    assert _tokens_by_row(batch) == [tokenize(text) for text in texts]
    # a selection of its texts, in another order and with repeats, is the batch of those texts
    chosen = [row for row in [2, 0, 0, 5, 1] if row < len(texts)]
    assert _tokens_by_row(batch.select(np.array(chosen, dtype=np.int64))) == [tokenize(texts[r]) for r in chosen]


def _tokens_by_row(batch: TokenBatch) -> list[list[str]]:
    words = list(batch.index)
    got: list[list[str]] = [[] for _ in range(batch.n_texts)]
    for row, code in zip(batch.rows.tolist(), batch.codes.tolist()):
        got[row].append(words[code])
    return got


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTS, max_size=8))
def test_sentences_of_many_texts_are_the_sentences_of_each(texts: list[str]) -> None:
    pieces, owners, starts = many_sentences(texts)
    expected = [(row, start, text[start:end]) for row, text in enumerate(texts) for start, end in sentences(text)]
    assert list(zip(owners.tolist(), starts.tolist(), pieces)) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ABCZaz_1é\u0301Σ \n.!?'"), max_size=40))
@example("xABC ABCD_ ABC\u0301 ÉABC ABC")
def test_shouted_words_are_found_where_the_plain_pattern_finds_them(text: str) -> None:
    assert _shout_starts(text).tolist() == [match.start() for match in _SHOUT.finditer(text)]
