"""The review screen of one thread: header, outline, the comment, its scores and the pending decision."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import ClassVar

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from moderation_core.errors import ModeratorError
from moderation_core.textsafe import one_line
from moderator.log import LogError
from moderator.retrain import Candidate, Progress, RetrainFailed, RetrainJob, RetrainProcess, RetrainSettings
from moderator.review import CYCLED_ACTIONS, ReviewSession
from moderator.scoring import Scorer, load_scorer
from moderator.scoring.background import BackgroundScorer
from moderator.tui.components.comment_view import CommentView
from moderator.tui.components.decision_panel import DecisionPanel
from moderator.tui.components.help_screen import HelpScreen
from moderator.tui.components.outline import HEADER as OUTLINE_HEADER
from moderator.tui.components.outline import Outline
from moderator.tui.components.prompt_screen import PromptScreen
from moderator.tui.components.retrain_screen import Choice, Phase, RetrainScreen, RetrainState
from moderator.tui.components.score_panel import ScorePanel
from moderator.tui.components.summary_screen import SummaryScreen
from moderator.tui.components.thread_header import ThreadHeader
from moderator.tui.messages import (
    CandidateSettled,
    RetrainFinished,
    RetrainProgressed,
    RetrainStopped,
    ScoresReady,
    ScoringFailed,
)


class ReviewScreen(Screen[None]):
    """Walks a moderator through one thread; every decision is saved to the log at its keystroke. The screen is
    dismissed by ``q``: the app then quits, or goes back to the thread picker it came from."""

    # What q goes back to when this screen was opened from a list (the thread summary names it).
    LIST_UNDER = "the thread list"

    # Narrow terminals give the comment more room: the outline drops its author column (see review.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide"), (170, "-very-wide")]

    # In the order the footer shows them: at 80 columns only the first few fit, and help and quit must be among
    # them. The digit keys are bound for every digit but enabled only where the taxonomy has a label (check_action).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?"),
        # One key, named for where it goes: quit, or back to the thread list (check_action enables one of the two).
        Binding("q", "leave", "Quit"),
        Binding("q", "leave_to_list", "Back to list"),
        Binding("a", "accept", "Fine"),
        Binding("enter", "save", "Save"),
        Binding("j,down", "next", "Next", key_display="j/↓"),
        Binding("k,up", "previous", "Prev", key_display="k/↑"),
        Binding("f", "next_flagged", "Next flagged"),
        Binding("u", "undo", "Undo"),
        Binding("e", "edit_note", "Note"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "next_match", "Next match", show=False),
        Binding("N", "previous_match", "Previous match", show=False),
        Binding("x", "cycle_action", "Action", show=False),
        Binding("s", "skip", "Skip (later)", show=False),
        Binding("space,pagedown", "page_down", "Page down", show=False),
        Binding("shift+space,pageup", "page_up", "Page up", show=False),
        Binding("ctrl+d", "half_page_down", "Half page down", show=False),
        Binding("ctrl+u", "half_page_up", "Half page up", show=False),
        Binding("home", "comment_top", "Top of the comment", show=False),
        Binding("end", "comment_bottom", "End of the comment", show=False),
        Binding("g,colon", "go_to_number", "Go to comment", show=False),
        Binding("t", "queue_top", "First undecided of the queue", show=False),
        Binding("r", "quoted", "Quoted comment", show=False),
        Binding("b", "back", "Back", show=False),
        Binding("at", "author_filter", "Filter by author", show=False),
        Binding("c", "compact_scores", "Compact scores", show=False),
        Binding("R", "retrain", "Retrain the model", show=False),
        *(Binding(str(digit), f"toggle_label({digit})", show=False) for digit in range(1, 10)),
    ]

    class ModelChanged(Message):
        """The moderator put a retrained model in use: threads opened from now on are scored with ``scorer``."""

        def __init__(self, scorer: Scorer) -> None:
            super().__init__()
            self.scorer = scorer

    def __init__(
        self,
        session: ReviewSession,
        scoring: BackgroundScorer | None,
        retrain: RetrainSettings | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.scoring = scoring
        self.scorer = scorer if scorer is not None else (scoring.scorer if scoring is not None else None)
        self.retrain_settings = retrain
        self.retrain: RetrainState | None = None
        self._retrain_process: RetrainProcess | None = None
        self._error: str | None = None
        self._search = ""
        # The search text while the moderator walks its matches (/, n, N): the comment opens at a match and shows
        # them all. Any other move ends it, so comments open at their evidence again.
        self._highlight: str | None = None

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
        self._say_notice()
        if self.session.queue != "thread":
            # The queue is ordered now, but the screen stays where the moderator is: say how to get to its top.
            order = "by concern" if self.session.queue == "concern" else "closest to a threshold first"
            self.notify(f"Scored: the queue is ordered {order}. t goes to its first undecided comment.", markup=False)

    def on_scoring_failed(self, message: ScoringFailed) -> None:
        self.session.scoring_error = message.problem
        self.query_one(ThreadHeader).show(self.session)
        self.query_one(ScorePanel).show(self.session)
        self.notify(
            f"Scoring failed: {one_line(message.problem)}",
            title="No model scores",
            severity="error",
            markup=False,
            timeout=15,
        )

    def _say_notice(self) -> None:
        if self.session.notice:
            self.notify(self.session.notice, markup=False, timeout=10)

    # -- retraining from the log (a child process; this screen keeps answering keys) ---------------------------
    def action_retrain(self) -> None:
        if self.retrain_settings is None:
            self.notify("Retraining is not available in this session.", severity="warning", markup=False)
            return
        if self.retrain is None or self.retrain.phase in (Phase.FAILED, Phase.SETTLED):
            compare_with = self.scorer.model_id if self.scorer is not None else "the model in use"
            self.retrain = RetrainState(self.session.log.path, self.retrain_settings.corpora, compare_with)
        self.app.push_screen(RetrainScreen(self.retrain, self._start_retraining), self._retrain_chosen)

    def _start_retraining(self) -> None:
        state, settings = self.retrain, self.retrain_settings
        assert state is not None and settings is not None  # the dialog is only shown with both
        state.phase = Phase.TRAINING
        job = RetrainJob(
            logs=(str(state.log),),
            output=str(settings.output),
            corpora=settings.corpora,
            compare_with=None if self.scorer is None or self.scorer.model_dir is None else str(self.scorer.model_dir),
        )
        self._retrain_process = RetrainProcess(job, self.session.taxonomy_path)
        self._retrain_in_background(self._retrain_process)

    @work(thread=True, exclusive=True, group="retrain")
    def _retrain_in_background(self, process: RetrainProcess) -> None:
        def report(progress: Progress) -> None:
            self.post_message(RetrainProgressed(progress))

        try:
            candidate = process.run(report)
        except RetrainFailed as error:
            self.post_message(RetrainStopped(error.message))
            return
        self.post_message(RetrainFinished(candidate))

    def _retrain_dialog(self) -> RetrainScreen | None:
        screen = self.app.screen
        return screen if isinstance(screen, RetrainScreen) else None

    def _retrain_changed(self) -> None:
        dialog = self._retrain_dialog()
        if dialog is not None:
            dialog.refresh_state()

    def on_retrain_progressed(self, message: RetrainProgressed) -> None:
        if self.retrain is not None:
            self.retrain.take(message.progress)
            self._retrain_changed()

    def on_retrain_finished(self, message: RetrainFinished) -> None:
        if self.retrain is None:
            return
        self.retrain.phase, self.retrain.candidate = Phase.JUDGED, message.candidate
        self._retrain_changed()
        if self._retrain_dialog() is None:
            verdict = "passed" if message.candidate.result.passed else "failed"
            self.notify(f"Retraining done: the comparison gate {verdict}. R shows the comparison.", markup=False)

    def on_retrain_stopped(self, message: RetrainStopped) -> None:
        if self.retrain is None:
            return
        self.retrain.phase, self.retrain.problem = Phase.FAILED, message.problem
        self._retrain_changed()
        if self._retrain_dialog() is None:
            self.notify(f"Retraining failed: {one_line(message.problem)}", severity="error", markup=False, timeout=15)

    def _retrain_chosen(self, choice: Choice | None) -> None:
        state = self.retrain
        if choice is None or state is None or state.candidate is None:
            return  # cancelled, hidden, or later: R comes back to it
        state.phase = Phase.SETTLED  # chosen once: a second key press while settling does nothing
        self._settle_in_background(state.candidate, choice)

    @work(thread=True, exclusive=True, group="settle")
    def _settle_in_background(self, candidate: Candidate, choice: Choice) -> None:
        # Copying the model into the store and loading it take a second: off the interface thread.
        try:
            settlement = candidate.settle(activate=choice is Choice.USE)
            scorer = None
            if settlement.activated and settlement.folder is not None:
                scorer = load_scorer(settlement.folder, self.session.taxonomy)
        except ModeratorError as error:
            self.post_message(RetrainStopped(error.message))
            return
        self.post_message(CandidateSettled(settlement, scorer))

    def on_candidate_settled(self, message: CandidateSettled) -> None:
        settlement = message.settlement
        if self.retrain is not None:
            self.retrain.outcome = settlement.lines
        if message.scorer is not None:
            self.scorer = message.scorer
            self.scoring = BackgroundScorer(message.scorer, self.session.thread, self.session.taxonomy_path)
            self._score_in_background(self.scoring)
            self.post_message(self.ModelChanged(message.scorer))
            self.notify(f"{'; '.join(settlement.lines)}. Rescoring this thread with it.", markup=False, timeout=10)
        elif settlement.version_id is not None:
            self.notify(
                f"Kept as model version {settlement.version_id}, not put in use "
                f"('moderator models use {settlement.version_id}' puts it in use).",
                markup=False,
                timeout=10,
            )

    def on_unmount(self) -> None:
        if self._retrain_process is not None:
            self._retrain_process.stop()  # the thread is closed or the app quits: the training has no one to report to

    # -- painting -------------------------------------------------------------------------------------------
    def _show(self, comment: bool = True) -> None:
        self.query_one(ThreadHeader).show(self.session)
        if comment:
            self.query_one(CommentView).show(self.session, self._highlight)
            self.query_one(ScorePanel).show(self.session)
        self.query_one(DecisionPanel).show(self.session, self._error)
        self.query_one(Outline).follow(self.session)

    def _moved(self, searching: bool = False) -> None:
        self._error = None
        self._highlight = self._search if searching else None
        self._show()

    def on_outline_columns_changed(self, message: Outline.ColumnsChanged) -> None:
        self.query_one("#outline-header", Static).update(message.header)

    def on_outline_comment_chosen(self, message: Outline.CommentChosen) -> None:
        if message.position != self.session.position:
            self.session.go_to_position(message.position)
            self._moved()

    # -- moving ---------------------------------------------------------------------------------------------
    def action_next(self) -> None:
        if self.session.position >= len(self.session.order) - 1:
            self._offer_summary()  # nothing follows the last comment: say so, with what was done
            return
        self.session.next()
        self._moved()

    def action_previous(self) -> None:
        self.session.previous()
        self._moved()

    def action_next_flagged(self) -> None:
        if not self.session.scored:
            if self.session.scoring_error or self.scoring is None:
                self.notify("There are no model scores, so nothing is flagged.", markup=False)
            else:
                self.notify("Still scoring: flags are not known yet. Try f again in a moment.", markup=False)
            return
        if not self.session.next_flagged_undecided():
            self.notify("No flagged or marked comment is left undecided.", markup=False)
            return
        self._moved()

    def action_go_to_number(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            try:
                number = int(text.strip().lstrip("#"))
            except ValueError:
                self.notify(f"Not a comment number: {one_line(text)}", markup=False)
                return
            if self.session.go_to_number(number):
                self._moved()
            else:
                self.notify(f"No comment #{number} in this queue.", markup=False)

        self.app.push_screen(PromptScreen("Go to comment number", "", "e.g. 26"), done)

    def action_queue_top(self) -> None:
        self.session.go_to_first_undecided()
        self._moved()

    def action_quoted(self) -> None:
        if self.session.jump_to_quoted():
            self._moved()
        else:
            self.notify("This comment quotes or answers no other comment in this queue.", markup=False)

    def action_back(self) -> None:
        if self.session.jump_back():
            self._moved()
        else:
            self.notify("Nothing to go back to (r goes to a quoted comment first).", markup=False)

    def action_author_filter(self) -> None:
        def done(text: str | None) -> None:
            if text is None:
                return
            count = self.session.set_author_filter(text.strip() or None)
            self.query_one(Outline).fill(self.session)
            self._moved()
            if text.strip() and not count:
                self.notify(f"No comment by an author matching {one_line(text)}: showing all.", markup=False)
            elif text.strip():
                self.notify(f"{count} comments by authors matching {one_line(text)}.", markup=False)

        # Empty to start with, so enter alone shows everyone again; the filter in force is the placeholder.
        current = self.session.author_filter
        hint = f"now: {current}" if current else "author"
        self.app.push_screen(PromptScreen("Show only comments by (empty: everyone)", "", hint), done)

    # -- reading the comment ----------------------------------------------------------------------------------
    def action_page_down(self) -> None:
        self.query_one(CommentView).page_down()

    def action_page_up(self) -> None:
        self.query_one(CommentView).page_up()

    def action_half_page_down(self) -> None:
        self.query_one(CommentView).half_page_down()

    def action_half_page_up(self) -> None:
        self.query_one(CommentView).half_page_up()

    def action_comment_top(self) -> None:
        self.query_one(CommentView).to_top()

    def action_comment_bottom(self) -> None:
        self.query_one(CommentView).to_bottom()

    def action_compact_scores(self) -> None:
        panel = self.query_one(ScorePanel)
        panel.toggle_compact()
        panel.show(self.session)

    def action_search(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            self._search = text
            if self._comment_matches(text) or self.session.search(text):
                self._moved(searching=True)
            else:
                self.notify(f"Not found: {one_line(text)}", markup=False)

        self.app.push_screen(PromptScreen("Search the thread", self._search, "text or author"), done)

    def _comment_matches(self, text: str) -> bool:
        comment = self.session.current
        needle = text.casefold()
        return needle in comment.text.casefold() or needle in (comment.author or "").casefold()

    def action_next_match(self) -> None:
        self._to_match(forward=True)

    def action_previous_match(self) -> None:
        self._to_match(forward=False)

    def _to_match(self, forward: bool) -> None:
        if not self._search:
            self.notify("No search yet: / searches the thread.", markup=False)
            return
        view = self.query_one(CommentView)
        if self._highlight is None and self._comment_matches(self._search):
            self._moved(searching=True)  # the matches of this comment first
            return
        if view.next_match() if forward else view.previous_match():
            return
        if self.session.search(self._search, forward=forward):
            self._moved(searching=True)
            if not forward:
                view.to_last_match()
        else:
            self.notify(f"Not found: {one_line(self._search)}", markup=False)

    # -- composing and deciding -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A digit with no label in the taxonomy is not a key of this screen (hidden, and no bell).
        if action == "toggle_label" and parameters:
            return self.session.label_for_digit(int(str(parameters[0]))) is not None
        if action in ("leave", "leave_to_list"):
            return (action == "leave") == self._leaves_app()
        return True

    def action_toggle_label(self, digit: int) -> None:
        if self.session.toggle_label_number(digit):
            self._show(comment=False)
            self.query_one(Outline).refresh()  # the draft marker

    def action_cycle_action(self) -> None:
        self.session.cycle_action()
        self._show(comment=False)

    def _set_action(self, action: str) -> None:
        self.session.set_action(action)
        self._show(comment=False)

    def _record(self, decide: Callable[[], object]) -> bool:
        was_at_end = self.session.at_end()
        try:
            decide()
        except LogError as error:
            self._error = error.message
            # markup=False keeps [brackets] literal; one_line escapes the controls a message can quote from the log.
            self.notify(one_line(error.message), title="Decision not saved", severity="error", markup=False, timeout=10)
            self._show(comment=False)
            return False
        self._error = None
        self._highlight = None  # the next comment opens at its evidence
        self._show()  # the outline's visible lines are drawn again there
        if self.session.at_end() and not was_at_end:
            self._offer_summary()  # the last undecided comment of the queue was just decided
        return True

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
        self.notify("Decision undone: it is the pending decision again (enter saves it).", markup=False)

    def action_edit_note(self) -> None:
        def done(note: str | None) -> None:
            if note is None:
                return
            if self.session.decisions[self.session.index] is None:
                self.session.set_note(note)
                self._show(comment=False)
                return
            # A decided comment: the note is saved at once, with the decision's labels and action.
            if self._record(lambda: self.session.save_note(note)):
                self.notify("Note saved with the decision.", markup=False)

        title = "Note for this decision"
        if self.session.decisions[self.session.index] is not None:
            title += " (enter saves it with the saved decision)"
        self.app.push_screen(PromptScreen(title, self.session.pending.note), done)

    # -- leaving ----------------------------------------------------------------------------------------------
    def _leaves_app(self) -> bool:
        return self.app.screen_stack[0] is self  # the first screen: no thread list under it

    def _offer_summary(self) -> None:
        def done(leave: bool | None) -> None:
            if leave:
                self.action_leave()

        where = "quit" if self._leaves_app() else f"back to {self.LIST_UNDER}"
        self.app.push_screen(SummaryScreen(self.session.summary(), where), done)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.session.taxonomy, self.session.log.path))

    def action_leave(self) -> None:
        # The first screen of the app (one thread, no picker) is never dismissed: leaving it quits.
        if self._leaves_app():
            self.app.exit()
        else:
            self.dismiss(None)

    def action_leave_to_list(self) -> None:
        self.action_leave()

    def system_commands(self) -> Iterable[SystemCommand]:
        """The review's entries of the command palette; each does what its name says."""
        yield SystemCommand("Accept comment as fine", "Save 'ok' and go to the next comment", self.action_accept)
        yield SystemCommand("Save decision", "Save the toggled labels and go to the next comment", self.action_save)
        yield SystemCommand(
            "Next flagged comment",
            "Jump to the next comment flagged or marked for review, not yet decided",
            self.action_next_flagged,
        )
        yield SystemCommand("Undo last decision", "Retract it; it becomes the pending decision again", self.action_undo)
        yield SystemCommand("Edit note", "Write a note (saved at once on a decided comment)", self.action_edit_note)
        yield SystemCommand("Search thread", "Find text or an author in the thread", self.action_search)
        yield SystemCommand("Skip comment for later", "It comes back with f and when reopened", self.action_skip)
        yield SystemCommand("Go to comment number", "Jump to a comment by its number", self.action_go_to_number)
        yield SystemCommand(
            "First undecided comment of the queue", "The top of the queue's order (t)", self.action_queue_top
        )
        yield SystemCommand("Go to quoted comment", "Jump to the comment this one quotes (b: back)", self.action_quoted)
        yield SystemCommand("Filter by author", "Show only the comments of one author", self.action_author_filter)
        yield SystemCommand("Thread summary", "What was decided, skipped and left", self._offer_summary)
        yield SystemCommand(
            "Retrain the model from the log",
            "Train on this log's decisions in the background, compare with the model in use, then choose (R)",
            self.action_retrain,
        )
        for label in self.session.taxonomy.labels:
            yield SystemCommand(
                f"Toggle label {label.key}: {label.id}",
                label.description,
                lambda k=int(label.key): self.action_toggle_label(k),
            )
        for action in CYCLED_ACTIONS:
            yield SystemCommand(
                f"Set pending action: {action}",
                f"The pending decision's action becomes '{action}' (enter saves it)",
                lambda a=action: self._set_action(a),
            )
