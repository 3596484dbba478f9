"""Scoring a thread while an interface keeps answering keys.

``BackgroundScorer.run()`` blocks until the scores are there; the caller runs it off its interface thread (the
review screen in a Textual thread worker) and hands the ``ScoringResult`` over. Nothing here knows about any user
interface. How the work leaves the interface room:

- a long thread is scored in a child process (``moderator.scoring.worker``) on the machine's other core: a thread
  of this process would compete with the interface for the interpreter (on a 10,000-comment thread, keys took
  twice as long to answer while it ran);
- otherwise, or when the child cannot run, here in batches with a short sleep between them and a short
  interpreter switch interval while it lasts;
- the scores, kept for the rest of the session, are frozen out of the garbage collector's walks.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from moderation_core.thread import Thread
from moderator.scoring import CommentScore, Scorer, score_thread
from moderator.scoring.worker import decode_scores, encode_thread, worker_command

# From this many comments on, scoring (a second or more) runs in its own process on the other core.
PROCESS_SCORING_FROM = 1000
# Scoring in this process: comments per batch, the sleep between batches, and a short interpreter switch interval
# while it runs (Python's default is 5 ms): the interface thread gets the interpreter to answer keys.
BATCH = 200
BATCH_PAUSE_SECONDS = 0.002
SWITCH_INTERVAL_SECONDS = 0.0005
# Between two pickled batches going to or coming from the child: the interface thread's turn.
HANDOVER_PAUSE_SECONDS = 0.001


@dataclass(frozen=True, slots=True)
class ScoringResult:
    """What the review needs from a finished scoring: the scores and the model that gave them."""

    scores: list[CommentScore]
    thresholds: dict[str, float]
    model_id: str


class BackgroundScorer:
    """Scores one thread with one model, in a child process or here, leaving the interface thread room."""

    def __init__(
        self, scorer: Scorer, thread: Thread, taxonomy_path: Path, *, process_from: int = PROCESS_SCORING_FROM
    ) -> None:
        self.scorer = scorer
        self.thread = thread
        self.taxonomy_path = taxonomy_path
        self.process_from = process_from

    @property
    def uses_a_process(self) -> bool:
        """Whether ``run`` first tries a child process (a long thread, and a model folder the child can load)."""
        return len(self.thread.comments) >= self.process_from and self.scorer.model_dir is not None

    def run(self) -> ScoringResult:
        """The scores of every comment; blocks, so call it off the interface thread. Scoring errors propagate."""
        scores = self._score_in_a_process() if self.uses_a_process else None
        if scores is None:
            scores = self._score_here()
        # Kept for the rest of the session: the collector walking them again and again showed as 100+ ms pauses
        # between key presses on a 10,000-comment thread.
        gc.freeze()
        return ScoringResult(scores, self.scorer.thresholds, self.scorer.model_id)

    def _score_in_a_process(self) -> list[CommentScore] | None:
        """Scores from ``moderator.scoring.worker``, or None when the child could not run or failed: then the
        thread is scored here instead (slower keys while it runs, but scores all the same)."""
        assert self.scorer.model_dir is not None  # uses_a_process checked it
        try:
            result = subprocess.run(
                worker_command(self.scorer.model_dir, self.taxonomy_path),
                input=encode_thread(self.thread, pause=_hand_over),
                capture_output=True,
                check=False,
            )
        except OSError:
            return None
        if result.returncode != 0:
            return None
        return decode_scores(result.stdout, pause=_hand_over)  # written by our own worker process only

    def _score_here(self) -> list[CommentScore]:
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        try:
            return score_thread(self.scorer, self.thread, chunk=BATCH, pause=_pause_between_batches)
        finally:
            sys.setswitchinterval(interval)


def _hand_over() -> None:
    time.sleep(HANDOVER_PAUSE_SECONDS)


def _pause_between_batches() -> None:
    time.sleep(BATCH_PAUSE_SECONDS)
