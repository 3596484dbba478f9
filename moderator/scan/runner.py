"""Scanning many threads: load and score them in worker processes (joblib's loky backend), or on a Dask cluster
through joblib's Dask backend, and gather every flagged or marked comment into one triage queue.

Work goes out in *tasks* of several sources each (up to :data:`MOST_SOURCES_PER_TASK` files, or
:data:`DASK_MOST_SOURCES_PER_TASK` on a Dask cluster, or the threads of about :data:`TASK_COMMENTS` comments of a
large archive): a task is one round trip to a worker, so the cost of
sending work and results is paid per task, not per thread. A worker loads the files of its task itself (importing
is a third of the work), scores all their threads together (:func:`moderator.scoring.score_threads`: one model
pass for the whole task) and sends back only the queue entries and counts. Results come back in the order the
tasks went out, at most two tasks per worker in flight, so memory stays that of a few tasks.

The model is loaded once per worker process: a local worker loads it from the scan's model folder the first time
it is asked to (:func:`_cached_scorer`, a cache keyed by folder and model id) and keeps it for every later task; on
Dask the model file this process read and checked (:class:`_ShippedModel`) is scattered to every worker once and
unpickled there on the first task, so the cluster's machines need neither the model folder nor this user's model
trust store, and this process never imports scikit-learn. While a task runs, large arrays come from the heap even on
a Dask worker (:mod:`moderator.scan.allocator`). Thread files must be readable at the same path on the
Dask workers (a shared file system), as they are read there.

Sources are *loaders*: picklable callables returning threads (:class:`ThreadLoader`), run where the task runs, or
read here when they say so (``read_here``), their threads then sent in parts as :class:`LoadedThreads`.
:class:`FileLoader` imports a file: in a worker, or here for a large archive (streamed) and for a thread fetched
from a tracker (the CLI fetches it into the per-user cache, with credentials that never leave this machine).
:class:`FailedSource` stands for a source that failed before the scan (a fetch). A source that cannot be imported
stops the scan with its one-line error, and nothing is written; with ``keep_going`` it is listed instead (the
queue's header names it).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from classifiers.artifact import ModelFile, inspect_model, require_taxonomy, require_trusted
from classifiers.card import read_card
from moderation_core.errors import (
    ModelError,
    ModeratorError,
    NoThreadError,
    SourceError,
    UnrecognisedFormatError,
    UsageError,
    WorkerError,
)
from moderation_core.taxonomy import Taxonomy, load_taxonomy
from moderation_core.thread import Thread
from moderator.modelstore import model_id_of
from moderator.scan.allocator import large_allocations_from_heap
from moderator.scan.queue import (
    Failure,
    QueueEntry,
    QueueHeader,
    ThreadOrigin,
    now_text,
    queue_entries,
    sorted_entries,
)
from moderator.sources import load_threads
from moderator.sources.stream import iter_threads

if TYPE_CHECKING:  # numpy and scikit-learn: imported where a model is loaded, not to plan and gather the work
    import distributed

    from moderator.scoring import Scorer

# The names of the files a folder scan imports: what the importers read. Anything else in a folder is skipped, and
# said (name a file on its own to import it whatever its name).
THREAD_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".yaml", ".yml", ".mbox", ".eml", ".txt")
# A file found in a folder that is data of its kind but holds no thread (other JSON, YAML or CSV, an empty file:
# the importers' NoThreadError) is skipped, and said; so is a .txt file of no thread format (UnrecognisedFormatError:
# plain text is a thread only as a Bugzilla page copy or a mail). A file that does not even parse as its kind (a
# .json file of HTML, a cut-off export) is a broken thread file: it stops the scan.
NOTES_SUFFIX = ".txt"

# Files per task, at most: a task of small threads takes a fraction of a second, so sending it costs little.
MOST_SOURCES_PER_TASK = 64
# Files per task on a Dask cluster, at most: a task costs the scheduler and the worker's event loop a few
# milliseconds of CPU besides the scoring, which on a small cluster takes it from the scoring. In one pair of runs,
# 20,000 threads on a 2-worker LocalCluster took 44.9 s in tasks of 256 files and 51.6 s in tasks of 64, and the
# time a task waited beside its scoring went from 23% to 14%. A task of 256 small threads takes about a second,
# still short next to a scan of a cluster's size.
DASK_MOST_SOURCES_PER_TASK = 256
# Tasks per worker, at least, when there are enough sources: the last tasks then end close together.
TASKS_PER_WORKER = 4
# A file larger than this is read here, streamed (moderator.sources.stream), and its threads are sent to the
# workers in tasks of about TASK_COMMENTS comments: one archive of many threads is scored on every worker.
ARCHIVE_BYTES = 4 << 20
TASK_COMMENTS = 4000
# Seconds to wait for a Dask scheduler to answer, and for a worker to join it.
DASK_CONNECT_SECONDS = 15


class ThreadLoader(Protocol):
    """Where threads come from: called where its task runs (a worker process, a Dask worker), so it must pickle
    (a module-level class holding plain data)."""

    @property
    def name(self) -> str:
        """The source as a moderator named it: in errors and in the lists of failures and skipped files."""
        ...

    def __call__(self) -> Sequence[Thread]:
        """The threads; a ModeratorError (one line naming the source) when they cannot be had."""
        ...

    def origin(self, index: int) -> ThreadOrigin:
        """Where thread ``index`` of what the call returned is loaded from again (for the queue)."""
        ...

    @property
    def read_here(self) -> bool:
        """True: run in this process, not in a worker (a large archive, streamed here; a thread fetched with this
        user's credentials, which never leave this machine); its threads go to the workers in parts."""
        ...

    def threads_here(self) -> Iterator[Thread]:
        """The threads, one at a time, for a loader read here (the whole source is checked before the first)."""
        ...


class NotAThreadFile(ModeratorError):
    """A file found in a folder that holds no thread at all: skipped, and said."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason

    def __reduce__(self) -> tuple[object, ...]:
        return (NotAThreadFile, (self.name, self.reason))


class ThreadSourceError(ModeratorError):
    """A source of the scan that could not be imported: the importer's own one-line message."""

    title = "Cannot import thread"


class ClusterError(ModeratorError):
    """The Dask cluster named with ``--dask`` cannot be used (no scheduler there, no worker, dask missing)."""

    title = "Dask cluster"


@dataclass(frozen=True, slots=True)
class FileLoader:
    """A thread file: imported with ``moderator.sources`` (``format`` None: detected from the content).
    ``in_folder``: found by walking a folder, where a file holding no thread is skipped rather than an error.
    ``remote``: the file is a thread fetched from a tracker (the source as typed, and ``server``): the queue names
    that source, and the file is read here (it lies in this user's cache folder, which a cluster may not see)."""

    path: str
    format: str | None = None
    in_folder: bool = False
    remote: str | None = None
    server: str | None = None

    @property
    def name(self) -> str:
        return self.remote if self.remote is not None else self.path

    def __call__(self) -> list[Thread]:
        try:
            return load_threads(self.path, self.format)
        except SourceError as error:
            raise self._not_a_thread(error) or error from None

    def origin(self, index: int) -> ThreadOrigin:
        if self.remote is not None:
            return ThreadOrigin(remote=self.remote, server=self.server)
        return ThreadOrigin(path=os.path.abspath(self.path), format=self.format, index=index)

    @property
    def read_here(self) -> bool:
        """A fetched thread, or a large file (an archive of many threads): read here and scored in parts on every
        worker."""
        if self.remote is not None:
            return True
        try:
            return os.stat(self.path).st_size > ARCHIVE_BYTES
        except OSError:
            return False  # importing it says what is wrong with it

    def threads_here(self) -> Iterator[Thread]:
        """The file's threads one at a time (a JSONL file streamed: one thread in memory at a time)."""
        try:
            return iter_threads(self.path, self.format)
        except SourceError as error:
            raise self._not_a_thread(error) or error from None

    def _not_a_thread(self, error: SourceError) -> NotAThreadFile | None:
        if not self.in_folder:
            return None
        if isinstance(error, NoThreadError) or (
            isinstance(error, UnrecognisedFormatError) and self.path.lower().endswith(NOTES_SUFFIX)
        ):
            return NotAThreadFile(self.path, error.problem)
        return None


@dataclass(frozen=True, slots=True)
class LoadedThreads:
    """Threads read already (a part of an archive, threads fetched from a tracker), with where each came from."""

    name: str
    threads: tuple[Thread, ...]
    origins: tuple[ThreadOrigin, ...]

    def __call__(self) -> tuple[Thread, ...]:
        return self.threads

    def origin(self, index: int) -> ThreadOrigin:
        return self.origins[index]

    @property
    def read_here(self) -> bool:
        return False

    def threads_here(self) -> Iterator[Thread]:
        return iter(self.threads)


@dataclass(frozen=True, slots=True)
class FailedSource:
    """A source that failed before the scan (a thread that could not be fetched), kept in the order of the sources:
    the scan reports it where it stands, as it reports a file that cannot be imported."""

    name: str
    error: str

    def __call__(self) -> tuple[Thread, ...]:
        raise ThreadSourceError(self.error)

    def origin(self, index: int) -> ThreadOrigin:
        raise IndexError(index)  # it gives no thread

    @property
    def read_here(self) -> bool:
        return True

    def threads_here(self) -> Iterator[Thread]:
        raise ThreadSourceError(self.error)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file a folder scan did not import, and why."""

    path: str
    reason: str


@dataclass(slots=True)
class FileSources:
    """The loaders of the files named and found in the folders named, and the files skipped."""

    loaders: list[FileLoader] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def file_sources(paths: Iterable[str], format: str | None = None) -> FileSources:
    """A loader per file named and per thread file in the folders named (walked in name order; hidden files and
    folders are passed over, links to folders are not followed). A file is scanned once however often named."""
    sources = FileSources()
    seen: set[str] = set()

    def add(path: str, in_folder: bool) -> None:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            sources.loaders.append(FileLoader(path, format, in_folder))

    for path in paths:
        if os.path.isdir(path):
            for found, in_folder_skip in _walk(path):
                if in_folder_skip is None:
                    add(found, True)
                else:
                    sources.skipped.append(Skipped(found, in_folder_skip))
        elif os.path.lexists(path):
            add(path, False)  # a file named, whatever its name or kind: importing it says what is wrong
        else:
            raise SourceError(path, "no such file or folder")
    return sources


def _walk(folder: str) -> Iterator[tuple[str, str | None]]:
    """(path, None) for each thread file under ``folder``, (path, why) for each other entry; name order."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        raise SourceError(folder, f"cannot read the folder: {error.strerror or type(error).__name__}") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue  # .git, editor and system files: never threads, and too many to list
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path)
        elif entry.is_dir():
            yield entry.path, "a link to a folder (not followed)"
        elif not entry.is_file():
            yield entry.path, "not a regular file"
        elif not entry.name.lower().endswith(THREAD_SUFFIXES):
            yield entry.path, f"not a thread file by its name (scanned: {', '.join(THREAD_SUFFIXES)})"
        else:
            yield entry.path, None


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """How far a scan is: threads and comments scored, sources finished of all, seconds since it started."""

    threads: int
    comments: int
    sources_done: int
    sources_total: int
    elapsed: float


