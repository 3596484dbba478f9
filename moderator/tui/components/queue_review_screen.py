"""The review screen of a thread opened from a triage queue: the review screen itself, under one line that names
the queue entry (and warns when its comment is not what the scan saw), with two keys of the walk: ``w`` goes to the
next undecided entry of the queue, in whichever thread it is, and ``escape`` (or ``q``) goes back to the queue list.

Both are posted upward or dismiss the screen; the app loads the next entry's thread and either moves this screen to
its comment (the same thread) or replaces this screen (another thread)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from moderator.retrain import RetrainSettings
from moderator.review import ReviewSession
from moderator.review.queue_walk import Opened
from moderator.scan.queue import QueueEntry
from moderator.scoring import Scorer
from moderator.scoring.background import BackgroundScorer
from moderator.tui.components.help_screen import HelpScreen
from moderator.tui.components.outline import concern_text
from moderator.tui.components.queue_screen import number_text
from moderator.tui.components.review_screen import ReviewScreen

NEXT_IN_QUEUE_KEY = "w"
# The queue's keys, first in the help of a review screen opened from a queue.
QUEUE_KEYS: tuple[tuple[str, str], ...] = (
    (NEXT_IN_QUEUE_KEY, "next undecided entry of the triage queue, in whichever thread"),
    ("esc / q", "back to the queue list (decided entries marked)"),
)


def bar_text(opened: Opened, entry: QueueEntry, total: int) -> Text:
    """The line over the review screen: the warning first when the comment is not what the scan saw, else which
    queue entry this is. Plain text: no part of it is ever read as markup."""
    where = f"queue {opened.index + 1}/{total}"
    if opened.warning is not None:
        return Text(f"⚠ {opened.warning} · {where}")
    about = f"comment {number_text(entry)}, concern {concern_text(entry.concern)}"
    # Short enough for 80 columns with a queue of thousands: the keys are the line's point.
    return Text(f"{where}: {about} · {NEXT_IN_QUEUE_KEY}: next undecided · esc: queue list")


class QueueReviewScreen(ReviewScreen, inherit_bindings=False):
    """A review screen on the thread of queue entry ``opened.index``, positioned on its comment."""

    # The review screen's keys with the queue's right after help and quit, so the footer shows them at 80 columns
    # too (a subclass's own bindings would otherwise come last, past the edge); Screen's focus keys kept.
    BINDINGS: ClassVar[list[BindingType]] = [
        *ReviewScreen.BINDINGS[:3],
        Binding(NEXT_IN_QUEUE_KEY, "next_in_queue", "Next in queue"),
        Binding("escape", "back_to_queue", "Back to queue", show=False),
        *ReviewScreen.BINDINGS[3:],
        *Screen.BINDINGS,
    ]
    CSS_PATH = "queue_screen.tcss"
    LIST_UNDER = "the queue list"

    class NextInQueue(Message):
        """The moderator asked for the next undecided queue entry after entry ``after``."""

        def __init__(self, after: int) -> None:
            super().__init__()
            self.after = after

    def __init__(
        self,
        session: ReviewSession,
        scoring: BackgroundScorer | None,
        retrain: RetrainSettings | None,
        scorer: Scorer | None,
        *,
        opened: Opened,
        entry: QueueEntry,
        total: int,
    ) -> None:
        super().__init__(session, scoring, retrain, scorer)
        self.opened, self.entry, self.total = opened, entry, total
        self._go_to_comment()

    @property
    def entry_index(self) -> int:
        """The queue entry this screen was opened for (or last moved to)."""
        return self.opened.index

    def compose(self) -> ComposeResult:
        yield Static(bar_text(self.opened, self.entry, self.total), id="queue-bar", markup=False)
        yield from super().compose()

    def on_mount(self) -> None:
        super().on_mount()
        self._show_bar()

    def show_entry(self, opened: Opened, entry: QueueEntry) -> None:
        """Move to queue entry ``opened`` of this same thread."""
        self.opened, self.entry = opened, entry
        self._go_to_comment()
        self._show_bar()
        self._moved()

    def _go_to_comment(self) -> None:
        if self.opened.comment is not None:
            self.session.go_to_index(self.opened.comment)

    def _show_bar(self) -> None:
        bar = self.query_one("#queue-bar", Static)
        bar.update(bar_text(self.opened, self.entry, self.total))
        bar.set_class(self.opened.warning is not None, "-warning")

    @property
    def bar(self) -> str:
        """The queue line as shown."""
        return bar_text(self.opened, self.entry, self.total).plain

    # -- the queue's keys --------------------------------------------------------------------------------------
    def action_next_in_queue(self) -> None:
        self.post_message(self.NextInQueue(self.entry_index))

    def action_back_to_queue(self) -> None:
        self.action_leave()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.session.taxonomy, self.session.log.path, QUEUE_KEYS))

    def system_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Next undecided entry of the queue",
            f"The next comment of the triage queue not yet decided, in whichever thread ({NEXT_IN_QUEUE_KEY})",
            self.action_next_in_queue,
        )
        yield SystemCommand(
            "Back to the queue list", "The list of the queue's entries (esc)", self.action_back_to_queue
        )
        yield from super().system_commands()
