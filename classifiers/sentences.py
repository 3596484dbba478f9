"""Sentences of a comment's own words: the unit evidence is shown in, and the windows the model also scores, so
that one guideline-breaking sentence is not averaged away by the ordinary text around it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from moderation_core.model_inputs import CommentInput

# A sentence ends at . ! or ? (with closing quotes or brackets), or at a line break.
_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+[\"')\]]*|\n|$)")


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


def sentence_windows(items: Sequence[CommentInput]) -> tuple[list[CommentInput], np.ndarray]:
    """Each sentence of each item with more than one, as an input of its own (with its comment's title and
    context), and for every such window the row of the item it comes from. An item of one sentence has no
    window: the item itself is that sentence."""
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
