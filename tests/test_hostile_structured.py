"""Hostile input for the structured importers (JSON, JSONL, CSV, YAML, GitHub JSON): every one is refused with one
line naming the file and the position, or imported faithfully; never a traceback, never a silently wrong thread.

Memory is tested by its mechanisms (bytes released, records not kept, counts refused before they are read), with
the limits lowered, never by allocating hundreds of megabytes: scripts/bench_hostile_structured.py measures that.
"""

from __future__ import annotations

import gc
import json
import random
import weakref
from pathlib import Path
from typing import Any

import pytest
from conftest import expect_source_error, run_cli, run_moderator

from moderation_core.errors import SourceError
from moderation_core.yamlsafe import MAX_YAML_NESTING
from moderator.sources import csvfile, jsondocs, load_threads, reading
from moderator.sources.jsondocs import located_documents
from moderator.sources.reading import SourceText, read_source
from moderator.sources.records import Record, ThreadCollector

DEEP = 100_000  # as deep as the reproduced crash: far past Python's recursion limit


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    return path


def _jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def _gh_comment(body: str = "Looks fine.", **changes: Any) -> dict[str, Any]:
    comment: dict[str, Any] = {
        "id": 11,
        "issue_url": "https://api.github.com/repos/tarnwick/kettle-sync/issues/58",
        "user": {"login": "pim-larsen"},
        "body": body,
    }
    comment.update(changes)
    return comment


def _yaml_thread(comment_lines: str, header: str = "") -> str:
    return f"format: moderator-thread/1\n{header}comments:\n{comment_lines}"


def _one_line_exit_2(path: Path, *args: str, own_process: bool = False) -> str:
    """The one error line of ``moderator thread PATH ARGS``, exit status 2 and nothing on standard output; in a
    process of its own where a crash could take the interpreter down (nesting 100,000 deep)."""
    result = (run_moderator if own_process else run_cli)("thread", str(path), *args)
    assert result.returncode == 2, result.stdout[:200]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1, result.stderr[:500]
    assert lines[0].startswith(f"moderator: error: {path}:")
    return lines[0]


# ------------------------------------------------------------------------------------------------------ nesting

DEEP_OBJECT = '{"a":' * DEEP + "1" + "}" * DEEP
DEEP_LIST = "[" * DEEP


@pytest.mark.parametrize("format", [None, "jsonl", "github-json", "bugzilla-json"])
@pytest.mark.parametrize("content", [DEEP_OBJECT, DEEP_LIST], ids=["object", "list"])
def test_deep_json_is_refused_where_it_passes_the_limit(tmp_path: Path, content: str, format: str | None) -> None:
    path = _write(tmp_path, "deep.json", content)
    error = expect_source_error(path, format)
    assert f"nesting deeper than {jsondocs.MAX_JSON_NESTING} levels" in error.problem
    # The column of the bracket that opens level 501.
    level = len('{"a":') if content.startswith("{") else 1
    assert str(error).startswith(f"{path}:1:{jsondocs.MAX_JSON_NESTING * level + 1}:")


def test_deep_jsonl_line_names_its_line_and_column(tmp_path: Path) -> None:
    prefix = '{"text": "x", "extra": '
    path = _write(tmp_path, "deep.jsonl", _jsonl({"text": "fine"}) + prefix + DEEP_LIST + "\n")
    error = expect_source_error(path)
    assert "nesting deeper than 500 levels" in error.problem
    assert str(error).startswith(f"{path}:2:{len(prefix) + 500}:")  # the record's own brace is level 1


def test_deep_json_on_the_command_line(tmp_path: Path) -> None:
    line = _one_line_exit_2(_write(tmp_path, "deep.json", DEEP_OBJECT), own_process=True)
    assert "nesting deeper than 500 levels" in line


def test_nesting_under_the_limit_imports(tmp_path: Path) -> None:
    extra = "[" * 300 + "]" * 300
    path = _write(tmp_path, "nested.jsonl", '{"text": "kept", "extra": ' + extra + "}\n")
    [thread] = load_threads(path)
    assert thread.comments[0].text == "kept"


