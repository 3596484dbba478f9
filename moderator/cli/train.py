"""``moderator train``: train the guideline classifier and write it with its model card."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation_core.errors import ModelError
from moderation_core.textsafe import one_line
from moderator import config
from moderator.cli.options import Formatter, add_taxonomy_argument, load_named_taxonomy
from moderator.cli.output import write
from moderator.cli.render import training_table
from moderator.gate import MAX_MACRO_F1_DROP, MAX_RECALL_DROP, MIN_HELD_BACK, MIN_POSITIVES, GateResult, Row

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from classifiers.data import Example
    from moderation_core.taxonomy import Taxonomy
    from moderator.cli.options import Subcommands
    from moderator.log.training import LoggedData


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
    from classifiers.training import train  # scikit-learn: only for the commands that use it
    from moderator.log.training import logged_examples

    taxonomy = load_named_taxonomy(args.taxonomy)
    output = args.output or str(config.default_model_output())
    # The logs are read first: a torn or newer log is refused before any training starts.
    logged = logged_examples(args.log, taxonomy.ids) if args.log else None
    plan = None
    if logged is not None:
        for line in logged.lines():
            _say(line)
        plan = _plan_gate(logged, taxonomy.ids)
        _say(plan.line)
    with _Progress() as progress:
        card = train(
            args.corpus,
            taxonomy,
            output,
            precision_target=args.precision,
            progress=progress.say,
            extra=plan.training.extra() if plan is not None else None,
            step=progress.step,
        )
    write(training_table(output, card) + "\n")
    if plan is None:
        return _without_gate(args, output)
    return _gate(args, output, card, plan, taxonomy)


def _without_gate(args: argparse.Namespace, output: str) -> int:
    """No logged decisions, nothing to judge the model on that the moderators decided: today's behaviour."""
    if args.output is None:
        # Trained into the per-user folder: kept as a model version. Not put in use: without logged decisions a new
        # model becomes the one in use only when the moderator chooses it.
        from moderator.modelstore import ModelStore

        version = ModelStore().add(output)
        _say(f"kept as model version {version.id}; 'moderator models use {version.id}' puts it in use")
    return 0


@dataclass(slots=True)
class _GatePlan:
    """What the gate will judge on, decided before training: the logged examples to train on, the held-back ones
    (empty when too few: the gate then uses cross-validation), and what to say and record about it."""

    training: LoggedData
    held_back: list[Example]
    data: dict[str, Any]
    line: str
    shortage: str | None


def _plan_gate(logged: LoggedData, label_ids: Sequence[str]) -> _GatePlan:
    from moderator.gate import too_few
    from moderator.log.training import HELD_BACK_SHARE, split_by_thread

    split = split_by_thread(logged, label_ids)
    shortage = too_few(split.held_back, label_ids)
    if shortage is None:
        held: dict[str, Any] = {
            "held_back_comments": len(split.held_back),
            "held_back_threads": split.held_back_threads,
            "logged_threads": split.threads,
            "held_back_share": HELD_BACK_SHARE,
            "logged_comments_trained_on": len(split.training.examples),
        }
        return _GatePlan(split.training, split.held_back, held, split.line(), None)
    # Too few to judge on: holding them back would only take them from training. Every logged comment is trained
    # on, and the gate compares the cards' cross-validated figures.
    data: dict[str, Any] = {
        "held_back_comments": 0,
        "why_not": shortage,
        "logged_comments_trained_on": len(logged.examples),
    }
    line = (
        f"comparison gate: {shortage}; nothing is held back, and the gate compares the models' "
        "cross-validated figures instead"
    )
    return _GatePlan(logged, [], data, line, shortage)


