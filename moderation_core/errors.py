"""The application's own exceptions.

Every error a user can cause (a bad file, a wrong option, an unwritable log) is one of these, with a one-line
message that names the file and the problem. Library code raises them; only ``moderator.cli`` turns them into
an exit status (2), so the library stays usable from tests, the TUI and scripts.
"""

from __future__ import annotations

import re
from pathlib import Path


class ModeratorError(Exception):
    """Base class: ``message`` is one line for the terminal, ``title`` a short heading for the TUI."""

    title = "Moderator error"

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class SourceError(ModeratorError):
    """A thread source file that cannot be imported (empty, binary, malformed, of another shape, ...)."""

    title = "Cannot import thread"

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        elif offset is not None:
            where += f": byte {offset}"
        # One line, always: a problem text built from data must not smuggle in a line break.
        problem = " ".join(problem.split())
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.offset = offset


class UsageError(ModeratorError):
    """A command-line option or argument that makes no sense."""

    title = "Usage error"


# Controls, reordering characters and lone surrogates: a message naming a path or a value from a data file must
# print as one visible line (the same set as moderation_core.textsafe).
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
