"""Retraining from the review screen: what will be trained on, the progress, the comparison gate's table and the
moderator's choice. The training itself runs in a child process owned by the review screen (this dialog can be
closed and opened again while it runs); the dialog only shows :class:`RetrainState` and says what was chosen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from moderation_core.textsafe import one_line
from moderator.gate import Row
from moderator.retrain import Candidate, Progress

RECENT_LINES = 6  # progress lines shown under the bar: enough to see it is moving, not a log


class Phase(StrEnum):
    READY = "ready"  # nothing started: enter starts
    TRAINING = "training"
    JUDGED = "judged"  # the candidate and the gate's table are there: the moderator chooses
    FAILED = "failed"
    SETTLED = "settled"  # chosen: put in use, or kept as a version


class Choice(StrEnum):
    USE = "use"  # put the candidate in use and rescore the thread
    KEEP = "keep"  # keep it as a model version, not in use


@dataclass(slots=True)
class RetrainState:
    """One retraining as the review screen tracks it, whether or not its dialog is open."""

    log: Path
    corpora: tuple[str, ...]
    compare_with: str
    phase: Phase = Phase.READY
    lines: list[str] = field(default_factory=list)
    done: int = 0
    total: int = 0
    candidate: Candidate | None = None
    problem: str | None = None
    outcome: tuple[str, ...] = ()

    def take(self, progress: Progress) -> None:
        if progress.line is not None:
            self.lines = [*self.lines[-(RECENT_LINES - 1) :], progress.line]
        if progress.total:
            self.done, self.total = progress.done, progress.total
            self.lines = [
                *self.lines[-(RECENT_LINES - 1) :],
                f"fitted the {progress.what} ({progress.done}/{progress.total})",
            ]

    @property
    def passed(self) -> bool:
        return self.candidate is not None and self.candidate.result.passed


def describe(state: RetrainState) -> Text:
    """Everything the dialog says for the state it is in, the outcome first: once the gate has judged, the verdict
    and the table come before what was trained on. File names and progress lines come from files: shown as plain
    text, never markup."""
    text = Text("Retrain the model from the decision log\n\n", style="bold")
    judged = state.candidate is not None and state.phase in (Phase.JUDGED, Phase.SETTLED)
    if state.phase is Phase.FAILED and state.problem:
        text.append(f"Retraining failed: {one_line(state.problem, 300)}\n\n", style="bold")
    for line in state.outcome:
        text.append(f"{one_line(line, 300)}\n", style="bold")
    if state.candidate is not None and judged:
        if state.outcome:
            text.append("\n")
        for reason in state.candidate.result.reasons:
            text.append(f"gate failed: {one_line(reason, 200)}\n", style="bold")
        text.append_text(gate_text(state.candidate))
        text.append("\n")
    text.append(f"log        {one_line(str(state.log), 200)}\n")
    corpora = (
        ", ".join(one_line(c, 80) for c in state.corpora) or "none (--train-corpus or $MODERATOR_TRAIN_CORPUS add some)"
    )
    text.append("data       the starter corpus and this log's effective decisions\n")
    text.append(f"corpora    {corpora}\n")
    text.append(f"compared   with {one_line(state.compare_with, 120)}, the model scoring this thread\n")
    if state.phase is Phase.READY:
        text.append(
            "\nTraining takes a minute or more in a separate process; the review goes on meanwhile. A stable 20% of "
            "the logged threads is held back to compare the new model with the one in use. Nothing is put in use "
            "without your yes.\n"
        )
    if state.lines and state.phase in (Phase.TRAINING, Phase.FAILED):
        text.append("\n")
        for line in state.lines:
            text.append(one_line(line, 200) + "\n", style="dim")
    return text


def _pair(row: Row | None) -> str:
    """``in use→new change`` in two decimals (15 cells): the dialog must fit 80 columns; the card keeps four."""
    if row is None or (row.old is None and row.new is None):
        return f"{'-':^15}"

    def shown(value: float | None) -> str:
        return " -- " if value is None else f"{value:.2f}"

    change = "" if row.delta is None else f"{row.delta:+.2f}"
    return f"{shown(row.old)}→{shown(row.new)} {change:>5}"


def gate_text(candidate: Candidate) -> Text:
    """The comparison gate's table, compact: per label its held-back positives and precision, recall and F1 of the
    model in use and the new one; then concern ROC-AUC, macro F1 and the verdict. Labels with too few held-back
    positives to be judged are marked ``·`` (shown, not judged). The full table is in the new model's card."""
    result = candidate.result
    text = Text(f"verdict: {result.verdict(forced=False)}", style="bold")
    text.append(f" (comparison gate on {result.basis})\n")
    text.append(f"in use  {one_line(candidate.old_id, 70)}\nnew     {one_line(candidate.new_id, 70)}\n")
    text.append(f"{'label':16} {'n':>4}  {'precision':^15}  {'recall':^15}  {'F1':^15}\n", style="bold")
    by_label: dict[str, dict[str, Row]] = {}
    for row in result.rows:
        by_label.setdefault(row.name, {})[row.figure] = row
    unjudged = False
    for label, figures in by_label.items():
        if label in ("concern", "macro"):
            continue
        first = next(iter(figures.values()))
        count = "-" if first.positives is None else str(first.positives)
        mark = " " if first.judged else "·"
        unjudged = unjudged or not first.judged
        cells = "  ".join(_pair(figures.get(figure)) for figure in ("precision", "recall", "f1"))
        text.append(f"{one_line(label, 16):16} {count:>4}{mark} {cells}\n", style="" if first.judged else "dim")
    concern, macro = by_label.get("concern", {}).get("roc_auc"), by_label.get("macro", {}).get("f1")
    text.append(f"{'concern ROC-AUC':22}  {_pair(concern)}\n")
    text.append(f"{'macro F1':22}  {_pair(macro)}\n")
    if unjudged:
        text.append("· too few held-back positives to judge: shown, not judged\n", style="dim")
    return text


