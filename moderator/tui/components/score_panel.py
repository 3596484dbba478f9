"""Each label's score against its threshold, with the evidence sentence of flagged labels; on a comment marked for
review, the labels the model suggests say "suggested" (in words: a colour alone would not tell a flag apart).

On a short screen the panel is compact: only the labels that matter to the decision (flagged, suggested, or with a
score at least half their threshold), one line each, and how many are left out. ``c`` switches between the two.

Label colours are the palette's version for the theme in use (moderator.tui.palette), drawn again when it changes."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Static

from moderation_core.taxonomy import Label
from moderator.review import ReviewSession
from moderator.tui import palette
from moderator.tui.text import fit, literal_line

BAR = 12
# Below this screen height the full panel (a line per label, and evidence) would take the comment's room.
COMPACT_BELOW_HEIGHT = 40
# Below this width of the panels row, the scores and the decision stand one above the other, not side by side.
STACK_BELOW_WIDTH = 90
# A label is shown in the compact panel when its score reaches this share of its threshold.
NEAR_THRESHOLD = 0.5


class ScorePanel(Static):
    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        # None: compact when the screen is short; True / False: the moderator's choice (toggle_compact).
        self.compact: bool | None = None
        self._session: ReviewSession | None = None
        self._shown_compact: bool | None = None

    def on_mount(self) -> None:
        # Told of every layout of the screen (a resize among them): the mode and the stacking follow its size.
        self.screen.screen_layout_refresh_signal.subscribe(self, self._fit_to_screen)
        # The label colours depend on the theme: draw again when it changes (the command palette can switch it).
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        if self._session is not None:
            self.show(self._session)

    def is_compact(self) -> bool:
        if self.compact is not None:
            return self.compact
        return self.screen.size.height < COMPACT_BELOW_HEIGHT

    def toggle_compact(self) -> None:
        """Switch between the compact and the full panel (the key ``c``); it stays so until switched again."""
        self.compact = not self.is_compact()
        if self._session is not None:
            self.show(self._session)

    def show(self, session: ReviewSession) -> None:
        self._session = session
        self._shown_compact = self.is_compact()
        score = session.current_score
        if score is None:
            if session.scoring_error:
                message = "no model scores"
            else:
                message = "scoring…" if not session.scored else "no score"
            self.update(Text(message, style="italic dim"))
            return
        width = self.content_size.width
        dark = self.app.current_theme.dark
        lines = compact_lines(session, dark) if self._shown_compact else full_lines(session, dark)
        self.update(Text("\n").join(fit(line, width) if width > 0 else line for line in lines))

    def _fit_to_screen(self, screen: Screen[object]) -> None:
        panels = self.parent
        if isinstance(panels, Widget) and panels.size.width:
            panels.set_class(panels.size.width < STACK_BELOW_WIDTH, "-stacked")
        if self._session is not None and self.is_compact() != self._shown_compact:
            self.show(self._session)


def _mark(label: Label, colour: str, flagged: bool, suggested: bool) -> Text:
    line = Text(f"{label.key} ", style="bold", no_wrap=True, overflow="ellipsis")
    name_style = f"bold {colour}" if flagged else (f"italic {colour}" if suggested else "")
    line.append(label.id, style=name_style)
    return line


def full_lines(session: ReviewSession, dark: bool = True) -> list[Text]:
    """A line per label: key, name, a bar with the threshold marked, score/threshold, ⚑ or "? suggested"; under a
    flagged label its first evidence sentence. ``dark``: the label colours for a dark theme, or a light one."""
    score = session.current_score
    assert score is not None
    lines: list[Text] = []
    suggested = set(score.suggested) if score.review and not score.flags else set()
    for label in session.taxonomy.labels:
        p = score.scores.get(label.id, 0.0)
        threshold = session.thresholds.get(label.id, 1.0)
        flagged, is_suggested = label.id in score.flags, label.id in suggested
        colour = palette.label_color(label.color, dark)
        filled = int(round(p * BAR))
        mark = min(int(round(threshold * BAR)), BAR - 1)
        bar = "".join("█" if i < filled else ("│" if i == mark else "░") for i in range(BAR))
        line = _mark(label, colour, flagged, is_suggested)
        line.append(" " * max(16 - len(label.id), 0))
        line.append(bar, style=colour if flagged else "dim")
        line.append(f" {p:4.2f}/{threshold:4.2f}", style="bold" if flagged else "dim")
        _append_verdict(line, colour, flagged, is_suggested)
        lines.append(line)
        sentences = [s for s in score.evidence.get(label.id, []) if s.kind == "sentence"]
        if sentences:
            evidence = literal_line(" ".join(sentences[0].text[:400].split())[:160], "italic")
            lines.append(Text("    “", no_wrap=True, overflow="ellipsis").append_text(evidence).append("”"))
    return lines


def compact_lines(session: ReviewSession, dark: bool = True) -> list[Text]:
    """A line for each label that is flagged, suggested, or at least half way to its threshold, and "+N more (c)"
    for the others. ``dark``: the label colours for a dark theme, or a light one."""
    score = session.current_score
    assert score is not None
    suggested = set(score.suggested) if score.review and not score.flags else set()
    lines: list[Text] = []
    for label in session.taxonomy.labels:
        p = score.scores.get(label.id, 0.0)
        threshold = session.thresholds.get(label.id, 1.0)
        flagged, is_suggested = label.id in score.flags, label.id in suggested
        if not (flagged or is_suggested or p >= NEAR_THRESHOLD * threshold):
            continue
        colour = palette.label_color(label.color, dark)
        line = _mark(label, colour, flagged, is_suggested)
        line.append(f" {p:4.2f}/{threshold:4.2f}", style="bold" if flagged else "dim")
        _append_verdict(line, colour, flagged, is_suggested)
        lines.append(line)
    hidden = len(session.taxonomy.labels) - len(lines)
    if not lines:
        lines.append(Text(f"no label near its threshold  +{hidden} more (c)", style="dim"))
    elif hidden:
        lines.append(Text(f"+{hidden} more (c)", style="dim"))
    return lines


def _append_verdict(line: Text, colour: str, flagged: bool, suggested: bool) -> None:
    if flagged:
        line.append(" ⚑", style=f"bold {colour}")
    elif suggested:
        line.append(" ? suggested", style=f"italic {colour}")
