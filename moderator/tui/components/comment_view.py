"""The current comment: metadata, quotes set apart and attributed, own words with evidence highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from moderator.review import ReviewSession
from moderator.tui.text import literal


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
        if score is not None:
            meta.append(f"  ·  concern {score.concern:.2f}", style="bold" if score.flags else "dim")
        parts = [meta, Text("")]

        # Evidence spans are offsets into own_text, which joins the own segments with "\n".
        highlights: list[tuple[int, int, str]] = []
        if score is not None:
            for label, spans in score.evidence.items():
                color = colors.get(label, "red")
                for span in spans:
                    style = f"bold underline {color}" if span.kind == "term" else color
                    highlights.append((span.start, span.end, style))
        own_offset = 0
        for segment in comment.segments:
            if segment.kind == "quote":
                origin = f"quoted from comment {segment.quoted_comment}" if segment.quoted_comment is not None else "quoted"
                block = Text(f"▌ {origin}\n", style="italic dim")
                lines = segment.text.split("\n")
                for number, line in enumerate(lines):
                    block.append("▌ ", style="dim")
                    block.append_text(literal(line, "italic #8a8f98"))
                    if number < len(lines) - 1:
                        block.append("\n")
                parts.append(block)
            elif segment.kind == "attribution":
                parts.append(literal(segment.text, "dim italic"))
            else:
                local = [
                    (max(start, own_offset) - own_offset, min(end, own_offset + len(segment.text)) - own_offset, style)
                    for start, end, style in highlights
                    if start < own_offset + len(segment.text) and end > own_offset
                ]
                parts.append(literal(segment.text, "", local))
                own_offset += len(segment.text) + 1
        if not comment.segments:
            parts.append(Text("(empty comment)", style="dim italic"))
        if comment.missing_markers:
            parts.append(Text(f"Page copy: markers of comment {', '.join(map(str, comment.missing_markers))} were missing; their text is here.", style="yellow"))
        self.query_one("#comment-body", Static).update(Text("\n").join(parts))
        self.scroll_home(animate=False)
