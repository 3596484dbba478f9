"""``moderator report``: a moderation report from decision logs, as Markdown, HTML, CSV or JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.textsafe import one_line
from moderator import config
from moderator.cli.options import Formatter, add_taxonomy_argument, load_named_taxonomy
from moderator.cli.output import write

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands

FORMATS = ("md", "html", "csv", "json")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "report",
        formatter_class=Formatter,
        help="a moderation report from decision logs (Markdown, HTML, CSV or JSON)",
        description="A report of the moderators' effective decisions in the logs (the last unretracted decision\n"
        "per moderator, thread and comment): per thread, counts by label and action and every comment\n"
        "labeled or acted on (excerpt, labels, action, note, moderator, time, link); per author, labeled\n"
        "comments by label; the model's precision and recall against the moderators' labels; agreement\n"
        "between moderators (Cohen's kappa per pair, Krippendorff's alpha; 'not enough overlap' under 10\n"
        "comments); decisions and labels per week.\n"
        "\n"
        "The format is --format, else -o's suffix (.md .html .csv .json), else Markdown. HTML is one\n"
        "self-contained file (no script, no network, inline SVG charts). CSV has one row per effective\n"
        "decision; JSON the whole report ('format: moderator-report/1'). The logs are only read.\n"
        "--pseudonymize replaces every person's name with a stable pseudonym (a keyed hash; the key is\n"
        f"kept in {config.pseudonym_secret_path()}) and removes email addresses.",
        epilog="examples:\n"
        "  moderator report ~/moderation/decisions.yaml\n"
        "  moderator report decisions.yaml -o report.html\n"
        "  moderator report a.yaml b.yaml --since 2026-10-01 --until 2026-12-31 --format csv -o q4.csv\n"
        "  moderator report decisions.yaml --thread 4127 --moderator dana\n"
        "  moderator report decisions.yaml --pseudonymize -o governance.html\n",
    )
    parser.add_argument("logs", nargs="+", metavar="LOG", help="decision log (several: their decisions together)")
    parser.add_argument("--thread", metavar="ID", help="only this thread (its id; a page copy's title)")
    parser.add_argument("--moderator", metavar="NAME", help="only this moderator's decisions")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="only decisions made on or after this day (UTC)")
    parser.add_argument("--until", metavar="YYYY-MM-DD", help="only decisions made on or before this day (UTC)")
    parser.add_argument("--pseudonymize", action="store_true", help="stable pseudonyms for every person's name")
    parser.add_argument("--format", choices=FORMATS, help="md, html, csv or json (default: from -o, else md)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report here (default: standard output)")
    add_taxonomy_argument(parser)
    parser.set_defaults(handler=run)


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: '{one_line(value, 40)}' is not a date (YYYY-MM-DD)") from None


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output:
        suffix = Path(args.output).suffix.lower()
        if suffix in SUFFIXES:
            return SUFFIXES[suffix]
        if suffix:
            raise UsageError(
                f"-o {one_line(args.output)}: unknown suffix '{one_line(suffix, 20)}'; name the format with --format"
            )
    return "md"


def _check_output(output: str | None, logs: list[str]) -> Path | None:
    """The output path, refused when it is one of the logs (a report never writes into a log it reads)."""
    if output is None:
        return None
    path = Path(output)
    target = path.resolve()
    for log in logs:
        if Path(log).resolve() == target:
            raise UsageError(f"-o {one_line(output)}: that is a log being read; a report never writes into a log")
    if not path.parent.is_dir():
        raise UsageError(f"-o {one_line(output)}: no such folder {one_line(str(path.parent))}")
    return path


def run(args: argparse.Namespace) -> int:
    from moderation_core.files import write_atomically
    from moderator.reports.data import Filters, build
    from moderator.reports.html import to_html
    from moderator.reports.render import to_csv, to_json, to_markdown

    kind = _format(args)
    output = _check_output(args.output, args.logs)
    filters = Filters(args.thread, args.moderator, _day(args.since, "--since"), _day(args.until, "--until"))
    if filters.since and filters.until and filters.since > filters.until:
        raise UsageError(f"--since {filters.since} is after --until {filters.until}")
    taxonomy = load_named_taxonomy(args.taxonomy)
    pseudonyms = None
    if args.pseudonymize:
        from moderator.reports.pseudonym import Pseudonymizer, load_or_create_secret

        pseudonyms = Pseudonymizer(load_or_create_secret(config.pseudonym_secret_path()))
    renderers = {"md": to_markdown, "html": to_html, "csv": to_csv, "json": to_json}
    # Reading a big log and laying out its report make millions of objects that all live until the report is
    # written, and no garbage cycles: the cyclic collector would walk them all again and again for nothing (a
    # third of the time on 100,000 decisions). The process ends when the report is written.
    gc.disable()
    try:
        report = build(args.logs, taxonomy.ids, filters, pseudonyms=pseudonyms, sections=kind != "csv")
        text = renderers[kind](report)
    finally:
        gc.enable()
    if report.empty_reason is not None:
        print(f"moderator report: empty report: {report.empty_reason}", file=sys.stderr)
    if output is None:
        write(text)
    else:
        try:
            write_atomically(output, text.encode("utf-8", "backslashreplace"))
        except OSError as error:
            raise UsageError(f"-o {one_line(str(output))}: cannot write ({error.strerror or error})") from None
        print(
            f"moderator report: wrote {one_line(str(output))} ({kind}, {len(report.rows)} decisions)", file=sys.stderr
        )
    return 0
