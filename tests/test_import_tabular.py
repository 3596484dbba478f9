"""Generic comment records: JSONL lines, CSV rows and the YAML thread document, with their errors.

All names and text below are invented for these tests.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import expect_source_error

from moderator.sources import detect_format, load_threads
from moderator.sources.reading import read_source


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _detected(path: Path) -> str:
    return detect_format(read_source(path))


def _jsonl(records: list[object]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


# --------------------------------------------------------------------------------------------------- JSONL


JSONL_RECORDS = [
    {
        "thread": "gx-12",
        "title": "Gravel export drops the last row",
        "number": 0,
        "id": "c1",
        "author": "Runa Pell",
        "author_role": "reporter",
        "created": "2033-02-01T08:00:00Z",
        "text": "Exports of more than 50 rows lose the final row.",
        "tags": ["bug"],
    },
    {
        "thread": 77,
        "title": "Rename the tide widget",
        "number": 0,
        "author": "Emil Sarto",
        "text": "The tide widget name confuses new users.",
    },
    {
        "thread": "gx-12",
        "number": 1,
        "author": "Tomasz Hale",
        "author_role": "assignee",
        "text": "Reproduced; the pager is off by one.",
        "tags": "triaged; confirmed",
    },
    {"thread": 77, "number": 1, "author": "Runa Pell", "text": "How about 'tide chart'?"},
]


def test_jsonl_two_threads_in_first_appearance_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "comments.jsonl", _jsonl(JSONL_RECORDS))
    assert _detected(path) == "jsonl"
    threads = load_threads(path)
    assert [t.id for t in threads] == ["gx-12", "77"]
    gravel, tide = threads
    assert gravel.source == "jsonl"
    assert gravel.title == "Gravel export drops the last row"
    assert gravel.path == str(path)
    assert [c.number for c in gravel.comments] == [0, 1]
    assert [c.author for c in gravel.comments] == ["Runa Pell", "Tomasz Hale"]
    assert [c.author_role for c in gravel.comments] == ["reporter", "assignee"]
    assert gravel.comments[0].id == "c1"
    assert gravel.comments[0].created == "2033-02-01T08:00:00Z"
    assert gravel.comments[0].tags == ("bug",)
    assert gravel.comments[1].tags == ("triaged", "confirmed")
    assert gravel.comments[1].text == "Reproduced; the pager is off by one."
    assert tide.title == "Rename the tide widget"
    assert [c.text for c in tide.comments] == [
        "The tide widget name confuses new users.",
        "How about 'tide chart'?",
    ]


def test_jsonl_only_text_required(tmp_path: Path) -> None:
    texts = ["First remark.", "Second remark.", "Third remark."]
    path = _write(tmp_path, "bare.jsonl", _jsonl([{"text": t} for t in texts]))
    assert _detected(path) == "jsonl"
    threads = load_threads(path)
    assert len(threads) == 1
    thread = threads[0]
    assert thread.id is None
    assert thread.title is None
    assert [c.number for c in thread.comments] == [0, 1, 2]
    assert [c.text for c in thread.comments] == texts
    assert [c.author for c in thread.comments] == [None, None, None]


@pytest.mark.parametrize("forced", [None, "jsonl"])
def test_jsonl_null_or_empty_text_is_an_empty_comment(tmp_path: Path, forced: str | None) -> None:
    records = [
        {"thread": "gx-12", "author": "Runa Pell", "text": "Exports lose the final row."},
        {"thread": "gx-12", "author": "Tomasz Hale", "text": None},
        {"thread": "gx-12", "author": "Emil Sarto", "text": ""},
        {"thread": "gx-12", "author": "Runa Pell", "text": "Thanks for the quick fix."},
    ]
    thread = load_threads(_write(tmp_path, "empty.jsonl", _jsonl(records)), forced)[0]
    assert [(c.number, c.author, c.text, c.own_text, c.segments) for c in thread.comments][1:3] == [
        (1, "Tomasz Hale", "", "", ()),
        (2, "Emil Sarto", "", "", ()),
    ]
    assert thread.comment(3).text == "Thanks for the quick fix."


def test_jsonl_single_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "one.jsonl", json.dumps({"text": "Only one comment here."}))
    assert _detected(path) == "jsonl"
    assert [c.text for c in load_threads(path)[0].comments] == ["Only one comment here."]


def test_jsonl_numbers_continue_after_explicit_ones_and_sort(tmp_path: Path) -> None:
    records = [{"number": 5, "text": "five"}, {"number": 2, "text": "two"}, {"text": "three"}]
    thread = load_threads(_write(tmp_path, "mixed.jsonl", _jsonl(records)))[0]
    assert [(c.number, c.text) for c in thread.comments] == [(2, "two"), (3, "three"), (5, "five")]


def test_jsonl_quotes_segmented(tmp_path: Path) -> None:
    records = [
        {"number": 0, "author": "Runa Pell", "text": "The pager drops the last row of every export file."},
        {
            "number": 1,
            "author": "Emil Sarto",
            "text": "(In reply to Runa Pell from comment #0)\n> The pager drops the last row\n\nOnly on Tuesdays?",
        },
    ]
    thread = load_threads(_write(tmp_path, "quote.jsonl", _jsonl(records)))[0]
    reply = thread.comment(1)
    assert reply.own_text == "Only on Tuesdays?"
    assert [(q.comment, q.text) for q in reply.quotes] == [(0, "The pager drops the last row")]
    assert reply.reply_to == (0,)


def test_jsonl_duplicate_number_names_the_line(tmp_path: Path) -> None:
    records = [
        {"thread": "a", "number": 0, "text": "zero"},
        {"thread": "b", "number": 1, "text": "other thread, same number: fine"},
        {"thread": "a", "number": 1, "text": "one"},
        {"thread": "a", "number": 1, "text": "one again"},
    ]
    path = _write(tmp_path, "dup.jsonl", _jsonl(records))
    error = expect_source_error(path)
    assert error.line == 4
    assert str(error).startswith(f"{path}:4:")
    assert "duplicate comment number 1" in error.problem
    assert "thread 'a'" in error.problem
    assert "first at line 3" in error.problem


def test_jsonl_truncated_last_line(tmp_path: Path) -> None:
    good = _jsonl([{"number": n, "text": f"comment {n}"} for n in range(3)])
    for cut in ('{"number": 3, "text": "comment th', '{"number": 3, "text": "comment three"', '{"number": 3,'):
        path = _write(tmp_path, "cut.jsonl", good + cut)
        assert _detected(path) == "jsonl"
        error = expect_source_error(path)
        assert error.line == 4, cut
        assert "truncated JSON line" in error.problem, cut


def test_jsonl_malformed_middle_line(tmp_path: Path) -> None:
    text = '{"text": "fine"}\n{"text": "broken",, "number": 1}\n{"text": "also fine"}\n'
    error = expect_source_error(_write(tmp_path, "bad.jsonl", text))
    assert error.line == 2
    assert "invalid JSON" in error.problem
    assert "truncated" not in error.problem


def test_jsonl_non_object_line(tmp_path: Path) -> None:
    text = '{"text": "fine"}\n["not", "an", "object"]\n{"text": "also fine"}\n'
    error = expect_source_error(_write(tmp_path, "list.jsonl", text), "jsonl")
    assert error.line == 2
    assert "expected one JSON object per line, found list" in error.problem


def test_jsonl_non_object_line_detected(tmp_path: Path) -> None:
    text = '{"text": "fine"}\n["not", "an", "object"]\n{"text": "also fine"}\n'
    error = expect_source_error(_write(tmp_path, "list.jsonl", text))
    assert "JSON" in error.problem


def test_jsonl_non_object_line_detected_names_the_line(tmp_path: Path) -> None:
    text = '{"text": "fine"}\n["not", "an", "object"]\n{"text": "also fine"}\n'
    error = expect_source_error(_write(tmp_path, "list.jsonl", text))
    assert error.line == 2


def test_jsonl_record_without_text_named_by_line(tmp_path: Path) -> None:
    text = '{"text": "fine"}\n{"body": "wrong field name"}\n'
    error = expect_source_error(_write(tmp_path, "notext.jsonl", text), "jsonl")
    assert error.line == 2
    assert "missing required field 'text'" in error.problem


@pytest.mark.parametrize("number", ["-1", "1.5", "²", True, -3, [1]])
def test_jsonl_bad_number(tmp_path: Path, number: object) -> None:
    path = _write(tmp_path, "num.jsonl", _jsonl([{"text": "a"}, {"number": number, "text": "b"}]))
    error = expect_source_error(path)
    assert error.line == 2
    assert "field 'number' must be a whole number" in error.problem


# ----------------------------------------------------------------------------------------------------- CSV


CSV_HEADER = ["thread", "title", "number", "id", "author", "author_role", "created", "text"]


def _csv(rows: list[list[str]], header: list[str] = CSV_HEADER) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


MULTILINE = 'First line of the comment.\n\n"Quoted", with a comma, and a second paragraph.\nLast line.'


def test_csv_with_jsonl_field_names(tmp_path: Path) -> None:
    rows = [
        [
            "gx-12",
            "Gravel export drops the last row",
            "0",
            "c1",
            "Runa Pell",
            "reporter",
            "2033-02-01T08:00:00Z",
            MULTILINE,
        ],
        ["77", "Rename the tide widget", "0", "", "Emil Sarto", "", "", "The name confuses new users."],
        ["gx-12", "", "1", "c2", "Tomasz Hale", "assignee", "", "Reproduced."],
    ]
    path = _write(tmp_path, "comments.csv", _csv(rows))
    assert _detected(path) == "csv"
    threads = load_threads(path)
    assert [t.id for t in threads] == ["gx-12", "77"]
    gravel, tide = threads
    assert gravel.source == "csv"
    assert gravel.title == "Gravel export drops the last row"
    assert [c.number for c in gravel.comments] == [0, 1]
    assert gravel.comments[0].text == MULTILINE
    assert gravel.comments[0].id == "c1"
    assert gravel.comments[0].author_role == "reporter"
    assert gravel.comments[1].text == "Reproduced."
    # Empty cells are absent values, not empty strings.
    assert tide.comments[0].id is None
    assert tide.comments[0].author_role is None
    assert tide.comments[0].created is None


def test_csv_detected_from_header_without_csv_suffix(tmp_path: Path) -> None:
    path = _write(tmp_path, "export.txt", _csv([["", "", "0", "", "Runa Pell", "", "", "Hello there."]]))
    assert _detected(path) == "csv"
    assert load_threads(path)[0].comments[0].text == "Hello there."


def test_csv_empty_text_is_an_empty_comment(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.csv", _csv([["first", "Runa Pell"], ["", "Tomasz Hale"]], header=["text", "author"]))
    for forced in (None, "csv"):
        thread = load_threads(path, forced)[0]
        assert [(c.number, c.author, c.text) for c in thread.comments] == [
            (0, "Runa Pell", "first"),
            (1, "Tomasz Hale", ""),
        ]


def test_csv_text_column_alone_and_tags(tmp_path: Path) -> None:
    path = _write(tmp_path, "tags.csv", _csv([["first", "a; b"], ["second", ""]], header=["text", "tags"]))
    thread = load_threads(path)[0]
    assert [(c.number, c.text, c.tags) for c in thread.comments] == [(0, "first", ("a", "b")), (1, "second", ())]


def test_csv_one_megabyte_text_field(tmp_path: Path) -> None:
    big = ("The lantern roster sync keeps a very long comment here, " * 20 + "\n") * 1000
    assert len(big) > 1_000_000
    rows = [["t", "", "0", "", "", "", "", big], ["t", "", "1", "", "", "", "", "ok"]]
    path = _write(tmp_path, "big.csv", _csv(rows))
    assert _detected(path) == "csv"
    thread = load_threads(path)[0]
    assert thread.comments[0].text == big
    assert thread.comments[1].text == "ok"


def test_csv_field_limit_is_raised_only_while_reading(tmp_path: Path) -> None:
    """A 1 MB field imports, yet the csv module's process-wide cap is the same before and after, and importing the
    package leaves it alone (another library in the process may rely on the default)."""
    import subprocess
    import sys

    outside = csv.field_size_limit()
    big = "w" * (2 * outside)
    path = _write(tmp_path, "wide.csv", _csv([["t", "", "0", "", "", "", "", big]]))
    assert load_threads(path)[0].comments[0].text == big
    assert csv.field_size_limit() == outside
    expect_source_error(_write(tmp_path, "broken.csv", 'text\n"open quote\n'))
    assert csv.field_size_limit() == outside
    fresh = subprocess.run(
        [sys.executable, "-c", "import csv; import moderator.sources; print(csv.field_size_limit())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(fresh.stdout) == 128 * 1024  # the csv module's default


def test_csv_missing_text_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "notext.csv", "thread,number,body\r\nx,0,hello\r\n")
    error = expect_source_error(path)
    assert error.line == 1
    assert "no 'text' column" in error.problem
    assert "thread, number, body" in error.problem


def test_csv_row_with_wrong_number_of_fields(tmp_path: Path) -> None:
    text = _csv([["t", "", "0", "", "", "", "", MULTILINE]]) + "t,,1,,only five\r\n"
    # Header on line 1, the multi-line text on lines 2-5, the short row on line 6.
    assert MULTILINE.count("\n") == 3
    path = _write(tmp_path, "short.csv", text)
    error = expect_source_error(path)
    assert error.line == 6
    assert "row has 5 fields, the header has 8" in error.problem


def test_csv_duplicate_number_names_the_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "dup.csv", _csv([["t", "", "0", "", "", "", "", MULTILINE], ["t", "", "0", "", "", "", "", "again"]])
    )
    error = expect_source_error(path)
    assert error.line == 6
    assert "duplicate comment number 0 (first at line 2)" in error.problem


def test_csv_superscript_number_is_anexpect_source_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "sup.csv", "number,text\r\n\u00b2,hello\r\n")
    error = expect_source_error(path)
    assert error.line == 2
    assert "field 'number' must be a whole number" in error.problem


# ---------------------------------------------------------------------------------------------------- YAML


YAML_DOC = """\
format: moderator-thread/1
thread:
  source: bugzilla
  id: 5150
  title: "Heron keyring: stale mirrors"
  url: https://bugs.heron.example/show_bug.cgi?id=5150
  product: Heron Keyring
  component: Mirrors
  reporter: vela.strand@heron.example
  assignee: ansel.moor@heron.example
