"""Streaming JSONL import (``moderator.sources.stream``): the threads and the errors of ``load_threads``, one thread
in memory at a time, every error before the first thread (so ``moderator score`` writes nothing for a bad file).

Memory is checked by counting (records decoded, bytes traced by tracemalloc on files of a few MB), never by time.
All files are built here.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy  # noqa: F401  (imported before memory is traced: the streaming reader uses it)
import pytest
from conftest import run_cli, traced_peak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation_core.errors import SourceError
from moderation_core.thread import Thread
from moderator.sources import load_threads, reading, stream
from moderator.sources.stream import iter_threads

SENTENCE = "The mirror moved last week and the nightly packaging job has not uploaded an artefact since then."


def outcome(load: Callable[[], Iterable[Thread]]) -> list[Thread] | str:
    """The threads, or the one-line error instead of them."""
    try:
        return list(load())
    except SourceError as error:
        assert "\n" not in str(error)
        return f"SourceError: {error}"


def same_as_load_threads(path: Path, format: str | None = None) -> list[Thread] | str:
    expected = outcome(lambda: load_threads(path, format))
    assert outcome(lambda: iter_threads(path, format)) == expected
    return expected


def jsonl_lines(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def interleaved(threads: int, per_thread: int, text: str = SENTENCE) -> list[dict[str, Any]]:
    """``per_thread`` comments in each of ``threads`` threads, the threads taking turns line by line."""
    return [
        {"thread": f"t{thread}", "author": f"user{number}", "text": f"{number}: {text}"}
        for number in range(per_thread)
        for thread in range(threads)
    ]


# Records of a few threads in any order: keys that are the same thread written differently (7 and "7"), no key at
# all (missing, null, empty), numbers given or not (so duplicates and numbering happen), optional fields, and
# now and then a line no importer takes.
_KEYS = st.sampled_from(["a", "b", "\u00e9t\u00e9", 7, "7", None, "", "missing"])
_RECORDS = st.lists(
    st.tuples(
        _KEYS,
        st.one_of(st.none(), st.integers(0, 6), st.just("missing")),
        st.text(max_size=30),
        st.sampled_from([None, "Title", ""]),
    ),
    min_size=1,
    max_size=25,
)
_ODD_LINES = ["", "   ", "[1, 2]", '{"thread": "a"}', '{"text": 5}', "{not json", '{"text": "x", "tags": 3}']


def _record(key: object, number: object, text: str, title: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {"text": text}
    if key != "missing":
        record["thread"] = key
    if number != "missing":
        record["number"] = number
    if title is not None:
        record["title"] = title
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=_RECORDS,
    odd=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(_ODD_LINES)), max_size=2),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
)
def test_interleaved_threads_stream_as_load_threads_imports_them(
    tmp_path: Path, records: list[tuple[Any, ...]], odd: list[tuple[int, str]], line_end: str, bom: bool
) -> None:
    lines = [json.dumps(_record(*fields)) for fields in records]
    for place, line in odd:
        lines.insert(place, line)
    path = tmp_path / "threads.jsonl"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + line_end.join(lines).encode("utf-8", "surrogatepass"))
    same_as_load_threads(path)
    same_as_load_threads(path, "jsonl")


def test_threads_come_in_order_of_first_appearance_with_their_comments_in_order(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    records = [
        {"thread": "b", "number": 2, "text": "b two"},
        {"thread": "a", "text": "a zero"},
        {"thread": "b", "number": 0, "text": "b zero", "title": "B"},
        {"thread": "a", "text": "a one"},
        {"thread": "c", "text": "c zero"},
        {"thread": "b", "text": "b three"},
    ]
    path.write_text(jsonl_lines(records), encoding="utf-8")
    threads = same_as_load_threads(path)
    assert isinstance(threads, list)
    assert [(t.id, t.title, [(c.number, c.text) for c in t.comments]) for t in threads] == [
        ("b", "B", [(0, "b zero"), (1, "b three"), (2, "b two")]),
        ("a", None, [(0, "a zero"), (1, "a one")]),
        ("c", None, [(0, "c zero")]),
    ]


def _big_file(tmp_path: Path, last_line: bytes) -> Path:
    """Over 2 MiB of good records (format detection reads only the start), 6,000 threads of 4 comments, thread
    after thread, then ``last_line``: a reader that did not check the whole file first would have scored and
    written thousands of threads before reaching it."""
    path = tmp_path / "late.jsonl"
    records = [
        {"thread": f"t{thread}", "text": f"{number}: {SENTENCE}"} for thread in range(6000) for number in range(4)
    ]
    body = jsonl_lines(records).encode("utf-8")
    assert len(body) > stream._HEAD_BYTES
    path.write_bytes(body + last_line + b"\n")
    return path


@pytest.mark.parametrize(
    "last_line",
    [
        b'{"thread": "t5999", "text": "cut short',
        b'{"thread": "t5999", "number": 2, "text": "a second comment 2"}',
        b'{"thread": "t5999", "text": "caf\xe9"}',
        b'{"thread": "t5999", "text": "a \x00 byte"}',
        b'["a list"]',
        b'{"thread": ["a", "list"], "text": "x"}',
    ],
    ids=["truncated", "duplicate-number", "latin-1", "nul", "not-an-object", "bad-thread"],
)
def test_a_bad_line_late_in_the_file_is_the_same_error_and_nothing_is_written(tmp_path: Path, last_line: bytes) -> None:
    path = _big_file(tmp_path, last_line)
    error = same_as_load_threads(path)
    assert isinstance(error, str) and error.startswith(f"SourceError: {path}:")
    result = run_cli("score", str(path), "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert [line for line in result.stderr.splitlines() if line] == [
        f"moderator: error: {error.removeprefix('SourceError: ')}"
    ]


def test_an_error_before_a_later_bad_line_is_the_one_named(tmp_path: Path) -> None:
    """The importer stops at the first bad record: a duplicate number before a line of broken JSON wins, a NUL
    byte anywhere wins over both (the importer looks for one before reading any line)."""
    good = jsonl_lines(interleaved(2, 3))
    duplicate = json.dumps({"thread": "t0", "number": 1, "text": "again"}) + "\n"
    path = tmp_path / "two.jsonl"
    path.write_text(good + duplicate + "{broken\n", encoding="utf-8")
    assert "duplicate comment number 1" in str(same_as_load_threads(path))
    path.write_text(good + duplicate + "{broken\n" + '{"text": "\x00"}\n', encoding="utf-8")
    assert "NUL byte" in str(same_as_load_threads(path))


def test_colliding_hashes_never_merge_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key hashing alike: the threads, their numbering and their errors are still those of their own keys."""
    monkeypatch.setattr(stream, "thread_key_hash", lambda key: 42)
    path = tmp_path / "collide.jsonl"
    records = [*interleaved(4, 3), {"text": "no thread"}, {"thread": "t2", "number": 7, "text": "seven"}]
    path.write_text(jsonl_lines(records), encoding="utf-8")
    threads = same_as_load_threads(path)
    assert isinstance(threads, list)
    assert [t.id for t in threads] == ["t0", "t1", "t2", "t3", None]
    assert [c.number for c in threads[2].comments] == [0, 1, 2, 7]
    # The same number in different threads is no duplicate; in one thread it still is.
    path.write_text(jsonl_lines([*records, {"thread": "t3", "number": 7, "text": "x"}]), encoding="utf-8")
    assert isinstance(same_as_load_threads(path), list)
    path.write_text(jsonl_lines([*records, {"thread": "t2", "number": 7, "text": "x"}]), encoding="utf-8")
    assert "duplicate comment number 7" in str(same_as_load_threads(path))


