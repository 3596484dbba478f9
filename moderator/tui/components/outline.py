"""The thread outline: one line per comment with its number, author, the model's concern, its flags (or "?" and the
suggested labels of a comment marked for review), a mark for a draft decision and the decision state.

It draws only the lines on screen (Textual's line API over a virtual height), so a 10,000-comment thread costs
no more than a 50-comment one: no per-row widgets, no work per key press that grows with the thread.

Columns are measured in terminal cells (rich.cells), not characters: an author named in CJK characters takes two
cells per character and would otherwise push the columns after it out of line. Nothing is told by colour alone:
flags are label keys, a mark for review is "?", a decision is the word in the state column; the colours
(moderator.tui.palette, one version per theme) only make them quicker to find."""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.theme import Theme

from moderation_core.textsafe import one_line
from moderator.review import ReviewSession
from moderator.tui import palette

# Column widths in cells: number, author, concern, flags, the draft mark, state (one space between columns; the
# draft mark sits right before the state it is a draft of).
_NUMBER = 5
_AUTHOR = 10
_CONCERN = 4
_FLAGS = 7
_STATE = 7
WIDTH = _NUMBER + 1 + _AUTHOR + 1 + _CONCERN + 1 + _FLAGS + 1 + 1 + _STATE  # 38
# The author column takes what the outline's width leaves: none on a narrow terminal (the comment needs the room
# more; its header names the author), up to _AUTHOR_MOST cells on a wide one.
_WITHOUT_AUTHOR = WIDTH - _AUTHOR - 1
_AUTHOR_LEAST = 4
_AUTHOR_MOST = 24


def author_width(outline_width: int) -> int:
    """Cells for the author column in an outline ``outline_width`` cells wide (0: no author column)."""
    room = outline_width - _WITHOUT_AUTHOR - 1
    return 0 if room < _AUTHOR_LEAST else min(room, _AUTHOR_MOST)


def header(author_cells: int = _AUTHOR) -> str:
    """The line over the outline's columns, for an author column ``author_cells`` wide (0: none)."""
    author = f" {'author':{author_cells}}"[: author_cells + 1] if author_cells else ""
    return f"{'#':>{_NUMBER}}{author} {'conc':>{_CONCERN}} {'flags':{_FLAGS}}  {'state':{_STATE}}"


HEADER = header()

DRAFT_MARK = "✎"  # the comment has a pending decision that is not saved (ReviewSession.has_draft)
SKIPPED_STATE = "later"  # skipped: left for later, not decided
UNDECIDED_STATE = "·"
SCORING = "…"  # in the concern column while the model is still scoring
# An author's name is cut to this many characters before it is made safe and fitted: a hostile megabyte-long name
# costs no more to draw than a short one (the column shows 10 cells of it anyway).
_AUTHOR_READ = 256

_CURSOR = Style(reverse=True, bold=True)


class _Styles(NamedTuple):
    """The outline's styles for one theme (dark or light), from moderator.tui.palette."""

    normal: Style
    flagged: Style
    review: Style
    suggested: Style  # drawn over the review style: italic, and the palette's dimmer colour
    decided: Style

    @classmethod
    def for_theme(cls, dark: bool) -> _Styles:
        return cls(
            normal=Style(),
            flagged=Style(color=palette.FLAGGED.on(dark)),
            review=Style(color=palette.REVIEW.on(dark)),
            suggested=Style(color=palette.SUGGESTED.on(dark), italic=True),
            decided=Style(color=palette.DECIDED.on(dark)),
        )


_STYLES = {True: _Styles.for_theme(True), False: _Styles.for_theme(False)}


class _Row(NamedTuple):
    """One row in three pieces: up to and including the flags column's first character, the rest of the flags
    column, and what follows; ``suggests``: the second piece holds suggested labels (drawn apart)."""

    lead: str
    flags_rest: str
    tail: str
    style: Style
    suggests: bool

    @property
    def text(self) -> str:
        return self.lead + self.flags_rest + self.tail


