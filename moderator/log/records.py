"""What one document of the decision log says, as typed, frozen records.

A :class:`Decision` is one moderator's judgement of one comment; a :class:`Retraction` takes an earlier decision
back (undo). Both name their thread with a :class:`ThreadRef`, whose :meth:`ThreadRef.key` is the one
definition of which decisions are about the same thing: the log's effective state and the review session both
ask it, so reopening a thread always finds the decisions made on it before.

The records know nothing of files or of the document layout; :mod:`moderator.log.codec` turns them into the
schema-1 documents and back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, Literal, NamedTuple

if TYPE_CHECKING:  # the scoring layer imports numpy and scikit-learn: reading a log must not
    from moderation_core.thread import Comment, Thread
    from moderator.scoring import CommentScore


class Action(StrEnum):
    """What the moderator does about a comment. The values are the log's own words (schema 1)."""

    OK = "ok"
    FLAG = "flag"
    REMIND = "remind"
    HIDE = "hide"
    ESCALATE = "escalate"
    SKIP = "skip"

    @classmethod
    def cycle(cls) -> tuple[Action, ...]:
        """The actions the review screen's action key steps through, in this order: those taken on a comment
        that breaks a guideline. "ok" and "skip" are decisions of their own, with keys of their own."""
        return _CYCLE

    def next(self) -> Action:
        """The action after this one in :meth:`cycle` (after the last, the first again; from an action outside
        the cycle, the first)."""
        if self in _CYCLE:
            return _CYCLE[(_CYCLE.index(self) + 1) % len(_CYCLE)]
        return _CYCLE[0]


_CYCLE = (Action.FLAG, Action.REMIND, Action.HIDE, Action.ESCALATE)


def text_of(value: object) -> str:
    """``str(value)`` that cannot fail: an integer past Python's 4,300-digit conversion limit (YAML reads hex
    of any length) or a structure too deep to print becomes a short description instead of a ValueError."""
    try:
        return str(value)
    except (ValueError, RecursionError):
        if isinstance(value, int):
            return f"<a number of {value.bit_length()} bits>"
        return f"<an unprintable {type(value).__name__}>"


def own_text_digest(text: str) -> str:
    # surrogatepass: a lone surrogate (from "\ud800" in a JSON export) has no UTF-8 form, yet must be hashable;
    # text that does have one hashes exactly as before.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


def now() -> str:
    """The time of a decision as the log writes it: UTC, microseconds, a 'Z'."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class DecisionKey(NamedTuple):
    """Which decisions replace each other: the last one per key is the effective one. ``thread`` is the thread's
    id, or its title when it has none (a page copy)."""

    moderator: str
    source: str
    thread: str
    number: int | None


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """The thread a decision is about. A hand-edited document may lack any of these, hence the Nones."""

    source: str | None
    id: str | None
    title: str | None
    url: str | None

    @classmethod
    def from_thread(cls, thread: Thread) -> ThreadRef:
        return cls(thread.source, thread.id, thread.title, thread.url)

    @property
    def name(self) -> str | None:
        """What names the thread within its source: its id, else (a page copy has no bug id) its title."""
        return self.id if self.id is not None else self.title

    def key(self, moderator: str, comment_number: int | None) -> DecisionKey:
        """The one key of a decision on comment ``comment_number`` of this thread: the log's effective state and
        the review session both build it here, so they cannot drift apart."""
        return DecisionKey(moderator, text_of(self.source), text_of(self.name), comment_number)


@dataclass(frozen=True, slots=True)
class CommentRef:
    """Which comment: what a retraction names."""

    number: int | None
    id: str | None


@dataclass(frozen=True, slots=True)
class DecidedComment:
    """The comment a decision is about, with its own text exactly as the moderator saw it, and the thread
    context the model saw with it (``moderation_core.model_inputs``: the own words of the opening post and of the
    previous comment), so that retraining from the log sees the comment as scoring does. "" where there is none
    (the opening post) or the decision predates it. ``node_id``: the comment's GraphQL node id where the source
    has one (GitHub), for the tag export; None elsewhere and in decisions that predate it."""

    number: int | None
    id: str | None
    author: str | None
    own_text: str
    context: str = ""
    node_id: str | None = None

    @classmethod
    def from_comment(cls, comment: Comment, context: str = "") -> DecidedComment:
        return cls(comment.number, comment.id, comment.author, comment.own_text, context, comment.node_id)

    @classmethod
    def in_thread(cls, thread: Thread, index: int) -> DecidedComment:
        """Comment ``index`` of a segmented thread, with the context the model is given for it."""
        from moderation_core.model_inputs import comment_context  # no numpy: a plain function

        return cls.from_comment(thread.comments[index], comment_context(thread, index))

    @property
    def own_text_sha256(self) -> str:
        return own_text_digest(self.own_text)

    @property
    def ref(self) -> CommentRef:
        return CommentRef(self.number, self.id)


@dataclass(frozen=True, slots=True)
class ModelView:
    """What the model said about the comment when the moderator decided: kept so that agreement with the model
    (and retraining) can be measured later. ``concern`` is missing only in hand-edited documents."""

    id: str | None
    scores: Mapping[str, float]
    flags: tuple[str, ...]
    concern: float | None

    @classmethod
    def from_score(cls, score: CommentScore, model_id: str | None) -> ModelView:
        """The one way a model view is built, for the review screen and ``moderator decide`` alike."""
        return cls(model_id, MappingProxyType(dict(score.scores)), tuple(score.flags), score.concern)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The moderator's judgement: labels from the taxonomy (none: the comment is fine), an action, a note."""

    labels: tuple[str, ...]
    action: Action
    note: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    kind: ClassVar[Literal["decision"]] = "decision"

    id: str
    when: str
    moderator: str
    thread: ThreadRef
    comment: DecidedComment
    model: ModelView | None
    verdict: Verdict

    @classmethod
    def new(
        cls,
        *,
        moderator: str,
        thread: ThreadRef,
        comment: DecidedComment,
        model: ModelView | None,
        labels: Iterable[str],
        action: Action,
        note: str = "",
        id: str | None = None,
        when: str | None = None,
    ) -> Decision:
        """A decision made now (a fresh id and the current time unless given)."""
        verdict = Verdict(tuple(labels), Action(action), note)
        return cls(id or new_id(), when or now(), moderator, thread, comment, model, verdict)

    def key(self) -> DecisionKey:
        return self.thread.key(self.moderator, self.comment.number)


@dataclass(frozen=True, slots=True)
class Retraction:
    """Takes the decision ``retracts`` back: the log is append-only, so undo is a document of its own."""

    kind: ClassVar[Literal["retraction"]] = "retraction"

    id: str
    when: str
    moderator: str
    thread: ThreadRef
    comment: CommentRef
    retracts: str

    @classmethod
    def of(cls, decision: Decision, moderator: str, *, id: str | None = None, when: str | None = None) -> Retraction:
        return cls(id or new_id(), when or now(), moderator, decision.thread, decision.comment.ref, decision.id)

    def key(self) -> DecisionKey:
        return self.thread.key(self.moderator, self.comment.number)


Record = Decision | Retraction
Kind = Literal["decision", "retraction"]
