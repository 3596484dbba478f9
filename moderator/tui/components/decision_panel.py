"""The pending decision (toggled labels, action, note) and what is saved for the comment. Labels the model
suggests for a comment marked for review are shown as its suggestion (in italics, and in words) until the moderator
toggles a label."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moderator.review import ReviewSession
from moderator.tui.text import literal, literal_line


class DecisionPanel(Static):
    def show(self, session: ReviewSession, error: str | None = None) -> None:
        keys = {label.id: label for label in session.taxonomy.labels}
        pending = session.pending
        text = Text("Pending  ", style="bold")
        if pending.labels:
            weight = "italic" if pending.suggested else "bold"
            for label_id in pending.labels:
                label = keys[label_id]
                text.append(f"[{label.key}] {label.id} ", style=f"{weight} {label.color}")
            text.append(f" action {pending.action}")
        else:
            text.append("no labels (enter saves as fine)", style="dim")
        has_draft = getattr(session, "has_draft", None)
        if has_draft is not None and has_draft(session.index):
            text.append("  · draft", style="italic")  # kept when moving on (the outline marks it); enter saves it
        if pending.labels and pending.suggested:
            text.append("\n         suggested by the model (marked for review)", style="italic dim")
        if pending.note:
            text.append("\nNote     ", style="bold")
            text.append_text(literal_line(pending.note, "italic"))
        saved = session.decisions[session.index]
        text.append("\nSaved    ", style="bold")
        if error:
            text.append("NOT SAVED: ", style="bold red")
            text.append_text(literal(error, "red"))
        elif saved is None:
            text.append("undecided", style="dim")
        elif saved.action == "skip":
            text.append("skipped: comes back later", style="italic")
        else:
            labels = ", ".join(saved.labels) or "-"
            text.append(f"✓ {saved.action} {labels}", style="bold green")
            if saved.note:
                text.append("  ")
                text.append_text(literal_line(saved.note, "italic"))
        self.update(text)
