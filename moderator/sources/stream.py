"""Streaming import of JSONL thread files: one thread in memory at a time, whatever the size of the file.

``iter_threads(path, format=None)`` gives the threads ``load_threads`` gives, in the same order, equal field for
field, but one at a time. A JSONL file is read twice:

1. The index pass reads the file from start to end, one line at a time, in binary, and checks every record as the
   JSONL importer does (the same one-line errors naming the file and the line). It keeps, per record, only where
   its line is (byte offset, length, line number) and its comment number, and per run of consecutive records of
   one thread a 64-bit hash of the thread key and the key's bytes: 32 to 60 bytes a record in flat arrays, never
   a Python object per record. The checks that need a whole thread (numbering, duplicate numbers, the limits per
   thread) are then made on those arrays at once. Every error of the file is raised by this pass, before the
   first thread is given: a command that writes as threads arrive never writes half an output.
2. The threads are then assembled one at a time, in order of first appearance, by reading their records again
   (seeking to them: a thread spread over the whole file costs reads, not memory). Each thread goes through the
   importer's own ``ThreadCollector``, so its comments, their order and fields are those of ``load_threads``.

A hash collision never merges two threads: runs whose hashes are equal are compared by their key bytes before any
thread is numbered, and different keys become different threads.

Limits. ``load_threads`` refuses files over 256 MiB or 500,000 comments because it holds every thread of a file at
once (comments, segments and, for scoring, their results). Here only one thread is held at a time, so those
limits apply to each thread instead (a thread is what gets segmented and scored as a whole); the file's size only
costs the index: 32 to 60 bytes a record, about 100 at the peak of the whole-thread checks (150 MB for the
1.4 million records of a 1 GB export).

What is not streamed falls back to ``load_threads`` (its limits, its errors): other formats; JSON not told to be
JSONL by its first record alone (a first line over 1 MiB, a first record shaped like a Bugzilla or GitHub export);
UTF-16 files. Only regular files are read: a FIFO, a device or a socket is refused with the error ``load_threads``
gives, before a byte is read, as the records must be read a second time and a pipe cannot be (reading it whole
would be the memory this module saves). Standard input is not a source for these commands.
"""

from __future__ import annotations

import codecs
import multiprocessing
import os
import sys
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar, cast

from moderation_core.errors import NoThreadError, SourceError
from moderation_core.files import irregular_kind, irregular_kind_of_mode
from moderation_core.textsafe import one_line
from moderation_core.thread import Thread

# The importers' own helpers are reused so that detection and every check of a record are theirs, not copies that
# could drift.
from moderator.sources import (
    FIRST_LINE_PROBE,
    detect_format,
    first_line_record,
    is_plain_record,
    jsonl,
    load_threads,
    reading,
)
from moderator.sources.jsondocs import loads_line
from moderator.sources.reading import SourceText, check_no_nul, not_utf8, unreadable
from moderator.sources.records import MAX_COMMENT_NUMBER, Record, RecordValues, ThreadCollector, text_value

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Int64s = npt.NDArray[np.int64]

__all__ = ["iter_threads", "thread_key_hash"]

# Detection reads this much of the start of the file: the first MiB it decodes, and a first line starting in it
# and ending within a MiB of its start (what ``detect_format`` looks at to tell JSONL by its first record).
_HEAD_BYTES = 2 * FIRST_LINE_PROBE + 1024
_PASS_BUFFER = 1 << 20
# The second reading takes the records of a thread that lie close together in one read (a thread written as a
# block of lines, the usual export) instead of one read per record.
_READ_GAP = 64 * 1024
_READ_SPAN = 1 << 20
# Runs of records sharing a hash are compared with the first run of that hash this many at a time (bounded lists).
_COMPARE_CHUNK = 1 << 12
# The second reading takes the places of the records of this many (or of one bigger thread) at a time.
_CHUNK_RECORDS = 1 << 10
_NO_KEY_YET = object()
_BLANK = object()  # what _checked_record gives for a blank line


def thread_key_hash(key: str | None) -> int:
    """A 64-bit hash of a thread key (None: the records without one). Equal hashes are only a hint: keys are
    compared before two runs of records are taken as one thread."""
    return hash(key)


