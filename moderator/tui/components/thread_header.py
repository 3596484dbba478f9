"""The header: thread title, source, progress."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moderator.review import ReviewSession
from moderator.tui.text import literal


class ThreadHeader(Static):
    """Title, source and id, decided / total, flagged comments left, queue."""

    def show(self, session: ReviewSession) -> None:
        thread = session.thread
        line = Text()
        line.append_text(literal(thread.title or "(untitled thread)", "bold"))
        facts = [thread.source] + ([thread.id] if thread.id else [])
        line.append("  ·  ")
        line.append_text(literal(" ".join(facts), "dim"))
        total = len(thread.comments)
        progress = Text(f"decided {session.decided_count()}/{total}")
        if session.scored:
            progress.append(f"  ·  flagged left {session.flagged_left()}")
            if session.review_left():
                progress.append(f" ({session.review_left()} marked for review)")
        elif session.scoring_error:
            progress.append("  ·  no model scores: ", style="bold red")
            progress.append_text(literal(session.scoring_error, "red"))
        else:
            progress.append("  ·  scoring…", style="italic")
        progress.append(f"  ·  queue {session.queue}{' (flagged only)' if session.only_flagged else ''}")
        progress.append(f"  ·  {session.moderator}", style="dim")
        self.update(Text("\n").join([line, progress]))
