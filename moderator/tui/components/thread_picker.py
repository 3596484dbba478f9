"""The thread picker: the first screen of ``moderator review`` on a file of many threads.

One row per thread (title, comments, flagged, marked for review, decided), a filter above them and a cursor.
The rows are drawn with Textual's line API over a virtual height, as the outline of the review screen is: only the
rows on screen are drawn, so 10,000 threads cost no more than 19, and filtering is one substring test per thread
(:func:`moderator.review.catalog.filter_summaries`).

Choosing a thread posts :class:`ThreadPicker.ThreadChosen` to the app, which opens the review screen; the
model's counts arrive from a quick scoring in a worker thread and show as "…" until then.

The rows take the outline's colours (moderator.tui.palette) in their version for the theme in use: flagged, marked
for review, all decided. The numbers say the same without colour.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, Literal

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from moderation_core.textsafe import one_line
from moderator.review.catalog import ThreadCounts, ThreadSummary, filter_summaries, with_decided, with_scores
from moderator.tui import palette
from moderator.tui.components.headed_list import HeadedList

# The quick scoring: called in a worker thread with the pause to run after each batch; returns one ThreadCounts
# per summary, in order.
QuickScoring = Callable[[Callable[[], None]], Sequence[ThreadCounts]]
ScoringState = Literal["waiting", "done", "none"]

# The number columns, right-aligned after the title: (heading, width).
COLUMNS: tuple[tuple[str, int], ...] = (("comments", 8), ("flagged", 7), ("review", 6), ("decided", 7))
_NUMBERS_WIDTH = sum(width + 1 for _, width in COLUMNS)  # each after a space
_LEFT_MARGIN = 1
MIN_TITLE_WIDTH = 8
SOURCE_NAME_WIDTH = 60
# Between two batches of the quick scoring, the interface thread's turn; while a review screen covers the picker,
# the scoring waits, checking this often whether the app is closing.
SCORING_PAUSE_SECONDS = 0.002
SUSPENDED_CHECK_SECONDS = 0.1

_NORMAL = Style()
_HEADING = Style(bold=True)
_CURSOR = Style(reverse=True, bold=True)
# The outline's colours for the same states, per theme (dark: True): built once, not for each row drawn.
_ROW_STYLES = {
    dark: {state: Style(color=colour.on(dark)) for state, colour in palette.OUTLINE_COLOURS.items()}
    for dark in (True, False)
}


def row_style(summary: ThreadSummary, dark: bool = True) -> Style:
    """A row's colour on a dark or a light theme: all decided, else flagged, else marked for review, else the
    theme's text colour."""
    styles = _ROW_STYLES[dark]
    if summary.comments and summary.decided >= summary.comments:
        return styles["decided"]
    if summary.flagged:
        return styles["flagged"]
    if summary.review:
        return styles["review"]
    return _NORMAL


def _tail(text: str, width: int) -> str:
    """The end of ``text`` in ``width`` characters: a long path keeps its file name."""
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


class _ScoringStopped(Exception):
    """Raised from the pause of the quick scoring when its worker was cancelled (the picker or the app closed)."""