def test_threads_are_read_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted: the index pass decodes every record once; then each thread asked for decodes its own records, and
    nothing of the threads not asked for yet."""
    decoded: list[int] = []
    real_loads_line = stream.loads_line
    monkeypatch.setattr(stream, "loads_line", lambda *args: decoded.append(args[2]) or real_loads_line(*args))
    path = tmp_path / "five.jsonl"
    path.write_text(jsonl_lines(interleaved(5, 4)), encoding="utf-8")
    threads = iter_threads(path)
    assert len(decoded) == 20
    first = next(threads)
    assert first.id == "t0" and len(decoded) == 24 and decoded[20:] == [1, 6, 11, 16]
    assert len(list(threads)) == 4 and len(decoded) == 40


def _many_threads(path: Path, threads: int) -> Path:
    """``threads`` threads of 20 comments of about 1 KB, interleaved in pairs (so threads are read back by seeking)."""
    text = " ".join([SENTENCE] * 10)
    with path.open("w", encoding="utf-8") as out:
        for pair in range(0, threads, 2):
            out.write(jsonl_lines(interleaved(2, 20, text)).replace('"t0"', f'"p{pair}"').replace('"t1"', f'"q{pair}"'))
    return path


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Peak traced memory of streaming a file of 1 MB and of one 4 times as big: about the same (the index,
    some 100 bytes a record at its peak, is all that grows). load_threads' own peak grows with the file: the
    check can fail."""
    # 1 MB and 4 MB: big enough for the index to be all that grows; tracemalloc makes every MB cost seconds.
    small = _many_threads(tmp_path / "small.jsonl", 50)
    big = _many_threads(tmp_path / "big.jsonl", 200)
    assert big.stat().st_size > 3.9 * small.stat().st_size > 1_000_000

    def consume(path: Path) -> Callable[[], object]:
        # The format named: detection's own few MB (the start of the file, decoded) would hide what grows.
        return lambda: sum(len(thread.comments) for thread in iter_threads(path, "jsonl"))

    small_peak, big_peak = traced_peak(consume(small)), traced_peak(consume(big))
    assert big_peak < 2 * small_peak, (small_peak, big_peak)
    whole_small, whole_big = traced_peak(lambda: load_threads(small)), traced_peak(lambda: load_threads(big))
    assert whole_big > 2.5 * whole_small and whole_big > 4 * big_peak, (whole_small, whole_big, big_peak)