@pytest.mark.parametrize(
    "tags",
    [
        "[" * DEEP,
        "[" * (MAX_YAML_NESTING + 5) + "]" * (MAX_YAML_NESTING + 5),
        "\n" + "".join("      " + "  " * depth + "-\n" for depth in range(MAX_YAML_NESTING + 5)),
    ],
    ids=["flow-unclosed", "flow", "block"],
)
def test_deep_yaml_is_refused_with_its_line(tmp_path: Path, tags: str) -> None:
    path = _write(tmp_path, "deep.yaml", _yaml_thread(f"  - text: hi\n    tags: {tags}\n"))
    error = expect_source_error(path)
    assert f"nesting deeper than {MAX_YAML_NESTING} levels" in error.problem
    assert error.line is not None and error.line >= 4


# ------------------------------------------------------------------------------------------------ long integers

LONG = "9" * 5000  # Python converts at most 4300 digits (sys.get_int_max_str_digits)


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("number.jsonl", _jsonl({"text": "a"}) + '{"text": "b", "number": ' + LONG + "}\n", 2),
        ("id.jsonl", _jsonl({"text": "a"}) + '{"text": "b", "id": ' + LONG + "}\n", 2),
        ("id.json", '[{"body": "x", "user": {"login": "a"},\n "id": ' + LONG + "}]\n", 2),
        ("thread.json", '{"bugs": {"1": {"comments": [{"count": 0, "text": "a",\n\n "bug_id": -' + LONG + "}]}}}", 3),
    ],
)
def test_json_integer_too_long_names_the_line(tmp_path: Path, name: str, content: str, line: int) -> None:
    error = expect_source_error(_write(tmp_path, name, content))
    assert "an integer with more than 4300 digits" in error.problem
    assert error.line == line


def test_integer_too_long_on_the_command_line(tmp_path: Path) -> None:
    line = _one_line_exit_2(_write(tmp_path, "big.jsonl", '{"text": "b", "number": ' + LONG + "}\n"))
    assert "big.jsonl:1:" in line and "more than 4300 digits" in line


def test_long_digit_run_in_a_string_is_text(tmp_path: Path) -> None:
    [thread] = load_threads(_write(tmp_path, "digits.jsonl", _jsonl({"text": LONG, "id": LONG})))
    assert thread.comments[0].text == LONG and thread.comments[0].id == LONG


@pytest.mark.parametrize("number", [LONG, "1" + "0" * 4299, "1000000000"])
def test_csv_number_too_big_names_the_row(tmp_path: Path, number: str) -> None:
    error = expect_source_error(_write(tmp_path, "n.csv", f"text,number\na,1\nb,{number}\n"))
    assert error.line == 3
    assert "field 'number' must be a whole number from 0 to 999,999,999" in error.problem


def test_number_whose_successor_could_not_be_printed_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "n.jsonl", '{"text": "a", "number": ' + "9" * 4300 + '}\n{"text": "b"}\n')
    error = expect_source_error(path)
    assert error.line == 1 and "from 0 to 999,999,999" in error.problem


@pytest.mark.parametrize(
    ("field", "value"), [("number", LONG), ("id", "0x" + "f" * 5000), ("number", "0b" + "1" * 20000)]
)
def test_yaml_integer_too_long_names_the_line(tmp_path: Path, field: str, value: str) -> None:
    error = expect_source_error(_write(tmp_path, "n.yaml", _yaml_thread(f"  - text: hi\n    {field}: {value}\n")))
    assert error.line == 4
    assert "an integer with more than 4300 digits" in error.problem


def test_yaml_integer_at_the_limit_still_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, "n.yaml", _yaml_thread(f"  - text: hi\n    id: {'9' * 4300}\n"))
    assert load_threads(path)[0].comments[0].id == "9" * 4300


# ---------------------------------------------------------------------------------------------- lone surrogates

SURROGATE = "\\ud800"  # as JSON writes it: decodes to a lone surrogate, which UTF-8 cannot encode


def _surrogate_files(tmp_path: Path) -> list[Path]:
    record = {"thread": "t", "title": "title \ud800", "author": "ana \udfff", "text": "body \ud800 end"}
    jsonl_text = json.dumps(record)  # ensure_ascii: "\ud800" escapes
    issue = {
        "number": 58,
        "title": "issue \ud800",
        "user": {"login": "wren \ud800"},
        "body": "opening \udbff",
        "html_url": "https://github.com/tarnwick/kettle-sync/issues/58",
    }
    github_text = json.dumps([issue, [_gh_comment("reply \ud800 end", user={"login": "pim \udc00"})]])
    assert SURROGATE in jsonl_text and SURROGATE in github_text
    return [_write(tmp_path, "s.jsonl", jsonl_text + "\n"), _write(tmp_path, "s.json", github_text)]


