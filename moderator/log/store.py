"""The log file: locked appends, reading with every problem found, and repairing a torn tail.

Appends take an exclusive ``flock`` on the log, check that the file ends with a complete document, write,
``fsync`` and only then report the decision as saved; a write that fails or falls short (a full disk) is cut
off again under the lock, so the log is as it was. A document over :data:`MAX_DOCUMENT_BYTES` is refused
before anything is written: the reader would refuse it. Nothing already written is ever rewritten.

The log is written only through its own path, never through a symbolic link (``O_NOFOLLOW``): appending and
repairing refuse a log path that is a link, so a link can never get another file appended to or truncated.
Reading (validate, stats) follows links.
"""

from __future__ import annotations

import datetime as dt
import errno
import gc
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Literal

from moderation_core.textsafe import one_line
from moderation_core.yamlsafe import YAMLProblem
from moderator.log import codec
from moderator.log.codec import Document
from moderator.log.errors import LogError
from moderator.log.files import (
    IncompleteWrite,
    fsync_folder,
    locked,
    pread_exactly,
    reason,
    refuse_irregular,
    remove_quietly,
    write_all,
)
from moderator.log.records import Decision, Record, Retraction
from moderator.log.scan import BLANK_BYTES, BOM, Item, State, Undecodable, documents
from moderator.log.state import Entry, LogContents, Problem, Shared

# A document bigger than this is refused before parsing: no legitimate decision needs it, and it bounds memory.
# The writer refuses to write one, so a log can never hold a document its own reader refuses. Read at each use
# (never copied), so that a test may lower it.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
_CHUNK = 1024 * 1024  # copying and scanning in pieces keeps memory bounded whatever the file's size
_TORN_MESSAGE = "incomplete last document (torn by a crash?): run 'moderator log repair'"

Ending = Literal["clean", "torn", "unclean"]


# -- appending -------------------------------------------------------------------------------------------------
def _render_within_limits(path: Path, document: Document) -> bytes:
    """The document's bytes, refused here when the reader would refuse them, so a log never bricks itself."""
    try:
        data = codec.render(document)
    except (ValueError, RecursionError) as error:  # e.g. an integer of more than 4,300 digits
        raise LogError(f"{path}: the decision was not saved: {one_line(str(error).split(';')[0], 120)}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise LogError(
            f"{path}: the decision was not saved: {codec.size_story(document, len(data), MAX_DOCUMENT_BYTES)}"
        )
    return data


def ensure_fits(path: str | Path, document: Document | Record) -> None:
    """Refuse, before the work that completes it (scoring), a document the log could not take. The final check
    still runs at append time; the model's scores add well under a kilobyte."""
    _render_within_limits(Path(path), document if isinstance(document, dict) else codec.encode(document))


def append_document(path: str | Path, document: Document) -> None:
    """Append one document under an exclusive lock and fsync it; returns only once it is on disk. On any
    failure the log is cut back to its size before the write, so it stays valid."""
    path = Path(path)
    data = _render_within_limits(path, document)
    with locked(path, os.O_RDWR | os.O_APPEND | os.O_CREAT) as descriptor:
        try:
            ending = _ending(descriptor)
            size_before = os.fstat(descriptor).st_size
        except OSError as error:
            raise LogError(f"{path}: cannot read ({reason(error)}); the decision was not saved") from None
        if ending == "torn":
            raise LogError(f"{path}: the last document is incomplete (a crash?); run 'moderator log repair {path}'")
        if ending == "unclean":
            raise LogError(f"{path}: does not end with a complete document; see 'moderator log validate {path}'")
        if size_before and os.pread(descriptor, 1, size_before - 1) != b"\n":
            data = b"\n" + data  # a last line of blanks without a line break: the document starts a line of its own
        try:
            write_all(descriptor, data)
            os.fsync(descriptor)
            if os.fstat(descriptor).st_size < size_before + len(data):
                raise IncompleteWrite(errno.EIO, "the log is shorter than what was written")
        except OSError as error:
            after = _cut_back(descriptor, size_before, path)
            raise LogError(f"{path}: the decision was not saved ({reason(error)}){after}") from None


def _cut_back(descriptor: int, size: int, path: Path) -> str:
    """Remove a partial write (we still hold the lock); what to add to the error when even that fails."""
    try:
        os.ftruncate(descriptor, size)
    except OSError as error:
        return f"; the partial document could not be removed ({reason(error)}): run 'moderator log repair {path}'"
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # should the cut not reach the disk, a crash leaves the partial document as a torn tail: repairable
    return ""