def test_the_file_limits_apply_to_each_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_COMMENTS", 5)
    path = tmp_path / "many.jsonl"
    path.write_text(jsonl_lines(interleaved(3, 4)), encoding="utf-8")  # 12 comments, 4 a thread
    with pytest.raises(SourceError, match="more than 5 comments in one file"):
        load_threads(path)
    assert [len(t.comments) for t in iter_threads(path)] == [4, 4, 4]
    path.write_text(jsonl_lines([*interleaved(3, 4), *interleaved(2, 2)]), encoding="utf-8")  # t0 and t1: 6 each
    with pytest.raises(SourceError) as info:
        iter_threads(path)
    assert (
        str(info.value)
        == f"{path}:15: thread 't0': more than 5 comments in one thread (the limit per thread); split the thread"
    )

    monkeypatch.setattr(reading, "MAX_COMMENTS", 500_000)
    monkeypatch.setattr(reading, "MAX_SOURCE_BYTES", 1000)
    path.write_text(jsonl_lines(interleaved(3, 4)), encoding="utf-8")  # about 150 bytes a record
    assert path.stat().st_size > 1000
    assert [len(t.comments) for t in iter_threads(path)] == [4, 4, 4]
    lines = jsonl_lines(interleaved(1, 12)).splitlines()
    over = next(n for n in range(1, 13) if sum(len(line.encode()) for line in lines[:n]) > 1000)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=rf":{over}: thread 't0': more than 1,000 bytes in one thread"):
        iter_threads(path)


@pytest.mark.parametrize(
    ("name", "content", "format"),
    [
        ("blank.jsonl", b" \n\t\n", "jsonl"),
        ("bom.jsonl", codecs.BOM_UTF8 + b"\n\n", "jsonl"),
        ("unicode-blank.jsonl", "\u3000\n".encode(), "jsonl"),
        ("thread.csv", b"thread,text\nt,hello\nt,again\n", None),
        ("utf16.jsonl", '{"thread": "t", "text": "hi"}\n'.encode("utf-16"), None),
        ("issue.json", b'[{"user": {"login": "ana"}, "body": "hi", "id": 1}]', None),
    ],
)
def test_other_files_import_as_load_threads_imports_them(
    tmp_path: Path, name: str, content: bytes, format: str | None
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    same_as_load_threads(path, format)


@pytest.mark.parametrize(
    "start",
    [
        b'{"thread": "t", "text": "' + b"long " * 250_000 + b'"}\n',  # a first line over 1 MiB: imported whole
        b'{"thread": "t", "text": "first"}\n{"text": "caf\xe9"}\n',  # a bad byte in the first MiB: detection's error
        b'{"thread": "t", "text": "first", "bugs": []}\n',  # a first record that is not only a comment
    ],
    ids=["long-first-line", "latin-1-early", "bugs-field"],
)
def test_the_start_of_a_big_file_is_told_as_detection_tells_it(tmp_path: Path, start: bytes) -> None:
    path = tmp_path / "start.jsonl"
    path.write_bytes(start + jsonl_lines(interleaved(3, 7000)).encode("utf-8"))
    assert path.stat().st_size > stream._HEAD_BYTES
    same_as_load_threads(path)


def test_a_fifo_is_refused_as_load_threads_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    with pytest.raises(SourceError) as streamed:
        iter_threads(path)
    assert str(streamed.value) == str(pytest.raises(SourceError, load_threads, path).value)
    assert "FIFO" in str(streamed.value)


def test_a_file_changed_between_the_readings_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "changing.jsonl"
    path.write_text(jsonl_lines(interleaved(2, 2)), encoding="utf-8")
    threads = iter_threads(path)
    path.write_text(jsonl_lines(interleaved(2, 2, "changed")), encoding="utf-8")
    with pytest.raises(SourceError, match="changed while it was read"):
        list(threads)