def test_lone_surrogates_import_as_data(tmp_path: Path) -> None:
    jsonl_path, github_path = _surrogate_files(tmp_path)
    [thread] = load_threads(jsonl_path)
    assert (thread.title, thread.comments[0].author, thread.comments[0].text) == (
        "title \ud800",
        "ana \udfff",
        "body \ud800 end",
    )
    [issue] = load_threads(github_path)
    assert issue.title == "issue \ud800" and issue.comments[1].author == "pim \udc00"


@pytest.mark.parametrize("args", [("thread", "--json"), ("thread",)])
def test_lone_surrogates_never_crash_the_thread_command(tmp_path: Path, args: tuple[str, ...]) -> None:
    for path in _surrogate_files(tmp_path):
        result = run_moderator(args[0], str(path), *args[1:])
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert SURROGATE in result.stdout  # shown escaped, never written raw (UTF-8 cannot) nor dropped
        if args == ("thread", "--json"):
            json.loads(result.stdout)


def test_lone_surrogates_never_crash_scoring(tmp_path: Path, small_model_dir: Path) -> None:
    for path in _surrogate_files(tmp_path):
        result = run_moderator("score", str(path), "--json", "--model", str(small_model_dir))
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        for line in result.stdout.splitlines():
            json.loads(line)


# ------------------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize("created", ["2024-13-45", "2024-02-30", "2024-02-03 25:61:00"])
def test_yaml_impossible_date_names_its_line(tmp_path: Path, created: str) -> None:
    path = _write(tmp_path, "d.yaml", _yaml_thread(f"  - text: a\n  - text: b\n    created: {created}\n"))
    error = expect_source_error(path)
    assert error.line == 5
    assert f"invalid date '{created}'" in error.problem and "quote it" in error.problem


def test_yaml_impossible_date_on_the_command_line(tmp_path: Path) -> None:
    line = _one_line_exit_2(_write(tmp_path, "d.yaml", _yaml_thread("  - text: a\n    created: 2024-13-45\n")))
    assert "d.yaml:4: invalid date" in line


def test_yaml_dates_quoted_or_valid_are_kept(tmp_path: Path) -> None:
    comments = "  - text: a\n    created: '2024-13-45'\n  - text: b\n    created: 2024-02-03\n"
    thread = load_threads(_write(tmp_path, "d.yaml", _yaml_thread(comments)))[0]
    assert [c.created for c in thread.comments] == ["2024-13-45", "2024-02-03"]


def test_json_dates_are_kept_as_written(tmp_path: Path) -> None:
    """Nothing parses a date on import: a bad one is shown as the source wrote it."""
    path = _write(tmp_path, "d.json", json.dumps([_gh_comment(created_at="2024-13-45T99:00:00Z")]))
    assert load_threads(path)[0].comments[0].created == "2024-13-45T99:00:00Z"
    path = _write(tmp_path, "d.jsonl", _jsonl({"text": "a", "created": "yesterday-ish"}))
    assert load_threads(path)[0].comments[0].created == "yesterday-ish"


# ---------------------------------------------------------------------------------------- field types of records

BAD_FIELDS = [
    ({"thread": [1]}, "field 'thread' must be text, found list"),
    ({"thread": True}, "field 'thread' must be text, found bool"),
    ({"thread": float("inf")}, "field 'thread' must be text or a whole number, found inf"),
    ({"thread": 1.5}, "field 'thread' must be text or a whole number, found 1.5"),
    ({"id": float("nan")}, "field 'id' must be text or a whole number, found nan"),
    ({"number": "x"}, "field 'number' must be a whole number >= 0, found 'x'"),
    ({"number": True}, "field 'number' must be a whole number >= 0, found True"),
    ({"number": float("inf")}, "field 'number' must be a whole number >= 0, found inf"),
    ({"number": [[[1]]]}, "field 'number' must be a whole number >= 0, found a list of 1 items"),
    ({"number": 10**12}, "field 'number' must be a whole number from 0 to 999,999,999"),
    ({"number": "\x1b[2J" * 50}, "found '\\x1b[2J"),
]


