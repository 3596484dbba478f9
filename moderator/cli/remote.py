"""Live threads for the commands that read a thread (``fetch``, ``review``, ``thread``, ``score``): a SOURCE that is
not an existing file but a Bugzilla or GitHub address is fetched (through the per-user HTTP cache) into the
per-user cache folder, and the command reads that file. httpx and rich are imported only when something is
fetched, so reading a file starts as quickly as before."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import SourceError, UsageError
from moderation_core.textsafe import one_line
from moderator import config
from moderator.net.trackers import looks_like_remote

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status

    from moderator.net.fetch import FetchedThread

SERVER_HELP = (
    "the server of a SOURCE given as bugzilla:ID or OWNER/REPO#N, whose page URLs are then recognised too: a "
    "Bugzilla (default https://bugzilla.mozilla.org) or a GitHub API base (default $GITHUB_API_URL, else "
    "https://api.github.com; GitHub Enterprise: https://HOST/api/v3)"
)

# Told of a rate-limit wait: seconds left (0 when it is over) and what is waited for, about once a second.
OnWait = Callable[[float, str], None]


def add_server_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL", help=SERVER_HELP)


def http_cache_dir() -> Path:
    """Where the conditional requests' validators and bodies are kept."""
    return config.user_cache_dir() / "http"


def threads_dir() -> Path:
    """Where ``review``, ``thread`` and ``score`` keep the threads they fetched."""
    return config.user_cache_dir() / "threads"


def resolve_source(args: argparse.Namespace, *, on_wait: OnWait | None = None) -> str:
    """``args.source`` when it is a file (an existing file always wins) or no SOURCE form; otherwise the thread it
    names, fetched through the cache into the per-user cache folder, and the path of that file. ``on_wait`` shows a
    rate-limit wait (default: a countdown on standard error)."""
    source = str(args.source)
    if os.path.lexists(source) or not looks_like_remote(source):
        return source
    fetched, _ = fetch_source(source, getattr(args, "server", None), on_wait=on_wait)
    return str(keep_fetched(fetched))


def keep_fetched(fetched: FetchedThread) -> Path:
    """Write a fetched thread into the per-user threads folder (:func:`threads_dir`); the path of its file."""
    folder = threads_dir()
    path = folder / fetched.suggested_filename
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_file(path, fetched.body)
    except OSError as error:
        raise UsageError(f"{path}: cannot keep the fetched thread ({error.strerror or error})") from None
    return path


def fetch_source(
    source: str, server: str | None, *, use_cache: bool = True, on_wait: OnWait | None = None
) -> tuple[FetchedThread, int]:
    """The thread ``source`` names, fetched and checked to import (a fetch the importer would refuse is an error,
    never a file), and the number of comments the importer reads in it."""
    from moderator.net.fetch import FetchSettings, fetch_thread
    from moderator.net.trackers import parse_source

    target = parse_source(source, server=server)
    settings = FetchSettings(cache_dir=http_cache_dir() if use_cache else None, on_wait=on_wait or Countdown())
    fetched = fetch_thread(target, settings=settings)
    return fetched, check_imports(fetched)


def check_imports(fetched: FetchedThread) -> int:
    """The number of comments the importer reads from ``fetched``; an error naming the thread when it refuses it."""
    from moderator.net.errors import FetchError
    from moderator.sources import bugzilla_json, github_json
    from moderator.sources.reading import SourceText

    parse = {bugzilla_json.FORMAT: bugzilla_json.parse, github_json.FORMAT: github_json.parse}[fetched.format]
    try:
        threads = parse(SourceText(Path(fetched.name), fetched.body))
    except SourceError as error:
        where = f"line {error.line}: " if error.line is not None else ""
        problem = f"fetched, but the {fetched.format} importer refuses it: {where}{error.problem}"
        raise FetchError(fetched.name, problem) from None
    if len(threads) != 1:
        raise FetchError(fetched.name, f"fetched, but it holds {len(threads)} threads instead of one")
    return len(threads[0].comments)


def write_file(path: Path, data: bytes) -> None:
    from moderation_core.files import write_atomically

    write_atomically(path, data)


class Countdown:
    """The rate-limit countdown on standard error: a rich status line updated each second on a terminal, one
    plain line per wait otherwise (a log file gets no animation)."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console
        self._status: Status | None = None
        self._announced = False

    def __call__(self, seconds: float, message: str) -> None:
        console = self._get_console()
        text = f"{one_line(message)}: retrying in {math.ceil(seconds)} s"
        if not console.is_terminal:
            if seconds > 0 and not self._announced:
                print(f"moderator: {text}", file=sys.stderr, flush=True)
            self._announced = seconds > 0
            return
        from rich.text import Text

        if seconds <= 0:
            if self._status is not None:
                self._status.stop()
                self._status = None
            return
        if self._status is None:
            self._status = console.status(Text(text))
            self._status.start()
        else:
            self._status.update(Text(text))

    def _get_console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console
