"""The current comment: metadata, quotes set apart and attributed, own words with evidence highlighted, and the
parts that are not prose (signature, trailers, patch) dimmed under a label."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from moderation_core.thread import Comment, Segment, number_runs
from moderator.review import ReviewSession
from moderator.tui.text import literal

QUOTE_STYLE = "italic #8a8f98"
REVIEW_STYLE = "#c4a7e7"  # the outline's colour of a comment marked for review
NOT_PROSE_STYLE = "dim"


class CommentView(VerticalScroll):
    """Scrollable view of one comment."""

    can_focus = False

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="comment-body")

    def show(self, session: ReviewSession) -> None:
        comment = session.current
        score = session.current_score
        colors = {label.id: label.color for label in session.taxonomy.labels}
        meta = Text()
        meta.append(comment.label.capitalize(), style="bold")
        meta.append(f"   {session.position + 1}/{len(session.order)} in queue", style="dim")
        meta.append("\n")
        meta.append_text(literal(comment.author or "unknown author", "bold"))
        if comment.author_role:
            meta.append_text(literal(f" ({comment.author_role})", "italic"))
        if comment.created:
            meta.append("  ·  ")
            meta.append_text(literal(comment.created, "dim"))
        if comment.reply_to:
            meta.append("  ·  replies to " + ", ".join(f"#{n}" for n in comment.reply_to), style="dim")
        if score is not None and score.review and not score.flags:
            meta.append(f"  ·  marked for review (concern {score.concern:.2f})", style=f"bold {REVIEW_STYLE}")
        elif score is not None:
            meta.append(f"  ·  concern {score.concern:.2f}", style="bold" if score.flags else "dim")

        highlights: list[tuple[int, int, str]] = []
        if score is not None:
            for label, spans in score.evidence.items():
                color = colors.get(label, "red")
                for span in spans:
                    style = f"bold underline {color}" if span.kind == "term" else color
                    highlights.append((span.start, span.end, style))
        parts = [meta, Text(""), comment_body(comment, highlights)]
        if comment.missing_markers:
            missing = number_runs(comment.missing_markers)
            parts.append(
                Text(f"Page copy: markers of comment {missing} were missing; their text is here.", style="yellow")
            )
        self.query_one("#comment-body", Static).update(Text("\n").join(parts))
        self.scroll_home(animate=False)


def comment_body(comment: Comment, highlights: Sequence[tuple[int, int, str]] = ()) -> Text:
    """The segments of a comment as the review screen shows them.

    ``highlights`` are (start, end, style) offsets into ``own_text``; ``Comment.own_spans`` tells where each own
    segment lies in it (the joining rule stays with the thread model). A quote cut out of a line stays in its
    line, in grey italics with "quoted from comment N" after it, so the line still reads as written; whole-line
    quotes stand apart as a block. Signatures, trailers and patches are dimmed under a short label: kept in
    view, never judged.
    """
    if not comment.segments:
        return Text("(empty comment)", style="dim italic")
    rows: list[Text] = []
    own_spans = iter(comment.own_spans())
    segments = comment.segments
    for position, segment in enumerate(segments):
        following = segments[position + 1] if position + 1 < len(segments) else None
        in_line = segment.inline or (following is not None and following.inline)
        if segment.kind == "own":
            piece = literal(segment.text, "", _within(highlights, next(own_spans)))
        elif segment.kind == "quote" and in_line:
            piece = literal(segment.text, QUOTE_STYLE)
            piece.append(f" ⟨{_origin(segment)}⟩", style="dim")
        elif segment.kind == "quote":
            piece = _quote_block(segment)
        elif segment.kind == "attribution":
            piece = literal(segment.text, "dim italic")
        else:
            piece = _not_prose_block(segment)
        if segment.inline and rows:
            rows[-1].append(" ")
            rows[-1].append_text(piece)
        else:
            rows.append(piece)
    return Text("\n").join(rows)


def _within(highlights: Sequence[tuple[int, int, str]], span: tuple[int, int]) -> list[tuple[int, int, str]]:
    """The highlights that fall on one own segment, as offsets into that segment's text."""
    start, end = span
    return [
        (max(low, start) - start, min(high, end) - start, style)
        for low, high, style in highlights
        if low < end and high > start
    ]


def _origin(segment: Segment) -> str:
    return f"quoted from comment {segment.quoted_comment}" if segment.quoted_comment is not None else "quoted"


def _barred_block(heading: str, bar: str, text: str, style: str) -> Text:
    """A heading line, then every line of ``text`` behind a bar: set apart from the comment's own words."""
    block = Text(f"{bar} {heading}\n", style="italic dim")
    lines = text.split("\n")
    for number, line in enumerate(lines):
        block.append(f"{bar} ", style="dim")
        block.append_text(literal(line, style))
        if number < len(lines) - 1:
            block.append("\n")
    return block


def _quote_block(segment: Segment) -> Text:
    return _barred_block(_origin(segment), "▌", segment.text, QUOTE_STYLE)


def not_prose_label(segment: Segment) -> str:
    """ "signature", "trailers" or "patch: N lines": what the dimmed block is, and why it is not judged."""
    if segment.kind == "patch":
        count = segment.text.count("\n") + 1
        return f"patch: {count} line{'s' if count != 1 else ''}"
    return "trailers" if segment.kind == "trailer" else segment.kind


def _not_prose_block(segment: Segment) -> Text:
    return _barred_block(f"{not_prose_label(segment)} (not judged)", "┆", segment.text, NOT_PROSE_STYLE)
