"""A review session: the moderator's walk through one thread, independent of any user interface.

The Textual screen is a thin layer over this: it shows ``current``, forwards keys to the methods here and
repaints what they report changed. Every decision is written to the decision log when it is made; the session
only shows a decision as saved once the log has it.

The rules the session keeps, whatever the screen:

- **Never lose pending work.** The decision being composed (:class:`Pending`: labels, action, note) belongs to
  its comment. When the moderator moves away from a comment whose pending decision differs from what coming back
  would otherwise show (its saved decision, or else the model's pre-toggled flags or suggestion), it is kept as
  that comment's *draft*, and coming back restores it. A draft is dropped when the comment is decided (saved,
  accepted or skipped) or when the moderator toggles back to what coming back would show anyway. Scores arriving
  keep every draft (only one that now equals the model's pre-toggled labels is no longer a draft). Undo puts the
  undone decision back as the pending decision of its comment (an existing draft of that comment, newer work,
  stays).
- **Skip means later.** A skip is written to the log like any decision, but the comment stays open: it does
  not count as decided, it counts as skipped, and "next flagged", the flagged-left count and the position a
  review resumes at all treat it as undecided. Coming back to it shows the model's pre-toggled labels and the
  skip's note.
- **The position never jumps when scores arrive**, in any queue: the comment on screen stays on screen, or, when
  the new queue leaves it out (``only_flagged``), the nearest following comment the queue holds. The same holds
  when the author filter changes.
- **No log reads per key press.** The log is read once, at the start (this moderator's earlier decisions and
  other moderators' decisions on the thread); after that, decisions are kept here as they are written. Every
  method is O(1) or O(comments) per call, so a thread of 10,000 comments stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from moderator.review.summary import ReviewSummary, summarize
from moderator.scoring import CommentScore

__all__ = ["CYCLED_ACTIONS", "Pending", "Queue", "ReviewSession", "ReviewSummary"]

Queue = Literal["thread", "concern", "uncertain"]
# The actions one key cycles through while composing a decision, in the log's order: all but "ok" and "skip",
# which are decisions of their own with keys of their own.
CYCLED_ACTIONS: tuple[str, ...] = tuple(action.value for action in Action.cycle())
NOTHING_FLAGGED = "No comment is flagged or marked for review: showing all {count} comments"


@dataclass(slots=True)
class Pending:
    """The decision being composed for a comment.

    ``suggested``: the labels are the model's suggestion for a comment it marked for review (no label passed its
    threshold), not flags; the moderator's first toggle makes them the moderator's own."""

    labels: list[str] = field(default_factory=list)
    action: str = "flag"
    note: str = ""
    suggested: bool = False

    @classmethod
    def of(cls, decision: Entry) -> Pending:
        """The pending decision that would record ``decision`` again."""
        return cls(list(decision.labels), decision.action or "flag", decision.note)

    def same_decision(self, other: Pending) -> bool:
        """Whether the two would record the same decision: the same labels (in any order), action and note.
        Whether the labels are the model's suggestion is no part of a decision."""
        return set(self.labels) == set(other.labels) and self.action == other.action and self.note == other.note


def _is_skip(decision: Entry | None) -> bool:
    return decision is not None and decision.action == Action.SKIP


def _is_open(decision: Entry | None) -> bool:
    """Undecided, or skipped (a skip means "later")."""
    return decision is None or decision.action == Action.SKIP