@pytest.mark.parametrize(("fields", "problem"), BAD_FIELDS, ids=[p for _, p in BAD_FIELDS])
def test_bad_record_field_names_the_record(tmp_path: Path, fields: dict[str, Any], problem: str) -> None:
    path = _write(tmp_path, "r.jsonl", _jsonl({"text": "a"}, {"text": "b", **fields}))
    error = expect_source_error(path)
    assert error.line == 2
    assert problem in error.problem
    assert "\x1b" not in str(error)


def test_number_1e400_on_the_command_line(tmp_path: Path) -> None:
    line = _one_line_exit_2(_write(tmp_path, "r.jsonl", '{"text": "a", "number": 1e400}\n'))
    assert "r.jsonl:1: field 'number'" in line


def test_whole_float_ids_are_the_same_thread_as_integers(tmp_path: Path) -> None:
    """pandas writes an integer column with a gap as floats: 4127.0 is thread 4127, not a thread of its own."""
    path = _write(tmp_path, "f.jsonl", _jsonl({"thread": 4127, "text": "a"}, {"thread": 4127.0, "text": "b"}))
    [thread] = load_threads(path)
    assert thread.id == "4127" and len(thread.comments) == 2


@pytest.mark.parametrize(("value", "problem"), [("true", "found True"), ("[1, 2]", "found a list of 2 items")])
def test_yaml_thread_header_of_the_wrong_type(tmp_path: Path, value: str, problem: str) -> None:
    path = _write(tmp_path, "h.yaml", _yaml_thread("  - text: a\n", header=f"thread: {{id: {value}}}\n"))
    error = expect_source_error(path)
    assert f"'thread.id' must be text, {problem}" in error.problem


def test_yaml_thread_header_numbers_and_dates_are_text(tmp_path: Path) -> None:
    header = "thread: {id: 4127, title: 2024-02-03, product: 1.5}\n"
    [thread] = load_threads(_write(tmp_path, "h.yaml", _yaml_thread("  - text: a\n", header=header)))
    assert (thread.id, thread.title, thread.product) == ("4127", "2024-02-03", "1.5")


@pytest.mark.parametrize("number", ["true", '"58"', "1e400", "-1"])
def test_github_issue_number_of_the_wrong_type(tmp_path: Path, number: str) -> None:
    issue = '{"title": "t", "user": {"login": "a"}, "body": "b", "number": ' + number + "}"
    path = _write(tmp_path, "i.json", f"[{issue}, [{json.dumps(_gh_comment(issue_url=None))}]]")
    error = expect_source_error(path)
    assert "'number' must be the issue's whole number" in error.problem


@pytest.mark.parametrize("value", [[1], {"a": 1}, True, 1.5])
def test_github_comment_id_of_the_wrong_type(tmp_path: Path, value: Any) -> None:
    path = _write(tmp_path, "c.json", json.dumps([_gh_comment(), _gh_comment(id=value)]))
    error = expect_source_error(path)
    assert error.problem.startswith("comment [1]: 'id' must be a number or a string")


def test_github_issue_url_with_an_absurd_number_names_no_issue(tmp_path: Path) -> None:
    url = "https://api.github.com/repos/o/r/issues/" + LONG
    [thread] = load_threads(_write(tmp_path, "u.json", json.dumps([_gh_comment(issue_url=url)])))
    assert thread.id is None and thread.notes  # said, not guessed


def test_data_in_error_messages_is_made_visible(tmp_path: Path) -> None:
    path = _write(tmp_path, "h.csv", "\x1b[31mred,\x1b]0;title\x07\nx,y\n")
    error = expect_source_error(path)
    assert "\x1b" not in str(error) and "\\x1b[31mred" in error.problem
    bad = {"\x1b[2Jkey": 1}
    error = expect_source_error(_write(tmp_path, "k.json", json.dumps(bad)))
    assert "\x1b" not in str(error) and "\\x1b[2Jkey" in error.problem


# -------------------------------------------------------------------------------------- memory, by its mechanism