def hint(state: RetrainState) -> str:
    if state.phase is Phase.READY:
        return "enter: start retraining   escape: cancel"
    if state.phase is Phase.TRAINING:
        return "escape: hide (training goes on; R shows it again)"
    if state.phase is Phase.JUDGED and state.passed:
        return (
            "y: put the new model in use and rescore this thread   n: keep it as a version, not in use   escape: later"
        )
    if state.phase is Phase.JUDGED:
        return "n: keep it as a version, not in use ('moderator models use' can still choose it)   escape: later"
    return "escape: close"


class RetrainScreen(ModalScreen[Choice | None]):
    """The retraining dialog. Dismissed with a :class:`Choice` once the gate has judged, None otherwise (cancel,
    hide, later, close). ``start`` begins the training (the review screen's worker); the dialog then follows
    ``state`` as the review screen updates it and calls :meth:`refresh_state`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("enter", "start", "Start", show=False),
        Binding("y", "choose('use')", "Use it", show=False),
        Binding("n", "choose('keep')", "Keep, not in use", show=False),
    ]

    def __init__(self, state: RetrainState, start: Callable[[], None]) -> None:
        super().__init__()
        self.state = state
        self._start = start

    def compose(self) -> ComposeResult:
        # The hint stays in sight under the scrolling text: the keys must be visible however long the table.
        with Vertical(id="retrain-box"):
            with VerticalScroll(id="retrain-scroll"):
                yield Static(id="retrain-text")
            yield ProgressBar(id="retrain-progress", show_eta=False)
            yield Static(id="retrain-hint")

    def on_mount(self) -> None:
        self.refresh_state()
        self.query_one(VerticalScroll).focus()  # arrows and page keys scroll a table taller than the screen

    def refresh_state(self) -> None:
        state = self.state
        self.query_one("#retrain-text", Static).update(describe(state))
        bar = self.query_one(ProgressBar)
        bar.display = state.phase is Phase.TRAINING
        if state.total:
            bar.update(total=state.total, progress=state.done)
        self.query_one("#retrain-hint", Static).update(Text(hint(state), style="dim"))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return self.state.phase is Phase.READY
        if action == "choose":
            if self.state.phase is not Phase.JUDGED:
                return False
            return parameters[0] != Choice.USE or self.state.passed
        return True

    def action_start(self) -> None:
        self._start()
        self.refresh_state()

    def action_choose(self, choice: str) -> None:
        self.dismiss(Choice(choice))

    def action_close(self) -> None:
        self.dismiss(None)
