"""Comment text is data, never markup or terminal commands.

Helpers that make text safe to show where a character could act instead of being shown: terminals (ANSI escape
sequences, C1 controls, bidirectional overrides) and JSON read by other tools.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

# C0 controls except tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some terminals),
# the Unicode format characters that reorder or hide text (bidi overrides and isolates, zero-width joiners are
# harmless but LRO/RLO/isolates can disguise text), and lone surrogates: they come from "\ud800" in JSON or a
# utf-7 mail, cannot be encoded to UTF-8 at all, and would crash the print or the log write instead of showing.
UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# The same characters plus tab and line feed: what must not reach a one-line message that keeps every character
# (an error naming a value from a data file), where folding whitespace as one_line does would hide what it held.
UNSAFE_IN_ONE_LINE = re.compile("[\t\n]|" + UNSAFE_CHARACTERS.pattern)


def visible(text: str) -> str:
    """Text with every control and reordering character replaced by a visible escape such as ``\\x1b``."""
    return UNSAFE_CHARACTERS.sub(_escape, text)


def one_visible_line(text: str) -> str:
    """``text`` with every line break, control and reordering character shown as an escape such as ``\\x0a``."""
    return UNSAFE_IN_ONE_LINE.sub(_escape, text)


def one_line(text: str, width: int | None = None) -> str:
    """A single visible line: whitespace runs folded, controls escaped, cut to ``width`` with an ellipsis."""
    line = visible(" ".join(text.split()))
    if width is not None and len(line) > width:
        return line[: max(width - 1, 0)] + "…"
    return line


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


# json.dumps(value, ensure_ascii=False) builds an encoder per call, a third of the time of encoding a small object
# (a comment's scores, written once per comment): one-line JSON reuses this one, whose output is the same.
_ONE_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON that keeps non-ASCII text readable but escapes every character a terminal could act on."""
    if indent is None:
        text = _ONE_LINE_ENCODER.encode(value)
    else:
        text = json.dumps(value, ensure_ascii=False, indent=indent)
    return UNSAFE_CHARACTERS.sub(_json_escape, text)


def json_lines(values: Iterable[Any]) -> str:
    """``"\\n".join(dumps(v) for v in values)``, escaped in one pass over the whole (encoded JSON never holds a raw
    line break, and the characters escaped never include one)."""
    return UNSAFE_CHARACTERS.sub(_json_escape, "\n".join(map(_ONE_LINE_ENCODER.encode, values)))
