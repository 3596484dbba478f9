"""``moderator scan``: score many threads into one triage queue (:mod:`moderator.scan`)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.textsafe import one_line
from moderator import config
from moderator.cli.options import Formatter, add_model_argument
from moderator.cli.output import write_chunks
from moderator.cli.remote import SERVER_HELP
from moderator.sources import FORMATS

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from moderator.cli.options import Subcommands
    from moderator.scan.runner import ScanProgress, ScanResult, Skipped, ThreadLoader

# Skipped files named one per line, at most this many (a folder of thousands of other files must not bury the rest).
_MOST_SKIPPED_SHOWN = 10


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "scan",
        formatter_class=Formatter,
        help="score many threads into one triage queue of the comments to look at",
        description="Score every comment of many threads and write a triage queue: one JSON line per comment\n"
        "that is flagged or marked for review, across all threads, most concerning first, with its thread,\n"
        "author, concern, flags, suggested labels and evidence sentence ('moderator review --queue-file'\n"
        "walks it). SOURCE: thread files of any format, archives of many threads (JSONL, mbox), or folders,\n"
        "walked for files named " + ", ".join(f"*{suffix}" for suffix in _suffixes()) + "\n"
        "(other files are skipped and listed, and so are files that hold no thread: JSON, YAML or CSV of\n"
        "another kind, text that is no page copy). A thread file that cannot be imported stops the scan\n"
        "with its error and no queue is written; --keep-going lists it instead (in the queue's header too)\n"
        "and exits with status 2 after writing the queue.\n"
        "\n"
        "Threads are loaded and scored in --jobs worker processes (the model loaded once per worker), or on a\n"
        "Dask cluster with --dask (pip install 'moderator[dask]'; thread files must be readable at the same\n"
        "paths on its workers). A progress bar on standard error shows sources done, threads, comments/s\n"
        "and the time left.",
        epilog="examples:\n"
        "  moderator scan threads/ -o queue.jsonl                 # every thread file under threads/\n"
        "  moderator scan export.jsonl list.mbox --jobs 4 > queue.jsonl\n"
        "  moderator scan threads/ --dask tcp://scheduler:8786 -o queue.jsonl\n"
        "  moderator scan threads/ --keep-going -o queue.jsonl    # list broken files, scan the rest\n"
        "  moderator scan threads/ | jq -r 'select(.concern > 0.9) | .thread.url'\n"
        "  moderator scan --bugzilla-query 'product=NSS&component=Libraries' -o nss.jsonl\n"
        "  moderator scan --github-repo octo/widgets --since 2026-11-01 -o widgets.jsonl\n"
        "  moderator scan bugzilla:1900001 octo/widgets#42 threads/\n"
        "  moderator review --queue-file queue.jsonl\n",
    )
    parser.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="thread file, archive of threads, or folder of thread files"
    )
    parser.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        metavar="F",
        help=f"format of every file, detected from each file's content when omitted: {', '.join(FORMATS)}",
    )
    parser.add_argument(
        "--output", "-o", metavar="QUEUE.jsonl", help="write the queue to this file (default: standard output)"
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help=f"worker processes (default: ${config.JOBS_ENV}, else the number of CPUs, at most "
        f"{config.MOST_DEFAULT_JOBS}); 1 scans in this process",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://10.0.0.5:8786) instead of local "
        "worker processes",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="list the files that cannot be imported and scan the rest (exit status 2 all the same)",
    )
    trackers = parser.add_argument_group(
        "threads on trackers",
        "A SOURCE may also name a tracker's thread (a Bugzilla bug URL or bugzilla:ID, a GitHub issue or pull\n"
        "request URL or OWNER/REPO#N), fetched first into the per-user cache (see 'moderator fetch'), after\n"
        "the files; so are the threads a search or a repository lists. Keys: $BUGZILLA_API_KEY, $GITHUB_TOKEN.",
    )
    trackers.add_argument(
        "--bugzilla-query",
        metavar="QUERY",
        help="scan the bugs a Bugzilla search finds: its query string, as in a buglist URL "
        "('product=NSS&component=Libraries')",
    )
    trackers.add_argument(
        "--github-repo", metavar="OWNER/REPO", help="scan the issues and pull requests of a repository"
    )
    trackers.add_argument(
        "--since", metavar="DATE", help="with --github-repo: only those updated since DATE (YYYY-MM-DD or ISO 8601)"
    )
    trackers.add_argument("--server", metavar="URL", help=SERVER_HELP)
    add_model_argument(parser)
    parser.set_defaults(handler=run)


def _suffixes() -> tuple[str, ...]:
    # The runner's list, without importing it (and joblib) to draw the help.
    return (".json", ".jsonl", ".ndjson", ".csv", ".yaml", ".yml", ".mbox", ".eml", ".txt")


def run(args: argparse.Namespace) -> int:
    from moderator.modelstore import model_in_use
    from moderator.scan.queue import queue_lines, write_queue
    from moderator.scan.runner import file_sources, scan

    if args.dask is not None and args.jobs is not None:
        raise UsageError(
            "--jobs and --dask: choose one (a Dask cluster runs as many tasks as its workers have threads)"
        )
    jobs = config.jobs(args.jobs) if args.dask is None else 1
    if not args.sources and args.bugzilla_query is None and args.github_repo is None:
        raise UsageError("scan: name at least one SOURCE (a thread file, an archive, a folder or a tracker's thread)")
    if args.since is not None and args.github_repo is None:
        raise UsageError("--since goes with --github-repo (the issues updated since that date)")
    if args.server is not None and args.bugzilla_query is not None and args.github_repo is not None:
        raise UsageError("--server names one tracker: scan a Bugzilla search and a GitHub repository in two runs")
    output = _checked_output(args.output)
    local = [source for source in args.sources if not _is_remote(source)]
    sources = file_sources(local, args.format)
    loaders: list[ThreadLoader] = [*sources.loaders, *_fetched(args, _remote_sources(args))]
    started = time.monotonic()
    with _Progress(len(loaders)) as progress:
        result = scan(
            loaders,
            model_in_use(args.model),
            jobs=jobs,
            dask_address=args.dask,
            keep_going=args.keep_going,
            progress=progress.update,
        )
    elapsed = time.monotonic() - started
    _say_skipped([*sources.skipped, *result.skipped])
    if output is None:
        write_chunks(queue_lines(result.header, result.entries))
    else:
        write_queue(output, result.header, result.entries)
    if not loaders:
        _say("found no thread file to scan in the sources named: the queue is empty")
    _say_done(result, elapsed, output)
    for failure in result.failures:
        _say(f"not scanned: {failure.error}")
    return 2 if result.failures else 0


def _is_remote(source: str) -> bool:
    """A SOURCE form of a tracker's thread (an existing file or folder of that name is always read as one)."""
    from moderator.net.trackers import looks_like_remote

    return not os.path.lexists(source) and looks_like_remote(source)


