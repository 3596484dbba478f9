"""``moderator score``: score every comment of a thread against the guidelines."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from moderation_core.textsafe import dumps
from moderator.cli.options import Formatter, add_model_argument, add_source_arguments
from moderator.cli.output import write
from moderator.cli.render import score_table
from moderator.sources import load_threads

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "score",
        formatter_class=Formatter,
        help="score every comment of a thread against the guidelines",
        description="Score each comment's own words: a probability per label, the labels over their thresholds,\n"
        "the concern (probability that a moderator should look at all) and the evidence spans.",
        epilog="examples:\n"
        "  moderator score moderator/samples/bug-4127.txt\n"
        "  moderator score threads.jsonl --json | jq 'select(.flags != [])'\n"
        "  moderator score bug.json --model /tmp/model --json\n",
    )
    add_source_arguments(parser)
    add_model_argument(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per comment per line")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from moderator.scoring import load_scorer, score_threads  # numpy and scikit-learn: only for scoring commands

    threads = load_threads(args.source, args.format)
    scorer = load_scorer(args.model)
    # Threads are scored together in batches (one model pass for thousands of comments) and each is written as
    # soon as its batch is scored. Pieces are separated by one newline and the output ends with one, as when it
    # was written whole ("\n".join(pieces) + "\n"): a table ends with a blank line, nothing scored is one newline.
    separator = ""
    for thread, results in score_threads(scorer, threads):
        if args.json:
            pieces = [dumps(r.to_dict(thread.id)) for r in results]
        else:
            pieces = [score_table(thread, results, scorer.model_id) + "\n"]
        if pieces:
            write(separator + "\n".join(pieces))
            separator = "\n"
    write("\n")
    return 0
