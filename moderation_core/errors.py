"""The application's own exceptions.

Every error a user can cause (a bad file, a wrong option, an unwritable log) is one of these, with a one-line
message that names the file and the problem. Library code raises them; only ``moderator.cli`` turns them into
an exit status (2), so the library stays usable from tests, the TUI and scripts.
"""

from __future__ import annotations

from pathlib import Path

from moderation_core.textsafe import one_visible_line


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


class NoThreadError(SourceError):
    """A file that is data of its kind (JSON, YAML, CSV, an empty file) but holds no thread: an error when the file is
    named, while a folder scan skips such a file and says so (``moderator.scan.runner``)."""


class UnrecognisedFormatError(SourceError):
    """A file of no format the importers know (not JSON, CSV, YAML, mail or a Bugzilla page copy): an error, and in a
    folder scan a ``.txt`` file of notes is skipped (plain text is a thread only as a page copy or a mail)."""


class UsageError(ModeratorError):
    """A command-line option or argument that makes no sense."""

    title = "Usage error"


class ModelError(ModeratorError):
    """A model that cannot be loaded or used: missing, altered, foreign, or built for another taxonomy."""

    title = "Model error"


class WorkerError(ModeratorError):
    """A worker process that scored part of a large file stopped before giving its results (killed, or out of
    memory): nothing of that part can be trusted, so nothing more is written."""

    title = "Scoring worker stopped"


class DataError(ModeratorError):
    """Training or evaluation data that cannot be read. The message is always one visible line: it names the
    file, the line and the field, and never carries raw text from the data."""

    title = "Data error"

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(one_visible_line(message), title)
