"""What the classifier sees of each comment of a thread, built in one place for training, evaluation and scoring.

A model trained on one view of a comment and served another (say, context with quotes in training and without
them in scoring) is a train/serve skew: it silently costs accuracy. So every comment the model ever meets, from a
labeled corpus or from a thread an importer read, becomes a :class:`CommentInput` through :func:`thread_inputs`,
after the thread has been segmented with :func:`moderation_core.segmentation.segment_thread`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from moderation_core.thread import Thread

# How much of the opening post and of the previous comment a comment is given as context: enough to tell what
# the thread is about, while one long comment cannot make every comment after it slow to score.
CONTEXT_CHARS = 2000
# Which way of building inputs a model was trained with, recorded on its card as ``input_version``. 1 (a card
# without the field): labeled lines segmented one at a time, without their thread, with the raw text of the
# opening post and previous comment as context, while scoring used the thread's own words. 2: every comment
# through :func:`thread_inputs`, in training and scoring alike.
INPUT_VERSION = 2


@dataclass(frozen=True, slots=True)
class CommentInput:
    """What the model sees of a comment: its own words, and the thread around it where known."""

    text: str
    title: str = ""
    context: str = ""
    # The pieces ``context`` is made of, joined by line breaks (the opening post, the previous comment), when known.
    # Not part of what the model sees: they let a batch read a piece shared by many comments (a thread's opening
    # post) once. A reader must check they join to ``context`` before relying on them.
    context_parts: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __reduce__(self) -> tuple[object, ...]:
        # Inputs are pickled by the thousand for worker processes: a context that is its pieces joined is sent as
        # the pieces alone. The opening post is then one object for the whole batch, and the previous comment the
        # same object as that comment's own text: a third of the bytes.
        if self.context_parts and "\n".join(self.context_parts) == self.context:
            return (_joined_context, (self.text, self.title, self.context_parts))
        return (CommentInput, (self.text, self.title, self.context, self.context_parts))


def _joined_context(text: str, title: str, parts: tuple[str, ...]) -> CommentInput:
    return CommentInput(text, title, "\n".join(parts), parts)


def comment_context(thread: Thread, position: int) -> str:
    """The ``context`` :func:`thread_inputs` gives comment ``position`` of a segmented thread, for that comment
    alone (the decision log keeps it beside a decided comment so that retraining sees what scoring saw)."""
    comments = thread.comments
    if position <= 0:
        return ""
    opening = comments[0].own_text[:CONTEXT_CHARS]
    if position == 1:
        return opening
    return "\n".join((opening, comments[position - 1].own_text[:CONTEXT_CHARS]))


def thread_inputs(thread: Thread) -> Iterator[CommentInput]:
    """Each comment's own words, in thread order, with the thread's title and, as context, the own words of the
    opening post (for every comment after it) and of the previous comment (from the third comment on).

    The comments must be segmented already (``own_text`` is what the model judges). Inputs are made one at a time:
    a thread of a million comments never holds a million contexts at once unless its caller keeps them.
    """
    comments = thread.comments
    if not comments:
        return
    title = thread.title or ""
    opening = comments[0].own_text[:CONTEXT_CHARS]
    previous = ""
    for position, comment in enumerate(comments):
        if position == 0:
            parts: tuple[str, ...] = ()
        elif position == 1:
            parts = (opening,)  # the previous comment is the opening post: given once
        else:
            parts = (opening, previous)
        yield CommentInput(comment.own_text, title, "\n".join(parts), parts)
        previous = comment.own_text[:CONTEXT_CHARS]
