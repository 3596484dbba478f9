"""The ``moderator`` command. A thin layer: it parses options, calls the library, prints, and is the only
place where errors become exit codes (2 for anything the user can fix; the message names the file and the
problem, never a traceback)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence

from moderator import __version__
from moderator.errors import ModeratorError
from moderator.render import thread_table
from moderator.sources import FORMATS, load_threads
from moderator.textsafe import dumps

EXIT_USAGE = 2


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="thread file: any format listed under --format")
    parser.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        metavar="F",
        help=f"source format, detected from the content when omitted: {', '.join(FORMATS)}",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moderator",
        formatter_class=_Formatter,
        description="A conduct-guideline moderation assistant for technical communities.",
        epilog="examples:\n"
        "  moderator thread moderator/samples/bug-4127.txt\n"
        "  moderator thread export.json --json | jq '.comments[0].own_text'\n"
        "\nRun 'moderator COMMAND --help' for each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"moderator {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    thread = commands.add_parser(
        "thread",
        formatter_class=_Formatter,
        help="import a thread and show its comments (own words, quotes, replies)",
        description="Import a thread file and show it: one line per comment with the author's own words and\n"
        "what it quotes, or the whole thread model as JSON.",
        epilog="examples:\n"
        "  moderator thread moderator/samples/bug-4127.txt            # a Bugzilla page copy\n"
        "  moderator thread bug.json --format bugzilla-json --json    # REST export, as JSON\n"
        "  moderator thread list-archive.mbox --json                  # {\"threads\": [...]} for many threads\n",
    )
    _add_source_arguments(thread)
    thread.add_argument(
        "--json",
        action="store_true",
        help='print {"thread": {...}, "comments": [...]} (or {"threads": [...]} for several threads)',
    )
    thread.set_defaults(handler=_cmd_thread)
    return parser


def _cmd_thread(args: argparse.Namespace) -> int:
    threads = load_threads(args.source, args.format)
    if args.json:
        if len(threads) == 1:
            payload: object = threads[0].to_dict()
        else:
            payload = {"threads": [t.to_dict() for t in threads]}
        _write(dumps(payload, indent=2) + "\n")
        return 0
    width = shutil.get_terminal_size((120, 24)).columns
    _write("\n\n".join(thread_table(t, width) for t in threads) + "\n")
    return 0


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ModeratorError as error:
        print(f"moderator: error: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (head, less) went away: not an error of ours; silence the interpreter's own complaint.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
