"""``moderator score``: score every comment of a thread against the guidelines."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from moderation_core.textsafe import json_lines
from moderator import config
from moderator.cli.options import Formatter, add_jobs_argument, add_model_argument, add_source_arguments
from moderator.cli.output import write
from moderator.cli.remote import add_server_argument, resolve_source
from moderator.cli.render import score_table

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands
    from moderator.scoring import Scorer

# Output is written in pieces of about this many characters (and whenever a batch of comments has been scored):
# a write and a flush per thread cost more than encoding a one-comment thread's result.
_WRITE_AT = 1 << 16


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
        "  moderator score bug.json --model /tmp/model --json\n"
        "  moderator score export.jsonl --json --jobs 8 > scores.jsonl\n"
        "  moderator score bugzilla:1234567 --json                 # fetched first (see 'moderator fetch')\n",
    )
    add_source_arguments(parser)
    add_server_argument(parser)
    add_model_argument(parser)
    add_jobs_argument(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per comment per line")
    parser.set_defaults(handler=run)


class _Pieces:
    """Output pieces separated by one newline, as if written whole ("\\n".join(pieces)), written in batches."""

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._size = 0
        self._separator = ""  # "\n" once something has been written

    def add(self, pieces: list[str]) -> None:
        self._pending.extend(pieces)
        self._size += sum(map(len, pieces))
        if self._size >= _WRITE_AT:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            write(self._separator + "\n".join(self._pending))
            self._separator = "\n"
            self._pending, self._size = [], 0


def run(args: argparse.Namespace) -> int:
    from moderator.sources.stream import iter_threads_beside

    jobs = config.jobs(args.jobs)

    def load() -> Scorer:
        from moderator.scoring import load_scorer  # numpy and scikit-learn: only for scoring commands

        return load_scorer(args.model)

    # A JSONL file is read and checked whole here, then its threads are read again one at a time as they are
    # scored: memory holds one batch of threads, never the file (any size). Every error of the file is raised by
    # this call, before any error of the model and before anything is written. On a large file the checking reading
    # runs in a process of its own while the model loads (two seconds each on a 35 MB export).
    threads, scorer = iter_threads_beside(resolve_source(args), args.format, load)
    from moderator.scoring import score_threads

    # Threads are scored together in batches (one model pass for thousands of comments); what is scored is written
    # when a batch is done (``pause``) or enough is waiting. Pieces are separated by one newline and the output ends
    # with one, as when it was written whole ("\n".join(pieces) + "\n"): a table ends with a blank line, nothing
    # scored is one newline.
    output = _Pieces()
    for thread, results in score_threads(scorer, threads, pause=output.flush, jobs=jobs):
        if args.json:
            if results:
                output.add([json_lines(r.to_dict(thread.id) for r in results)])
        else:
            output.add([score_table(thread, results, scorer.model_id) + "\n"])
    output.flush()
    write("\n")
    return 0
