"""Comment text as Rich ``Text`` that is always literal: never markup, never terminal control sequences."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from moderation_core.textsafe import UNSAFE_CHARACTERS


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def literal(text: str, style: str = "", highlights: Iterable[tuple[int, int, str]] = ()) -> Text:
    """``text`` shown exactly: control and reordering characters made visible as escapes, ``[markup]`` left as
    typed, and ``highlights`` (start, end, style) applied at the right places despite the escapes."""
    pieces: list[str] = []
    shift: list[tuple[int, int]] = []  # (original offset, extra characters before it in the display)
    extra = 0
    last = 0
    for match in UNSAFE_CHARACTERS.finditer(text):
        pieces.append(text[last : match.start()])
        escaped = _escape(ord(match.group()))
        pieces.append(escaped)
        extra += len(escaped) - 1
        shift.append((match.end(), extra))
        last = match.end()
    pieces.append(text[last:])
    result = Text("".join(pieces), style=style, no_wrap=False)

    def display(offset: int) -> int:
        added = 0
        for original, total in shift:
            if original > offset:
                break
            added = total
        return offset + added

    for start, end, span_style in highlights:
        if 0 <= start < end <= len(text):
            result.stylize(span_style, display(start), display(end))
    return result