def fit_cells(text: str, width: int) -> str:
    """``text`` in exactly ``width`` terminal cells: padded with spaces, or cut with an ellipsis (wide characters
    count two cells; one cut in half is replaced by a space)."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    return set_cell_size(text, width - 1) + "…"


def title_width(width: int) -> int:
    """The cells left for the title in a row ``width`` cells wide."""
    return max(MIN_TITLE_WIDTH, width - _LEFT_MARGIN - _NUMBERS_WIDTH)


def row_text(title: str, numbers: Sequence[str], width: int) -> str:
    """One row: the title fitted to its column, then the numbers right-aligned under their headings."""
    cells = [" " * _LEFT_MARGIN, fit_cells(title, title_width(width))]
    for (_, column_width), number in zip(COLUMNS, numbers):
        cells.append(f" {number:>{column_width}}")
    return "".join(cells)


def heading_text(width: int) -> str:
    return row_text("title", [heading for heading, _ in COLUMNS], width)


def count_text(count: int | None, state: ScoringState) -> str:
    """A model count, "…" while the quick scoring runs, "-" when there is no model or its scoring failed."""
    if count is not None:
        return str(count)
    return "…" if state == "waiting" else "-"


class ThreadList(HeadedList):
    """The rows of the threads the filter keeps, under a heading line that does not scroll. It never takes the
    keyboard: the picker's keys move its cursor. Clicking a row chooses it."""

    DEFAULT_CSS = """
    ThreadList {
        height: 1fr;
        overflow-x: hidden;
    }
    """

    class RowClicked(Message):
        """The moderator clicked the row at ``row`` (an index into the rows shown)."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.summaries: Sequence[ThreadSummary] = ()
        self.rows: list[int] = []  # indices into summaries, in the order shown
        self.state: ScoringState = "waiting"

    # -- what is shown ---------------------------------------------------------------------------------------
    def show(self, summaries: Sequence[ThreadSummary], rows: list[int], state: ScoringState) -> None:
        """Show ``rows`` of ``summaries``, keeping the cursor on the same thread when it is still shown."""
        current = self.current
        self.summaries = summaries
        self.rows = rows
        self.state = state
        if current is not None and current in rows:
            self.cursor = rows.index(current)
        else:
            self.cursor = 0
        self.fit_to_items()
        self.follow()
        self.refresh()

    @property
    def current(self) -> int | None:
        """The index in ``summaries`` of the thread under the cursor; None when no row is shown."""
        return self.rows[self.cursor] if self.rows else None

    def item_count(self) -> int:
        return len(self.rows)

    def heading(self, width: int) -> Strip:
        return self.line(heading_text(width), _HEADING, width)

    def item_line(self, index: int, part: int, width: int) -> Strip:
        return self.line(self.text_of_row(index, width), self._style_of_row(index), width)

    def item_clicked(self, index: int) -> None:
        self.post_message(self.RowClicked(index))

    def text_of_row(self, row: int, width: int | None = None) -> str:
        """The text of row ``row`` (an index into ``rows``), as drawn at ``width`` (default: the widget's)."""
        summary = self.summaries[self.rows[row]]
        numbers = [
            str(summary.comments),
            count_text(summary.flagged, self.state),
            count_text(summary.review, self.state),
            str(summary.decided),
        ]
        return row_text(one_line(summary.title), numbers, self._width() if width is None else width)

    def _style_of_row(self, row: int) -> Style:
        style = row_style(self.summaries[self.rows[row]], self.app.current_theme.dark)
        return style + _CURSOR if row == self.cursor else style


class ThreadPicker(Screen[None]):
    """Every thread of a file; the moderator filters them, moves the cursor and opens one for review."""

    DEFAULT_CSS = """
    ThreadPicker #picker-header {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    ThreadPicker #picker-filter {
        margin: 0 0;
    }
    """
    # Nothing takes the keyboard at first: q, the arrows and enter work at once; "/" moves into the filter.
    AUTO_FOCUS = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open"),
        Binding("down,j", "move(1)", "Down", key_display="↓/j"),
        Binding("up,k", "move(-1)", "Up", key_display="↑/k"),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        # A priority binding runs as the key arrives, before the keys after it are handed on: "/wick" typed or
        # pasted in one go lands in the filter whole (the action types a "/" there when the filter has the keys).
        Binding("slash", "filter", "Filter", key_display="/", priority=True),
        Binding("escape", "leave_filter", "Clear filter", show=False),
        Binding("q", "quit", "Quit"),
    ]

    class ThreadChosen(Message):
        """The moderator chose to review the thread at ``position`` (its index in the file's threads)."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    class CountsReady(Message):
        """The quick scoring finished: one ThreadCounts per thread, in order."""

        def __init__(self, counts: Sequence[ThreadCounts]) -> None:
            super().__init__()
            self.counts = counts

    class CountsFailed(Message):
        """The quick scoring stopped with an error: the picker goes on without the model's counts."""

        def __init__(self, problem: str) -> None:
            super().__init__()
            self.problem = problem

    def __init__(
        self,
        summaries: Sequence[ThreadSummary],
        *,
        scoring: QuickScoring | None = None,
        source_name: str | None = None,
    ) -> None:
        super().__init__()
        self.summaries: list[ThreadSummary] = list(summaries)
        self.scoring = scoring
        self.source_name = source_name
        self.filter_text = ""
        self.state: ScoringState = "waiting" if scoring is not None else "none"
        self._rows: list[int] = list(range(len(self.summaries)))
        # Set while the picker is the screen shown: the quick scoring waits while a review screen covers it.
        self._shown = threading.Event()
        self._shown.set()

    def compose(self) -> ComposeResult:
        yield Static(id="picker-header", markup=False)
        yield Input(placeholder="/ filter: words of the title, the thread id or an author", id="picker-filter")
        yield ThreadList(id="threads")
        yield Footer()

    def on_mount(self) -> None:
        # The threads are loaded for good: keep the garbage collector from walking their objects again and again
        # (as the review screen does; its pauses showed between keys).
        gc.freeze()
        self._show_rows()
        if self.scoring is not None:
            self._score_in_background(self.scoring)

    # -- what is shown ---------------------------------------------------------------------------------------
    @property
    def rows(self) -> list[int]:
        """Indices into ``summaries`` of the threads shown, in order."""
        return self._rows

    @property
    def current(self) -> ThreadSummary | None:
        """The thread under the cursor."""
        index = self.query_one(ThreadList).current
        return None if index is None else self.summaries[index]

    def header_text(self) -> str:
        total = len(self.summaries)
        parts = [f"{total:,} thread{'s' if total != 1 else ''}"]
        if self.source_name:
            parts[0] += f" in {_tail(one_line(self.source_name), SOURCE_NAME_WIDTH)}"
        if self.filter_text.strip():
            parts.append(f"filter: {one_line(self.filter_text, 40)} ({len(self._rows):,} shown)")
        if self.state == "waiting":
            parts.append("scoring…")
        elif self.state == "none":
            parts.append("no model counts")
        return "  ·  ".join(parts)

    def _show_rows(self) -> None:
        # One line whatever it says (its height is fixed): no layout of the screen for each key typed.
        self.query_one("#picker-header", Static).update(self.header_text(), layout=False)
        self.query_one(ThreadList).show(self.summaries, self._rows, self.state)

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._rows = filter_summaries(self.summaries, text)
        self._show_rows()

    def set_decided(self, position: int, decided: int) -> None:
        """The thread at ``position`` now has ``decided`` comments decided (the moderator is back from it)."""
        self.summaries[position] = with_decided(self.summaries[position], decided)
        self._show_rows()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # Filtering is done: back in the picker after the review, the keys are the list's again (q quits).
        self.set_focus(None)
        self.action_open()

    def on_thread_list_row_clicked(self, message: ThreadList.RowClicked) -> None:
        self.query_one(ThreadList).move_to(message.row)
        self.action_open()

    # -- the quick scoring in a worker thread; its outcome comes back as a message ---------------------------
    @work(thread=True, exclusive=True)
    def _score_in_background(self, scoring: QuickScoring) -> None:
        worker = get_current_worker()
        shown = self._shown

        def pause() -> None:
            time.sleep(SCORING_PAUSE_SECONDS)
            while True:
                if worker.is_cancelled:
                    raise _ScoringStopped
                if shown.wait(SUSPENDED_CHECK_SECONDS):
                    return

        try:
            counts = scoring(pause)
        except _ScoringStopped:
            return
        except Exception as error:  # whatever stopped the model, the picker goes on without its counts
            self.post_message(self.CountsFailed(str(error)))
            return
        self.post_message(self.CountsReady(counts))

    def on_thread_picker_counts_ready(self, message: CountsReady) -> None:
        self.summaries = with_scores(self.summaries, message.counts)
        self.state = "done"
        self._show_rows()

    def on_thread_picker_counts_failed(self, message: CountsFailed) -> None:
        self.state = "none"
        self._show_rows()
        self.notify(
            f"Scoring failed: {one_line(message.problem)}",
            title="No model counts",
            severity="error",
            markup=False,
            timeout=15,
        )

    def on_screen_suspend(self) -> None:
        self._shown.clear()

    def on_screen_resume(self) -> None:
        self._shown.set()

    # -- actions ---------------------------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        threads = self.query_one(ThreadList)
        threads.move_to(threads.cursor + step)

    def action_page(self, pages: int) -> None:
        threads = self.query_one(ThreadList)
        threads.move_to(threads.cursor + pages * threads.page)

    def action_first(self) -> None:
        self.query_one(ThreadList).move_to(0)

    def action_last(self) -> None:
        self.query_one(ThreadList).move_to(len(self._rows) - 1)

    def action_open(self) -> None:
        summary = self.current
        if summary is None:
            self.app.bell()  # the filter keeps no thread
            return
        self.post_message(self.ThreadChosen(summary.position))

    def action_filter(self) -> None:
        filter_field = self.query_one(Input)
        if filter_field.has_focus:
            filter_field.insert_text_at_cursor("/")  # a "/" in the filter's text
            return
        # At once, not later as Widget.focus does it: the keys typed after "/" go to the filter.
        self.set_focus(filter_field)

    def action_leave_filter(self) -> None:
        """Escape: out of the filter field (keeping the filter); on the list, clear the filter."""
        filter_field = self.query_one(Input)
        if filter_field.has_focus:
            self.set_focus(None)
        elif filter_field.value:
            filter_field.value = ""  # posts Input.Changed: the rows follow

    def action_quit(self) -> None:
        self.app.exit()

    def system_commands(self) -> Iterable[SystemCommand]:
        """The picker's entries of the command palette."""
        yield SystemCommand("Open thread", "Review the thread under the cursor", self.action_open)
        yield SystemCommand("Filter threads", "Type words of a title, a thread id or an author", self.action_filter)
