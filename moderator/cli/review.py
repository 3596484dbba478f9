"""``moderator review``: the review screen on a thread, every decision saved to the log at its keystroke."""

from __future__ import annotations

import argparse
import os
from functools import partial
from typing import TYPE_CHECKING

from moderation_core.errors import SourceError
from moderation_core.textsafe import one_line
from moderation_core.thread import Thread
from moderator import config
from moderator.cli.options import (
    Formatter,
    add_format_argument,
    add_model_argument,
    add_moderator_argument,
    load_named_taxonomy,
    log_help,
)
from moderator.cli.output import write
from moderator.cli.remote import OnWait, add_server_argument, resolve_source
from moderator.sources import load_threads

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands
    from moderator.review.queue_walk import ThreadSource


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "review",
        formatter_class=Formatter,
        help="review a thread comment by comment in the terminal, saving every decision to the log",
        description="Open the review screen on a thread: the classifier's flags and evidence beside each comment,\n"
        "one or two keys per decision (a: fine, 1-7: toggle a label, enter: save, f: next flagged,\n"
        "u: undo, ?: help). Every decision is saved to the log at its keystroke; reopening the same\n"
        "thread with the same log starts at the first undecided comment.\n"
        "\n"
        "A file of many threads (a mailing-list archive, a JSONL or CSV export) opens on the list of its\n"
        "threads: title, comments, flagged, marked for review, decided by you. / filters the list (words\n"
        "of a title, a thread id or an author), enter reviews the thread under the cursor, q in the\n"
        "review comes back to the list, q in the list quits. --thread ID opens one thread directly.\n"
        "\n"
        "R retrains the model from the log in a separate process while you go on reviewing: the starter\n"
        "corpus, any --train-corpus files and the log's decisions, then the comparison gate of\n"
        "'moderator train --log' against the model scoring the thread. If the gate passes and you say y,\n"
        "the new model is put in use and rescores the thread; n keeps it as a version, not in use.\n"
        "\n"
        "--queue-file QUEUE walks a triage queue written by 'moderator scan' instead of one SOURCE: the list\n"
        "of its entries (state, concern, comment, author, thread; labels and evidence), decided entries\n"
        "marked. enter opens an entry's thread on its comment (loaded again from its file, or fetched), w\n"
        "goes to the next undecided entry in whichever thread, escape comes back to the list. A comment\n"
        "whose text changed since the scan is said so over the screen; a thread that cannot be loaded any\n"
        "more is marked unloadable.",
        epilog="examples:\n"
        "  moderator review moderator/samples/bug-4127.txt\n"
        "  moderator review octo/repo#42                            # fetched first (see 'moderator fetch')\n"
        "  moderator review list.mbox                               # many threads: choose one in the list\n"
        "  moderator review list.mbox --thread '<a1@lists.example.org>'\n"
        "  moderator review export.jsonl --thread t42 --only-flagged\n"
        "  moderator review bug.json --queue concern --only-flagged --moderator dana\n"
        "  moderator review list.mbox --log ~/moderation/decisions.yaml\n"
        "  moderator review bug.json --train-corpus ../shared/data/train/vcu_incivility.jsonl   # R retrains with it\n"
        "  moderator scan threads/ -o queue.jsonl && moderator review --queue-file queue.jsonl\n",
    )
    # SOURCE is optional only because --queue-file may stand for it: argparse requires exactly one of the two.
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "source",
        metavar="SOURCE",
        nargs="?",
        help="thread file (any format listed under --format), or a tracker's thread (see 'moderator fetch')",
    )
    what.add_argument(
        "--queue-file",
        metavar="QUEUE",
        help="walk the triage queue QUEUE (a 'moderator scan' output) across its threads, instead of a SOURCE",
    )
    add_format_argument(parser)
    add_server_argument(parser)
    parser.add_argument(
        "--thread",
        metavar="ID",
        help="review the thread with this id (a Message-ID, a bug or issue number, a JSONL/CSV 'thread' value) "
        "without the list of threads; 'moderator thread SOURCE --json' shows the ids",
    )
    parser.add_argument("--log", metavar="FILE", help=log_help())
    add_moderator_argument(parser)
    add_model_argument(parser)
    parser.add_argument(
        "--queue",
        choices=("thread", "concern", "uncertain"),
        default="thread",
        help="order: thread order, most concerning first, or closest to a threshold first",
    )
    parser.add_argument(
        "--only-flagged",
        action="store_true",
        help="only the comments the model flags or marks for review (all, and a notice, when there are none)",
    )
    parser.add_argument(
        "--train-corpus",
        action="append",
        default=[],
        metavar="PATH",
        help=f"labeled JSONL corpus that retraining (R) adds to the starter corpus and the log (repeatable; "
        f"default: ${config.TRAIN_CORPUS_ENV}, separated by '{os.pathsep}')",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    moderator = config.moderator_name(args.moderator)  # an unusable name stops here, before any work
    corpora = config.train_corpora(args.train_corpus)
    from moderator.retrain import RetrainSettings
    from moderator.scoring import load_scorer  # numpy, scikit-learn and textual: only for this command
    from moderator.tui.app import make_app, make_picker_app

    if args.queue_file is not None:
        return run_queue(args, moderator, corpora)
    taxonomy = load_named_taxonomy()
    args.source = resolve_source(args)  # a bug or issue address: fetched into the per-user cache folder
    threads = load_threads(args.source, args.format)  # an unreadable source stops here, before any screen
    if args.thread is not None:
        threads = [thread_with_id(threads, args.thread, args.source)]
    scorer = load_scorer(args.model, taxonomy)
    log = config.log_path(args.log)
    retrain = RetrainSettings(config.default_model_output(), corpora)
    if len(threads) == 1:
        app = make_app(
            threads[0],
            taxonomy,
            log,
            moderator,
            scorer=scorer,
            queue=args.queue,
            only_flagged=args.only_flagged,
            retrain=retrain,
        )
    else:
        app = make_picker_app(
            threads,
            taxonomy,
            log,
            moderator,
            scorer=scorer,
            queue=args.queue,
            only_flagged=args.only_flagged,
            source_name=str(args.source),
            retrain=retrain,
        )
    app.run()
    # The screen is gone once the app exits: say where the work went, in the terminal the moderator returns to.
    write(f"decisions are saved in {one_line(str(log))}\n")
    return 0


def run_queue(args: argparse.Namespace, moderator: str, corpora: tuple[str, ...]) -> int:
    """``review --queue-file``: the queue read and checked whole before any screen (a QueueError names the file and
    the line), then the queue list."""
    from moderation_core.errors import UsageError
    from moderator.retrain import RetrainSettings
    from moderator.scan.queue import read_queue
    from moderator.scoring import load_scorer
    from moderator.tui.app import make_queue_app

    for option, value in (("--thread", args.thread), ("--format", args.format)):
        if value is not None:
            raise UsageError(f"{option} goes with SOURCE, not --queue-file: the queue names each entry's thread")
    queue = read_queue(args.queue_file)
    if not queue.entries:
        write(f"{one_line(args.queue_file)}: the queue has no entry: nothing to review\n")
        return 0
    taxonomy = load_named_taxonomy()
    scorer = load_scorer(args.model, taxonomy)
    log = config.log_path(args.log)
    waits = _WaitRelay()  # the app is made with the loader, and the loader tells the app of a wait
    app = make_queue_app(
        queue,
        taxonomy,
        log,
        moderator,
        loader=partial(load_queued_source, on_wait=waits),
        scorer=scorer,
        order=args.queue,
        only_flagged=args.only_flagged,
        source_name=str(args.queue_file),
        retrain=RetrainSettings(config.default_model_output(), corpora),
    )
    waits.to = app.report_fetch_wait
    app.run()
    write(f"decisions are saved in {one_line(str(log))}\n")
    return 0


class _WaitRelay:
    """A rate-limit wait during a fetch from the queue list, passed on to the app (standard error is under the
    screen there)."""

    def __init__(self) -> None:
        self.to: OnWait | None = None

    def __call__(self, seconds: float, reason: str) -> None:
        if self.to is not None:
            self.to(seconds, reason)


def load_queued_source(source: ThreadSource, *, on_wait: OnWait | None = None) -> list[Thread]:
    """The threads of a queue entry's source, loaded again: a file with the importers (the format the scan was given,
    or detected), a tracker's thread fetched as ``moderator review SOURCE`` fetches it (through the per-user cache).
    Called in a worker thread of the review app; its errors mark the entries of that source as unloadable."""
    if source.remote is not None:
        path = resolve_source(argparse.Namespace(source=source.remote, server=source.server), on_wait=on_wait)
        return load_threads(path)
    assert source.path is not None  # a file origin always has its path (the queue reader checks it)
    return load_threads(source.path, source.format)


# Threads named in the error for an unknown --thread: enough to spot a typo, one line however long the file.
IDS_SHOWN = 5
TITLE_SHOWN = 40


def thread_with_id(threads: list[Thread], thread_id: str, source: str) -> Thread:
    """The thread whose id is ``thread_id``; a SourceError naming the file and a few of its ids otherwise."""
    from moderator.review.catalog import title_of  # numpy comes with moderator.review: only for this command

    for thread in threads:
        if thread.id is not None and str(thread.id) == thread_id:
            return thread
    shown = ", ".join(f"{_id_text(t)} ({one_line(title_of(t), TITLE_SHOWN)})" for t in threads[:IDS_SHOWN])
    more = f", and {len(threads) - IDS_SHOWN} more" if len(threads) > IDS_SHOWN else ""
    count = f"{len(threads)} thread{'s' if len(threads) != 1 else ''}"
    raise SourceError(
        source, f"no thread with id '{one_line(thread_id, TITLE_SHOWN)}' among its {count}: {shown}{more}"
    )


def _id_text(thread: Thread) -> str:
    return "(no id)" if thread.id is None else one_line(str(thread.id), TITLE_SHOWN)
