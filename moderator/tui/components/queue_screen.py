"""The triage queue list: the first screen of ``moderator review --queue-file``.

Two lines per queue entry, in queue order (most concerning first): the entry's state, the model's concern, the
comment's number, its author and its thread; under them the labels the model flags (or "?" and the labels it
suggests for a comment marked for review) and the evidence sentence. The rows are drawn with Textual's line API
over a virtual height, as the thread picker's are: only the lines on screen are drawn, so a queue of 10,000 entries
costs no more than one of 20.

Choosing an entry posts :class:`QueueScreen.EntryChosen` to the app, which loads its thread (in a worker) and opens
the review screen on that comment. What is decided, and what could not be loaded, comes from the walk
(:class:`moderator.review.queue_walk.QueueWalk`); the screen only draws it. Everything from the queue file (titles,
authors, evidence, labels) is data: drawn as plain segments, never markup, with control characters escaped
(``one_line``). Nothing is told by colour alone: the state column says it in a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer, Static

from moderation_core.textsafe import one_line
from moderator.review.queue_walk import Opened, QueueWalk, Unloadable
from moderator.scan.queue import QueueEntry, QueueHeader
from moderator.tui import palette
from moderator.tui.components.headed_list import HeadedList
from moderator.tui.components.outline import concern_text
from moderator.tui.components.thread_picker import fit_cells

# The columns of an entry's first line, in cells: state, concern, comment number, author; the thread takes the rest.
_STATE = 10
_CONCERN = 4
_NUMBER = 6
_AUTHOR = 12
_LEAD = 1 + _STATE + 1 + _CONCERN + 1  # the second line starts under the comment number
MIN_THREAD_WIDTH = 8
SOURCE_NAME_WIDTH = 40
# Text from the queue is cut to this many characters before it is made safe and fitted: a hostile megabyte-long
# title or evidence sentence costs no more to draw than a short one (a line shows less anyway).
_TEXT_READ = 512

UNDECIDED_STATE = "·"
DECIDED_STATE = "decided"
CHANGED_STATE = "changed"  # the comment's text is not what the scan scored
MISSING_STATE = "missing"  # the thread no longer has the comment
UNLOADABLE_STATE = "unloadable"  # the thread cannot be loaded any more (file gone, fetch failed)

_HEADING = Style(bold=True)
_CURSOR = Style(reverse=True, bold=True)
_UNLOADABLE = Style(dim=True)
_ROW_STYLES = {
    dark: {state: Style(color=colour.on(dark)) for state, colour in palette.OUTLINE_COLOURS.items()}
    for dark in (True, False)
}


def state_text(decided: bool, result: Opened | Unloadable | None) -> str:
    """The state column: unloadable, else decided, else what loading found (changed, missing), else "·"."""
    if isinstance(result, Unloadable):
        return UNLOADABLE_STATE
    if decided:
        return DECIDED_STATE
    if isinstance(result, Opened) and result.warning is not None:
        return CHANGED_STATE if result.changed else MISSING_STATE
    return UNDECIDED_STATE


def thread_text(entry: QueueEntry) -> str:
    """The thread as a moderator knows it: its title and id (either alone when the other is missing)."""
    thread = entry.thread
    title = (thread.title or "").strip()[:_TEXT_READ]
    if thread.id is None:
        return one_line(title or "(no title)")
    if not title or title == thread.id:
        return one_line(thread.id[:_TEXT_READ])
    return one_line(f"{title} ({thread.id[:_TEXT_READ]})")


def labels_text(entry: QueueEntry) -> str:
    """The labels the model flags; for a comment marked for review, "?" and the labels it suggests."""
    if entry.flags:
        return one_line(", ".join(entry.flags))
    return one_line("? " + ", ".join(entry.suggested)).rstrip()


def number_text(entry: QueueEntry) -> str:
    return f"#{entry.number}" if entry.number is not None else f"@{entry.position}"


def entry_lines(entry: QueueEntry, state: str, width: int) -> tuple[str, str]:
    """The two lines of an entry ``width`` cells wide: state, concern, number, author and thread; then labels and
    the evidence sentence, under the number."""
    author = fit_cells(one_line((entry.author or "-")[:_TEXT_READ]), _AUTHOR)
    number = number_text(entry)
    if len(number) > _NUMBER:  # the end of a long number tells neighbours apart
        number = "…" + number[-(_NUMBER - 1) :]
    lead = f" {state:<{_STATE}} {concern_text(entry.concern):>{_CONCERN}} {number:>{_NUMBER}} {author} "
    first = lead + fit_cells(thread_text(entry), max(MIN_THREAD_WIDTH, width - cell_len(lead)))
    evidence = "" if entry.evidence is None else one_line(entry.evidence.text[:_TEXT_READ])
    detail = labels_text(entry) + (f": {evidence}" if evidence else "")
    second = " " * _LEAD + fit_cells(detail, max(MIN_THREAD_WIDTH, width - _LEAD))
    return first, second


def heading_text(width: int) -> str:
    lead = f" {'state':<{_STATE}} {'conc':>{_CONCERN}} {'#':>{_NUMBER}} {'author':<{_AUTHOR}} "
    return lead + fit_cells("thread  /  labels: evidence", max(MIN_THREAD_WIDTH, width - len(lead)))


class QueueList(HeadedList):
    """Two lines per entry under a heading line that does not scroll. It never takes the keyboard: the screen's
    keys move its cursor. Clicking an entry chooses it."""

    lines_per_item = 2

    DEFAULT_CSS = """
    QueueList {
        height: 1fr;
        overflow-x: hidden;
    }
    """

    class EntryClicked(Message):
        """The moderator clicked queue entry ``index``."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, walk: QueueWalk[QueueEntry], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.walk = walk

    def on_mount(self) -> None:
        super().on_mount()
        self.fit_to_items()

    # -- what is drawn ---------------------------------------------------------------------------------------
    def item_count(self) -> int:
        return len(self.walk.entries)

    def heading(self, width: int) -> Strip:
        return self.line(heading_text(width), _HEADING, width)

    def item_line(self, index: int, part: int, width: int) -> Strip:
        style = self._style_of_entry(index)
        return self.line(self.text_of_entry(index, width)[part], style, width, styled_padding=True)

    def item_clicked(self, index: int) -> None:
        self.post_message(self.EntryClicked(index))

    def state_of(self, index: int) -> str:
        return state_text(self.walk.decided[index], self.walk.result(index))

    def text_of_entry(self, index: int, width: int | None = None) -> tuple[str, str]:
        """The two lines of entry ``index`` as drawn at ``width`` (default: the widget's)."""
        return entry_lines(self.walk.entries[index], self.state_of(index), self._width() if width is None else width)

    def _style_of_entry(self, index: int) -> Style:
        entry, state = self.walk.entries[index], self.state_of(index)
        styles = _ROW_STYLES[self.app.current_theme.dark]
        if state == UNLOADABLE_STATE:
            style = _UNLOADABLE
        elif state == DECIDED_STATE:
            style = styles["decided"]
        elif entry.flags:
            style = styles["flagged"]
        else:
            style = styles["review"]
        return style + _CURSOR if index == self.cursor else style