@dataclass(slots=True)
class ScanResult:
    """A finished scan: the queue's header and entries (sorted), the folder files skipped and, with keep_going,
    the sources that could not be imported."""

    header: QueueHeader
    entries: list[QueueEntry]
    skipped: list[Skipped]
    failures: list[Failure]


@dataclass(frozen=True, slots=True)
class _Task:
    """Work for one worker: loaders to run and score. ``sources``: sources this task finishes (an archive counts
    once, in its last part). ``failures`` and ``skipped``: found here, while planning (an archive read here)."""

    loaders: tuple[ThreadLoader, ...]
    sources: int
    failures: tuple[Failure, ...] = ()
    skipped: tuple[Skipped, ...] = ()


@dataclass(slots=True)
class _TaskResult:
    entries: list[QueueEntry] = field(default_factory=list)
    threads: int = 0
    comments: int = 0
    sources: int = 0
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _ModelRef:
    """How a local worker finds the scan's model: its folder, and the id it must have."""

    folder: str
    model_id: str


def scan(
    loaders: Sequence[ThreadLoader],
    model: Scorer | Path,
    *,
    jobs: int = 1,
    dask_address: str | None = None,
    keep_going: bool = False,
    progress: Callable[[ScanProgress], None] | None = None,
) -> ScanResult:
    """Load and score every thread of ``loaders``; the flagged and marked comments as a sorted queue.

    ``model``: a loaded scorer, or the model folder to load (``moderator.modelstore.model_in_use``). ``jobs`` worker
    processes (1: here, in this process), or the workers of the Dask scheduler at ``dask_address``. ``progress`` is
    called after each finished task. A source that cannot be imported raises a :class:`ThreadSourceError` with its
    message (nothing of the scan is returned), or with ``keep_going`` is listed in the result's failures and the
    queue header."""
    if jobs < 1:
        raise UsageError(f"jobs must be at least 1, not {jobs}")
    started = time.monotonic()
    if dask_address is not None:
        _check_dask_address(dask_address)  # before the model is read: a typo is said at once
        with _dask_client(dask_address) as client:
            threads = client.ncores()  # type: ignore[no-untyped-call]  # each worker's address and its threads
            _import_scoring_on_every_worker(client, threads)  # while the model is read here, not once it reaches them
            shipped = _shipped_model(model)  # checked here, once; unpickled on each worker
            per_task = _sources_per_task(len(loaders), max(1, sum(threads.values())), DASK_MOST_SOURCES_PER_TASK)
            tasks = _tasks(loaders, per_task)
            results = _on_dask(client, dask_address, shipped, tasks, keep_going)
            return _gathered(results, shipped.model_id, len(loaders), started, keep_going, progress)
    if jobs == 1:
        scorer = _loaded(model)
        model_id = scorer.model_id
        results = _local(1, scorer, _tasks(loaders, _sources_per_task(len(loaders), 1)), keep_going)
    else:
        # Workers load the model themselves: this process never imports scikit-learn, so they start at once.
        reference = _model_reference(model)
        model_id = reference.model_id
        results = _local(jobs, reference, _tasks(loaders, _sources_per_task(len(loaders), jobs)), keep_going)
    return _gathered(results, model_id, len(loaders), started, keep_going, progress)