def test_decoding_the_text_releases_the_bytes(tmp_path: Path) -> None:
    source = read_source(_write(tmp_path, "a.yaml", _yaml_thread("  - text: a\n")))
    assert source.text
    with pytest.raises(RuntimeError, match="released"):
        _ = source.data


def test_decoded_json_keeps_neither_bytes_nor_text(tmp_path: Path) -> None:
    source = read_source(_write(tmp_path, "a.json", json.dumps([_gh_comment()])))
    assert len(located_documents(source)) == 1
    with pytest.raises(RuntimeError, match="released"):
        _ = source.text  # neither the text nor the bytes to decode it again are held


@pytest.mark.parametrize("name", ["a.jsonl", "a.csv"])
def test_line_formats_never_decode_the_whole_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    content = _jsonl({"text": "a"}, {"text": "b"}) if name.endswith("jsonl") else "text,author\na,x\nb,y\n"
    path = _write(tmp_path, name, content)

    def refuse(*args: object) -> str:
        raise AssertionError("the whole text was decoded")

    monkeypatch.setattr(reading, "decode", refuse)
    assert [c.text for c in load_threads(path)[0].comments] == ["a", "b"]


@pytest.mark.parametrize("name", ["a.jsonl", "a.csv"])
def test_line_formats_release_the_bytes_once_read(tmp_path: Path, name: str) -> None:
    from moderator.sources import jsonl

    content = _jsonl({"text": "a"}) if name.endswith("jsonl") else "text\na\n"
    source = read_source(_write(tmp_path, name, content))
    threads = (jsonl.parse if name.endswith("jsonl") else csvfile.parse)(source)
    assert threads[0].comments[0].text == "a"
    with pytest.raises(RuntimeError, match="released"):
        _ = source.data  # gone before segmentation and output allocate theirs


def test_records_are_not_kept_once_they_are_comments(tmp_path: Path) -> None:
    class Fields(dict):  # a dict that can be watched with a weak reference
        pass

    source = SourceText(tmp_path / "x.jsonl", b"{}")
    collector = ThreadCollector(source, source_name="jsonl")
    fields = Fields(text="a", author="ana", extra=["a large value the comment does not need"])
    watch = weakref.ref(fields)
    collector.add(Record(1, fields))
    del fields
    gc.collect()
    assert watch() is None
    assert collector.threads()[0].comments[0].author == "ana"


@pytest.fixture
def five_comments(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(reading, "MAX_COMMENTS", 5)
    return 5


def test_jsonl_over_the_comment_limit_is_refused_before_reading(tmp_path: Path, five_comments: int) -> None:
    # The lines after the limit are not even JSON: the count refuses the file before any record is read.
    path = _write(tmp_path, "many.jsonl", _jsonl(*({"text": str(n)} for n in range(3))) + "not json\n" * 3)
    error = expect_source_error(path)
    assert error.line is None
    assert "more than 5 comments in one file" in error.problem and "at least 6 records" in error.problem


def test_blank_lines_are_not_counted_as_records(tmp_path: Path, five_comments: int) -> None:
    content = "\n \n\t\r\n".join(json.dumps({"text": str(n)}) for n in range(5)) + "\n\n\n \n"
    assert len(load_threads(_write(tmp_path, "five.jsonl", content))[0].comments) == 5


def test_csv_over_the_comment_limit_is_refused_before_reading(tmp_path: Path, five_comments: int) -> None:
    path = _write(tmp_path, "many.csv", "text,x\n" + "a,\n" * 6)
    error = expect_source_error(path)
    assert "more than 5 comments in one file" in error.problem and "at least 6 rows" in error.problem


def test_csv_with_quoted_lines_is_refused_at_the_row_past_the_limit(tmp_path: Path, five_comments: int) -> None:
    # Quoted fields may span lines, so rows are counted as read: the row after the limit stops the reading (the
    # broken row after it is never reached).
    rows = "".join(f'"line one\nline two {n}",x\n' for n in range(6))
    path = _write(tmp_path, "quoted.csv", "text,author\n" + rows + '"never, closed\n')
    error = expect_source_error(path)
    assert error.line == 12 and "more than 5 comments in one file" in error.problem
    five = _write(tmp_path, "five.csv", "text,author\n" + "".join(f'"a\nb {n}",x\n' for n in range(5)))
    assert len(load_threads(five)[0].comments) == 5


def test_yaml_and_github_over_the_comment_limit(tmp_path: Path, five_comments: int) -> None:
    path = _write(tmp_path, "many.yaml", _yaml_thread("".join(f"  - text: c{n}\n" for n in range(6))))
    assert "comments[5]: more than 5 comments" in expect_source_error(path).problem
    comments = [_gh_comment(id=n) for n in range(6)]
    error = expect_source_error(_write(tmp_path, "many.json", json.dumps(comments)))
    assert "more than 5 comments in one file" in error.problem


def test_too_many_json_values_are_refused_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsondocs, "MAX_JSON_VALUES", 100)
    error = expect_source_error(_write(tmp_path, "empties.json", "[" + ",".join(["{}"] * 200) + "]"))
    assert "more than 100 JSON values" in error.problem
    error = expect_source_error(_write(tmp_path, "line.jsonl", '{"text": "a", "x": [' + "0," * 200 + "0]}\n"))
    assert error.line == 1 and "more than 100 JSON values" in error.problem
    # Commas in text are not values: only the count without the strings decides.
    prose = "one, two, three, " * 100
    [thread] = load_threads(_write(tmp_path, "prose.json", json.dumps([_gh_comment(prose)])))
    assert thread.comments[0].text == prose


