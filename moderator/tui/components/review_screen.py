"""The review screen of one thread: header, outline, the comment, its scores and the pending decision."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import ClassVar

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from moderation_core.textsafe import one_line
from moderator.log import LogError
from moderator.review import CYCLED_ACTIONS, ReviewSession
from moderator.scoring.background import BackgroundScorer
from moderator.tui.components.comment_view import CommentView
from moderator.tui.components.decision_panel import DecisionPanel
from moderator.tui.components.help_screen import HelpScreen
from moderator.tui.components.outline import HEADER as OUTLINE_HEADER
from moderator.tui.components.outline import Outline
from moderator.tui.components.prompt_screen import PromptScreen
from moderator.tui.components.score_panel import ScorePanel
from moderator.tui.components.thread_header import ThreadHeader
from moderator.tui.messages import ScoresReady, ScoringFailed


class ReviewScreen(Screen[None]):
    """Walks a moderator through one thread; every decision is saved to the log at its keystroke. The screen is
    dismissed by ``q``: the app then quits, or goes back to the thread picker it came from."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Fine"),
        Binding("enter", "save", "Save"),
        Binding("n,j,down", "next", "Next", key_display="n/j/↓"),
        Binding("p,k,up", "previous", "Prev", key_display="p/k/↑"),
        Binding("f", "next_flagged", "Next flagged"),
        Binding("u", "undo", "Undo"),
        Binding("e", "edit_note", "Note"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("x", "cycle_action", "Action", show=False),
        Binding("s", "skip", "Skip", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "leave", "Quit"),
        *(Binding(str(digit), f"toggle_label({digit})", show=False) for digit in range(1, 10)),
    ]

    def __init__(self, session: ReviewSession, scoring: BackgroundScorer | None) -> None:
        super().__init__()
        self.session = session
        self.scoring = scoring
        self._error: str | None = None
        self._search = ""

    def compose(self) -> ComposeResult:
        yield ThreadHeader(id="header")
        with Horizontal(id="body"):
            with Vertical(id="outline-column"):
                yield Static(OUTLINE_HEADER, id="outline-header", markup=False)
                yield Outline(id="outline")
            with Vertical(id="main"):
                yield CommentView(id="comment")
                with Horizontal(id="panels"):
                    yield ScorePanel(id="scores")
                    yield DecisionPanel(id="decision")
        yield Footer()

    def on_mount(self) -> None:
        # The thread is loaded for good: keep the garbage collector from walking its objects again and again,
        # which showed as 100+ ms pauses between key presses on a 10,000-comment thread.
        gc.freeze()
        self.query_one(Outline).fill(self.session)
        self._show()
        if self.scoring is not None:
            self._score_in_background(self.scoring)

    # -- scoring in a worker thread; the outcome comes back as a message ----------------------------------------
    @work(thread=True, exclusive=True)
    def _score_in_background(self, scoring: BackgroundScorer) -> None:
        try:
            result = scoring.run()
        except Exception as error:  # whatever stopped the model, the review goes on without it
            self.post_message(ScoringFailed(str(error)))
            return
        self.post_message(ScoresReady(result.scores, result.thresholds, result.model_id))

    def on_scores_ready(self, message: ScoresReady) -> None:
        self.session.set_scores(message.scores, message.thresholds, message.model_id)
        self.query_one(Outline).fill(self.session)
        self._show()

    def on_scoring_failed(self, message: ScoringFailed) -> None:
        self.session.scoring_error = message.problem
        self.query_one(ThreadHeader).show(self.session)
        self.notify(
            f"Scoring failed: {one_line(message.problem)}",
            title="No model scores",
            severity="error",
            markup=False,
            timeout=15,
        )

    # -- painting -------------------------------------------------------------------------------------------
    def _show(self, comment: bool = True) -> None:
        self.query_one(ThreadHeader).show(self.session)
        if comment:
            self.query_one(CommentView).show(self.session)
            self.query_one(ScorePanel).show(self.session)
        self.query_one(DecisionPanel).show(self.session, self._error)
        self.query_one(Outline).follow(self.session)

    def _moved(self) -> None:
        self._error = None
        self._show()

    def on_outline_comment_chosen(self, message: Outline.CommentChosen) -> None:
        if message.position != self.session.position:
            self.session.go_to_position(message.position)
            self._moved()

    # -- actions --------------------------------------------------------------------------------------------
    def action_next(self) -> None:
        self.session.next()
        self._moved()

    def action_previous(self) -> None:
        self.session.previous()
        self._moved()

    def action_next_flagged(self) -> None:
        if not self.session.next_flagged_undecided():
            self.notify("No flagged comment is left undecided.", markup=False)
            return
        self._moved()

    def action_toggle_label(self, digit: int) -> None:
        if self.session.toggle_label_number(digit):
            self._show(comment=False)
        else:
            self.app.bell()

    def action_cycle_action(self) -> None:
        self.session.cycle_action()
        self._show(comment=False)

    def _set_action(self, action: str) -> None:
        self.session.set_action(action)
        self._show(comment=False)

    def _record(self, decide: Callable[[], object]) -> None:
        try:
            decide()
        except LogError as error:
            self._error = error.message
            # markup=False keeps [brackets] literal; one_line escapes the controls a message can quote from the log.
            self.notify(one_line(error.message), title="Decision not saved", severity="error", markup=False, timeout=10)
            self._show(comment=False)
            return
        self._error = None
        self._show()  # the outline's visible lines are drawn again there

    def action_accept(self) -> None:
        self._record(self.session.accept)

    def action_save(self) -> None:
        self._record(self.session.save)

    def action_skip(self) -> None:
        self._record(self.session.skip)

    def action_undo(self) -> None:
        try:
            index = self.session.undo()
        except LogError as error:
            self.notify(one_line(error.message), title="Undo not saved", severity="error", markup=False, timeout=10)
            return
        if index is None:
            self.notify("Nothing to undo in this session.", markup=False)
            return
        self._moved()

    def action_edit_note(self) -> None:
        def done(note: str | None) -> None:
            if note is not None:
                self.session.set_note(note)
                self._show(comment=False)

        self.app.push_screen(PromptScreen("Note for this decision", self.session.pending.note), done)

    def action_search(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            self._search = text
            if self.session.search(text):
                self._moved()
            else:
                self.notify(f"Not found: {one_line(text)}", markup=False)

        self.app.push_screen(PromptScreen("Search the thread", self._search, "text or author"), done)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.session.taxonomy, self.session.log.path))

    def action_leave(self) -> None:
        # The first screen of the app (one thread, no picker) is never dismissed: leaving it quits.
        if len(self.app.screen_stack) == 1:
            self.app.exit()
        else:
            self.dismiss(None)

    def system_commands(self) -> Iterable[SystemCommand]:
        """The review's entries of the command palette."""
        yield SystemCommand("Accept comment as fine", "Save 'ok' and go to the next comment", self.action_accept)
        yield SystemCommand("Save decision", "Save the toggled labels and go to the next comment", self.action_save)
        yield SystemCommand(
            "Next flagged comment", "Jump to the next flagged comment not yet decided", self.action_next_flagged
        )
        yield SystemCommand("Undo last decision", "Append a retraction of the last decision", self.action_undo)
        yield SystemCommand("Edit note", "Write a note kept with the decision", self.action_edit_note)
        yield SystemCommand("Search thread", "Find text or an author in the thread", self.action_search)
        yield SystemCommand("Skip comment", "Record that you passed on this comment", self.action_skip)
        for label in self.session.taxonomy.labels:
            yield SystemCommand(
                f"Toggle label {label.key}: {label.id}",
                label.description,
                lambda k=int(label.key): self.action_toggle_label(k),
            )
        for action in CYCLED_ACTIONS:
            yield SystemCommand(
                f"Action: {action}",
                f"Save flagged labels with action '{action}'",
                lambda a=action: self._set_action(a),
            )