def _gathered(
    results: Generator[_TaskResult],
    model_id: str,
    sources: int,
    started: float,
    keep_going: bool,
    progress: Callable[[ScanProgress], None] | None,
) -> ScanResult:
    """The tasks' results, as they come, into one sorted queue; a failure stops the scan unless ``keep_going``."""
    result = ScanResult(QueueHeader(model_id, "", 0, 0, 0), [], [], [])
    counts = _TaskResult()
    with closing(results):  # stopping early cancels the tasks not started
        for done in results:
            result.entries.extend(done.entries)
            result.skipped.extend(done.skipped)
            result.failures.extend(done.failures)
            counts.threads += done.threads
            counts.comments += done.comments
            counts.sources += done.sources
            if done.failures and not keep_going:
                raise ThreadSourceError(done.failures[0].error)
            if progress is not None:
                elapsed = time.monotonic() - started
                progress(ScanProgress(counts.threads, counts.comments, counts.sources, sources, elapsed))
    result.entries = sorted_entries(result.entries)
    result.header = QueueHeader(
        model_id, now_text(), counts.threads, counts.comments, len(result.entries), tuple(result.failures)
    )
    return result


def _loaded(model: Scorer | Path) -> Scorer:
    if isinstance(model, Path):
        from moderator.scoring import load_scorer

        return load_scorer(model)
    return model


