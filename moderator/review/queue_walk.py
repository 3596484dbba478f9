"""A walk through a triage queue (``moderator scan``'s output) across threads, independent of any interface.

The queue list and the review screens of ``moderator review --queue-file`` are a thin layer over this: which entries
this moderator has decided, the next undecided one after another, and each entry's thread loaded again with the
entry's comment found in it.

The rules the walk keeps:

- **Decided means what the review session counts.** An entry is decided when the log holds an effective decision of
  this moderator on that comment of that thread, other than a skip (a skip means "later"), looked up by the log's
  own key (:meth:`ThreadRef.key`) as the session and the thread picker look it up.
- **Each thread file is loaded once.** Loading a file finds the threads of every queue entry that names it, and the
  entries' comments in them; only those threads are kept. A queue of several entries in one thread, or of many
  threads of one archive, imports the file once.
- **Never silently the wrong comment.** A thread is taken from its file only when it is the thread the scan saw
  (the same source and id, or title for a page copy): by its position in the file, else (the file was reordered) by
  its id. The comment is found by its number (else its position) and its own text is checked against the scan's
  digest: a comment that changed is opened with a warning, one that is gone with another; a thread that cannot be
  loaded any more (file gone, fetch failed, thread no longer in its file) marks its entries, never stops the walk.

This module is below ``moderator.scan`` in the import layers, so it reads the queue's entries through the protocols
below (which ``moderator.scan.queue``'s dataclasses meet) and gives the loader a plain :class:`ThreadSource`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Generic, Protocol, TypeVar

from moderation_core.errors import ModeratorError
from moderation_core.textsafe import one_line
from moderation_core.thread import Thread
from moderator.log import Action, DecisionKey, Entry, ThreadRef, own_text_digest

__all__ = [
    "GONE_FILE",
    "Opened",
    "QueueWalk",
    "QueuedComment",
    "QueuedOrigin",
    "QueuedThread",
    "ThreadSource",
    "ThreadsLoader",
    "Unloadable",
]

GONE_FILE = "the thread file is gone"


class QueuedOrigin(Protocol):
    """Where a queue entry's thread is loaded from again (``moderator.scan.queue.ThreadOrigin``)."""

    @property
    def path(self) -> str | None: ...
    @property
    def format(self) -> str | None: ...
    @property
    def index(self) -> int: ...
    @property
    def remote(self) -> str | None: ...
    @property
    def server(self) -> str | None: ...


