"""The thread outline: one line per comment with its flags (or "?" and the suggested labels of a comment marked
for review) and decision state.

It draws only the lines on screen (Textual's line API over a virtual height), so a 10,000-comment thread costs
no more than a 50-comment one: no per-row widgets, no work per key press that grows with the thread."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from moderation_core.textsafe import one_line
from moderator.review import ReviewSession

WIDTH = 38
HEADER = f"{'#':>5}  {'author':14} {'flags':7} {'state':7}"

_NORMAL = Style()
_FLAGGED = Style(color="#ffc53d")
# Marked for review: a colour of its own, and the suggested label keys after the "?" dimmer and in italics, so a
# suggestion never reads as a flag.
_REVIEW = Style(color="#c4a7e7")
_SUGGESTED = Style(color="#c4a7e7", italic=True, dim=True)
_DECIDED = Style(color="#46a758")
_CURSOR = Style(reverse=True, bold=True)
# Where the flags column lies in a row (after number and author) and how wide it is.
_FLAGS_START = 5 + 2 + 14 + 1
_FLAGS_WIDTH = 7


class Outline(ScrollView):
    """Comment number, author, the keys of the labels the model flags ("?" and the keys of the labels it suggests
    when it marks the comment for review), and the decision state.

    It never takes the keyboard (the screen's keys drive the review); clicking a line chooses that comment."""

    can_focus = False

    class CommentChosen(Message):
        """The moderator picked the comment at ``position`` of the queue."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session: ReviewSession | None = None
        self._keys: dict[str, str] = {}

    def fill(self, session: ReviewSession) -> None:
        self.session = session
        self._keys = {label.id: label.key for label in session.taxonomy.labels}
        self.virtual_size = Size(WIDTH, len(session.order))
        self.follow(session)
        self.refresh()

    def row_text(self, position: int) -> tuple[str, Style]:
        """The row's text and its style (the flags column of a comment marked for review is drawn in
        :data:`_SUGGESTED` on top of it)."""
        assert self.session is not None
        session = self.session
        index = session.order[position]
        comment = session.thread.comments[index]
        number = str(comment.number) if comment.number is not None else "?"
        score = session.scores[index]
        review = False
        if score is None:
            flags = "…" if not session.scored else ""
        elif score.flags or not score.review:
            flags = "".join(self._keys.get(label, "?") for label in score.flags)
        else:
            review = True
            flags = "?" + "".join(self._keys.get(label, "") for label in score.suggested)
        flags = flags[:_FLAGS_WIDTH]
        decision = session.decisions[index]
        if decision is None:
            state = "·"
        elif decision.action == "ok":
            state = "ok"
        else:
            keys = "".join(self._keys.get(label, "?") for label in decision.labels)
            state = f"{(decision.action or '?')[:4]} {keys}".strip()
        text = f"{number:>5}  {one_line(comment.author or '-', 14):14} {flags:{_FLAGS_WIDTH}} {state:7}"
        if decision is not None:
            style = _DECIDED
        elif review:
            style = _REVIEW
        else:
            style = _FLAGGED if flags and flags != "…" else _NORMAL
        if position == session.position:
            style = style + _CURSOR
        return text, style

    def render_line(self, y: int) -> Strip:
        position = y + self.scroll_offset.y
        width = self.size.width
        if self.session is None or position >= len(self.session.order):
            return Strip.blank(width)
        text, style = self.row_text(position)
        text = text[:width].ljust(width)
        if not self._suggests(position):
            return Strip([Segment(text, style)], width)
        marker, end = _FLAGS_START + 1, _FLAGS_START + _FLAGS_WIDTH  # the "?", then the suggested keys
        return Strip(
            [
                Segment(text[:marker], style),
                Segment(text[marker:end], style + _SUGGESTED),
                Segment(text[end:], style),
            ],
            width,
        )

    def _suggests(self, position: int) -> bool:
        """Whether the row's flags column holds suggested labels (undecided, marked for review): then it is drawn
        apart. A decided row shows the decision's colour only, like a decided flagged one."""
        assert self.session is not None
        index = self.session.order[position]
        score = self.session.scores[index]
        return score is not None and score.review and not score.flags and self.session.decisions[index] is None

    def follow(self, session: ReviewSession) -> None:
        self.scroll_to_region(Region(0, session.position, 1, 1), animate=False, immediate=True)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if self.session is None:
            return
        position = event.y + self.scroll_offset.y
        if 0 <= position < len(self.session.order):
            self.post_message(self.CommentChosen(position))
