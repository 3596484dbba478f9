"""The help screen: every key of the review screen and what the outline's columns say, in a box that fits 80
columns and scrolls. The label keys are in their colours for the theme in use (moderator.tui.palette)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.theme import Theme
from textual.widgets import Static

from moderation_core.taxonomy import Taxonomy
from moderator.log import Action
from moderator.tui import palette
from moderator.tui.components.outline import DRAFT_MARK, SCORING, SKIPPED_STATE
from moderator.tui.text import literal

# The label row's keys are the taxonomy's (see key_rows).
LABEL_KEYS = "1-9"
KEYS: tuple[tuple[str, str], ...] = (
    ("a", "fine: save 'ok' and go to the next comment"),
    (LABEL_KEYS, "toggle the label with that key (listed below)"),
    ("enter", "save the toggled labels (none: fine) and go to the next"),
    ("s", "skip: leave it for later (it comes back)"),
    ("x", "cycle the action: " + ", ".join(action.value for action in Action.cycle())),
    ("j / ↓", "next comment"),
    ("k / ↑", "previous comment"),
    ("f", "next flagged or marked comment not yet decided"),
    ("space / pgdn", "scroll the comment down"),
    ("shift+space / pgup", "scroll the comment up"),
    ("ctrl+d / ctrl+u", "half a page down / up"),
    ("home / end", "top / bottom of the comment"),
    ("/", "search the thread"),
    ("n / N", "next / previous match"),
    ("g or :", "go to a comment by its number"),
    ("t", "first undecided comment of the queue"),
    ("r", "go to the comment this one quotes"),
    ("b", "back to where r or g came from"),
    ("@", "show only the comments of one author"),
    ("c", "compact / full scores"),
    ("e", "note (saved at once on a decided comment)"),
    ("R", "retrain the model from this log (you choose after the comparison)"),
    ("u", "undo the last decision: it comes back as pending"),
    ("ctrl+p", "command palette"),
    ("?", "this help"),
    ("q", "quit (or back to the thread list)"),
)
PENDING_WORK = (
    "Moving away keeps a changed pending decision as a draft (marked in the outline): nothing is saved "
    'until a, enter or s. "Flagged" includes the comments the model marks for review.'
)
# The outline's columns (outline.py draws them), in three lines that fit the help box's 68 cells of text.
OUTLINE_COLUMNS = (
    f"Outline: conc = concern 0-99 ({SCORING} while scoring); flags = label keys;",
    f'"?" + keys = marked for review, those labels suggested; {DRAFT_MARK} = a draft',
    f"kept on moving away; state: {SKIPPED_STATE} = skipped, ok / flag 12 = saved.",
)


def label_keys(taxonomy: Taxonomy) -> str:
    """ "1-7": the keys of the taxonomy's labels, as the help names them."""
    keys = [label.key for label in taxonomy.labels]
    if not keys:
        return "-"
    return keys[0] if len(keys) == 1 else f"{keys[0]}-{keys[-1]}"


def key_rows(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    return [(label_keys(taxonomy) if key == LABEL_KEYS else key, meaning) for key, meaning in KEYS]


def _table(rows: list[tuple[Text, Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", no_wrap=True)
    table.add_column(overflow="fold")
    for key, meaning in rows:
        table.add_row(key, meaning)
    return table


def help_contents(
    taxonomy: Taxonomy,
    log_path: Path | None = None,
    dark: bool = True,
    extra_keys: Sequence[tuple[str, str]] = (),
) -> RenderableType:
    """Keys, pending work, the outline's columns and the labels; ``dark``: the label colours for a dark theme, or
    a light one. ``extra_keys``: the keys of the screen's own mode (a triage queue's), listed first."""
    rows = [*extra_keys, *key_rows(taxonomy)]
    keys = _table([(Text(key, style="bold"), Text(meaning)) for key, meaning in rows])
    labels = _table(
        [
            (
                Text(label.key, style=f"bold {palette.label_color(label.color, dark)}"),
                Text.assemble((f"{label.id}: ", "bold"), literal(label.description)),
            )
            for label in taxonomy.labels
        ]
    )
    parts: list[RenderableType] = [
        Text("Review keys (esc closes; ↑ ↓ pgup pgdn scroll)", style="bold"),
        Text(""),
        keys,
        Text(""),
        Text(PENDING_WORK, style="italic"),
        Text(""),
        Text("\n".join(OUTLINE_COLUMNS)),
        Text(""),
        Text("Labels", style="bold"),
        Text(""),
        labels,
    ]
    if log_path is not None:
        parts += [Text(""), Text("Decisions are saved in", style="bold"), literal(str(log_path))]
    return Group(*parts)


class _HelpBox(VerticalScroll):
    """Scrolled by the help screen's keys, without animation (a key press moves it at once)."""

    can_focus = False


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("down,j", "scroll_lines(1)", "Down", show=False),
        Binding("up,k", "scroll_lines(-1)", "Up", show=False),
        Binding("pagedown,space", "scroll_pages(1)", "Page down", show=False),
        Binding("pageup,shift+space", "scroll_pages(-1)", "Page up", show=False),
        Binding("home", "scroll_lines(-1_000_000)", "Top", show=False),
        Binding("end", "scroll_lines(1_000_000)", "End", show=False),
    ]

    def __init__(
        self, taxonomy: Taxonomy, log_path: Path | None = None, extra_keys: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__()
        self.taxonomy = taxonomy
        self.log_path = log_path
        self.extra_keys = tuple(extra_keys)

    def compose(self) -> ComposeResult:
        with _HelpBox(id="help-box"):
            yield Static(self.contents(), id="help-text")

    def on_mount(self) -> None:
        # The label keys' colours depend on the theme: draw again when it changes (ctrl+p can switch it).
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        self.query_one("#help-text", Static).update(self.contents())

    def contents(self) -> RenderableType:
        """The help in the colours of the app's theme."""
        return help_contents(self.taxonomy, self.log_path, self.app.current_theme.dark, self.extra_keys)

    def action_scroll_lines(self, lines: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_to(y=box.scroll_y + lines, animate=False, immediate=True)

    def action_scroll_pages(self, pages: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        self.action_scroll_lines(pages * max(box.scrollable_content_region.height - 1, 1))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
