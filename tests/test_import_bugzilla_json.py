"""Bugzilla REST JSON import: comment response, bug response beside it, quote segmentation, errors.

All names and text below are invented for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import expect_source_error

from moderator.sources import detect_format, load_threads
from moderator.sources.reading import read_source

REPORTER = "odile.marchetti@fernhollow.example"
ASSIGNEE = "teodor.valk@brightmoss.example"
OTHER = "kemal.aydin@fernhollow.example"


def _comment(count: int, creator: str, text: str, extra: dict[str, object] | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "id": 70000 + count,
        "bug_id": 9312,
        "count": count,
        "creator": creator,
        "creation_time": f"2031-05-0{count + 1}T09:30:00Z",
        "text": text,
        "tags": [],
    }
    data.update(extra or {})
    return data


def _comment_response(comments: list[dict[str, object]], bug_id: str = "9312") -> dict[str, object]:
    return {"bugs": {bug_id: {"comments": comments}}, "comments": {}}


BUG_RESPONSE = {
    "bugs": [
        {
            "id": 9312,
            "summary": "Brightmoss Signing: delayed disclosure of the lamplight key rollover",
            "product": "Fernhollow Trust List",
            "component": "Member Compliance",
            "creator": REPORTER,
            "assigned_to": ASSIGNEE,
            "status": "NEW",
        }
    ],
    "faults": [],
}

COMMENTS = [
    _comment(0, REPORTER, "The lamplight key was rolled over on 2031-04-28 and nothing was posted here yet."),
    _comment(1, ASSIGNEE, "We are drafting the disclosure and will post it before Friday."),
    _comment(2, OTHER, "Please include the exact times of the rollover ceremony in the disclosure."),
]


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _assert_detected(path: Path) -> None:
    assert detect_format(read_source(path)) == "bugzilla-json"


def test_comment_response_alone(tmp_path: Path) -> None:
    path = _write(tmp_path, "comments.json", json.dumps(_comment_response(COMMENTS), indent=1))
    _assert_detected(path)
    threads = load_threads(path)
    assert len(threads) == 1
    thread = threads[0]
    assert thread.source == "bugzilla"
    assert thread.id == "9312"
    assert thread.title is None
    assert thread.product is None
    assert thread.assignee is None
    assert thread.path == str(path)
    assert [c.number for c in thread.comments] == [0, 1, 2]
    assert [c.author for c in thread.comments] == [REPORTER, ASSIGNEE, OTHER]
    assert [c.id for c in thread.comments] == ["70000", "70001", "70002"]
    assert thread.comments[1].created == "2031-05-02T09:30:00Z"
    assert thread.comments[2].text == COMMENTS[2]["text"]
    assert thread.comments[2].own_text == COMMENTS[2]["text"]
    # Without the bug response only comment 0's author is known to be the reporter.
    assert [c.author_role for c in thread.comments] == ["reporter", None, None]


def _check_with_bug(path: Path) -> None:
    _assert_detected(path)
    threads = load_threads(path)
    assert len(threads) == 1
    thread = threads[0]
    assert thread.id == "9312"
    assert thread.title == "Brightmoss Signing: delayed disclosure of the lamplight key rollover"
    assert thread.product == "Fernhollow Trust List"
    assert thread.component == "Member Compliance"
    assert thread.reporter == REPORTER
    assert thread.assignee == ASSIGNEE
    assert [c.author_role for c in thread.comments] == ["reporter", "assignee", None]


def test_bug_and_comments_as_json_list(tmp_path: Path) -> None:
    path = _write(tmp_path, "bug.json", json.dumps([BUG_RESPONSE, _comment_response(COMMENTS)], indent=2))
    _check_with_bug(path)


def test_bug_and_comments_written_one_after_the_other(tmp_path: Path) -> None:
    content = json.dumps(BUG_RESPONSE, indent=1) + "\n" + json.dumps(_comment_response(COMMENTS), indent=1) + "\n"
    path = _write(tmp_path, "curl-output.json", content)
    _check_with_bug(path)


def test_comments_after_bug_without_whitespace_between(tmp_path: Path) -> None:
    path = _write(tmp_path, "glued.json", json.dumps(BUG_RESPONSE) + json.dumps(_comment_response(COMMENTS)))
    _check_with_bug(path)


def test_comments_sorted_by_count(tmp_path: Path) -> None:
    shuffled = [COMMENTS[2], COMMENTS[0], COMMENTS[1]]
    path = _write(tmp_path, "shuffled.json", json.dumps(_comment_response(shuffled)))
    thread = load_threads(path)[0]
    assert [c.number for c in thread.comments] == [0, 1, 2]
    assert [c.author for c in thread.comments] == [REPORTER, ASSIGNEE, OTHER]
    assert thread.comments[0].text.startswith("The lamplight key")


def test_tags_kept(tmp_path: Path) -> None:
    comments = [
        COMMENTS[0],
        _comment(1, OTHER, "This remark was hidden by an admin.", {"tags": ["off-topic", "admin-hidden"]}),
    ]
    path = _write(tmp_path, "tags.json", json.dumps(_comment_response(comments)))
    thread = load_threads(path)[0]
    assert thread.comments[0].tags == ()
    assert thread.comments[1].tags == ("off-topic", "admin-hidden")


def test_reply_header_and_quotes(tmp_path: Path) -> None:
    reply = (
        "(In reply to Teodor Valk from comment #1)\n"
        "> We are drafting the disclosure and will post it before Friday.\n"
        "\n"
        "Friday has come and gone. Where is it?"
    )
    comments = [*COMMENTS, _comment(3, REPORTER, reply)]
    path = _write(tmp_path, "reply.json", json.dumps([BUG_RESPONSE, _comment_response(comments)]))
    thread = load_threads(path)[0]
    comment = thread.comment(3)
    assert comment.text == reply
    assert comment.own_text == "Friday has come and gone. Where is it?"
    assert [(q.comment, q.text) for q in comment.quotes] == [
        (1, "We are drafting the disclosure and will post it before Friday.")
    ]
    assert comment.reply_to == (1,)
    assert [s.kind for s in comment.segments] == ["attribution", "quote", "own"]
    # Earlier comments quote nothing.
    assert thread.comment(1).reply_to == ()
    assert thread.comment(1).quotes == ()


def test_raw_text_used_when_text_absent(tmp_path: Path) -> None:
    raw = _comment(0, REPORTER, "placeholder")
    del raw["text"]
    raw["raw_text"] = "Only the raw text field is present here."
    path = _write(tmp_path, "raw.json", json.dumps(_comment_response([raw])))
    assert load_threads(path)[0].comments[0].text == "Only the raw text field is present here."


def test_duplicate_count_is_anexpect_source_error(tmp_path: Path) -> None:
    comments = [COMMENTS[0], COMMENTS[1], _comment(1, OTHER, "A second comment claiming number one.")]
    path = _write(tmp_path, "dup.json", json.dumps(_comment_response(comments)))
    error = expect_source_error(path)
    assert "duplicate comment number 1" in error.problem
    assert "bug 9312" in error.problem


def test_comment_without_text_is_anexpect_source_error(tmp_path: Path) -> None:
    broken = _comment(1, OTHER, "x")
    del broken["text"]
    path = _write(tmp_path, "notext.json", json.dumps(_comment_response([COMMENTS[0], broken])))
    error = expect_source_error(path)
    assert "missing 'text'" in error.problem
    assert "comment [1]" in error.problem


def test_comment_with_non_string_text_is_anexpect_source_error(tmp_path: Path) -> None:
    broken = _comment(1, OTHER, "x", {"text": ["not", "a", "string"]})
    path = _write(tmp_path, "listtext.json", json.dumps(_comment_response([COMMENTS[0], broken])))
    assert "missing 'text'" in expect_source_error(path).problem


@pytest.mark.parametrize("count", ["two", 1.5, True, -1])
def test_count_not_a_whole_number_is_anexpect_source_error(tmp_path: Path, count: object) -> None:
    broken = _comment(1, OTHER, "Counted oddly.", {"count": count})
    path = _write(tmp_path, "count.json", json.dumps(_comment_response([COMMENTS[0], broken])))
    error = expect_source_error(path)
    assert "'count' must be a whole number" in error.problem
    assert repr(count) in error.problem


def test_truncated_json_is_an_error_with_line(tmp_path: Path) -> None:
    full = json.dumps(_comment_response(COMMENTS), indent=1)
    cut = full[: len(full) // 2]
    path = _write(tmp_path, "cut.json", cut)
    error = expect_source_error(path)
    assert "truncated" in error.problem
    assert error.line is not None
    # The string cut off starts on the last line of the cut text.
    assert error.line == cut.count("\n") + 1
    assert str(error).startswith(f"{path}:{error.line}:")


def test_json_of_another_shape_is_anexpect_source_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "shape.json", json.dumps({"result": {"items": [1, 2, 3]}, "ok": True}))
    error = expect_source_error(path)
    assert "unknown shape" in error.problem
    assert "ok, result" in error.problem


def test_bug_response_alone_is_not_a_comment_response(tmp_path: Path) -> None:
    path = _write(tmp_path, "bugonly.json", json.dumps(BUG_RESPONSE))
    error = expect_source_error(path, "bugzilla-json")
    assert "not a Bugzilla comment response" in error.problem


def test_extra_document_beside_bugzilla_responses_is_anexpect_source_error(tmp_path: Path) -> None:
    content = json.dumps(_comment_response(COMMENTS)) + "\n" + json.dumps({"note": "stray"})
    path = _write(tmp_path, "stray.json", content)
    error = expect_source_error(path, "bugzilla-json")
    assert "unexpected JSON document" in error.problem
    assert "note" in error.problem


def test_truncated_between_tokens_is_an_error_with_line(tmp_path: Path) -> None:
    full = json.dumps([BUG_RESPONSE, _comment_response(COMMENTS)], indent=1)
    cut = full[: full.index('"count": 2,') + len('"count": 2,')] + "\n"
    path = _write(tmp_path, "cut2.json", cut)
    error = expect_source_error(path)
    assert "truncated" in error.problem
    assert error.line == cut.count("\n") + 1
    assert str(error).startswith(f"{path}:{error.line}:")


def test_malformed_json_mid_file_is_not_called_truncated(tmp_path: Path) -> None:
    full = json.dumps(_comment_response(COMMENTS), indent=1)
    broken = full.replace('"count": 1,', '"count": 1,,', 1)
    path = _write(tmp_path, "broken.json", broken)
    error = expect_source_error(path)
    assert "invalid JSON" in error.problem
    assert "truncated" not in error.problem
    assert error.line == broken[: broken.index(",,")].count("\n") + 1


# ---------------------------------------------------------------- comments embedded in bugs, bug dumps (JSONL)


def _bug(bug_id: int, comments: object, **extra: object) -> dict[str, object]:
    bug = dict(BUG_RESPONSE["bugs"][0])  # type: ignore[index]
    bug.update({"id": bug_id, "comments": comments, **extra})
    return bug


def test_bug_with_comments_embedded_detected_and_forced(tmp_path: Path) -> None:
    path = _write(tmp_path, "embedded.json", json.dumps({"bugs": [_bug(9312, COMMENTS)], "faults": []}, indent=2))
    _assert_detected(path)
    _check_with_bug(path)
    for forced in (None, "bugzilla-json"):
        [thread] = load_threads(path, forced)
        assert thread.id == "9312"
        assert [c.text for c in thread.comments] == [c["text"] for c in COMMENTS]
        assert [c.author_role for c in thread.comments] == ["reporter", "assignee", None]


def _dump(tmp_path: Path, lines: list[str], name: str = "dump.jsonl") -> Path:
    return _write(tmp_path, name, "".join(line + "\n" for line in lines))


def _second_bug_comments() -> list[dict[str, object]]:
    return [
        {**_comment(0, OTHER, "The roster export drops the last row."), "bug_id": 9400, "id": 80000},
        {**_comment(1, ASSIGNEE, ""), "bug_id": 9400, "id": 80001},
    ]


def test_bug_dump_one_bug_per_line(tmp_path: Path) -> None:
    path = _dump(
        tmp_path,
        [
            json.dumps({"bugs": [_bug(9312, COMMENTS)], "faults": []}),
            json.dumps(_bug(9400, _second_bug_comments(), summary="Roster export drops a row")),
        ],
    )
    _assert_detected(path)
    for forced in (None, "bugzilla-json"):
        threads = load_threads(path, forced)
        assert [(t.id, t.title, len(t.comments)) for t in threads] == [
            ("9312", "Brightmoss Signing: delayed disclosure of the lamplight key rollover", 3),
            ("9400", "Roster export drops a row", 2),
        ]
        assert threads[1].comment(1).text == ""
        assert threads[1].comment(1).author_role == "assignee"


def test_bug_dump_bad_line_is_named(tmp_path: Path) -> None:
    good = json.dumps(_bug(9312, COMMENTS))
    path = _dump(tmp_path, [good, json.dumps(_bug(9400, "none yet"))])
    error = expect_source_error(path)
    assert error.line == 2
    assert error.problem == "bug 9400: 'comments' must be a list, found a string"
    broken = _second_bug_comments()
    broken[1]["creator"] = 17
    path = _dump(tmp_path, [good, json.dumps({"bugs": [_bug(9400, broken)]})])
    error = expect_source_error(path, "bugzilla-json")
    assert error.line == 2
    assert error.problem == "bug 9400 comment [1]: field 'creator' must be a string, found the number 17"


def test_bug_dump_cut_short_names_the_line(tmp_path: Path) -> None:
    second = json.dumps(_bug(9400, _second_bug_comments()))
    path = _write(tmp_path, "cut.jsonl", json.dumps(_bug(9312, COMMENTS)) + "\n" + second[: len(second) // 2])
    error = expect_source_error(path)
    assert "truncated JSON" in error.problem
    assert "top-level JSON value 2 (starting on line 2)" in error.problem
    assert error.line == 2


def test_same_bug_twice_is_an_error(tmp_path: Path) -> None:
    line = json.dumps(_bug(9312, COMMENTS))
    error = expect_source_error(_dump(tmp_path, [line, line]))
    assert error.problem == "bug 9312: its comments appear twice in the file (line 1 and line 2)"


def test_bug_without_comments_beside_one_with_them_is_an_error(tmp_path: Path) -> None:
    bare = {k: v for k, v in _bug(9400, []).items() if k != "comments"}
    path = _write(tmp_path, "half.json", json.dumps({"bugs": [_bug(9312, COMMENTS), bare], "faults": []}))
    error = expect_source_error(path)
    assert error.problem.startswith("bug 9400: no comments in the file")
