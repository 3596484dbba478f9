"""Quote-aware segmentation: own words apart from quotes, quotes attributed to the comment they come from."""

from __future__ import annotations

from moderation_core.segmentation import QuoteIndex, normalize, segment_text, segment_thread
from moderation_core.thread import Comment


def thread(*texts: str, verbatim: bool = False, parents: dict[int, int] | None = None) -> list[Comment]:
    comments = [Comment(number=n, text=t, author=f"Person {n}") for n, t in enumerate(texts)]
    segment_thread(comments, verbatim=verbatim, parents=parents)
    return comments


def test_bugzilla_reply_header_and_prefixed_quote() -> None:
    c = thread(
        "The build farm is down again.\nNobody has looked at it.",
        "(In reply to Person 0 from comment #0)\n> Nobody has looked at it.\n\nI looked at it this morning.",
    )[1]
    assert [s.kind for s in c.segments] == ["attribution", "quote", "own"]
    assert c.own_text == "I looked at it this morning."
    assert [(q.comment, q.text) for q in c.quotes] == [(0, "Nobody has looked at it.")]
    assert c.reply_to == (0,)


def test_interleaved_quotes_and_replies() -> None:
    c = thread(
        "First point about the scheduler.\nSecond point about the logging format.",
        "(In reply to Person 0 from comment #0)\n> First point about the scheduler.\nAgreed.\n> Second point about the logging format.\nDisagree, see RFC.",
    )[1]
    assert [s.kind for s in c.segments] == ["attribution", "quote", "own", "quote", "own"]
    assert c.own_text == "Agreed.\nDisagree, see RFC."
    assert all(q.comment == 0 for q in c.quotes)


def test_email_header_attributes_to_parent_and_nested_to_grandparent() -> None:
    comments = thread(
        "Proposal: freeze the API on Monday.",
        "On Tue, 3 Feb 2026 at 10:00, Person 0 <p0@example.invalid> wrote:\n> Proposal: freeze the API on Monday.\n\nMonday is too early.",
        "On Wed, 4 Feb 2026, Person 1 wrote:\n> > Proposal: freeze the API on Monday.\n> Monday is too early.\n\nThen Wednesday.",
        parents={1: 0, 2: 1},
    )
    assert comments[1].own_text == "Monday is too early."
    assert comments[1].quotes[0].comment == 0
    third = comments[2]
    assert third.own_text == "Then Wednesday."
    assert third.reply_to[0] == 1
    assert [(q.comment, q.text) for q in third.quotes] == [
        (0, "Proposal: freeze the API on Monday."),
        (1, "Monday is too early."),
    ]


def test_email_header_split_over_two_lines() -> None:
    c = thread(
        "We ship on Friday.",
        "On Tue, Feb 3, 2026 at 10:00 AM Person 0 <p0@example.invalid>\nwrote:\n> We ship on Friday.\n\nNot without the fix.",
        parents={1: 0},
    )[1]
    assert c.own_text == "Not without the fix."
    assert [s.kind for s in c.segments][:2] == ["attribution", "quote"]


def test_name_wrote_uses_that_persons_latest_comment() -> None:
    comments = thread(
        "Option A keeps compatibility.",
        "Option B is faster.",
        "Person 0 wrote:\n> Option A keeps compatibility.\n\nCompatibility matters more here.",
    )
    assert comments[2].quotes[0].comment == 0
    assert comments[2].own_text == "Compatibility matters more here."


def test_prefixed_quote_without_header_found_by_verbatim_match() -> None:
    comments = thread(
        "The registry should reject packages without a licence field.",
        "Unrelated update on the mirror outage, all back to normal now.",
        "> The registry should reject packages without a licence field.\n\nThat would break thousands of packages.",
    )
    assert comments[2].quotes[0].comment == 0
    assert comments[2].reply_to == (0,)


def test_unknown_quote_source_is_none() -> None:
    c = thread("Hello.", "> something nobody in this thread wrote before\n\nreply")[1]
    assert c.quotes[0].comment is None
    assert c.own_text == "reply"


def test_verbatim_unprefixed_quote_needs_enough_text() -> None:
    comments = thread(
        "Thanks.\nThe certificate chain is missing the intermediate from the new hierarchy.",
        "Thanks.\nThe certificate chain is missing the intermediate from the new hierarchy.\nWe will fix the chain.",
        verbatim=True,
    )
    second = comments[1]
    assert [q.text for q in second.quotes] == [
        "The certificate chain is missing the intermediate from the new hierarchy."
    ]
    assert second.own_text == "Thanks.\nWe will fix the chain."


def test_verbatim_quote_of_a_wrapped_part_of_a_line() -> None:
    comments = thread(
        "Our auditors found that the revocation service was unreachable for nine hours on the second of March, which exceeds the limit.",
        "(In reply to Person 0 from comment #0)\nOur auditors found that the revocation service was unreachable\nfor nine hours on the second of March,\nThat is a serious finding.",
        verbatim=True,
    )
    reply = comments[1]
    assert reply.own_text == "That is a serious finding."
    assert all(q.comment == 0 for q in reply.quotes)


def test_markdown_table_scaffolding_is_not_a_quote() -> None:
    comments = thread(
        "### Timeline (all times UTC)\n| Date | Event |\n| --- | --- |\n| 01-02 | found |",
        "### Timeline (all times UTC)\n| Date | Event |\n| --- | --- |\n| 02-02 | fixed |",
        verbatim=True,
    )
    assert comments[1].quotes == ()


def test_normalize_folds_typographic_quotes_and_spaces() -> None:
    assert normalize("  \u201cIt\u2019s\u00a0fine\u201d  ") == '"It\'s fine"'


def test_quote_index_finds_first_comment_with_the_text() -> None:
    index = QuoteIndex()
    index.add(0, "the quick brown fox jumps over the lazy dog every morning")
    index.add(1, "something else entirely, about a different animal and its habits")
    assert index.find(normalize("brown fox jumps over the lazy dog every")) == 0
    assert index.find(normalize("brown fox jumps over the lazy cat every")) is None


def test_segment_text_reply_to_is_unique_and_ordered() -> None:
    index = QuoteIndex()
    index.add(0, "alpha beta gamma delta epsilon zeta eta theta")
    segments, reply_to = segment_text(
        "(In reply to A from comment #0)\n> alpha beta\n(In reply to A from comment #0)\n> gamma delta",
        index=index,
    )
    assert reply_to == (0,)
    assert [s.kind for s in segments] == ["attribution", "quote", "attribution", "quote"]