def _ending(descriptor: int) -> Ending:
    """How the log ends, by the reader's own rules: "clean" (empty, or a complete document and blank lines),
    "torn" (the reader's torn tail) or "unclean" (text after the last document, or a last document too big to
    be one). Only the last document is read, so an append costs the same on a log of any size."""
    size = os.fstat(descriptor).st_size
    end, line_break_after = _last_non_blank(descriptor, size)
    if end == 0 or (end == len(BOM) and pread_exactly(descriptor, end, 0) == BOM):
        return "clean"
    begin = _last_document_start(descriptor, end)
    if begin is None:
        return "unclean"
    # The blanks after `end` are left out; the line break among them (if any) decides whether the line ended.
    tail = pread_exactly(descriptor, end - begin, begin) + (b"\n" if line_break_after else b"")
    items = list(documents(io.BytesIO(tail), limit=MAX_DOCUMENT_BYTES, offset=begin))
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
    segment = pread_exactly(descriptor, begin - previous, previous)
    items = list(documents(io.BytesIO(segment), limit=MAX_DOCUMENT_BYTES, offset=previous))
    return bool(items) and items[-1].state == "unfinished"


def _last_non_blank(descriptor: int, size: int) -> tuple[int, bool]:
    """(offset just past the last byte that is not blank, whether a line break follows it)."""
    position, line_break = size, False
    while position > 0:
        start = max(0, position - _CHUNK)
        chunk = pread_exactly(descriptor, position - start, start)
        kept = chunk.rstrip(BLANK_BYTES)
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
        chunk = pread_exactly(descriptor, end - start, start)
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
        if chunk_offset + line_start == 0 and line.startswith(BOM):
            line = line[len(BOM) :]
        if line.rstrip(BLANK_BYTES) == b"---":
            return chunk_offset + line_start
        position = line_start - 1
    return None


# -- reading ---------------------------------------------------------------------------------------------------
def read_log(path: str | Path, label_ids: Iterable[str], *, records: bool = False, entries: bool = True) -> LogContents:
    """Every document of the log with every problem found; never raises for content, only for unreadable files
    (a file that is not UTF-8 text counts as unreadable: the error names the line and the byte).

    ``records``: also decode each valid document into its record (``contents.records``, one per entry) while it
    is parsed anyway, for readers that need every whole record (reports, the tag export, training): one pass
    over the file instead of a second one that parses everything again. ``entries=False`` (with ``records``):
    the records only, each with its line in ``contents.record_lines``, and no entries (what reading every
    record of a big log needs, without building the state's view of each document as well)."""
    path = Path(path)
    refuse_irregular(path)
    try:
        with path.open("rb") as handle:
            return _read(handle, path, set(label_ids), records, entries)
    except FileNotFoundError:
        return _empty_contents(records, entries)
    except IsADirectoryError:
        raise LogError(f"{path}: is a directory, not a decision log") from None
    except OSError as error:
        raise LogError(f"{path}: cannot read ({reason(error)})") from None


def _empty_contents(records: bool, entries: bool) -> LogContents:
    if not (records or entries):
        raise ValueError("read_log: entries=False needs records=True")
    return LogContents(records=[] if records else None, record_lines=None if entries else [])


def _read(handle: BinaryIO, path: Path, labels: set[str], records: bool = False, entries: bool = True) -> LogContents:
    try:
        return _scan(handle, path, labels, records, entries)
    except Undecodable as bad:
        raise LogError(f"{path}:{bad.line}: not UTF-8 text (byte {bad.offset})") from None


def _scan(handle: BinaryIO, path: Path, labels: set[str], records: bool = False, entries: bool = True) -> LogContents:
    contents = _empty_contents(records, entries)
    shared = Shared()
    previous: State | None = None  # the state of the previous piece
    stray_lines: list[int] | None = None  # first and last line of the current run of text outside documents
    # Every document leaves objects that live on (its entry, its record): the cyclic collector's automatic full
    # passes over that growing heap cost a fifth of the load, and reading makes no garbage cycles. So they wait
    # until the log is read; the young generations are still collected every 2,000 documents, so whatever
    # cycles another thread leaves meanwhile stay bounded.
    pausing = gc.isenabled()
    if pausing:
        gc.disable()
    try:
        for count, item in enumerate(documents(handle, limit=MAX_DOCUMENT_BYTES), 1):
            if pausing and not count % 2000:
                gc.collect(1)
            if item.state == "complete" and stray_lines is None:  # the usual piece: what the branches below do
                _take_document(contents, item, labels, path, shared)
                previous = "complete"
                continue
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
                _take_document(contents, item, labels, path, shared)
            previous = item.state
    finally:
        if pausing:
            gc.enable()
    if stray_lines is not None:
        contents.add_problem(_stray_problem(stray_lines))
    _check_retractions(contents)
    contents.problems.sort(key=lambda p: p.line)
    return contents


