"""``moderator train``: train the guideline classifier and write it with its model card."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from moderation_core.textsafe import one_line
from moderator import config
from moderator.cli.options import Formatter, add_taxonomy_argument, load_named_taxonomy
from moderator.cli.output import write
from moderator.cli.render import training_table

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "train",
        formatter_class=Formatter,
        help="train the guideline classifier and write it with its model card",
        description="Train the guideline classifier on the starter corpus (shipped with moderator) "
        "plus any labeled JSONL\n"
        "corpora (the fields of ../shared/data: text, uncivil, category, thread, title, number), choose\n"
        "per-label thresholds by cross-validation, and write model.joblib and model-card.yaml.\n"
        "With --log, the moderators' effective decisions in each decision log are added as examples,\n"
        "each weighing more than a corpus example; the model card lists every log used.",
        epilog="examples:\n"
        "  moderator train -o /tmp/model\n"
        "  moderator train --corpus ../shared/data/train/vcu_incivility.jsonl \\\n"
        "                  --corpus ../shared/data/train/github_ordinary_threads.jsonl -o classifiers/default_model\n"
        "  moderator train --log ~/moderation/decisions.yaml -o /tmp/model\n",
    )
    parser.add_argument("--corpus", action="append", default=[], metavar="PATH", help="labeled JSONL file (repeatable)")
    parser.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="FILE",
        help="decision log whose decisions become training examples (repeatable)",
    )
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
    from moderator.log.training import logged_examples

    taxonomy = load_named_taxonomy(args.taxonomy)
    output = args.output or str(config.default_model_output())
    # The logs are read first: a torn or newer log is refused before any training starts.
    logged = logged_examples(args.log, taxonomy.ids) if args.log else None
    if logged is not None:
        for line in logged.lines():
            _say(line)
    with _Progress() as progress:
        card = train(
            args.corpus,
            taxonomy,
            output,
            precision_target=args.precision,
            progress=progress.say,
            extra=logged.extra() if logged is not None else None,
            step=progress.step,
        )
    write(training_table(output, card) + "\n")
    if args.output is None:
        # Trained into the per-user folder: kept as a model version. Not put in use: a new model becomes the one
        # in use only when the moderator chooses it (and, with issue 14's comparison gate, when it passes).
        from moderator.modelstore import ModelStore

        version = ModelStore().add(output)
        _say(f"kept as model version {version.id}; 'moderator models use {version.id}' puts it in use")
    return 0


def _say(message: str) -> None:
    # Standard error: standard output is the result alone. Paths and moderator names come from files.
    print(f"moderator train: {one_line(message, 400)}", file=sys.stderr, flush=True)


class _Progress:
    """Training's progress on standard error: a rich progress bar over the model fits on a terminal, plain
    lines otherwise (a pipe, a log file, a test), so nothing but whole lines ever reaches a file."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            # rich is imported only here: 'moderator thread' and the other commands start without it.
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(stderr=True)
            self._bar = Progress(
                TextColumn("moderator train: {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def say(self, message: str) -> None:
        if self._bar is not None:
            self._bar.console.print(f"moderator train: {one_line(message, 400)}", markup=False, highlight=False)
        else:
            _say(message)

    def step(self, done: int, total: int, what: str) -> None:
        if self._bar is None:
            _say(f"fitted the {what} ({done}/{total})")
            return
        if self._task is None:
            self._task = self._bar.add_task("fitting", total=total)
        self._bar.update(self._task, completed=done, total=total, description=f"fitted the {one_line(what, 80)}")
