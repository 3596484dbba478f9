"""The ``moderator thread`` command as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_moderator

COMMENT_KEYS = {"number", "id", "author", "author_role", "created", "text", "own_text", "quotes", "reply_to", "tags"}


def test_help_lists_commands_with_examples() -> None:
    result = run_moderator("--help")
    assert result.returncode == 0
    assert "thread" in result.stdout and "examples:" in result.stdout


def test_thread_help_has_examples() -> None:
    result = run_moderator("thread", "--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and "--format" in result.stdout and "--json" in result.stdout


def test_table_shows_title_and_one_line_per_comment(samples: Path) -> None:
    result = run_moderator("thread", str(samples / "bug-4127.txt"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Quillstone Trust Services: Incident report for mis-issued certificates overdue"
    assert "Larchwood Root Store :: CA Certificate Compliance" in lines[1]
    rows = [l for l in lines if l[:4].strip().rstrip("+").isdigit() or l.strip().startswith("?")]
    assert len(rows) == 48
    assert any("#3" in row for row in rows)
    assert "markers of the following comments were missing" in result.stdout


def test_json_shape(samples: Path) -> None:
    result = run_moderator("thread", str(samples / "bug-4127.rest.json"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"thread", "comments"}
    assert data["thread"]["id"] == "4127" and data["thread"]["source"] == "bugzilla"
    assert data["thread"]["title"].startswith("Quillstone Trust Services")
    first = data["comments"][0]
    assert COMMENT_KEYS <= set(first)
    quoting = next(c for c in data["comments"] if c["quotes"])
    assert set(quoting["quotes"][0]) == {"comment", "text"}
    assert quoting["reply_to"] == [quoting["quotes"][0]["comment"]]
    assert quoting["own_text"] not in ("", quoting["text"])


def test_jsonl_with_several_threads_gives_threads_list(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    lines = [
        {"thread": "a#1", "title": "Alpha", "number": 0, "text": "first of alpha"},
        {"thread": "b#2", "title": "Beta", "number": 0, "text": "first of beta"},
        {"thread": "a#1", "number": 1, "text": "second of alpha"},
    ]
    path.write_text("\n".join(json.dumps(l) for l in lines) + "\n", encoding="utf-8")
    result = run_moderator("thread", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [t["thread"]["id"] for t in data["threads"]] == ["a#1", "b#2"]
    assert [c["text"] for c in data["threads"][0]["comments"]] == ["first of alpha", "second of alpha"]


@pytest.mark.parametrize(
    "name", ["bug-4127.yaml", "bug-4127.github.json", "bug-4127.mbox", "bug-4127.jsonl", "bug-4127.csv"]
)
def test_every_sample_format_prints(samples: Path, name: str) -> None:
    result = run_moderator("thread", str(samples / name))
    assert result.returncode == 0, result.stderr
    assert "Quillstone Trust Services" in result.stdout.splitlines()[0]


def test_module_entry_point(samples: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "moderator", "thread", str(samples / "bug-4127.csv")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0 and "49 comments" in result.stdout


@pytest.mark.parametrize(
    "command",
    [["thread"], ["score"], ["train"], ["evaluate"], ["review"], ["decide"], ["log"], ["log", "validate"],
     ["log", "stats"], ["log", "repair"]],
)
def test_every_command_has_help_with_examples(command: list[str]) -> None:
    result = run_moderator(*command, "--help")
    assert result.returncode == 0
    assert "example" in result.stdout and "moderator " + command[0] in result.stdout


def test_thread_table_states_the_import_notes(tmp_path: Path) -> None:
    """A thread whose issue cannot be known says so in the table, not only in --json."""
    from conftest import ROOT

    result = run_moderator("thread", str(ROOT / "tests" / "fixtures" / "github" / "no-url-comments.json"))
    assert result.returncode == 0, result.stderr
    assert "note: no URL in these comments names their issue" in result.stdout
