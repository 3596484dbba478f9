"""The triage queue: every comment of many threads that a moderator should look at, most concerning first.

``moderator scan`` writes it; ``moderator review --queue-file`` walks it. The file is JSONL (UTF-8, one JSON object
per line). The first line is the header::

    {"format": "moderator-queue/1", "model": "guideline-classifier@8cc4ba2f1fe1", "created": "2026-11-30T09:12:44Z",
     "threads": 20000, "comments": 152000, "entries": 131, "failures": []}

- ``format``: ``moderator-queue/1``. A reader refuses a higher number (a queue written by a newer moderator);
- ``model``: the id of the model that scored every comment (``moderator score`` shows the same id);
- ``created``: when the scan finished, UTC, ISO 8601;
- ``threads``, ``comments``: how many threads and comments were scored (flagged or not);
- ``entries``: how many lines follow (a queue cut short is told, never read as a shorter queue);
- ``failures``: files that could not be imported, each ``{"source": ..., "error": ...}``; empty unless the scan
  ran with ``--keep-going`` (without it, a file that cannot be imported stops the scan and no queue is written).

Then one line per comment that is flagged (a label passed its threshold) or marked for review (its concern passed
the model's review threshold although no label did), sorted by ``concern`` descending, ties by thread id, the
thread's origin and comment number::

    {"thread": {"source": "github", "id": "larchwood/root-store#4127", "title": "...", "url": "https://...",
                "load": {"path": "/data/threads/4127.json", "format": null, "index": 0}},
     "number": 21, "position": 21, "comment_id": "88122", "author": "pat", "concern": 0.9312,
     "flags": ["personal-attack"], "review": false, "suggested": [],
     "evidence": {"label": "personal-attack", "start": 0, "end": 42, "text": "..."},
     "own_text_sha256": "5d41..."}

- ``thread``: the thread's ``source`` (the importer: bugzilla, github, jsonl, csv, yaml, mail), ``id``, ``title``
  and ``url`` as imported (each may be null), and ``load``, where to load it from again: a file, ``{"path":
  absolute path, "format": the --format the scan was given, or null when detected from the content, "index":
  position of the thread among the threads of that file, from 0}``; or a remote source, ``{"remote": the source
  as typed (a URL, bugzilla:ID, OWNER/REPO#N), "server": the API base URL or null}``;
- ``number``: the comment's number in its thread (0 = the opening post; null for a block of a page copy whose
  comment markers were missing); ``position``: its index among the thread's comments, from 0 (what finds a
  comment without a number); ``comment_id``: its id in the source, or null; ``author``: as imported, or null;
- ``concern``, ``flags``, ``review``, ``suggested``: exactly what ``moderator score --json`` gives the comment
  (concern rounded to 4 places; ``suggested`` are the labels a marked comment most likely breaks);
- ``evidence``: the sentence of the comment's own words that drives its strongest label (the flag, else the
  suggested label, with the highest probability) most: offsets into the own text and the sentence; or null;
- ``own_text_sha256``: the SHA-256 of the comment's own words (UTF-8), as the decision log records it: a review
  that loads the thread again can tell the comment changed since the scan.

Text from threads (titles, authors, evidence) is JSON-escaped as everywhere: no control character reaches a
terminal that shows the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from moderation_core.errors import ModeratorError
from moderation_core.files import open_regular, write_atomically
from moderation_core.textsafe import dumps, one_visible_line
from moderator.log.records import own_text_digest

if TYPE_CHECKING:
    from moderation_core.thread import Thread
    from moderator.scoring import CommentScore

FORMAT_NAME = "moderator-queue"
VERSION = 1
FORMAT = f"{FORMAT_NAME}/{VERSION}"
# A queue lists flagged comments only: even an organisation-wide sweep writes megabytes. The limits refuse a file
# that is not a queue (or a hostile one) before it fills memory, far above any real queue.
MAX_QUEUE_BYTES = 1 << 30
MAX_LINE_BYTES = 4 << 20
_FORMAT_PATTERN = re.compile(rf"{FORMAT_NAME}/([1-9][0-9]{{0,5}})")
_SHA256 = re.compile("[0-9a-f]{64}")


class QueueError(ModeratorError):
    """A triage queue file that cannot be read: the message names the file and the line."""

    title = "Cannot read triage queue"

    def __init__(self, path: str | Path, problem: str, *, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {one_visible_line(problem)}")
        self.path = str(path)
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ThreadOrigin:
    """Where a thread is loaded from again: a file (``path``, ``format`` or None for detected, ``index`` among the
    file's threads) or a remote source (``remote`` as typed, ``server``)."""

    path: str | None = None
    format: str | None = None
    index: int = 0
    remote: str | None = None
    server: str | None = None

    @property
    def name(self) -> str:
        """How the origin is named to a moderator: the path, or the remote source."""
        return self.remote if self.remote is not None else str(self.path)

    def to_dict(self) -> dict[str, object]:
        if self.remote is not None:
            return {"remote": self.remote, "server": self.server}
        return {"path": self.path, "format": self.format, "index": self.index}


@dataclass(frozen=True, slots=True)
class QueueThread:
    """The thread of a queue entry, as imported, and where to load it from."""

    source: str
    id: str | None
    title: str | None
    url: str | None
    origin: ThreadOrigin

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "load": self.origin.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """The sentence of the comment's own text (``own_text[start:end]``) that drives ``label`` most."""

    label: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One comment of the queue: a flagged or marked comment with what the model said of it."""

    thread: QueueThread
    number: int | None
    position: int
    comment_id: str | None
    author: str | None
    concern: float
    flags: tuple[str, ...]
    review: bool
    suggested: tuple[str, ...]
    evidence: Evidence | None
    own_text_sha256: str

    def to_dict(self) -> dict[str, object]:
        return {
            "thread": self.thread.to_dict(),
            "number": self.number,
            "position": self.position,
            "comment_id": self.comment_id,
            "author": self.author,
            "concern": self.concern,
            "flags": list(self.flags),
            "review": self.review,
            "suggested": list(self.suggested),
            "evidence": self.evidence.to_dict() if self.evidence is not None else None,
            "own_text_sha256": self.own_text_sha256,
        }


@dataclass(frozen=True, slots=True)
class Failure:
    """A source that could not be imported (``--keep-going``): its name and the one-line error."""

    source: str
    error: str

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "error": self.error}


@dataclass(frozen=True, slots=True)
class QueueHeader:
    """The first line of a queue: the model, when, how much was scored, and what could not be."""

    model: str
    created: str
    threads: int
    comments: int
    entries: int
    failures: tuple[Failure, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "model": self.model,
            "created": self.created,
            "threads": self.threads,
            "comments": self.comments,
            "entries": self.entries,
            "failures": [failure.to_dict() for failure in self.failures],
        }


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue read back: its header and its entries, in the file's order (concern descending)."""

    header: QueueHeader
    entries: list[QueueEntry] = field(default_factory=list)


def now_text() -> str:
    """The current time as ``created`` records it."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def queue_entries(thread: Thread, origin: ThreadOrigin, scores: Sequence[CommentScore]) -> list[QueueEntry]:
    """The entries of one scored thread: its flagged and marked comments, in thread order."""
    queue_thread: QueueThread | None = None
    entries: list[QueueEntry] = []
    for position, (comment, score) in enumerate(zip(thread.comments, scores)):
        if not score.needs_review:
            continue
        if queue_thread is None:  # one per thread, shared by its entries
            queue_thread = QueueThread(thread.source, thread.id, thread.title, thread.url, origin)
        entries.append(
            QueueEntry(
                thread=queue_thread,
                number=comment.number,
                position=position,
                comment_id=comment.id,
                author=comment.author,
                concern=score.concern,
                flags=tuple(score.flags),
                review=score.review,
                suggested=tuple(score.suggested),
                evidence=strongest_evidence(score),
                own_text_sha256=own_text_digest(comment.own_text),
            )
        )
    return entries


def strongest_evidence(score: CommentScore) -> Evidence | None:
    """The first evidence sentence of the comment's most probable flag (else suggested label), if it has one."""
    labels = score.flags or score.suggested
    if not labels:
        return None
    label = max(labels, key=lambda name: score.scores.get(name, 0.0))  # max keeps the first of equal ones
    sentence = next((span for span in score.evidence.get(label, []) if span.kind == "sentence"), None)
    if sentence is None:
        return None
    return Evidence(label, sentence.start, sentence.end, sentence.text)


def queue_order(entry: QueueEntry) -> tuple[float, str, str, int, int, int]:
    """The queue's order: concern descending, then thread id, the thread's origin, comment number."""
    origin = entry.thread.origin
    number = entry.number if entry.number is not None else -1
    return (-entry.concern, entry.thread.id or "", origin.name, origin.index, number, entry.position)


def sorted_entries(entries: Iterable[QueueEntry]) -> list[QueueEntry]:
    return sorted(entries, key=queue_order)


def queue_lines(header: QueueHeader, entries: Sequence[QueueEntry]) -> Iterator[str]:
    """The queue's lines (each ending with a line break), the entries sorted into the queue's order; the header's
    ``entries`` is set to their number."""
    header = QueueHeader(header.model, header.created, header.threads, header.comments, len(entries), header.failures)
    yield dumps(header.to_dict()) + "\n"
    for entry in sorted_entries(entries):
        yield dumps(entry.to_dict()) + "\n"


def queue_bytes(header: QueueHeader, entries: Sequence[QueueEntry]) -> bytes:
    # dumps escapes lone surrogates, so the text always has a UTF-8 form.
    return "".join(queue_lines(header, entries)).encode("utf-8")


def write_queue(path: str | Path, header: QueueHeader, entries: Sequence[QueueEntry]) -> None:
    """Write the queue to ``path`` in one step: a reader sees the old file or the whole new queue."""
    path = Path(path)
    try:
        write_atomically(path, queue_bytes(header, entries))
    except OSError as error:
        raise QueueError(path, f"cannot write the queue: {error.strerror or type(error).__name__}") from None


def read_queue(path: str | Path) -> Queue:
    """The queue in ``path``, every line checked: a :class:`QueueError` names the file and the line of the first
    problem (a queue of a newer format is refused, never half-understood)."""
    path = Path(path)
    with _open_queue(path) as handle:
        lines = _lines(path, handle)
        first = next(lines, None)
        if first is None:
            raise QueueError(path, "empty file: not a triage queue")
        header = _header(path, *first)
        entries = [_entry(path, number, value) for number, value in lines]
    if len(entries) != header.entries:
        raise QueueError(
            path, f"the header says {header.entries} entries but the file holds {len(entries)} (cut short or edited)"
        )
    return Queue(header, entries)


def _open_queue(path: Path) -> BinaryIO:
    try:
        return open_regular(path, "triage queue", MAX_QUEUE_BYTES)
    except ModeratorError as error:  # the files module's error says what the path is; ours is the queue's kind
        raise QueueError(path, error.message.removeprefix(f"{path}: ")) from None


def _lines(path: Path, handle: BinaryIO) -> Iterator[tuple[int, Any]]:
    """(line number, decoded JSON value) of each non-blank line."""
    for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), start=1):
        if len(raw) > MAX_LINE_BYTES:
            raise QueueError(path, f"line longer than {MAX_LINE_BYTES // 2**20} MiB: not a triage queue", line=number)
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise QueueError(path, f"byte {error.start} of the line: not UTF-8 text", line=number) from None
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except (ValueError, RecursionError) as error:
            raise QueueError(path, f"not JSON ({_json_problem(error)})", line=number) from None


