"""Exported files as people save them (tests/fixtures, see its README for where each comes from): every one is
detected, and imports the same with ``--format`` forced to its format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import expect_source_error, run_cli

from moderation_core.thread import Thread
from moderator.sources import detect_format, load_threads
from moderator.sources.github_json import UNKNOWN_ISSUE_NOTE
from moderator.sources.reading import read_source

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# file -> (format, [(thread id, number of comments), ...])
EXPECTED: dict[str, tuple[str, list[tuple[str | None, int]]]] = {
    "github/hello-world-1.issue-then-comments.json": ("github-json", [("Codertocat/Hello-World#1", 2)]),
    "github/hello-world-2.review-comments.json": ("github-json", [("Codertocat/Hello-World#2", 1)]),
    "github/ghes-hello-world-1.comments.jsonl": ("github-json", [("Codertocat/Hello-World#1", 1)]),
    "github/gh-issue-view-123.json": ("github-json", [("OWNER/REPO#123", 7)]),
    "github/gh-issue-view-58.comments.json": ("github-json", [("tarnwick/kettle-sync#58", 5)]),
    "github/gh-pr-view-60.json": ("github-json", [("tarnwick/kettle-sync#60", 3)]),
    "github/gh-issue-list.json": ("github-json", [("tarnwick/kettle-sync#61", 2), ("tarnwick/kettle-sync#58", 3)]),
    "github/paginate.issue-then-pages.json": ("github-json", [("tarnwick/kettle-sync#58", 6)]),
    "github/paginate.slurp.json": ("github-json", [("tarnwick/kettle-sync#58", 5)]),
    "github/jq-comments.jsonl": ("github-json", [("tarnwick/kettle-sync#58", 5)]),
    "github/repo-wide-comments.json": (
        "github-json",
        [("tarnwick/kettle-sync#58", 2), ("tarnwick/kettle-sync#61", 2), ("tarnwick/kettle-sync#60", 1)],
    ),
    "github/old-api-comments.json": ("github-json", [("tarnwick/kettle-sync#12", 2)]),
    "github/no-url-comments.json": ("github-json", [(None, 2)]),
    "bugzilla/bugsy-1017315.with-comments.json": ("bugzilla-json", [("1017315", 2)]),
    "bugzilla/bug-dump.jsonl": ("bugzilla-json", [("1017315", 2), ("4410", 3)]),
    "mail/cpython-msg_01.eml": ("mbox", [("<15090.61304.110929.45684@aaa.zzz.org>", 1)]),
    "mail/cpython-msg_10.eml": ("mbox", [("<message-1@mbox>", 1)]),
    "mail/cpython-mailbox_01.mbox": ("mbox", [("<message-1@mbox>", 1)]),
    "mail/merged-archives.mbox": (
        "mbox",
        [("<15090.61304.110929.45684@aaa.zzz.org>", 1), ("<15261.36209.358846.118674@anthem.python.org>", 1)],
    ),
}


def _load(name: str, format: str | None = None) -> list[Thread]:
    return load_threads(FIXTURES / name, format)


def _rows(thread: Thread) -> list[tuple[object, ...]]:
    return [(c.number, c.id, c.author, c.author_role, c.created, c.text, c.tags) for c in thread.comments]


# Folders of tests/fixtures that hold no exports to import: the decision logs of schema 1 (with the JSON of what
# was written to them and read back) belong to tests/test_log_records.py and have a README of their own.
NOT_EXPORTS = {"logs", "realworld"}


def test_every_fixture_is_listed() -> None:
    names = {
        str(path.relative_to(FIXTURES))
        for path in FIXTURES.rglob("*")
        if path.is_file()
        and path.suffix in (".json", ".jsonl", ".eml", ".mbox")
        and path.relative_to(FIXTURES).parts[0] not in NOT_EXPORTS
    }
    assert names == set(EXPECTED) | {"mail/conflicting-copies.mbox"}
    assert all((FIXTURES / folder).is_dir() for folder in NOT_EXPORTS)  # no stale exception hiding a new folder


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_detected_and_forced_alike(name: str) -> None:
    format, expected = EXPECTED[name]
    assert detect_format(read_source(FIXTURES / name)) == format
    detected = _load(name)
    forced = _load(name, format)
    assert [(t.id, len(t.comments)) for t in detected] == expected
    assert [t.to_dict() for t in detected] == [t.to_dict() for t in forced]


REFUSALS = {
    "github-json": "not a GitHub issue comments export",
    "bugzilla-json": "not a Bugzilla comment response",
    "mbox": "not an mbox archive",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_another_format_forced_is_an_error_not_a_partial_import(name: str) -> None:
    own = EXPECTED[name][0]
    for other, refusal in REFUSALS.items():
        if other != own:
            problem = expect_source_error(FIXTURES / name, other).problem
            assert refusal in problem or problem.startswith("invalid JSON"), (other, problem)


# ---------------------------------------------------------------------------------------------- GitHub, real


def test_rest_issue_then_comments_from_githubs_examples() -> None:
    [thread] = _load("github/hello-world-1.issue-then-comments.json")
    assert thread.title == "Spelling error in the README file"
    assert thread.url == "https://github.com/Codertocat/Hello-World/issues/1"
    assert (thread.reporter, thread.assignee) == ("Codertocat", "Codertocat")
    assert _rows(thread) == [
        (
            0,
            "444500041",
            "Codertocat",
            "owner",
            "2019-05-15T15:20:18Z",
            "It looks like you accidently spelled 'commit' with two 't's.",
            ("bug",),
        ),
        (
            1,
            "492700400",
            "Codertocat",
            "owner",
            "2019-05-15T15:20:21Z",
            "You are totally right! I'll get this fixed right away.",
            (),
        ),
    ]
    assert thread.notes == ()


def test_pull_request_review_comments_carry_pull_request_url() -> None:
    [thread] = _load("github/hello-world-2.review-comments.json")
    assert thread.title is None
    assert _rows(thread) == [
        (
            1,
            "284312630",
            "Codertocat",
            "owner",
            "2019-05-15T15:20:37Z",
            "Maybe you should use more emoji on this line.",
            (),
        ),
    ]


def test_enterprise_server_urls_name_the_issue() -> None:
    [thread] = _load("github/ghes-hello-world-1.comments.jsonl")
    assert [(c.number, c.id, c.text) for c in thread.comments] == [
        (1, "2", "You are totally right! I'll get this fixed right away.")
    ]


def test_gh_issue_view_json() -> None:
    [thread] = _load("github/gh-issue-view-123.json")
    assert (thread.title, thread.url, thread.reporter) == (
        "ix of coins",
        "https://github.com/OWNER/REPO/issues/123",
        "marseilles",
    )
    assert [(c.number, c.author, c.author_role, c.text) for c in thread.comments] == [
        (0, "marseilles", None, "**bold story**"),
        (1, "monalisa", None, "Comment 1"),
        (2, "johnnytest", "contributor", "Comment 2"),
        (3, "elvisp", "member", "Comment 3"),
        (4, "loislane", "owner", "Comment 4"),
        (5, "sam-spam", None, "Spam comment"),
        (6, "marseilles", "collaborator", "Comment 5"),
    ]
    # A comment GitHub's moderators hid says so.
    assert thread.comment(5).tags == ("minimized:spam",)
    assert thread.comment(1).tags == ()
    assert thread.comment(1).created == "2020-01-01T12:00:00Z"
    assert all(c.id is None for c in thread.comments)  # gh printed "id": ""


# ------------------------------------------------------------------------------------------ GitHub, invented


def test_gh_view_of_comments_alone_takes_the_id_from_the_comment_urls() -> None:
    [thread] = _load("github/gh-issue-view-58.comments.json")
    assert thread.title is None and thread.url is None
    assert [c.number for c in thread.comments] == [1, 2, 3, 4, 5]
    assert thread.comment(1).id == "IC_kwDOAbCdEf9001"
    assert thread.comment(3).text == ""
    assert thread.comment(4).reply_to == (2,)


def test_gh_pr_view_with_a_deleted_author() -> None:
    [thread] = _load("github/gh-pr-view-60.json")
    assert thread.url == "https://github.com/tarnwick/kettle-sync/pull/60"
    assert thread.reporter == "bastian-quill"
    assert [(c.number, c.author, c.text) for c in thread.comments] == [
        (0, "bastian-quill", "Fetch every page of the roster instead of the first two.\n\nFixes #58."),
        (1, "pim-larsen", "This PR also bumps the pager page size; is that intended?"),
        (2, None, "(comment of a deleted account)"),
    ]


def test_gh_issue_list_is_one_thread_per_issue() -> None:
    threads = _load("github/gh-issue-list.json")
    assert [(t.id, t.title, t.reporter) for t in threads] == [
        ("tarnwick/kettle-sync#61", "Export the station names with the roster", "marit-fenn"),
        ("tarnwick/kettle-sync#58", "Sync stalls when the kettle roster has more than 400 entries", "wrenna-oakes"),
    ]
    assert [(c.number, c.author, c.author_role) for c in threads[0].comments] == [
        (0, "marit-fenn", None),
        (1, "bastian-quill", "member"),
    ]
    assert threads[1].comment(2).text == "Confirmed, the pager stops after the second page."


def test_paginated_slurped_and_jq_lines_give_the_same_comments() -> None:
    [pages] = _load("github/paginate.issue-then-pages.json")
    [slurp] = _load("github/paginate.slurp.json")
    [lines] = _load("github/jq-comments.jsonl")
    assert pages.title == "Sync stalls when the kettle roster has more than 400 entries"
    assert (pages.reporter, pages.assignee) == ("wrenna-oakes", "bastian-quill")
    assert [c.id for c in pages.comments] == ["5500058", "9001", "9002", "9003", "9004", "9005"]
    assert _rows(slurp) == _rows(lines) == _rows(pages)[1:]
    assert [(c.number, c.reply_to) for c in slurp.comments if c.reply_to] == [(4, (2,))]
    assert slurp.comment(4).own_text == "Same here with 450 entries."


def test_repository_wide_list_is_one_thread_per_issue() -> None:
    threads = _load("github/repo-wide-comments.json")
    assert [(t.id, [(c.number, c.id) for c in t.comments]) for t in threads] == [
        ("tarnwick/kettle-sync#58", [(1, "9001"), (2, "9002")]),
        ("tarnwick/kettle-sync#61", [(1, "9101"), (2, "9103")]),
        ("tarnwick/kettle-sync#60", [(1, "9102")]),
    ]
    assert threads[1].comment(2).author == "bastian-quill"


def test_old_comments_without_issue_url_grouped_by_html_url() -> None:
    [thread] = _load("github/old-api-comments.json")
    assert [(c.id, c.author, c.created) for c in thread.comments] == [
        ("301", "pim-larsen", "2012-06-01T08:01:00Z"),
        ("302", "bastian-quill", "2012-06-01T08:09:00Z"),
    ]


def test_comments_without_url_say_the_thread_is_unknown() -> None:
    [thread] = _load("github/no-url-comments.json")
    assert thread.id is None
    assert thread.notes == (UNKNOWN_ISSUE_NOTE,)
    assert [c.text for c in thread.comments] == [
        "Saved from a mail notification: the sync finished after all.",
        "Same here.",
    ]
    result = run_cli("thread", str(FIXTURES / "github/no-url-comments.json"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["thread"]["notes"] == [UNKNOWN_ISSUE_NOTE]


# -------------------------------------------------------------------------------------------------- Bugzilla


def test_bug_with_comments_embedded() -> None:
    [thread] = _load("bugzilla/bugsy-1017315.with-comments.json")
    assert (thread.title, thread.product, thread.component) == (
        "Schedule Mn tests on opt Linux builds on cedar",
        "Release Engineering",
        "General Automation",
    )
    assert (thread.reporter, thread.assignee) == ("jgriffin@mozilla.com", "jgriffin@mozilla.com")
    assert _rows(thread) == [
        (0, "8589785", "gps@mozilla.com", None, "2014-03-27T23:47:45Z", "text 1", ("tag1", "tag2")),
        (1, "8589812", "gps@mozilla.com", None, "2014-03-27T23:56:34Z", "text 2", ()),
    ]


def test_bug_dump_one_bug_per_line() -> None:
    first, second = _load("bugzilla/bug-dump.jsonl")
    [alone] = _load("bugzilla/bugsy-1017315.with-comments.json")
    assert first.to_dict() == {**alone.to_dict()}
    assert (second.id, second.title, second.reporter, second.assignee) == (
        "4410",
        "Lantern sync drops the last roster entry",
        "ines.dorrow@saltmarsh.example",
        "olek.brandt@fjordlamp.example",
    )
    assert [(c.number, c.author_role, c.text) for c in second.comments][:2] == [
        (0, "reporter", "With 401 roster entries the last one never arrives."),
        (1, "assignee", ""),
    ]
    assert second.comment(2).own_text == "The pager stops one short; patch coming."
    assert [q.comment for q in second.comment(2).quotes] == [0]


# ------------------------------------------------------------------------------------------------------ mail


def test_single_message_eml_is_a_thread_of_one() -> None:
    [thread] = _load("mail/cpython-msg_01.eml")
    assert thread.title == "This is a test message"
    [comment] = thread.comments
    assert (comment.number, comment.author, comment.created) == (0, "bbb@ddd.com", "2001-05-04T14:05:44-04:00")
    assert comment.text.strip() == "Hi,\n\nDo you like this message?\n\n-Me"


def test_single_multipart_message_without_message_id() -> None:
    [thread] = _load("mail/cpython-msg_10.eml")
    assert (thread.title, thread.reporter) == ("Lyrics", "Barry Warsaw")
    assert [c.text for c in thread.comments] == ["This is a 7bit encoded message."]


def test_unescaped_from_paragraph_does_not_start_a_message() -> None:
    [thread] = _load("mail/cpython-mailbox_01.mbox")
    assert thread.title == "unquoted From in body; extra info on From line"
    assert [(c.author, c.text) for c in thread.comments] == [("foo", "Hello\n\nFrom time to time")]


def test_identical_copies_from_merged_archives_are_dropped_and_counted() -> None:
    first, second = _load("mail/merged-archives.mbox")
    assert first.title == "This is a test message"
    assert first.notes == (
        "1 duplicate copy of messages in this thread dropped (same Message-ID, same headers and body)",
    )
    assert first.header_dict()["notes"] == list(first.notes)
    assert second.title == "a simple multipart"
    assert second.notes == ()
    assert "notes" not in second.header_dict()
    assert second.comments[0].text == "a simple kind of mirror\nto reflect upon our own"


def test_different_messages_under_one_message_id_name_both() -> None:
    path = FIXTURES / "mail/conflicting-copies.mbox"
    error = expect_source_error(path)
    assert error.line == 22
    assert error.problem == (
        "duplicate Message-ID <15090.61304.110929.45684@aaa.zzz.org> with different content: "
        "message 2 (line 22) and message 1 (line 1)"
    )
