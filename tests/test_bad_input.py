"""Bad input at the importer boundary: the ``moderator`` command answers with one line naming the file and the
problem, exit status 2, no traceback and no partial output. Through ``moderator.cli.main`` in this process
(``run_cli``: an exception escaping it fails the test), and end to end as the installed command for a missing file,
a directory and the terminal-escape table."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import exporters
import pytest
from conftest import run_cli, run_moderator

from moderation_core.errors import SourceError
from moderation_core.thread import Comment, Thread
from moderator.sources import load_threads

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.json": (b"", "empty file"),
    "blank.txt": (b"\n\n   \n", "empty file"),
    "picture.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
    "latin1.txt": ("Comment 1\u2022 hier\nCaf\u00e9 cr\u00e8me\n".encode("latin-1", "replace"), "not UTF-8 text"),
    "truncated.json": (b'{"bugs": {"12": {"comments": [{"count": 0, "text": "hel', "truncated JSON"),
    "other-shape.json": (b'{"name": "larchwood", "version": "1.2.3", "dependencies": {}}', "JSON of an unknown shape"),
    "duplicate.jsonl": (
        b'{"thread": "t", "number": 0, "text": "a"}\n{"thread": "t", "number": 0, "text": "b"}\n',
        "duplicate comment number 0",
    ),
    "dup-count.json": (
        b'{"bugs": {"5": {"comments": [{"count": 1, "text": "a"}, {"count": 1, "text": "b"}]}}, "comments": {}}',
        "duplicate comment number 1",
    ),
    "notes.txt": (
        b"Meeting notes\n\nWe agreed to ship on Tuesday.\nComment 3 was fine.\n",
        "unrecognised thread format",
    ),
    "jsonl-bad-line.jsonl": (b'{"text": "fine"}\n{"text": "cut off\n', "truncated JSON line"),
}


def _gh_comment(number: int, comment_id: int, **changes: object) -> dict[str, object]:
    comment: dict[str, object] = {
        "url": f"https://api.github.com/repos/tarnwick/kettle-sync/issues/comments/{comment_id}",
        "issue_url": f"https://api.github.com/repos/tarnwick/kettle-sync/issues/{number}",
        "id": comment_id,
        "user": {"login": "pim-larsen"},
        "body": "Still stalls on the nightly build.",
    }
    comment.update(changes)
    return comment


def _compact(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


_MAIL = (
    b"From a@x.example Mon Jan  5 09:00:00 2032\n"
    b"From: Ines <ines@x.example>\nSubject: Dup\nMessage-ID: <d@x.example>\n\n"
)
_OTHER_REPOSITORY = "https://api.github.com/repos/quillstone/ledger/issues/187"
_ISSUE_28 = {
    "number": 28,
    "title": "Sync stalls",
    "user": {"login": "wrenna-oakes"},
    "body": "It stalls.",
    "html_url": "https://github.com/tarnwick/kettle-sync/issues/28",
}
# The shapes people export, broken: the CLI answers each with one line naming the file and the position.
BAD_FILES.update(
    {
        "pages-cut.json": (_compact([_gh_comment(58, 1)]) + _compact([_gh_comment(58, 2)])[:60], "truncated JSON"),
        "gh-comments-not-list.json": (
            _compact({"number": 58, "title": "Sync stalls", "url": "https://github.com/o/r/issues/58", "comments": 3}),
            "'comments' must be a list of comment objects, found the number 3",
        ),
        "author-number.jsonl": (
            _compact(_gh_comment(58, 1)) + b"\n" + _compact(_gh_comment(58, 2, user=5)) + b"\n",
            "author-number.jsonl:2: 'user' must be an object with a 'login', found the number 5",
        ),
        "body-not-string.json": (
            _compact([[_gh_comment(58, 1)], [_gh_comment(58, 2, body={"text": "nested"})]]),
            "page 2 item [0]: 'body' must be a string",
        ),
        "other-repository.json": (
            _compact([_ISSUE_28, [_gh_comment(28, 1, issue_url=_OTHER_REPOSITORY)]]),
            "comment [0]: a comment of quillstone/ledger#187, not of tarnwick/kettle-sync#28",
        ),
        "bug-dump.jsonl": (
            b'{"id": 5, "summary": "s", "comments": [{"count": 0, "text": "a"}]}\n'
            b'{"id": 6, "summary": "t", "comments": 7}\n',
            "bug-dump.jsonl:2: bug 6: 'comments' must be a list",
        ),
        "conflicting.mbox": (
            _MAIL + b"One.\n\n" + _MAIL + b"Two.\n",
            "duplicate Message-ID <d@x.example> with different content",
        ),
    }
)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gets_one_line_error_and_exit_2(tmp_path: Path, name: str) -> None:
    content, problem = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("thread", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    assert problem in lines[0]
    assert "Traceback" not in result.stderr


def test_error_gives_the_line_of_a_truncated_document(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('[\n {"id": 1,\n  "body": "the end is near', encoding="utf-8")
    result = run_cli("thread", str(path))
    assert result.returncode == 2
    assert f"{path}:3:" in result.stderr


def test_binary_error_gives_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"abc\x00def")
    result = run_cli("thread", str(path))
    assert "byte 3" in result.stderr and result.returncode == 2


@pytest.mark.parametrize("args", [("thread", "/nonexistent/bug.json"), ("thread", "/tmp")])
def test_missing_file_and_directory(args: tuple[str, str]) -> None:
    result = run_moderator(*args)
    assert result.returncode == 2
    assert args[1] in result.stderr and "Traceback" not in result.stderr


def test_forced_wrong_format_is_an_error_not_a_partial_import(tmp_path: Path, samples: Path) -> None:
    result = run_cli("thread", str(samples / "bug-4127.txt"), "--format", "mbox")
    assert result.returncode == 2 and "not an mbox archive" in result.stderr
    result = run_cli("thread", str(samples / "bug-4127.rest.json"), "--format", "github-json")
    assert result.returncode == 2 and "not a GitHub issue comments export" in result.stderr


def test_unknown_format_name_is_a_usage_error(samples: Path) -> None:
    result = run_cli("thread", str(samples / "bug-4127.txt"), "--format", "docx")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def _sample_thread(text: str) -> Thread:
    comments = [
        Comment(
            number=0, text="Opening post about the release process.", author="Ana Ruiz", created="2026-01-01T00:00:00Z"
        ),
        Comment(number=1, text=text, author="Ben Ode", created="2026-01-02T00:00:00Z", id="2"),
        Comment(number=2, text="A short follow-up.", author="Ana Ruiz", created="2026-01-03T00:00:00Z", id="3"),
    ]
    return Thread(
        source="bugzilla",
        id="77",
        title="Release process",
        product="P",
        component="C",
        reporter="ana",
        assignee="ben",
        comments=comments,
    )


def _write_all_formats(tmp_path: Path, thread: Thread) -> dict[str, Path]:
    from datetime import datetime

    files = {
        "bugzilla-json": ("t.json", exporters.to_bugzilla_rest(thread)),
        "bugzilla-text": ("t.txt", exporters.to_page_copy(thread, now=datetime(2026, 6, 1, tzinfo=UTC))),
        "github-json": ("t.gh.json", exporters.to_github(thread)),
        "mbox": ("t.mbox", exporters.to_mbox(thread)),
        "jsonl": ("t.jsonl", exporters.to_jsonl([thread])),
        "csv": ("t.csv", exporters.to_csv([thread])),
        "yaml": ("t.yaml", exporters.to_yaml(thread)),
    }
    paths = {}
    for fmt, (name, content) in files.items():
        paths[fmt] = tmp_path / name
        paths[fmt].write_text(content, encoding="utf-8")
    return paths


def test_one_megabyte_comment_imports_in_every_format(tmp_path: Path) -> None:
    words = "the mirror rotation schedule needs another review before we sign off".split()
    lines = [" ".join(words[(i + j) % len(words)] for j in range(12)) + f" line {i}." for i in range(12_000)]
    text = "\n".join(lines)
    assert len(text.encode()) > 1_000_000
    for fmt, path in _write_all_formats(tmp_path, _sample_thread(text)).items():
        [thread] = load_threads(path, None)
        big = next(c for c in thread.comments if c.number == 1)
        assert " ".join(big.own_text.split()) == " ".join(text.split()), fmt


def test_fifty_megabyte_file_imports(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    body = ("We measured the cache hit rate again and it is still below target. " * 15).strip()
    with path.open("w", encoding="utf-8") as out:
        for thread in range(50):
            for number in range(1000):
                record = {"thread": f"t{thread}", "number": number, "text": f"{number}: {body}"}
                out.write(json.dumps(record) + "\n")
    assert path.stat().st_size >= 50_000_000
    threads = load_threads(path)
    assert len(threads) == 50 and all(len(t.comments) == 1000 for t in threads)


def test_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moderator.sources import reading

    monkeypatch.setattr(reading, "MAX_SOURCE_BYTES", 1000)
    path = tmp_path / "big.jsonl"
    path.write_text('{"text": "x"}\n' * 200, encoding="utf-8")
    with pytest.raises(SourceError, match="the limit is"):
        load_threads(path)


HOSTILE = "[bold]x[/bold] Look \x1b[31mRED\x1b[0m \x1b]0;pwned\x07 bell\x07 csi\x9b2J [@click=app.quit]q[/] \u202eevil"


def test_control_characters_are_kept_as_data_and_never_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps({"thread": "t", "text": HOSTILE}) + "\n", encoding="utf-8")
    [thread] = load_threads(path)
    assert thread.comments[0].text == HOSTILE

    table = run_moderator("thread", str(path))
    assert table.returncode == 0
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in table.stdout
    assert "\\x1b[31mRED" in table.stdout and "[bold]x[/bold]" in table.stdout

    as_json = run_cli("thread", str(path), "--json")
    assert as_json.returncode == 0
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in as_json.stdout
    assert json.loads(as_json.stdout)["comments"][0]["text"] == HOSTILE