class QueuedThread(Protocol):
    """A queue entry's thread as the scan imported it (``moderator.scan.queue.QueueThread``)."""

    @property
    def source(self) -> str: ...
    @property
    def id(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def origin(self) -> QueuedOrigin: ...


class QueuedComment(Protocol):
    """What the walk reads of a queue entry (``moderator.scan.queue.QueueEntry``)."""

    @property
    def thread(self) -> QueuedThread: ...
    @property
    def number(self) -> int | None: ...
    @property
    def position(self) -> int: ...
    @property
    def own_text_sha256(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ThreadSource:
    """What one load reads: a thread file (``path``, ``format`` or None for detected) or a tracker's thread
    (``remote`` as typed, ``server``)."""

    path: str | None = None
    format: str | None = None
    remote: str | None = None
    server: str | None = None

    @classmethod
    def of(cls, origin: QueuedOrigin) -> ThreadSource:
        if origin.remote is not None:
            return cls(remote=origin.remote, server=origin.server)
        return cls(path=origin.path, format=origin.format)

    @property
    def name(self) -> str:
        """How the source is named to a moderator: the path, or the remote source."""
        return self.remote if self.remote is not None else str(self.path)


# The threads of a source: every thread of the file, or the one thread fetched. Raises a ModeratorError (one line
# naming the source) or an OSError when it cannot; the CLI provides it (importers, fetching), the walk only calls it.
ThreadsLoader = Callable[[ThreadSource], Sequence[Thread]]


@dataclass(frozen=True, slots=True)
class Opened:
    """Queue entry ``index`` with its thread loaded: ``comment`` is the index of the entry's comment in
    ``thread.comments`` (None when the thread no longer has it); ``warning`` says what is not as the scan saw it."""

    index: int
    thread: Thread
    comment: int | None
    warning: str | None = None

    @property
    def changed(self) -> bool:
        """The comment is there, but its own text is not what the scan scored."""
        return self.comment is not None and self.warning is not None


@dataclass(frozen=True, slots=True)
class Unloadable:
    """Queue entry ``index`` whose thread cannot be loaded: ``problem`` says why, in one line."""

    index: int
    problem: str


E = TypeVar("E", bound=QueuedComment)


class QueueWalk(Generic[E]):
    """One moderator walking a queue's ``entries`` (in queue order), against the log's effective decisions."""

    def __init__(
        self,
        entries: Sequence[E],
        loader: ThreadsLoader,
        moderator: str,
        effective: Mapping[DecisionKey, Entry],
        *,
        file_exists: Callable[[str], bool] = os.path.isfile,
    ) -> None:
        self.entries: list[E] = list(entries)
        self.moderator = moderator
        self._loader = loader
        self.keys: list[DecisionKey] = [_reference(entry.thread).key(moderator, entry.number) for entry in entries]
        self.sources: list[ThreadSource] = [ThreadSource.of(entry.thread.origin) for entry in entries]
        self._of_source: dict[ThreadSource, list[int]] = {}
        threads: set[tuple[ThreadSource, int]] = set()
        for index, (entry, source) in enumerate(zip(self.entries, self.sources)):
            self._of_source.setdefault(source, []).append(index)
            threads.add((source, entry.thread.origin.index))
        self.thread_count = len(threads)
        self.decided: list[bool] = [False] * len(self.entries)
        self._results: dict[int, Opened | Unloadable] = {}
        # Loads run in a worker thread of the interface: one at a time, so a file is never imported twice at once.
        self._load_lock = threading.Lock()
        self.refresh(effective)
        self._mark_missing_files(file_exists)

    # -- decided -----------------------------------------------------------------------------------------------
    def refresh(self, effective: Mapping[DecisionKey, Entry]) -> None:
        """Read the decided marks again from the log's effective decisions (after a review screen wrote some)."""
        self.decided = [_is_decided(effective.get(key)) for key in self.keys]

    def decided_count(self) -> int:
        return sum(self.decided)

    def next_undecided(self, after: int) -> int | None:
        """The first entry after ``after`` in queue order, wrapping round to the top, that is undecided and not known
        to be unloadable; never ``after`` itself (-1: from the top). None when there is none."""
        count = len(self.entries)
        for index in chain(range(after + 1, count), range(0, min(after, count))):
            if not self.decided[index] and not isinstance(self._results.get(index), Unloadable):
                return index
        return None

    # -- what is known of an entry's thread -------------------------------------------------------------------
    def result(self, index: int) -> Opened | Unloadable | None:
        """What loading entry ``index`` gave, or None while its thread has not been loaded."""
        return self._results.get(index)

    def unloadable_count(self) -> int:
        return sum(1 for result in self._results.values() if isinstance(result, Unloadable))

    def _mark_missing_files(self, file_exists: Callable[[str], bool]) -> None:
        """Entries whose thread file is gone are marked at once (a stat per file), not only when opened."""
        for source, indices in self._of_source.items():
            if source.path is not None and not file_exists(source.path):
                for index in indices:
                    self._results[index] = Unloadable(index, f"{GONE_FILE}: {one_line(source.path)}")

    # -- loading ---------------------------------------------------------------------------------------------
    def open(self, index: int) -> Opened | Unloadable:
        """Entry ``index`` with its thread: loaded now (with every entry of the same file or remote thread) unless
        an earlier load gave it. Safe to call from a worker thread."""
        with self._load_lock:
            known = self._results.get(index)
            if known is not None:
                return known
            self._load(self.sources[index])
            return self._results[index]

    def open_next(self, after: int) -> Opened | None:
        """The next undecided entry after ``after`` (see :meth:`next_undecided`) whose thread loads, opened; entries
        found unloadable on the way are marked and passed over. None when no undecided entry can be opened."""
        while (index := self.next_undecided(after)) is not None:
            result = self.open(index)
            if isinstance(result, Opened):
                return result
            after = index  # marked unloadable now: next_undecided passes it over from here on
        return None

    def _load(self, source: ThreadSource) -> None:
        indices = self._of_source[source]
        try:
            threads = self._loader(source)
        except (ModeratorError, OSError) as error:
            problem = error.message if isinstance(error, ModeratorError) else f"{source.name}: {error}"
            for index in indices:
                self._results[index] = Unloadable(index, one_line(problem))
            return
        # By the thread's index in the file: the thread and its comments by number, or why it is not there. Made
        # once per thread, so the entries of a 10,000-comment thread cost one pass over its comments.
        found: dict[int, tuple[Thread, dict[int, int]] | str] = {}
        for index in indices:
            origin_index = self.entries[index].thread.origin.index
            if origin_index not in found:
                thread = self._thread_in(threads, index, source)
                found[origin_index] = thread if isinstance(thread, str) else (thread, _numbers(thread))
            known = found[origin_index]
            if isinstance(known, str):
                self._results[index] = Unloadable(index, known)
            else:
                self._results[index] = _locate(index, self.entries[index], *known)

    def _thread_in(self, threads: Sequence[Thread], index: int, source: ThreadSource) -> Thread | str:
        """The thread of entry ``index`` among the source's ``threads``: at its position in the file when it is the
        thread the scan saw there, else the one thread with its source and id; else why it cannot be had."""
        entry = self.entries[index]
        wanted = self.keys[index][1:3]  # (source, thread id or title): what the log keys decisions by
        position = entry.thread.origin.index
        if position < len(threads) and _thread_key(threads[position], self.moderator) == wanted:
            return threads[position]
        same = [thread for thread in threads if _thread_key(thread, self.moderator) == wanted]
        if len(same) == 1:
            return same[0]  # the file's threads were reordered since the scan
        name = one_line(str(_reference(entry.thread).name), 80)
        if not same:
            return f"{one_line(source.name)}: no longer holds the thread {name} (the file changed since the scan)"
        return f"{one_line(source.name)}: holds {len(same)} threads named {name}; cannot tell which the scan saw"


def _reference(thread: QueuedThread) -> ThreadRef:
    return ThreadRef(thread.source, thread.id, thread.title, thread.url)


def _thread_key(thread: Thread, moderator: str) -> tuple[str, str]:
    key = ThreadRef.from_thread(thread).key(moderator, None)
    return key.source, key.thread


def _is_decided(decision: Entry | None) -> bool:
    # As ReviewSession and the thread picker count: a skip means "later", not decided.
    return decision is not None and decision.action != Action.SKIP


def _numbers(thread: Thread) -> dict[int, int]:
    """Comment number -> index of the first comment with it (as the review session finds a number)."""
    numbers: dict[int, int] = {}
    for index, comment in enumerate(thread.comments):
        if comment.number is not None:
            numbers.setdefault(comment.number, index)
    return numbers


def _locate(index: int, entry: QueuedComment, thread: Thread, numbers: Mapping[int, int]) -> Opened:
    """Entry ``index`` in its loaded ``thread``: its comment by number (else by position), its text checked."""
    comments = thread.comments
    found: int | None = None
    if entry.number is not None:
        found = numbers.get(entry.number)
    elif entry.position < len(comments):
        found = entry.position
    shown = f"#{entry.number}" if entry.number is not None else f"at position {entry.position}"
    if found is None:
        return Opened(index, thread, None, f"comment {shown} is no longer in this thread (it changed since the scan)")
    if own_text_digest(comments[found].own_text) != entry.own_text_sha256:
        return Opened(index, thread, found, f"comment {shown} changed since the scan: its text is not what was scored")
    return Opened(index, thread, found)
