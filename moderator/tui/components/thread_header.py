"""The header: thread title, source, progress. Always two lines, never wrapped: the title is cut with an ellipsis
so the source and the progress line stay on screen at any width. Its one colour (a scoring that failed) is the
palette's version for the theme in use, drawn again when the theme changes."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.theme import Theme
from textual.widgets import Static

from moderator.review import ReviewSession
from moderator.tui.components.decision_panel import ERROR
from moderator.tui.text import fit, literal_line

SEPARATOR = "  ·  "


class ThreadHeader(Static):
    """Title, source and id; decided / total, flagged comments left, drafts and skipped, queue, moderator."""

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        self._session: ReviewSession | None = None

    def on_mount(self) -> None:
        # The error colour depends on the theme: draw again when it changes.
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        if self._session is not None:
            self.show(self._session)

    def show(self, session: ReviewSession) -> None:
        self._session = session
        width = self.content_size.width
        dark = self.app.current_theme.dark
        self.update(Text("\n").join([title_line(session, width), progress_line(session, width, dark)]))

    def on_resize(self, event: events.Resize) -> None:
        if self._session is not None:
            self.show(self._session)  # the title is cut to the new width


def title_line(session: ReviewSession, width: int) -> Text:
    """The title cut to what is left of ``width`` after the source and id (at most a third of it); 0: not cut."""
    thread = session.thread
    facts = literal_line(" ".join([thread.source] + ([thread.id] if thread.id else [])), "dim")
    title = literal_line(thread.title or "(untitled thread)", "bold")
    if width > 0:
        facts = fit(facts, max(min(cell_len(facts.plain), width // 3), 1))
        title = fit(title, max(width - cell_len(facts.plain) - cell_len(SEPARATOR), 1))
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append_text(title)
    line.append(SEPARATOR)
    line.append_text(facts)
    return line


def progress_line(session: ReviewSession, width: int, dark: bool = True) -> Text:
    """Decided, flagged left, drafts and skipped (when the session counts them), queue, moderator: the most
    telling first, as the end of the line is what an ellipsis takes on a narrow screen. ``dark``: the colours
    for a dark theme, or a light one."""
    total = len(session.thread.comments)
    progress = Text(f"decided {session.decided_count()}/{total}", no_wrap=True, overflow="ellipsis")
    if session.scored:
        progress.append(f"  ·  flagged left {session.flagged_left()}")
        if session.review_left():
            progress.append(f" ({session.review_left()} marked for review)")
    elif session.scoring_error:
        progress.append("  ·  no model scores: ", style=f"bold {ERROR.on(dark)}")
        progress.append_text(literal_line(session.scoring_error, ERROR.on(dark)))
    else:
        progress.append("  ·  scoring…", style="italic")
    for count_name, word in (("drafts_count", "draft"), ("skipped_count", "skipped")):
        counter = getattr(session, count_name, None)
        count = counter() if counter is not None else 0
        if count:
            progress.append(f"  ·  {count} {word}{'s' if word == 'draft' and count != 1 else ''}")
    progress.append(f"  ·  queue {session.queue}{' (flagged only)' if session.only_flagged else ''}")
    progress.append("  ·  ")
    progress.append_text(literal_line(session.moderator, "dim"))
    return fit(progress, width) if width > 0 else progress
