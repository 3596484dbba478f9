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
from itertools import compress, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from classifiers.lexicon import CATEGORIES, LEXICONS
from classifiers.sentences import many_sentences
from classifiers.tokens import TOKEN, TokenBatch, tokenize
from moderation_core.model_inputs import CommentInput

# A word feature: a token, or a pair of tokens (a bigram).
FeatureKey = str | tuple[str, ...]

_SHOUT = re.compile(r"\b[A-Z]{3,}\b")
# The runs _SHOUT's matches are found among: a plain character class the regular-expression engine scans for
# quickly, where the leading \b made it try every position (twice as slow on a batch of comments).
_UPPER_RUN = re.compile(r"[A-Z]{3,}")
_MARKS = re.compile(r"[!?]{2,}")
STOP_WORDS = frozenset(
    ". , ; : ! ? ( ) [ ] { } \" ' - * / 0 codeblock urltoken @user "
    "a an the and or but if of to in on at by for with from is are was were be been being it its this that these "
    "those i me my we our you your he she they them their his her as not no so do does did have has had will "
    "would can could should may might must just than then there here what which who whom when where why how all "
    "any some more most other such only also very too into about over after before again out up down off 's "
    "n't 're 've 'll 'd".split()
)


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
    """The vocabulary as arrays: every token that occurs in a feature or in a word list the cues read gets an id;
    ``unigram_feature[id]`` is the token's own column (-1 if none); word pairs are ``id1 * size + id2`` codes and
    lexicon triples ``(id1 * size + id2) * size + id3``, sorted, with their columns in ``bigram_feature`` and
    ``trigram_feature``; the ``*_word`` arrays say which ids are in each word list. The last entry of every
    per-id array is -1 or False: unknown tokens (id -1) index it."""

    ids: dict[str, int]
    size: int
    unigram_feature: np.ndarray
    bigram_codes: np.ndarray
    bigram_feature: np.ndarray
    trigram_codes: np.ndarray
    trigram_feature: np.ndarray
    insult_word: np.ndarray
    second_person: np.ndarray
    identity_word: np.ndarray
    hostile_word: np.ndarray

    @classmethod
    def build(cls, lookup: dict[FeatureKey, int]) -> TokenTables:
        ids: dict[str, int] = {}
        for key in lookup:
            for part in (key,) if isinstance(key, str) else key:
                ids.setdefault(part, len(ids))
        word_lists = (_INSULT_WORDS, _SECOND_PERSON, _IDENTITY_WORDS, _HOSTILE_WORDS)
        for words in word_lists:
            for word in sorted(words):
                ids.setdefault(word, len(ids))
        size = len(ids)
        unigram_feature = np.full(size + 1, -1, dtype=np.int64)
        pairs: list[tuple[int, int]] = []
        triples: list[tuple[int, int]] = []
        for key, index in lookup.items():
            if isinstance(key, str):
                unigram_feature[ids[key]] = index
            elif len(key) == 2:
                pairs.append((ids[key[0]] * size + ids[key[1]], index))
            elif key in _LEXICON_TRIGRAMS:
                triples.append(((ids[key[0]] * size + ids[key[1]]) * size + ids[key[2]], index))
        masks = []
        for words in word_lists:
            mask = np.zeros(size + 1, dtype=bool)
            mask[[ids[word] for word in words]] = True
            masks.append(mask)
        return cls(ids, size, unigram_feature, *_sorted_codes(pairs), *_sorted_codes(triples), *masks)


