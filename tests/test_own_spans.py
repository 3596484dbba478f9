"""``Comment.own_spans``: where each own segment lies in ``own_text``, exactly as ``join_own`` joined them; the
review screen places evidence highlights with it. Every comment here is invented for these tests."""

from __future__ import annotations

from moderation_core.segmentation import segment_thread
from moderation_core.thread import Comment, Segment
from moderator.tui.components.comment_view import comment_body

CALLED_OUT = "The release team is asleep at the wheel and everybody knows it, frankly."
FILLER = [
    "Opening the tracking bug for the spring release of the lantern toolkit.",
    "The changelog draft is in the wiki, please add your items there.",
    "Windows builds are green again after the compiler bump.",
    "I moved the translation freeze to the first of April.",
    "Docs for the new plugin loader are still missing a migration section.",
]


def assert_spans_match_own_text(comment: Comment) -> None:
    """Every character of own_text is either one own segment's character at its span, or one separator."""
    own = [segment for segment in comment.segments if segment.kind == "own"]
    spans = comment.own_spans()
    assert len(spans) == len(own)
    covered: set[int] = set()
    for segment, (start, end) in zip(own, spans):
        assert end - start == len(segment.text)
        for offset in range(max(start, 0), min(end, len(comment.own_text))):
            assert comment.own_text[offset] == segment.text[offset - start]
            covered.add(offset)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start == end + 1  # one separator between two own segments
        if 0 <= end < len(comment.own_text):
            assert comment.own_text[end] in " \n"
    separators = {end for _, end in spans[:-1] if 0 <= end < len(comment.own_text)}
    assert covered | separators == set(range(len(comment.own_text)))


def test_spans_of_a_line_cut_by_inline_quotes_and_of_whole_line_quotes() -> None:
    comment = Comment(
        number=4,
        text="",
        segments=(
            Segment("own", "Before."),
            Segment("own", "Start of the line", None, False),
            Segment("quote", '"copied words"', 3, True),
            Segment("own", "end of the line.", None, True),
            Segment("quote", "a whole quoted line", 3, False),
            Segment("own", "after the quote", None, True),
        ),
    )
    assert comment.own_text == "Before.\nStart of the line end of the line.\nafter the quote"
    assert comment.own_spans() == ((0, 7), (8, 25), (26, 42), (43, 58))
    assert [comment.own_text[start:end] for start, end in comment.own_spans()] == [
        "Before.",
        "Start of the line",
        "end of the line.",
        "after the quote",
    ]
    assert_spans_match_own_text(comment)


def test_spans_of_a_segmented_reply_with_a_quote_cut_out_of_its_line() -> None:
    comments = [
        Comment(number=n, text=t, author=f"Person {n}")
        for n, t in enumerate(
            [
                *FILLER,
                CALLED_OUT,
                'Second line.\nYou lot said "The release team is asleep at the wheel" and that is rubbish.\n'
                "> The changelog draft is in the wiki, please add your items there.\nDone.",
            ]
        )
    ]
    segment_thread(comments)
    reply = comments[6]
    assert [s.kind for s in reply.segments].count("own") >= 3 and any(s.inline for s in reply.segments)
    assert_spans_match_own_text(reply)
    # A highlight placed by own_text offsets is drawn on the same words in the review screen.
    for word in ("rubbish", "Done", "lot"):
        start = reply.own_text.index(word)
        body = comment_body(reply, [(start, start + len(word), "bold red")])
        assert [body.plain[s.start : s.end] for s in body.spans if s.style == "bold red"] == [word]


def test_line_breaks_stripped_from_the_ends_of_own_text_shift_the_spans() -> None:
    # One segment made of the whole text: join_own strips its line breaks, the span keeps the segment's length.
    single = Comment(number=0, text="\n\nYou are clueless.\n")
    assert single.own_text == "You are clueless."
    assert single.own_spans() == ((-2, 18),)  # two line breaks before, one after
    assert_spans_match_own_text(single)
    start = single.own_text.index("clueless")
    body = comment_body(single, [(start, start + len("clueless"), "bold red")])
    assert [body.plain[s.start : s.end] for s in body.spans if s.style == "bold red"] == ["clueless"]

    several = Comment(
        number=1,
        text="",
        segments=(Segment("own", "\n"), Segment("quote", "quoted", 0), Segment("own", "\nidiot.\n")),
    )
    assert several.own_text == "idiot."
    assert_spans_match_own_text(several)
    start = several.own_text.index("idiot")
    body = comment_body(several, [(start, start + len("idiot"), "bold red")])
    assert [body.plain[s.start : s.end] for s in body.spans if s.style == "bold red"] == ["idiot"]


def test_no_own_segment_no_span() -> None:
    assert Comment(number=0, text="").own_spans() == ()
    only_quote = Comment(number=1, text="> quoted", segments=(Segment("quote", "quoted", 0),))
    assert only_quote.own_spans() == ()
