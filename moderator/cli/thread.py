"""``moderator thread``: import a thread and show it, as a table or as the whole thread model in JSON."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

from moderation_core.textsafe import dumps
from moderation_core.thread import Thread
from moderator.cli.options import Formatter, add_source_arguments
from moderator.cli.output import write, write_chunks
from moderator.cli.remote import add_server_argument, resolve_source
from moderator.cli.render import thread_table
from moderator.sources import load_threads

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "thread",
        formatter_class=Formatter,
        help="import a thread and show its comments (own words, quotes, replies)",
        description="Import a thread file and show it: one line per comment with the author's own words and\n"
        "what it quotes, or the whole thread model as JSON.",
        epilog="examples:\n"
        "  moderator thread moderator/samples/bug-4127.txt            # a Bugzilla page copy\n"
        "  moderator thread bug.json --format bugzilla-json --json    # REST export, as JSON\n"
        '  moderator thread list-archive.mbox --json                  # {"threads": [...]} for many threads\n'
        "  moderator thread https://github.com/octo/repo/issues/42    # fetched first (see 'moderator fetch')\n",
    )
    add_source_arguments(parser)
    add_server_argument(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help='print {"thread": {...}, "comments": [...]} (or {"threads": [...]} for several threads)',
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    threads = load_threads(resolve_source(args), args.format)
    if args.json:
        if len(threads) == 1:
            write_chunks([*thread_json(threads[0], 0), "\n"])
        else:
            write_chunks(threads_json(threads))
        return 0
    width = shutil.get_terminal_size((120, 24)).columns
    write("\n\n".join(thread_table(t, width) for t in threads) + "\n")
    return 0


def _nested(value: object, depth: int) -> str:
    """``dumps(value, indent=2)`` as it reads ``depth`` levels deep in a larger document (JSON strings hold no raw
    line break, so every line break is layout)."""
    return dumps(value, indent=2).replace("\n", "\n" + "  " * depth)


def thread_json(thread: Thread, depth: int) -> Iterator[str]:
    """The text of ``dumps(thread.to_dict(), indent=2)`` a comment at a time, so a 250 MB export is never held as
    one string (three copies of it were most of ``thread --json``'s memory)."""
    pad = "  " * depth
    yield "{\n" + pad + '  "thread": ' + _nested(thread.header_dict(), depth + 1) + ",\n" + pad + '  "comments": '
    if not thread.comments:
        yield "[]"
    else:
        yield "[\n"
        last = len(thread.comments) - 1
        for position, comment in enumerate(thread.comments):
            yield pad + "    " + _nested(comment.to_dict(), depth + 2) + (",\n" if position < last else "\n")
        yield pad + "  ]"
    yield "\n" + pad + "}"


def threads_json(threads: list[Thread]) -> Iterator[str]:
    """``dumps({"threads": [...]}, indent=2)`` plus a line break, a comment at a time."""
    yield '{\n  "threads": [\n    '
    for position, thread in enumerate(threads):
        yield from thread_json(thread, 2)
        yield ",\n    " if position < len(threads) - 1 else "\n"
    yield "  ]\n}\n"
