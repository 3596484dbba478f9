"""The log as the application uses it: opened (refused when it has any problem), appended to, undone."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from moderator.log import codec
from moderator.log.codec import Document
from moderator.log.errors import LogError
from moderator.log.files import refuse_symlink
from moderator.log.records import Decision, DecisionKey, Record, Retraction
from moderator.log.state import Entry
from moderator.log.store import append_document, read_log


class DecisionLog:
    """A log opened for reading and appending. Opening refuses a log with any problem, leaving it untouched."""

    def __init__(self, path: str | Path, label_ids: Iterable[str]) -> None:
        self.path = Path(path)
        self.label_ids = tuple(label_ids)
        refuse_symlink(self.path)  # it would be refused at the first decision anyway: say so before any work
        contents = read_log(self.path, self.label_ids)
        if contents.problems:
            first = contents.problems[0]
            count = contents.problem_count
            more = f" (and {count - 1} more; see 'moderator log validate')" if count > 1 else ""
            raise LogError(first.format(self.path) + more)
        self.contents = contents
        self._by_id = {e.id: e for e in contents.entries}
        self._identity = self._file_identity()

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_dev, stat.st_ino)

    def append(self, record: Record) -> Entry:
        """Write a decision or a retraction; returns only once it is on disk."""
        return self.record(codec.encode(record))

    def record(self, document: Document) -> Entry:
        """Write one document (from :func:`~moderator.log.codec.decision_document` or
        :func:`retraction_document`), refused with the reader's own message when the reader would refuse it."""
        problem = codec.problem(document, set(self.label_ids))
        if problem:
            raise LogError(f"{self.path}: refusing to write an invalid decision: {problem}")
        if self._identity is not None and self._file_identity() != self._identity:
            # Appending would start a new file and hide that the earlier decisions are gone.
            raise LogError(f"{self.path}: the log was removed or replaced since it was opened; decision not saved")
        append_document(self.path, document)
        if self._identity is None:
            self._identity = self._file_identity()
        entry = Entry(document, 0)
        self.contents.entries.append(entry)
        self._by_id[entry.id] = entry
        return entry

    def retract(self, decision: Entry, moderator: str) -> Entry:
        return self.append(_retraction(decision, moderator))

    def effective(self) -> dict[DecisionKey, Entry]:
        return self.contents.effective()


def _retraction(decision: Entry, moderator: str) -> Retraction:
    record = decision.load()
    if not isinstance(record, Decision):
        raise LogError(f"only a decision can be retracted, not the retraction {codec.shown(decision.id)}")
    return Retraction.of(record, moderator)


def retraction_document(decision: Entry, moderator: str) -> Document:
    """The document that takes ``decision`` back (the dict-based API; :meth:`DecisionLog.retract` writes it)."""
    return codec.encode(_retraction(decision, moderator))