def fit_cells(text: str, width: int) -> str:
    """``text`` in exactly ``width`` terminal cells: cut with "…" when longer (a wide character is never split in
    half), padded with spaces when shorter."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(set_cell_size(text, width - 1).rstrip(" ") + "…", width)


def concern_text(concern: float) -> str:
    """Concern as two digits: 0.87 is "87". Cut down, never rounded up, so only a concern of 1 shows "99" with
    0.99 (three digits would not fit); anything not in 0..1 shows "?"."""
    if not 0.0 <= concern <= 1.0:  # NaN too
        return "?"
    return f"{min(int(concern * 100), 99):02d}"


class Outline(ScrollView):
    """Comment number, author, concern, the keys of the labels the model flags ("?" and the keys of the labels it
    suggests when it marks the comment for review), a draft mark and the decision state.

    It never takes the keyboard (the screen's keys drive the review); clicking a line chooses that comment."""

    can_focus = False

    class CommentChosen(Message):
        """The moderator picked the comment at ``position`` of the queue."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    class ColumnsChanged(Message):
        """The outline's width changed its columns: ``header`` is the line to show over them."""

        def __init__(self, header: str) -> None:
            super().__init__()
            self.header = header

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session: ReviewSession | None = None
        self._keys: dict[str, str] = {}
        self._author = _AUTHOR

    def on_resize(self) -> None:
        cells = author_width(self.scrollable_content_region.width)  # the vertical scrollbar takes its cell
        if cells != self._author:
            self._author = cells
            if self.session is not None:
                self.virtual_size = Size(self._row_width(), len(self.session.order))
            self.refresh()
        self.post_message(self.ColumnsChanged(header(cells)))

    def on_mount(self) -> None:
        # The colours depend on the theme: draw again when it changes (the command palette can switch it).
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        self.refresh()

    def fill(self, session: ReviewSession) -> None:
        self.session = session
        # Label keys come from the taxonomy file: made safe once here, like any text from a file.
        self._keys = {label.id: one_line(label.key) for label in session.taxonomy.labels}
        self.virtual_size = Size(self._row_width(), len(session.order))
        self.follow(session)
        self.refresh()

    def _row_width(self) -> int:
        return _WITHOUT_AUTHOR + (self._author + 1 if self._author else 0)

    def _styles(self) -> _Styles:
        return _STYLES[self.app.current_theme.dark]

    def row_text(self, position: int) -> tuple[str, Style]:
        """The row's text and its style (the suggested labels of a comment marked for review are drawn in the
        palette's suggested style on top of it)."""
        row = self._row(position)
        return row.text, row.style

    def _row(self, position: int) -> _Row:
        assert self.session is not None
        session = self.session
        index = session.order[position]
        comment = session.thread.comments[index]
        score = session.scores[index]
        decision = session.decisions[index]
        is_skipped = getattr(session, "is_skipped", None)  # the session may not offer it (older sessions)
        skipped = is_skipped(index) if is_skipped is not None else decision is not None and decision.action == "skip"
        decided = decision is not None and not skipped
        has_draft = getattr(session, "has_draft", None)
        drafted = has_draft is not None and has_draft(index)

        number = str(comment.number) if comment.number is not None else "?"
        if len(number) > _NUMBER:  # the end of a long number tells neighbours apart
            number = "…" + number[-(_NUMBER - 1) :]
        author = " " + fit_cells(one_line((comment.author or "-")[:_AUTHOR_READ]), self._author) if self._author else ""
        review = score is not None and score.review and not score.flags
        if score is None:
            concern = SCORING if not session.scored and not session.scoring_error else ""
            flags = ""
        else:
            concern = concern_text(score.concern)
            labels = score.suggested if review else score.flags
            flags = ("?" if review else "") + "".join(self._keys.get(label, "?") for label in labels)
        if skipped:
            state = SKIPPED_STATE
        elif decision is None:
            state = UNDECIDED_STATE
        elif decision.action == "ok":
            state = "ok"
        else:
            keys = "".join(self._keys.get(label, "?") for label in decision.labels)
            state = f"{(decision.action or '?')[:4]} {keys}".strip()

        styles = self._styles()
        if decided:
            style = styles.decided
        elif review:
            style = styles.review
        else:
            style = styles.flagged if flags else styles.normal
        if position == session.position:
            style = style + _CURSOR
        flags = fit_cells(flags, _FLAGS)
        lead = f"{number:>{_NUMBER}}{author} {concern:>{_CONCERN}} {flags[:1]}"
        tail = f" {DRAFT_MARK if drafted else ' '}{fit_cells(state, _STATE)}"
        return _Row(lead, flags[1:], tail, style, suggests=review and not decided)

    def render_line(self, y: int) -> Strip:
        position = y + self.scroll_offset.y
        width = self.size.width
        if self.session is None or position >= len(self.session.order):
            return Strip.blank(width)
        row = self._row(position)
        # On the cursor's row (drawn reversed) the suggestion's own style would show as a grey patch: there the
        # "?" before the keys says it is a suggestion.
        if not row.suggests or position == self.session.position:
            return Strip([Segment(row.text, row.style)]).adjust_cell_length(width, row.style)
        segments = [
            Segment(row.lead, row.style),  # ends with the "?"
            Segment(row.flags_rest, row.style + self._styles().suggested),
            Segment(row.tail, row.style),
        ]
        return Strip(segments).adjust_cell_length(width, row.style)

    def follow(self, session: ReviewSession) -> None:
        self.scroll_to_region(Region(0, session.position, 1, 1), animate=False, immediate=True)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if self.session is None:
            return
        position = event.y + self.scroll_offset.y
        if 0 <= position < len(self.session.order):
            self.post_message(self.CommentChosen(position))
