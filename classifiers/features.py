"""Features of a comment's own words, fast enough to score ten thousand comments a second in one process.

One tokenisation per comment feeds everything: TF-IDF weights of word unigrams and bigrams (the vocabulary
keys bigrams as token tuples; scoring finds them as integer codes for a whole batch at once in numpy, see
TokenTables), counts of the cue lexicons, a few style signals, and the overlap of the
comment with its thread's title and opening post (off-topic needs to know what the thread is about).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from classifiers.lexicon import CATEGORIES, LEXICONS
from moderation_core.model_inputs import CommentInput

# A word feature: a token, or a pair of tokens (a bigram).
FeatureKey = str | tuple[str, ...]

_URL = re.compile(r"https?://\S+|www\.\S+")
_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_MENTION = re.compile(r"(?<!\w)@[\w-]+")
# Words (with inner apostrophes and the asterisks of "f*ck") and emoji; punctuation is left to the style features.
TOKEN = re.compile("[\\w'*]+|[\U0001f300-\U0001faff\u2600-\u27bf]")
_SHOUT = re.compile(r"\b[A-Z]{3,}\b")
_MARKS = re.compile(r"[!?]{2,}")
STOP_WORDS = frozenset(
    ". , ; : ! ? ( ) [ ] { } \" ' - * / 0 codeblock urltoken @user "
    "a an the and or but if of to in on at by for with from is are was were be been being it its this that these "
    "those i me my we our you your he she they them their his her as not no so do does did have has had will "
    "would can could should may might must just than then there here what which who whom when where why how all "
    "any some more most other such only also very too into about over after before again out up down off 's "
    "n't 're 've 'll 'd".split()
)


def normalize(text: str) -> str:
    """Lower-cased text with code blocks, links and mentions replaced by placeholders."""
    if "```" in text:
        text = _FENCE.sub(" codeblock ", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" urltoken ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", text)
    return text.lower()


_ASCII_TOKEN = re.compile(r"[a-z0-9_'*]+")


def tokenize(text: str) -> list[str]:
    lowered = normalize(text)
    # The same tokens as TOKEN; an ASCII-only pattern runs twice as fast on the (usual) ASCII comment.
    return _ASCII_TOKEN.findall(lowered) if lowered.isascii() else TOKEN.findall(lowered)


def _lexicon_keys() -> dict[FeatureKey, int]:
    """Lexicon entries keyed like the vectorizer's features: a token, or a tuple of two or three tokens."""
    keys: dict[FeatureKey, int] = {}
    for index, name in enumerate(CATEGORIES):
        for phrase in LEXICONS[name]:
            parts = TOKEN.findall(phrase.lower())
            key: FeatureKey = parts[0] if len(parts) == 1 else tuple(parts)
            keys.setdefault(key, index)
    return keys


LEXICON_KEYS = _lexicon_keys()
_LEXICON_KEYSET = frozenset(LEXICON_KEYS)
_MISSING = repeat(-1)
_LEXICON_TRIGRAMS = frozenset(k for k in LEXICON_KEYS if isinstance(k, tuple) and len(k) == 3)
_TRIGRAM_FIRSTS = frozenset(k[0] for k in LEXICON_KEYS if isinstance(k, tuple) and len(k) == 3)
_INSULT_WORDS = frozenset(LEXICONS["insult"]) | frozenset(LEXICONS["profanity"])
_SECOND_PERSON = frozenset(LEXICONS["second_person"])
_IDENTITY = CATEGORIES.index("identity")
_IDENTITY_WORDS = frozenset(k for k, c in LEXICON_KEYS.items() if c == _IDENTITY and isinstance(k, str))
_HOSTILE_WORDS = (
    _INSULT_WORDS
    | frozenset(LEXICONS["threat"])
    | frozenset(
        "hate disgusting filthy sick vermin subhuman inferior go back deport ban banned shouldn't allowed can't "
        "cannot never all always typical these those people".split()
    )
)
N_STYLE = 2 * len(CATEGORIES) + 8


