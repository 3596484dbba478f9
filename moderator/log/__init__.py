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
by a crash detectable.

One reading of the file (:func:`_documents`) decides what is complete, for ``log validate``, for the check an
append makes before writing and for ``log repair``, so the three always agree:

- a document is complete when its ``...`` line ends with a line break; a ``---`` or ``...`` line may carry
  trailing spaces or tabs;
- CRLF line ends are read as LF and a UTF-8 byte order mark at the start of the file is ignored; blank lines
  between or after documents are fine. An append after trailing blank lines (even a last line of spaces without
  a line break) starts its document on a line of its own, so the log stays valid;
- the *torn tail* is what a write cut short by a crash leaves at the very end: a last document without its
  whole ``...`` line, or a ``-``/``--`` or a run of zero bytes without a line break after the last document.
  It is the only thing ``repair`` cuts off (into a side file). A document followed by another ``---`` line but
  missing its own ``...`` was not torn (something was written after it): it is a problem ``validate`` names,
  and when such documents precede a last one without ``...`` too, that last one is no torn tail either;
- a file whose first non-blank line is not ``---`` is not a decision log: ``repair`` refuses it; invalid UTF-8
  is refused with its byte offset, except a character cut in half at the very end (a torn write).

Appends take an exclusive ``flock`` on the log, check that the file ends with a complete document, write,
``fsync`` and only then report the decision as saved; a write that fails or falls short (a full disk) is cut
off again under the lock, so the log is as it was. A document over :data:`MAX_DOCUMENT_BYTES` is refused
before anything is written: the reader would refuse it. Nothing already written is ever rewritten. Undo
appends a retraction of an earlier decision; the effective state is the last unretracted decision per
(moderator, thread, comment).

The log is written only through its own path, never through a symbolic link (``O_NOFOLLOW``): appending and
repairing refuse a log path that is a link, so a link can never get another file appended to or truncated.
Reading (validate, stats) follows links.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import io
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from moderation_core.errors import ModeratorError
from moderation_core.files import irregular_kind
from moderation_core.textsafe import dumps, one_line
from moderation_core.yamlsafe import YAMLProblem, load_one

SCHEMA_VERSION = 1
ACTIONS = ("ok", "flag", "remind", "hide", "escalate", "skip")
KINDS = ("decision", "retraction")
START = "---"
END = "..."
_KEY_LINE = re.compile(r"^([a-z_]+): (.*)$")
_TOP_KEYS = ("schema", "kind", "id", "when", "moderator", "thread", "comment", "model", "decision", "retracts")
# A document bigger than this is refused before parsing: no legitimate decision needs it, and it bounds memory.
# The writer refuses to write one, so a log can never hold a document its own reader refuses.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
# Problems kept for listing; the rest are only counted, so a log of millions of bad lines is read in bounded memory.
MAX_PROBLEMS = 1000
_BOM = b"\xef\xbb\xbf"
_BLANK = " \t\r"  # what a blank line may hold, and what may trail a '---' or '...' line
_BLANK_BYTES = b" \t\r\n"
_MARKERS = (START, END)
_BLANK_LINE = _BLANK + "\n"
_CHUNK = 1024 * 1024  # copying and scanning in pieces keeps memory bounded whatever the file's size
_TORN_MESSAGE = "incomplete last document (torn by a crash?): run 'moderator log repair'"
# Comment numbers are small integers; bounding them keeps every key printable and hashable.
_MAX_COMMENT_NUMBER = 2**63


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


def _text(value: Any) -> str:
    """``str(value)`` that cannot fail: an integer past Python's 4,300-digit conversion limit (YAML reads hex
    of any length) or a structure too deep to print becomes a short description instead of a ValueError."""
    try:
        return str(value)
    except (ValueError, RecursionError):
        if isinstance(value, int):
            return f"<a number of {value.bit_length()} bits>"
        return f"<an unprintable {type(value).__name__}>"


def _shown(value: Any, width: int = 80) -> str:
    """A value from the file as one short, terminal-safe line for a problem message."""
    return one_line(_text(value), width)


