"""The review app: a thin shell around its screens. ``make_app`` (one thread: the review screen first) and
``make_picker_app`` (a file of many threads: the thread picker first) are the factories the CLI, Pilot tests,
snapshot tests and benchmarks use."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.screen import Screen

from moderation_core.errors import UsageError
from moderation_core.taxonomy import Taxonomy
from moderation_core.thread import Thread
from moderator.log import DecisionLog, ensure_writable
from moderator.retrain import RetrainSettings
from moderator.review import Queue, ReviewSession
from moderator.review.catalog import ThreadCounts, catalog, quick_counts
from moderator.scoring import Scorer
from moderator.scoring.background import BackgroundScorer
from moderator.tui.components.review_screen import ReviewScreen
from moderator.tui.components.thread_picker import ThreadPicker


@dataclass(frozen=True, slots=True)
class ReviewSetup:
    """What opening any thread of a run for review takes: the same log, moderator, model and queue for all."""

    taxonomy: Taxonomy
    log: DecisionLog
    moderator: str
    scorer: Scorer | None
    queue: Queue = "thread"
    only_flagged: bool = False
    retrain: RetrainSettings | None = None

    def review_screen(self, thread: Thread) -> ReviewScreen:
        """A review screen on ``thread``: its session reads this moderator's earlier decisions from the log, and the
        model scores the thread in the background once the screen is shown."""
        session = ReviewSession(
            thread,
            self.taxonomy,
            self.log,
            self.moderator,
            queue=self.queue,
            only_flagged=self.only_flagged,
            model_id=self.scorer.model_id if self.scorer else None,
        )
        scoring = BackgroundScorer(self.scorer, thread, session.taxonomy_path) if self.scorer is not None else None
        return ReviewScreen(session, scoring, self.retrain, self.scorer)


class ReviewApp(App[None]):
    """The review screen of one thread, or the thread picker of a file of many: the first screen. A thread chosen in
    the picker opens a review screen over it; leaving that screen (q) shows the picker again."""

    CSS_PATH = "review.tcss"
    TITLE = "moderator review"

    def __init__(
        self,
        first: ReviewScreen | ThreadPicker,
        *,
        setup: ReviewSetup | None = None,
        threads: Sequence[Thread] = (),
    ) -> None:
        super().__init__()
        if isinstance(first, ThreadPicker) and setup is None:
            raise UsageError("a thread picker needs the setup to open its threads with")
        self._first = first
        self._setup = setup
        self._threads = threads

    def get_default_screen(self) -> Screen[None]:
        return self._first

    @property
    def picker(self) -> ThreadPicker | None:
        """The thread picker, when the app started with one."""
        return self._first if isinstance(self._first, ThreadPicker) else None

    @property
    def review_screen(self) -> ReviewScreen | None:
        """The review screen open now (under any dialog over it), if any."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, ReviewScreen):
                return screen
        return self._first if isinstance(self._first, ReviewScreen) else None

    @property
    def session(self) -> ReviewSession:
        """The session of the thread under review; a LookupError while the picker is shown with no thread open."""
        screen = self.review_screen
        if screen is None:
            raise LookupError("no thread is open for review: the thread picker is shown")
        return screen.session

    def on_thread_picker_thread_chosen(self, message: ThreadPicker.ThreadChosen) -> None:
        picker, setup = self.picker, self._setup
        assert picker is not None and setup is not None  # __init__ checked it; only a picker posts this
        position = message.position
        screen = setup.review_screen(self._threads[position])

        def back_in_picker(_: None) -> None:
            # The moderator left the thread: its row shows what was decided there.
            picker.set_decided(position, screen.session.decided_count())

        self.push_screen(screen, back_in_picker)

    def on_review_screen_model_changed(self, message: ReviewScreen.ModelChanged) -> None:
        # A retrained model put in use: the threads opened from the list from now on are scored with it.
        if self._setup is not None:
            self._setup = replace(self._setup, scorer=message.scorer)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, (ReviewScreen, ThreadPicker)):
            yield from screen.system_commands()


def _setup(
    taxonomy: Taxonomy,
    log_path: str | Path,
    moderator: str,
    scorer: Scorer | None,
    queue: Queue,
    only_flagged: bool,
    retrain: RetrainSettings | None,
) -> ReviewSetup:
    """Everything checked before the app starts: the log must be readable, valid and writable."""
    log = DecisionLog(log_path, taxonomy.ids)
    ensure_writable(log_path)
    return ReviewSetup(taxonomy, log, moderator, scorer, queue, only_flagged, retrain)


def make_app(
    thread: Thread,
    taxonomy: Taxonomy,
    log_path: str | Path,
    moderator: str,
    *,
    scorer: Scorer | None,
    queue: Queue = "thread",
    only_flagged: bool = False,
    retrain: RetrainSettings | None = None,
) -> ReviewApp:
    """The app on one thread: its review screen first; q quits. ``retrain`` enables retraining from the log (R)."""
    setup = _setup(taxonomy, log_path, moderator, scorer, queue, only_flagged, retrain)
    return ReviewApp(setup.review_screen(thread), setup=setup, threads=[thread])


def make_picker_app(
    threads: Sequence[Thread],
    taxonomy: Taxonomy,
    log_path: str | Path,
    moderator: str,
    *,
    scorer: Scorer | None,
    queue: Queue = "thread",
    only_flagged: bool = False,
    source_name: str | None = None,
    retrain: RetrainSettings | None = None,
) -> ReviewApp:
    """The app on a file of many threads: the thread picker first, with this moderator's decided counts from the log
    and, from a quick scoring of all threads in the background, the model's counts. Enter opens a thread's review
    screen; q there comes back to the picker, q in the picker quits."""
    if not threads:
        raise UsageError("no thread to review")
    setup = _setup(taxonomy, log_path, moderator, scorer, queue, only_flagged, retrain)
    summaries = catalog(threads, setup.log, moderator)
    scoring = None if scorer is None else partial(_quick_counts, scorer, list(threads))
    picker = ThreadPicker(summaries, scoring=scoring, source_name=source_name)
    return ReviewApp(picker, setup=setup, threads=list(threads))


def _quick_counts(scorer: Scorer, threads: Sequence[Thread], pause: Callable[[], None]) -> list[ThreadCounts]:
    return quick_counts(scorer, threads, pause=pause)
