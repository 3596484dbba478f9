"""The options several commands share, defined once so they read the same in every ``--help``."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, TypeAlias

from moderator import config
from moderator.sources import FORMATS

if TYPE_CHECKING:
    from moderation_core.taxonomy import Taxonomy

    # What ``add_subparsers`` returns: each command module adds its parser to it.
    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


# The size of one scoring batch (moderator.scoring.BATCH_COMMENTS), in the help without importing numpy for it.
BATCH_TEXT = "4,000"


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples keep their line breaks."""


def log_default_text() -> str:
    # Computed when the parser is built, not at import: the per-user folder follows $HOME.
    return f"$MODERATOR_LOG, else {config.default_log()}"


def log_help() -> str:
    return f"decision log (default: {log_default_text()})"


def add_source_arguments(parser: argparse.ArgumentParser, *, remote: bool = True) -> None:
    """SOURCE and --format; ``remote``: the command fetches SOURCE when it names a tracker's thread."""
    fetched = (
        ", or a thread to fetch: a Bugzilla bug URL or bugzilla:ID, a GitHub issue or pull request URL or OWNER/REPO#N"
    )
    parser.add_argument(
        "source", metavar="SOURCE", help="thread file (any format listed under --format)" + (fetched if remote else "")
    )
    add_format_argument(parser)


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        metavar="F",
        help=f"source format, detected from the content when omitted: {', '.join(FORMATS)}",
    )


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="DIR",
        default=os.environ.get(config.MODEL_ENV),
        help="model folder (default: $MODERATOR_MODEL, else the version chosen with 'moderator models use', "
        "else the bundled model)",
    )


def add_jobs_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help=f"worker processes scoring a large file (default: ${config.JOBS_ENV}, else the number of CPUs, at most "
        f"{config.MOST_DEFAULT_JOBS}); a file of fewer than {BATCH_TEXT} comments is scored in one process",
    )


def add_moderator_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--moderator", metavar="NAME", help="who decides (default: $MODERATOR_NAME, else the login name)"
    )


def add_taxonomy_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--taxonomy", metavar="PATH", help="taxonomy YAML (default: the one shipped with moderator)")


def load_named_taxonomy(path: str | None = None) -> Taxonomy:
    """The taxonomy ``--taxonomy`` names, else the one shipped with moderator."""
    from moderation_core.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

    return load_taxonomy(path or DEFAULT_TAXONOMY)
