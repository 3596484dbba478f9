"""The decision log: a durable, append-only YAML stream of moderators' decisions.

Every decision is one YAML document, written as block-style top-level keys whose values are JSON (which is
YAML too), between a ``--- `` line and a ``...`` line:

    ---
    schema: 1
    kind: "decision"
    id: "5f0c…"
    when: "2026-11-27T10:31:02.123456Z"
    moderator: "dana"
    thread: {"source": "bugzilla", "id": "4127", "title": "…", "url": null}
    comment: {"number": 21, "id": "88122", "author": "…", "own_text_sha256": "…", "own_text": "…"}
    model: {"id": "guideline-classifier@71f98086d2db", "scores": {…}, "flags": […], "concern": 0.93}
    decision: {"labels": ["personal-attack"], "action": "flag", "note": ""}
    ...

Any YAML reader reads it; moderator reads its own documents with a JSON fast path (a 100,000-decision log in a
few seconds) and anything hand-edited through the safe YAML loader. The ``...`` end line makes a document torn
by a crash detectable: the file must end with one.

Appends take an exclusive ``flock`` on the log, check that the file ends with a complete document, write,
``fsync`` and only then report the decision as saved; nothing already written is ever rewritten. Undo appends a
retraction of an earlier decision; the effective state is the last unretracted decision per (moderator,
thread, comment).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderator.errors import ModeratorError
from moderator.filekinds import irregular_kind
from moderator.textsafe import dumps
from moderator.yamlsafe import YAMLProblem, load_one

SCHEMA_VERSION = 1
ACTIONS = ("ok", "flag", "remind", "hide", "escalate", "skip")
KINDS = ("decision", "retraction")
START = "---"
END = "..."
_KEY_LINE = re.compile(r"^([a-z_]+): (.*)$")
_TOP_KEYS = ("schema", "kind", "id", "when", "moderator", "thread", "comment", "model", "decision", "retracts")
# A document bigger than this is refused before parsing: no legitimate decision needs it, and it bounds memory.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024


class LogError(ModeratorError):
    """A decision log that cannot be read, trusted or appended to."""

    title = "Decision log error"


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str

    def format(self, path: Path) -> str:
        return f"{path}:{self.line}: {self.message}"


Key = tuple[str, str, str, "int | None"]


class Entry:
    """One document of the log, a decision or a retraction, kept compact: the fields that decide the effective
    state, and where the document is in the file. ``data`` (the whole document, own text included) is read
    again from the file when asked for, so a log of 100,000 decisions fits in a few tens of megabytes."""

    __slots__ = ("line", "kind", "id", "key", "retracts", "labels", "action", "note", "model_flags",
                 "_path", "_offset", "_size", "_data")

    def __init__(self, data: dict[str, Any], line: int, *, path: Path | None = None, offset: int = 0,
                 size: int = 0, keep: bool = True, strings: dict[str, str] | None = None) -> None:
        cache = strings if strings is not None else {}

        def shared(value: Any) -> str:
            text = str(value)
            return cache.setdefault(text, text)

        thread = data.get("thread") or {}
        comment = data.get("comment") or {}
        decision = data.get("decision") or {}
        model = data.get("model") or {}
        # A page copy has no bug id: its title names the thread instead.
        thread_name = thread.get("id") if thread.get("id") is not None else thread.get("title")
        self.line = line
        self.kind = shared(data.get("kind"))
        self.id = str(data.get("id"))
        self.key: Key = (shared(data.get("moderator")), shared(thread.get("source")), shared(thread_name),
                         comment.get("number"))
        self.retracts = data.get("retracts")
        self.labels = tuple(shared(label) for label in decision.get("labels", ()))
        self.action = shared(decision.get("action")) if decision else None
        self.note = decision.get("note") or ""
        flags = model.get("flags") if isinstance(model, dict) else None
        self.model_flags = tuple(flags) if isinstance(flags, list) else None
        self._path, self._offset, self._size = path, offset, size
        self._data = data if keep else None

    @property
    def data(self) -> dict[str, Any]:
        """The whole document (read again from the log file for entries loaded from it)."""
        if self._data is None:
            assert self._path is not None
            with self._path.open("rb") as handle:
                handle.seek(self._offset)
                lines = handle.read(self._size).decode("utf-8").split("\n")
            body = [line for line in lines[1:] if line and line != END]
            return _parse_fast(body) or load_one("\n".join(body))
        return self._data


@dataclass(slots=True)
class LogContents:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    torn_tail: int | None = None  # byte offset where an unfinished last document starts

    def effective(self) -> dict[Key, Entry]:
        """The last unretracted decision per (moderator, thread source, thread id, comment number)."""
        retracted = {e.retracts for e in self.entries if e.kind == "retraction"}
        state: dict[tuple[str, str, str, int | None], Entry] = {}
        for entry in self.entries:
            if entry.kind == "decision" and entry.id not in retracted:
                state[entry.key] = entry
        return state


# -- writing ---------------------------------------------------------------------------------------------------


def render(document: dict[str, Any]) -> bytes:
    lines = [START]
    for key, value in document.items():
        lines.append(f"{key}: {dumps(value)}")  # JSON, readable, with YAML-unsafe characters escaped
    lines.append(END)
    return ("\n".join(lines) + "\n").encode("utf-8")


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def own_text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decision_document(
    *,
    moderator: str,
    thread: dict[str, Any],
    comment: dict[str, Any],
    model: dict[str, Any] | None,
    labels: Iterable[str],
    action: str,
    note: str = "",
) -> dict[str, Any]:
    """The document for one decision, exactly as the review screen and ``moderator decide`` write it."""
    own_text = str(comment.get("own_text", ""))
    return {
        "schema": SCHEMA_VERSION,
        "kind": "decision",
        "id": uuid.uuid4().hex,
        "when": now(),
        "moderator": moderator,
        "thread": {k: thread.get(k) for k in ("source", "id", "title", "url")},
        "comment": {
            "number": comment.get("number"),
            "id": comment.get("id"),
            "author": comment.get("author"),
            "own_text_sha256": own_text_digest(own_text),
            "own_text": own_text,
        },
        "model": model,
        "decision": {"labels": list(labels), "action": action, "note": note},
    }


def retraction_document(decision: Entry, moderator: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "kind": "retraction",
        "id": uuid.uuid4().hex,
        "when": now(),
        "moderator": moderator,
        "thread": decision.data.get("thread"),
        "comment": {k: (decision.data.get("comment") or {}).get(k) for k in ("number", "id")},
        "retracts": decision.id,
    }


def _refuse_irregular(path: Path) -> None:
    kind = irregular_kind(path)
    if kind is not None:
        raise LogError(f"{path}: is {kind}, not a decision log")


def _open(path: Path, flags: int) -> int:
    _refuse_irregular(path)  # opening a FIFO would block, a device would be written to
    try:
        return os.open(path, flags, 0o644)
    except FileNotFoundError:
        raise LogError(f"{path}: the folder does not exist") from None
    except IsADirectoryError:
        raise LogError(f"{path}: is a directory, not a decision log") from None
    except PermissionError:
        raise LogError(f"{path}: permission denied") from None
    except OSError as error:
        raise LogError(f"{path}: cannot open ({error.strerror or error})") from None


def ensure_writable(path: str | Path) -> None:
    """Refuse, before any work is done, a log that could not take a decision (creating an empty one is fine)."""
    os.close(_open(Path(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT))


@contextmanager
def _locked(path: Path, flags: int) -> Iterator[int]:
    descriptor = _open(path, flags)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield descriptor
    finally:
        os.close(descriptor)  # closing releases the lock


def _ends_cleanly(descriptor: int) -> bool:
    size = os.fstat(descriptor).st_size
    if size == 0:
        return True
    tail = os.pread(descriptor, min(size, 5), size - min(size, 5))
    return tail == b"...\n" or tail.endswith(b"\n...\n")


def append_document(path: str | Path, document: dict[str, Any]) -> None:
    """Append one document under an exclusive lock and fsync it; returns only once it is on disk."""
    path = Path(path)
    data = render(document)
    with _locked(path, os.O_RDWR | os.O_APPEND | os.O_CREAT) as descriptor:
        if not _ends_cleanly(descriptor):
            raise LogError(f"{path}: the last document is incomplete (a crash?); run 'moderator log repair {path}'")
        view = memoryview(data)
        try:
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            os.fsync(descriptor)
        except OSError as error:
            raise LogError(f"{path}: the decision was not saved ({error.strerror or error})") from None


# -- reading ---------------------------------------------------------------------------------------------------
def _parse_fast(lines: list[str]) -> dict[str, Any] | None:
    """The document as written by :func:`render`, or None when it is not in that form."""
    parts = []
    for line in lines:
        match = _KEY_LINE.match(line)
        if match is None:
            return None
        parts.append(f'"{match.group(1)}":{match.group(2)}')
    try:
        value = json.loads("{" + ",".join(parts) + "}")
    except (json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _documents(handle: Iterable[bytes]) -> Iterator[tuple[int, int, int, list[str], str]]:
    """(first line, byte offset, byte size, body lines, state) of each document, read line by line. ``state``
    is "complete", "unfinished" (no end line) or "stray" (a line outside any document)."""
    body: list[str] | None = None
    start_line = start_offset = 0
    offset = 0
    number = 0
    for raw in handle:
        number += 1
        line_offset = offset
        offset += len(raw)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _Undecodable(number, line_offset + error.start) from None
        ended = line.endswith("\n")
        line = line.rstrip("\n")
        if body is None:
            if line.rstrip() == START:
                body, start_line, start_offset = [], number, line_offset
            elif line.strip():
                yield number, line_offset, len(raw), [line], "stray" if ended else "unfinished"
            continue
        if line == END:
            # An end line cut before its line break was never fully written, so never reported as saved.
            yield start_line, start_offset, offset - start_offset, body, "complete" if ended else "unfinished"
            body = None
        elif line.rstrip() == START:
            yield start_line, start_offset, line_offset - start_offset, body, "unfinished"
            body, start_line, start_offset = [], number, line_offset
        elif offset - start_offset <= MAX_DOCUMENT_BYTES:
            body.append(line)
        # past the limit the body is no longer kept: read_log refuses the document by its size, memory stays bounded
    if body is not None:
        yield start_line, start_offset, offset - start_offset, body, "unfinished"


class _Undecodable(Exception):
    def __init__(self, line: int, offset: int) -> None:
        super().__init__(line, offset)
        self.line, self.offset = line, offset


def read_log(path: str | Path, label_ids: Iterable[str]) -> LogContents:
    """Every document of the log with every problem found; never raises for content, only for unreadable files."""
    path = Path(path)
    _refuse_irregular(path)
    labels = set(label_ids)
    contents = LogContents()
    strings: dict[str, str] = {}
    pending: list[tuple[int, int, str]] = []  # problems of documents that may turn out to be the torn tail
    try:
        with path.open("rb") as handle:
            for line, offset, size, body, state in _documents(handle):
                if pending and state == "complete":
                    # what looked unfinished was followed by more documents: a problem in the middle, not a tail
                    contents.problems.extend(Problem(l, m) for l, _, m in pending)
                    pending = []
                if state != "complete":
                    message = "text outside any document" if state == "stray" else "document without its '...' end line"
                    pending.append((line, offset, message))
                    continue
                if size > MAX_DOCUMENT_BYTES:
                    contents.problems.append(Problem(line, f"document of {size} bytes is over the {MAX_DOCUMENT_BYTES} limit"))
                    continue
                data = _parse_fast(body)
                if data is None:
                    try:
                        data = load_one("\n".join(body))
                    except YAMLProblem as problem:
                        contents.problems.append(Problem(line + (problem.line or 1), problem.problem))
                        continue
                problem = _check(data, labels)
                if problem:
                    contents.problems.append(Problem(line, problem))
                    continue
                contents.entries.append(
                    Entry(data, line, path=path, offset=offset, size=size, keep=False, strings=strings)
                )
    except FileNotFoundError:
        return LogContents()
    except IsADirectoryError:
        raise LogError(f"{path}: is a directory, not a decision log") from None
    except _Undecodable as bad:
        raise LogError(f"{path}:{bad.line}: not UTF-8 text (byte {bad.offset})") from None
    except OSError as error:
        raise LogError(f"{path}: cannot read ({error.strerror or error})") from None
    if pending:
        # A crash mid-append leaves an unfinished document (or part of one) at the very end: the torn tail.
        contents.torn_tail = pending[0][1]
        contents.problems.append(
            Problem(pending[0][0], "incomplete last document (torn by a crash?): run 'moderator log repair'")
        )
    _check_retractions(contents)
    contents.problems.sort(key=lambda p: p.line)
    return contents


def _check(data: Any, labels: set[str]) -> str | None:
    if not isinstance(data, dict):
        return "a decision document must be a mapping"
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        return "missing schema version"
    if schema > SCHEMA_VERSION:
        return f"schema version {schema} is newer than this moderator reads ({SCHEMA_VERSION}); upgrade moderator"
    unknown = set(data) - set(_TOP_KEYS)
    if unknown:
        return f"unknown keys {', '.join(sorted(map(str, unknown)))}"
    kind = data.get("kind")
    if kind not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}"
    for key in ("id", "when", "moderator"):
        if not isinstance(data.get(key), str) or not data[key]:
            return f"missing {key}"
    thread, comment = data.get("thread"), data.get("comment")
    if not isinstance(thread, dict) or not isinstance(comment, dict):
        return "thread and comment must be mappings"
    if kind == "retraction":
        return None if isinstance(data.get("retracts"), str) else "a retraction needs 'retracts'"
    decision = data.get("decision")
    if not isinstance(decision, dict):
        return "missing decision"
    chosen = decision.get("labels")
    if not isinstance(chosen, list) or not all(isinstance(l, str) for l in chosen):
        return "decision labels must be a list of label ids"
    foreign = [l for l in chosen if l not in labels]
    if foreign:
        return f"labels not in the taxonomy: {', '.join(foreign)}"
    if decision.get("action") not in ACTIONS:
        return f"action must be one of {', '.join(ACTIONS)}"
    own_text = comment.get("own_text")
    if not isinstance(own_text, str):
        return "comment own_text missing"
    if comment.get("own_text_sha256") != own_text_digest(own_text):
        return "comment own_text does not match its sha256"
    return None


def _check_retractions(contents: LogContents) -> None:
    decisions = {e.id for e in contents.entries if e.kind == "decision"}
    for entry in contents.entries:
        if entry.kind == "retraction" and entry.retracts not in decisions:
            contents.problems.append(Problem(entry.line, f"retracts unknown decision {entry.retracts}"))


# -- the log as the application uses it ---------------------------------------------------------------------
class DecisionLog:
    """A log opened for reading and appending. Opening refuses a log with any problem, leaving it untouched."""

    def __init__(self, path: str | Path, label_ids: Iterable[str]) -> None:
        self.path = Path(path)
        self.label_ids = tuple(label_ids)
        contents = read_log(self.path, self.label_ids)
        if contents.problems:
            first = contents.problems[0]
            more = f" (and {len(contents.problems) - 1} more; see 'moderator log validate')" if len(contents.problems) > 1 else ""
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

    def record(self, document: dict[str, Any]) -> Entry:
        problem = _check(document, set(self.label_ids))
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
        return self.record(retraction_document(decision, moderator))

    def effective(self) -> dict[Key, Entry]:
        return self.contents.effective()


def repair(path: str | Path, label_ids: Iterable[str]) -> Path | None:
    """Move a torn last document into a side file and truncate the log after its last complete document.

    Returns the side file, or None when there was nothing to repair."""
    path = Path(path)
    with _locked(path, os.O_RDWR) as descriptor:
        contents = read_log(path, label_ids)
        if contents.torn_tail is None:
            return None
        size = os.fstat(descriptor).st_size
        torn = os.pread(descriptor, size - contents.torn_tail, contents.torn_tail)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        side = path.with_name(f"{path.name}.torn-{stamp}")
        side_descriptor = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(side_descriptor, torn)
            os.fsync(side_descriptor)
        finally:
            os.close(side_descriptor)
        os.ftruncate(descriptor, contents.torn_tail)
        os.fsync(descriptor)
    return side


def stats(contents: LogContents) -> dict[str, Any]:
    decisions = [e for e in contents.entries if e.kind == "decision"]
    effective = contents.effective()
    labels: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    agree = disagree = 0
    for entry in effective.values():
        actions[entry.action or "?"] += 1
        labels.update(entry.labels)
        if entry.model_flags is not None and entry.action != "skip":
            flagged, judged = bool(entry.model_flags), bool(entry.labels)
            agree += flagged == judged
            disagree += flagged != judged
    return {
        "documents": len(contents.entries),
        "decisions": len(decisions),
        "retractions": len(contents.entries) - len(decisions),
        "effective_decisions": len(effective),
        "moderators": dict(Counter(k[0] for k in effective)),
        "threads": len({k[1:3] for k in effective}),
        "actions": dict(actions),
        "labels": dict(labels),
        "model_agreement": round(agree / (agree + disagree), 4) if agree + disagree else None,
        "problems": len(contents.problems),
    }
