"""``moderator review``: the review screen on a thread, every decision saved to the log at its keystroke."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from moderation_core.textsafe import one_line
from moderator import config
from moderator.cli.options import (
    Formatter,
    add_model_argument,
    add_moderator_argument,
    add_source_arguments,
    load_named_taxonomy,
    log_help,
)
from moderator.cli.output import write
from moderator.sources import load_thread

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "review",
        formatter_class=Formatter,
        help="review a thread comment by comment in the terminal, saving every decision to the log",
        description="Open the review screen on a thread: the classifier's flags and evidence beside each comment,\n"
        "one or two keys per decision (a: fine, 1-7: toggle a label, enter: save, f: next flagged,\n"
        "u: undo, ?: help). Every decision is saved to the log at its keystroke; reopening the same\n"
        "thread with the same log starts at the first undecided comment.",
        epilog="examples:\n"
        "  moderator review moderator/samples/bug-4127.txt\n"
        "  moderator review bug.json --queue concern --only-flagged --moderator dana\n"
        "  moderator review list.mbox --log ~/moderation/decisions.yaml\n",
    )
    add_source_arguments(parser)
    parser.add_argument("--log", metavar="FILE", help=log_help())
    add_moderator_argument(parser)
    add_model_argument(parser)
    parser.add_argument(
        "--queue",
        choices=("thread", "concern", "uncertain"),
        default="thread",
        help="order: thread order, most concerning first, or closest to a threshold first",
    )
    parser.add_argument("--only-flagged", action="store_true", help="only the comments the model flags")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    moderator = config.moderator_name(args.moderator)  # an unusable name stops here, before any work
    from moderator.scoring import load_scorer  # numpy, scikit-learn and textual: only for this command
    from moderator.tui.app import make_app

    taxonomy = load_named_taxonomy()
    thread = load_thread(args.source, args.format)  # an unreadable source stops here, before any screen
    scorer = load_scorer(args.model, taxonomy)
    log = config.log_path(args.log)
    app = make_app(
        thread,
        taxonomy,
        log,
        moderator,
        scorer=scorer,
        queue=args.queue,
        only_flagged=args.only_flagged,
    )
    app.run()
    # The screen is gone once the app exits: say where the work went, in the terminal the moderator returns to.
    write(f"decisions are saved in {one_line(str(log))}\n")
    return 0