def _gate(args: argparse.Namespace, output: str, card: dict[str, Any], plan: _GatePlan, taxonomy: Taxonomy) -> int:
    """Judge the new model against the one in use, print the table, record the verdict in the new model's card,
    and put the new model in use when it passes (or --force); exit 1 when it fails without --force."""
    from classifiers.trust import BUNDLED_MODEL_DIR
    from moderator.gate import record_in_card
    from moderator.modelstore import MODEL_ENV, ModelStore, model_id_of

    result, old_id = _judge(output, card, plan, taxonomy)
    new_id = model_id_of(card)
    bundled = Path(output).resolve() == BUNDLED_MODEL_DIR.resolve()
    activate = result.activates(force=args.force) and not bundled
    write(gate_table(result, old_id, new_id) + "\n")
    record_in_card(output, result.card(forced=args.force, activated=activate, old_id=old_id))
    for reason in result.reasons:
        _say(f"comparison gate failed: {reason}")
    store = ModelStore()
    if bundled:
        _say("the bundled model's folder is not a model version: the new model is not put in use")
    elif activate:
        version = store.use(store.add(output).id)
        forced = "" if result.passed else " (--force)"
        _say(f"model version {version.id} is now in use{forced}")
        if os.environ.get(MODEL_ENV):
            _say(f"${MODEL_ENV} is set: commands use the model it names until it is unset")
    elif args.output is None:
        version = store.add(output)
        _say(
            f"kept as model version {version.id}, not put in use; "
            f"'moderator models use {version.id}' or 'moderator train --force' puts it in use"
        )
    else:
        _say(f"the new model stays in {output}, not put in use (--force puts it in use)")
    return 0 if result.passed or args.force else 1


def _judge(output: str, card: dict[str, Any], plan: _GatePlan, taxonomy: Taxonomy) -> tuple[GateResult, str]:
    """The gate's result and the id of the model in use (or why that model cannot be compared)."""
    from classifiers.card import read_card
    from classifiers.persist import load_model
    from moderator.gate import cannot_compare, judge_on_cards, judge_on_held_back
    from moderator.modelstore import model_id_of, model_in_use

    try:
        folder = model_in_use(None)
        old_card = read_card(folder)
        old_id = model_id_of(old_card)
        if plan.shortage is not None:
            return judge_on_cards(old_card, card, plan.data, [plan.shortage]), old_id
        old_model, _ = load_model(folder, taxonomy)
    except ModelError as error:
        return cannot_compare(error.message, card, plan.data), "(unreadable)"
    new_model, _ = load_model(output, taxonomy)
    return judge_on_held_back(old_model, new_model, plan.held_back, plan.data), old_id


def gate_table(result: GateResult, old_id: str, new_id: str) -> str:
    """The gate's figures, the model in use's beside the new one's and the change, a line per label; then concern
    ROC-AUC, macro F1 and the verdict. Ids come from model cards and labels from the taxonomy file: one_line."""
    lines = [
        f"comparison gate on {result.basis}",
        f"  in use: {one_line(old_id, 80)}",
        f"  new:    {one_line(new_id, 80)}",
        f"{'':18} {'':>5}  {'precision':^20}  {'recall':^20}  {'F1':^20}",
        f"{'label':18} {'n':>5}  " + "  ".join([f"{'in use':>6} {'new':>6} {'change':>6}"] * 3),
    ]
    by_label: dict[str, dict[str, Row]] = {}
    for row in result.rows:
        by_label.setdefault(row.name, {})[row.figure] = row
    for label, figures in by_label.items():
        if label in ("concern", "macro"):
            continue
        first = next(iter(figures.values()))
        cells = "  ".join(_triple(figures[figure]) for figure in ("precision", "recall", "f1"))
        count = "-" if first.positives is None else str(first.positives)
        note = "" if first.judged else "  (not judged)"
        lines.append(f"{one_line(label, 18):18} {count:>5}  {cells}{note}")
    concern, macro = by_label["concern"]["roc_auc"], by_label["macro"]["f1"]
    lines.append(f"{'concern ROC-AUC':24}  {_triple(concern)}")
    judged = len(result.judged_labels)
    macro_name = f"macro F1 ({judged} label{'' if judged == 1 else 's'})"
    lines.append(f"{macro_name:24}  {_triple(macro)}")
    lines.append(
        f"verdict: {result.verdict(forced=False)}"
        + ("" if result.passed else f" ({len(result.reasons)} of the rules, on standard error)")
    )
    return "\n".join(lines)


def _triple(row: Row) -> str:
    def shown(value: float | None, signed: bool = False) -> str:
        return "-" if value is None else (f"{value:+.3f}" if signed else f"{value:.3f}")

    return f"{shown(row.old):>6} {shown(row.new):>6} {shown(row.delta, True):>6}"


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