@dataclass(frozen=True, slots=True)
class TokenTables:
    """The vocabulary as arrays: every token that occurs in a feature gets an id; ``unigram_feature[id]`` is the
    token's own column (-1 if none, and the last entry is always -1); word pairs are ``id1 * size + id2`` codes,
    sorted, with their columns in ``bigram_feature``."""

    ids: dict[str, int]
    size: int
    unigram_feature: np.ndarray
    bigram_codes: np.ndarray
    bigram_feature: np.ndarray

    @classmethod
    def build(cls, lookup: dict[FeatureKey, int]) -> TokenTables:
        ids: dict[str, int] = {}
        for key in lookup:
            for part in (key,) if isinstance(key, str) else key:
                ids.setdefault(part, len(ids))
        size = len(ids)
        unigram_feature = np.full(size + 1, -1, dtype=np.int64)
        codes, features = [], []
        for key, index in lookup.items():
            if isinstance(key, str):
                unigram_feature[ids[key]] = index
            elif len(key) == 2:
                codes.append(ids[key[0]] * size + ids[key[1]])
                features.append(index)
        order = np.argsort(np.asarray(codes, dtype=np.int64), kind="stable")
        return cls(
            ids,
            size,
            unigram_feature,
            np.asarray(codes, dtype=np.int64)[order],
            np.asarray(features, dtype=np.int64)[order],
        )