def _sorted_codes(entries: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    codes = np.asarray([code for code, _ in entries], dtype=np.int64)
    features = np.asarray([feature for _, feature in entries], dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    return codes[order], features[order]


def _find_codes(
    codes: np.ndarray, code_rows: np.ndarray, table_codes: np.ndarray, table_features: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The rows and feature columns of the ``codes`` found in the sorted ``table_codes``."""
    positions = np.minimum(np.searchsorted(table_codes, codes), len(table_codes) - 1)
    found = table_codes[positions] == codes
    return code_rows[found], table_features[positions[found]]


def _near(
    centres: np.ndarray,
    neighbours: np.ndarray,
    before: int,
    after: int,
    token_rows: np.ndarray,
    row_starts: np.ndarray,
    row_ends: np.ndarray,
    n_rows: int,
) -> np.ndarray:
    """Per row, how many tokens marked in ``centres`` have a token marked in ``neighbours`` among the tokens from
    ``before`` positions before them up to (not including) ``after`` positions after them, in the same row."""
    positions = np.flatnonzero(centres)
    if not len(positions):
        return np.zeros(n_rows)
    running = np.concatenate([[0], np.cumsum(neighbours, dtype=np.int64)])
    rows = token_rows[positions]
    low = np.maximum(positions - before, row_starts[rows])
    high = np.minimum(positions + after, row_ends[rows])
    hit = running[high] - running[low] > 0
    return np.bincount(rows[hit], minlength=n_rows).astype(np.float64)


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
        items = X if isinstance(X, Sequence) else list(X)
        texts = [item.text for item in items]
        marks = _MarkCounts.of(texts)
        threads = ThreadWords.of(items)
        return self._features(texts, threads, np.arange(len(items)), *marks.per_text(), batch=threads.own_words())

    def transform_with_windows(self, X: Sequence[CommentInput]) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """``transform(X)``, the features of the sentence windows of ``X`` (exactly
        ``transform(sentence_windows(X)[0])``, without an input object per sentence) and the row of ``X`` each
        window comes from. The thread words of each comment are read once for the comment and all its sentences."""
        threads = ThreadWords.of(X)
        texts = [item.text for item in X]
        marks = _MarkCounts.of(texts)
        sentence_texts, owners, starts = many_sentences(texts)
        # Shouting and runs of marks lie inside one sentence: counted once in the comments, then shared out.
        shouts, runs = marks.per_unit(marks.text_starts[owners] + starts)
        # An item of one sentence has no window: the item itself is that sentence.
        several = np.bincount(owners, minlength=len(X))[owners] >= 2
        owners = owners[several]
        window_texts = list(compress(sentence_texts, several.tolist()))
        return (
            self._features(texts, threads, np.arange(len(X)), *marks.per_text(), batch=threads.own_words()),
            self._features(window_texts, threads, owners, shouts[several], runs[several]),
            owners,
        )

    def _features(
        self,
        texts: Sequence[str],
        threads: ThreadWords,
        thread_of_row: np.ndarray,
        shouts: np.ndarray,
        marks: np.ndarray,
        batch: TokenBatch | None = None,
    ) -> sp.csr_matrix:
        """The feature rows of ``texts``; row ``i`` is read in the thread of item ``thread_of_row[i]`` of
        ``threads``, and holds ``shouts[i]`` shouted words and ``marks[i]`` runs of "!?" marks; ``batch``, when
        given, holds the tokens of ``texts``.

        Nothing here loops over tokens in Python, and little over texts: the texts are tokenized together
        (:class:`TokenBatch`), one dictionary lookup per distinct token gives its id, and word pairs, lexicon
        triples, the cues read from a token's neighbours and the overlap with the thread are found for the whole
        batch at once in numpy, as integer codes, sorted searches and cumulative counts."""
        tables = self._token_tables()
        n_words = len(self.idf_)
        n_categories = len(CATEGORIES)
        n_rows = len(texts)
        batch = batch if batch is not None else TokenBatch.of(texts)
        ids = (
            np.fromiter(map(tables.ids.get, batch.index, _MISSING), dtype=np.int64, count=len(batch.index))[batch.codes]
            if len(batch.index)
            else np.zeros(0, dtype=np.int64)
        )
        token_rows = batch.rows
        counts_per_row = np.bincount(token_rows, minlength=n_rows)
        row_ends = np.cumsum(counts_per_row)
        row_starts = row_ends - counts_per_row
        title_share, context_share = threads.overlaps(batch, thread_of_row)
        known_thread = threads.known[thread_of_row]
        # Unknown tokens have id -1; they index the tables' last entries, which are always -1 or False.
        row_parts = [token_rows]
        index_parts = [tables.unigram_feature[ids]]
        if self.bigrams and len(ids) > 1 and len(tables.bigram_codes):
            valid = (token_rows[1:] == token_rows[:-1]) & (ids[:-1] >= 0) & (ids[1:] >= 0)
            codes = ids[:-1][valid] * tables.size + ids[1:][valid]
            found_rows, found_features = _find_codes(
                codes, token_rows[:-1][valid], tables.bigram_codes, tables.bigram_feature
            )
            row_parts.append(found_rows)
            index_parts.append(found_features)
        if len(ids) > 2 and len(tables.trigram_codes):
            # Lexicon phrases of three words count once per text (as a set), as a cue, never as a word feature.
            valid = (token_rows[2:] == token_rows[:-2]) & (ids[:-2] >= 0) & (ids[1:-1] >= 0) & (ids[2:] >= 0)
            codes = (ids[:-2][valid] * tables.size + ids[1:-1][valid]) * tables.size + ids[2:][valid]
            found_rows, found_features = _find_codes(
                codes, token_rows[:-2][valid], tables.trigram_codes, tables.trigram_feature
            )
            if len(found_rows):
                width = len(self.lookup_)
                distinct = _distinct(found_rows * width + found_features)
                row_parts.append(distinct // width)
                index_parts.append(distinct % width)
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
        # Identity terms count only with hostile or generalising words within five tokens: hostility aimed at a
        # group, never the mention of who someone is.
        cues[:, _IDENTITY] = _near(
            tables.identity_word[ids], tables.hostile_word[ids], 5, 6, token_rows, row_starts, row_ends, n_rows
        )
        # Insults or profanity within four tokens after "you"/"your": aimed at the reader (at most 3 counted).
        aimed = np.minimum(
            _near(tables.insult_word[ids], tables.second_person[ids], 4, 0, token_rows, row_starts, row_ends, n_rows),
            3.0,
        )
        lengths = counts_per_row.astype(np.float64)
        scale = 1.0 / np.sqrt(np.maximum(lengths, float(max(self.min_tokens, 1))))
        # Style and cue features scaled to stay within about 0..3, like the TF-IDF part.
        dense = np.column_stack(
            [
                np.minimum(cues * scale[:, None] * 2.0, 3.0),
                # presence too: one insult in a long comment is still an insult
                (cues > 0).astype(np.float64),
                (cues[:, :2].sum(axis=1) > 0).astype(np.float64),
                aimed,
                np.minimum(shouts * scale, 3.0),
                np.minimum(marks * scale * 2.0, 3.0),
                np.log1p(lengths) / 6.0,
                # Misses, not overlaps: a comment scored without its thread (no title, no context) must look
                # neutral, not like one that shares no word with its thread.
                (1.0 - title_share) * known_thread,
                (1.0 - context_share) * known_thread,
                known_thread,
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


@dataclass(frozen=True, slots=True)
class _MarkCounts:
    """Where shouted words (``_SHOUT``) and runs of "!?" marks (``_MARKS``) begin in some texts joined by line
    breaks (neither crosses one, and ``\\b`` sees a line break as it sees the end of a text)."""

    text_starts: np.ndarray
    shouts: np.ndarray
    marks: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str]) -> _MarkCounts:
        text = "\n".join(texts)
        text_starts = np.cumsum([0] + [len(piece) + 1 for piece in texts[:-1]]) if texts else np.zeros(0, np.int64)
        # No upper-case letter at all: nothing to shout (the usual case for a short batch, and cheaper).
        shouts = _shout_starts(text) if not text.islower() else np.zeros(0, np.int64)
        any_marks = "!!" in text or "??" in text or "?!" in text or "!?" in text
        return cls(text_starts, shouts, _starts(_MARKS, text) if any_marks else np.zeros(0, np.int64))

    def per_text(self) -> tuple[np.ndarray, np.ndarray]:
        return self.per_unit(self.text_starts)

    def per_unit(self, unit_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counts per unit of the joined text (sentences, or the texts), given by their sorted start offsets:
        each match belongs to the last unit that starts at or before it."""
        return _per_unit(self.shouts, unit_starts), _per_unit(self.marks, unit_starts)


def _per_unit(positions: np.ndarray, unit_starts: np.ndarray) -> np.ndarray:
    units = np.searchsorted(unit_starts, positions, side="right") - 1
    return np.bincount(units, minlength=len(unit_starts)).astype(np.float64)


def _shout_starts(text: str) -> np.ndarray:
    """Where the matches of ``_SHOUT`` begin: the maximal runs of three or more capitals with no word character
    (``\\w``: alphanumeric or underscore) on either side."""
    end = len(text)
    return np.fromiter(
        (
            start
            for start, stop in (match.span() for match in _UPPER_RUN.finditer(text))
            if (start == 0 or not _is_word(text[start - 1])) and (stop == end or not _is_word(text[stop]))
        ),
        dtype=np.int64,
    )


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


def _starts(pattern: re.Pattern[str], text: str) -> np.ndarray:
    return np.fromiter((match.start() for match in pattern.finditer(text)), dtype=np.int64)


@dataclass(frozen=True, slots=True)
class ThreadWords:
    """The words of some comments and of their threads: each distinct text among their own texts, titles and the
    pieces of their contexts tokenized once (a comment's own text is most often a piece of the next comment's
    context, and a thread's opening post a piece of all of them), with for every comment the row of its own text,
    of its title and of each piece of its context (-1 past its last piece)."""

    words: TokenBatch
    own_of_item: np.ndarray
    title_of_item: np.ndarray
    pieces_of_item: np.ndarray  # (items, most pieces of any item)
    known: np.ndarray  # 1.0 where the comment has a title or a context

    @classmethod
    def of(cls, items: Sequence[CommentInput]) -> ThreadWords:
        rows: dict[str, int] = {}
        n_items = len(items)
        own_of_item = np.fromiter((rows.setdefault(item.text, len(rows)) for item in items), np.int64, n_items)
        title_of_item = np.fromiter((rows.setdefault(item.title, len(rows)) for item in items), np.int64, n_items)
        piece_rows = [[rows.setdefault(piece, len(rows)) for piece in _context_pieces(item)] for item in items]
        pieces_of_item = np.full((n_items, max(map(len, piece_rows), default=0)), -1, dtype=np.int64)
        for item_row, pieces in enumerate(piece_rows):
            pieces_of_item[item_row, : len(pieces)] = pieces
        known = np.fromiter((1.0 if (item.title or item.context) else 0.0 for item in items), np.float64, n_items)
        return cls(TokenBatch.of(list(rows)), own_of_item, title_of_item, pieces_of_item, known)

    def own_words(self) -> TokenBatch:
        """The tokens of the comments' own texts, one row per comment."""
        return self.words.select(self.own_of_item)

    def overlaps(self, batch: TokenBatch, item_of_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per text of ``batch`` (read in the thread of item ``item_of_row[i]``), the share of its content words
        (distinct, stop words left out) that also occur in its thread's title, and in the title or the context
        (0 for a text with no content word or no thread)."""
        n_rows = len(item_of_row)
        size = max(len(batch.index), 1)
        content = np.ones(size, dtype=bool)
        content[[batch.index[word] for word in STOP_WORDS if word in batch.index]] = False
        keep = content[batch.codes] if len(batch.codes) else np.zeros(0, dtype=bool)
        # (text, word) pairs, each once: the distinct content words of every text
        pairs = _distinct(batch.rows[keep] * size + batch.codes[keep])
        pair_rows, pair_words = pairs // size, pairs % size
        pair_items = item_of_row[pair_rows]
        thread_words = _words_by_row(self.words, batch.index, size)
        in_title = _sorted_contains(thread_words, self.title_of_item[pair_items] * size + pair_words)
        in_context = np.zeros(len(pairs), dtype=bool)
        for column in self.pieces_of_item.T:
            piece_rows = column[pair_items]  # -1 (no such piece) makes a negative code, never found
            in_context |= _sorted_contains(thread_words, piece_rows * size + pair_words)
        own = np.bincount(pair_rows, minlength=n_rows).astype(np.float64)
        own[own == 0] = 1.0  # no content word: nothing shared either
        title_share = np.bincount(pair_rows[in_title], minlength=n_rows) / own
        return title_share, np.bincount(pair_rows[in_title | in_context], minlength=n_rows) / own


def _context_pieces(item: CommentInput) -> tuple[str, ...]:
    """The pieces whose tokens together are exactly the tokens of ``item.context``: its ``context_parts`` when they
    join to it by line breaks (no token, link, mention or lower-casing rule reaches across a line break) and no
    piece but the last opens a code block (one that is never closed runs to the end of the whole context);
    otherwise the context whole."""
    parts = item.context_parts
    if parts and not any("```" in part for part in parts[:-1]) and "\n".join(parts) == item.context:
        return parts
    return (item.context,) if item.context else ()


def _words_by_row(words: TokenBatch, index: dict[str, int], size: int) -> np.ndarray:
    """``row * size + number`` for every token of ``words`` that ``index`` numbers (its number there), sorted."""
    if not len(words.codes):
        return np.zeros(0, dtype=np.int64)
    numbers = np.fromiter(map(index.get, words.index, _MISSING), dtype=np.int64, count=len(words.index))[words.codes]
    known = numbers >= 0
    return _distinct(words.rows[known] * size + numbers[known])


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: np.unique, whose hash-based path (numpy 2.3 on) is many times slower on
    millions of integers than sorting."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def _sorted_contains(table: np.ndarray, queries: np.ndarray) -> np.ndarray:
    if not len(table):
        return np.zeros(len(queries), dtype=bool)
    positions = np.minimum(np.searchsorted(table, queries), len(table) - 1)
    return np.asarray(table[positions] == queries)