def _model_reference(model: Scorer | Path) -> _ModelRef:
    """The folder workers load the model from, and the id it must have (read from its card: the same id
    ``Scorer.model_id`` gives, which every worker checks against the model it loads)."""
    if not isinstance(model, Path):
        if model.model_dir is None:
            raise UsageError("scanning in worker processes needs a model loaded from a folder")
        return _ModelRef(str(model.model_dir), model.model_id)
    return _ModelRef(str(model), model_id_of(read_card(model)))


class _ShippedModel:
    """The model's file as this process read and checked it (the card, the sha256, this user's trust), sent to every
    Dask worker once: the cluster's machines need neither the model folder nor the trust store, and this process
    need not import scikit-learn. A worker unpickles it on its first task, after checking its own libraries against
    the card (``classifiers.persist.unpickle_checked``), and keeps the scorer on this object, which Dask drops when
    the scan ends: a long-lived cluster does not keep the model."""

    def __init__(self, model_file: ModelFile, taxonomy: Taxonomy, model_id: str) -> None:
        self.model_file, self.taxonomy, self.model_id = model_file, taxonomy, model_id
        self._scorer: Scorer | None = None
        self._lock = threading.Lock()  # a worker may run tasks in several threads

    def __reduce__(self) -> tuple[object, ...]:  # the file and taxonomy travel; the unpickled scorer never does
        return (_ShippedModel, (self.model_file, self.taxonomy, self.model_id))

    def scorer(self) -> Scorer:
        with self._lock:
            if self._scorer is None:
                from classifiers.persist import unpickle_checked
                from moderator.scoring import Scorer

                model = unpickle_checked(self.model_file, self.taxonomy)
                self._scorer = Scorer(model, self.model_file.card, self.taxonomy, None)
            return self._scorer


