"""The push ledger: an append-only JSON Lines file beside the decision log (``LOG.push-ledger.jsonl``) with a line
before each change is sent and a line when the tracker answered, so a moderator can audit what was sent and undo
one change.

Each line is one JSON object (``schema`` 1):

- ``id`` (``pl-`` and 12 hex digits: what ``push --undo`` takes), ``kind`` (below), ``when``
  (UTC, ISO 8601 with ``Z``), ``by`` (the moderator's name), ``target`` (bugzilla or github), ``server`` (the API
  base the request went to);
- ``thread``, ``comment`` (its number in the thread), ``comment_id`` (Bugzilla's comment id or GitHub's REST id)
  and ``node_id`` (GitHub's GraphQL id), ``change`` (in words: "add tags abuse", "minimize as ABUSE");
- ``request`` (``method``, ``url``, ``body``: exactly what was sent, never a header, so never a token);
- ``response`` (``status`` and the part of the body that confirms the change: Bugzilla's tags after the update,
  GitHub's ``minimizedComment``);
- ``inverse``: the request that reverses the change, and ``decided_by``: the moderators whose decisions implied
  it (``apply`` lines); or ``undoes``: the id of the line an ``undo`` line reverses;
- ``intent``: on the line that settles a change, the id of the ``intent`` line written before it was sent.

The kinds, in the order they are written for one change:

- ``intent``: written (and fsynced) before the request is sent: what is about to be sent (``response`` empty);
- then ``apply`` (or ``undo``, for ``push --undo``) once the server confirmed the change, with its answer; or
  ``not-applied`` when the server refused it (403, 404, a conflict), with the status and why.

An ``intent`` that no later line settles is a change that may or may not have been applied: the request got no
answer (the server went away, a timeout), or the push was killed between the two lines. The ledger says so, and
``push --undo`` takes such an intent's id: it reads the comment's state and reverses the change only if it is
there. (A ledger of an earlier version has ``apply`` and ``undo`` lines without intents; they read as before.)

Appends are whole lines: under an exclusive lock, after checking the file ends with a complete line, one
``os.write`` on an ``O_APPEND`` descriptor and an ``fsync``; a write that falls short is cut back. A JSON object
cut anywhere before its last byte is no valid JSON, and a line needs its line break, so a crash never leaves a
half-recorded line that reads as valid: the reader names such a torn last line by its number.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from moderation_core.files import irregular_kind
from moderation_core.textsafe import dumps, one_line
from moderator.push.errors import LedgerError

SCHEMA = 1
SUFFIX = ".push-ledger.jsonl"
Kind = Literal["intent", "apply", "undo", "not-applied"]
KINDS: tuple[Kind, ...] = get_args(Kind)
ID_PATTERN = re.compile(r"pl-[0-9a-f]{12}")
# A ledger line holds one request and the part of one answer: far below this. A longer line is no ledger line, and
# the limit bounds what one line can make the reader hold.
MAX_LINE_BYTES = 1024 * 1024
_TORN_ADVICE = (
    "the change it was recording may or may not be applied: check that comment on the server, then delete the line"
)
_FIELDS: dict[str, type | tuple[type, ...]] = {
    "schema": int,
    "id": str,
    "kind": str,
    "when": str,
    "by": str,
    "target": str,
    "server": str,
    "thread": str,
    "comment": (int, type(None)),
    "comment_id": (int, type(None)),
    "node_id": (str, type(None)),
    "change": str,
    "request": dict,
    "response": dict,
}


def ledger_path(log: str | Path) -> Path:
    """The ledger beside a decision log: its path with ``.push-ledger.jsonl`` added (``decisions.yaml`` ->
    ``decisions.yaml.push-ledger.jsonl``)."""
    return Path(str(log) + SUFFIX)


def new_id() -> str:
    return f"pl-{uuid.uuid4().hex[:12]}"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as sent (and as a dry run prints it): never any header."""

    method: str
    url: str
    body: Any

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "body": self.body}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Request:
        return cls(str(data["method"]), str(data["url"]), data.get("body"))


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One line of the ledger (the module's docstring describes each field); ``line`` is where it was read."""

    id: str
    kind: Kind
    when: str
    by: str
    target: str
    server: str
    thread: str
    comment: int | None
    comment_id: int | None
    node_id: str | None
    change: str
    request: Request
    response: dict[str, Any]
    inverse: Request | None = None
    undoes: str | None = None
    decided_by: tuple[str, ...] = ()  # the moderators whose decisions implied the change (apply lines)
    intent: str | None = None  # the intent line this line settles
    line: int = field(default=0, compare=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": SCHEMA,
            "id": self.id,
            "kind": self.kind,
            "when": self.when,
            "by": self.by,
            "target": self.target,
            "server": self.server,
            "thread": self.thread,
            "comment": self.comment,
            "comment_id": self.comment_id,
            "node_id": self.node_id,
            "change": self.change,
            "request": self.request.to_json(),
            "response": self.response,
        }
        if self.inverse is not None:
            data["inverse"] = self.inverse.to_json()
        if self.undoes is not None:
            data["undoes"] = self.undoes
        if self.decided_by:
            data["decided_by"] = list(self.decided_by)
        if self.intent is not None:
            data["intent"] = self.intent
        return data


# -- reading -----------------------------------------------------------------------------------------------------
def read_ledger(path: Path) -> list[LedgerEntry]:
    """Every entry of the ledger at ``path`` (none when it does not exist yet). Raises LedgerError naming the line
    of the first line that is not a complete ledger entry: a torn last line (no line break, or cut JSON), a
    damaged line, an entry of a newer schema."""
    data = _read_bytes(path)
    entries: list[LedgerEntry] = []
    lines = data.split(b"\n")
    complete = lines[:-1]  # what follows the last line break: empty, or a line torn before its line break
    for number, raw in enumerate(complete, start=1):
        if not raw.strip():
            continue  # a blank line (an editor's doing) holds nothing and harms nothing
        entries.append(_entry(path, number, raw, last=number == len(complete) and not lines[-1]))
    if lines[-1]:
        raise LedgerError(f"{path}:{len(lines)}: incomplete last line (torn by a crash?): {_TORN_ADVICE}")
    _check_ids(path, entries)
    return entries


def _read_bytes(path: Path) -> bytes:
    kind = irregular_kind(path)
    if kind is not None:
        raise LedgerError(f"{path}: is {kind}, not a push ledger")
    try:
        with path.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return b""
    except OSError as error:
        raise LedgerError(f"{path}: cannot read the push ledger ({error.strerror or error})") from None


def _entry(path: Path, number: int, raw: bytes, *, last: bool) -> LedgerEntry:
    where = f"{path}:{number}"
    if len(raw) > MAX_LINE_BYTES:
        raise LedgerError(f"{where}: line of {len(raw):,} bytes; a push ledger line is at most {MAX_LINE_BYTES:,}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise LedgerError(f"{where}: byte {error.start}: not UTF-8 text") from None
    except ValueError as error:
        torn = " (torn by a crash?)" if last else ""
        raise LedgerError(f"{where}: not a complete ledger entry{torn}: {one_line(str(error), 80)}") from None
    if not isinstance(data, dict):
        raise LedgerError(f"{where}: not a ledger entry (a JSON object per line)")
    return _entry_of(where, data, number)


def _entry_of(where: str, data: dict[str, Any], number: int) -> LedgerEntry:
    schema = data.get("schema")
    if isinstance(schema, int) and not isinstance(schema, bool) and schema > SCHEMA:
        raise LedgerError(f"{where}: schema version {schema} is newer than this moderator reads ({SCHEMA})")
    for name, kinds in _FIELDS.items():
        if name not in data:
            raise LedgerError(f"{where}: the entry has no '{name}'")
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise LedgerError(f"{where}: '{name}' has the wrong type ({type(value).__name__})")
    if ID_PATTERN.fullmatch(data["id"]) is None:
        raise LedgerError(f"{where}: '{one_line(data['id'], 40)}' is no ledger id (pl- and 12 hex digits)")
    if data["kind"] not in KINDS:
        raise LedgerError(f"{where}: kind '{one_line(data['kind'], 40)}' is none of {', '.join(KINDS)}")
    return LedgerEntry(
        id=data["id"],
        kind=data["kind"],
        when=data["when"],
        by=data["by"],
        target=data["target"],
        server=data["server"],
        thread=data["thread"],
        comment=data["comment"],
        comment_id=data["comment_id"],
        node_id=data["node_id"],
        change=data["change"],
        request=_request(where, data["request"], "request"),
        response=data["response"],
        inverse=_request(where, data["inverse"], "inverse") if data.get("inverse") is not None else None,
        undoes=_ledger_id(where, data.get("undoes"), "undoes"),
        intent=_ledger_id(where, data.get("intent"), "intent"),
        decided_by=_names(where, data.get("decided_by", [])),
        line=number,
    )


def _request(where: str, value: Any, name: str) -> Request:
    if not isinstance(value, dict) or not isinstance(value.get("method"), str) or not isinstance(value.get("url"), str):
        raise LedgerError(f"{where}: '{name}' is no request (an object with method, url and body)")
    return Request.from_json(value)


def _ledger_id(where: str, value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or ID_PATTERN.fullmatch(value) is None:
        raise LedgerError(f"{where}: '{name}' is no ledger id")
    return value


def _names(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise LedgerError(f"{where}: 'decided_by' is no list of names")
    return tuple(value)


def _check_ids(path: Path, entries: list[LedgerEntry]) -> None:
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.id in seen:
            raise LedgerError(f"{path}:{entry.line}: ledger id {entry.id} was used on line {seen[entry.id]} already")
        seen[entry.id] = entry.line


def unsettled(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """The ``intent`` entries no later line settles: changes sent (or about to be) whose answer was never recorded,
    which may or may not be applied."""
    settled = {entry.intent for entry in entries if entry.intent is not None}
    return [entry for entry in entries if entry.kind == "intent" and entry.id not in settled]


def find(entries: list[LedgerEntry], ledger_id: str, path: Path) -> LedgerEntry:
    """The entry ``ledger_id`` names when it can be undone: an ``apply`` entry, or an unsettled ``intent`` to apply
    (undoing it reads the comment's state first), not undone yet; LedgerError saying why otherwise."""
    shown = one_line(ledger_id, 40)
    entry = next((entry for entry in entries if entry.id == ledger_id), None)
    if entry is None:
        raise LedgerError(f"{path}: no entry {shown} (see the ids in the ledger, one per line)")
    if entry.kind == "intent" and entry.undoes is None:
        settling = next((later for later in entries if later.intent == ledger_id), None)
        if settling is not None and settling.kind == "apply":
            raise LedgerError(f"{path}:{entry.line}: {shown} was applied as {settling.id}: undo {settling.id}")
        if settling is not None:
            raise LedgerError(f"{path}:{settling.line}: {shown} was not applied ({settling.change}): nothing to undo")
    elif entry.kind == "not-applied":
        raise LedgerError(f"{path}:{entry.line}: {shown} records a change the server refused: nothing to undo")
    elif entry.kind != "apply" or entry.inverse is None:
        raise LedgerError(f"{path}:{entry.line}: {shown} is itself an undo (of {entry.undoes}); undo an applied change")
    undone = next((later for later in entries if later.kind == "undo" and later.undoes == ledger_id), None)
    if undone is not None:
        raise LedgerError(f"{path}:{undone.line}: {shown} was undone already ({undone.id}, {undone.when}, {undone.by})")
    return entry


# -- appending ---------------------------------------------------------------------------------------------------
def check_appendable(path: Path) -> None:
    """Refuse, before any request is sent, a ledger that could not record what the push applies: unreadable, with
    a damaged or torn line, or not writable (nor creatable: its folder missing or read-only). Creates nothing."""
    read_ledger(path)
    if path.is_symlink():
        raise LedgerError(f"{path}: is a symbolic link; the push ledger is written only through its own path")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise LedgerError(f"{path}: the push ledger is not writable")
        return
    folder = path.parent
    if not folder.is_dir():
        raise LedgerError(f"{path}: the folder does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise LedgerError(f"{path}: cannot create the push ledger (the folder is not writable)")


def append_entry(path: Path, entry: LedgerEntry) -> None:
    """Append ``entry`` as one whole line, fsynced before returning; on any failure the file is as it was."""
    data = (dumps(entry.to_json()) + "\n").encode("utf-8")
    if len(data) > MAX_LINE_BYTES:
        raise LedgerError(f"{path}: the entry for {entry.id} is {len(data):,} bytes; not recorded")
    with _locked(path) as descriptor:
        size = os.fstat(descriptor).st_size
        if size and os.pread(descriptor, 1, size - 1) != b"\n":
            lines = _line_count(descriptor, size)
            raise LedgerError(f"{path}:{lines}: incomplete last line (torn by a crash?): {_TORN_ADVICE}")
        try:
            written = os.write(descriptor, data)  # one write: O_APPEND puts the whole line at the end at once
            if written != len(data):
                raise OSError(errno.EIO, f"only {written} of {len(data)} bytes written")
            os.fsync(descriptor)
        except OSError as error:
            _cut_back(descriptor, size)
            done = {"intent": "nothing was sent for", "not-applied": "the server refused"}.get(
                entry.kind, "the server applied the change:"
            )
            raise LedgerError(
                f"{path}: could not record {entry.id} ({error.strerror or error}); {done} "
                f"{entry.change} on {one_line(entry.thread, 60)} comment {entry.comment}"
            ) from None


def _line_count(descriptor: int, size: int) -> int:
    return os.pread(descriptor, size, 0).count(b"\n") + 1


def _cut_back(descriptor: int, size: int) -> None:
    try:
        os.ftruncate(descriptor, size)
        os.fsync(descriptor)
    except OSError:
        pass  # the error being raised says the entry was not recorded; a partial line stays visibly torn


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    kind = irregular_kind(path)
    if kind is not None:
        raise LedgerError(f"{path}: is {kind}, not a push ledger")
    existed = path.exists()
    try:
        # O_NOFOLLOW: the ledger is written through its own path, never through a link to another file.
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        problem = "is a symbolic link" if error.errno == errno.ELOOP else error.strerror or str(error)
        raise LedgerError(f"{path}: cannot open the push ledger for appending ({problem})") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        if not existed:
            _fsync_folder(path.parent)
        yield descriptor
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # file systems that cannot sync a folder
    finally:
        os.close(descriptor)
