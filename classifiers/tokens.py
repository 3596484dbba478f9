"""Tokens of a text, and of many texts at once.

Scoring thousands of comments and their hundreds of thousands of sentences calls a regular expression once per text
if done one at a time, and that call costs more than the matching itself on a sentence. :class:`TokenBatch` joins
the texts with a separator no token can hold, matches once, and splits the result in numpy: the same tokens as
:func:`tokenize` on each text, several times faster."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

import numpy as np

_URL = re.compile(r"https?://\S+|www\.\S+")
_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_MENTION = re.compile(r"(?<!\w)@[\w-]+")
# Words (with inner apostrophes and the asterisks of "f*ck") and emoji; punctuation is left to the style features.
TOKEN = re.compile("[\\w'*]+|[\U0001f300-\U0001faff\u2600-\u27bf]")
# The same tokens as TOKEN on lower-cased ASCII text, twice as fast.
_ASCII_TOKEN = re.compile(r"[a-z0-9_'*]+")

# Joins the texts of a batch: not a word character (so ``\b`` and runs of marks end at it as at the end of a
# text), never part of a token, and refused in comments by every importer (a text holding it is tokenized alone).
SEPARATOR = "\x00"
_TOKEN_OR_SEPARATOR = re.compile(TOKEN.pattern + "|\x00")
_ASCII_TOKEN_OR_SEPARATOR = re.compile(_ASCII_TOKEN.pattern + "|\x00")


def normalize(text: str) -> str:
    """Lower-cased text with code blocks, links and mentions replaced by placeholders."""
    if "```" in text:
        text = _FENCE.sub(" codeblock ", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" urltoken ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", text)
    return text.lower()


def tokenize(text: str) -> list[str]:
    return _tokens_of_normalized(normalize(text))


def _tokens_of_normalized(lowered: str) -> list[str]:
    return _ASCII_TOKEN.findall(lowered) if lowered.isascii() else TOKEN.findall(lowered)


@dataclass(frozen=True, slots=True)
class TokenBatch:
    """The tokens of many texts: ``index`` numbers each distinct token (in order of first occurrence), ``codes``
    holds every token of every text, in order, as its number, and ``rows`` the text each comes from."""

    index: dict[str, int]
    codes: np.ndarray
    rows: np.ndarray
    n_texts: int

    @classmethod
    def of(cls, texts: Sequence[str]) -> TokenBatch:
        """The tokens of ``texts``, exactly those of :func:`tokenize` on each."""
        if not texts:
            return cls({}, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0)
        # Normalized one by one: most texts hold no link, mention or code block, and normalize looks for those
        # only in the texts that hold "http", "@" or a fence (on the joined whole, scanning took a third longer).
        normalized = list(map(normalize, texts))
        whole = SEPARATOR.join(normalized)
        if whole.count(SEPARATOR) == len(texts) - 1:
            tokens = (_ASCII_TOKEN_OR_SEPARATOR if whole.isascii() else _TOKEN_OR_SEPARATOR).findall(whole)
        else:  # a text holds the separator itself: each on its own
            tokens = []
            for position, text in enumerate(normalized):
                if position:
                    tokens.append(SEPARATOR)
                tokens.extend(_tokens_of_normalized(text))
        index = dict(zip(dict.fromkeys(tokens), count()))
        codes = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        separators = codes == index.get(SEPARATOR, -1)
        return cls(index, codes[~separators], np.cumsum(separators)[~separators], len(texts))

    def select(self, texts: np.ndarray) -> TokenBatch:
        """The tokens of the given texts (rows of this batch, in any order, repeats allowed), as a batch of them."""
        counts = np.bincount(self.rows, minlength=self.n_texts)
        starts = np.cumsum(counts) - counts
        lengths = counts[texts]
        new_rows = np.repeat(np.arange(len(texts)), lengths)
        # position of each selected token within its text, plus the start of that text in this batch
        within = np.arange(len(new_rows)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return TokenBatch(self.index, self.codes[np.repeat(starts[texts], lengths) + within], new_rows, len(texts))