def _shipped_model(model: Scorer | Path) -> _ShippedModel:
    """The model of ``model`` (its folder, or the folder a loaded scorer came from) read and checked for shipping:
    the card, the artifact's sha256 against it, this user's trust, and the taxonomy in use."""
    if isinstance(model, Path):
        folder = model
    elif model.model_dir is not None:
        folder = model.model_dir
    else:
        raise UsageError("scanning on a Dask cluster needs a model loaded from a folder")
    model_file = inspect_model(folder)
    require_trusted(model_file)
    taxonomy = load_taxonomy()
    require_taxonomy(model_file, taxonomy)
    model_id = model_id_of(model_file.card)
    if not isinstance(model, Path) and model_id != model.model_id:
        raise ModelError(f"{folder}: the model folder changed after the model was loaded (now {model_id})")
    return _ShippedModel(model_file, taxonomy, model_id)


def _sources_per_task(sources: int, workers: int, most: int = MOST_SOURCES_PER_TASK) -> int:
    return max(1, min(most, math.ceil(sources / (workers * TASKS_PER_WORKER))))


def _tasks(loaders: Iterable[ThreadLoader], per_task: int) -> Iterator[_Task]:
    """The tasks, in the loaders' order. A large file is read here, as it comes, into tasks of its own parts;
    its error (it cannot be read) becomes a task carrying the failure, so that it is reported in order."""
    batch: list[ThreadLoader] = []
    for loader in loaders:
        if loader.read_here:
            if batch:
                yield _Task(tuple(batch), len(batch))
                batch = []
            yield from _tasks_read_here(loader)
            continue
        batch.append(loader)
        if len(batch) >= per_task:
            yield _Task(tuple(batch), len(batch))
            batch = []
    if batch:
        yield _Task(tuple(batch), len(batch))


