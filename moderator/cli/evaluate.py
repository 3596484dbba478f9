"""``moderator evaluate``: measure a model on labeled JSONL files."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from moderation_core.textsafe import dumps
from moderator.cli.options import Formatter, add_model_argument
from moderator.cli.output import write
from moderator.cli.render import evaluation_table

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "evaluate",
        formatter_class=Formatter,
        help="measure a model on labeled JSONL files",
        description="Per file: ROC-AUC and average precision of concern against the binary label, per-label\n"
        "precision / recall / F1 where the file's categories map onto the taxonomy, and the flag rate\n"
        "(which is the false-flag rate on files of civil comments only); for each of the file's own\n"
        "categories of uncivil comment, how many are flagged and how well concern ranks them.",
        epilog="examples:\n"
        "  moderator evaluate --data ../shared/data/heldout/strudel_github_comments.jsonl\n"
        "  moderator evaluate --data ../shared/data/heldout/*.jsonl --json\n",
    )
    parser.add_argument("--data", nargs="+", action="extend", required=True, metavar="PATH", help="labeled JSONL files")
    add_model_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from classifiers.evaluation import evaluate  # numpy and scikit-learn: only for the commands that use them
    from moderator.scoring import load_scorer

    scorer = load_scorer(args.model)
    results = evaluate(scorer.model, args.data)
    if args.json:
        write(dumps({"model": scorer.model_id, "files": results}, indent=2) + "\n")
    else:
        write(evaluation_table(scorer.model_id, results) + "\n")
    return 0
