"""The help screen: every key of the review screen."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from moderation_core.taxonomy import Taxonomy
from moderator.log import Action
from moderator.tui.text import literal

KEYS = (
    ("a", "accept: the comment is fine; save and go to the next"),
    ("1-9", "toggle the label with that key"),
    ("enter", "save the toggled labels (none: fine) and go to the next"),
    ("s", "skip: record that you passed on it"),
    ("x", "cycle the action: " + ", ".join(action.value for action in Action.cycle())),
    ("n / j / ↓", "next comment"),
    ("p / k / ↑", "previous comment"),
    ("f", "next flagged comment not yet decided"),
    ("u", "undo the last decision (appends a retraction)"),
    ("e", "edit the note"),
    ("/", "search the thread"),
    ("ctrl+p", "command palette"),
    ("?", "this help"),
    ("q", "quit (every decision is already saved)"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, taxonomy: Taxonomy, log_path: Path | None = None) -> None:
        super().__init__()
        self.taxonomy = taxonomy
        self.log_path = log_path

    def compose(self) -> ComposeResult:
        text = Text("Review keys\n\n", style="bold")
        for key, meaning in KEYS:
            text.append(f"{key:>10}  ", style="bold")
            text.append(meaning + "\n")
        text.append("\nLabels\n\n", style="bold")
        for label in self.taxonomy.labels:
            text.append(f"{label.key:>10}  ", style=f"bold {label.color}")
            text.append(f"{label.id}: ", style="bold")
            text.append(label.description + "\n")
        if self.log_path is not None:
            text.append("\nDecisions are saved in\n", style="bold")
            text.append_text(literal(str(self.log_path)))
        with Vertical(id="help-box"):
            yield Static(text)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