def _tasks_read_here(loader: ThreadLoader) -> Iterator[_Task]:
    """The threads of a loader read here, in tasks of about TASK_COMMENTS comments; the last one finishes the
    source. Its error becomes a task carrying it (reported in order, like a worker's)."""
    previous: LoadedThreads | None = None
    try:
        for part in _parts(loader):
            if previous is not None:
                yield _Task((previous,), 0)
            previous = part
    except NotAThreadFile as skipped:
        yield _Task((), 1, skipped=(Skipped(loader.name, skipped.reason),))
        return
    except ModeratorError as error:
        yield _Task((), 1, failures=(Failure(loader.name, error.message),))
        return
    yield _Task((previous,) if previous is not None else (), 1)


def _parts(loader: ThreadLoader) -> Iterator[LoadedThreads]:
    part: list[Thread] = []
    first = comments = 0
    for index, thread in enumerate(loader.threads_here()):
        part.append(thread)
        comments += len(thread.comments)
        if comments >= TASK_COMMENTS:
            yield _part(loader, first, part)
            part, first, comments = [], index + 1, 0
    if part:
        yield _part(loader, first, part)


def _part(loader: ThreadLoader, first: int, threads: list[Thread]) -> LoadedThreads:
    origins = tuple(loader.origin(first + offset) for offset in range(len(threads)))
    return LoadedThreads(loader.name, tuple(threads), origins)


def _local(jobs: int, model: Scorer | _ModelRef, tasks: Iterator[_Task], keep_going: bool) -> Generator[_TaskResult]:
    """The tasks' results from ``jobs`` loky worker processes (or here, for 1), in order."""
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator", batch_size=1, pre_dispatch="2*n_jobs")
    results = parallel(delayed(_run_task)(model, task, keep_going) for task in tasks)
    try:
        yield from results
    except BrokenProcessPool:
        raise WorkerError(
            "a worker process of the scan stopped before it finished (killed, or out of memory); no queue was "
            "written: run again, with --jobs 1 to use one process"
        ) from None
    finally:
        results.close()


