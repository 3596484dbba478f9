"""``moderator export-tags``: what the decision logs' effective decisions imply as Bugzilla comment tags or GitHub
hide reasons, as JSON ready for those APIs (the rules: :mod:`moderator.reports.tags`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.files import irregular_kind
from moderation_core.textsafe import dumps, one_line
from moderator.cli.options import Formatter, add_taxonomy_argument, load_named_taxonomy
from moderator.cli.output import write

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands

_TARGETS = ("bugzilla", "github")  # moderator.reports.tags.TARGETS, without importing it for the help


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "export-tags",
        formatter_class=Formatter,
        help="export what the decisions imply as Bugzilla comment tags or GitHub hide reasons (JSON)",
        description="Read decision logs (refused, exit 2, on any problem 'moderator log validate' finds) and print\n"
        "what their effective decisions imply, by the taxonomy's mapping, as JSON ready for the target's API:\n"
        "  bugzilla: per comment id the tags to add (PUT /rest/bug/comment/{id}/tags, body\n"
        '            {"comment_id", "add", "remove"}), for decisions flag, remind, hide or escalate with labels;\n'
        "  github:   per comment its REST id, node id and the minimizeComment classifier, for hide decisions\n"
        "            with labels (minimizing is hiding).\n"
        "Several moderators: a tag (a classifier) needs more than half of those who decided the comment;\n"
        "ties are left out and listed under conflicts. Comments without an id (page copies) are listed\n"
        "under not_exportable; GitHub comments without node id under missing_node_id. The logs are only read.",
        epilog="examples:\n"
        "  moderator export-tags decisions.yaml --target bugzilla\n"
        "  moderator export-tags dana.yaml lee.yaml --target github -o minimize.json\n"
        "  moderator export-tags decisions.yaml --target bugzilla --thread 4127 | jq '.comments[].body'\n",
    )
    parser.add_argument("logs", metavar="LOG", nargs="+", help="decision log (several: their decisions merged)")
    parser.add_argument("--target", required=True, choices=_TARGETS, help="the tracker whose API the JSON is for")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the JSON to FILE (replaced atomically) instead of printing it"
    )
    parser.add_argument("--thread", metavar="ID", help="only this thread: its id (a page copy's title)")
    add_taxonomy_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from moderator.reports.tags import export_tags, summary_line

    output = Path(args.output) if args.output else None
    if output is not None:
        _refuse_output(output, args.logs)  # before anything is read: the logs are never written
    export = export_tags(args.logs, load_named_taxonomy(args.taxonomy), args.target, thread=args.thread)
    text = dumps(export.to_json(), indent=2) + "\n"
    if output is None:
        write(text)
        if export.nothing_to_export:
            # stdout stays the JSON alone; the note is for the person running it
            print(one_line(f"moderator: nothing to export: {export.nothing_to_export}"), file=sys.stderr)
        return 0
    _write_export(output, text)
    write(one_line(summary_line(export, str(output))) + "\n")
    return 0


def _refuse_output(output: Path, logs: list[str]) -> None:
    """``-o`` never names one of the logs read (by resolved path or as the same file), nor something that is no
    regular file (replacing a device node or a FIFO would not be writing an export)."""
    kind = irregular_kind(output)
    if kind is not None or output.is_dir():
        raise UsageError(f"{output}: is {kind or 'a directory'}; -o names the file to write the export to")
    target = output.resolve()
    for log in logs:
        log_path = Path(log)
        if log_path.resolve() == target or _same_file(log_path, output):
            raise UsageError(f"{output}: is the decision log {log}, which the export only reads; name another file")


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)  # a hard link to the log is the log
    except OSError:
        return False


def _write_export(output: Path, text: str) -> None:
    from moderation_core.files import write_atomically

    try:
        write_atomically(output, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(
            f"{output}: cannot write the export ({error.strerror or error}); nothing was written"
        ) from None
