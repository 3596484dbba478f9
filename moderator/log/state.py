"""What a log holds once read: its entries, its problems, and the effective decisions.

The effective state is the last unretracted decision per :class:`~moderator.log.records.DecisionKey`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from moderator.log import codec, scan
from moderator.log.codec import Document
from moderator.log.errors import LogError
from moderator.log.records import Action, Decision, DecisionKey, Kind, Record

# Problems kept for listing; the rest are only counted, so a log of millions of bad lines is read in bounded memory.
MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str

    def format(self, path: Path) -> str:
        return f"{path}:{self.line}: {self.message}"


class Shared:
    """What the entries of one log share: one copy of each repeated label, and each (moderator, thread)'s part
    of the key, built once by :meth:`ThreadRef.key` however many decisions name them; and the parts its records
    share when it is read whole (:class:`~moderator.log.codec.SharedParts`). Memory, and time: this is paid per
    document of a log being loaded."""

    __slots__ = ("_labels", "_keys", "parts")

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._keys: dict[tuple[str, str | None, str | None, str | None], DecisionKey] = {}
        self.parts = codec.SharedParts()

    def label(self, label: str) -> str:
        return self._labels.setdefault(label, label)

    def key(self, moderator: str, thread: Mapping[str, Any], number: int | None) -> DecisionKey:
        get = thread.get
        source, thread_id, title = get("source"), get("id"), get("title")
        if not (
            type(source) is str
            and (thread_id is None or type(thread_id) is str)
            and (title is None or type(title) is str)
        ):
            # hand-edited: remembered, 77 and 77.0 (equal keys of a dict) would get the same text
            return codec.thread_ref(thread).key(moderator, number)
        known = self._keys.get((moderator, source, thread_id, title))
        if known is None:
            known = codec.thread_ref(thread).key(moderator, None)
            self._keys[moderator, source, thread_id, title] = known
        # DecisionKey's own __new__ is a Python function; this builds the very same tuple without the call
        return tuple.__new__(DecisionKey, (known[0], known[1], known[2], number))


class _EntryFields(NamedTuple):
    line: int
    kind: Kind
    id: str
    key: DecisionKey
    retracts: str | None
    labels: tuple[str, ...]
    action: Action | None
    note: str
    model_flags: tuple[str, ...] | None
    path: Path | None  # where the document is: the file (None for an entry not read from one) ...
    offset: int  # ... the offset of its '---' line ...
    size: int  # ... and its size in bytes
    written: Document | None  # the document itself, for an entry just written (not read again from the file)


class Entry(_EntryFields):
    """One document of the log, a decision or a retraction, kept compact: the fields that decide the effective
    state, and where the document is in the file. The whole record (own text included) is read again from the
    file when asked for (:meth:`load`, :attr:`data`), so a log of 100,000 decisions fits in a few tens of
    megabytes. Built from a document the codec found valid (:func:`~moderator.log.codec.problem`), with the
    codec's own readings of its fields (:func:`~moderator.log.codec.decode` reads the whole record the same way).

    Immutable as a tuple rather than a frozen dataclass: one is built per document of a log being loaded, and a
    frozen dataclass's field-by-field ``__init__`` cost 1.4 microseconds more each. Compared by identity, as
    before (two documents with the same fields are still two decisions)."""

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    __hash__ = object.__hash__

    __slots__ = ()

    def __new__(
        cls,
        document: Document,
        line: int,
        *,
        path: Path | None = None,
        offset: int = 0,
        size: int = 0,
        keep: bool = True,
        shared: Shared | None = None,
        record: Record | None = None,
    ) -> Entry:
        # Only what decides the state is read here, not the whole record (own text, scores). ``record``: the
        # document already decoded (codec.decode), whose readings of the same fields are taken, not made again.
        shared = shared or Shared()
        key = shared.key(document["moderator"], document["thread"], document["comment"].get("number"))
        written = document if keep else None
        if document["kind"] == "retraction":
            fields = (line, "retraction", document["id"], key, document["retracts"], (), None, "", None)
            return tuple.__new__(cls, (*fields, path, offset, size, written))
        verdict = document["decision"]
        labels = verdict["labels"]
        label = shared.label
        chosen = tuple([label(each) for each in labels]) if labels else ()
        if isinstance(record, Decision):
            view = record.model
            action, note = record.verdict.action, record.verdict.note
            flags = None if view is None else view.flags
        else:
            action, note = codec.action_of(verdict["action"]), codec.note_of(verdict.get("note"))
            flags = codec.model_flags(document.get("model"))
        return tuple.__new__(
            cls, (line, "decision", document["id"], key, None, chosen, action, note, flags, path, offset, size, written)
        )

    @property
    def data(self) -> dict[str, Any]:
        """The whole document (read again from the log file for entries loaded from it)."""
        if self.written is not None:
            return self.written
        assert self.path is not None
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            raw = handle.read(self.size)
        # the same reading as the first time: CRLF, trailing blanks on the end line
        item = next(scan.documents(io.BytesIO(raw), limit=max(self.size, 1), offset=self.offset), None)
        if item is None or item.state != "complete":
            raise LogError(f"{self.path}:{self.line}: the log changed since it was read; read it again")
        document: Document = codec.parse(item.body)
        return document

    def load(self) -> Record:
        """The whole record (read again from the log file for entries loaded from it)."""
        return codec.decode(self.data)


@dataclass(slots=True)
class LogContents:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS, by line
    torn_tail: int | None = None  # byte offset where an unfinished last document starts
    omitted_problems: int = 0  # problems past MAX_PROBLEMS, counted but not kept
    foreign_line: int | None = None  # the first non-blank line, when it is not '---': not a decision log
    records: list[Record] | None = None  # with read_log(records=True): each entry's whole record, in entry order
    record_lines: list[int] | None = None  # with read_log(records=True, entries=False): each record's line

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.omitted_problems

    def add_problem(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.omitted_problems += 1

    def effective(self) -> dict[DecisionKey, Entry]:
        """The last unretracted decision per (moderator, thread source, thread id, comment number)."""
        retracted = {e.retracts for e in self.entries if e.kind == "retraction"}
        state: dict[DecisionKey, Entry] = {}
        for entry in self.entries:
            if entry.kind == "decision" and entry.id not in retracted:
                state[entry.key] = entry
        return state
