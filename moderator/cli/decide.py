"""``moderator decide``: one decision appended to the log, exactly the document the review screen writes."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.textsafe import one_line
from moderation_core.thread import Comment, Thread
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
from moderator.log import ACTIONS, Action
from moderator.sources import load_thread

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands

# Actions taken against a comment (the review screen's action cycle): they say it breaks a guideline, which --ok
# says it does not.
_BREACH_ACTIONS = tuple(action.value for action in Action.cycle())


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "decide",
        formatter_class=Formatter,
        help="record a moderator's decision on one comment in the decision log",
        description="Append one decision to the log: exactly the document the review screen writes, with the\n"
        "model's scores at that moment. The log is --log, else $MODERATOR_LOG, else\n"
        f"{config.default_log()}; the moderator is --moderator, $MODERATOR_NAME, or the login name.",
        epilog="examples:\n"
        "  moderator decide moderator/samples/bug-4127.txt --comment 21 --labels personal-attack --action hide\n"
        "  moderator decide bug.json --comment 3 --ok --note 'sharp but fair'\n"
        "  moderator decide bug.json --comment 9 --labels demand,off-topic --log /tmp/decisions.yaml\n",
    )
    add_source_arguments(parser, remote=False)
    parser.add_argument("--comment", required=True, type=int, metavar="N", help="comment number")
    verdict = parser.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--labels", metavar="A,B", help="comma-separated label ids from the taxonomy")
    verdict.add_argument("--ok", action="store_true", help="the comment is fine")
    parser.add_argument(
        "--action",
        choices=ACTIONS,
        help="default: ok with --ok, flag with --labels",
    )
    parser.add_argument("--note", default="", help="free text kept with the decision")
    add_moderator_argument(parser)
    parser.add_argument("--log", metavar="FILE", help=log_help())
    add_model_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from moderator.log import DecidedComment, Decision, DecisionLog, ModelView, ThreadRef, ensure_fits

    # Every option is checked before the log, the thread or the model is opened.
    moderator = config.moderator_name(args.moderator)
    taxonomy = load_named_taxonomy()
    labels = _decided_labels(args.labels, taxonomy.ids)
    action = _decided_action(args, labels)
    path = config.log_path(args.log)
    log = DecisionLog(path, taxonomy.ids)  # refuses a damaged or hostile log before anything is written
    thread = load_thread(args.source, args.format)
    comment = _numbered_comment(thread, args.comment, args.source)

    def decision(model: ModelView | None) -> Decision:
        return Decision.new(
            moderator=moderator,
            thread=ThreadRef.from_thread(thread),
            comment=DecidedComment.in_thread(thread, thread.comments.index(comment)),
            model=model,
            labels=labels,
            action=Action(action),
            note=args.note,
        )

    ensure_fits(path, decision(None))  # a comment too big for the log: refused before scoring
    from moderator.scoring import load_scorer, score_thread  # numpy and scikit-learn: only once all input is good

    scorer = load_scorer(args.model, taxonomy)
    scored = score_thread(scorer, thread, with_evidence=False)[thread.comments.index(comment)]
    log.append(decision(ModelView.from_score(scored, scorer.model_id)))
    # The name and the path come from the command line: shown, never obeyed by the terminal.
    write(
        one_line(f"saved: comment {comment.number} {action} {','.join(labels) or '-'} by {moderator} in {path}") + "\n"
    )
    return 0


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
