"""Quotes inside lines: words of an earlier comment set into the replier's own sentence leave own_text, are
attributed to the comment they come from, and everyday phrases that recur by chance stay own words.

Every thread here is invented for these tests.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import exporters
import pytest

from moderation_core.segmentation import segment_text, segment_thread
from moderation_core.segmentation.quoteindex import QuoteIndex
from moderation_core.thread import Comment, Segment, Thread, join_own
from moderator.sources import load_thread
from moderator.tui.components.comment_view import comment_body

FILLER = [
    "Opening the tracking bug for the spring release of the lantern toolkit.",
    "The changelog draft is in the wiki, please add your items there.",
    "Windows builds are green again after the compiler bump.",
    "I moved the translation freeze to the first of April.",
    "Docs for the new plugin loader are still missing a migration section.",
]
CALLED_OUT = "The release team is asleep at the wheel and everybody knows it, frankly."


def thread(*texts: str, verbatim: bool = False, authors: list[str] | None = None) -> list[Comment]:
    comments = [
        Comment(number=n, text=t, author=(authors[n] if authors else f"Person {n}")) for n, t in enumerate(texts)
    ]
    segment_thread(comments, verbatim=verbatim)
    return comments


def quotes(comment: Comment) -> list[tuple[int | None, str]]:
    return [(q.comment, q.text) for q in comment.quotes]


def test_quoted_sentence_fragment_with_own_words_after_it() -> None:
    comments = thread(
        *FILLER,
        CALLED_OUT,
        "Agreed on the date.",
        "Can someone check the arm64 packages?",
        "Packages look fine here.",
        '"The release team is asleep at the wheel" is not how we talk about volunteers here.',
    )
    reply = comments[9]
    assert reply.own_text == "is not how we talk about volunteers here."
    assert quotes(reply) == [(5, '"The release team is asleep at the wheel"')]
    assert [(s.kind, s.inline) for s in reply.segments] == [("quote", False), ("own", True)]
    assert 5 in reply.reply_to
    assert reply.text.startswith('"The release team')  # the text itself is never changed


def test_run_of_eight_words_inside_longer_lines_on_both_sides() -> None:
    comments = thread(
        "After the upgrade the installer silently deletes the saved configuration of every user on the machine.",
        "Nobody has shown that the installer silently deletes the saved configuration of every user, so please test first.",
    )
    reply = comments[1]
    assert quotes(reply) == [(0, "the installer silently deletes the saved configuration of every user,")]
    # The own parts of the cut line are joined with one space: the sentence still reads as one line.
    assert reply.own_text == "Nobody has shown that so please test first."
    assert [(s.kind, s.inline) for s in reply.segments] == [("own", False), ("quote", True), ("own", True)]


def test_whole_sentence_of_six_words_inside_a_paragraph() -> None:
    comments = thread(
        "Thanks for the draft. This migration plan ignores translators completely. We should talk.",
        "I read it twice. This migration plan ignores translators completely. Translators were asked in May.",
    )
    reply = comments[1]
    assert quotes(reply) == [(0, "This migration plan ignores translators completely.")]
    assert reply.own_text == "I read it twice. Translators were asked in May."


def test_short_sentence_right_after_a_prefixed_quote() -> None:
    comments = thread(
        "Thanks for the draft. This migration plan ignores translators completely. We should talk.",
        "> We should talk.\nThis migration plan ignores translators completely. Talk to them first.",
    )
    reply = comments[1]
    assert quotes(reply) == [(None, "We should talk."), (0, "This migration plan ignores translators completely.")]
    assert reply.own_text == "Talk to them first."


def test_short_sentence_must_be_a_whole_sentence_of_the_earlier_comment_too() -> None:
    comments = thread(
        "I worry because this migration plan ignores translators completely and nobody asked them.",
        "I read it twice. This migration plan ignores translators completely. Translators were asked in May.",
    )
    assert comments[1].quotes == ()
    assert comments[1].own_text == comments[1].text


def test_words_in_quotation_marks_need_five_words_only() -> None:
    comments = thread(
        "Honestly I think the whole review process is a joke at this point and always was.",
        'You wrote "the whole review process is a joke" and that does not help anyone.',
    )
    reply = comments[1]
    assert quotes(reply) == [(0, '"the whole review process is a joke"')]
    assert reply.own_text == "You wrote and that does not help anyone."


def test_typographic_quotation_marks_go_with_the_quote() -> None:
    comments = thread(CALLED_OUT, "\u201cThe release team is asleep at the wheel\u201d, really? Please stop.")
    reply = comments[1]
    assert quotes(reply) == [(0, "\u201cThe release team is asleep at the wheel\u201d,")]
    assert reply.own_text == "really? Please stop."


def test_quote_in_the_middle_keeps_the_rest_of_the_paragraph_in_order() -> None:
    comments = thread(
        CALLED_OUT,
        "First line of my reply.\nYou said the release team is asleep at the wheel, and I disagree.\nLast line.",
    )
    reply = comments[1]
    # The earlier comment goes on with "and" too; the copy stopped at the comma.
    assert quotes(reply) == [(0, "the release team is asleep at the wheel,")]
    assert reply.own_text == "First line of my reply.\nYou said and I disagree.\nLast line."


def test_quote_wrapped_over_two_lines() -> None:
    comments = thread(
        "After the upgrade the installer silently deletes the saved configuration of every user on the machine.",
        "As you said, the installer silently deletes the saved\nconfiguration of every user on the machine, which I cannot reproduce.",
    )
    reply = comments[1]
    assert quotes(reply) == [
        (0, "the installer silently deletes the saved\nconfiguration of every user on the machine,")
    ]
    assert reply.own_text == "As you said, which I cannot reproduce."


@pytest.mark.parametrize(
    "phrase",
    [
        "Thanks for the quick reply.",
        "Let me know if you need anything else.",
        "I can reproduce this on the latest nightly.",
        "Please let me know if you have any questions.",
        "Thanks for the quick reply, let me know if you need anything else.",
    ],
)
def test_everyday_phrases_that_recur_by_chance_are_not_quotes(phrase: str) -> None:
    comments = thread(
        f"The sidebar crashes when I open a second window. {phrase}",
        f"Confirmed on my machine, the sidebar goes away too. {phrase}",
        f"{phrase} Fixed in the next build.",
    )
    for comment in comments[1:]:
        assert comment.quotes == ()
        assert comment.own_text == comment.text


def test_names_and_everyday_words_together_are_no_quote() -> None:
    # A thread repeats its names: eight words of a name and everyday words are chance, not copying.
    comments = thread(
        "Distrust of Quillstone Root CA R2 for public web use is on the table.",
        "| 2026-08-01 | Issuance of new certificates chaining to Quillstone Root CA R2 for public web use ends |",
    )
    assert comments[1].quotes == ()


def test_scare_quotes_added_make_it_a_different_text() -> None:
    comments = thread(
        "We should wait for their response before drawing conclusions about intent.",
        'Sure, we should wait for their response before drawing conclusions about "intent", right.',
    )
    assert comments[1].quotes == ()


def test_a_comment_is_never_a_quote_of_itself() -> None:
    comments = thread(
        "The staging database was wiped by the nightly cleanup job again this morning.",
        "The staging database was wiped by the nightly cleanup job again this morning. "
        "I repeat: the staging database was wiped by the nightly cleanup job again this morning.",
    )
    assert quotes(comments[1])[0][0] == 0
    assert all(q.comment != 1 for q in comments[1].quotes)
    # Even when its own number is already in the index (a duplicate number), it does not quote itself.
    index = QuoteIndex()
    index.add(7, "Backups of the build farm have not run since the migration to the new cluster.", "Someone")
    segments, _ = segment_text(
        "Backups of the build farm have not run since the migration to the new cluster, sadly.",
        index=index,
        number=7,
        author="Someone else",
    )
    assert [s.kind for s in segments] == ["own"]


def test_quote_of_a_quote_goes_to_the_earliest_comment() -> None:
    comments = thread(
        "Releasing on a Friday afternoon without a rollback plan is reckless and you all know it.",
        "Noted.",
        'Quoting this: "Releasing on a Friday afternoon without a rollback plan is reckless" is unfair.',
        "Still waiting for the rollback plan.",
        'And again "Releasing on a Friday afternoon without a rollback plan is reckless", no.',
    )
    assert quotes(comments[2]) == [(0, '"Releasing on a Friday afternoon without a rollback plan is reckless"')]
    assert quotes(comments[4]) == [(0, '"Releasing on a Friday afternoon without a rollback plan is reckless",')]
    assert comments[4].own_text == "And again no."


def test_an_author_repeating_their_own_words_is_not_quoting() -> None:
    comments = thread(
        "The mirror in Lisbon is out of sync by three days and nobody owns it.",
        "Any news?",
        "Again: the mirror in Lisbon is out of sync by three days and nobody owns it.",
        authors=["Ana", "Bo", "Ana"],
    )
    assert comments[2].quotes == ()


def test_quotes_inside_lines_of_a_page_copy_too() -> None:
    comments = thread(*FILLER, CALLED_OUT, 'I object to "the release team is asleep at the wheel" here.', verbatim=True)
    reply = comments[6]
    assert quotes(reply) == [(5, '"the release team is asleep at the wheel"')]
    assert reply.own_text == "I object to here."


def _exported_thread() -> Thread:
    start = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
    texts = [*FILLER, CALLED_OUT, '"The release team is asleep at the wheel" is not how we talk about volunteers here.']
    comments = [
        Comment(
            number=n,
            id=str(500 + n),
            text=t,
            author=f"Person {n}",
            created=(start + timedelta(hours=n)).isoformat().replace("+00:00", "Z"),
        )
        for n, t in enumerate(texts)
    ]
    return Thread(
        source="bugzilla",
        id="77",
        title="Spring release",
        product="Lantern",
        component="Release",
        reporter="person0@example.invalid",
        assignee="person1@example.invalid",
        comments=comments,
    )


@pytest.mark.parametrize("fmt", ["bugzilla-json", "bugzilla-text", "github-json", "mbox", "jsonl", "csv", "yaml"])
def test_every_format_finds_the_quote_inside_a_line(tmp_path: Path, fmt: str) -> None:
    source = _exported_thread()
    writers = {
        "bugzilla-json": lambda: exporters.to_bugzilla_rest(source),
        "bugzilla-text": lambda: exporters.to_page_copy(source, now=datetime(2031, 6, 1, tzinfo=UTC)),
        "github-json": lambda: exporters.to_github(source),
        "mbox": lambda: exporters.to_mbox(source),
        "jsonl": lambda: exporters.to_jsonl([source]),
        "csv": lambda: exporters.to_csv([source]),
        "yaml": lambda: exporters.to_yaml(source),
    }
    path = tmp_path / f"thread.{fmt}"
    path.write_text(writers[fmt](), encoding="utf-8")
    reply = next(c for c in load_thread(path, fmt).comments if c.number == 6)
    assert reply.own_text == "is not how we talk about volunteers here."
    assert [q.comment for q in reply.quotes] == [5]


def test_join_own_uses_a_space_only_within_a_cut_line() -> None:
    segments = (
        Segment("own", "Before."),
        Segment("own", "Start of the line", None, False),
        Segment("quote", '"copied words"', 3, True),
        Segment("own", "end of the line.", None, True),
        Segment("quote", "a whole quoted line", 3, False),
        Segment("own", "after the quote", None, True),
    )
    assert join_own(segments) == "Before.\nStart of the line end of the line.\nafter the quote"


def test_evidence_offsets_still_land_on_the_right_words_around_a_cut_out_quote() -> None:
    comments = thread(
        *FILLER,
        CALLED_OUT,
        'Second line.\nYou lot said "The release team is asleep at the wheel" and that is rubbish.',
    )
    reply = comments[6]
    assert reply.own_text == "Second line.\nYou lot said and that is rubbish."
    start = reply.own_text.index("rubbish")
    body = comment_body(reply, [(start, start + len("rubbish"), "bold red")])
    shown = body.plain
    marked = [shown[span.start : span.end] for span in body.spans if span.style == "bold red"]
    assert marked == ["rubbish"]
    # The quote stays in its line, attributed, so the line reads as written.
    assert (
        'You lot said "The release team is asleep at the wheel" \u27e8quoted from comment 5\u27e9 and that is rubbish.'
        in shown
    )


def test_hostile_inputs_complete() -> None:
    # A megabyte of one sentence repeated, after a comment holding it once; a hundred thousand lines copying an
    # earlier comment. These must finish (quickly; no time is asserted, machines differ).
    sentence = "The release team is asleep at the wheel and nobody cares. "
    comments = thread(sentence, sentence * 18000)
    # Checks per comment grow with its words (CHECKS_PER_WORD): the copies are found, in linear time.
    assert comments[1].quotes[0].comment == 0 and comments[1].quotes[0].text.startswith(sentence.strip())
    lines = "\n".join(f"line {i} of a very long pasted log with words" for i in range(100_000))
    comments = thread(lines[:100_000], lines)
    assert all(q.comment == 0 for q in comments[1].quotes)
    comments = thread("spam eggs ham spam eggs ham spam eggs ham", "spam eggs ham " * 80_000, '"x ' * 200_000)
    assert comments[1].quotes == () and comments[2].quotes == ()


def test_jsonl_thread_of_records_keeps_its_text(tmp_path: Path) -> None:
    # The text of every comment is kept exactly; only the segments say what is a quote.
    path = tmp_path / "t.jsonl"
    rows = [{"thread": "t", "number": n, "text": t} for n, t in enumerate([CALLED_OUT, f"So: {CALLED_OUT}"])]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    reply = load_thread(path).comments[1]
    assert reply.text == f"So: {CALLED_OUT}"
    assert reply.own_text == "So:"
    assert quotes(reply) == [(0, CALLED_OUT)]