class ReviewSession:
    """One moderator reviewing one thread against a taxonomy, writing to one decision log.

    ``clock`` gives the seconds the summary counts (a test passes its own)."""

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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.thread = thread
        self.taxonomy = taxonomy
        self.taxonomy_path = taxonomy_path or DEFAULT_TAXONOMY
        self.log = log
        self.moderator = moderator
        self.queue = queue
        self.only_flagged = only_flagged
        self.model_id = model_id
        self._clock = clock
        self._started = clock()
        self._ref = ThreadRef.from_thread(thread)
        count = len(thread.comments)
        self.scores: list[CommentScore | None] = [None] * count
        self._scored = False
        self.scoring_error: str | None = None
        self.thresholds: dict[str, float] = {}
        # Set when only_flagged finds nothing flagged and every comment is shown instead; the screen says it.
        self.notice: str | None = None
        # The text a comment's author must contain to be in the queue (casefolded to match); None: no filter.
        self.author_filter: str | None = None
        self._authors = [(comment.author or "").casefold() for comment in thread.comments]
        self._index_of_number: dict[int, int] = {}
        for i, comment in enumerate(thread.comments):
            if comment.number is not None:
                self._index_of_number.setdefault(comment.number, i)
        self.decisions: list[Entry | None] = [None] * count
        # Decisions made in this session, for undo: (comment index, decision, the decision it replaced).
        self._history: list[tuple[int, Entry, Entry | None]] = []
        self._drafts: dict[int, Pending] = {}  # pending work of comments other than the current one
        self._back: list[int] = []  # comment indices to go back to after jumping to a quoted comment
        self._others: dict[int | None, list[Entry]] = {}
        self._load_earlier_decisions()
        self.order: list[int] = []
        self._position_of: dict[int, int] = {}  # comment index -> position in ``order``
        # Counts kept as decisions are made (see _tally): the header asks for them at every key.
        self._decided = self._skipped = self._flagged_undecided = self._review_undecided = self._open_in_queue = 0
        self.position = 0
        self.pending = Pending()
        self._apply_queue()
        self.position = self._first_undecided()
        self._arrive()

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
        """Comments with a decision of this moderator; a skip is no decision (see :meth:`skipped_count`)."""
        return self._decided

    def skipped_count(self) -> int:
        """Comments whose decision is a skip: left for later, counted neither as decided nor in the queue's end."""
        return self._skipped

    def is_skipped(self, index: int) -> bool:
        return _is_skip(self.decisions[index])

    def flagged_left(self) -> int:
        """Undecided (or skipped) comments the model flags or marks for review."""
        return self._flagged_undecided

    def review_left(self) -> int:
        """Undecided (or skipped) comments marked for review (counted in :meth:`flagged_left` too)."""
        return self._review_undecided

    def at_end(self) -> bool:
        """Whether every comment in the queue is decided (a skipped one is not): the screen offers the summary."""
        return self._open_in_queue == 0

    def summary(self) -> ReviewSummary:
        """What this moderator decided on the whole thread, and what this session did and took."""
        return summarize(
            self.decisions, seconds=self._clock() - self._started, decisions_this_session=len(self._history)
        )

    def has_draft(self, index: int) -> bool:
        """Whether comment ``index`` has pending work that differs from what it shows by default (the outline
        marks it); for the current comment, the pending decision as it stands."""
        if self.order and index == self.index:
            return self._is_draft()
        return index in self._drafts

    def drafts_count(self) -> int:
        return len(self._drafts) + (1 if self.order and self._is_draft() else 0)

    def others_decisions(self, index: int) -> list[Entry]:
        """The effective decisions of other moderators on comment ``index``, in log order, as the log was when
        the session started."""
        return list(self._others.get(self.thread.comments[index].number, ()))

    def _key(self, comment: Comment) -> DecisionKey:
        # The log's own key (ThreadRef.key): were it built here too, the two could drift apart and reopening a
        # thread would silently stop finding its earlier decisions.
        return self._ref.key(self.moderator, comment.number)

    def _load_earlier_decisions(self) -> None:
        """This moderator's and the other moderators' decisions on the thread: the one reading of the log."""
        effective = self.log.effective()
        for i, comment in enumerate(self.thread.comments):
            self.decisions[i] = effective.get(self._key(comment))
        self._others = self._decisions_of_others(effective)

    def _decisions_of_others(self, effective: Mapping[DecisionKey, Entry]) -> dict[int | None, list[Entry]]:
        own = self._ref.key(self.moderator, None)
        found: dict[int | None, list[Entry]] = {}
        for key, entry in effective.items():
            if key.source == own.source and key.thread == own.thread and key.moderator != self.moderator:
                found.setdefault(key.number, []).append(entry)
        for entries in found.values():
            entries.sort(key=lambda entry: entry.line)
        return found

    def _recount(self) -> None:
        """Count everything again: when the scores or the queue change (a decision only adjusts the counts)."""
        self._decided = self._skipped = self._flagged_undecided = self._review_undecided = self._open_in_queue = 0
        for index in range(len(self.decisions)):
            self._tally(index, 1)

    def _tally(self, index: int, sign: int) -> None:
        """Add (sign 1) or take away (-1) what comment ``index`` counts for, as it stands."""
        decision = self.decisions[index]
        if not _is_open(decision):
            self._decided += sign
            return
        if decision is not None:
            self._skipped += sign
        if index in self._position_of:
            self._open_in_queue += sign
        score = self.scores[index]
        if score is not None and score.needs_review:
            self._flagged_undecided += sign
            if score.review and not score.flags:
                self._review_undecided += sign

    def _set_decision(self, index: int, decision: Entry | None) -> None:
        self._tally(index, -1)
        self.decisions[index] = decision
        self._tally(index, 1)

    # -- scores arrive from a worker -------------------------------------------------------------------------
    def set_scores(self, scores: Sequence[CommentScore], thresholds: dict[str, float], model_id: str) -> None:
        """Take the model's scores: the queue is ordered and filtered again, the comment on screen stays (or the
        nearest following one the queue holds), and pending work is kept."""
        current = self.index
        self._stash()  # against what the comment showed before the scores: the model's flags were not known
        self.scores = list(scores)
        self._scored = any(s is not None for s in self.scores)
        self.thresholds = thresholds
        self.model_id = model_id
        # A draft that now equals the model's pre-toggled labels is what coming back shows anyway.
        self._drafts = {i: d for i, d in self._drafts.items() if not d.same_decision(self._default(i))}
        self._apply_queue()
        self.position = self._nearest_position(current)
        self._arrive()

    def _queue_base(self) -> tuple[list[int], str | None]:
        """The comments of the queue before the author filter, and the notice to show with them."""
        everything = list(range(len(self.thread.comments)))
        if not (self.scored and self.only_flagged):
            return everything, None
        flagged = [i for i in everything if (s := self.scores[i]) is not None and s.needs_review]
        if flagged:
            return flagged, None
        return everything, NOTHING_FLAGGED.format(count=len(everything))

    def _by_author(self, indices: Iterable[int], author: str) -> list[int]:
        needle = author.casefold()
        return [i for i in indices if needle in self._authors[i]]

    def _apply_queue(self) -> None:
        indices, self.notice = self._queue_base()
        if self.author_filter is not None:
            chosen = self._by_author(indices, self.author_filter)
            if chosen:
                indices = chosen
            else:  # scores arriving with only_flagged left none of this author's comments: the filter goes
                self.author_filter = None
        if self.scored:
            if self.queue == "concern":
                indices.sort(key=self._negative_concern)
            elif self.queue == "uncertain":
                indices.sort(key=self._uncertainty)
        self.order = indices
        self._position_of = {index: position for position, index in enumerate(indices)}
        self._recount()

    def _requeue(self) -> None:
        """Build the queue again, keeping the comment on screen (or the nearest following one) and its draft."""
        current = self.index
        self._stash()
        self._apply_queue()
        self.position = self._nearest_position(current)
        self._arrive()

    def _nearest_position(self, index: int) -> int:
        """The position of comment ``index`` in the queue, else of the nearest comment after it in the thread
        that the queue holds, else of the nearest before it."""
        position = self._position_of.get(index)
        if position is not None:
            return position
        count = len(self.thread.comments)
        for other in (*range(index + 1, count), *range(index - 1, -1, -1)):
            if other in self._position_of:
                return self._position_of[other]
        return 0

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
        """Where a review resumes: the first comment of the queue that is undecided or skipped."""
        for position, i in enumerate(self.order):
            if _is_open(self.decisions[i]):
                return position
        return 0

    # -- pending work ----------------------------------------------------------------------------------------
    def _default(self, index: int) -> Pending:
        """What comment ``index`` shows when it has no draft: its saved decision; else (undecided or skipped) the
        model's pre-toggled labels, with a skip's note."""
        decision = self.decisions[index]
        if decision is not None and not _is_skip(decision):
            return Pending.of(decision)
        pending = self._pending_from_model(self.scores[index])
        if decision is not None:
            pending.note = decision.note
        return pending

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

    def _is_draft(self) -> bool:
        return not self.pending.same_decision(self._default(self.index))

    def _stash(self) -> None:
        """Keep the current comment's pending work as its draft, before leaving it (or before what it shows by
        default changes)."""
        if self.order and self._is_draft():
            self._drafts[self.index] = self.pending

    def _arrive(self) -> None:
        """Show the current comment's draft, else what it shows by default. The current comment has no entry in
        ``_drafts``: its pending work is ``pending``."""
        if not self.order:
            return
        draft = self._drafts.pop(self.index, None)
        self.pending = draft if draft is not None else self._default(self.index)

    # -- moving ----------------------------------------------------------------------------------------------
    def go_to_position(self, position: int) -> None:
        if not self.order:
            return
        self._stash()
        self.position = max(0, min(position, len(self.order) - 1))
        self._arrive()

    def go_to_index(self, index: int) -> None:
        position = self._position_of.get(index)
        if position is not None:
            self.go_to_position(position)

    def go_to_first_undecided(self) -> None:
        """To the first comment of the queue that is undecided or skipped (the top of a concern queue once scored:
        scores arriving never move the screen themselves)."""
        self.go_to_position(self._first_undecided())

    def go_to_number(self, number: int) -> bool:
        """Go to the comment numbered ``number`` (as shown); False when the thread has none or the queue (its
        filter) leaves it out. Like :meth:`jump_to_quoted`, it is a jump :meth:`jump_back` returns from."""
        position = self._position_of.get(self._index_of_number.get(number, -1))
        if position is None:
            return False
        if position != self.position:
            self._back.append(self.index)
        self.go_to_position(position)
        return True

    def next(self) -> None:
        self.go_to_position(self.position + 1)

    def previous(self) -> None:
        self.go_to_position(self.position - 1)

    def next_flagged_undecided(self) -> bool:
        """Move to the next undecided (or skipped) comment, in queue order and wrapping, that the model flags or
        marks for review."""
        count = len(self.order)
        for step in range(1, count + 1):
            position = (self.position + step) % count
            i = self.order[position]
            score = self.scores[i]
            if score is not None and score.needs_review and _is_open(self.decisions[i]):
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

    def quoted_numbers(self) -> list[int]:
        """The numbers of the comments the current comment quotes or replies to, in the order they first appear
        (its quotes and reply headers in text order, then the comments it replies to otherwise, such as a mail's
        parent); only comments of this thread, never the comment itself."""
        if not self.order:
            return []
        comment = self.current
        named = [s.quoted_comment for s in comment.segments if s.kind in ("quote", "attribution")]
        numbers = dict.fromkeys(n for n in (*named, *comment.reply_to) if n is not None and n != comment.number)
        return [n for n in numbers if n in self._index_of_number]

    def jump_to_quoted(self) -> bool:
        """Go to the first comment of :meth:`quoted_numbers` that the queue holds, remembering where from (see
        :meth:`jump_back`); False, and no move, when there is none."""
        for number in self.quoted_numbers():
            position = self._position_of.get(self._index_of_number[number])
            if position is not None:
                self._back.append(self.index)
                self.go_to_position(position)
                return True
        return False

    def jump_back(self) -> bool:
        """Go back to the comment the last :meth:`jump_to_quoted` left (one the queue still holds)."""
        while self._back:
            position = self._position_of.get(self._back.pop())
            if position is not None:
                self.go_to_position(position)
                return True
        return False

    def set_author_filter(self, author: str | None) -> int:
        """Restrict the queue to comments whose author contains ``author`` (casefolded), keeping the comment on
        screen when the queue still holds it (else the nearest following one). Returns how many comments the
        queue now holds. When no comment matches, nothing changes (a filter already set stays) and 0 is
        returned; None or blank text clears the filter."""
        text = (author or "").strip() or None
        if text is not None and not self._by_author(self._queue_base()[0], text):
            return 0
        self.author_filter = text
        self._requeue()
        return len(self.order)

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

    def save_note(self, note: str) -> Entry | None:
        """The note key: on a decided comment, record its decision again (same labels and action) with ``note``,
        staying on the comment, and return it (the decision itself when the note is unchanged: nothing to write).
        On an undecided or skipped comment, only set the pending note and return None."""
        index = self.index
        decision = self.decisions[index]
        if decision is None or _is_skip(decision):
            self.set_note(note)
            return None
        if note == decision.note:
            self.set_note(note)
            return decision
        draft = self.pending if self._is_draft() else None  # labels changed but not saved stay pending
        entry = self._record(index, list(decision.labels), decision.action or Action.FLAG, note)
        self.pending = draft if draft is not None else self._default(index)
        self.pending.note = note
        return entry

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
        """Record the pending labels and action; no labels means the comment is fine. Labels with an action that
        takes no labels ("ok", or "skip" restored by undo) are recorded as flagged."""
        labels = list(self.pending.labels)
        action = self.pending.action if labels else "ok"
        if labels and action not in CYCLED_ACTIONS:
            action = "flag"
        return self._decide(labels, action, self.pending.note)

    def skip(self) -> Entry:
        """Leave the comment for later: recorded, but it stays open (see the module's rules)."""
        return self._decide([], "skip", self.pending.note)

    def _decide(self, labels: list[str], action: str, note: str) -> Entry:
        """Record a decision on the current comment (its draft goes) and move to the next comment."""
        entry = self._record(self.index, labels, action, note)
        self.pending = self._default(self.index)
        if self.position < len(self.order) - 1:
            self.next()
        return entry

    def _record(self, index: int, labels: list[str], action: str, note: str) -> Entry:
        """Write a decision on comment ``index`` and keep it; raises LogError (and then keeps nothing)."""
        score = self.scores[index]
        decision = Decision.new(
            moderator=self.moderator,
            thread=self._ref,
            comment=DecidedComment.in_thread(self.thread, index),
            model=None if score is None else ModelView.from_score(score, self.model_id),
            labels=labels,
            action=Action(action),
            note=note,
        )
        entry = self.log.append(decision)  # raises LogError: then nothing below happens
        self._history.append((index, entry, self.decisions[index]))
        self._set_decision(index, entry)
        return entry

    def undo(self) -> int | None:
        """Retract the last decision of this session; returns the index of its comment, made current when the
        queue holds it. The undone decision becomes the comment's pending decision: its labels, action and note
        (an undone skip: the model's pre-toggled labels and the skip's note, as the skipped comment showed) -
        unless the comment has a draft, newer work, which stays."""
        if not self._history:
            return None
        index, entry, replaced = self._history[-1]
        self.log.retract(entry, self.moderator)
        self._history.pop()
        undone = self._default(index)  # what the comment showed with the decision now undone
        if self.order and index == self.index:
            draft = None if self.pending.same_decision(undone) else self.pending
        else:
            draft = self._drafts.pop(index, None)
        self._set_decision(index, replaced)
        restored = draft if draft is not None else undone
        position = self._position_of.get(index)
        if position is None:  # the queue's filter leaves the comment out: its draft waits there
            if not restored.same_decision(self._default(index)):
                self._drafts[index] = restored
            return index
        if position != self.position:
            self._stash()
            self.position = position
        self.pending = restored
        return index
