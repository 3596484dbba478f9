"""Messages the review app posts to itself from its worker threads, scoring, retraining and loading a queue entry's
thread (Textual queues them thread-safely)."""

from __future__ import annotations

from textual.message import Message

from moderator.retrain import Candidate, Progress, Settlement
from moderator.review.queue_walk import Opened, Unloadable
from moderator.scoring import CommentScore, Scorer


class ScoresReady(Message):
    """The model's scores of every comment of the thread have arrived."""

    def __init__(self, scores: list[CommentScore], thresholds: dict[str, float], model_id: str) -> None:
        super().__init__()
        self.scores = scores
        self.thresholds = thresholds
        self.model_id = model_id


class ScoringFailed(Message):
    """Scoring stopped with an error: the review goes on without the model."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem


class RetrainProgressed(Message):
    """A line or a finished fit from the retraining process."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class RetrainFinished(Message):
    """The candidate is trained and judged by the comparison gate, not yet settled."""

    def __init__(self, candidate: Candidate) -> None:
        super().__init__()
        self.candidate = candidate


class RetrainStopped(Message):
    """The retraining failed (or settling the candidate did): ``problem`` says why in one line."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem


class CandidateSettled(Message):
    """The moderator chose: the candidate was put in use (``scorer`` loaded from it, to rescore with) or kept."""

    def __init__(self, settlement: Settlement, scorer: Scorer | None) -> None:
        super().__init__()
        self.settlement = settlement
        self.scorer = scorer


class FetchWaiting(Message):
    """A tracker's rate limit is being waited out while a queued thread is fetched (posted from the loading worker,
    about once a second): ``seconds`` left, 0 when the wait is over; ``reason`` says which limit and for what."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__()
        self.seconds = seconds
        self.reason = reason


class QueueEntryLoaded(Message):
    """A queue entry's thread was loaded (in a worker): ``result`` is the entry opened, why it cannot be, or None
    when no undecided entry was left to open."""

    def __init__(self, result: Opened | Unloadable | None) -> None:
        super().__init__()
        self.result = result
