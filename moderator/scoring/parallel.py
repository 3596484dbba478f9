"""Scoring batches of comments in worker processes, for exports too big to score on one core.

Scoring is pure CPU work in Python and numpy, so threads would not run it in parallel: batches go to processes.
Results come back in the order the batches went out, and only a few batches are in flight at once, so memory stays
that of a few batches, whatever the size of the input. On Linux the workers are forked from the process that
already imported numpy and scikit-learn and loaded (and checked) the model, so a worker costs no start-up; elsewhere
they are spawned and load the model once each.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from moderation_core.errors import WorkerError
from moderation_core.model_inputs import CommentInput

if TYPE_CHECKING:
    from moderator.scoring import Scorer

# Batches in flight per worker: one being scored and one waiting, so a worker never idles while the reader makes
# the next batch, and memory holds at most this many batches per worker.
IN_FLIGHT_PER_WORKER = 2
# One batch's results, as score_comments gives them (kept opaque here: this module only carries them).
Results = list[Any]

_worker_scorer: Scorer | None = None


class BatchScoring:
    """Batches submitted in order and their results taken back in the same order.

    With ``jobs`` 1 each batch is scored here, at once. Otherwise a batch is held until the next one comes: an
    input of one batch (most threads) is then scored here, and a pool of ``jobs`` worker processes is started only
    for an input of two batches or more."""

    def __init__(self, scorer: Scorer, jobs: int, *, with_evidence: bool) -> None:
        self._scorer = scorer
        self._jobs = jobs
        self._with_evidence = with_evidence
        self._pool: ProcessPoolExecutor | None = None
        self._held: list[CommentInput] | None = None
        self._pending: deque[Future[Results] | Results] = deque()

    def __enter__(self) -> BatchScoring:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, inputs: Sequence[CommentInput], *, last: bool = False) -> None:
        """Score ``inputs`` (now, or in a worker); ``last``: no batch comes after it."""
        if self._jobs == 1:
            self._send(inputs)  # no pool: scored here
            return
        if self._held is not None:  # a second batch: worth starting the workers
            if self._pool is None:
                # Every object so far (the model above all) is moved out of the collector's reach while the workers
                # are forked: their collections would otherwise touch, and so copy, every page they share.
                gc.freeze()
                try:
                    self._pool = _pool(self._scorer, self._jobs)
                    self._send(self._held)  # the first submission forks the workers
                finally:
                    gc.unfreeze()
            else:
                self._send(self._held)
            self._held = None
        if last:
            self._send(inputs)
        else:
            self._held = list(inputs)

    def finished(self) -> Iterator[Results]:
        """Results of the leading batches that are done, and of more when too many are in flight (waiting for
        them: the reader must not run ahead of the workers without bound)."""
        most = self._jobs * IN_FLIGHT_PER_WORKER
        while self._pending and (len(self._pending) > most or _done(self._pending[0])):
            yield _result(self._pending.popleft())

    def remaining(self) -> Iterator[Results]:
        """Results of every batch still pending, in order."""
        if self._held is not None:
            self._send(self._held)
            self._held = None
        while self._pending:
            yield _result(self._pending.popleft())

    def _send(self, inputs: Sequence[CommentInput]) -> None:
        if self._pool is None:
            self._pending.append(_score(self._scorer, inputs, self._with_evidence))
        else:
            self._pending.append(self._pool.submit(_score_in_worker, list(inputs), self._with_evidence))


def _done(pending: Future[Results] | Results) -> bool:
    return not isinstance(pending, Future) or pending.done()


def _result(pending: Future[Results] | Results) -> Results:
    if not isinstance(pending, Future):
        return pending
    try:
        return pending.result()
    except BrokenProcessPool:
        raise WorkerError(
            "a worker process scoring this file stopped before it finished (killed, or out of memory); "
            "nothing after the threads already written was scored: run again, with --jobs 1 to use one process"
        ) from None


def _pool(scorer: Scorer, jobs: int) -> ProcessPoolExecutor:
    # fork: the workers share the parent's imported modules and loaded model (copy-on-write). It is the default
    # on Linux up to Python 3.13 and safe here (no lock is held by another thread of this process when it forks);
    # elsewhere (macOS, Windows) fork is unsafe or absent, and workers are spawned.
    method = "fork" if sys.platform == "linux" else "spawn"
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(scorer,))


def _start_worker(scorer: Scorer) -> None:
    global _worker_scorer
    _worker_scorer = scorer


def _score_in_worker(inputs: list[CommentInput], with_evidence: bool) -> Results:
    assert _worker_scorer is not None, "a worker scores only after _start_worker"
    return _score(_worker_scorer, inputs, with_evidence)


def _score(scorer: Scorer, inputs: Sequence[CommentInput], with_evidence: bool) -> Results:
    from moderator.scoring import score_comments  # imported already: this module is imported from there

    return score_comments(scorer, inputs, with_evidence=with_evidence)
