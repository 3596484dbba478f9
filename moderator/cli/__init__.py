"""The ``moderator`` command. A thin layer: it parses options, calls the library, prints, and is the only
place where errors become exit codes (2 for anything the user can fix; the message names the file and the
problem, never a traceback).

Each command (group) is a module of this package with ``register(commands)``, which adds its parser with its
help and examples, and ``run(args) -> int``. Command modules import only what their options need; numpy,
scikit-learn and textual are imported inside the ``run`` of the commands that use them, so ``moderator thread``
starts without them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Sequence

from moderation_core.errors import ModeratorError
from moderation_core.textsafe import one_line, visible
from moderator import __version__
from moderator.cli import (
    decide,
    evaluate,
    export_tags,
    fetch,
    log,
    models,
    push,
    report,
    review,
    scan,
    score,
    thread,
    train,
)
from moderator.cli.options import Formatter

EXIT_USAGE = 2

# In the order of the commands' list in ``moderator --help``.
COMMANDS = (thread, fetch, train, score, scan, evaluate, review, decide, log, models, report, export_tags, push)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moderator",
        formatter_class=Formatter,
        description="A conduct-guideline moderation assistant for technical communities.",
        epilog="examples:\n"
        "  moderator review moderator/samples/bug-4127.txt\n"
        "  moderator thread moderator/samples/bug-4127.txt\n"
        "  moderator score export.json --json | jq 'select(.flags != [])'\n"
        "\nRun 'moderator COMMAND --help' for each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"moderator {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def _parse_arguments(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """The parsed command line. argparse's own complaints repeat what was typed (an unrecognised argument
    verbatim), so they are caught and shown with controls escaped, like any text from outside."""
    complaints = io.StringIO()
    try:
        with contextlib.redirect_stderr(complaints):
            return parser.parse_args(argv)
    finally:
        sys.stderr.write(visible(complaints.getvalue()))
        sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = _parse_arguments(parser, argv)
    try:
        return int(args.handler(args))
    except ModeratorError as error:
        # Messages quote files and arguments (JSON keys, CSV headers, labels, names): one line, shown, never obeyed.
        print(f"moderator: error: {one_line(error.message)}", file=sys.stderr)
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