def test_top_level_values_without_commas_are_counted(tmp_path: Path, five_comments: int) -> None:
    content = json.dumps(_gh_comment()) + "\n" + "1 " * 20 + "\n"  # `gh api --jq '.[]'`, then hostile values
    error = expect_source_error(_write(tmp_path, "ones.json", content))
    assert error.line == 2 and "more than 6 top-level JSON values" in error.problem


def test_blank_padding_between_json_values_is_skipped(tmp_path: Path) -> None:
    page = json.dumps([_gh_comment()])
    [thread] = load_threads(_write(tmp_path, "padded.json", page + " " * 2_000_000 + "\n" * 1000))
    assert len(thread.comments) == 1


def test_too_many_yaml_values_are_refused_before_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moderation_core import yamlsafe

    monkeypatch.setattr(yamlsafe, "MAX_YAML_VALUES", 50)
    path = _write(tmp_path, "many.yaml", _yaml_thread("".join(f"  - {{text: c{n}}}\n" for n in range(30))))
    error = expect_source_error(path)
    assert "more than 50 YAML values" in error.problem and error.line is not None


def test_row_of_millions_of_fields_is_refused_before_it_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfile, "MAX_ROW_COMMAS", 100)
    error = expect_source_error(_write(tmp_path, "wide.csv", "text,x\na,b\n" + "," * 150 + "\n"))
    assert error.line == 3 and "more than 100 commas" in error.problem
    # Commas spread over many rows are fine.
    [thread] = load_threads(_write(tmp_path, "ok.csv", "text,x\n" + '"a, b, c, d, e",y\n' * 60))
    assert len(thread.comments) == 60


def test_nonblank_line_count_agrees_with_reading_the_lines() -> None:
    """The quick count that refuses a file up front never counts more records than reading would find."""
    rng = random.Random(7)
    for _ in range(3000):
        data = bytes(rng.choice(b"ab \n\n\t\r") for _ in range(rng.randint(0, 40)))
        source = SourceText(Path("x"), data)
        records = sum(1 for _, line in source.lines() if line.strip())
        for limit in (0, 1, 2, 5):
            counted = source.nonblank_lines_over(limit)
            if counted is not None:
                assert limit < counted <= records, (data, limit)
            elif b"\r" not in data:  # lone "\r" line ends are counted fewer, never more
                assert records <= limit, (data, limit)


def test_lines_are_read_as_the_text_splits_them() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        data = bytes(rng.choice(b"ab \n\n\r\r\t") for _ in range(rng.randint(1, 30)))
        text = reading.decode(Path("x"), data)
        expected = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
        assert [line for _, line in SourceText(Path("x"), data).lines()] == expected, data