def _json_problem(error: Exception) -> str:
    return error.msg if isinstance(error, json.JSONDecodeError) else "nested too deeply"


def _header(path: Path, line: int, value: Any) -> QueueHeader:
    if not isinstance(value, dict) or not isinstance(value.get("format"), str):
        raise QueueError(path, "not a triage queue: the first line is not a moderator-queue header", line=line)
    match = _FORMAT_PATTERN.fullmatch(value["format"])
    if match is None:
        shown = json.dumps(value["format"])[:40]
        raise QueueError(path, f"not a triage queue: format {shown} (expected {FORMAT})", line=line)
    if int(match.group(1)) > VERSION:
        raise QueueError(
            path,
            f"a queue of format {value['format']}, written by a newer moderator; this version reads {FORMAT}: "
            "upgrade moderator to read it",
            line=line,
        )
    fields = _Fields(path, line, value, "header")
    return QueueHeader(
        model=fields.text("model"),
        created=fields.text("created"),
        threads=fields.count("threads"),
        comments=fields.count("comments"),
        entries=fields.count("entries"),
        failures=tuple(Failure(item.text("source"), item.text("error")) for item in fields.objects("failures")),
    )


def _entry(path: Path, line: int, value: Any) -> QueueEntry:
    if not isinstance(value, dict):
        raise QueueError(path, f"an entry must be a JSON object, found {type(value).__name__}", line=line)
    fields = _Fields(path, line, value, "entry")
    digest = fields.text("own_text_sha256")
    if not _SHA256.fullmatch(digest):
        fields.fail("'own_text_sha256' must be 64 lowercase hexadecimal digits")
    return QueueEntry(
        thread=_thread(fields.nested("thread")),
        number=fields.optional_count("number"),
        position=fields.count("position"),
        comment_id=fields.optional_text("comment_id"),
        author=fields.optional_text("author"),
        concern=fields.probability("concern"),
        flags=tuple(fields.texts("flags")),
        review=fields.flag("review"),
        suggested=tuple(fields.texts("suggested")),
        evidence=_evidence(fields.optional_nested("evidence")),
        own_text_sha256=digest,
    )