@contextmanager
def _dask_client(address: str) -> Iterator[distributed.Client]:
    """A client of the Dask scheduler at ``address``, closed when the scan ends."""
    import distributed  # checked by _check_dask_address

    try:
        client = distributed.Client(address, timeout=DASK_CONNECT_SECONDS, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot connect to a Dask scheduler at {address}: {_first_line(error)}") from None
    with client:
        yield client


def _import_scoring_on_every_worker(client: distributed.Client, workers: Iterable[str]) -> None:
    """Have every worker import the scoring code (scikit-learn, numpy, SciPy) in a task of its own, now. Unpickling
    the scattered scorer imports it too, but on one worker after another, and with both on each worker's event loop
    a fresh 2-worker cluster waited 4.6 s for the scatter against 2.4 s when warmed up first. The tasks run
    in the workers' threads, and nobody waits for them (fire and forget: a worker that fails to import says it when
    the scorer reaches it)."""
    import distributed

    for worker in workers:
        future = client.submit(_import_scoring, workers=[worker], allow_other_workers=False, pure=False)
        distributed.fire_and_forget(future)  # type: ignore[no-untyped-call]


def _import_scoring() -> None:
    import moderator.scoring  # noqa: F401 (the import is the point: numpy, SciPy and scikit-learn with it)


def _on_dask(
    client: distributed.Client, address: str, model: _ShippedModel, tasks: Iterator[_Task], keep_going: bool
) -> Generator[_TaskResult]:
    """The tasks' results from the workers of the Dask scheduler at ``address``, through joblib's Dask backend, in
    order. The model is scattered to every worker once (joblib replaces the argument by its Dask future)."""
    import distributed
    from joblib import Parallel, delayed, parallel_config

    try:
        with parallel_config(
            backend="dask", client=client, scatter=[model], wait_for_workers_timeout=DASK_CONNECT_SECONDS
        ):
            parallel = Parallel(n_jobs=-1, return_as="generator", batch_size=1, pre_dispatch="2*n_jobs")
            results = parallel(delayed(_run_task)(model, task, keep_going) for task in tasks)
            with closing(results):
                yield from results
    except TimeoutError as error:
        raise ClusterError(f"Dask scheduler at {address}: {_first_line(error)}") from None
    except distributed.KilledWorker:
        raise WorkerError(
            f"a worker of the Dask cluster at {address} died while scanning (killed, or out of memory); no "
            "queue was written"
        ) from None


def _check_dask_address(address: str) -> None:
    """Refuse an address that is no scheduler address before a client is made of it: a client half made from one
    hangs the process's exit for half a minute."""
    try:
        from distributed.comm.addressing import get_address_host_port, parse_address  # optional: the dask extra
    except ImportError:
        raise ClusterError(
            "--dask needs Dask's distributed scheduler, which is not installed: pip install 'moderator[dask]'"
        ) from None
    try:
        scheme, _ = parse_address(address)
        if scheme not in ("inproc", "ucx"):  # the others are HOST:PORT
            get_address_host_port(address)
    except ValueError as error:
        raise ClusterError(
            f"{address}: not a Dask scheduler address ({_first_line(error)}); give it as tcp://HOST:PORT"
        ) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


# The scorers a worker process has loaded, by model folder and id: the model is loaded once per worker, on its
# first task, and kept for all the others. A lock: a Dask worker may run tasks in several threads of one process.
_scorers: dict[tuple[str, str], Scorer] = {}
_scorers_lock = threading.Lock()


def _cached_scorer(model: _ModelRef) -> Scorer:
    key = (model.folder, model.model_id)
    with _scorers_lock:
        scorer = _scorers.get(key)
        if scorer is None:
            from moderator.scoring import load_scorer

            scorer = load_scorer(model.folder)
            if scorer.model_id != model.model_id:
                raise ModelError(
                    f"{model.folder}: a worker loaded model {scorer.model_id}, not {model.model_id} which the scan "
                    "started with (the model folder changed during the scan); no queue was written"
                )
            _scorers[key] = scorer
    return scorer


def _run_task(model: Scorer | _ModelRef | _ShippedModel, task: _Task, keep_going: bool) -> _TaskResult:
    """Run in a worker: load the task's threads, score them together, keep their flagged and marked comments. Large
    arrays come from the heap meanwhile, even on a Dask worker (see moderator.scan.allocator)."""
    with large_allocations_from_heap().during_task():
        return _loaded_and_scored(model, task, keep_going)


def _loaded_and_scored(model: Scorer | _ModelRef | _ShippedModel, task: _Task, keep_going: bool) -> _TaskResult:
    result = _TaskResult(sources=task.sources, failures=list(task.failures), skipped=list(task.skipped))
    if result.failures and not keep_going:
        return result
    loaded: list[tuple[Thread, ThreadOrigin]] = []
    for loader in task.loaders:
        try:
            threads = loader()
        except NotAThreadFile as skipped:
            result.skipped.append(Skipped(loader.name, skipped.reason))
            continue
        except ModeratorError as error:
            result.failures.append(Failure(loader.name, error.message))
            if not keep_going:
                return result  # the scan stops here: scoring the rest would be wasted
            continue
        loaded.extend((thread, loader.origin(index)) for index, thread in enumerate(threads))
    from moderator.scoring import score_threads

    if isinstance(model, _ModelRef):
        scorer = _cached_scorer(model)
    elif isinstance(model, _ShippedModel):
        scorer = model.scorer()
    else:
        scorer = model
    origins = (origin for _, origin in loaded)
    for (thread, scores), origin in zip(score_threads(scorer, (thread for thread, _ in loaded)), origins):
        result.threads += 1
        result.comments += len(scores)
        result.entries.extend(queue_entries(thread, origin, scores))
    return result


__all__ = [
    "ClusterError",
    "FailedSource",
    "FileLoader",
    "FileSources",
    "LoadedThreads",
    "NotAThreadFile",
    "ScanProgress",
    "ScanResult",
    "Skipped",
    "ThreadLoader",
    "ThreadSourceError",
    "file_sources",
    "scan",
]