def _stray_problem(lines: list[int]) -> Problem:
    first, last = lines
    return Problem(first, "text outside any document" + (f" (lines {first}-{last})" if last > first else ""))


def _take_document(contents: LogContents, item: Item, labels: set[str], path: Path, shared: Shared) -> None:
    """Parse and check one complete document: an entry, or a problem on its line."""
    if item.size > MAX_DOCUMENT_BYTES:
        message = f"document of {item.size} bytes is over the {MAX_DOCUMENT_BYTES} limit"
        contents.add_problem(Problem(item.line, message))
        return
    data = codec.parse_usable(item.body, labels)  # the usual document: read quickly, valid, of plain values
    plain = data is not None
    if data is None:
        try:
            data = codec.parse(item.body)  # the JSON short path, else the safe YAML loader
        except YAMLProblem as problem:
            contents.add_problem(Problem(item.line + (problem.line or 1), one_line(problem.problem, 200)))
            return
        except (ValueError, RecursionError) as error:
            # PyYAML's own conversions: an integer over the 4,300-digit limit, a date such as 2024-13-45
            message = f"unreadable value ({one_line(str(error).split(';')[0], 120)})"
            contents.add_problem(Problem(item.line, message))
            return
        wrong = codec.problem(data, labels)
        if wrong:
            contents.add_problem(Problem(item.line, wrong))
            return
    # With records, the record is decoded first: the entry takes its readings (the model's flags...) from it.
    records = contents.records
    if records is None:
        record = None
    else:
        record = codec.decode_plain(data, shared.parts) if plain else codec.decode(data, shared.parts)
    if contents.record_lines is not None and records is not None and record is not None:  # records only
        records.append(record)
        contents.record_lines.append(item.line)
        return
    contents.entries.append(
        Entry(data, item.line, path=path, offset=item.offset, size=item.size, keep=False, shared=shared, record=record)
    )
    if records is not None and record is not None:
        records.append(record)


def _check_retractions(contents: LogContents) -> None:
    if contents.record_lines is not None and contents.records is not None:  # records only
        made = {record.id for record in contents.records if isinstance(record, Decision)}
        for line, record in zip(contents.record_lines, contents.records, strict=True):
            if isinstance(record, Retraction) and record.retracts not in made:
                contents.add_problem(Problem(line, f"retracts unknown decision {codec.shown(record.retracts)}"))
        return
    decisions = {e.id for e in contents.entries if e.kind == "decision"}
    for entry in contents.entries:
        if entry.kind == "retraction" and entry.retracts not in decisions:
            contents.add_problem(Problem(entry.line, f"retracts unknown decision {codec.shown(entry.retracts)}"))


# -- repairing -------------------------------------------------------------------------------------------------
def repair(path: str | Path, label_ids: Iterable[str]) -> Path | None:
    """Move a torn last document into a side file and truncate the log after its last complete document.

    Returns the side file, or None when there was nothing to repair. The log is cut only once the side file
    holds every torn byte, is fsynced and its folder too; on any failure the log is left exactly as it was
    and a LogError says why. A file that is not a decision log is refused untouched."""
    path = Path(path)
    with locked(path, os.O_RDWR) as descriptor:
        try:
            with open(descriptor, "rb", closefd=False) as handle:  # the very file we hold the lock on
                contents = _read(handle, path, set(label_ids))
            size = os.fstat(descriptor).st_size
        except OSError as error:
            raise LogError(f"{path}: cannot read ({reason(error)})") from None
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
                f"({reason(error)}); run the repair again"
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
        fsync_folder(side.parent)
    except OSError as error:
        remove_quietly(side)
        raise LogError(
            f"{path}: not repaired: the torn part could not be saved to {side} ({reason(error)}); the log is unchanged"
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
                f"{path}: not repaired: cannot create the side file {side} ({reason(error)}); the log is unchanged"
            ) from None
    raise LogError(f"{path}: not repaired: too many side files named {path.name}.torn-{stamp}*; the log is unchanged")


def _copy_range(source: int, target: int, start: int, end: int) -> None:
    position = start
    while position < end:
        part = pread_exactly(source, min(_CHUNK, end - position), position)
        write_all(target, part)
        position += len(part)


def _verify_copy(source: int, target: int, start: int, end: int) -> None:
    """Read the side file back: its size and every byte must be the torn part's, or the log is not cut."""
    if os.fstat(target).st_size != end - start:
        raise IncompleteWrite(errno.EIO, "the side file's size is not the torn part's")
    position = 0
    while start + position < end:
        length = min(_CHUNK, end - start - position)
        if pread_exactly(target, length, position) != pread_exactly(source, length, start + position):
            raise IncompleteWrite(errno.EIO, "the side file does not read back as written")
        position += length