def test_bad_byte_in_a_streamed_line_is_named_like_the_whole_text(tmp_path: Path) -> None:
    content = _jsonl({"text": "a"}).encode() + b'{"text": "caf\xe9"}\n'
    error = expect_source_error(_write(tmp_path, "latin.jsonl", content))
    assert error.line == 2
    assert "not UTF-8 text: byte 0xe9 at offset 27" in error.problem
    with pytest.raises(SourceError) as whole:
        reading.decode(Path("latin.jsonl"), content)
    assert whole.value.problem == error.problem


def test_first_record_with_issue_fields_is_still_told_apart(tmp_path: Path) -> None:
    """Detection decides a JSONL file from its first line only when no other format could start that way."""
    record = {"text": "a", "title": "t", "number": 1, "user": {"login": "x"}}
    path = _write(tmp_path, "r.jsonl", _jsonl(record, {"text": "b"}))
    error = expect_source_error(path)  # as before: read as a GitHub issue whose next value is no comment
    assert "expected a GitHub comment object" in error.problem


# ------------------------------------------------------------------------------------- format detection of JSON


class _CountingDecoder(json.JSONDecoder):
    """The importers' JSON decoder, noting how many characters each value it decodes spans."""

    def __init__(self, spans: list[int]) -> None:
        super().__init__()
        self.spans = spans

    def raw_decode(self, s: str, idx: int = 0) -> tuple[Any, int]:
        value, end = super().raw_decode(s, idx)
        self.spans.append(end - idx)
        return value, end


def _count_decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every text ``json.loads`` or the whole-file decoder decodes from now on."""
    spans: list[int] = []
    loads = json.loads

    def counting_loads(text: str, *args: Any, **options: Any) -> Any:
        spans.append(len(text))
        return loads(text, *args, **options)

    monkeypatch.setattr(json, "loads", counting_loads)
    monkeypatch.setattr(jsondocs, "_decoder", _CountingDecoder(spans))
    return spans


def test_a_minified_export_is_decoded_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-line export longer than the detection prefix: detection and import decode it once between them
    (it was decoded whole as a first line, then again as the file)."""
    comments = [{"id": i, "count": i, "text": f"comment {i} " + "words " * 60, "creator": "ana"} for i in range(4000)]
    text = json.dumps({"bugs": {"7": {"comments": comments}}})
    assert len(text) > 1024 * 1024  # past the prefix detection reads
    path = _write(tmp_path, "rest.json", text)
    decoded = _count_decoded(monkeypatch)
    assert len(load_threads(path)[0].comments) == 4000
    assert sum(decoded) == len(text)


def test_detection_of_jsonl_decodes_the_first_line_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moderator.sources import detect_format

    short = _jsonl({"text": "first"}, *({"text": "more " * 100} for _ in range(3000)))
    long_first = _jsonl({"text": "long " * 400_000}, {"text": "second"}, {"text": "third"})
    for text in (short, long_first):
        decoded = _count_decoded(monkeypatch)
        assert detect_format(read_source(_write(tmp_path, "r.jsonl", text))) == "jsonl"
        assert decoded == [len(text.split("\n", 1)[0])]
    assert [c.text for c in load_threads(tmp_path / "r.jsonl")[0].comments][1:] == ["second", "third"]


@pytest.mark.parametrize(
    ("content", "result"),
    [
        ('{"text": "a"} {"text": "b"}\n', "r.jsonl:1:15: invalid JSON (Extra data)"),
        ('{\n"text": "a"\n}\n', "r.jsonl:1:2: truncated JSON line"),
        ('{"text": "a", "bugs": 1}\n{"text": "b"}\n', ["a", "b"]),
        ('{"text": "' + "a" * (2 * 1024 * 1024) + '"}', ["a" * (2 * 1024 * 1024)]),
    ],
    ids=["two-values-on-the-first-line", "pretty-printed", "first-record-with-bugs", "one-long-record"],
)
def test_jsonl_told_by_its_decoded_values_is_read_line_by_line(
    tmp_path: Path, content: str, result: str | list[str]
) -> None:
    """JSON that only the whole file's values show to be JSONL goes to the JSONL importer with its lines (it was
    handed over with its text released: a RuntimeError traceback)."""
    path = _write(tmp_path, "r.jsonl", content)
    if isinstance(result, str):
        assert str(expect_source_error(path)).startswith(f"{tmp_path}/{result}")
    else:
        assert [c.text for c in load_threads(path)[0].comments] == result