def _remote_sources(args: argparse.Namespace) -> list[str]:
    """The trackers' threads to scan: those named as SOURCE, then those a Bugzilla search or a repository lists."""
    remote = [source for source in args.sources if _is_remote(source)]
    if args.bugzilla_query is None and args.github_repo is None:
        return remote
    from moderator.cli.remote import http_cache_dir
    from moderator.net.fetch import FetchSettings, list_github_issues, search_bugzilla

    settings = FetchSettings(cache_dir=http_cache_dir(), on_wait=_say_wait)
    if args.bugzilla_query is not None:
        remote += [f"bugzilla:{bug}" for bug in search_bugzilla(args.server, args.bugzilla_query, settings=settings)]
    if args.github_repo is not None:
        numbers = list_github_issues(args.github_repo, args.since, server=args.server, settings=settings)
        remote += [f"{args.github_repo}#{number}" for number in numbers]
    return remote


def _fetched(args: argparse.Namespace, remote: list[str]) -> list[ThreadLoader]:
    """Each thread of ``remote`` fetched here (conditionally, through the per-user cache: credentials never leave
    this machine) into the per-user cache folder, as a loader that names the source. A thread that cannot be fetched
    stops the scan before anything is scored, or with --keep-going is listed where it stands."""
    if not remote:
        return []
    from moderation_core.errors import ModeratorError
    from moderator.cli.remote import check_imports, http_cache_dir, keep_fetched
    from moderator.net.fetch import FetchSettings, fetch_thread
    from moderator.net.trackers import parse_source
    from moderator.scan.runner import FailedSource, FileLoader

    settings = FetchSettings(cache_dir=http_cache_dir(), on_wait=_say_wait)
    loaders: list[ThreadLoader] = []
    with _Progress(len(remote), "fetching") as progress:
        for done, source in enumerate(remote, start=1):
            try:
                fetched = fetch_thread(parse_source(source, server=args.server), settings=settings)
                check_imports(fetched)
                path = keep_fetched(fetched)
            except ModeratorError as error:
                if not args.keep_going:
                    raise
                loaders.append(FailedSource(source, error.message))
            else:
                loaders.append(FileLoader(str(path), fetched.format, remote=source, server=args.server))
            progress.advance(done)
    return loaders


