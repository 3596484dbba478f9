"""The end of a thread: what was decided (by label and by action), what was skipped, the time spent, and the way
back."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from moderator.review import ReviewSummary


def _duration(seconds: float) -> str:
    """Minutes are what a moderator plans with; seconds would only make the summary jitter."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def summary_text(summary: ReviewSummary, leave: str) -> Text:
    """The summary in words; ``leave`` says where ``q`` goes (quit, or back to the thread list)."""
    text = Text("End of the thread\n\n", style="bold")
    text.append(f"decided   {summary.decided} of {summary.total}\n")
    text.append(f"skipped   {summary.skipped}  (they come back with f, and when the thread is reopened)\n")
    text.append(f"left      {summary.undecided}\n")
    text.append(f"this session: {summary.decisions_this_session} decisions, {_duration(summary.seconds)}\n")
    if summary.by_action:
        text.append("\nBy action\n", style="bold")
        for action, count in sorted(summary.by_action.items(), key=lambda item: (-item[1], item[0])):
            text.append(f"  {action:12} {count}\n")
    if summary.by_label:
        text.append("\nBy label\n", style="bold")
        for label, count in sorted(summary.by_label.items(), key=lambda item: (-item[1], item[0])):
            text.append(f"  {label:16} {count}\n")
    text.append(f"\nescape: back to the thread   q: {leave}", style="dim")
    return text


class SummaryScreen(ModalScreen[bool]):
    """Dismissed with True when the moderator leaves the thread (q), False to go back to it (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to the thread"),
        Binding("q", "leave", "Leave"),
    ]

    def __init__(self, summary: ReviewSummary, leave: str) -> None:
        super().__init__()
        self.summary = summary
        self.leave = leave

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-box"):
            yield Static(summary_text(self.summary, self.leave), id="summary-text")

    def action_back(self) -> None:
        self.dismiss(False)

    def action_leave(self) -> None:
        self.dismiss(True)
