"""The review app. ``make_app`` is the one factory the CLI, Pilot tests and snapshot tests use."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.screen import Screen

from moderation_core.taxonomy import Taxonomy
from moderation_core.thread import Thread
from moderator.log import DecisionLog, ensure_writable
from moderator.review import Queue, ReviewSession
from moderator.scoring import Scorer
from moderator.scoring.background import BackgroundScorer
from moderator.tui.components.review_screen import ReviewScreen


class ReviewApp(App[None]):
    """The review screen of one thread; the app quits when the moderator leaves it."""

    CSS_PATH = "review.tcss"
    TITLE = "moderator review"

    def __init__(self, session: ReviewSession, scoring: BackgroundScorer | None) -> None:
        super().__init__()
        self._first = ReviewScreen(session, scoring)

    def get_default_screen(self) -> Screen[None]:
        return self._first

    @property
    def session(self) -> ReviewSession:
        """The session of the thread under review."""
        return self._first.session

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, ReviewScreen):
            yield from screen.system_commands()


def make_app(
    thread: Thread,
    taxonomy: Taxonomy,
    log_path: str | Path,
    moderator: str,
    *,
    scorer: Scorer | None,
    queue: Queue = "thread",
    only_flagged: bool = False,
) -> ReviewApp:
    """Everything checked before the app starts: the log must be readable, valid and writable."""
    log = DecisionLog(log_path, taxonomy.ids)
    ensure_writable(log_path)
    session = ReviewSession(
        thread,
        taxonomy,
        log,
        moderator,
        queue=queue,
        only_flagged=only_flagged,
        model_id=scorer.model_id if scorer else None,
    )
    scoring = BackgroundScorer(scorer, thread, session.taxonomy_path) if scorer is not None else None
    return ReviewApp(session, scoring)