class Entry:
    """One document of the log, a decision or a retraction, kept compact: the fields that decide the effective
    state, and where the document is in the file. ``data`` (the whole document, own text included) is read
    again from the file when asked for, so a log of 100,000 decisions fits in a few tens of megabytes."""

    __slots__ = (
        "line",
        "kind",
        "id",
        "key",
        "retracts",
        "labels",
        "action",
        "note",
        "model_flags",
        "_path",
        "_offset",
        "_size",
        "_data",
    )

    def __init__(
        self,
        data: dict[str, Any],
        line: int,
        *,
        path: Path | None = None,
        offset: int = 0,
        size: int = 0,
        keep: bool = True,
        strings: dict[str, str] | None = None,
    ) -> None:
        cache = strings if strings is not None else {}

        def shared(value: Any) -> str:
            text = _text(value)
            return cache.setdefault(text, text)

        thread = _mapping(data.get("thread"))
        comment = _mapping(data.get("comment"))
        decision = _mapping(data.get("decision"))
        model = _mapping(data.get("model"))
        # A page copy has no bug id: its title names the thread instead.
        thread_name = thread.get("id") if thread.get("id") is not None else thread.get("title")
        labels = decision.get("labels")
        flags = model.get("flags")
        self.line = line
        self.kind = shared(data.get("kind"))
        self.id = _text(data.get("id"))
        self.key: Key = (
            shared(data.get("moderator")),
            shared(thread.get("source")),
            shared(thread_name),
            comment.get("number"),
        )
        self.retracts = data.get("retracts")
        self.labels = tuple(shared(label) for label in labels) if isinstance(labels, list) else ()
        self.action = shared(decision.get("action")) if decision else None
        self.note = decision.get("note") or ""
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
                raw = handle.read(self._size)
            # the same reading as the first time: CRLF, trailing blanks on the end line
            item = next(_documents(io.BytesIO(raw), offset=self._offset), None)
            if item is None or item.state != "complete":
                raise LogError(f"{self._path}:{self.line}: the log changed since it was read; read it again")
            return _parse_fast(item.body) or load_one("\n".join(item.body))
        return self._data


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(slots=True)
class LogContents:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS, by line
    torn_tail: int | None = None  # byte offset where an unfinished last document starts
    omitted_problems: int = 0  # problems past MAX_PROBLEMS, counted but not kept
    foreign_line: int | None = None  # the first non-blank line, when it is not '---': not a decision log

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.omitted_problems

    def add_problem(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.omitted_problems += 1

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
    # surrogatepass: a lone surrogate (from "\ud800" in a JSON export) has no UTF-8 form, yet must be hashable;
    # text that does have one hashes exactly as before.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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


def _symlink_error(path: Path) -> LogError:
    try:
        target = os.readlink(path)
    except OSError:
        target = "another file"
    return LogError(
        f"{path}: is a symbolic link (to {target}); a decision log is written only through its own path, "
        "never through a link: name the file itself"
    )


def _refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise _symlink_error(path)


def _open(path: Path, flags: int) -> int:
    _refuse_irregular(path)  # opening a FIFO would block, a device would be written to
    _refuse_symlink(path)  # the clear message; O_NOFOLLOW below closes the gap between the check and the open
    try:
        return os.open(path, flags | os.O_NOFOLLOW, 0o644)
    except FileNotFoundError:
        raise LogError(f"{path}: the folder does not exist") from None
    except IsADirectoryError:
        raise LogError(f"{path}: is a directory, not a decision log") from None
    except PermissionError:
        raise LogError(f"{path}: permission denied") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _symlink_error(path) from None
        raise LogError(f"{path}: cannot open ({_reason(error)})") from None


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


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


class _IncompleteWrite(OSError):
    """A write or copy that could not be completed although no system call reported an error."""


def _write_all(descriptor: int, data: bytes | memoryview) -> None:
    """Write every byte or raise: ``os.write`` may write fewer bytes than asked (a nearly full disk)."""
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        if written <= 0:
            raise _IncompleteWrite(errno.EIO, "the system accepted no more bytes")
        view = view[written:]


def _pread_exactly(descriptor: int, size: int, offset: int) -> bytes:
    parts: list[bytes] = []
    while size > 0:
        part = os.pread(descriptor, size, offset)
        if not part:
            raise _IncompleteWrite(errno.EIO, "the file is shorter than expected")
        parts.append(part)
        size -= len(part)
        offset += len(part)
    return b"".join(parts)


def _render_within_limits(path: Path, document: dict[str, Any]) -> bytes:
    """The document's bytes, refused here when the reader would refuse them, so a log never bricks itself."""
    try:
        data = render(document)
    except (ValueError, RecursionError) as error:  # e.g. an integer of more than 4,300 digits
        raise LogError(f"{path}: the decision was not saved: {one_line(str(error).split(';')[0], 120)}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise LogError(f"{path}: the decision was not saved: {_size_story(document, len(data))}")
    return data


def ensure_fits(path: str | Path, document: dict[str, Any]) -> None:
    """Refuse, before the work that completes it (scoring), a document the log could not take. The final check
    still runs at append time; the model's scores add well under a kilobyte."""
    _render_within_limits(Path(path), document)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _size_story(document: dict[str, Any], size: int) -> str:
    """Why a document is too big, naming the parts a moderator controls: the comment's text and the note."""
    comment = _mapping(document.get("comment"))
    note = _mapping(document.get("decision")).get("note")
    parts = []
    if isinstance(comment.get("own_text"), str):
        number = _shown(comment.get("number"), 20)
        parts.append(f"comment {number} has {_utf8_size(comment['own_text']):,} bytes of text")
    if isinstance(note, str) and note:
        parts.append(f"the note {_utf8_size(note):,} bytes")
    held = f" ({', '.join(parts)})" if parts else ""
    return (
        f"its document would be {size:,} bytes{held}, over the decision log's limit of "
        f"{MAX_DOCUMENT_BYTES:,} bytes per document"
    )


def append_document(path: str | Path, document: dict[str, Any]) -> None:
    """Append one document under an exclusive lock and fsync it; returns only once it is on disk. On any
    failure the log is cut back to its size before the write, so it stays valid."""
    path = Path(path)
    data = _render_within_limits(path, document)
    with _locked(path, os.O_RDWR | os.O_APPEND | os.O_CREAT) as descriptor:
        try:
            ending = _ending(descriptor)
            size_before = os.fstat(descriptor).st_size
        except OSError as error:
            raise LogError(f"{path}: cannot read ({_reason(error)}); the decision was not saved") from None
        if ending == "torn":
            raise LogError(f"{path}: the last document is incomplete (a crash?); run 'moderator log repair {path}'")
        if ending == "unclean":
            raise LogError(f"{path}: does not end with a complete document; see 'moderator log validate {path}'")
        if size_before and os.pread(descriptor, 1, size_before - 1) != b"\n":
            data = b"\n" + data  # a last line of blanks without a line break: the document starts a line of its own
        try:
            _write_all(descriptor, data)
            os.fsync(descriptor)
            if os.fstat(descriptor).st_size < size_before + len(data):
                raise _IncompleteWrite(errno.EIO, "the log is shorter than what was written")
        except OSError as error:
            after = _cut_back(descriptor, size_before, path)
            raise LogError(f"{path}: the decision was not saved ({_reason(error)}){after}") from None


def _cut_back(descriptor: int, size: int, path: Path) -> str:
    """Remove a partial write (we still hold the lock); what to add to the error when even that fails."""
    try:
        os.ftruncate(descriptor, size)
    except OSError as error:
        return f"; the partial document could not be removed ({_reason(error)}): run 'moderator log repair {path}'"
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # should the cut not reach the disk, a crash leaves the partial document as a torn tail: repairable
    return ""


def _ending(descriptor: int) -> str:
    """How the log ends, by the reader's own rules: "clean" (empty, or a complete document and blank lines),
    "torn" (the reader's torn tail) or "unclean" (text after the last document, or a last document too big to
    be one). Only the last document is read, so an append costs the same on a log of any size."""
    size = os.fstat(descriptor).st_size
    end, line_break_after = _last_non_blank(descriptor, size)
    if end == 0 or (end == len(_BOM) and _pread_exactly(descriptor, end, 0) == _BOM):
        return "clean"
    begin = _last_document_start(descriptor, end)
    if begin is None:
        return "unclean"
    # The blanks after `end` are left out; the line break among them (if any) decides whether the line ended.
    tail = _pread_exactly(descriptor, end - begin, begin) + (b"\n" if line_break_after else b"")
    items = list(_documents(io.BytesIO(tail), offset=begin))
    last = items[-1].state if items else None
    if last == "fragment" or (last == "unfinished" and not _follows_an_unended_document(descriptor, begin)):
        return "torn"
    if all(item.state == "complete" for item in items):
        return "clean"
    return "unclean"


def _follows_an_unended_document(descriptor: int, begin: int) -> bool:
    """Whether the document before ``begin`` lacks its '...' line too: then, as for the reader, the last one is
    no torn tail but one more document without an end line."""
    if begin == 0:
        return False
    previous = _last_document_start(descriptor, begin)
    if previous is None:
        return False
    segment = _pread_exactly(descriptor, begin - previous, previous)
    items = list(_documents(io.BytesIO(segment), offset=previous))
    return bool(items) and items[-1].state == "unfinished"


def _last_non_blank(descriptor: int, size: int) -> tuple[int, bool]:
    """(offset just past the last byte that is not blank, whether a line break follows it)."""
    position, line_break = size, False
    while position > 0:
        start = max(0, position - _CHUNK)
        chunk = _pread_exactly(descriptor, position - start, start)
        kept = chunk.rstrip(_BLANK_BYTES)
        line_break = line_break or b"\n" in chunk[len(kept) :]
        if kept:
            return start + len(kept), line_break
        position = start
    return 0, line_break


def _last_document_start(descriptor: int, end: int) -> int | None:
    """Where to read the last document from: the offset of the last '---' line before ``end``, else 0 when the
    whole file was searched, else None (no '---' within a document's size of the end: no valid last document)."""
    window = 64 * 1024
    while True:
        start = max(0, end - window)
        chunk = _pread_exactly(descriptor, end - start, start)
        found = _last_start_line(chunk, start)
        if found is not None:
            return found
        if start == 0:
            return 0
        if window > MAX_DOCUMENT_BYTES:
            return None
        window *= 2


def _last_start_line(chunk: bytes, chunk_offset: int) -> int | None:
    position = len(chunk)
    while position >= 0:
        line_start = chunk.rfind(b"\n", 0, position) + 1
        if line_start == 0 and chunk_offset > 0:
            return None  # the chunk's first line may begin before it
        line = chunk[line_start:position]
        if chunk_offset + line_start == 0 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        if line.rstrip(_BLANK_BYTES) == b"---":
            return chunk_offset + line_start
        position = line_start - 1
    return None


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
    except (ValueError, RecursionError):  # JSONDecodeError, and an integer over the 4,300-digit limit
        return None
    return value if isinstance(value, dict) else None


class _Undecodable(Exception):
    def __init__(self, line: int, offset: int) -> None:
        super().__init__(line, offset)
        self.line, self.offset = line, offset


class _Item(NamedTuple):
    """One piece of the file. ``state`` is "complete" (a document and its '...' line, line break included),
    "unended" (a document followed by another '---' line before any '...'), "unfinished" (a document at the end
    of the file without a whole '...' line), "stray" (a non-blank line outside any document) or "fragment"
    (the start of a '---' line or zero bytes, outside any document, at the very end without a line break: what
    a write cut short leaves)."""

    line: int
    offset: int
    size: int
    body: list[str]
    state: str
    last_line: int


def _skip_rest_of_line(handle: BinaryIO, limit: int) -> tuple[int, bool]:
    """(bytes skipped, whether a line break ended the line), reading a piece at a time."""
    skipped = 0
    while True:
        part = handle.readline(limit)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped, part.endswith(b"\n")


def _undecodable(raw: bytes, ended: bool, error: UnicodeDecodeError, number: int, offset: int) -> str:
    if not ended and error.reason == "unexpected end of data":
        # The last line stops inside a character: a write cut short, part of the torn tail.
        return raw[: error.start].decode("utf-8") + "\ufffd"
    raise _Undecodable(number, offset + error.start) from None


def _is_torn_fragment(text: str) -> bool:
    """Text an append cut short can leave outside a document: the start of its '---' line, or the zero bytes
    some file systems show where data never reached the disk."""
    trimmed = text.strip(_BLANK)
    return trimmed in ("-", "--") or (trimmed != "" and not trimmed.strip("\0"))


def _documents(handle: BinaryIO, offset: int = 0) -> Iterator[_Item]:
    """Every piece of the file, read line by line: the one reading of what is complete (see the module
    docstring). ``offset`` is where ``handle`` starts in the file (a UTF-8 BOM is skipped only at 0).

    Body lines have their line break removed (CRLF read as LF). A line longer than a whole document is never
    held in memory: whatever holds it is refused by its size."""
    limit = MAX_DOCUMENT_BYTES
    line_limit = limit + 1
    readline = handle.readline  # one loop with a short path for body lines: the hot path of loading a big log
    body: list[str] | None = None
    start_line = start_offset = number = 0
    raw = readline(line_limit)
    if offset == 0 and raw.startswith(_BOM):
        raw, offset = raw[len(_BOM) :], len(_BOM)
    while raw:
        number += 1
        line_offset = offset
        offset += len(raw)
        text: str | None
        if raw[-1] == 10:  # b"\n"
            ended = True
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = _undecodable(raw, ended, error, number, line_offset)
        elif len(raw) == line_limit:  # too long to be part of a valid document: skipped, never held whole
            more, ended = _skip_rest_of_line(handle, line_limit)
            offset += more
            text = None
        else:  # the last line, without a line break
            ended = False
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = _undecodable(raw, ended, error, number, line_offset)
        raw = readline(line_limit)
        if body is not None and text is not None and not text.startswith(_MARKERS):
            if offset - start_offset <= limit:
                body.append(text[:-2] if text.endswith("\r\n") else text[:-1] if ended else text)
            # past the limit the body is no longer kept: the document is refused by its size, memory stays bounded
            continue
        marker = text.rstrip(_BLANK_LINE) if text is not None else None
        if body is None:
            if marker == START:
                body, start_line, start_offset = [], number, line_offset
            elif marker:  # text outside any document (blank lines are fine)
                fragment = not ended and _is_torn_fragment(marker)
                yield _Item(number, line_offset, offset - line_offset, [], "fragment" if fragment else "stray", number)
            elif text is None:
                yield _Item(number, line_offset, offset - line_offset, [], "stray", number)
        elif marker == END:
            # An end line cut before its line break was never fully written, so never reported as saved.
            state = "complete" if ended else "unfinished"
            yield _Item(start_line, start_offset, offset - start_offset, body, state, number)
            body = None
        elif marker == START:
            yield _Item(start_line, start_offset, line_offset - start_offset, body, "unended", number - 1)
            body, start_line, start_offset = [], number, line_offset
        elif text is not None and offset - start_offset <= limit:
            body.append(text[:-2] if text.endswith("\r\n") else text[:-1] if ended else text)  # e.g. '---x'
    if body is not None:
        yield _Item(start_line, start_offset, offset - start_offset, body, "unfinished", number)


def read_log(path: str | Path, label_ids: Iterable[str]) -> LogContents:
    """Every document of the log with every problem found; never raises for content, only for unreadable files
    (a file that is not UTF-8 text counts as unreadable: the error names the line and the byte)."""
    path = Path(path)
    _refuse_irregular(path)
    try:
        with path.open("rb") as handle:
            return _read(handle, path, set(label_ids))
    except FileNotFoundError:
        return LogContents()
    except IsADirectoryError:
        raise LogError(f"{path}: is a directory, not a decision log") from None
    except OSError as error:
        raise LogError(f"{path}: cannot read ({_reason(error)})") from None


def _read(handle: BinaryIO, path: Path, labels: set[str]) -> LogContents:
    try:
        return _scan(handle, path, labels)
    except _Undecodable as bad:
        raise LogError(f"{path}:{bad.line}: not UTF-8 text (byte {bad.offset})") from None


def _scan(handle: BinaryIO, path: Path, labels: set[str]) -> LogContents:
    contents = LogContents()
    strings: dict[str, str] = {}
    previous: str | None = None  # the state of the previous piece
    stray_lines: list[int] | None = None  # first and last line of the current run of text outside documents
    for item in _documents(handle):
        if item.state == "stray":
            if stray_lines is None:
                stray_lines = [item.line, item.last_line]
                if previous is None:
                    contents.foreign_line = item.line
            stray_lines[1] = item.last_line  # one problem per run, however many lines: memory stays bounded
            previous = item.state
            continue
        if stray_lines is not None:
            contents.add_problem(_stray_problem(stray_lines))
            stray_lines = None
        if item.state in ("unfinished", "fragment") and previous != "unended":
            # A crash mid-append leaves an unfinished document (or the start of one) at the very end.
            contents.torn_tail = item.offset
            contents.add_problem(Problem(item.line, _TORN_MESSAGE))
        elif item.state in ("unended", "unfinished"):
            contents.add_problem(Problem(item.line, "document without its '...' end line"))
        else:
            _take_document(contents, item, labels, path, strings)
        previous = item.state
    if stray_lines is not None:
        contents.add_problem(_stray_problem(stray_lines))
    _check_retractions(contents)
    contents.problems.sort(key=lambda p: p.line)
    return contents


def _stray_problem(lines: list[int]) -> Problem:
    first, last = lines
    return Problem(first, "text outside any document" + (f" (lines {first}-{last})" if last > first else ""))


def _take_document(contents: LogContents, item: _Item, labels: set[str], path: Path, strings: dict[str, str]) -> None:
    """Parse and check one complete document: an entry, or a problem on its line."""
    if item.size > MAX_DOCUMENT_BYTES:
        message = f"document of {item.size} bytes is over the {MAX_DOCUMENT_BYTES} limit"
        contents.add_problem(Problem(item.line, message))
        return
    data = _parse_fast(item.body)
    if data is None:
        try:
            data = load_one("\n".join(item.body))
        except YAMLProblem as problem:
            contents.add_problem(Problem(item.line + (problem.line or 1), one_line(problem.problem, 200)))
            return
        except (ValueError, RecursionError) as error:
            # PyYAML's own conversions: an integer over the 4,300-digit limit, a date such as 2024-13-45
            contents.add_problem(Problem(item.line, f"unreadable value ({one_line(str(error).split(';')[0], 120)})"))
            return
    problem = _check(data, labels)
    if problem:
        contents.add_problem(Problem(item.line, problem))
        return
    contents.entries.append(
        Entry(data, item.line, path=path, offset=item.offset, size=item.size, keep=False, strings=strings)
    )


def _listed(values: Iterable[Any], limit: int = 5) -> str:
    values = list(values)
    shown = ", ".join(_shown(v, 40) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _check(data: Any, labels: set[str]) -> str | None:
    """What is wrong with a document, as a one-line, terminal-safe message; None when it is a valid one."""
    if not isinstance(data, dict):
        return "a decision document must be a mapping"
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        return "missing schema version"
    if schema > SCHEMA_VERSION:
        return (
            f"schema version {_shown(schema, 40)} is newer than this moderator reads ({SCHEMA_VERSION}); "
            "upgrade moderator"
        )
    unknown = set(data) - set(_TOP_KEYS)
    if unknown:
        return f"unknown keys {_listed(sorted(map(_text, unknown)))}"
    kind = data.get("kind")
    if kind not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}"
    for key in ("id", "when", "moderator"):
        if not isinstance(data.get(key), str) or not data[key]:
            return f"missing {key}"
    try:
        dt.datetime.fromisoformat(data["when"])
    except (ValueError, TypeError):
        return f"when is not an ISO 8601 time: '{_shown(data['when'], 40)}'"
    thread, comment = data.get("thread"), data.get("comment")
    if not isinstance(thread, dict) or not isinstance(comment, dict):
        return "thread and comment must be mappings"
    number = comment.get("number")
    if number is not None and (
        not isinstance(number, int) or isinstance(number, bool) or abs(number) >= _MAX_COMMENT_NUMBER
    ):
        return f"comment number must be a whole number or null, not {_shown(number, 40)}"
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
        return f"labels not in the taxonomy: {_listed(foreign)}"
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
            contents.add_problem(Problem(entry.line, f"retracts unknown decision {_shown(entry.retracts)}"))


# -- the log as the application uses it ---------------------------------------------------------------------
class DecisionLog:
    """A log opened for reading and appending. Opening refuses a log with any problem, leaving it untouched."""

    def __init__(self, path: str | Path, label_ids: Iterable[str]) -> None:
        self.path = Path(path)
        self.label_ids = tuple(label_ids)
        _refuse_symlink(self.path)  # it would be refused at the first decision anyway: say so before any work
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

    Returns the side file, or None when there was nothing to repair. The log is cut only once the side file
    holds every torn byte, is fsynced and its folder too; on any failure the log is left exactly as it was
    and a LogError says why. A file that is not a decision log is refused untouched."""
    path = Path(path)
    with _locked(path, os.O_RDWR) as descriptor:
        try:
            with open(descriptor, "rb", closefd=False) as handle:  # the very file we hold the lock on
                contents = _read(handle, path, set(label_ids))
            size = os.fstat(descriptor).st_size
        except OSError as error:
            raise LogError(f"{path}: cannot read ({_reason(error)})") from None
        if contents.foreign_line is not None:
            raise LogError(
                f"{path}:{contents.foreign_line}: not a decision log (its first line is not '---'); left untouched"
            )
        if contents.torn_tail is None:
            return None
        side = _save_torn_tail(path, descriptor, contents.torn_tail, size)
        try:
            os.ftruncate(descriptor, contents.torn_tail)
            os.fsync(descriptor)
        except OSError as error:
            raise LogError(
                f"{path}: the torn part is saved in {side}, but the log could not be cut "
                f"({_reason(error)}); run the repair again"
            ) from None
    return side


def _save_torn_tail(path: Path, descriptor: int, start: int, end: int) -> Path:
    """A new side file holding exactly bytes [start, end) of the log, fsynced with its folder."""
    mode = os.fstat(descriptor).st_mode & 0o666  # the torn decisions are as private as the log
    side, side_descriptor = _new_side_file(path, mode)
    try:
        try:
            _copy_range(descriptor, side_descriptor, start, end)
            os.fsync(side_descriptor)
            _verify_copy(descriptor, side_descriptor, start, end)
        finally:
            os.close(side_descriptor)
        _fsync_folder(side.parent)
    except OSError as error:
        _remove_quietly(side)
        raise LogError(
            f"{path}: not repaired: the torn part could not be saved to {side} ({_reason(error)}); the log is unchanged"
        ) from None
    return side


def _new_side_file(path: Path, mode: int) -> tuple[Path, int]:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 1000):
        side = path.with_name(f"{path.name}.torn-{stamp}" + (f"-{attempt}" if attempt > 1 else ""))
        try:
            return side, os.open(side, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        except FileExistsError:
            continue  # a repair earlier in the same second: never overwrite its side file
        except OSError as error:
            raise LogError(
                f"{path}: not repaired: cannot create the side file {side} ({_reason(error)}); the log is unchanged"
            ) from None
    raise LogError(f"{path}: not repaired: too many side files named {path.name}.torn-{stamp}*; the log is unchanged")


def _copy_range(source: int, target: int, start: int, end: int) -> None:
    position = start
    while position < end:
        part = _pread_exactly(source, min(_CHUNK, end - position), position)
        _write_all(target, part)
        position += len(part)


def _verify_copy(source: int, target: int, start: int, end: int) -> None:
    """Read the side file back: its size and every byte must be the torn part's, or the log is not cut."""
    if os.fstat(target).st_size != end - start:
        raise _IncompleteWrite(errno.EIO, "the side file's size is not the torn part's")
    position = 0
    while start + position < end:
        length = min(_CHUNK, end - start - position)
        if _pread_exactly(target, length, position) != _pread_exactly(source, length, start + position):
            raise _IncompleteWrite(errno.EIO, "the side file does not read back as written")
        position += length


def _fsync_folder(folder: Path) -> None:
    """Make the side file's name durable too: without it a crash could lose the file while the log is cut."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems that cannot sync a folder
            raise
    finally:
        os.close(descriptor)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass  # the error being reported matters more; an incomplete side file is named like the log, visibly


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
        "problems": contents.problem_count,
    }