class QueueScreen(Screen[None]):
    """Every entry of a triage queue; the moderator moves the cursor and opens an entry (or the next undecided
    one) in the review screen. The app comes back here when the review screen is left."""

    CSS_PATH = "queue_screen.tcss"
    AUTO_FOCUS = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open"),
        Binding("w", "next_undecided", "Next undecided"),
        Binding("down,j", "move(1)", "Down", key_display="↓/j"),
        Binding("up,k", "move(-1)", "Up", key_display="↑/k"),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("q", "quit", "Quit"),
    ]

    class EntryChosen(Message):
        """The moderator chose to review queue entry ``index``."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, walk: QueueWalk[QueueEntry], header: QueueHeader, *, source_name: str | None = None) -> None:
        super().__init__()
        self.walk = walk
        self.header = header
        self.source_name = source_name

    def compose(self) -> ComposeResult:
        yield Static(id="queue-header", markup=False)
        yield QueueList(self.walk, id="queue-entries")
        yield Footer()

    def on_mount(self) -> None:
        self.show_marks()

    # -- what is shown ---------------------------------------------------------------------------------------
    @property
    def cursor(self) -> int:
        """The queue entry under the cursor."""
        return self.query_one(QueueList).cursor

    def header_text(self) -> str:
        walk = self.walk
        entries, threads = len(walk.entries), walk.thread_count
        parts = [
            f"{entries:,} entr{'ies' if entries != 1 else 'y'} in {threads:,} thread{'s' if threads != 1 else ''}",
            f"{walk.decided_count():,} decided",
        ]
        unloadable = walk.unloadable_count()
        if unloadable:
            parts.append(f"{unloadable:,} unloadable")
        failures = len(self.header.failures)
        if failures:
            parts.append(f"{failures:,} source{'s' if failures != 1 else ''} failed in the scan")
        if self.source_name:
            name = one_line(self.source_name)
            parts.append(name if len(name) <= SOURCE_NAME_WIDTH else "…" + name[-(SOURCE_NAME_WIDTH - 1) :])
        return "  ·  ".join(parts)

    def show_marks(self, cursor: int | None = None) -> None:
        """Draw the header and the entries again (the walk's marks changed), the cursor on ``cursor`` if given."""
        self.query_one("#queue-header", Static).update(self.header_text(), layout=False)
        entries = self.query_one(QueueList)
        if cursor is not None:
            entries.move_to(cursor)
        entries.refresh()

    def on_queue_list_entry_clicked(self, message: QueueList.EntryClicked) -> None:
        self.query_one(QueueList).move_to(message.index)
        self.action_open()

    # -- actions ---------------------------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        entries = self.query_one(QueueList)
        entries.move_to(entries.cursor + step)

    def action_page(self, pages: int) -> None:
        entries = self.query_one(QueueList)
        entries.move_to(entries.cursor + pages * entries.page)

    def action_first(self) -> None:
        self.query_one(QueueList).move_to(0)

    def action_last(self) -> None:
        self.query_one(QueueList).move_to(len(self.walk.entries) - 1)

    def action_open(self) -> None:
        if not self.walk.entries:
            self.app.bell()
            return
        self.post_message(self.EntryChosen(self.cursor))

    def action_next_undecided(self) -> None:
        """The first undecided entry from the cursor on (wrapping), opened."""
        index = self.walk.next_undecided(self.cursor - 1)
        if index is None:
            self.notify("Every entry of the queue is decided (or cannot be loaded).", markup=False)
            return
        self.query_one(QueueList).move_to(index)
        self.action_open()

    def action_quit(self) -> None:
        self.app.exit()

    def system_commands(self) -> Iterable[SystemCommand]:
        """The queue list's entries of the command palette."""
        yield SystemCommand("Open queue entry", "Review the comment under the cursor in its thread", self.action_open)
        yield SystemCommand(
            "Next undecided queue entry",
            "Open the first undecided entry from the cursor on",
            self.action_next_undecided,
        )
