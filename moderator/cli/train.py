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
from moderator.gate import MAX_MACRO_F1_DROP, MAX_RECALL_DROP, MIN_HELD_BACK, MIN_POSITIVES

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from moderation_core.taxonomy import Taxonomy
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
        "each weighing more than a corpus example; the model card lists every log used.\n"
        "\n"
        "With --log, a comparison gate decides whether the new model is put in use. A stable 20% of the\n"
        "logged threads (whole threads, chosen by a hash of each thread) is held back from training; the new\n"
        "model and the model in use are scored on it, and a table of per-label precision, recall and F1,\n"
        "concern ROC-AUC and their changes is printed. The model in use is: $MODERATOR_MODEL, else the\n"
        "version in use ('moderator models use'), else the bundled model.\n"
        f"When fewer than {MIN_HELD_BACK} comments would be held back, or fewer than {MIN_POSITIVES} concerns or "
        f"{MIN_POSITIVES} clean ones,\n"
        f"or no label has {MIN_POSITIVES} positives among them, nothing is held back (every logged comment is "
        "trained on) and\n"
        "the gate compares the two models' cross-validated figures (their model cards) instead, saying so.\n"
        f"Labels with fewer than {MIN_POSITIVES} held-back positives are shown but not judged. The new model "
        "passes when\n"
        f"macro F1 (over the judged labels) drops by at most {MAX_MACRO_F1_DROP} and no judged label's recall "
        f"drops by more than {MAX_RECALL_DROP}.\n"
        "Passing (or --force): it is added to the model versions and put in use. Failing: it is kept (without\n"
        "-o, as a model version; with -o, in that folder only), not put in use, and the command exits 1 with\n"
        "one line per failing rule. The gate's data, table and verdict go into the new model's card (gate:).\n"
        "Without --log there is no gate: the model is written (without -o, also kept as a model version) and\n"
        "not put in use; 'moderator models use ID' chooses it.",
        epilog="examples:\n"
        "  moderator train -o /tmp/model\n"
        "  moderator train --corpus ../shared/data/train/vcu_incivility.jsonl \\\n"
        "                  --corpus ../shared/data/train/github_ordinary_threads.jsonl -o classifiers/default_model\n"
        "  moderator train --log ~/moderation/decisions.yaml -o /tmp/model\n"
        "  moderator train --corpus ../shared/data/train/vcu_incivility.jsonl --log ~/moderation/decisions.yaml\n",
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
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --log: put the new model in use even when the comparison gate fails (the table is printed)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    taxonomy = load_named_taxonomy(args.taxonomy)
    output = args.output or str(config.default_model_output())
    if not args.log:
        return _without_logs(args, taxonomy, output)
    from moderator.retrain import train_candidate

    # The logs are read first (inside train_candidate): a torn or newer log is refused before any training starts.
    with _Progress() as progress:
        candidate = train_candidate(
            args.log,
            taxonomy,
            output,
            corpora=args.corpus,
            precision_target=args.precision,
            say=progress.say,
            step=progress.step,
        )
    write(training_table(output, candidate.card) + "\n")
    write(candidate.table + "\n")
    for reason in candidate.result.reasons:
        _say(f"comparison gate failed: {reason}")
    settled = candidate.settle(
        activate=candidate.result.activates(force=args.force), forced=args.force, keep_as_version=args.output is None
    )
    for line in settled.lines:
        _say(line)
    if not settled.activated and settled.version_id is not None:
        _say(f"'moderator models use {settled.version_id}' or 'moderator train --force' puts it in use")
    elif not settled.activated and not candidate.bundled:
        _say("--force puts it in use")
    return 0 if candidate.result.passed or args.force else 1


def _without_logs(args: argparse.Namespace, taxonomy: Taxonomy, output: str) -> int:
    """No logged decisions, nothing to judge the model on that the moderators decided: no gate."""
    from classifiers.training import train  # scikit-learn: only for the commands that use it

    with _Progress() as progress:
        card = train(
            args.corpus,
            taxonomy,
            output,
            precision_target=args.precision,
            progress=progress.say,
            step=progress.step,
        )
    write(training_table(output, card) + "\n")
    if args.output is None:
        # Trained into the per-user folder: kept as a model version. Not put in use: without logged decisions a new
        # model becomes the one in use only when the moderator chooses it.
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
