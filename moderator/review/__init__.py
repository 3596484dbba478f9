"""A review session: the moderator's walk through one thread, independent of any user interface.

The Textual screen is a thin layer over this: it shows ``current``, forwards keys to the methods here and
repaints what they report changed. Every decision is written to the decision log when it is made; the session
only shows a decision as saved once the log has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from moderation_core.taxonomy import DEFAULT_TAXONOMY, Taxonomy
from moderation_core.thread import Comment, Thread
from moderator.log import (
    Action,
    DecidedComment,
    Decision,
    DecisionKey,
    DecisionLog,
    Entry,
    ModelView,
    ThreadRef,
)
from moderator.scoring import CommentScore

Queue = Literal["thread", "concern", "uncertain"]
# The actions one key cycles through while composing a decision, in the log's order: all but "ok" and "skip",
# which are decisions of their own with keys of their own.
CYCLED_ACTIONS: tuple[str, ...] = tuple(action.value for action in Action.cycle())


@dataclass(slots=True)
class Pending:
    """The decision being composed for the current comment.

    ``suggested``: the labels are the model's suggestion for a comment it marked for review (no label passed its
    threshold), not flags; the moderator's first toggle makes them the moderator's own."""

    labels: list[str] = field(default_factory=list)
    action: str = "flag"
    note: str = ""
    suggested: bool = False


class ReviewSession:
    """One moderator reviewing one thread against a taxonomy, writing to one decision log."""

    def __init__(
        self,
        thread: Thread,
        taxonomy: Taxonomy,
        log: DecisionLog,
        moderator: str,
        *,
        queue: Queue = "thread",
        only_flagged: bool = False,
        model_id: str | None = None,
        taxonomy_path: Path | None = None,
    ) -> None:
        self.thread = thread
        self.taxonomy = taxonomy
        self.taxonomy_path = taxonomy_path or DEFAULT_TAXONOMY
        self.log = log
        self.moderator = moderator
        self.queue = queue
        self.only_flagged = only_flagged
        self.model_id = model_id
        self.scores: list[CommentScore | None] = [None] * len(thread.comments)
        self._scored = False
        self.scoring_error: str | None = None
        self.thresholds: dict[str, float] = {}
        self.decisions: list[Entry | None] = [None] * len(thread.comments)
        self._history: list[tuple[int, Entry]] = []  # decisions made in this session, for undo
        self._load_earlier_decisions()
        self.order: list[int] = list(range(len(thread.comments)))
        self.position = 0
        self.pending = Pending()
        self._apply_queue()
        self.position = self._first_undecided()
        self._reset_pending()

    # -- state -----------------------------------------------------------------------------------------------
    @property
    def scored(self) -> bool:
        """Whether the model's scores have arrived (kept as a flag: it is asked for every line drawn)."""
        return self._scored

    @property
    def index(self) -> int:
        """Index in ``thread.comments`` of the comment on screen."""
        return self.order[self.position] if self.order else 0

    @property
    def current(self) -> Comment:
        return self.thread.comments[self.index]

    @property
    def current_score(self) -> CommentScore | None:
        return self.scores[self.index]

    def decided_count(self) -> int:
        return self._decided

    def flagged_left(self) -> int:
        """Undecided comments the model flags or marks for review."""
        return self._flagged_undecided

    def review_left(self) -> int:
        """Undecided comments marked for review (counted in :meth:`flagged_left` too)."""
        return self._review_undecided

    def _key(self, comment: Comment) -> DecisionKey:
        # The log's own key (ThreadRef.key): were it built here too, the two could drift apart and reopening a
        # thread would silently stop finding its earlier decisions.
        return ThreadRef.from_thread(self.thread).key(self.moderator, comment.number)

    def _load_earlier_decisions(self) -> None:
        effective = self.log.effective()
        for i, comment in enumerate(self.thread.comments):
            self.decisions[i] = effective.get(self._key(comment))
        self._recount()

    def _recount(self) -> None:
        self._decided = sum(1 for d in self.decisions if d is not None)
        undecided = [s for s, d in zip(self.scores, self.decisions) if s is not None and d is None]
        self._flagged_undecided = sum(1 for s in undecided if s.needs_review)
        self._review_undecided = sum(1 for s in undecided if s.review and not s.flags)

    # -- scores arrive from a worker -------------------------------------------------------------------------
    def set_scores(self, scores: Sequence[CommentScore], thresholds: dict[str, float], model_id: str) -> None:
        current = self.index
        self.scores = list(scores)
        self._scored = any(s is not None for s in self.scores)
        self.thresholds = thresholds
        self.model_id = model_id
        self._recount()
        self._apply_queue()
        if self.queue == "thread" and not self.only_flagged and current in self.order:
            self.position = self.order.index(current)
        else:
            self.position = self._first_undecided()
        self._reset_pending()

    def _apply_queue(self) -> None:
        indices = list(range(len(self.thread.comments)))
        if self.scored:
            if self.only_flagged:
                indices = [i for i in indices if (s := self.scores[i]) is not None and s.needs_review] or indices
            if self.queue == "concern":
                indices.sort(key=self._negative_concern)
            elif self.queue == "uncertain":
                indices.sort(key=self._uncertainty)
        self.order = indices

    def _negative_concern(self, i: int) -> float:
        """The sort key of the concern queue: highest concern first, unscored comments last."""
        score = self.scores[i]
        return -score.concern if score is not None else 0.0

    def _uncertainty(self, i: int) -> float:
        """Distance of the closest label score to its threshold (smaller: the model is less sure)."""
        score = self.scores[i]
        if score is None or not self.thresholds:
            return 1.0
        return min(abs(score.scores.get(label, 0.0) - t) for label, t in self.thresholds.items())

    def _first_undecided(self) -> int:
        for position, i in enumerate(self.order):
            if self.decisions[i] is None:
                return position
        return 0

    def _reset_pending(self) -> None:
        decision = self.decisions[self.index] if self.order else None
        if decision is not None:
            self.pending = Pending(list(decision.labels), decision.action or "flag", decision.note)
        else:
            score = self.scores[self.index] if self.order else None
            self.pending = self._pending_from_model(score)

    def _pending_from_model(self, score: CommentScore | None) -> Pending:
        """An undecided comment's labels pre-toggled: the model's flags, else, when it marks the comment for review,
        the labels it suggests (those of this taxonomy, in its order: saving any other would be refused)."""
        if score is None:
            return Pending()
        if score.flags or not score.review:
            return Pending(list(score.flags))
        ids = self.taxonomy.ids
        suggested = sorted({label for label in score.suggested if label in ids}, key=ids.index)
        return Pending(suggested, suggested=bool(suggested))

    # -- moving ----------------------------------------------------------------------------------------------
    def go_to_position(self, position: int) -> None:
        self.position = max(0, min(position, len(self.order) - 1))
        self._reset_pending()

    def go_to_index(self, index: int) -> None:
        if index in self.order:
            self.go_to_position(self.order.index(index))

    def next(self) -> None:
        self.go_to_position(self.position + 1)

    def previous(self) -> None:
        self.go_to_position(self.position - 1)

    def next_flagged_undecided(self) -> bool:
        """Move to the next undecided comment (in queue order, wrapping) that the model flags or marks for review."""
        count = len(self.order)
        for step in range(1, count + 1):
            position = (self.position + step) % count
            i = self.order[position]
            score = self.scores[i]
            if score is not None and score.needs_review and self.decisions[i] is None:
                self.go_to_position(position)
                return True
        return False

    def search(self, text: str, forward: bool = True) -> bool:
        """Move to the next comment (in queue order, wrapping) whose text or author contains ``text``."""
        needle = text.casefold()
        if not needle:
            return False
        count = len(self.order)
        for step in range(1, count + 1):
            position = (self.position + (step if forward else -step)) % count
            comment = self.thread.comments[self.order[position]]
            if needle in comment.text.casefold() or needle in (comment.author or "").casefold():
                self.go_to_position(position)
                return True
        return False

    # -- composing and deciding ------------------------------------------------------------------------------
    def toggle_label(self, label: str) -> None:
        if label not in self.taxonomy.ids:
            raise KeyError(label)
        self.pending.suggested = False  # whatever stays toggled now, the moderator chose it
        if label in self.pending.labels:
            self.pending.labels.remove(label)
        else:
            self.pending.labels.append(label)
            self.pending.labels.sort(key=self.taxonomy.ids.index)

    def label_for_digit(self, digit: int) -> str | None:
        """The label whose key in the taxonomy is ``digit``, or None when no label has that key."""
        key = str(digit)
        return next((label.id for label in self.taxonomy.labels if label.key == key), None)

    def toggle_label_number(self, digit: int) -> bool:
        """Toggle the label keyed ``digit``; False (nothing changed) when no label has that key."""
        label = self.label_for_digit(digit)
        if label is None:
            return False
        self.toggle_label(label)
        return True

    def set_action(self, action: str) -> None:
        self.pending.action = Action(action)  # ValueError for a word that is no action

    def set_note(self, note: str) -> None:
        self.pending.note = note

    def cycle_action(self) -> str:
        """Set the pending action to the next one of the log's action cycle (after the last, the first again; from
        an action outside the cycle, the first) and return it."""
        following = Action(self.pending.action).next().value
        self.set_action(following)
        return following

    def accept(self) -> Entry:
        """The comment is fine: record ``ok`` with no labels (keeping a typed note) and move on."""
        return self._decide([], "ok", self.pending.note)

    def save(self) -> Entry:
        """Record the pending labels and action; no labels means the comment is fine."""
        labels = list(self.pending.labels)
        action = self.pending.action if labels else "ok"
        if labels and action == "ok":
            action = "flag"
        return self._decide(labels, action, self.pending.note)

    def skip(self) -> Entry:
        return self._decide([], "skip", self.pending.note)

    def _decide(self, labels: list[str], action: str, note: str) -> Entry:
        index = self.index
        comment = self.thread.comments[index]
        score = self.scores[index]
        decision = Decision.new(
            moderator=self.moderator,
            thread=ThreadRef.from_thread(self.thread),
            comment=DecidedComment.from_comment(comment),
            model=None if score is None else ModelView.from_score(score, self.model_id),
            labels=labels,
            action=Action(action),
            note=note,
        )
        entry = self.log.append(decision)  # raises LogError: then nothing below happens
        self.decisions[index] = entry
        self._history.append((index, entry))
        self._recount()
        if self.position < len(self.order) - 1:
            self.next()
        else:
            self._reset_pending()
        return entry

    def undo(self) -> int | None:
        """Retract the last decision of this session; returns the index of its comment (now current)."""
        if not self._history:
            return None
        index, entry = self._history[-1]
        self.log.retract(entry, self.moderator)
        self._history.pop()
        previous = self.log.effective().get(self._key(self.thread.comments[index]))
        self.decisions[index] = previous
        self._recount()
        self.go_to_index(index)
        return index
