"""The review app: a thin shell around its screens. ``make_app`` (one thread: the review screen first),
``make_picker_app`` (a file of many threads: the thread picker first) and ``make_queue_app`` (a triage queue: the
queue list first) are the factories the CLI, Pilot tests, snapshot tests and benchmarks use."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from moderation_core.errors import UsageError
from moderation_core.taxonomy import Taxonomy
from moderation_core.textsafe import one_line
from moderation_core.thread import Thread
from moderator.log import DecisionLog, ensure_writable
from moderator.retrain import RetrainSettings
from moderator.review import Queue, ReviewSession
from moderator.review.catalog import ThreadCounts, catalog, quick_counts
from moderator.review.queue_walk import Opened, QueueWalk, ThreadsLoader, Unloadable
from moderator.scan.queue import Queue as TriageQueue
from moderator.scan.queue import QueueEntry
from moderator.scoring import Scorer
from moderator.scoring.background import BackgroundScorer
from moderator.tui.components.queue_review_screen import QueueReviewScreen
from moderator.tui.components.queue_screen import QueueScreen
from moderator.tui.components.review_screen import ReviewScreen
from moderator.tui.components.thread_picker import ThreadPicker
from moderator.tui.messages import FetchWaiting, QueueEntryLoaded


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
        session, scoring = self._session(thread)
        return ReviewScreen(session, scoring, self.retrain, self.scorer)

    def queue_review_screen(self, opened: Opened, entry: QueueEntry, total: int) -> QueueReviewScreen:
        """A review screen on the thread of queue entry ``opened``, positioned on its comment."""
        session, scoring = self._session(opened.thread)
        return QueueReviewScreen(session, scoring, self.retrain, self.scorer, opened=opened, entry=entry, total=total)

    def _session(self, thread: Thread) -> tuple[ReviewSession, BackgroundScorer | None]:
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
        return session, scoring


class ReviewApp(App[None]):
    """The review screen of one thread, the thread picker of a file of many, or the list of a triage queue: the
    first screen. A thread chosen in the picker, or an entry in the queue list, opens a review screen over it;
    leaving that screen (q) shows the list again."""

    CSS_PATH = "review.tcss"
    TITLE = "moderator review"

    def __init__(
        self,
        first: ReviewScreen | ThreadPicker | QueueScreen,
        *,
        setup: ReviewSetup | None = None,
        threads: Sequence[Thread] = (),
    ) -> None:
        super().__init__()
        if isinstance(first, (ThreadPicker, QueueScreen)) and setup is None:
            raise UsageError("a thread picker or a queue list needs the setup to open its threads with")
        self._first = first
        self._setup = setup
        self._threads = threads
        self._loading = False  # a queue entry's thread is being loaded: one load at a time
        self._waiting = False  # a rate-limit wait is shown (one notice per wait, not one per second)

    def get_default_screen(self) -> Screen[None]:
        return self._first

    @property
    def picker(self) -> ThreadPicker | None:
        """The thread picker, when the app started with one."""
        return self._first if isinstance(self._first, ThreadPicker) else None

    @property
    def queue_screen(self) -> QueueScreen | None:
        """The triage queue's list, when the app started with one."""
        return self._first if isinstance(self._first, QueueScreen) else None

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

    # -- a triage queue: entries opened from the list, w to the next undecided one --------------------------------
    def on_queue_screen_entry_chosen(self, message: QueueScreen.EntryChosen) -> None:
        queue = self.queue_screen
        assert queue is not None  # only a queue list posts this
        self._open_queued(partial(queue.walk.open, message.index))

    def on_queue_review_screen_next_in_queue(self, message: QueueReviewScreen.NextInQueue) -> None:
        queue, setup = self.queue_screen, self._setup
        assert queue is not None and setup is not None  # a queue review screen is only opened from a queue list
        queue.walk.refresh(setup.log.effective())  # what this screen just decided counts as decided
        self._open_queued(partial(queue.walk.open_next, message.after))

    def _open_queued(self, open_entry: Callable[[], Opened | Unloadable | None]) -> None:
        if self._loading:
            self.bell()  # a key pressed again while the thread loads: it opens once
            return
        self._loading = True
        self._load_queued(open_entry)

    @work(thread=True, exclusive=True, group="queue")
    def _load_queued(self, open_entry: Callable[[], Opened | Unloadable | None]) -> None:
        # Importing a large file or fetching a tracker's thread takes time: off the interface thread.
        self.post_message(QueueEntryLoaded(open_entry()))

    def report_fetch_wait(self, seconds: float, reason: str) -> None:
        """``on_wait`` for a tracker fetch run by the loading worker (``moderator.net``): the countdown the command
        line shows on standard error, which this screen covers. Posted as a message: safe from any thread."""
        self.post_message(FetchWaiting(seconds, reason))

    def on_fetch_waiting(self, message: FetchWaiting) -> None:
        if message.seconds <= 0:
            self._waiting = False
            return
        if not self._waiting:
            self._waiting = True
            self.notify(
                f"{one_line(message.reason)}: retrying in {math.ceil(message.seconds)} s",
                title="Waiting for the tracker",
                severity="warning",
                markup=False,
                timeout=max(3.0, message.seconds),
            )

    def on_queue_entry_loaded(self, message: QueueEntryLoaded) -> None:
        self._loading = False
        queue, setup = self.queue_screen, self._setup
        assert queue is not None and setup is not None
        result = message.result
        if not isinstance(result, Opened):
            queue.show_marks()
            if result is None:
                self.notify("No undecided entry of the queue is left to open.", markup=False)
            else:
                self.notify(
                    f"Entry {result.index + 1}: {result.problem}",
                    title="Cannot load the thread",
                    severity="error",
                    markup=False,
                    timeout=10,
                )
            return
        current = self.screen
        if current is not queue and not isinstance(current, QueueReviewScreen):
            return  # a dialog is open meanwhile: the thread is loaded now, the same key opens it at once
        entry = queue.walk.entries[result.index]
        if isinstance(current, QueueReviewScreen):
            if current.session.thread is result.thread:
                current.show_entry(result, entry)  # the same thread: this screen moves to the comment
                return
            current.dismiss(None)
        screen = setup.queue_review_screen(result, entry, len(queue.walk.entries))

        def back_in_queue(_: None) -> None:
            # The moderator left the thread: the list marks what is decided now, the cursor on the last entry.
            queue.walk.refresh(setup.log.effective())
            queue.show_marks(cursor=screen.entry_index)

        self.push_screen(screen, back_in_queue)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, (ReviewScreen, ThreadPicker, QueueScreen)):
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


def make_queue_app(
    queue: TriageQueue,
    taxonomy: Taxonomy,
    log_path: str | Path,
    moderator: str,
    *,
    loader: ThreadsLoader,
    scorer: Scorer | None,
    order: Queue = "thread",
    only_flagged: bool = False,
    source_name: str | None = None,
    retrain: RetrainSettings | None = None,
) -> ReviewApp:
    """The app on a triage queue (``moderator scan``'s output): the queue list first, with this moderator's decided
    entries marked from the log. Enter opens an entry's thread (``loader`` loads it: a file or a tracker's thread)
    in the review screen on its comment; w there goes to the next undecided entry, escape or q back to the list,
    q in the list quits. ``order`` and ``only_flagged`` are the review screen's, for each thread opened."""
    if not queue.entries:
        raise UsageError("no entry in the queue to review")
    setup = _setup(taxonomy, log_path, moderator, scorer, order, only_flagged, retrain)
    walk = QueueWalk(queue.entries, loader, moderator, setup.log.effective())
    return ReviewApp(QueueScreen(walk, queue.header, source_name=source_name), setup=setup)
