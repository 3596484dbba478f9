"""GitHub issue comments JSON import: the comment list alone or after the issue object, bodies, roles, quotes, errors.

All names and text below are invented for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


# ------------------------------------------------------------------------ shapes of `gh` and older responses


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _gh(comment: dict[str, object]) -> dict[str, object]:
    """A REST comment as `gh issue view --json comments` prints it."""
    return {
        "id": f"IC_{comment['id']}",
        "author": comment["user"],
        "authorAssociation": comment["author_association"],
        "body": comment["body"] or "",
        "createdAt": comment["created_at"],
        "url": comment["html_url"],
    }


def _check_issue_58(path: Path, first_number: int = 1) -> None:
    assert detect_format(read_source(path)) == "github-json"
    for forced in (None, "github-json"):
        [thread] = load_threads(path, forced)
        assert thread.id == "tarnwick/kettle-sync#58"
        assert [c.author for c in thread.comments if c.number >= 1] == ["pim-larsen", "bastian-quill", "wrenna-oakes"]
        assert thread.comments[0].number == first_number
        assert thread.comment(1).text == FIRST


def test_comments_without_issue_url_use_html_url(tmp_path: Path) -> None:
    old = [{k: v for k, v in c.items() if k != "issue_url"} for c in COMMENTS]
    _check_issue_58(_write(tmp_path, "old.json", old))


def test_pages_concatenated_with_and_without_newline(tmp_path: Path) -> None:
    for glue in ("", "\n"):
        _check_issue_58(_write(tmp_path, "pages.json", _compact(COMMENTS[:2]) + glue + _compact(COMMENTS[2:])))
    text = _compact(ISSUE) + "\n" + _compact(COMMENTS[:1]) + _compact(COMMENTS[1:]) + "\n"
    _check_issue_58(_write(tmp_path, "issue-pages.json", text), first_number=0)


def test_slurped_pages(tmp_path: Path) -> None:
    _check_issue_58(_write(tmp_path, "slurp.json", [COMMENTS[:2], COMMENTS[2:]]))


def test_jq_lines_are_github_not_generic_jsonl(tmp_path: Path) -> None:
    path = _write(tmp_path, "lines.jsonl", "".join(_compact(c) + "\n" for c in COMMENTS))
    _check_issue_58(path)
    lines = _compact(ISSUE) + "\n" + "".join(_compact(c) + "\n" for c in COMMENTS)
    with_issue = _write(tmp_path, "issue-lines.jsonl", lines)
    _check_issue_58(with_issue, first_number=0)


def test_gh_issue_view_with_embedded_comments(tmp_path: Path) -> None:
    view = {
        "author": {"id": "U_1", "is_bot": False, "login": "wrenna-oakes", "name": "Wrenna Oakes"},
        "assignees": [{"id": "U_2", "login": "bastian-quill", "name": ""}],
        "body": ISSUE["body"],
        "comments": [_gh(c) for c in COMMENTS],
        "labels": [{"id": "LA_1", "name": "bug", "description": "", "color": "d73a4a"}],
        "number": 58,
        "title": ISSUE["title"],
        "url": f"{HTML}/issues/58",
    }
    path = _write(tmp_path, "view.json", view)
    _check_issue_58(path, first_number=0)
    [thread] = load_threads(path)
    assert (thread.reporter, thread.assignee, thread.url) == ("wrenna-oakes", "bastian-quill", f"{HTML}/issues/58")
    assert thread.comment(0).tags == ("bug",)
    assert [c.id for c in thread.comments] == [None, "IC_9001", "IC_9002", "IC_9003"]
    assert [c.author_role for c in thread.comments] == [None, None, "member", "contributor"]
    only = _write(tmp_path, "comments.json", {"comments": view["comments"]})
    _check_issue_58(only)
    assert load_threads(only)[0].title is None


def test_review_comment_replies_quote_their_parent(tmp_path: Path) -> None:
    def review(comment_id: int, login: str, body: str, reply_to: int | None = None) -> dict[str, object]:
        data: dict[str, object] = {
            "url": f"{API}/pulls/comments/{comment_id}",
            "pull_request_url": f"{API}/pulls/60",
            "html_url": f"{HTML}/pull/60#discussion_r{comment_id}",
            "id": comment_id,
            "diff_hunk": "@@ -10,3 +10,4 @@ def fetch_roster(pager):",
            "path": "kettle/sync.py",
            "line": 12,
            "user": {"login": login},
            "author_association": "NONE",
            "created_at": "2032-03-14T11:00:00Z",
            "body": body,
        }
        if reply_to is not None:
            data["in_reply_to_id"] = reply_to
        return data

    comments = [
        review(77, "pim-larsen", "This loop stops after two pages of the roster."),
        # Edited quote: not verbatim, still the parent's.
        review(78, "bastian-quill", "> this loop stops after 2 pages\n\nIt follows the Link header now.", reply_to=77),
    ]
    [thread] = load_threads(_write(tmp_path, "review.json", comments))
    assert thread.id == "tarnwick/kettle-sync#60"
    reply = thread.comment(2)
    assert reply.own_text == "It follows the Link header now."
    assert [(q.comment, q.text) for q in reply.quotes] == [(1, "this loop stops after 2 pages")]


def test_comments_of_two_repositories_are_two_threads(tmp_path: Path) -> None:
    other = _gh_comment(9101, "marit-fenn", "Unrelated remark on another project.", minute=30)
    other["issue_url"] = "https://api.github.example/repos/quillstone/ledger/issues/187"
    other["html_url"] = "https://github.example/quillstone/ledger/issues/187#issuecomment-9101"
    threads = load_threads(_write(tmp_path, "two.json", [COMMENTS[0], other, COMMENTS[1]]))
    assert [(t.id, [c.id for c in t.comments]) for t in threads] == [
        ("tarnwick/kettle-sync#58", ["9001", "9002"]),
        ("quillstone/ledger#187", ["9101"]),
    ]
    assert [c.number for c in threads[0].comments] == [1, 2]


def test_issue_with_comments_of_another_repositorys_issue_is_an_error(tmp_path: Path) -> None:
    issue = {**ISSUE, "number": 28, "url": f"{API}/issues/28", "html_url": f"{HTML}/issues/28"}
    other = _gh_comment(9101, "marit-fenn", "Posted on another project.")
    other["issue_url"] = "https://api.github.example/repos/quillstone/ledger/issues/187"
    other["html_url"] = "https://github.example/quillstone/ledger/issues/187#issuecomment-9101"
    error = expect_source_error(_write(tmp_path, "mixed.json", [issue, [other]]))
    assert error.problem == (
        "comment [0]: a comment of quillstone/ledger#187, not of tarnwick/kettle-sync#28 "
        "(the issue at the top of the file)"
    )
    # The same issue number in another repository is another issue too.
    other["issue_url"] = "https://api.github.example/repos/quillstone/ledger/issues/28"
    other["html_url"] = "https://github.example/quillstone/ledger/issues/28#issuecomment-9101"
    error = expect_source_error(_write(tmp_path, "mixed.json", [issue, [COMMENTS[0], other]]), "github-json")
    assert "comment [0]: a comment of tarnwick/kettle-sync#58, not of tarnwick/kettle-sync#28" in error.problem


def test_issue_without_url_takes_the_repository_from_its_comments(tmp_path: Path) -> None:
    issue = {k: v for k, v in ISSUE.items() if k not in ("url", "html_url")}
    [thread] = load_threads(_write(tmp_path, "bare-issue.json", [issue, COMMENTS]))
    assert thread.id == "tarnwick/kettle-sync#58"
    issue["number"] = 28
    error = expect_source_error(_write(tmp_path, "bare-issue.json", [issue, COMMENTS]))
    assert error.problem.startswith("comment [0]: a comment of tarnwick/kettle-sync#58, not of issue #28")


def test_comments_without_any_url_say_the_thread_cannot_be_known(tmp_path: Path) -> None:
    bare = [{k: v for k, v in c.items() if not k.endswith("url")} for c in COMMENTS]
    [thread] = load_threads(_write(tmp_path, "bare.json", bare))
    assert thread.id is None
    assert len(thread.notes) == 1 and "cannot be known" in thread.notes[0]
    assert thread.to_dict()["thread"]["notes"] == list(thread.notes)
    assert [c.author for c in thread.comments] == ["pim-larsen", "bastian-quill", "wrenna-oakes"]


def test_null_author_is_no_author(tmp_path: Path) -> None:
    ghost = {**COMMENTS[1], "user": None}
    [thread] = load_threads(_write(tmp_path, "ghost.json", [COMMENTS[0], ghost]))
    assert [c.author for c in thread.comments] == ["pim-larsen", None]
    view = {"comments": [{**_gh(COMMENTS[0]), "author": None}]}
    [thread] = load_threads(_write(tmp_path, "ghost-view.json", view))
    assert thread.comment(1).author is None and thread.comment(1).text == FIRST


# ----------------------------------------------------------------------------------- bad input, new shapes


def test_pages_cut_short_name_the_line_and_the_page(tmp_path: Path) -> None:
    text = _compact(COMMENTS[:2]) + "\n" + _compact(COMMENTS[2:])
    cut = text[: text.index("\n") + 40]
    error = expect_source_error(_write(tmp_path, "cut.json", cut))
    assert "truncated JSON" in error.problem
    assert "top-level JSON value 2 (starting on line 2)" in error.problem
    assert error.line == 2
    # Glued pages on one line: the column says where.
    glued = _compact(COMMENTS[:2]) + _compact(COMMENTS[2:])[:40]
    error = expect_source_error(_write(tmp_path, "glued.json", glued), "github-json")
    assert "truncated JSON" in error.problem and error.line == 1
    assert str(error).startswith(f"{tmp_path / 'glued.json'}:1:")


def test_jq_lines_cut_short_name_the_line(tmp_path: Path) -> None:
    lines = [_compact(c) for c in COMMENTS]
    path = _write(tmp_path, "cut.jsonl", lines[0] + "\n" + lines[1] + "\n" + lines[2][:50])
    error = expect_source_error(path)
    assert "truncated JSON" in error.problem
    assert error.line == 3
    assert "'text'" not in error.problem  # not read as generic JSONL


def test_gh_comments_not_a_list(tmp_path: Path) -> None:
    view = {"number": 58, "title": ISSUE["title"], "url": f"{HTML}/issues/58", "comments": {"nodes": []}}
    path = _write(tmp_path, "view.json", view)
    for forced in (None, "github-json"):
        error = expect_source_error(path, forced)
        assert error.problem == "'comments' must be a list of comment objects, found an object with keys nodes"


@pytest.mark.parametrize(
    ("shape", "where", "line"),
    [
        ("list", "comment [2]: ", None),
        ("pages", "page 2 item [0]: ", None),
        ("slurp", "page 2 item [0]: ", None),
        ("lines", "", 3),
        ("view", "comments[2]: ", None),
    ],
)
def test_author_that_is_a_number_names_the_comment(tmp_path: Path, shape: str, where: str, line: int | None) -> None:
    comments = [dict(c) for c in COMMENTS]
    comments[2]["user"] = 4711
    content: object = {
        "list": comments,
        "pages": _compact(comments[:2]) + _compact(comments[2:]),
        "slurp": [comments[:2], comments[2:]],
        "lines": "".join(_compact(c) + "\n" for c in comments),
        "view": {"comments": [{**_gh(c), "author": c["user"]} for c in comments]},
    }[shape]
    error = expect_source_error(_write(tmp_path, f"{shape}.json", content))
    key = "author" if shape == "view" else "user"
    assert error.problem == f"{where}'{key}' must be an object with a 'login', found the number 4711"
    assert error.line == line


def test_body_not_a_string_names_the_page_item(tmp_path: Path) -> None:
    comments = [dict(c) for c in COMMENTS]
    comments[2]["body"] = ["not", "text"]
    error = expect_source_error(_write(tmp_path, "slurp.json", [comments[:1], comments[1:]]))
    assert error.problem == "page 2 item [1]: 'body' must be a string, found a list of 2 items"


def test_duplicate_ids_across_pages_name_both(tmp_path: Path) -> None:
    error = expect_source_error(_write(tmp_path, "overlap.json", [COMMENTS[:2], COMMENTS[1:]]))
    assert error.problem == "page 2 item [0]: duplicate comment id 9002 (first at page 1 item [1])"


def test_gh_issue_list_lines_and_their_errors(tmp_path: Path) -> None:
    def view(number: int, comments: list[dict[str, object]]) -> dict[str, object]:
        return {
            "number": number,
            "title": f"Issue {number}",
            "url": f"{HTML}/issues/{number}",
            "author": {"login": "wrenna-oakes"},
            "body": f"Body of {number}.",
            "comments": comments,
        }

    lines = [view(58, [_gh(c) for c in COMMENTS]), view(59, [])]
    path = _write(tmp_path, "list.jsonl", "".join(_compact(v) + "\n" for v in lines))
    assert detect_format(read_source(path)) == "github-json"
    threads = load_threads(path)
    assert [(t.id, len(t.comments)) for t in threads] == [
        ("tarnwick/kettle-sync#58", 4),
        ("tarnwick/kettle-sync#59", 1),
    ]
    lines[1]["comments"] = [{**_gh(COMMENTS[0]), "id": "IC_x", "url": f"{HTML}/issues/59#c", "body": 7}]
    error = expect_source_error(_write(tmp_path, "list.jsonl", "".join(_compact(v) + "\n" for v in lines)))
    assert (error.line, error.problem) == (2, "comments[0]: 'body' must be a string, found the number 7")
    error = expect_source_error(_write(tmp_path, "list.json", lines))
    assert error.problem == "issue [1] comments[0]: 'body' must be a string, found the number 7"
