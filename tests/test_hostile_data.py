"""Hostile labeled data (issue 10): the JSONL files of ``moderator train --corpus`` and ``moderator evaluate --data``.

Every input is built here in code. A bad file is one line naming the file, the line and the field, exit status 2,
no traceback, never a silently wrong result (``"uncivil": "false"`` is not uncivil), and never a NaN.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli, run_moderator

from classifiers import data
from classifiers.data import load_labeled_jsonl, read_jsonl, read_labeled_file
from moderation_core.errors import DataError

GOOD = {"text": "Thanks, that fixed it.", "uncivil": False}
RUDE = {"text": "You clueless idiot, this is garbage.", "uncivil": True, "category": "insulting"}


def write_lines(path: Path, *records: object) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    """The one-line message reading ``path`` as labeled data raises."""
    with pytest.raises(DataError) as caught:
        load_labeled_jsonl(path)
    message = caught.value.message
    assert "\n" not in message and "\x1b" not in message
    assert message.startswith(str(path))
    return message


def assert_one_line_error(result: Any, *parts: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    # progress lines of 'moderator train' aside, exactly one line: the error
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("moderator train: ")]
    assert len(lines) == 1 and lines[0].startswith("moderator: error: "), result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])


def never_nan(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def bundled_model() -> Any:
    from classifiers.persist import DEFAULT_MODEL_DIR, load_model

    return load_model(DEFAULT_MODEL_DIR)[0]


# -- what the path is --------------------------------------------------------------------------------------


def test_directory_and_missing_file_are_one_line(tmp_path: Path) -> None:
    assert "is a directory" in refusal(tmp_path)
    assert "no such file" in refusal(tmp_path / "absent.jsonl")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert "is a FIFO (named pipe)" in refusal(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_unread(device: str) -> None:
    with pytest.raises(DataError, match="is a character device"):
        load_labeled_jsonl(device)


def test_permission_denied_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_lines(tmp_path / "locked.jsonl", GOOD)

    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", denied)  # root can read any file: simulate the refusal instead
    assert refusal(path) == f"{path}: permission denied"


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.truncate(data.MAX_LABELED_BYTES + 1)  # sparse: no disk used, and nothing in it is ever parsed
    assert "the limit is 64 MiB" in refusal(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_cli_refuses_fifo_device_and_oversized_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as handle:
        handle.truncate(252_000_000)
    for path, problem in [(fifo, "is a FIFO"), (huge, "the limit is 64 MiB")]:
        # a process with a timeout, only as a hang guard: reading a FIFO waits forever for a writer, and a file
        # that was not refused would be read whole
        assert_one_line_error(run_moderator("evaluate", "--data", str(path), timeout=120), str(path), problem)
    assert_one_line_error(run_cli("evaluate", "--data", str(tmp_path)), str(tmp_path), "is a directory")


# -- what the lines hold ---------------------------------------------------------------------------------------


def test_integer_over_4300_digits_is_one_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "big.jsonl", GOOD, '{"text": "a", "uncivil": false, "number": ' + "9" * 5000 + "}")
    message = refusal(path)
    assert message.startswith(f"{path}:2:") and "9999" not in message


def test_deep_nesting_is_one_line(tmp_path: Path) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    path = write_lines(tmp_path / "deep.jsonl", '{"text": "a", "uncivil": false, "x": ' + nested + "}")
    assert refusal(path).startswith(f"{path}:1: invalid JSON")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"text": "a", "uncivil": tru', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('"just a string"', "expected a JSON object"),
    ],
)
def test_malformed_lines_name_the_line(tmp_path: Path, line: str, problem: str) -> None:
    path = write_lines(tmp_path / "bad.jsonl", GOOD, GOOD, line)
    message = refusal(path)
    assert message.startswith(f"{path}:3: ") and problem in message


def test_bytes_that_are_not_utf8_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b'\n{"text": "caf\xe9", "uncivil": false}\n')
    assert refusal(path).startswith(f"{path}:2: not UTF-8")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    assert [e.concern for e in load_labeled_jsonl(path)] == [False]


MARKER = "\x1b[31mSECRET\nVALUE"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thread", [1]),
        ("thread", {"a": 1}),
        ("thread", 1.5),
        ("thread", True),
        ("uncivil", "false"),
        ("uncivil", "true"),
        ("uncivil", 0),
        ("uncivil", 1),
        ("uncivil", None),
        ("uncivil", MARKER),
        ("number", "1"),
        ("number", -1),
        ("number", 1.5),
        ("number", True),
        ("number", 10**12),
        ("title", 5),
        ("title", [MARKER]),
        ("category", ["insulting"]),
        ("category", 3),
        ("id", [1]),
        ("text", 5),
        ("text", {"body": MARKER}),
    ],
)
def test_a_field_of_the_wrong_type_names_line_and_field(tmp_path: Path, field: str, value: object) -> None:
    """Never guessed at: ``bool("false")`` is True, which would count a civil comment as uncivil."""
    path = write_lines(tmp_path / "typed.jsonl", GOOD, {**GOOD, field: value})
    message = refusal(path)
    assert message.startswith(f"{path}:2: '{field}' must be "), message
    assert "SECRET" not in message  # the field is named, its value is not echoed


def test_missing_fields_name_the_line(tmp_path: Path) -> None:
    assert "no 'text' field" in refusal(write_lines(tmp_path / "a.jsonl", GOOD, {"body": "x", "uncivil": False}))
    unlabeled = write_lines(tmp_path / "b.jsonl", GOOD, {"text": "x"})
    assert refusal(unlabeled) == f"{unlabeled}:2: no 'uncivil' label"


def test_null_text_is_skipped_but_a_file_without_comments_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "deleted.jsonl", {"text": None, "uncivil": False}, GOOD)
    assert len(load_labeled_jsonl(path)) == 1
    for name, lines in [("empty.jsonl", ()), ("blank.jsonl", ("", "  ")), ("null.jsonl", ({"text": None},))]:
        path = tmp_path / name
        path.write_text("\n".join(l if isinstance(l, str) else json.dumps(l) for l in lines), encoding="utf-8")
        assert "no labeled comments" in refusal(path)


def test_lone_surrogates_in_text_are_read_and_scored(tmp_path: Path, bundled_model: Any) -> None:
    from classifiers.evaluation import evaluate_file

    path = write_lines(
        tmp_path / "surrogates.jsonl",
        '{"text": "lone \\ud800 high", "uncivil": true, "thread": "t\\udfff", "number": 0, "title": "\\udc00"}',
        '{"text": "and \\udfff low", "uncivil": false, "thread": "t\\udfff", "number": 1}',
    )
    examples = load_labeled_jsonl(path)
    assert [e.input.text for e in examples] == ["lone \ud800 high", "and \udfff low"]
    assert examples[1].input.context == "lone \ud800 high"
    result = evaluate_file(bundled_model, path)
    assert result["comments"] == 2 and result["uncivil"] == 1


def test_too_many_categories_is_refused_at_the_line(tmp_path: Path) -> None:
    records = [{**RUDE, "category": f"kind {i}"} for i in range(data.MAX_CATEGORIES + 1)]
    path = write_lines(tmp_path / "kinds.jsonl", GOOD, *records)
    assert refusal(path).startswith(f"{path}:{data.MAX_CATEGORIES + 2}: more than {data.MAX_CATEGORIES} distinct")


def test_training_refuses_more_comments_than_it_can_hold(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "many.jsonl", *([GOOD] * 4))
    with pytest.raises(DataError, match=r"many.jsonl:4: more than 3 comments; training reads at most 3"):
        load_labeled_jsonl(path, max_comments=3)
    assert len(read_labeled_file(path)) == 4  # evaluation streams: no such cap


def test_lines_are_read_one_at_a_time(tmp_path: Path) -> None:
    """A bad line stops the reading there: what follows it is never parsed (the file is not read whole)."""
    path = write_lines(tmp_path / "stream.jsonl", GOOD, "{not json", *([GOOD] * 1000))
    reader = read_jsonl(path)
    assert next(reader)[0] == 1
    with pytest.raises(DataError, match=":2: invalid JSON"):
        next(reader)


def test_data_error_is_one_visible_line() -> None:
    error = DataError(f"file{MARKER}: problem \u202e \ud800")
    assert "\n" not in error.message and "\x1b" not in error.message and "\u202e" not in error.message
    assert "\\x1b" in error.message and "\\x0a" in error.message and "\\ud800" in error.message
    error.message.encode("utf-8")  # no lone surrogate left to crash a write


# -- thread context and batches keep their meaning ----------------------------------------------------------


def test_thread_context_is_the_opening_post_and_the_previous_comment(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "thread.jsonl",
        {"text": "second reply", "uncivil": False, "thread": "t", "number": 2},
        {"text": "opening post", "uncivil": False, "thread": "t", "number": 0},
        {"text": None, "uncivil": False, "thread": "t", "number": 1},  # deleted: still the previous comment
        {"text": "third reply", "uncivil": True, "thread": "t", "number": 3},
        {"text": "elsewhere", "uncivil": False, "thread": "u", "number": 5},
        {"text": "loose", "uncivil": False},
    )
    contexts = {e.input.text: e.input.context for e in load_labeled_jsonl(path)}
    assert contexts == {
        "second reply": "opening post\n",
        "opening post": "",
        "third reply": "opening post\nsecond reply",
        "elsewhere": "",
        "loose": "",
    }


def test_scoring_in_batches_gives_the_figures_of_one_pass(
    tmp_path: Path, bundled_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from classifiers import evaluation

    records = []
    for i in range(25):
        records.append({**RUDE, "text": f"{RUDE['text']} number {i}", "thread": f"t{i % 4}", "number": i})
        records.append({**GOOD, "text": f"{GOOD['text']} number {i}", "thread": f"t{i % 4}", "number": 100 + i})
    path = write_lines(tmp_path / "mixed.jsonl", *records)
    whole = evaluation.evaluate_file(bundled_model, path)
    monkeypatch.setattr(evaluation, "SCORING_BATCH", 7)
    assert evaluation.evaluate_file(bundled_model, path) == whole
    assert "concern_roc_auc" in whole and "categories" in whole


# -- the real command line ---------------------------------------------------------------------------------


def test_cli_evaluate_file_without_text_is_one_line_not_nan(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "notext.jsonl", {"body": "a", "uncivil": False}, {"body": "b", "uncivil": True})
    for extra in ([], ["--json"]):
        result = run_cli("evaluate", "--data", str(path), *extra)
        assert_one_line_error(result, f"{path}:1", "'text'")
        assert "nan" not in result.stdout.lower()


def test_cli_evaluate_civil_only_file_has_no_auc_and_no_nan(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "civil.jsonl", GOOD, {**GOOD, "text": "Merged, thanks."})
    # A process of its own: in this one pytest would catch the warning (scikit-learn's) before it reached stderr.
    table = run_moderator("evaluate", "--data", str(path))
    assert table.returncode == 0, table.stderr
    assert "Warning" not in table.stderr and "nan" not in table.stdout.lower()
    row = next(line for line in table.stdout.splitlines() if line.startswith("civil.jsonl"))
    assert row.split()[3:5] == ["-", "-"]  # AUC and AP: undefined without an uncivil comment
    result = run_moderator("evaluate", "--data", str(path), "--json")
    assert result.returncode == 0 and "Warning" not in result.stderr
    entry = never_nan(result.stdout)["files"][0]
    assert entry["civil_only"] is True and "concern_roc_auc" not in entry


def test_cli_evaluate_string_false_is_refused_not_counted(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "strings.jsonl", GOOD, {"text": "fine", "uncivil": "false"})
    assert_one_line_error(run_cli("evaluate", "--data", str(path), "--json"), f"{path}:2", "'uncivil'")


def test_cli_evaluate_surrogates_and_escapes_in_the_data(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "odd.jsonl",
        '{"text": "\\ud800 \\u001b[2J", "uncivil": true, "category": "\\u001b[31mred\\ud800"}',
        '{"text": "fine \\udfff", "uncivil": false}',
    )
    for extra in ([], ["--json"]):
        result = run_cli("evaluate", "--data", str(path), *extra)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout
    never_nan(result.stdout)


def test_cli_error_for_a_hostile_path_name_is_one_visible_line(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "evil\x1b[2J\nname.jsonl", {"text": "x"})
    result = run_cli("evaluate", "--data", str(path))
    assert_one_line_error(result, ":1: no 'uncivil' label")
    assert "\x1b" not in result.stderr


def test_cli_train_refuses_bad_corpora_before_training(tmp_path: Path) -> None:
    bad = write_lines(tmp_path / "bad.jsonl", GOOD, {"text": "x", "uncivil": "false"})
    output = tmp_path / "model"
    refused = run_cli("train", "--corpus", str(bad), "-o", str(output))
    assert_one_line_error(refused, f"{bad}:2", "'uncivil' must be true or false")
    assert not output.exists()
    if sys.platform != "win32" and Path("/dev/zero").exists():
        # a process of its own with a timeout: a read of /dev/zero that was not refused would never end
        result = run_moderator("train", "--corpus", "/dev/zero", "-o", str(output), timeout=300)
        assert_one_line_error(result, "/dev/zero", "character device")
        assert not output.exists()
