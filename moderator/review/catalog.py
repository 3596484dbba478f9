"""The threads of a file as a moderator chooses among them: one summary per thread, independent of any interface.

A summary is what the thread picker shows on a row: the thread's title, how many comments it has, how many the
model flags or marks for review (unknown until a quick scoring has run) and how many this moderator has decided
already. Filtering reads one casefolded text per thread, made once here, so each key typed into the filter costs
one substring test per thread, whatever the threads hold (10,000 threads stay instant).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from moderation_core.thread import Thread
from moderator.log import Action, DecisionLog, Entry, ThreadRef
from moderator.scoring import CommentScore, Scorer, score_threads

# A title longer than this is cut before it is kept: no row shows more, and a hostile one-line "subject" of
# megabytes must not be copied into every filter test.
MAX_TITLE_CHARACTERS = 300
# Comments per batch of the quick scoring: small enough that the interface thread gets the interpreter back
# between batches (a pause runs after each), large enough that the model's per-call set-up stays small.
QUICK_BATCH_COMMENTS = 500
NO_TITLE = "(no title)"


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    """One thread of a file, as a row of the thread picker.

    ``title``: the thread's title (a mail thread's subject), else the first line of its first comment; never its id
    (a Message-ID says nothing to a moderator). It is raw text from the file: an interface escapes it to show it.
    ``flagged``: comments with a label past its threshold; ``review``: comments the model marks for review with
    no label past its threshold. Both are None until the thread is scored. ``decided``: comments this moderator
    has an effective decision on in the log, a skip not counted (what the review session counts as decided)."""

    position: int
    thread_id: str | None
    title: str
    source: str
    comments: int
    decided: int = 0
    flagged: int | None = None
    review: int | None = None
    # Title, id and authors, casefolded and joined by line breaks (which no filter holds), made once per thread.
    haystack: str = field(default="", repr=False, compare=False)

    @property
    def scored(self) -> bool:
        return self.flagged is not None


@dataclass(frozen=True, slots=True)
class ThreadCounts:
    """What a quick scoring found in one thread (see :class:`ThreadSummary` for the two counts)."""

    flagged: int
    review: int


def title_of(thread: Thread) -> str:
    """The thread's title, else the first non-blank line of its first comment, else :data:`NO_TITLE`."""
    if thread.title and thread.title.strip():
        return thread.title.strip()[:MAX_TITLE_CHARACTERS]
    for comment in thread.comments[:1]:
        for line in comment.text.splitlines():
            if line.strip():
                return line.strip()[:MAX_TITLE_CHARACTERS]
    return NO_TITLE


def authors_of(thread: Thread) -> list[str]:
    """The thread's distinct authors, in the order they first wrote."""
    return list(dict.fromkeys(comment.author for comment in thread.comments if comment.author))


def _haystack(title: str, thread_id: str | None, authors: Iterable[str]) -> str:
    return "\n".join([title, thread_id or "", *authors]).casefold()


def catalog(threads: Sequence[Thread], log: DecisionLog, moderator: str) -> list[ThreadSummary]:
    """A summary of every thread, in file order (``position`` is the index in ``threads``), with the number of its
    comments ``moderator`` has decided in ``log``. The log's effective state is computed once for all threads."""
    decided = decided_counts(threads, log, moderator)
    summaries = []
    for position, thread in enumerate(threads):
        title = title_of(thread)
        thread_id = None if thread.id is None else str(thread.id)
        summaries.append(
            ThreadSummary(
                position=position,
                thread_id=thread_id,
                title=title,
                source=thread.source,
                comments=len(thread.comments),
                decided=decided[position],
                haystack=_haystack(title, thread_id, authors_of(thread)),
            )
        )
    return summaries


def decided_counts(threads: Sequence[Thread], log: DecisionLog, moderator: str) -> list[int]:
    """For each thread, how many of its comments have an effective decision by ``moderator`` other than a skip (which
    means "later"): looked up by the log's own key (:meth:`ThreadRef.key`), as the review session looks its comments
    up and counts them (:meth:`ReviewSession.decided_count`), so both agree."""
    decisions = {key: entry for key, entry in log.effective().items() if key.moderator == moderator}
    threads_with_decisions = {(key.source, key.thread) for key in decisions}
    counts = []
    for thread in threads:
        reference = ThreadRef.from_thread(thread)
        probe = reference.key(moderator, None)
        if (probe.source, probe.thread) not in threads_with_decisions:
            counts.append(0)  # most threads of a large file: no key built per comment
            continue
        counts.append(
            sum(1 for comment in thread.comments if _decided(decisions.get(reference.key(moderator, comment.number))))
        )
    return counts


def _decided(entry: Entry | None) -> bool:
    # As ReviewSession counts: a skip means "later", not decided.
    return entry is not None and entry.action != Action.SKIP


def counts_of(scores: Iterable[CommentScore]) -> ThreadCounts:
    """How many comments carry a flag, and how many are marked for review without one."""
    flagged = review = 0
    for score in scores:
        if score.flags:
            flagged += 1
        elif score.review:
            review += 1
    return ThreadCounts(flagged, review)


def quick_counts(
    scorer: Scorer,
    threads: Iterable[Thread],
    *,
    pause: Callable[[], None] | None = None,
    batch_comments: int = QUICK_BATCH_COMMENTS,
) -> list[ThreadCounts]:
    """The counts of every thread, in order, from one batch scoring of all of them without evidence (the counts need
    none; the review screen scores a thread again, with evidence, when it is opened). ``pause()`` runs after each
    batch: a caller off the interface thread sleeps there, or raises to stop."""
    return [
        counts_of(scores)
        for _, scores in score_threads(scorer, threads, with_evidence=False, batch_comments=batch_comments, pause=pause)
    ]


def with_scores(summaries: Sequence[ThreadSummary], counts: Sequence[ThreadCounts]) -> list[ThreadSummary]:
    """The summaries with the counts of a quick scoring (``counts[i]`` is that of ``summaries[i]``)."""
    if len(counts) != len(summaries):
        raise ValueError(f"{len(counts)} counts for {len(summaries)} threads")
    return [
        dataclasses.replace(summary, flagged=count.flagged, review=count.review)
        for summary, count in zip(summaries, counts)
    ]


def with_decided(summary: ThreadSummary, decided: int) -> ThreadSummary:
    """The summary with a new decided count (after the moderator reviewed the thread)."""
    return dataclasses.replace(summary, decided=decided)


def filter_summaries(summaries: Sequence[ThreadSummary], text: str) -> list[int]:
    """Indices in ``summaries`` of the threads whose title, id or an author contains every word of ``text``
    (casefolded substrings; a blank filter keeps every thread)."""
    words = text.casefold().split()
    if not words:
        return list(range(len(summaries)))
    if len(words) == 1:
        word = words[0]
        return [i for i, summary in enumerate(summaries) if word in summary.haystack]
    return [i for i, summary in enumerate(summaries) if all(word in summary.haystack for word in words)]
