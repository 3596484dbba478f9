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
    lowered = normalize(text)
    return _ASCII_TOKEN.findall(lowered) if lowered.isascii() else TOKEN.findall(lowered)


def joined(texts: Sequence[str]) -> str | None:
    """The texts joined by SEPARATOR, or None when one of them holds it (their pieces could not be told apart)."""
    text = SEPARATOR.join(texts)
    return text if text.count(SEPARATOR) == len(texts) - 1 else None


@dataclass(frozen=True, slots=True)
class TokenBatch:
    """The tokens of many texts: ``index`` numbers each distinct token (in order of first occurrence), ``codes``
    holds every token of every text, in order, as its number, and ``rows`` the text each comes from."""

    index: dict[str, int]
    codes: np.ndarray
    rows: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str]) -> TokenBatch:
        """The tokens of ``texts``, exactly those of :func:`tokenize` on each."""
        normalized = list(map(normalize, texts))
        text = joined(normalized) if texts else None
        if text is not None:
            pattern = _ASCII_TOKEN_OR_SEPARATOR if text.isascii() else _TOKEN_OR_SEPARATOR
            tokens = pattern.findall(text)
        else:
            tokens = []
            for position, piece in enumerate(normalized):
                if position:
                    tokens.append(SEPARATOR)
                tokens.extend(_ASCII_TOKEN.findall(piece) if piece.isascii() else TOKEN.findall(piece))
        index = dict(zip(dict.fromkeys(tokens), count()))
        codes = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        separators = codes == index.get(SEPARATOR, -1)
        return cls(index, codes[~separators], np.cumsum(separators)[~separators])
