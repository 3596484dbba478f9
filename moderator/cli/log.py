"""``moderator log validate|stats|repair``: decision log maintenance."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.files import irregular_kind
from moderation_core.textsafe import dumps, one_line
from moderator import config
from moderator.cli.options import Formatter, add_taxonomy_argument, load_named_taxonomy, log_default_text
from moderator.cli.output import write
from moderator.cli.render import log_stats_table

if TYPE_CHECKING:
    from collections.abc import Callable

    from moderator.cli.options import Subcommands

_ACTIONS = {
    "validate": "exit 0 when the log is valid, 1 with the line of every problem",
    "stats": "counts of decisions, moderators, actions, labels and model agreement",
    "repair": "move a torn last document into a side file, leaving a valid log",
}


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "log",
        formatter_class=Formatter,
        help="check, summarise or repair a decision log",
        description="Decision log maintenance.",
        epilog="examples:\n"
        "  moderator log validate                      # the default log: exit 0 when valid, 1 listing every problem\n"
        "  moderator log stats ~/moderation/decisions.yaml --json\n"
        "  moderator log repair decisions.yaml         # move a torn last document to a side file\n"
        f"\nThe default log is $MODERATOR_LOG, else {config.default_log()}.\n",
    )
    actions = parser.add_subparsers(dest="log_command", metavar="ACTION", required=True)
    for name, text in _ACTIONS.items():
        example = f"moderator log {name} ~/moderation/decisions.yaml" + (" --json" if name == "stats" else "")
        action = actions.add_parser(
            name,
            help=text,
            description=text[0].upper() + text[1:] + ".",
            formatter_class=Formatter,
            epilog=f"examples:\n  moderator log {name}\n  {example}\n",
        )
        action.add_argument("file", metavar="FILE", nargs="?", help=f"the decision log (default: {log_default_text()})")
        add_taxonomy_argument(action)
        if name == "stats":
            action.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "validate": validate,
        "stats": show_stats,
        "repair": repair_torn_end,
    }
    return commands[args.log_command](args)


def validate(args: argparse.Namespace) -> int:
    from moderator.log import read_log

    path = _existing_log(args.file)
    contents = read_log(path, load_named_taxonomy(args.taxonomy).ids)
    if contents.problems:
        lines = [one_line(p.format(path)) for p in contents.problems]
        if contents.omitted_problems:  # only so many are kept, so a log of millions of bad lines stays cheap
            lines.append(one_line(f"{path}: and {contents.omitted_problems} more problems, not listed"))
        write("\n".join(lines) + "\n")
        return 1
    write(f"{path}: valid, {len(contents.entries)} documents\n")
    return 0


def show_stats(args: argparse.Namespace) -> int:
    from moderator.log import read_log, stats

    path = _existing_log(args.file)
    summary = stats(read_log(path, load_named_taxonomy(args.taxonomy).ids))
    if args.json:
        write(dumps(summary, indent=2) + "\n")
    else:
        write(log_stats_table(path, summary) + "\n")
    return 0


def repair_torn_end(args: argparse.Namespace) -> int:
    from moderator.log import read_log, repair

    path = _existing_log(args.file)
    ids = load_named_taxonomy(args.taxonomy).ids
    side = repair(path, ids)  # refuses (LogError) a symlink, a file that is no log, a side file it cannot save
    remaining = read_log(path, ids).problem_count
    if side is None:
        write(f"{path}: no torn last document to repair\n")
    else:
        write(f"{path}: moved the torn last document to {side}\n")
    if remaining:
        raise UsageError(
            f"{path}: {remaining} other problems remain (repair only cuts a torn last document); "
            f"see 'moderator log validate {path}'"
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
