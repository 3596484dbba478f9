"""The ``moderator`` command. A thin layer: it parses options, calls the library, prints, and is the only
place where errors become exit codes (2 for anything the user can fix; the message names the file and the
problem, never a traceback)."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from moderation_core.errors import ModeratorError, UsageError
from moderation_core.files import irregular_kind
from moderation_core.textsafe import dumps, one_line, visible
from moderation_core.thread import Comment, Thread
from moderator import __version__, config
from moderator.cli.render import thread_table
from moderator.sources import FORMATS, load_thread, load_threads

EXIT_USAGE = 2
_LOG_DEFAULT_TEXT = f"$MODERATOR_LOG, else {config.default_log()}"
_LOG_HELP = f"decision log (default: {_LOG_DEFAULT_TEXT})"


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
        "  moderator review moderator/samples/bug-4127.txt\n"
        "  moderator thread moderator/samples/bug-4127.txt\n"
        "  moderator score export.json --json | jq 'select(.flags != [])'\n"
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
        '  moderator thread list-archive.mbox --json                  # {"threads": [...]} for many threads\n',
    )
    _add_source_arguments(thread)
    thread.add_argument(
        "--json",
        action="store_true",
        help='print {"thread": {...}, "comments": [...]} (or {"threads": [...]} for several threads)',
    )
    thread.set_defaults(handler=_cmd_thread)

    train = commands.add_parser(
        "train",
        formatter_class=_Formatter,
        help="train the guideline classifier and write it with its model card",
        description="Train the guideline classifier on the starter corpus (shipped with moderator) plus any labeled JSONL\n"
        "corpora (the fields of ../shared/data: text, uncivil, category, thread, title, number), choose\n"
        "per-label thresholds by cross-validation, and write model.joblib and model-card.yaml.",
        epilog="examples:\n"
        "  moderator train -o /tmp/model\n"
        "  moderator train --corpus ../shared/data/train/vcu_incivility.jsonl \\\n"
        "                  --corpus ../shared/data/train/github_ordinary_threads.jsonl -o classifiers/default_model\n",
    )
    train.add_argument("--corpus", action="append", default=[], metavar="PATH", help="labeled JSONL file (repeatable)")
    train.add_argument(
        "-o",
        "--output",
        metavar="MODEL_DIR",
        help=f"where to write the model (default: {config.default_model_output()})",
    )
    train.add_argument("--taxonomy", metavar="PATH", help="taxonomy YAML (default: the one shipped with moderator)")
    train.add_argument(
        "--precision",
        type=float,
        default=0.7,
        metavar="P",
        help="precision target of each label's threshold (default: 0.7)",
    )
    train.set_defaults(handler=_cmd_train)

    score = commands.add_parser(
        "score",
        formatter_class=_Formatter,
        help="score every comment of a thread against the guidelines",
        description="Score each comment's own words: a probability per label, the labels over their thresholds,\n"
        "the concern (probability that a moderator should look at all) and the evidence spans.",
        epilog="examples:\n"
        "  moderator score moderator/samples/bug-4127.txt\n"
        "  moderator score threads.jsonl --json | jq 'select(.flags != [])'\n"
        "  moderator score bug.json --model /tmp/model --json\n",
    )
    _add_source_arguments(score)
    _add_model_argument(score)
    score.add_argument("--json", action="store_true", help="one JSON object per comment per line")
    score.set_defaults(handler=_cmd_score)

    evaluate = commands.add_parser(
        "evaluate",
        formatter_class=_Formatter,
        help="measure a model on labeled JSONL files",
        description="Per file: ROC-AUC and average precision of concern against the binary label, per-label\n"
        "precision / recall / F1 where the file's categories map onto the taxonomy, and the flag rate\n"
        "(which is the false-flag rate on files of civil comments only); for each of the file's own\n"
        "categories of uncivil comment, how many are flagged and how well concern ranks them.",
        epilog="examples:\n"
        "  moderator evaluate --data ../shared/data/heldout/strudel_github_comments.jsonl\n"
        "  moderator evaluate --data ../shared/data/heldout/*.jsonl --json\n",
    )
    evaluate.add_argument(
        "--data", nargs="+", action="extend", required=True, metavar="PATH", help="labeled JSONL files"
    )
    _add_model_argument(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print the results as one JSON object")
    evaluate.set_defaults(handler=_cmd_evaluate)

    review = commands.add_parser(
        "review",
        formatter_class=_Formatter,
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
    _add_source_arguments(review)
    review.add_argument("--log", metavar="FILE", help=_LOG_HELP)
    review.add_argument(
        "--moderator", metavar="NAME", help="who decides (default: $MODERATOR_NAME, else the login name)"
    )
    _add_model_argument(review)
    review.add_argument(
        "--queue",
        choices=("thread", "concern", "uncertain"),
        default="thread",
        help="order: thread order, most concerning first, or closest to a threshold first",
    )
    review.add_argument("--only-flagged", action="store_true", help="only the comments the model flags")
    review.set_defaults(handler=_cmd_review)

    decide = commands.add_parser(
        "decide",
        formatter_class=_Formatter,
        help="record a moderator's decision on one comment in the decision log",
        description="Append one decision to the log: exactly the document the review screen writes, with the\n"
        "model's scores at that moment. The log is --log, else $MODERATOR_LOG, else\n"
        f"{config.default_log()}; the moderator is --moderator, $MODERATOR_NAME, or the login name.",
        epilog="examples:\n"
        "  moderator decide moderator/samples/bug-4127.txt --comment 21 --labels personal-attack --action hide\n"
        "  moderator decide bug.json --comment 3 --ok --note 'sharp but fair'\n"
        "  moderator decide bug.json --comment 9 --labels demand,off-topic --log /tmp/decisions.yaml\n",
    )
    _add_source_arguments(decide)
    decide.add_argument("--comment", required=True, type=int, metavar="N", help="comment number")
    verdict = decide.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--labels", metavar="A,B", help="comma-separated label ids from the taxonomy")
    verdict.add_argument("--ok", action="store_true", help="the comment is fine")
    decide.add_argument(
        "--action",
        choices=("ok", "flag", "remind", "hide", "escalate", "skip"),
        help="default: ok with --ok, flag with --labels",
    )
    decide.add_argument("--note", default="", help="free text kept with the decision")
    decide.add_argument(
        "--moderator", metavar="NAME", help="who decides (default: $MODERATOR_NAME, else the login name)"
    )
    decide.add_argument("--log", metavar="FILE", help=_LOG_HELP)
    _add_model_argument(decide)
    decide.set_defaults(handler=_cmd_decide)

    log = commands.add_parser(
        "log",
        formatter_class=_Formatter,
        help="check, summarise or repair a decision log",
        description="Decision log maintenance.",
        epilog="examples:\n"
        "  moderator log validate                      # the default log: exit 0 when valid, 1 listing every problem\n"
        "  moderator log stats ~/moderation/decisions.yaml --json\n"
        "  moderator log repair decisions.yaml         # move a torn last document to a side file\n"
        f"\nThe default log is $MODERATOR_LOG, else {config.default_log()}.\n",
    )
    log_commands = log.add_subparsers(dest="log_command", metavar="ACTION", required=True)
    for name, handler, text in (
        ("validate", _cmd_log_validate, "exit 0 when the log is valid, 1 with the line of every problem"),
        ("stats", _cmd_log_stats, "counts of decisions, moderators, actions, labels and model agreement"),
        ("repair", _cmd_log_repair, "move a torn last document into a side file, leaving a valid log"),
    ):
        sub = log_commands.add_parser(
            name,
            help=text,
            description=text[0].upper() + text[1:] + ".",
            formatter_class=_Formatter,
            epilog=f"examples:\n  moderator log {name}\n  moderator log {name} ~/moderation/decisions.yaml{' --json' if name == 'stats' else ''}\n",
        )
        sub.add_argument("file", metavar="FILE", nargs="?", help=f"the decision log (default: {_LOG_DEFAULT_TEXT})")
        sub.add_argument("--taxonomy", metavar="PATH", help="taxonomy YAML (default: the one shipped with moderator)")
        if name == "stats":
            sub.add_argument("--json", action="store_true")
        sub.set_defaults(handler=handler)
    _add_models_parser(commands)
    return parser


def _add_models_parser(commands: argparse._SubParsersAction) -> None:
    from classifiers.trust import store_path

    models = commands.add_parser(
        "models",
        formatter_class=_Formatter,
        help="list the trusted models, trust or untrust a model folder",
        description="A model file is a pickle: loading it runs code. So moderator loads only models it trusts:\n"
        "the bundled one (its sha256 is pinned in the code), the ones this installation trained, and the\n"
        f"ones trusted with 'moderator models trust'. The trusted sha256 digests are kept in\n{store_path()}.",
        epilog="examples:\n"
        "  moderator models list\n"
        "  moderator models trust ~/Downloads/community-model\n"
        "  moderator models untrust ~/Downloads/community-model\n",
    )
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    trust = actions.add_parser(
        "trust",
        formatter_class=_Formatter,
        help="show a model folder's card and trust its model file",
        description="Show the model card (name, when trained, corpora, labels, libraries, the file's sha256),\n"
        "then ask whether to trust the model file. Trust only a model from someone you trust:\n"
        "loading it runs whatever code its author put in it.",
        epilog="examples:\n"
        "  moderator models trust ~/Downloads/community-model\n"
        "  moderator models trust /srv/models/2026-05 --yes     # no question (scripts); inspect the card first\n",
    )
    trust.add_argument("dir", metavar="DIR", help="model folder (model.joblib and model-card.yaml)")
    trust.add_argument(
        "--yes", "-y", action="store_true", help="trust without asking (needed when standard input is not a terminal)"
    )
    trust.set_defaults(handler=_cmd_models_trust)
    listing = actions.add_parser(
        "list",
        formatter_class=_Formatter,
        help="list the trusted model digests, where they came from and when",
        description="List the bundled model's pinned sha256 and every digest of the trust store: trained by\n"
        "this installation or trusted by the user, with the folder and the time it was added.",
        epilog="examples:\n  moderator models list\n  moderator models list --json\n",
    )
    listing.add_argument("--json", action="store_true", help='print {"store": PATH, "models": [...]}')
    listing.set_defaults(handler=_cmd_models_list)
    untrust = actions.add_parser(
        "untrust",
        formatter_class=_Formatter,
        help="stop trusting a model folder or a sha256",
        description="Remove a model from the trust store, named by its folder or by the sha256 'models list' shows.",
        epilog="examples:\n"
        "  moderator models untrust ~/Downloads/community-model\n"
        "  moderator models untrust 3f5a…(the 64 hex digits of 'moderator models list')\n",
    )
    untrust.add_argument("target", metavar="DIR|SHA256", help="model folder, or the sha256 of its model file")
    untrust.set_defaults(handler=_cmd_models_untrust)


def _add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="DIR",
        default=os.environ.get("MODERATOR_MODEL"),
        help="model folder (default: $MODERATOR_MODEL, else the bundled model)",
    )


def _cmd_thread(args: argparse.Namespace) -> int:
    threads = load_threads(args.source, args.format)
    if args.json:
        if len(threads) == 1:
            _write_chunks([*_thread_json(threads[0], 0), "\n"])
        else:
            _write_chunks(_threads_json(threads))
        return 0
    width = shutil.get_terminal_size((120, 24)).columns
    _write("\n\n".join(thread_table(t, width) for t in threads) + "\n")
    return 0


def _nested(value: object, depth: int) -> str:
    """``dumps(value, indent=2)`` as it reads ``depth`` levels deep in a larger document (JSON strings hold no raw
    line break, so every line break is layout)."""
    return dumps(value, indent=2).replace("\n", "\n" + "  " * depth)


def _thread_json(thread: Thread, depth: int) -> Iterator[str]:
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


def _threads_json(threads: list[Thread]) -> Iterator[str]:
    """``dumps({"threads": [...]}, indent=2)`` plus a line break, a comment at a time."""
    yield '{\n  "threads": [\n    '
    for position, thread in enumerate(threads):
        yield from _thread_json(thread, 2)
        yield ",\n    " if position < len(threads) - 1 else "\n"
    yield "  ]\n}\n"


def _write_chunks(chunks: Iterable[str], batch: int = 1 << 20) -> None:
    """Write ``chunks`` in batches of about ``batch`` characters: few system calls, bounded memory."""
    pending: list[str] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= batch:
            _write("".join(pending))
            pending, size = [], 0
    _write("".join(pending))


def _cmd_train(args: argparse.Namespace) -> int:
    from classifiers.training import train
    from moderation_core.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

    taxonomy = load_taxonomy(args.taxonomy or DEFAULT_TAXONOMY)
    output = args.output or str(config.default_model_output())

    def progress(message: str) -> None:
        print(f"moderator train: {message}", file=sys.stderr, flush=True)

    card = train(args.corpus, taxonomy, output, precision_target=args.precision, progress=progress)
    metrics = card["cross_validated_metrics"]
    lines = [f"model written to {output} ({card['artifact']['bytes'] / 1e6:.1f} MB, {card['training_seconds']} s)"]
    lines.append(f"{'label':16} {'threshold':>9} {'precision':>9} {'recall':>7} {'AUC':>6}")
    for label in card["taxonomy"]["labels"]:
        m = metrics[label]
        lines.append(
            f"{label:16} {m['threshold']:9.3f} {m['precision']:9.3f} {m['recall']:7.3f} {m['roc_auc'] or 0:6.3f}"
        )
    lines.append(f"concern ROC-AUC {metrics['concern']['roc_auc']:.3f} (cross-validated)")
    _write("\n".join(lines) + "\n")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from moderator.scoring import load_scorer, score_thread

    threads = load_threads(args.source, args.format)
    scorer = load_scorer(args.model)
    out: list[str] = []
    for thread in threads:
        results = score_thread(scorer, thread)
        if args.json:
            out.extend(dumps(r.to_dict(thread.id)) for r in results)
            continue
        out.append(one_line(thread.title or "(untitled thread)", 120))
        flagged = sum(1 for r in results if r.flags)
        out.append(f"{len(results)} comments, {flagged} flagged · model {scorer.model_id}")
        out.append(f"{'#':>4}  {'concern':>7}  {'flags':28}  own text")
        for comment, result in zip(thread.comments, results):
            number = str(comment.number) if comment.number is not None else "?"
            flags = ",".join(result.flags) or "-"
            out.append(
                f"{number:>4}  {result.concern:7.2f}  {one_line(flags, 28):28}  {one_line(comment.own_text, 70)}"
            )
        out.append("")
    _write("\n".join(out) + "\n")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from classifiers.evaluation import evaluate
    from moderator.scoring import load_scorer

    scorer = load_scorer(args.model)
    results = evaluate(scorer.model, args.data)
    if args.json:
        _write(dumps({"model": scorer.model_id, "files": results}, indent=2) + "\n")
        return 0
    lines = [
        f"model {scorer.model_id}",
        f"{'file':36} {'comments':>8} {'uncivil':>7} {'AUC':>6} {'AP':>6} {'flagged':>8}",
    ]
    for r in results:
        auc = f"{r['concern_roc_auc']:.3f}" if "concern_roc_auc" in r else "-"
        ap = f"{r['concern_average_precision']:.3f}" if "concern_average_precision" in r else "-"
        lines.append(
            f"{one_line(Path(r['file']).name, 36):36} {r['comments']:8d} {r['uncivil']:7d} {auc:>6} {ap:>6} {r['flag_rate']:8.2%}"
        )
        for category, figures in r.get("categories", {}).items():
            lines.append(
                f"  {one_line(category, 34):34} {figures['comments']:8d} {figures['comments']:7d} "
                f"{figures['concern_roc_auc']:6.3f} {'':>6} {figures['flagged']:8.2%}"
            )
    _write("\n".join(lines) + "\n")
    return 0


def _taxonomy(path: str | None = None):
    from moderation_core.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

    return load_taxonomy(path or DEFAULT_TAXONOMY)


def _cmd_review(args: argparse.Namespace) -> int:
    moderator = config.moderator_name(args.moderator)  # an unusable name stops here, before any work
    from moderator.scoring import load_scorer
    from moderator.tui.app import make_app

    taxonomy = _taxonomy()
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
    _write(f"decisions are saved in {one_line(str(log))}\n")
    return 0


# Actions taken against a comment: they say it breaks a guideline, which --ok says it does not.
_BREACH_ACTIONS = ("flag", "remind", "hide", "escalate")


def _decided_labels(given: str | None, known: Sequence[str]) -> list[str]:
    """The label ids of ``--labels``, each once, in the order given; any id outside the taxonomy is refused."""
    if given is None:
        return []
    labels = list(dict.fromkeys(label.strip() for label in given.split(",") if label.strip()))
    unknown = [label for label in labels if label not in known]
    if unknown or not labels:
        raise UsageError(f"--labels: {', '.join(unknown) or 'none given'} not in the taxonomy ({', '.join(known)})")
    return labels


def _decided_action(args: argparse.Namespace, labels: list[str]) -> str:
    action: str = args.action or ("ok" if args.ok else "flag")
    if args.ok and action in _BREACH_ACTIONS:
        raise UsageError(f"--ok contradicts --action {action}: acting against a comment needs the --labels it breaks")
    if labels and action == "ok":
        raise UsageError("--action ok contradicts --labels: a comment that is fine carries no label")
    return action


def _numbered_comment(thread: Thread, number: int, source: str) -> Comment:
    comment = next((c for c in thread.comments if c.number == number), None)
    if comment is not None:
        return comment
    numbers = [c.number for c in thread.comments if c.number is not None]
    if not numbers:
        raise UsageError(f"{source}: no comment {number}: the thread's comments have no numbers to decide by")
    raise UsageError(f"{source}: no comment {number} (numbers {min(numbers)}..{max(numbers)})")


def _cmd_decide(args: argparse.Namespace) -> int:
    from moderator.log import DecisionLog, decision_document, ensure_fits

    # Every option is checked before the log, the thread or the model is opened.
    moderator = config.moderator_name(args.moderator)
    taxonomy = _taxonomy()
    labels = _decided_labels(args.labels, taxonomy.ids)
    action = _decided_action(args, labels)
    path = config.log_path(args.log)
    log = DecisionLog(path, taxonomy.ids)  # refuses a damaged or hostile log before anything is written
    thread = load_thread(args.source, args.format)
    comment = _numbered_comment(thread, args.comment, args.source)
    decided = {
        "moderator": moderator,
        "thread": thread.header_dict(),
        "comment": comment.to_dict(),
        "labels": labels,
        "action": action,
        "note": args.note,
    }
    ensure_fits(path, decision_document(model=None, **decided))  # a comment too big for the log: before scoring
    from moderator.scoring import load_scorer, score_thread  # numpy and scikit-learn: only once all input is good

    scorer = load_scorer(args.model, taxonomy)
    scored = score_thread(scorer, thread, with_evidence=False)[thread.comments.index(comment)]
    model = {"id": scorer.model_id, "scores": scored.scores, "flags": scored.flags, "concern": scored.concern}
    log.record(decision_document(model=model, **decided))
    # The name and the path come from the command line: shown, never obeyed by the terminal.
    _write(
        one_line(f"saved: comment {comment.number} {action} {','.join(labels) or '-'} by {moderator} in {path}") + "\n"
    )
    return 0


def _existing_log(name: str | None) -> Path:
    """The named log, else the default one (``$MODERATOR_LOG``, else the per-user data folder's)."""
    path = Path(name) if name else Path(os.environ.get(config.LOG_ENV) or config.default_log())
    kind = irregular_kind(path)
    if kind is not None:
        raise UsageError(f"{path}: is {kind}, not a decision log")
    if not path.is_file():
        raise UsageError(
            f"{path}: no such file" + ("" if name else " (no decision has been saved to the default log yet)")
        )
    return path


def _cmd_log_validate(args: argparse.Namespace) -> int:
    from moderator.log import read_log

    path = _existing_log(args.file)
    contents = read_log(path, _taxonomy(args.taxonomy).ids)
    if contents.problems:
        lines = [one_line(p.format(path)) for p in contents.problems]
        if contents.omitted_problems:  # only so many are kept, so a log of millions of bad lines stays cheap
            lines.append(one_line(f"{path}: and {contents.omitted_problems} more problems, not listed"))
        _write("\n".join(lines) + "\n")
        return 1
    _write(f"{path}: valid, {len(contents.entries)} documents\n")
    return 0


def _cmd_log_stats(args: argparse.Namespace) -> int:
    from moderator.log import read_log, stats

    path = _existing_log(args.file)
    summary = stats(read_log(path, _taxonomy(args.taxonomy).ids))
    if args.json:
        _write(dumps(summary, indent=2) + "\n")
        return 0
    lines = [f"{path}"]
    for key in ("documents", "decisions", "retractions", "effective_decisions", "threads", "problems"):
        lines.append(f"  {key.replace('_', ' '):20} {summary[key]}")
    for key in ("moderators", "actions", "labels"):
        values = ", ".join(f"{one_line(str(k))} {v}" for k, v in sorted(summary[key].items())) or "-"
        lines.append(f"  {key:20} {values}")
    agreement = summary["model_agreement"]
    lines.append(f"  {'model agreement':20} {'-' if agreement is None else f'{agreement:.1%}'}")
    _write("\n".join(lines) + "\n")
    return 0


def _cmd_log_repair(args: argparse.Namespace) -> int:
    from moderator.log import read_log, repair

    path = _existing_log(args.file)
    ids = _taxonomy(args.taxonomy).ids
    side = repair(path, ids)  # refuses (LogError) a symlink, a file that is no log, a side file it cannot save
    remaining = read_log(path, ids).problem_count
    if side is None:
        _write(f"{path}: no torn last document to repair\n")
    else:
        _write(f"{path}: moved the torn last document to {side}\n")
    if remaining:
        raise UsageError(
            f"{path}: {remaining} other problems remain (repair only cuts a torn last document); "
            f"see 'moderator log validate {path}'"
        )
    return 0


_CARD_SOURCES_SHOWN = 20


def _models_card_lines(checked) -> list[str]:  # checked: classifiers.persist.ModelFile
    """What to know before trusting a model, every value from the card through one_line (the card is data)."""
    card = checked.card

    def field(value: object, width: int = 100) -> str:
        return one_line(str(value), width)

    taxonomy = card["taxonomy"]
    libraries = ", ".join(f"{name} {version}" for name, version in card["libraries"].items())
    lines = [
        "model card (what its author wrote; only the sha256 below is computed here, from the model file):",
        f"model folder  {field(checked.folder)}",
        f"model         {field(card.get('model', '(unnamed)'), 60)}@{checked.sha256[:12]}",
        f"trained       {field(card.get('trained', '(not stated)'), 40)}",
        f"labels        {field(taxonomy.get('name', '?'), 30)} {field(taxonomy.get('version', ''), 10)}: "
        f"{field(', '.join(taxonomy['labels']), 120)}",
        f"libraries     {field(libraries)}",
        f"artifact      {field(checked.artifact)} ({len(checked.data)} bytes)",
        f"sha256        {checked.sha256}",
        "corpora",
    ]
    sources = card.get("data", [])
    for source in sources[:_CARD_SOURCES_SHOWN]:
        details = ", ".join(
            field(f"{key} {source[key]}", 60) for key in ("path", "examples", "licence", "origin") if key in source
        )
        lines.append(f"  - {field(source.get('name', '(unnamed)'), 60)} ({details})")
    if len(sources) > _CARD_SOURCES_SHOWN:
        lines.append(f"  … and {len(sources) - _CARD_SOURCES_SHOWN} more")
    if not sources:
        lines.append("  (none stated)")
    return lines


def _cmd_models_trust(args: argparse.Namespace) -> int:
    from classifiers import trust
    from classifiers.persist import inspect_model, require_trusted

    checked = inspect_model(args.dir)  # the card's shape and the file's sha256 against it; nothing unpickled
    _write("\n".join(_models_card_lines(checked)) + "\n")
    if checked.bundled:
        require_trusted(checked)  # the bundled folder is trusted by the pinned digest only, never by the store
        _write("the bundled model is trusted by the sha256 pinned in moderator's code; nothing to do\n")
        return 0
    if trust.is_trusted(checked.sha256):
        _write("already trusted (see 'moderator models list'); nothing to do\n")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"{args.dir}: cannot ask whether to trust this model (standard input is not a terminal); "
                "inspect the card above and pass --yes to trust it"
            )
        try:
            answer = input("Trust this model? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            _write("not trusted; nothing changed\n")
            return 1
    trust.add(checked.sha256, source="trusted", folder=checked.folder, model=str(checked.card.get("model", "model")))
    _write(f"trusted sha256 {checked.sha256} (in {trust.store_path()})\n")
    return 0


def _cmd_models_list(args: argparse.Namespace) -> int:
    from classifiers import trust  # not classifiers.persist: listing needs no scikit-learn

    entries = trust.read_store()
    bundled = {
        "sha256": trust.BUNDLED_MODEL_SHA256,
        "source": "bundled",
        "path": str(trust.BUNDLED_MODEL_DIR),
        "model": "guideline-classifier",
        "added": "(pinned in the code)",
    }
    rows = [bundled] + [
        {"sha256": e.sha256, "source": e.source, "path": e.path, "model": e.model, "added": e.added} for e in entries
    ]
    if args.json:
        _write(dumps({"store": str(trust.store_path()), "models": rows}, indent=2) + "\n")
        return 0
    lines = [f"{'sha256':64}  {'source':8}  {'added':25}  model  folder"]
    for row in rows:
        lines.append(
            f"{row['sha256']}  {row['source']:8}  {one_line(row['added'], 25):25}  "
            f"{one_line(row['model'], 40)}  {one_line(row['path'], 120)}"
        )
    exists = trust.store_path().exists()
    lines.append(f"trust store: {trust.store_path()}{'' if exists else ' (none yet)'}")
    _write("\n".join(lines) + "\n")
    return 0


def _cmd_models_untrust(args: argparse.Namespace) -> int:
    from classifiers import trust
    from classifiers.persist import inspect_model, read_card
    from moderation_core.errors import ModelError

    target = Path(args.target)
    if trust.is_sha256(args.target.lower()) and not target.exists():
        digests = {args.target.lower()}
    elif target.is_dir():
        digests = {read_card(target)["artifact"]["sha256"]}
        try:
            digests.add(inspect_model(target).sha256)  # the file as it is now, if it differs from its card
        except ModelError:
            pass
    else:  # a folder that is gone: the entries recorded for its path
        digests = {e.sha256 for e in trust.read_store() if e.path == str(target.resolve())}
    if trust.BUNDLED_MODEL_SHA256 in digests:
        raise UsageError(
            f"{one_line(args.target)}: the bundled model is trusted by the sha256 pinned in moderator's code; "
            "it cannot be untrusted"
        )
    removed = trust.remove(digests)
    if not removed:
        raise UsageError(
            f"{one_line(args.target)}: not in the trust store {trust.store_path()} (see 'moderator models list')"
        )
    for entry in removed:
        _write(
            f"untrusted sha256 {entry.sha256} ({entry.source} {one_line(entry.added)}, {one_line(entry.path, 120)})\n"
        )
    return 0


def _write(text: str) -> None:
    # Every command's output passes here: whatever a handler forgot to escape (a path, a name from a file) is
    # still shown, never acted on by the terminal. Already escaped text comes through unchanged.
    sys.stdout.write(visible(text))
    sys.stdout.flush()


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