class CommentVectorizer(BaseEstimator, TransformerMixin):
    """Sparse features of :class:`CommentInput` items (scikit-learn transformer).

    Parameters: ``min_df`` (a feature must occur in this many training comments), ``max_features`` (keep the
    most frequent), ``bigrams`` (add adjacent token pairs), ``min_tokens`` (a text is weighed as if it had at least
    this many words: see below).

    Why ``min_tokens``: every per-comment weight here is a share of the comment (TF-IDF vectors have unit length;
    cue and style counts are divided by the square root of the length). A one-word comment then puts its whole
    weight on one word, far outside what training comments look like: ``a`` alone carried the full weight that
    "you are a ..." spreads over many words, and was flagged. So word vectors are divided by at least the length
    of ``min_tokens`` words of typical weight (``norm_floor_``, learned in ``fit``), and counts by at least
    ``sqrt(min_tokens)``: a rare, telling word alone keeps most of its weight, a common word alone keeps little.
    """

    def __init__(self, min_df: int = 2, max_features: int = 60_000, bigrams: bool = True, min_tokens: int = 4) -> None:
        self.min_df = min_df
        self.max_features = max_features
        self.bigrams = bigrams
        self.min_tokens = min_tokens

    def _keys(self, tokens: list[str]) -> Counter[FeatureKey]:
        counts: Counter[FeatureKey] = Counter(tokens)
        if self.bigrams and len(tokens) > 1:
            counts.update(zip(tokens, tokens[1:]))
        return counts

    def fit(self, X: Sequence[CommentInput], y: object = None) -> CommentVectorizer:
        document_frequency: Counter[FeatureKey] = Counter()
        for item in X:
            document_frequency.update(self._keys(tokenize(item.text)).keys())
        # A comment must never score higher for naming who someone is: identity terms, and word pairs holding
        # one ("a gay", "muslim families"), are left out of the vocabulary; the identity-hostility cue below
        # covers attacks on a group, by the hostile words around the term.
        kept = [
            (key, df)
            for key, df in document_frequency.items()
            if df >= self.min_df
            and (key not in _IDENTITY_WORDS if isinstance(key, str) else _IDENTITY_WORDS.isdisjoint(key))
        ]
        kept.sort(key=lambda pair: (-pair[1], repr(pair[0])))
        kept = kept[: self.max_features]
        # Lexicon cues are counted through the same lookup as the words: lexicon entries that are not word
        # features get indices past the vocabulary, and cue_of_index_ maps every index to its lexicon (or -1).
        self.lookup_: dict[FeatureKey, int] = {key: index for index, (key, _) in enumerate(kept)}
        for key in LEXICON_KEYS:
            self.lookup_.setdefault(key, len(self.lookup_))
        self.cue_of_index_ = np.full(len(self.lookup_), -1, dtype=np.int64)
        for key, index in self.lookup_.items():
            category = LEXICON_KEYS.get(key)
            if category is not None:
                self.cue_of_index_[index] = category
        n_documents = max(len(X), 1)
        self.idf_ = np.array([math.log((1 + n_documents) / (1 + df)) + 1.0 for _, df in kept], dtype=np.float64)
        self.norm_floor_ = _norm_floor(self.idf_, np.array([df for _, df in kept], dtype=np.float64), self.min_tokens)
        self.n_features_out_ = len(kept) + N_STYLE
        return self

    def transform(self, X: Iterable[CommentInput]) -> sp.csr_matrix:
        # Per comment only C-level work (regex, set operations, map over dict.get): one dictionary lookup per
        # token gives its id; word pairs are then found for the whole batch at once in numpy, as integer codes
        # searched in a sorted table. Python-level loops per token, or a tuple per word pair, would halve the speed.
        tables = self._token_tables()
        token_get = tables.ids.get
        lookup_get = self.lookup_.get
        n_words = len(self.idf_)
        n_categories = len(CATEGORIES)
        token_ids: list[int] = []
        token_counts: list[int] = []
        trigram_rows: list[int] = []
        trigram_indices: list[int] = []
        style_rows: list[list[float]] = []
        identity_rows: list[tuple[int, float]] = []
        token_cache: dict[str, set[str]] = {}
        for row, item in enumerate(X):
            text = item.text
            tokens = tokenize(text)
            token_ids.extend(map(token_get, tokens, _MISSING))
            token_counts.append(len(tokens))
            if not _TRIGRAM_FIRSTS.isdisjoint(tokens) and len(tokens) > 2:
                trigrams = _LEXICON_TRIGRAMS.intersection(zip(tokens, tokens[1:], tokens[2:]))
                trigram_indices.extend(map(lookup_get, trigrams, _MISSING))
                trigram_rows.extend([row] * len(trigrams))
            if not _IDENTITY_WORDS.isdisjoint(tokens):
                identity_rows.append((row, _identity_hostility(tokens)))
            title_overlap, context_overlap = _overlaps(tokens, item.title, item.context, token_cache)
            style_rows.append(
                [
                    _aimed_insults(tokens) if not _INSULT_WORDS.isdisjoint(tokens) else 0.0,
                    len(_SHOUT.findall(text)),
                    len(_MARKS.findall(text)) if ("!!" in text or "??" in text or "?!" in text or "!?" in text) else 0,
                    len(tokens),
                    title_overlap,
                    context_overlap,
                    1.0 if (item.title or item.context) else 0.0,
                ]
            )
        n_rows = len(token_counts)
        ids = np.asarray(token_ids, dtype=np.int64)
        token_rows = np.repeat(np.arange(n_rows), token_counts)
        # Unknown tokens have id -1; they index the table's last entry, which is always -1 (no feature).
        row_parts = [token_rows]
        index_parts = [tables.unigram_feature[ids]]
        if self.bigrams and len(ids) > 1 and len(tables.bigram_codes):
            valid = (token_rows[1:] == token_rows[:-1]) & (ids[:-1] >= 0) & (ids[1:] >= 0)
            codes = ids[:-1][valid] * tables.size + ids[1:][valid]
            positions = np.minimum(np.searchsorted(tables.bigram_codes, codes), len(tables.bigram_codes) - 1)
            found = tables.bigram_codes[positions] == codes
            row_parts.append(token_rows[:-1][valid][found])
            index_parts.append(tables.bigram_feature[positions[found]])
        if trigram_rows:
            row_parts.append(np.asarray(trigram_rows, dtype=np.int64))
            index_parts.append(np.asarray(trigram_indices, dtype=np.int64))
        rows = np.concatenate(row_parts)
        indices = np.concatenate(index_parts)
        known = indices >= 0
        rows, indices = rows[known], indices[known]
        is_word = indices < n_words
        counts = sp.csr_matrix(
            (np.ones(int(is_word.sum())), (rows[is_word], indices[is_word])), shape=(n_rows, n_words)
        )  # duplicates are summed: term counts
        counts.data = (1.0 + np.log(counts.data)) * self.idf_[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms = np.maximum(norms, self.norm_floor_)
        norms[norms == 0] = 1.0
        words = sp.diags(1.0 / norms) @ counts

        cue_index = self.cue_of_index_[indices]
        hit = cue_index >= 0
        cues = np.zeros((n_rows, n_categories))
        np.add.at(cues, (rows[hit], cue_index[hit]), 1.0)
        cues[:, _IDENTITY] = 0.0
        for row, value in identity_rows:
            cues[row, _IDENTITY] = value
        style = np.asarray(style_rows, dtype=np.float64).reshape(n_rows, 7)
        lengths = style[:, 3]
        scale = 1.0 / np.sqrt(np.maximum(lengths, float(max(self.min_tokens, 1))))
        # Style and cue features scaled to stay within about 0..3, like the TF-IDF part.
        dense = np.column_stack(
            [
                np.minimum(cues * scale[:, None] * 2.0, 3.0),
                # presence too: one insult in a long comment is still an insult
                (cues > 0).astype(np.float64),
                (cues[:, :2].sum(axis=1) > 0).astype(np.float64),
                np.minimum(style[:, 0], 3.0),
                np.minimum(style[:, 1] * scale, 3.0),
                np.minimum(style[:, 2] * scale * 2.0, 3.0),
                np.log1p(lengths) / 6.0,
                # Misses, not overlaps: a comment scored without its thread (no title, no context) must look
                # neutral, not like one that shares no word with its thread.
                (1.0 - style[:, 4]) * style[:, 6],
                (1.0 - style[:, 5]) * style[:, 6],
                style[:, 6],
            ]
        )
        return sp.hstack([words, sp.csr_matrix(dense)], format="csr")

    def _token_tables(self) -> TokenTables:
        # Derived from lookup_ on first use, never stored: the model file stays as small and as stable as before.
        tables = self.__dict__.get("_token_tables_cache")
        if tables is None:
            tables = self.__dict__["_token_tables_cache"] = TokenTables.build(self.lookup_)
        return tables

    def __getstate__(self) -> dict[str, object]:
        # joblib unpickles with the pure-Python unpickler, which needs ~0.3 s for a dict of 60,000 keys; one
        # string of keys in index order loads in milliseconds. Tokens never contain spaces or newlines.
        state = dict(self.__dict__)
        state.pop("_token_tables_cache", None)
        if "lookup_" in state:
            keys = sorted(self.lookup_, key=self.lookup_.__getitem__)
            state["lookup_"] = "\n".join(k if isinstance(k, str) else " ".join(k) for k in keys)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        # A vectorizer saved before ``min_tokens`` weighed every text by its own length alone: the same as 1 and no
        # floor, so an older model scores exactly as it did.
        state = {"min_tokens": 1, "norm_floor_": 0.0, **state}
        lookup = state.get("lookup_")
        if isinstance(lookup, str):
            keys = [k if " " not in k else tuple(k.split(" ")) for k in lookup.split("\n")] if lookup else []
            state = {**state, "lookup_": dict(zip(keys, range(len(keys))))}
        self.__dict__.update(state)

    @property
    def vocabulary_(self) -> dict[FeatureKey, int]:
        """Word features (tokens and token pairs) and their column indices."""
        n_words = len(self.idf_)
        return {key: index for key, index in self.lookup_.items() if index < n_words}

    def feature_names(self) -> list[str]:
        words = [k if isinstance(k, str) else " ".join(k) for k in self.vocabulary_]
        style = (
            [f"cue:{c}" for c in CATEGORIES]
            + [f"cue-present:{c}" for c in CATEGORIES]
            + [
                "cue:any-profanity-or-insult",
                "cue:aimed-insult",
                "style:shouting",
                "style:!?",
                "style:length",
                "context:title-miss",
                "context:thread-miss",
                "context:known",
            ]
        )
        return words + style


def _norm_floor(idf: np.ndarray, document_frequency: np.ndarray, min_tokens: int) -> float:
    """The length of a word vector of ``min_tokens`` distinct words of typical weight: the median IDF of a word
    occurrence (words weighted by how many comments hold them, so common words count as often as they occur)."""
    if min_tokens <= 1 or len(idf) == 0:
        return 0.0
    order = np.argsort(idf)
    cumulative = np.cumsum(document_frequency[order])
    median = float(idf[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])
    return float(np.sqrt(min_tokens) * median)


def _aimed_insults(tokens: list[str]) -> float:
    """Insults or profanity within four tokens after "you"/"your": aimed at the reader."""
    hits = 0
    for position, token in enumerate(tokens):
        if token in _INSULT_WORDS:
            window = tokens[max(0, position - 4) : position]
            if not _SECOND_PERSON.isdisjoint(window):
                hits += 1
    return float(min(hits, 3))


def _identity_hostility(tokens: list[str]) -> float:
    """Identity terms with hostile or generalising words within five tokens: hostility aimed at a group."""
    hits = 0
    for position, token in enumerate(tokens):
        if token in _IDENTITY_WORDS:
            window = tokens[max(0, position - 5) : position + 6]
            if not _HOSTILE_WORDS.isdisjoint(window):
                hits += 1
    return float(hits)


def _content_words(text: str, cache: dict[str, set[str]]) -> set[str]:
    words = cache.get(text)
    if words is None:
        words = set(tokenize(text)).difference(STOP_WORDS)
        if len(cache) < 10_000:
            cache[text] = words
    return words


def _overlaps(tokens: list[str], title: str, context: str, cache: dict[str, set[str]]) -> tuple[float, float]:
    """Share of the comment's content words that also occur in the title, and in the thread context."""
    if not title and not context:
        return 0.0, 0.0
    own = set(tokens).difference(STOP_WORDS)
    if not own:
        return 0.0, 0.0
    title_words = _content_words(title, cache) if title else set()
    shared_title = len(own.intersection(title_words))
    if not context:
        return shared_title / len(own), shared_title / len(own)
    context_words = _content_words(context, cache)
    shared_context = len(own.intersection(context_words) | own.intersection(title_words))
    return shared_title / len(own), shared_context / len(own)
