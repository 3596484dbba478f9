"""``moderator train``: train the guideline classifier and write it with its model card."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from moderator import config
from moderator.cli.options import Formatter, add_taxonomy_argument, load_named_taxonomy
from moderator.cli.output import write
from moderator.cli.render import training_table

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "train",
        formatter_class=Formatter,
        help="train the guideline classifier and write it with its model card",
        description="Train the guideline classifier on the starter corpus (shipped with moderator) "
        "plus any labeled JSONL\n"
        "corpora (the fields of ../shared/data: text, uncivil, category, thread, title, number), choose\n"
        "per-label thresholds by cross-validation, and write model.joblib and model-card.yaml.",
        epilog="examples:\n"
        "  moderator train -o /tmp/model\n"
        "  moderator train --corpus ../shared/data/train/vcu_incivility.jsonl \\\n"
        "                  --corpus ../shared/data/train/github_ordinary_threads.jsonl -o classifiers/default_model\n",
    )
    parser.add_argument("--corpus", action="append", default=[], metavar="PATH", help="labeled JSONL file (repeatable)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="MODEL_DIR",
        help=f"where to write the model (default: {config.default_model_output()})",
    )
    add_taxonomy_argument(parser)
    parser.add_argument(
        "--precision",
        type=float,
        default=0.7,
        metavar="P",
        help="precision target of each label's threshold (default: 0.7)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from classifiers.training import train  # scikit-learn: only for the commands that use it

    taxonomy = load_named_taxonomy(args.taxonomy)
    output = args.output or str(config.default_model_output())

    def progress(message: str) -> None:
        # Standard error: standard output is the result alone.
        print(f"moderator train: {message}", file=sys.stderr, flush=True)

    card = train(args.corpus, taxonomy, output, precision_target=args.precision, progress=progress)
    write(training_table(output, card) + "\n")
    return 0
