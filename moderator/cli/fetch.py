"""``moderator fetch``: a Bugzilla bug or a GitHub issue or pull request, fetched as the JSON the importers read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.files import irregular_kind
from moderation_core.textsafe import one_line
from moderator.cli.options import Formatter
from moderator.cli.output import write
from moderator.cli.remote import add_server_argument

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "fetch",
        formatter_class=Formatter,
        help="fetch a Bugzilla bug or a GitHub issue or pull request as JSON the importers read",
        description="Fetch a thread from its tracker and print it (or write it with -o) as the JSON that\n"
        "'moderator thread', 'review' and 'score' read: Bugzilla's [bug, comments] REST answers, or\n"
        "GitHub's [issue, comments] with every page of comments. 'review', 'thread' and 'score' take the\n"
        "same SOURCE forms directly.\n"
        "\n"
        "SOURCE: https://bugzilla.mozilla.org/show_bug.cgi?id=N, bugzilla:N, https://github.com/O/R/issues/N,\n"
        "https://github.com/O/R/pull/N, O/R#N, or a page URL of the --server named.\n"
        "Credentials: $BUGZILLA_API_KEY (sent as the X-BUGZILLA-API-KEY header) for private bugs;\n"
        "$GITHUB_TOKEN, else 'gh auth token' when the GitHub CLI is installed. Never shown or written.\n"
        "Refetching an unchanged thread costs no rate limit: each page is asked for conditionally\n"
        "(ETag / Last-Modified) against the per-user cache folder. A short rate-limit wait is counted\n"
        "down on standard error; a long one is an error saying when to retry.",
        epilog="examples:\n"
        "  moderator fetch https://bugzilla.mozilla.org/show_bug.cgi?id=1234567 -o bug.json\n"
        "  moderator fetch bugzilla:1234567 --server https://bugzilla.example.org\n"
        "  moderator fetch https://github.com/octo/repo/issues/42 -o issue.json\n"
        "  moderator fetch octo/repo#42 | jq '.[1] | length'\n"
        "  GITHUB_API_URL=https://ghe.example.com/api/v3 moderator fetch team/app#7\n"
        "  moderator review octo/repo#42                        # fetched into the cache, then reviewed\n",
    )
    parser.add_argument("source", metavar="SOURCE", help="a Bugzilla bug or GitHub issue or pull request (see above)")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the JSON to FILE (replaced atomically) instead of printing it"
    )
    add_server_argument(parser)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="ask for every page whole, and keep nothing in the per-user cache folder",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from moderator.cli.remote import fetch_source, write_file

    output = Path(args.output) if args.output else None
    if output is not None:
        _refuse_output(output)  # before any request: a typo in -o costs no rate limit
    fetched, comments = fetch_source(args.source, args.server, use_cache=not args.no_cache)
    if output is None:
        sys.stdout.buffer.write(fetched.body)
        sys.stdout.flush()
        return 0
    try:
        write_file(output, fetched.body)
    except OSError as error:
        raise UsageError(
            f"{output}: cannot write the thread ({error.strerror or error}); nothing was written"
        ) from None
    requests = f"{fetched.requests} request{'s' if fetched.requests != 1 else ''}"
    unchanged = f", {fetched.not_modified} unchanged (304)" if fetched.not_modified else ""
    write(one_line(f"fetched {fetched.name}: {comments} comments into {output} ({requests}{unchanged})") + "\n")
    return 0


def _refuse_output(output: Path) -> None:
    kind = irregular_kind(output)
    if kind is not None or output.is_dir():
        raise UsageError(f"{output}: is {kind or 'a directory'}; -o names the file to write the thread to")
    if not output.parent.is_dir():
        raise UsageError(f"{output}: no such folder {output.parent}; nothing was fetched")
