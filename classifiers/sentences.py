"""Sentences of a comment's own words: the unit evidence is shown in, and the windows the model also scores, so
that one guideline-breaking sentence is not averaged away by the ordinary text around it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import compress

import numpy as np

from moderation_core.model_inputs import CommentInput

# A sentence ends at . ! or ? (with closing quotes or brackets), or at a line break.
_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+[\"')\]]*|\n|$)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences (or lines) of ``text``, surrounding whitespace excluded."""
    spans = []
    for match in _SENTENCE.finditer(text):
        piece = match.group()
        # str.strip removes exactly what str.isspace calls whitespace, in C rather than a loop per character.
        stripped = piece.strip()
        if stripped:
            start = match.start() + len(piece) - len(piece.lstrip())
            spans.append((start, start + len(stripped)))
    return spans


def many_sentences(texts: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The sentences of many texts at once: each sentence's text, the text it comes from, and its position there
    (character offset of its start): exactly :func:`sentences` of each text, in order.

    The texts are joined by line breaks, where a sentence ends anyway, and matched in one call: the matches tile
    the joined text, so their lengths give their offsets."""
    if not texts:
        return [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pieces = _SENTENCE.findall("\n".join(texts))
    stripped = [piece.strip() for piece in pieces]
    kept = np.fromiter(map(bool, stripped), dtype=bool, count=len(pieces))
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    leading = lengths - np.fromiter(map(len, map(str.lstrip, pieces)), dtype=np.int64, count=len(pieces))
    starts = (np.cumsum(lengths) - lengths + leading)[kept]
    text_starts = np.cumsum([0] + [len(text) + 1 for text in texts[:-1]])
    owners = np.searchsorted(text_starts, starts, side="right") - 1
    return list(compress(stripped, kept.tolist())), owners, starts - text_starts[owners]


def sentence_windows(items: Sequence[CommentInput]) -> tuple[list[CommentInput], np.ndarray]:
    """Each sentence of each item with more than one, as an input of its own (with its comment's title and
    context), and for every such window the row of the item it comes from. An item of one sentence has no
    window: the item itself is that sentence.

    The definition of the windows the model scores, one input at a time: ``CommentVectorizer.transform_with_windows``
    builds the same rows for a whole batch without an input per sentence, and the tests hold the two equal."""
    windows: list[CommentInput] = []
    owners: list[int] = []
    for row, item in enumerate(items):
        text = item.text
        spans = sentences(text)
        if len(spans) < 2:
            continue
        windows.extend(CommentInput(text[start:end], item.title, item.context) for start, end in spans)
        owners.extend([row] * len(spans))
    return windows, np.asarray(owners, dtype=np.int64)
