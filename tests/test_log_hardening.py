"""The decision log never loses a byte and never bricks itself (issue 10): full disks, logs that are not torn,
symbolic links, documents over the reader's limit, values the parsers choke on, millions of stray lines.

Full disks are real here: a child process runs with ``RLIMIT_FSIZE`` (and SIGXFSZ ignored), so a write past
the limit fails with EFBIG exactly where a full disk fails with ENOSPC."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import resource
import signal
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MODERATOR_BIN, SAMPLES, CliResult, run_cli
from test_decision_log import LABELS, document

from moderator.log import (
    MAX_PROBLEMS,
    DecisionLog,
    LogError,
    append_document,
    read_log,
    render,
    repair,
)
from moderator.log import store as decisions

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock, rlimits and O_NOFOLLOW are POSIX")

SOURCE = SAMPLES / "bug-4127.csv"
TEXTS = ("Grüße aus Köln 🤡, ça va ?", "plain words", "日本語のコメント ✓")


def valid_log(count: int = 3) -> bytes:
    """Documents with multi-byte text, so that cuts also land inside a character."""
    return b"".join(render(document(n, ["demand"] if n % 2 else None, text=TEXTS[n % 3])) for n in range(count))


def boundaries(log: bytes) -> list[int]:
    """Offsets just after each document's '...' line."""
    ends, position = [], 0
    while (found := log.find(b"\n...\n", position)) >= 0:
        position = found + len(b"\n...\n")
        ends.append(position)
    return ends