def iter_threads(path: str | Path, format: str | None = None) -> Iterator[Thread]:
    """The threads of the file at ``path``, in order of first appearance, one at a time.

    The whole file is read and checked before this returns: a :class:`SourceError` comes from this call, never
    from the iteration (unless the file changes between the two readings, which is then said)."""
    prepared = prepare(path, format)
    return iter(load_threads(Path(path), format)) if prepared is None else prepared.threads()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A JSONL file read and checked (the first of iter_threads' two readings): where each thread's records are."""

    source: SourceText
    status: os.stat_result
    plan: _Plan

    def threads(self) -> Iterator[Thread]:
        """The threads, each read when it is asked for (the second reading)."""
        return _assembled(self.source, self.status, self.plan)


def prepare(path: str | Path, format: str | None = None) -> Prepared | None:
    """The first reading of a JSONL file, or None for a file that is imported whole (another format, or JSONL in
    UTF-16). Raises the file's :class:`SourceError`, as iter_threads does."""
    path = Path(path)
    if format is not None and format != jsonl.FORMAT:
        return None
    with _open(path) as file:
        status = os.fstat(file.fileno())
        # Detection reads the start of the file; a named format only its byte-order mark. Not kept through the pass.
        start = _jsonl_start(path, file.read(_HEAD_BYTES if format is None else len(codecs.BOM_UTF8)), format)
        if start is None:
            return None
        source = SourceText(path, b"")  # for its errors and name: the bytes are read here, never held
        index = _checked_index(source, file, start, nonblank=start > 0)
    return Prepared(source, status, index)


T = TypeVar("T")

# A JSONL file at least this big has its first reading done in a process of its own while the caller does other
# work (iter_threads_beside): below it, starting the process would cost more than it saves.
BESIDE_BYTES = 8 << 20


def iter_threads_beside(path: str | Path, format: str | None, work: Callable[[], T]) -> tuple[Iterator[Thread], T]:
    """``iter_threads(path, format)`` and ``work()``, with the file's first reading (every record decoded and
    checked) run in a forked process while ``work`` runs here, where that can pay (a large file, on Linux).

    ``moderator score`` loads its model meanwhile: both take seconds on a large export, and neither needs the
    other. Errors come as if the file were read first: the file's own error before any error of ``work``."""
    path = Path(path)
    if not _worth_a_process(path, format):
        threads = iter_threads(path, format)
        return threads, work()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as helper:
        reading = helper.submit(_prepared_or_none, path, format)
        try:
            result = work()
        except BaseException:
            if reading.result() is None:
                iter_threads(path, format)  # the file's own error, if it has one, comes first
            raise
        prepared = reading.result()
    # None: a file imported whole, or one with an error, which reading it here raises exactly as ever (the other
    # process hands back no exception object: a plan or nothing)
    return (iter_threads(path, format) if prepared is None else prepared.threads()), result


def _worth_a_process(path: Path, format: str | None) -> bool:
    if sys.platform != "linux" or format not in (None, jsonl.FORMAT):
        return False
    try:
        return path.is_file() and path.stat().st_size >= BESIDE_BYTES
    except OSError:
        return False  # iter_threads says what is wrong with it


def _prepared_or_none(path: Path, format: str | None) -> Prepared | None:
    try:
        return prepare(path, format)
    except Exception:  # reading the file again in the caller raises it, with its own message
        return None


def _open(path: Path) -> BinaryIO:
    """``path`` opened for reading, refused as ``read_source`` refuses it: a FIFO or a device is never opened
    blocking (opened non-blocking, then checked again, in case it was swapped in after the first look)."""
    kind = irregular_kind(path)
    if kind is not None:
        raise SourceError(path, f"is {kind}, not a thread file")
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise unreadable(path, error) from None
    kind = irregular_kind_of_mode(os.fstat(descriptor).st_mode)
    if kind is not None:
        os.close(descriptor)
        raise SourceError(path, f"is {kind}, not a thread file")
    return os.fdopen(descriptor, "rb", buffering=_PASS_BUFFER)


def _jsonl_start(path: Path, head: bytes, format: str | None) -> int | None:
    """Where the records of a JSONL file start (after a byte-order mark), or None for a file to import whole.

    Without a format, a file read whole into ``head`` is told by ``detect_format`` itself; a longer one only by
    its first record (JSONL the detection of the whole file would then also see), decoding errors in the first
    MiB raised as detection raises them."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # decoded whole by the importer: rare, and within its limits
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    if format == jsonl.FORMAT:
        return start
    source = SourceText(path, head)
    if len(head) < _HEAD_BYTES:  # the whole file
        return start if head.strip() and detect_format(source) == jsonl.FORMAT else None
    if not source.head().strip():
        return None  # blanks past the first MiB: whatever it is, it is not one record per line
    first = first_line_record(source, source.first_line(FIRST_LINE_PROBE))
    if first is None or not is_plain_record(first) or detect_format(source) != jsonl.FORMAT:
        return None
    return start


# The index pass --------------------------------------------------------------------------------------------------


class _Index:
    """Where every record of a file is, and the thread key of each run of consecutive records of one thread.

    Flat arrays of 64-bit integers (``array('q')``: 8 bytes an entry, no object per record)."""

    __slots__ = ("offsets", "lengths", "lines", "numbers", "run_starts", "run_hashes", "key_ends", "keys", "nonblank")

    def __init__(self, *, nonblank: bool) -> None:
        self.offsets = array("q")  # byte offset of each record's line
        self.lengths = array("q")  # its length in bytes, line end left out
        self.lines = array("q")  # its line number, as the importer's errors give it
        self.numbers = array("q")  # its comment number; -1: none, numbered after the one before in its thread
        self.run_starts = array("q")  # the first record of each run of records with one key
        self.run_hashes = array("q")  # thread_key_hash of the run's key
        self.key_ends = array("q")  # where the run's key ends in ``keys`` (it starts where the one before ends)
        self.keys = bytearray()  # the keys of the runs one after another, UTF-8 (b"" for no key)
        self.nonblank = nonblank  # anything but ASCII blanks seen (read_source's test for an empty file)

    def add(self, offset: int, length: int, line: int, number: int | None) -> None:
        self.offsets.append(offset)
        self.lengths.append(length)
        self.lines.append(line)
        self.numbers.append(-1 if number is None else number)

    def start_run(self, key: str | None, key_hash: int) -> None:
        self.run_starts.append(len(self.offsets) - 1)
        self.run_hashes.append(key_hash)
        if key is not None:  # "" is never a key (an empty field is no key), so b"" stands for None
            self.keys += key.encode("utf-8", "surrogatepass")  # lone surrogates come from "\ud800" in JSON
        self.key_ends.append(len(self.keys))


def _checked_index(source: SourceText, file: BinaryIO, start: int, *, nonblank: bool) -> _Plan:
    """Every record of the file from ``start`` checked and indexed, or the error ``load_threads`` raises for it."""
    index = _Index(nonblank=nonblank)
    bad_line = _scan(source, file, start, index)
    plan = _plan(index)
    problem = _first_thread_problem(source, file, plan, _int64s(index.numbers))
    if problem is not None:  # before the bad line, if any: the importer would have stopped there first
        raise problem
    if bad_line is not None:
        raise bad_line
    if not len(index.offsets):
        if not index.nonblank:
            raise NoThreadError(source.path, "empty file: no thread in it")
        ThreadCollector(source, source_name=jsonl.FORMAT).threads()  # raises its "no comments" error
    return plan


def _scan(source: SourceText, file: BinaryIO, start: int, index: _Index) -> SourceError | None:
    """Index every record from byte ``start``, checked as the JSONL importer checks it; stop at the first bad line
    and return its error. A NUL byte anywhere is raised at once: the importer looks for one before any line."""
    file.seek(start)
    readline = file.readline
    key_hash = thread_key_hash  # looked up at each pass: a test replaces it
    # One collector checks every record (``check`` keeps nothing, so each is checked as if alone, as the importer's
    # checks of a record are made; what depends on the records before it in its thread is checked by _plan).
    check = ThreadCollector(source, source_name=jsonl.FORMAT).check
    add = index.add
    previous_key: object = _NO_KEY_YET
    position = start
    number = 0
    limit = reading.MAX_SOURCE_BYTES + 2  # a record longer than a thread may be, and its "\r\n"
    while raw := readline(limit):
        if 0 in raw:
            check_no_nul(source.path, raw, position)
        if not index.nonblank and raw.strip():
            index.nonblank = True
        if raw.endswith(b"\n"):
            end = len(raw) - 1
        elif len(raw) == limit:
            _check_rest_for_nul(source, file, position + len(raw))
            return SourceError(
                source.path,
                f"a line longer than {_size(reading.MAX_SOURCE_BYTES)} (the limit per thread)",
                line=number + 1,
            )
        else:
            end = len(raw)
        if end and raw[end - 1] == 0x0D:  # "\r\n"
            end -= 1
        content = raw[:end]
        for offset, piece in _pieces(content, position) if 0x0D in content else ((position, content),):
            number += 1
            try:
                key, comment_number = _checked_record(source, check, piece, offset, number)
            except SourceError as error:
                _check_rest_for_nul(source, file, position + len(raw))
                return error
            if key is _BLANK:
                continue
            add(offset, len(piece), number, comment_number)
            if key != previous_key:
                thread_key = cast("str | None", key)
                index.start_run(thread_key, key_hash(thread_key))
                previous_key = key
        position += len(raw)
    return None


def _pieces(content: bytes, position: int) -> Iterator[tuple[int, bytes]]:
    """(offset in the file, bytes) of the lines in ``content``, which old Mac line ends ("\\r") split, as in
    ``SourceText.lines``."""
    start = 0
    while (cut := content.find(b"\r", start)) != -1:
        yield position + start, content[start:cut]
        start = cut + 1
    yield position + start, content[start:]


def _checked_record(
    source: SourceText, check: Callable[[Record], RecordValues], piece: bytes, offset: int, line: int
) -> tuple[object, int | None]:
    """(thread key, comment number or None) of the record on a line, checked by ``check`` (the importer's
    collector's) as the importer checks it alone; ``_BLANK`` for a blank line."""
    try:
        text = piece.decode("utf-8")
    except UnicodeDecodeError as error:
        raise not_utf8(source.path, piece[error.start], offset + error.start, line) from None
    if not text.strip():
        return _BLANK, None
    value = loads_line(source, text, line)
    if not isinstance(value, dict):
        raise source.error(f"expected one JSON object per line, found {type(value).__name__}", line=line)
    _, key, _, comment_number, _ = check(Record(line, value))
    return key, comment_number


def _check_rest_for_nul(source: SourceText, file: BinaryIO, position: int) -> None:
    """Raise for a NUL byte after ``position``: a binary file is said to be one before any line is blamed."""
    file.seek(position)
    while chunk := file.read(_PASS_BUFFER):
        if 0 in chunk:
            check_no_nul(source.path, chunk, position)
        position += len(chunk)


# The threads, from the index -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    """The records of each thread, threads in order of first appearance: ``order[bounds[t]:bounds[t + 1]]`` are
    the records of thread ``t`` in file order."""

    offsets: Int64s
    lengths: Int64s
    lines: Int64s
    order: Int64s
    bounds: Int64s

    @property
    def thread_count(self) -> int:
        return len(self.bounds) - 1

    def records_of(self, thread: int) -> Int64s:
        return self.order[self.bounds[thread] : self.bounds[thread + 1]]


def _int64s(values: array[int]) -> Int64s:
    """A numpy view of ``values`` (no copy)."""
    import numpy as np  # numpy only where a JSONL file is streamed (``moderator thread`` starts without it)

    return np.frombuffer(values, dtype=np.int64) if len(values) else np.zeros(0, dtype=np.int64)


def _plan(index: _Index) -> _Plan:
    import numpy as np

    int64s = _int64s
    count = len(index.offsets)
    run_threads = _run_threads(index)
    run_lengths = np.diff(np.append(int64s(index.run_starts), count))
    thread_of_record = np.repeat(run_threads, run_lengths)
    order = np.argsort(thread_of_record, kind="stable")  # stable: records of a thread stay in file order
    bounds = np.concatenate(([0], np.cumsum(np.bincount(thread_of_record)))).astype(np.int64)
    return _Plan(int64s(index.offsets), int64s(index.lengths), int64s(index.lines), order, bounds)


def _run_threads(index: _Index) -> Int64s:
    """The thread of each run, threads numbered in order of first appearance. Runs are grouped by hash, and a run
    whose key differs from the first run of its hash (a collision) is a thread of its own key."""
    import numpy as np

    hashes = _int64s(index.run_hashes)
    _, first_run, groups = np.unique(hashes, return_index=True, return_inverse=True)
    labels = groups.astype(np.int64)
    shared = np.flatnonzero(first_run[groups] != np.arange(len(hashes)))  # runs after the first of their hash
    keys, key_ends = bytes(index.keys), index.key_ends
    colliding: dict[tuple[int, bytes], int] = {}
    for chunk_start in range(0, len(shared), _COMPARE_CHUNK):
        runs = shared[chunk_start : chunk_start + _COMPARE_CHUNK]
        for run, group, first in zip(runs.tolist(), groups[runs].tolist(), first_run[groups[runs]].tolist()):
            key = keys[key_ends[run - 1] if run else 0 : key_ends[run]]
            if key != keys[key_ends[first - 1] if first else 0 : key_ends[first]]:
                labels[run] = colliding.setdefault((group, key), len(first_run) + len(colliding))
    _, first_of_label, label_of_run = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first_of_label), dtype=np.int64)
    rank[np.argsort(first_of_label)] = np.arange(len(first_of_label))
    return rank[label_of_run]


def _first_thread_problem(source: SourceText, file: BinaryIO, plan: _Plan, numbers: Int64s) -> SourceError | None:
    """The error of the first record (in file order) that breaks a rule of its thread: a thread over the limits, or
    a comment number past the largest or used twice in the thread; None when there is none. Each check runs on its
    own so that its temporary arrays (a few per record) are freed before the next."""
    none = len(plan.order)  # no record: later than every record
    too_many, too_big = _first_over_limits(plan, none)
    misnumbered = _first_misnumbered(plan, numbers, none)
    record = min(too_many, too_big, misnumbered)
    if record == none:
        return None
    if record == too_many:
        return _thread_limit_error(source, file, plan, record, f"more than {reading.MAX_COMMENTS:,} comments")
    if record == too_big:
        return _thread_limit_error(source, file, plan, record, f"more than {_size(reading.MAX_SOURCE_BYTES)}")
    return _numbering_error(source, file, plan, record)


def _first_over_limits(plan: _Plan, none: int) -> tuple[int, int]:
    """The first record that is a thread's comment past the limit, and the first whose bytes take its thread past
    the limit (``none`` for none)."""
    import numpy as np

    sizes = np.diff(plan.bounds)
    thread_start = np.repeat(plan.bounds[:-1], sizes)  # for each place in ``order``: where its thread starts
    position = np.arange(len(plan.order)) - thread_start  # of each record in its thread
    too_many = _first(plan.order[position >= reading.MAX_COMMENTS], none)
    del position, thread_start
    thread_bytes = np.cumsum(plan.lengths[plan.order])
    before_thread = np.concatenate(([0], thread_bytes))[plan.bounds[:-1]]  # the bytes of the threads before
    thread_bytes -= np.repeat(before_thread, sizes)
    return too_many, _first(plan.order[thread_bytes > reading.MAX_SOURCE_BYTES], none)


def _first_misnumbered(plan: _Plan, numbers: Int64s, none: int) -> int:
    """The first record whose comment number is past the largest or taken by an earlier record of its thread.

    A record without a number follows the one before in its thread (the first is 0): its number is the last given
    number of the thread plus the records since, as ThreadCollector numbers it."""
    import numpy as np

    sizes = np.diff(plan.bounds)
    thread_start = np.repeat(plan.bounds[:-1], sizes)
    given = numbers[plan.order]
    place = np.arange(len(plan.order))
    last_given = np.maximum.accumulate(np.where(given >= 0, place, -1))
    assigned = np.where(
        last_given >= thread_start, given[np.maximum(last_given, 0)] + place - last_given, place - thread_start
    )
    del last_given, place, thread_start
    past_largest = _first(plan.order[(given < 0) & (assigned > MAX_COMMENT_NUMBER)], none)
    del given
    # Thread and number in one key (numbers stay below 2**32: at most the largest plus one per record); a stable
    # sort keeps the records of one key in file order, so each after the first of its key is a duplicate.
    key = np.repeat(np.arange(len(sizes), dtype=np.int64) << 32, sizes)
    key += assigned
    del assigned
    by_key = np.argsort(key, kind="stable")
    key = key[by_key]
    duplicates = by_key[1:][key[1:] == key[:-1]]
    return min(past_largest, _first(plan.order[duplicates], none))


def _first(records: Int64s, none: int) -> int:
    return int(records.min()) if len(records) else none


def _thread_limit_error(source: SourceText, file: BinaryIO, plan: _Plan, record: int, what: str) -> SourceError:
    key = text_value(source, _read_record(source, file, plan, record), "thread")
    where = f"thread {one_line(repr(key), 80)}: " if key else ""
    return source.error(
        f"{where}{what} in one thread (the limit per thread); split the thread", line=_line(plan, record)
    )


def _numbering_error(source: SourceText, file: BinaryIO, plan: _Plan, record: int) -> SourceError:
    """The importer's own error for ``record``: the records of its thread up to it, given to a collector."""
    import numpy as np

    thread = int(np.searchsorted(plan.bounds, np.flatnonzero(plan.order == record)[0], side="right")) - 1
    collector = ThreadCollector(source, source_name=jsonl.FORMAT)
    try:
        for earlier in plan.records_of(thread).tolist():
            collector.add(_read_record(source, file, plan, earlier))
            if earlier == record:
                break
    except SourceError as error:
        return error
    raise AssertionError(f"record {record} breaks no rule of its thread")  # the index and the collector disagree


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit:,} bytes"


def _line(plan: _Plan, record: int) -> int:
    return int(plan.lines[record])


def _read_record(source: SourceText, file: BinaryIO, plan: _Plan, record: int) -> Record:
    file.seek(int(plan.offsets[record]))
    text = file.read(int(plan.lengths[record])).decode("utf-8")
    line = _line(plan, record)
    return Record(line, loads_line(source, text, line))


# The second reading ----------------------------------------------------------------------------------------------


def _assembled(source: SourceText, status: os.stat_result, plan: _Plan) -> Iterator[Thread]:
    """The threads of ``plan``, each read when it is asked for; the file is opened on the first."""
    with _open(source.path) as file:
        for places, offsets, lengths, lines in _thread_chunks(plan):
            for thread in range(len(places) - 1):
                _check_unchanged(source, status, os.fstat(file.fileno()))
                start, end = places[thread], places[thread + 1]
                try:
                    yield _thread(source, file, offsets[start:end], lengths[start:end], lines[start:end])
                except RecursionError:  # as load_threads: the last resort for nesting nothing else refused
                    raise source.error("nested too deeply to import") from None


def _thread_chunks(plan: _Plan) -> Iterator[tuple[list[int], list[int], list[int], list[int]]]:
    """The threads of ``plan`` a few at a time, as plain lists (a numpy call or two for many threads instead of
    a few for each: a file of one-comment threads has as many threads as records): where the records of each
    thread start in the lists (and where the last one's end), and each record's offset, length and line.
    A chunk holds at most _CHUNK_RECORDS records, or one thread."""
    import numpy as np

    bounds = plan.bounds
    count = plan.thread_count
    first = 0
    while first < count:
        last = int(np.searchsorted(bounds, bounds[first] + _CHUNK_RECORDS, side="right")) - 1
        last = min(max(last, first + 1), count)
        records = plan.order[bounds[first] : bounds[last]]
        places = (bounds[first : last + 1] - bounds[first]).tolist()
        yield (
            places,
            plan.offsets[records].tolist(),
            plan.lengths[records].tolist(),
            plan.lines[records].tolist(),
        )
        first = last


def _thread(source: SourceText, file: BinaryIO, offsets: list[int], lengths: list[int], lines: list[int]) -> Thread:
    """The thread whose records are at ``offsets``, through the importer's own collector."""
    collector = ThreadCollector(source, source_name=jsonl.FORMAT)
    add = collector.add
    for text, line in zip(_record_texts(source, file, offsets, lengths), lines):
        value = loads_line(source, text, line)
        if not isinstance(value, dict):
            raise _changed(source)
        add(Record(line, value))
    threads = collector.threads()
    if len(threads) != 1:  # keys were compared by the index pass: the file has changed since
        raise _changed(source)
    return threads[0]


def _record_texts(source: SourceText, file: BinaryIO, offsets: list[int], lengths: list[int]) -> Iterator[str]:
    """The text of each record, records close together read in one go."""
    first, count = 0, len(offsets)
    while first < count:
        span_start, span_end = offsets[first], offsets[first] + lengths[first]
        last = first + 1
        while (
            last < count
            and span_end <= offsets[last] <= span_end + _READ_GAP
            and offsets[last] + lengths[last] - span_start <= _READ_SPAN
        ):
            span_end = offsets[last] + lengths[last]
            last += 1
        file.seek(span_start)
        block = file.read(span_end - span_start)
        if len(block) != span_end - span_start:
            raise _changed(source)
        for offset, length in zip(offsets[first:last], lengths[first:last]):
            try:
                yield block[offset - span_start : offset - span_start + length].decode("utf-8")
            except UnicodeDecodeError:
                raise _changed(source) from None
        first = last


def _check_unchanged(source: SourceText, before: os.stat_result, now: os.stat_result) -> None:
    if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise _changed(source)


def _changed(source: SourceText) -> SourceError:
    return source.error("the file changed while it was read; import a copy that does not change")