comments:
  - number: 0
    id: "99001"
    author: Vela Strand
    author_role: reporter
    created: 2033-04-02T10:00:00Z
    tags: [mirrors]
    text: |
      Three mirrors still serve the keyring from March.
      They were supposed to sync hourly.
  - number: 1
    author: Ansel Moor
    author_role: assignee
    created: "2033-04-02T12:00:00Z"
    text: |
      (In reply to Vela Strand from comment #0)
      > Three mirrors still serve the keyring from March.

      Two are fixed; the third operator is on holiday.
"""


def test_yaml_thread_document(tmp_path: Path) -> None:
    path = _write(tmp_path, "thread.yaml", YAML_DOC)
    assert _detected(path) == "yaml"
    threads = load_threads(path)
    assert len(threads) == 1
    thread = threads[0]
    assert thread.header_dict() == {
        "source": "bugzilla",
        "id": "5150",
        "title": "Heron keyring: stale mirrors",
        "url": "https://bugs.heron.example/show_bug.cgi?id=5150",
        "product": "Heron Keyring",
        "component": "Mirrors",
        "reporter": "vela.strand@heron.example",
        "assignee": "ansel.moor@heron.example",
    }
    first, second = thread.comments
    assert first.number == 0
    assert first.id == "99001"
    assert first.author_role == "reporter"
    assert first.tags == ("mirrors",)
    # An unquoted timestamp is read as a date and given back in ISO form.
    assert first.created == "2033-04-02T10:00:00+00:00"
    assert first.text == "Three mirrors still serve the keyring from March.\nThey were supposed to sync hourly.\n"
    assert second.created == "2033-04-02T12:00:00Z"
    assert second.own_text == "Two are fixed; the third operator is on holiday."
    assert [(q.comment, q.text) for q in second.quotes] == [(0, "Three mirrors still serve the keyring from March.")]


def test_yaml_detected_by_format_line_without_suffix(tmp_path: Path) -> None:
    path = _write(tmp_path, "thread.txt", YAML_DOC)
    assert _detected(path) == "yaml"
    assert load_threads(path)[0].id == "5150"


def test_yaml_minimal_document(tmp_path: Path) -> None:
    path = _write(tmp_path, "min.yml", "comments:\n  - text: just one\n  - text: and two\n")
    assert _detected(path) == "yaml"
    thread = load_threads(path)[0]
    assert thread.source == "yaml"
    assert [(c.number, c.text) for c in thread.comments] == [(0, "just one"), (1, "and two")]


def test_yaml_null_text_is_an_empty_comment(tmp_path: Path) -> None:
    path = _write(tmp_path, "null.yaml", "comments:\n  - text: said something\n  - text:\n    author: Emil Sarto\n")
    thread = load_threads(path)[0]
    assert [(c.number, c.author, c.text) for c in thread.comments] == [
        (0, None, "said something"),
        (1, "Emil Sarto", ""),
    ]


def test_yaml_keeps_the_thread_notes(tmp_path: Path) -> None:
    note = "2 duplicate copies of messages in this thread dropped (same Message-ID, same headers and body)"
    path = _write(tmp_path, "notes.yaml", f"thread:\n  notes: ['{note}']\ncomments:\n  - text: hello\n")
    assert load_threads(path)[0].notes == (note,)
    path = _write(tmp_path, "bad-notes.yaml", "thread:\n  notes: 3\ncomments:\n  - text: hello\n")
    assert "'thread.notes' must be a list of strings" in expect_source_error(path).problem


def test_yaml_refuses_python_object_tag(tmp_path: Path) -> None:
    text = "format: moderator-thread/1\ncomments:\n  - text: !!python/object/apply:os.system ['echo pwned']\n"
    path = _write(tmp_path, "evil.yaml", text)
    error = expect_source_error(path)
    assert "unsupported YAML tag" in error.problem
    assert "python/object" in error.problem
    assert error.line == 3


def test_yaml_refuses_python_object_mapping_tag(tmp_path: Path) -> None:
    text = "format: moderator-thread/1\ncomments:\n  - !!python/object:collections.OrderedDict {text: hi}\n"
    error = expect_source_error(_write(tmp_path, "evil2.yaml", text))
    assert "unsupported YAML tag" in error.problem


def test_yaml_refuses_anchors_and_aliases(tmp_path: Path) -> None:
    text = (
        "format: moderator-thread/1\n"
        'lol1: &lol1 ["lol", "lol", "lol"]\n'
        "lol2: &lol2 [*lol1, *lol1, *lol1]\n"
        "lol3: &lol3 [*lol2, *lol2, *lol2]\n"
        "comments:\n"
        "  - text: plain\n"
        "    tags: *lol3\n"
    )
    error = expect_source_error(_write(tmp_path, "laughs.yaml", text))
    assert "YAML anchors are not allowed" in error.problem
    assert error.line == 2


def test_yaml_refuses_alias_without_anchor(tmp_path: Path) -> None:
    error = expect_source_error(_write(tmp_path, "alias.yaml", "comments:\n  - text: *nowhere\n"))
    assert error.line == 2
    assert "YAML aliases are not allowed" in error.problem


def test_yaml_wrong_format_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "v2.yaml", YAML_DOC.replace("moderator-thread/1", "moderator-thread/2"))
    error = expect_source_error(path)
    assert "unsupported thread document format 'moderator-thread/2'" in error.problem


def test_yaml_without_comments_list(tmp_path: Path) -> None:
    error = expect_source_error(_write(tmp_path, "nocomments.yaml", "format: moderator-thread/1\nthread: {id: 1}\n"))
    assert "expected a mapping with a 'comments' list" in error.problem


def test_yaml_duplicate_number_names_the_item(tmp_path: Path) -> None:
    text = "comments:\n  - {number: 0, text: a}\n  - {number: 2, text: b}\n  - {number: 2, text: c}\n"
    error = expect_source_error(_write(tmp_path, "dup.yaml", text))
    assert "comments[2]" in error.problem
    assert "duplicate comment number 2 (first at comments[1])" in error.problem


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    text = "format: moderator-thread/1\ncomments:\n  - text: fine\n  - text: [unclosed\n"
    error = expect_source_error(_write(tmp_path, "syntax.yaml", text))
    assert "invalid YAML" in error.problem
    assert error.line == 5  # where the parser found the unclosed flow sequence still open (end of file)


def test_records_without_a_thread_field_say_their_thread_cannot_be_known(tmp_path: Path) -> None:
    from moderator.sources.records import NO_THREAD_NOTE

    loose = tmp_path / "loose.jsonl"
    loose.write_text('{"text": "first"}\n{"text": "second"}\n', encoding="utf-8")
    [thread] = load_threads(loose)
    assert thread.id is None and thread.notes == (NO_THREAD_NOTE,)
    assert thread.header_dict()["notes"] == [NO_THREAD_NOTE]
    named = tmp_path / "named.jsonl"
    named.write_text('{"thread": "t-1", "text": "first"}\n', encoding="utf-8")
    [thread] = load_threads(named)
    assert thread.id == "t-1" and thread.notes == ()
