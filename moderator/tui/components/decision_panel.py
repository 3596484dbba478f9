"""The pending decision (toggled labels, action, note) and what is saved for the comment. Labels the model
suggests for a comment marked for review are shown as its suggestion (in italics, and in words) until the moderator
toggles a label.

Colours are the palette's version for the theme in use (moderator.tui.palette), drawn again when it changes."""

from __future__ import annotations

from rich.text import Text
from textual.theme import Theme
from textual.widgets import Static

from moderator.review import ReviewSession
from moderator.tui import palette
from moderator.tui.text import literal, literal_line

# A decision that could not be saved (and, in the header, a scoring that failed): a red readable on each theme,
# 4.5:1 or more on its background and panel (palette.readable of #e5484d; tests/test_review_theme.py checks it).
ERROR = palette.Themed("#ea6d71", "#a03236")


class DecisionPanel(Static):
    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[ReviewSession, str | None] | None = None  # what show() was last given

    def on_mount(self) -> None:
        # The colours depend on the theme: draw again when it changes (the command palette can switch it).
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        if self._shown is not None:
            self.show(*self._shown)

    def show(self, session: ReviewSession, error: str | None = None) -> None:
        self._shown = (session, error)
        self.update(decision_text(session, error, self.app.current_theme.dark))


def decision_text(session: ReviewSession, error: str | None = None, dark: bool = True) -> Text:
    """The pending decision and the saved one, in the colours for a dark theme or (``dark`` False) a light one."""
    keys = {label.id: label for label in session.taxonomy.labels}
    pending = session.pending
    text = Text("Pending  ", style="bold")
    if pending.labels:
        weight = "italic" if pending.suggested else "bold"
        for label_id in pending.labels:
            label = keys[label_id]
            colour = palette.label_color(label.color, dark)
            text.append(f"[{label.key}] {label.id} ", style=f"{weight} {colour}")
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
        text.append("NOT SAVED: ", style=f"bold {ERROR.on(dark)}")
        text.append_text(literal(error, ERROR.on(dark)))
    elif saved is None:
        text.append("undecided", style="dim")
    elif saved.action == "skip":
        text.append("skipped: comes back later", style="italic")
    else:
        labels = ", ".join(saved.labels) or "-"
        text.append(f"✓ {saved.action} {labels}", style=f"bold {palette.DECIDED.on(dark)}")
        if saved.note:
            text.append("  ")
            text.append_text(literal_line(saved.note, "italic"))
    return text