def _say_wait(seconds: float, message: str) -> None:
    """A rate-limit wait, said once as it starts (the progress bar stays on the terminal meanwhile)."""
    if seconds > 0:
        _say(f"{message}: retrying in {seconds:.0f} s")


def _checked_output(name: str | None) -> Path | None:
    """``-o``, refused now if it cannot be written there (not after a long scan)."""
    if name is None:
        return None
    path = Path(name)
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"-o {name}: the folder {folder} does not exist")
    if path.is_dir():
        raise UsageError(f"-o {name}: is a folder; name the queue file to write")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"-o {name}: cannot write in {folder} (permission denied)")
    return path


def _say(message: str) -> None:
    # Standard error: standard output may be the queue itself. Paths and messages come from files.
    print(f"moderator scan: {one_line(message, 400)}", file=sys.stderr, flush=True)


def _say_skipped(skipped: list[Skipped]) -> None:
    if not skipped:
        return
    for item in skipped[:_MOST_SKIPPED_SHOWN]:
        _say(f"skipped {item.path}: {item.reason}")
    if len(skipped) > _MOST_SKIPPED_SHOWN:
        _say(f"skipped {len(skipped) - _MOST_SKIPPED_SHOWN} more files found in the folders (not thread files)")


def _say_done(result: ScanResult, elapsed: float, output: Path | None) -> None:
    header = result.header
    rate = header.comments / elapsed if elapsed > 0 else 0.0
    where = f" into {output}" if output is not None else ""
    _say(
        f"{header.threads} threads, {header.comments} comments in {elapsed:.1f} s ({rate:.0f} comments/s): "
        f"{header.entries} flagged or marked for review{where}"
    )


class _Progress:
    """A phase's progress on standard error: a rich progress bar on a terminal (sources done of all, what is done,
    time left); nothing on a pipe or a file, where only the summary line is written."""

    def __init__(self, sources: int, phase: str = "scanning") -> None:
        self._sources = sources
        self._phase = phase
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            # rich is imported only here: the other commands start without it.
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn(f"moderator scan: {self._phase}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            # Shown at once: the workers take seconds to start before the first sources are done.
            self._task = self._bar.add_task("sources", total=self._sources)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, done: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done)

    def update(self, progress: ScanProgress) -> None:
        if self._bar is None or self._task is None:
            return
        rate = f"{progress.comments / progress.elapsed:.0f}" if progress.elapsed > 0 else "-"
        description = f"sources · {progress.threads} threads · {rate} comments/s"
        self._bar.update(self._task, completed=progress.sources_done, description=description)