def side_files(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.torn-*"))


def without_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that append hundreds of times to check content, not durability (fsync has its own test)."""
    monkeypatch.setattr(os, "fsync", lambda descriptor: None)


def one_line_error(result: subprocess.CompletedProcess[str] | CliResult, *parts: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def run_with_file_size_limit(args: list[str], limit: int) -> subprocess.CompletedProcess[str]:
    """Run a process whose writes past ``limit`` bytes of any file fail with EFBIG, like a full disk."""

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        args, capture_output=True, encoding="utf-8", env=env, preexec_fn=limit_file_size, timeout=180, check=False
    )


# -- repair on a full disk -------------------------------------------------------------------------------------


def torn_log(tmp_path: Path, torn_bytes: int = 22_000) -> tuple[Path, bytes, bytes]:
    """A log of valid documents and a torn last document of about ``torn_bytes`` bytes."""
    good = valid_log(2)
    torn = render(document(9, text="x" * torn_bytes))[:-10]
    path = tmp_path / "log.yaml"
    path.write_bytes(good + torn)
    return path, good, torn


@pytest.mark.parametrize("limit", [4096, 1])
def test_repair_on_a_full_disk_leaves_the_log_untouched(tmp_path: Path, limit: int) -> None:
    path, good, torn = torn_log(tmp_path)
    result = run_with_file_size_limit([str(MODERATOR_BIN), "log", "repair", str(path)], limit)
    one_line_error(result, str(path), "not repaired", "the log is unchanged")
    assert path.read_bytes() == good + torn  # not a byte lost
    assert side_files(path) == []  # no half side file that looks like a saved one


def test_repair_with_room_enough_under_the_same_limit_works(tmp_path: Path) -> None:
    """The control for the test above: the limit, not something else, is what made it fail."""
    path, good, torn = torn_log(tmp_path)
    result = run_with_file_size_limit([str(MODERATOR_BIN), "log", "repair", str(path)], len(torn) + 1)
    assert result.returncode == 0, result.stderr
    [side] = side_files(path)
    assert path.read_bytes() == good and side.read_bytes() == torn


def test_repair_survives_short_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, good, torn = torn_log(tmp_path)
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:777])))
    side = repair(path, LABELS)
    assert side is not None and side.read_bytes() == torn and path.read_bytes() == good


@pytest.mark.parametrize(
    "failure",
    ["enospc after 4096", "zero-byte write", "fsync fails"],
)
def test_repair_that_cannot_save_the_torn_part_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    path, good, torn = torn_log(tmp_path)
    real_write, written = os.write, [0]

    def full_disk(fd: int, data: bytes) -> int:
        if written[0] >= 4096:
            raise OSError(errno.ENOSPC, "No space left on device")
        count = real_write(fd, bytes(data[: 4096 - written[0]]))
        written[0] += count
        return count

    if failure == "enospc after 4096":
        monkeypatch.setattr(os, "write", full_disk)
    elif failure == "zero-byte write":
        monkeypatch.setattr(os, "write", lambda fd, data: 0)
    else:

        def failing_fsync(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(LogError, match="not repaired.*the log is unchanged") as info:
        repair(path, LABELS)
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    assert path.read_bytes() == good + torn and side_files(path) == []


def test_two_repairs_in_the_same_second_get_two_side_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class FrozenClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            return dt.datetime(2026, 11, 27, 10, 0, 0, tzinfo=tz)

    monkeypatch.setattr(decisions.dt, "datetime", FrozenClock)
    path = tmp_path / "log.yaml"
    good = valid_log(1)
    first_torn, second_torn = b"---\nschema: 1\nki", b'---\nschema: 1\nkind: "dec'
    path.write_bytes(good + first_torn)
    first = repair(path, LABELS)
    path.write_bytes(good + second_torn)
    second = repair(path, LABELS)
    assert first is not None and second is not None and first != second
    assert first.read_bytes() == first_torn and second.read_bytes() == second_torn  # the first was not overwritten
    assert path.read_bytes() == good


# -- logs that are not torn ------------------------------------------------------------------------------------


def not_torn_variants() -> dict[str, bytes]:
    log = valid_log(3)
    return {
        "trailing newline": log + b"\n",
        "trailing blank lines": log + b"\n \n\t\n\n",
        "trailing spaces without a line break": log + b"\n   ",
        "CRLF": log.replace(b"\n", b"\r\n"),
        "CRLF and a trailing blank line": log.replace(b"\n", b"\r\n") + b"\r\n",
        "BOM": b"\xef\xbb\xbf" + log,
        "BOM and CRLF": b"\xef\xbb\xbf" + log.replace(b"\n", b"\r\n"),
        "end lines with trailing blanks": log.replace(b"\n...\n", b"\n... \t\n"),
        "blank lines between documents": log.replace(b"\n---\n", b"\n\n\n---\n"),
    }


@pytest.mark.parametrize("variant", list(not_torn_variants()))
def test_a_log_that_is_not_torn_is_valid_for_every_command(
    tmp_path: Path, variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.yaml"
    original = not_torn_variants()[variant]
    path.write_bytes(original)
    contents = read_log(path, LABELS)
    assert contents.problems == [] and contents.torn_tail is None
    assert [e.data["comment"]["own_text"] for e in contents.entries] == [TEXTS[0], TEXTS[1], TEXTS[2]]
    assert repair(path, LABELS) is None and path.read_bytes() == original and side_files(path) == []
    # appending after it keeps every byte and yields a log that is valid again
    log = DecisionLog(path, LABELS)
    log.record(document(7))
    assert path.read_bytes().startswith(original)
    after = read_log(path, LABELS)
    assert after.problems == [] and len(after.entries) == 4
    assert after.entries[-1].data["comment"]["number"] == 7


def test_validate_decide_and_repair_agree_on_a_trailing_newline(tmp_path: Path) -> None:
    """The reproduced disagreement: validate said valid, decide said incomplete, repair said nothing to do."""
    path = tmp_path / "log.yaml"
    path.write_bytes(valid_log(2) + b"\n")
    assert run_cli("log", "validate", str(path)).returncode == 0
    repaired = run_cli("log", "repair", str(path))
    assert repaired.returncode == 0 and "no torn last document" in repaired.stdout
    decided = run_cli("decide", str(SOURCE), "--comment", "2", "--ok", "--log", str(path))
    assert decided.returncode == 0, decided.stderr
    assert run_cli("log", "validate", str(path)).returncode == 0
    assert len(read_log(path, LABELS).entries) == 3


def test_documents_without_end_lines_are_never_called_torn(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    original = valid_log(3).replace(b"\n...\n", b"\n")
    path.write_bytes(original)
    contents = read_log(path, LABELS)
    assert contents.torn_tail is None
    assert [p.message for p in contents.problems] == ["document without its '...' end line"] * 3
    with pytest.raises(LogError, match="does not end with a complete document"):  # the append agrees: not torn
        append_document(path, document(9))
    result = run_cli("log", "repair", str(path))
    one_line_error(result, "3 other problems remain")
    assert path.read_bytes() == original and side_files(path) == []
    validate = run_cli("log", "validate", str(path))
    assert validate.returncode == 1 and "torn" not in validate.stdout


def test_a_torn_document_after_complete_ones_is_still_torn(tmp_path: Path) -> None:
    """The other side of the rule above: '...' missing only at the very end is what a crash leaves."""
    path = tmp_path / "log.yaml"
    good = valid_log(2)
    path.write_bytes(good + render(document(5))[:-4])  # cut right before its '...' line
    assert read_log(path, LABELS).torn_tail == len(good)
    assert repair(path, LABELS) is not None and path.read_bytes() == good


@pytest.mark.parametrize(
    "content",
    [
        b"hello\nworld\n",
        b"hello",
        b"\x00\x00\x00\n\x00",
        b"# my decisions\n" + valid_log(1) + b"---\nschema: 1\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
        b"\xff\xfe-\x00-\x00-\x00\n\x00",
    ],
    ids=["text", "text without line break", "zero bytes", "comment line first", "png", "utf-16"],
)
def test_repair_refuses_files_that_are_not_logs(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    one_line_error(run_cli("log", "repair", str(path)), str(path))
    assert path.read_bytes() == content and side_files(path) == []
    assert run_cli("log", "validate", str(path)).returncode in (1, 2)


# -- the property: every cut of a valid log ---------------------------------------------------------------------


@pytest.mark.parametrize("style", ["LF", "CRLF", "BOM"])
def test_every_cut_is_repaired_to_exactly_the_complete_documents_before_it(
    tmp_path: Path, style: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For a valid log and every byte offset k: the file cut at k is repaired to exactly the complete documents
    before k, the side file holds exactly the rest, and an append is refused exactly when a tail is torn."""
    without_fsync(monkeypatch)
    log = valid_log(3)
    if style == "CRLF":
        log = log.replace(b"\n", b"\r\n")
    elif style == "BOM":
        log = b"\xef\xbb\xbf" + log
    first = 3 if style == "BOM" else 0  # the mark is not ours to cut: cuts start after it
    ends = [first] + [match.end() for match in re.finditer(rb"\n\.\.\.\r?\n", log)]
    assert len(ends) == 4
    for k in range(first, len(log) + 1):
        path = tmp_path / f"cut-{k}.yaml"
        path.write_bytes(log[:k])
        kept = max(e for e in ends if e <= k)
        contents = read_log(path, LABELS)
        torn = kept < k
        assert (contents.torn_tail is not None) == torn, k
        assert len(contents.problems) == (1 if torn else 0), (k, contents.problems)
        try:
            append_document(path, document(99))
            appended = True
        except LogError as error:
            assert "incomplete" in str(error) and "log repair" in str(error), k
            appended = False
        assert appended != torn, k
        if appended:
            after = read_log(path, LABELS)
            assert after.problems == [] and after.entries[-1].data["comment"]["number"] == 99, k
            continue
        side = repair(path, LABELS)
        assert side is not None, k
        assert path.read_bytes() == log[:kept], k
        assert side.read_bytes() == log[kept:k], k
        assert read_log(path, LABELS).problems == [], k
        side.unlink()


# -- symbolic links ----------------------------------------------------------------------------------------------


def test_a_symlinked_log_is_never_written_through(tmp_path: Path) -> None:
    other = tmp_path / "precious.txt"
    precious = b"---\nnot: a decision\n" + b"precious data " * 100
    other.write_bytes(precious)
    link = tmp_path / "log.yaml"
    link.symlink_to(other)
    with pytest.raises(LogError, match="symbolic link"):
        repair(link, LABELS)
    with pytest.raises(LogError, match="symbolic link"):
        append_document(link, document(1))
    with pytest.raises(LogError, match="symbolic link"):
        DecisionLog(link, LABELS)
    one_line_error(run_cli("log", "repair", str(link)), str(link), "symbolic link")
    one_line_error(run_cli("decide", str(SOURCE), "--comment", "2", "--ok", "--log", str(link)), "symbolic link")
    assert other.read_bytes() == precious and side_files(link) == []


def test_a_dangling_symlink_does_not_create_its_target(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.yaml"
    link = tmp_path / "log.yaml"
    link.symlink_to(target)
    with pytest.raises(LogError, match="symbolic link"):
        append_document(link, document(1))
    assert not target.exists()


# -- the writer keeps the reader's limits ---------------------------------------------------------------------


def test_a_document_over_the_limit_is_refused_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    path.write_bytes(valid_log(1))
    before = path.read_bytes()
    with pytest.raises(LogError) as info:
        append_document(path, document(2, text="x" * 9_500_000))
    message = str(info.value)
    assert "9,500,000 bytes of text" in message and f"{decisions.MAX_DOCUMENT_BYTES:,}" in message
    assert "\n" not in message
    assert path.read_bytes() == before
    assert read_log(path, LABELS).problems == []


def test_writer_and_reader_agree_on_the_limit_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = len(render(document(1, text="y"))) + 999
    monkeypatch.setattr(decisions, "MAX_DOCUMENT_BYTES", limit)
    path = tmp_path / "log.yaml"
    append_document(path, document(1, text="y" * 1000))  # exactly at the limit: written and read back
    assert path.stat().st_size == limit
    assert read_log(path, LABELS).problems == []
    with pytest.raises(LogError, match="over the decision log's limit"):
        append_document(path, document(2, text="y" * 1001))
    assert path.stat().st_size == limit and read_log(path, LABELS).problems == []


def test_decide_refuses_a_comment_too_big_for_the_log(tmp_path: Path) -> None:
    source = tmp_path / "big.jsonl"
    text = "word " * 1_900_000  # 9.5 MB
    source.write_text(
        f'{{"thread": "t", "number": 1, "text": "fine"}}\n{{"thread": "t", "number": 2, "text": "{text}"}}\n',
        encoding="utf-8",
    )
    path = tmp_path / "log.yaml"
    result = run_cli("decide", str(source), "--comment", "2", "--ok", "--log", str(path))
    one_line_error(result, str(path), "9,500,000 bytes", "8,388,608")
    assert not path.exists() or path.read_bytes() == b""
    decided = run_cli("decide", str(source), "--comment", "1", "--ok", "--log", str(path))
    assert decided.returncode == 0, decided.stderr  # the log took the next decision: nothing bricked


# -- a failed append leaves the log as it was -------------------------------------------------------------------

APPEND_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_decision_log import document
from moderator.log import LogError, append_document
try:
    append_document(sys.argv[1], document(5, text="z" * 20000))
except LogError as error:
    print(error)
    sys.exit(2)
"""


def test_an_append_on_a_full_disk_is_cut_back(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    path.write_bytes(valid_log(2))
    before = path.read_bytes()
    script = APPEND_SCRIPT.format(tests=str(Path(__file__).parent))
    result = run_with_file_size_limit([sys.executable, "-c", script, str(path)], len(before) + 4096)
    assert result.returncode == 2, result.stderr
    assert "not saved" in result.stdout and "Traceback" not in result.stderr
    assert path.read_bytes() == before  # the partial document was cut off again
    append_document(path, document(6))  # and the log takes the next decision
    assert len(read_log(path, LABELS).entries) == 3


def test_decide_on_a_full_disk_leaves_a_valid_log(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    path.write_bytes(valid_log(2))
    before = path.read_bytes()
    result = run_with_file_size_limit(
        [str(MODERATOR_BIN), "decide", str(SOURCE), "--comment", "2", "--ok", "--log", str(path)], len(before) + 100
    )
    one_line_error(result, "not saved")
    assert path.read_bytes() == before
    assert run_cli("decide", str(SOURCE), "--comment", "2", "--ok", "--log", str(path)).returncode == 0


def partial_then(error: OSError | None) -> Callable[[int, bytes], int]:
    real_write, calls = os.write, [0]

    def write(fd: int, data: bytes) -> int:
        calls[0] += 1
        if calls[0] > 1 and error is not None:
            raise error
        return real_write(fd, bytes(data[:100]))

    return write


def test_short_writes_still_append_the_whole_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.yaml"
    monkeypatch.setattr(os, "write", partial_then(None))
    append_document(path, document(1))
    append_document(path, document(2))
    monkeypatch.undo()
    assert path.read_bytes().count(b"\n...\n") == 2 and len(read_log(path, LABELS).entries) == 2


@pytest.mark.parametrize("failure", ["write", "fsync"])
def test_a_failed_append_is_cut_back_to_the_size_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    path = tmp_path / "log.yaml"
    path.write_bytes(valid_log(2) + b"\n")
    before = path.read_bytes()
    if failure == "write":
        monkeypatch.setattr(os, "write", partial_then(OSError(errno.ENOSPC, "No space left on device")))
    else:

        def failing_fsync(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(LogError, match="not saved"):
        append_document(path, document(3))
    monkeypatch.undo()
    assert path.read_bytes() == before
    append_document(path, document(4))
    assert len(read_log(path, LABELS).entries) == 3


# -- values the parsers choke on ----------------------------------------------------------------------------------

FIRST_LINE_OF_SECOND = valid_log(1).count(b"\n") + 1


def with_line(replace: bytes, by: bytes) -> bytes:
    good = render(document(1))
    assert replace in good
    return valid_log(1) + good.replace(replace, by, 1) + render(document(2))


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("huge int in schema", with_line(b"schema: 1", b"schema: " + b"1" * 5000), "4300 digits"),
        ("huge int in a comment", with_line(b'"number": 1', b'"number": ' + b"7" * 5000), "4300 digits"),
        ("huge hex int", with_line(b"schema: 1", b"schema: 0x" + b"f" * 5000), "4300 digits"),
        ("comment number as text", with_line(b'"number": 1', b'"number": "1"'), "comment number must be a whole"),
        ("bad date", with_line(b'when: "', b'when: 2024-13-45\nx_: "'), "month must be in 1..12"),
        ("bad date as text", with_line(b'when: "', b'when: "2024-13-45'), "when is not an ISO 8601 time"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else "",
)
def test_values_the_parsers_refuse_are_problems_of_their_document(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / "log.yaml"
    path.write_bytes(content)
    contents = read_log(path, LABELS)
    assert len(contents.entries) == 2 and len(contents.problems) == 1, contents.problems
    assert problem in contents.problems[0].message
    assert FIRST_LINE_OF_SECOND <= contents.problems[0].line < FIRST_LINE_OF_SECOND + 11  # in that document
    validate = run_cli("log", "validate", str(path))
    assert validate.returncode == 1 and problem in validate.stdout and "Traceback" not in validate.stderr
    one_line_error(run_cli("decide", str(SOURCE), "--comment", "2", "--ok", "--log", str(path)), str(path))


def test_problem_messages_from_the_file_are_terminal_safe(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    hostile_label = {**document(1), "decision": {"labels": ["\x1b[31mred\u202e"], "action": "flag", "note": ""}}
    hostile_key = b'---\nschema: 1\n"\\e]0;title\\a": 1\n...\n'  # YAML escapes: ESC and BEL in a key
    retraction = render({**document(3), "kind": "retraction", "retracts": "\x1b[2J\x9b", "decision": None})
    path.write_bytes(render(hostile_label) + hostile_key + retraction)
    contents = read_log(path, LABELS)
    messages = [p.message for p in contents.problems]
    assert len(messages) == 3, messages
    for message in messages:
        assert message.isprintable(), message
    assert "labels not in the taxonomy: \\x1b[31mred\\u202e" in messages[0]
    assert "unknown keys \\x1b]0;title\\x07" in messages[1]
    assert "retracts unknown decision \\x1b[2J\\x9b" in messages[2]


# -- memory stays bounded -------------------------------------------------------------------------------------------


def test_millions_of_stray_lines_are_one_problem_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    stray = 200_000
    with path.open("wb") as handle:
        handle.write(valid_log(1))
        handle.write(b"junk\n" * stray)
        handle.write(render(document(5)))
    tracemalloc.start()
    try:
        contents = read_log(path, LABELS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    first = FIRST_LINE_OF_SECOND
    assert [p.message for p in contents.problems] == [f"text outside any document (lines {first}-{first + stray - 1})"]
    assert len(contents.entries) == 2
    assert peak < 2_000_000, peak  # a pending entry and a problem per line took over 100 bytes per line


def test_problems_are_capped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    bad = MAX_PROBLEMS + 250
    path.write_bytes(
        b"".join(render({**document(n), "schema": 9}) + b"junk\n" for n in range(bad // 2))
        + b"".join(render({**document(n), "schema": 9}) for n in range(bad - bad // 2 * 2))
    )
    contents = read_log(path, LABELS)
    assert len(contents.problems) == MAX_PROBLEMS
    assert contents.problem_count == bad // 2 * 2 + (bad - bad // 2 * 2)
    lines = contents.problems
    assert [p.line for p in lines] == sorted(p.line for p in lines) and lines[0].line == 1
    validate = run_cli("log", "validate", str(path))
    printed = validate.stdout.strip().splitlines()
    assert validate.returncode == 1 and len(printed) == MAX_PROBLEMS + 1
    assert printed[-1] == f"{path}: and {contents.omitted_problems} more problems, not listed"


def test_a_line_without_end_is_never_held_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decisions, "MAX_DOCUMENT_BYTES", 100_000)
    path = tmp_path / "log.yaml"
    path.write_bytes(valid_log(1) + b"---\nnote: " + b"n" * 5_000_000 + b"\n...\n" + render(document(4)))
    tracemalloc.start()
    try:
        contents = read_log(path, LABELS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [p.message for p in contents.problems] == ["document of 5000015 bytes is over the 100000 limit"]
    assert len(contents.entries) == 2
    assert peak < 1_000_000, peak


# -- text that cannot be encoded --------------------------------------------------------------------------------------


def test_lone_surrogates_in_moderator_note_and_text_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    item = document(1, moderator="dana\ud800", text="half \udfff a pair")
    item["decision"]["note"] = "note \ud800 end"
    DecisionLog(path, LABELS).record(item)
    assert b"\\ud800" in path.read_bytes()
    [entry] = read_log(path, LABELS).entries
    assert entry.data["moderator"] == "dana\ud800" and entry.key[0] == "dana\ud800"
    assert entry.data["decision"]["note"] == "note \ud800 end" and entry.note == "note \ud800 end"
    assert entry.data["comment"]["own_text"] == "half \udfff a pair"
    stats = run_cli("log", "stats", str(path), "--json")
    assert stats.returncode == 0 and "dana\\ud800" in stats.stdout


def test_a_character_cut_in_half_at_the_end_is_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    good = valid_log(1)
    whole = render(document(2, text="Grüße"))
    cut = whole.index("ü".encode()) + 1  # between the two bytes of ü
    path.write_bytes(good + whole[:cut])
    assert read_log(path, LABELS).torn_tail == len(good)
    side = repair(path, LABELS)
    assert side is not None and side.read_bytes() == whole[:cut] and path.read_bytes() == good
    path.write_bytes(good + whole[:cut] + b"\n" + render(document(3)))  # not at the end: not UTF-8, refused
    with pytest.raises(LogError, match="not UTF-8"):
        read_log(path, LABELS)
