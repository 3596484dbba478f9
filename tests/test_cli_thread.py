"""The ``moderator thread`` command as a user runs it, and the help of every command.

Most runs call ``moderator.cli.main`` in this process (``run_cli``); a few run the installed command
(``run_moderator``) end to end: the table, the entry points, a decision's error, and what start-up imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, run_moderator

from moderation_core.taxonomy import load_taxonomy

COMMENT_KEYS = {
    "number",
    "id",
    "node_id",
    "author",
    "author_role",
    "created",
    "text",
    "own_text",
    "quotes",
    "reply_to",
    "tags",
}


def test_help_lists_commands_with_examples() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "thread" in result.stdout and "examples:" in result.stdout


def test_thread_help_has_examples() -> None:
    result = run_cli("thread", "--help")
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
    result = run_cli("thread", str(samples / "bug-4127.rest.json"), "--json")
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
    result = run_cli("thread", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [t["thread"]["id"] for t in data["threads"]] == ["a#1", "b#2"]
    assert [c["text"] for c in data["threads"][0]["comments"]] == ["first of alpha", "second of alpha"]


@pytest.mark.parametrize(
    "name", ["bug-4127.yaml", "bug-4127.github.json", "bug-4127.mbox", "bug-4127.jsonl", "bug-4127.csv"]
)
def test_every_sample_format_prints(samples: Path, name: str) -> None:
    result = run_cli("thread", str(samples / name))
    assert result.returncode == 0, result.stderr
    assert "Quillstone Trust Services" in result.stdout.splitlines()[0]


def test_module_entry_point(samples: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "moderator", "thread", str(samples / "bug-4127.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "49 comments" in result.stdout


def every_command() -> list[list[str]]:
    """Every command and subcommand the parser knows (a new one is covered without editing this list)."""
    import argparse

    from moderator.cli import build_parser

    def commands(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
        found = []
        for action in parser._actions:  # argparse keeps subcommands only there
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append([*prefix, name])
                    found += commands(sub, [*prefix, name])
        return found

    return commands(build_parser(), [])


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_every_command_has_help_with_examples(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "example" in result.stdout and "moderator " + command[0] in result.stdout


def test_thread_table_states_the_import_notes(tmp_path: Path) -> None:
    """A thread whose issue cannot be known says so in the table, not only in --json."""
    from conftest import ROOT

    result = run_cli("thread", str(ROOT / "tests" / "fixtures" / "github" / "no-url-comments.json"))
    assert result.returncode == 0, result.stderr
    assert "note: no URL in these comments names their issue" in result.stdout


def test_an_error_message_is_one_escaped_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Messages quote files and arguments: whatever they hold, the terminal gets one line it shows, never obeys."""
    from moderation_core.errors import ModeratorError
    from moderator import cli
    from moderator.cli import thread

    def hostile(args: object) -> int:
        raise ModeratorError("log.yaml:3: unknown keys a\nb\x1b[31m\x9b2J\x07 \ud800\u202e")

    monkeypatch.setattr(thread, "run", hostile)
    assert cli.main(["thread", "x"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "moderator: error: log.yaml:3: unknown keys a b\\x1b[31m\\x9b2J\\x07 \\ud800\\u202e\n"


def test_argparse_complaints_are_escaped() -> None:
    result = run_cli("thread", "bug.json", "\x1b[31mred\x07")
    assert result.returncode == 2
    assert "unrecognized arguments: \\x1b[31mred\\x07" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("da\x1bna", "\\x1b"),
        ("da\nna", "\\n"),
        ("da\u202ena", "\\u202e"),
        ("dana\udcff", "not UTF-8 text (byte 0xff)"),
    ],
)
def test_unusable_moderator_names_are_refused(given: str, problem: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from moderation_core.errors import UsageError
    from moderator import config

    with pytest.raises(UsageError, match="^--moderator: ") as flag:
        config.moderator_name(given)
    assert problem in flag.value.message
    monkeypatch.setenv("MODERATOR_NAME", given)
    with pytest.raises(UsageError, match=r"^\$MODERATOR_NAME: "):
        config.moderator_name(None)


def test_moderator_name_order_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    from moderator import config

    monkeypatch.setenv("MODERATOR_NAME", " from-env ")
    assert config.moderator_name(" dana ") == "dana"
    assert config.moderator_name(None) == "from-env"
    monkeypatch.delenv("MODERATOR_NAME")
    assert config.moderator_name(None)  # the login name


def test_decide_refuses_contradictions_before_reading_anything(tmp_path: Path, samples: Path) -> None:
    """--ok with an action against the comment, and an unusable name, are refused in one line; the log stays as
    it was (here: never created)."""
    log = tmp_path / "log.yaml"
    for options, says in (
        (["--ok", "--action", "escalate"], "--ok contradicts --action escalate"),
        (["--ok", "--moderator", ""], "--moderator: the name is empty"),
    ):
        result = run_cli("decide", str(samples / "bug-4127.csv"), "--comment", "2", *options, "--log", str(log))
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and says in result.stderr, result.stderr
        assert not log.exists()


def test_decide_on_a_thread_without_comment_numbers(tmp_path: Path) -> None:
    source = tmp_path / "bug.json"
    source.write_text('{"bugs": [{"id": 7, "summary": "Release", "comments": []}]}', encoding="utf-8")
    result = run_moderator("decide", str(source), "--comment", "0", "--ok", "--log", str(tmp_path / "log.yaml"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and str(source) in result.stderr
    assert "Traceback" not in result.stderr


def test_thread_json_is_written_a_comment_at_a_time_with_the_same_text() -> None:
    """``thread --json`` streams its output (a 250 MB export is never one string); the text is exactly what one
    ``dumps(..., indent=2)`` of the whole document gives, for one thread, several, and a thread without comments."""
    from moderation_core.textsafe import dumps
    from moderation_core.thread import Comment, Thread
    from moderator.cli.thread import thread_json, threads_json
    from moderator.sources import load_threads

    sample = load_threads(Path(__file__).parent.parent / "moderator" / "samples" / "bug-4127.txt")[0]
    odd = Thread(
        source="jsonl",
        id="t\x1b",
        title='quote " and \\ and \u2028',
        comments=[Comment(number=1, author="a\nb", text="line\nnext \ud800")],
    )
    empty = Thread(source="jsonl", id="e", comments=[])
    for thread in (sample, odd, empty):
        assert "".join([*thread_json(thread, 0), "\n"]) == dumps(thread.to_dict(), indent=2) + "\n"
    several = [sample, odd, empty]
    assert "".join(threads_json(several)) == dumps({"threads": [t.to_dict() for t in several]}, indent=2) + "\n"


def test_the_thread_command_starts_without_the_heavy_libraries(samples: Path) -> None:
    """``moderator thread`` is the quick look at a file: numpy, scikit-learn and textual (seconds of start-up) are
    imported only by the commands that use them, inside their ``run``. A process of its own: what is imported at
    start-up is what this checks."""
    import subprocess
    import sys

    heavy = ("numpy", "scipy", "sklearn", "joblib", "textual", "rich")
    script = "\n".join(
        [
            "import sys",
            "from moderator.cli import main",
            "try:",
            "    main(sys.argv[1:])",
            "finally:  # --help leaves through SystemExit",
            f"    print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)",
        ]
    )
    for command in (["thread", str(samples / "bug-4127.csv")], ["models", "list"], ["log", "stats", "--help"]):
        result = subprocess.run([sys.executable, "-c", script, *command], capture_output=True, text=True, check=False)
        assert result.returncode == 0 and result.stdout, result.stderr
        assert result.stderr.splitlines()[-1] == "[]", (command, result.stderr)
    # ...and it can fail: scoring needs them.
    scoring = ["score", str(samples / "bug-4127.csv")]
    result = subprocess.run([sys.executable, "-c", script, *scoring], capture_output=True, text=True, check=False)
    assert "sklearn" in result.stderr.splitlines()[-1]


def test_the_in_process_runner_sees_what_the_command_prints(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run_cli`` (most tests) reports the exit status, output and errors the installed command gives, for a
    table, a JSON document, an error of ours, argparse's own refusal and its SystemExit from --version."""
    monkeypatch.setenv("COLUMNS", "100")  # one width for both (a captured run has no terminal to ask)
    broken = tmp_path / "broken.json"
    broken.write_text('{"bugs": ', encoding="utf-8")
    for args in (
        ["thread", str(samples / "bug-4127.txt")],
        ["thread", str(samples / "bug-4127.mbox"), "--json"],
        ["thread", str(broken)],
        ["thread", str(broken), "--format", "docx"],
        ["--version"],
    ):
        in_process, own_process = run_cli(*args), run_moderator(*args)
        assert (in_process.returncode, in_process.stdout, in_process.stderr) == (
            own_process.returncode,
            own_process.stdout,
            own_process.stderr,
        ), args


def test_decide_keeps_the_comments_thread_context(tmp_path: Path, samples: Path) -> None:
    from moderator.log import read_log
    from moderator.scoring import comment_inputs
    from moderator.sources import load_thread

    log = tmp_path / "log.yaml"
    result = run_cli("decide", str(samples / "bug-4127.csv"), "--comment", "3", "--ok", "--log", str(log))
    assert result.returncode == 0, result.stderr
    (entry,) = read_log(log, load_taxonomy().ids).entries
    thread = load_thread(samples / "bug-4127.csv")
    expected = list(comment_inputs(thread))[[c.number for c in thread.comments].index(3)].context
    assert expected and entry.load().comment.context == expected  # type: ignore[union-attr]
