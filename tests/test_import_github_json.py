"""GitHub issue comments JSON import: the comment list alone or after the issue object, bodies, roles, quotes, errors.

All names and text below are invented for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import expect_source_error

from moderator.sources import detect_format, load_threads
from moderator.sources.reading import read_source

API = "https://api.github.example/repos/tarnwick/kettle-sync"
HTML = "https://github.example/tarnwick/kettle-sync"


def _gh_comment(
    comment_id: int, login: str, body: str | None, association: str = "NONE", minute: int = 0
) -> dict[str, object]:
    return {
        "url": f"{API}/issues/comments/{comment_id}",
        "html_url": f"{HTML}/issues/58#issuecomment-{comment_id}",
        "issue_url": f"{API}/issues/58",
        "id": comment_id,
        "user": {"login": login, "id": comment_id + 7, "type": "User"},
        "created_at": f"2032-03-14T10:{minute:02d}:00Z",
        "updated_at": f"2032-03-14T10:{minute:02d}:00Z",
        "author_association": association,
        "body": body,
    }


ISSUE = {
    "url": f"{API}/issues/58",
    "html_url": f"{HTML}/issues/58",
    "id": 5500058,
    "number": 58,
    "title": "Sync stalls when the kettle roster has more than 400 entries",
    "user": {"login": "wrenna-oakes"},
    "labels": [{"name": "bug"}, {"name": "needs-triage"}],
    "assignee": {"login": "bastian-quill"},
    "author_association": "CONTRIBUTOR",
    "created_at": "2032-03-14T09:00:00Z",
    "body": "With 401 roster entries the sync spinner never stops.\r\nWith 399 it finishes in a second.",
}

FIRST = "I can reproduce this on the nightly build with a roster of exactly 401 entries."
COMMENTS = [
    _gh_comment(9001, "pim-larsen", FIRST, minute=5),
    _gh_comment(9002, "bastian-quill", "Confirmed, the pager stops after the second page.", "MEMBER", 10),
    _gh_comment(9003, "wrenna-oakes", None, "CONTRIBUTOR", 15),
]


def _write(tmp_path: Path, name: str, value: object) -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value, indent=2), encoding="utf-8")
    return path


def test_comment_list_alone(tmp_path: Path) -> None:
    path = _write(tmp_path, "comments.json", COMMENTS)
    assert detect_format(read_source(path)) == "github-json"
    threads = load_threads(path)
    assert len(threads) == 1
    thread = threads[0]
    assert thread.source == "github"
    assert thread.id == "tarnwick/kettle-sync#58"
    assert thread.title is None
    assert thread.url is None
    assert thread.reporter is None
    assert [c.number for c in thread.comments] == [1, 2, 3]
    assert [c.id for c in thread.comments] == ["9001", "9002", "9003"]
    assert [c.author for c in thread.comments] == ["pim-larsen", "bastian-quill", "wrenna-oakes"]
    assert thread.comments[0].created == "2032-03-14T10:05:00Z"
    assert thread.comments[0].text == FIRST


def test_author_association_is_the_role(tmp_path: Path) -> None:
    thread = load_threads(_write(tmp_path, "roles.json", COMMENTS))[0]
    # NONE is no role at all; others are lower-cased.
    assert [c.author_role for c in thread.comments] == [None, "member", "contributor"]


def test_null_body_is_empty_text(tmp_path: Path) -> None:
    thread = load_threads(_write(tmp_path, "null.json", COMMENTS))[0]
    empty = thread.comment(3)
    assert empty.text == ""
    assert empty.own_text == ""
    assert empty.segments == ()


def _check_with_issue(path: Path) -> None:
    assert detect_format(read_source(path)) == "github-json"
    threads = load_threads(path)
    assert len(threads) == 1
    thread = threads[0]
    assert thread.id == "tarnwick/kettle-sync#58"
    assert thread.title == "Sync stalls when the kettle roster has more than 400 entries"
    assert thread.url == f"{HTML}/issues/58"
    assert thread.reporter == "wrenna-oakes"
    assert thread.assignee == "bastian-quill"
    assert [c.number for c in thread.comments] == [0, 1, 2, 3]
    opening = thread.comment(0)
    assert opening.id == "5500058"
    assert opening.author == "wrenna-oakes"
    assert opening.author_role == "contributor"
    assert opening.tags == ("bug", "needs-triage")
    # \r\n line ends of the body become \n.
    assert opening.text == "With 401 roster entries the sync spinner never stops.\nWith 399 it finishes in a second."
    assert thread.comment(1).text == FIRST
    assert thread.comment(1).tags == ()


def test_issue_and_comments_as_json_list(tmp_path: Path) -> None:
    _check_with_issue(_write(tmp_path, "issue.json", [ISSUE, COMMENTS]))


def test_issue_and_comments_written_one_after_the_other(tmp_path: Path) -> None:
    text = json.dumps(ISSUE, indent=2) + "\n" + json.dumps(COMMENTS, indent=2) + "\n"
    _check_with_issue(_write(tmp_path, "curl.json", text))


def test_issue_alone(tmp_path: Path) -> None:
    thread = load_threads(_write(tmp_path, "issue-only.json", ISSUE))[0]
    assert thread.id == "tarnwick/kettle-sync#58"
    assert [c.number for c in thread.comments] == [0]


def test_crlf_bodies(tmp_path: Path) -> None:
    comments = [_gh_comment(9101, "pim-larsen", "Line one of the report.\r\n\r\nLine three, after a gap.\r\n")]
    thread = load_threads(_write(tmp_path, "crlf.json", comments))[0]
    assert thread.comment(1).text == "Line one of the report.\n\nLine three, after a gap.\n"
    assert "\r" not in thread.comment(1).own_text
    assert thread.comment(1).own_text == "Line one of the report.\n\nLine three, after a gap."


def test_crlf_file_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "windows.json"
    path.write_bytes(json.dumps(COMMENTS, indent=2).replace("\n", "\r\n").encode("utf-8"))
    thread = load_threads(path)[0]
    assert [c.number for c in thread.comments] == [1, 2, 3]
    assert thread.comment(2).text == "Confirmed, the pager stops after the second page."


def test_quote_attributed_by_verbatim_match(tmp_path: Path) -> None:
    reply = f"> {FIRST}\r\n\r\nThat matches what our field team saw last week."
    comments = [*COMMENTS, _gh_comment(9004, "marit-fenn", reply, "NONE", 20)]
    thread = load_threads(_write(tmp_path, "quote.json", [ISSUE, comments]))[0]
    comment = thread.comment(4)
    assert comment.own_text == "That matches what our field team saw last week."
    assert [(q.comment, q.text) for q in comment.quotes] == [(1, FIRST)]
    assert comment.reply_to == (1,)


def test_quote_of_unknown_text_has_no_origin(tmp_path: Path) -> None:
    reply = "> a sentence that no earlier comment in this thread ever contained\n\nI disagree."
    comments = [*COMMENTS, _gh_comment(9004, "marit-fenn", reply)]
    thread = load_threads(_write(tmp_path, "unknown-quote.json", comments))[0]
    comment = thread.comment(4)
    assert comment.own_text == "I disagree."
    assert [(q.comment, q.text) for q in comment.quotes] == [
        (None, "a sentence that no earlier comment in this thread ever contained")
    ]
    assert comment.reply_to == ()




def test_list_of_non_comment_objects_is_anexpect_source_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "objects.json", [{"name": "alpha", "size": 3}, {"name": "beta", "size": 4}])
    error = expect_source_error(path)
    assert "unknown shape" in error.problem
    assert "found a list of 2 items" in error.problem


def test_list_of_non_comment_objects_named_github_is_anexpect_source_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "objects.json", [{"name": "alpha", "size": 3}])
    error = expect_source_error(path, "github-json")
    assert "not a GitHub issue comments export" in error.problem
    assert "a list of 1 items" in error.problem


def test_non_comment_after_issue_is_anexpect_source_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "mixed.json", [ISSUE, [COMMENTS[0], {"name": "alpha"}]])
    error = expect_source_error(path)
    assert "comment [1]" in error.problem
    assert "expected a GitHub comment object" in error.problem


def test_duplicate_comment_ids_are_anexpect_source_error(tmp_path: Path) -> None:
    comments = [COMMENTS[0], _gh_comment(9001, "marit-fenn", "Same id as the first comment.")]
    error = expect_source_error(_write(tmp_path, "dups.json", comments))
    assert "duplicate comment id 9001" in error.problem


def test_non_string_body_is_anexpect_source_error(tmp_path: Path) -> None:
    comments = [COMMENTS[0], _gh_comment(9005, "marit-fenn", None)]
    comments[1]["body"] = {"text": "nested"}
    error = expect_source_error(_write(tmp_path, "body.json", comments))
    assert "comment [1]" in error.problem
    assert "'body' must be a string" in error.problem
