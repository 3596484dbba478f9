"""The Bugzilla page copy importer, on page copies with every trap of shared/docs/bugzilla-page-copy.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation_core.errors import SourceError
from moderator.sources import detect_format, load_thread, load_threads
from moderator.sources.reading import read_source

PAGE = """\
Fernhill Labs: Disclosure of validation bypass overdue
Categories
(Root Program :: Compliance, task)
Tracking
(Not tracked)
People
(Reporter: rvoss, Assigned: fernhill-response)
Details
Attachments
(1 file)
|
88.0 KB,
application/pdf
|
Details |
Fernhill Labs disclosed a validation bypass on their blog but filed nothing here.
The report was due on the 4th.
Updated•1 year ago
|
Comment 1•1 year ago
|
||
We should wait for their response before drawing conclusions about intent.
| Assignee | ||
Comment 2•11 months ago
•
|
||
We are preparing the report and will post it this week.
| Step | Owner |
| --- | --- |
| Collect logs | ops team |
Comment 3•11 months ago
|
||
(In reply to Rosa Voss from comment #0)
Fernhill Labs disclosed a validation bypass on their blog but filed nothing here.
This is the part that worries me most: a blog post is not a disclosure.
Updated•10 months ago
|
Nobody owns the follow-up, and that is a process failure, see [the policy](https://policy.example/root).
Another paragraph of the same missing comment.
Comment 6•9 months ago
|
||
Comment 7 was a reply to comment 5, which I think went too far.
Fernhill Labs wrote:
We are preparing the report and will post it this week.
It is now nine months later.
Comment 7•8 months ago
|
||
Thanks.
Updated•8 months ago
Description
"""


def write(tmp_path: Path, text: str, name: str = "bug.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_detected_as_page_copy(tmp_path: Path) -> None:
    assert detect_format(read_source(write(tmp_path, PAGE))) == "bugzilla-text"


def test_header_fields(tmp_path: Path) -> None:
    thread = load_thread(write(tmp_path, PAGE))
    assert thread.title == "Fernhill Labs: Disclosure of validation bypass overdue"
    assert (thread.product, thread.component) == ("Root Program", "Compliance")
    assert (thread.reporter, thread.assignee) == ("rvoss", "fernhill-response")


def test_description_is_comment_zero_by_the_reporter(tmp_path: Path) -> None:
    first = load_thread(write(tmp_path, PAGE)).comments[0]
    assert first.number == 0
    assert first.author == "rvoss" and first.author_role == "reporter"
    assert first.text == (
        "Fernhill Labs disclosed a validation bypass on their blog but filed nothing here.\nThe report was due on the 4th."
    )


def test_numbers_ages_and_separators(tmp_path: Path) -> None:
    comments = load_thread(write(tmp_path, PAGE)).comments
    numbered = {c.number: c for c in comments if c.number is not None}
    assert sorted(numbered) == [0, 1, 2, 3, 6, 7]
    assert numbered[1].created == "1 year ago"
    assert numbered[2].created == "11 months ago"
    # stray "•", "|" and "||" lines after a marker are page furniture, not text
    assert numbered[2].text.startswith("We are preparing the report")
    assert numbered[1].text == "We should wait for their response before drawing conclusions about intent."


def test_assignee_badge_marks_the_next_comment(tmp_path: Path) -> None:
    numbered = {c.number: c for c in load_thread(write(tmp_path, PAGE)).comments}
    assert numbered[2].author_role == "assignee"
    assert numbered[2].author == "fernhill-response"
    assert numbered[1].author_role is None
    assert "| Assignee |" not in numbered[1].text


def test_tables_and_links_are_text(tmp_path: Path) -> None:
    numbered = {c.number: c for c in load_thread(write(tmp_path, PAGE)).comments}
    assert "| Collect logs | ops team |" in numbered[2].own_text


def test_text_after_updated_line_is_kept_as_unnumbered_block(tmp_path: Path) -> None:
    comments = load_thread(write(tmp_path, PAGE)).comments
    blocks = [c for c in comments if c.number is None]
    assert len(blocks) == 1
    block = blocks[0]
    assert block.missing_markers == (4, 5)
    assert block.text.startswith("Nobody owns the follow-up")
    assert "Another paragraph of the same missing comment." in block.text
    assert comments.index(block) == [c.number for c in comments].index(6) - 1


def test_marker_missing_without_updated_line_runs_into_previous_comment(tmp_path: Path) -> None:
    page = PAGE.replace("Comment 6•9 months ago\n|\n||\n", "")
    numbered = {c.number: c for c in load_thread(write(tmp_path, page)).comments if c.number is not None}
    assert 6 not in numbered
    # the block after "Updated•" now holds 4, 5 and 6, all missing
    block = next(c for c in load_thread(write(tmp_path, page)).comments if c.number is None)
    assert block.missing_markers == (4, 5, 6)
    page = PAGE.replace("Comment 2•11 months ago\n•\n|\n||\n", "")
    numbered = {c.number: c for c in load_thread(write(tmp_path, page)).comments if c.number is not None}
    assert numbered[1].missing_markers == (2,)
    assert "We are preparing the report" in numbered[1].text


def test_comment_n_without_bullet_is_ordinary_text(tmp_path: Path) -> None:
    numbered = {c.number: c for c in load_thread(write(tmp_path, PAGE)).comments}
    assert numbered[6].own_text.startswith("Comment 7 was a reply to comment 5")


def test_unprefixed_quote_after_reply_header(tmp_path: Path) -> None:
    numbered = {c.number: c for c in load_thread(write(tmp_path, PAGE)).comments}
    reply = numbered[3]
    assert [q.comment for q in reply.quotes] == [0]
    assert reply.quotes[0].text == "Fernhill Labs disclosed a validation bypass on their blog but filed nothing here."
    assert reply.own_text == "This is the part that worries me most: a blog post is not a disclosure."
    assert reply.reply_to == (0,)
    # the reply header names comment 0's author... which the header already gave as the reporter's login
    assert numbered[0].author == "rvoss"


def test_reply_header_names_an_unknown_author(tmp_path: Path) -> None:
    page = PAGE.replace("(In reply to Rosa Voss from comment #0)", "(In reply to Ola Brenner from comment #1)")
    numbered = {c.number: c for c in load_thread(write(tmp_path, page)).comments}
    assert numbered[1].author == "Ola Brenner"


def test_name_wrote_quote_without_reply_header(tmp_path: Path) -> None:
    numbered = {c.number: c for c in load_thread(write(tmp_path, PAGE)).comments}
    comment = numbered[6]
    assert [(q.comment, q.text) for q in comment.quotes] == [
        (2, "We are preparing the report and will post it this week.")
    ]
    assert "It is now nine months later." in comment.own_text
    assert "Fernhill Labs wrote:" not in comment.own_text
    assert 2 in comment.reply_to


def test_typographic_quotes_and_spacing_still_match(tmp_path: Path) -> None:
    page = PAGE.replace(
        "This is the part that worries me most",
        "(In reply to x from comment #1)\nWe  should wait for their response before drawing conclusions about intent.\nYes",
    ).replace("conclusions about intent.\n| Assignee", "conclusions about \u201cintent\u201d.\n| Assignee")
    numbered = {c.number: c for c in load_thread(write(tmp_path, page)).comments}
    assert numbered[1].text.endswith("\u201cintent\u201d.")
    assert any(q.comment == 1 for q in numbered[3].quotes) is False  # differs by words, not only by quotes
    page2 = PAGE.replace(
        "This is the part that worries me most",
        "(In reply to x from comment #1)\nWe  should wait for their response before drawing conclusions about \u201cintent.\u201d\nYes",
    ).replace("about intent.\n| Assignee", 'about "intent."\n| Assignee')
    numbered = {c.number: c for c in load_thread(write(tmp_path, page2)).comments}
    assert any(q.comment == 1 for q in numbered[3].quotes)


def test_short_repeated_line_is_not_a_quote(tmp_path: Path) -> None:
    page = PAGE.replace("Comment 7•8 months ago\n|\n||\nThanks.", "Comment 7•8 months ago\n|\n||\nThanks.\nThanks.")
    numbered = {c.number: c for c in load_thread(write(tmp_path, page)).comments}
    assert numbered[7].quotes == ()


def test_trailing_description_furniture_is_dropped(tmp_path: Path) -> None:
    comments = load_thread(write(tmp_path, PAGE)).comments
    assert all("Description" != line for c in comments for line in c.text.split("\n"))
    assert comments[-1].number == 7 and comments[-1].text == "Thanks."


def test_bug_with_only_a_description_is_a_one_comment_thread(tmp_path: Path) -> None:
    page = PAGE.split("Updated•1 year ago")[0] + "Description\n"
    thread = load_thread(write(tmp_path, page))
    assert [c.number for c in thread.comments] == [0]
    assert thread.comments[0].text.endswith("The report was due on the 4th.")


def test_copy_without_header_starting_at_a_marker(tmp_path: Path) -> None:
    page = "Comment 3•2 days ago\n|\n||\nFirst visible comment.\nComment 4•1 day ago\n|\n||\nSecond one.\n"
    thread = load_thread(write(tmp_path, page))
    assert [(c.number, c.text) for c in thread.comments] == [(3, "First visible comment."), (4, "Second one.")]
    assert thread.title is None


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        (PAGE.replace("Comment 6•", "Comment 2•"), "out-of-order comment marker 'Comment 2•'"),
        (PAGE.replace("Comment 6•", "Comment 3•"), "duplicate comment marker 'Comment 3•'"),
    ],
)
def test_bad_marker_sequences(tmp_path: Path, page: str, problem: str) -> None:
    path = write(tmp_path, page)
    with pytest.raises(SourceError) as caught:
        load_thread(path)
    assert problem in caught.value.message
    assert str(path) in caught.value.message
    line = page.split("\n").index(next(l for l in page.split("\n")[40:] if l.startswith(problem.split("'")[1])))
    assert f":{line + 1}:" in caught.value.message


def test_plain_text_is_not_a_page_copy(tmp_path: Path) -> None:
    path = write(tmp_path, "Dear diary,\nToday I fixed the build.\nComment 4 was wrong.\n", "notes.txt")
    with pytest.raises(SourceError) as caught:
        load_thread(path, "bugzilla-text")
    assert "not a Bugzilla page copy" in caught.value.message
    with pytest.raises(SourceError) as caught:
        load_thread(path)
    assert "unrecognised thread format" in caught.value.message


def test_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(PAGE.replace("\n", "\r\n").encode("utf-8"))
    thread = load_thread(path)
    assert [c.number for c in thread.comments if c.number is not None] == [0, 1, 2, 3, 6, 7]
    assert all("\r" not in c.text for c in thread.comments)


def test_a_page_copy_without_a_bug_number_says_so(samples: Path, tmp_path: Path) -> None:
    from moderator.sources.bugzilla_text import NO_ID_NOTE

    text = (samples / "bug-4127.txt").read_text(encoding="utf-8")
    [thread] = load_threads(samples / "bug-4127.txt")
    assert (thread.id is None) == (NO_ID_NOTE in thread.notes)
    lines = [line for line in text.split("\n") if "4127" not in line]  # drop whatever names the bug number
    copy = tmp_path / "no-number.txt"
    copy.write_text("\n".join(lines), encoding="utf-8")
    [anonymous] = load_threads(copy, "bugzilla-text")
    assert anonymous.id is None and anonymous.notes == (NO_ID_NOTE,)
