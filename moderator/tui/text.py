"""Comment text as Rich ``Text`` that is always literal: never markup, never terminal control sequences; and the
word wrapping the review screen does itself, so it knows which screen line holds which character."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

from rich.cells import cell_len, get_character_cell_size
from rich.style import StyleType
from rich.text import Text

from moderation_core.textsafe import UNSAFE_CHARACTERS, one_visible_line


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def literal(text: str, style: StyleType = "", highlights: Iterable[tuple[int, int, StyleType]] = ()) -> Text:
    """``text`` shown exactly: control and reordering characters made visible as escapes, ``[markup]`` left as
    typed, and ``highlights`` (start, end, style) applied at the right places despite the escapes."""
    pieces: list[str] = []
    originals: list[int] = []  # offsets in ``text`` just after each escaped character ...
    extras: list[int] = []  # ... and how many display characters were added up to there
    extra = 0
    last = 0
    for match in UNSAFE_CHARACTERS.finditer(text):
        pieces.append(text[last : match.start()])
        escaped = _escape(ord(match.group()))
        pieces.append(escaped)
        extra += len(escaped) - 1
        originals.append(match.end())
        extras.append(extra)
        last = match.end()
    pieces.append(text[last:])
    result = Text("".join(pieces), style=style, no_wrap=False)

    def display(offset: int) -> int:
        # bisect: a comment full of control characters and evidence spans costs n log n, not n * m
        found = bisect_right(originals, offset)
        return offset + (extras[found - 1] if found else 0)

    for start, end, span_style in highlights:
        if 0 <= start < end <= len(text):
            result.stylize(span_style, display(start), display(end))
    return result


def literal_line(text: str, style: StyleType = "", limit: int = 2048) -> Text:
    """``text`` as one literal line: line breaks and tabs shown as escapes too (a title or an author name that
    held a line break would otherwise take a second line of a header that has room for one). Only its first
    ``limit`` characters are kept, with an ellipsis: a line is cut to the screen's width anyway, and a megabyte
    title must not cost a megabyte at every key press."""
    cut = len(text) > limit
    line = Text(one_visible_line(text[:limit] if cut else text), style=style, no_wrap=True, overflow="ellipsis")
    if cut:
        line.append("…")
    return line


def fit(text: Text, width: int) -> Text:
    """``text`` cut to ``width`` cells with an ellipsis, measured in cells (a CJK character takes two)."""
    fitted = text.copy()
    fitted.no_wrap = True
    fitted.overflow = "ellipsis"
    if cell_len(fitted.plain) > width:
        fitted.truncate(max(width, 1), overflow="ellipsis")
    return fitted


_WORD = re.compile(r"\s*\S+\s*")


def break_offsets(line: str, width: int) -> list[int]:
    """Where the screen lines of one line of text start, after the first, when it is word-wrapped to ``width``
    cells: at word starts, and inside a word wider than a whole line. Spaces after a word may run past the
    edge (they are trimmed when drawn), so the offsets of a line's pieces always add up to the line."""
    # Comment text reaches here with its control characters escaped (literal): an ASCII line is a cell a character.
    measure = len if line.isascii() else cell_len
    if width <= 0 or measure(line) <= width:
        return []
    breaks: list[int] = []
    column = 0
    for match in _WORD.finditer(line):
        word = match.group()
        cells = measure(word)
        if column + cells <= width or (column and column + measure(word.rstrip()) <= width):
            column += cells
            continue
        if column:
            breaks.append(match.start())
            column = 0
        if cells <= width or measure(word.rstrip()) <= width:
            column = cells
            continue
        for position, character in enumerate(word, start=match.start()):  # a word wider than a line: folded
            size = get_character_cell_size(character)
            if column + size > width and column:
                breaks.append(position)
                column = 0
            column += size
    return breaks
