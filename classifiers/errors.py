"""Errors of the machine-learning core, raised as the application's own exception type."""

from __future__ import annotations

import re

from moderator.errors import ModeratorError

# Controls, reordering characters and lone surrogates: a message naming a path or a value from a data file must
# print as one visible line (the same set as moderator.textsafe, which the core does not import).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_visible_line(text: str) -> str:
    """``text`` with every line break, control and reordering character shown as an escape such as ``\\x0a``."""
    return _UNSAFE.sub(_escape, text)


class ModelError(ModeratorError):
    """A model that cannot be loaded or used: missing, altered, foreign, or built for another taxonomy."""

    title = "Model error"


class DataError(ModeratorError):
    """Training or evaluation data that cannot be read. The message is always one visible line: it names the
    file, the line and the field, and never carries raw text from the data."""

    title = "Data error"

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(one_visible_line(message), title)
