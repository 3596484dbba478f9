"""Messages the review app posts to itself from its scoring worker thread (Textual queues them thread-safely)."""

from __future__ import annotations

from textual.message import Message

from moderator.scoring import CommentScore


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