def _thread(fields: _Fields) -> QueueThread:
    load = fields.nested("load")
    if "remote" in load.value:
        origin = ThreadOrigin(remote=load.text("remote"), server=load.optional_text("server"))
    else:
        origin = ThreadOrigin(path=load.text("path"), format=load.optional_text("format"), index=load.count("index"))
    return QueueThread(
        source=fields.text("source"),
        id=fields.optional_text("id"),
        title=fields.optional_text("title"),
        url=fields.optional_text("url"),
        origin=origin,
    )


def _evidence(fields: _Fields | None) -> Evidence | None:
    if fields is None:
        return None
    start, end = fields.count("start"), fields.count("end")
    if end < start:
        fields.fail("'end' is before 'start'")
    return Evidence(fields.text("label"), start, end, fields.text("text"))


class _Fields:
    """Typed access to the fields of one JSON object of the queue; a missing or mistyped field is a QueueError
    naming the line and the field."""

    def __init__(self, path: Path, line: int, value: dict[str, Any], where: str) -> None:
        self.path, self.line, self.value, self.where = path, line, value, where

    def fail(self, problem: str) -> NoReturn:
        raise QueueError(self.path, f"{self.where}: {problem}", line=self.line)

    def _get(self, name: str) -> Any:
        if name not in self.value:
            self.fail(f"missing field {name!r}")
        return self.value[name]

    def _wrong(self, name: str, expected: str, value: Any) -> NoReturn:
        self.fail(f"{name!r} must be {expected}, found {json.dumps(value)[:40]}")

    def text(self, name: str) -> str:
        value = self._get(name)
        if not isinstance(value, str):
            self._wrong(name, "text", value)
        return value

    def optional_text(self, name: str) -> str | None:
        value = self.value.get(name)
        if value is not None and not isinstance(value, str):
            self._wrong(name, "text or null", value)
        return value

    def count(self, name: str) -> int:
        value = self._get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self._wrong(name, "a whole number, 0 or more", value)
        return value

    def optional_count(self, name: str) -> int | None:
        return None if self.value.get(name) is None else self.count(name)

    def probability(self, name: str) -> float:
        value = self._get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
            self._wrong(name, "a number from 0 to 1", value)
        return float(value)

    def flag(self, name: str) -> bool:
        value = self._get(name)
        if not isinstance(value, bool):
            self._wrong(name, "true or false", value)
        return value

    def texts(self, name: str) -> list[str]:
        value = self._get(name)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._wrong(name, "a list of texts", value)
        return value

    def objects(self, name: str) -> list[_Fields]:
        value = self._get(name)
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self._wrong(name, "a list of objects", value)
        return [_Fields(self.path, self.line, item, f"{self.where} {name!r}") for item in value]

    def nested(self, name: str) -> _Fields:
        value = self._get(name)
        if not isinstance(value, dict):
            self._wrong(name, "an object", value)
        return _Fields(self.path, self.line, value, f"{self.where} {name!r}")

    def optional_nested(self, name: str) -> _Fields | None:
        return None if self.value.get(name) is None else self.nested(name)
