"""``moderator push``: what ``export-tags`` computes, sent to Bugzilla (comment tags) or GitHub (minimized comments):
a dry run by default, ``--apply`` to send, every applied change recorded in the push ledger beside the log, and
``--undo LEDGER-ID`` to reverse one (the rules: :mod:`moderator.push.plan`, :mod:`moderator.push.ledger`)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.textsafe import dumps, one_line
from moderator import config
from moderator.cli.options import Formatter, add_moderator_argument, add_taxonomy_argument, load_named_taxonomy
from moderator.cli.output import write

if TYPE_CHECKING:
    from moderator.cli.options import Subcommands
    from moderator.net.client import HttpClient
    from moderator.push.ledger import LedgerEntry
    from moderator.push.plan import Change, Outcome, Plan, Server

_TARGETS = ("bugzilla", "github")
BUGZILLA_API_KEY_ENV = config.BUGZILLA_API_KEY_ENV
GITHUB_TOKEN_ENV = config.GITHUB_TOKEN_ENV
GITHUB_API_URL_ENV = config.GITHUB_API_URL_ENV
# moderator.net.trackers' defaults, named here without importing the network layer for the help.
DEFAULT_SERVERS = {"bugzilla": "https://bugzilla.mozilla.org", "github": "https://api.github.com"}
EXIT_NOT_ALL_APPLIED = 1


def register(commands: Subcommands) -> None:
    parser = commands.add_parser(
        "push",
        formatter_class=Formatter,
        help="send what the decisions imply to Bugzilla (comment tags) or GitHub (minimize); dry run by default",
        description="Apply what 'moderator export-tags' computes from the logs: Bugzilla comment tags\n"
        "(PUT /rest/bug/comment/{id}/tags) or GitHub minimized comments (GraphQL minimizeComment).\n"
        "The current tags / minimized state are read first, so only what is missing is sent and a second\n"
        "push sends nothing new. Without --apply nothing is changed: the requests are printed exactly\n"
        "(method, URL, JSON body; never a header or token).\n"
        "With --apply each change is recorded in the push ledger, LOG.push-ledger.jsonl: an intent line\n"
        "before it is sent and a line for the answer (id, when, by whom, request, response, inverse);\n"
        "--undo ID reverses one and records that too. Permission errors, missing comments and conflicts\n"
        "are reported per comment.\n"
        f"Credentials: ${BUGZILLA_API_KEY_ENV} (sent as X-BUGZILLA-API-KEY), ${GITHUB_TOKEN_ENV} (Bearer).\n"
        "Exit status: 0 when everything applied (or would), 1 when some comment did not, 2 on bad input.",
        epilog="examples:\n"
        "  moderator push decisions.yaml --target bugzilla\n"
        "  BUGZILLA_API_KEY=... moderator push decisions.yaml --target bugzilla --apply\n"
        "  GITHUB_TOKEN=... moderator push dana.yaml lee.yaml --target github --thread octo/repo#58 --apply\n"
        "  moderator push decisions.yaml --target bugzilla --server https://bugzilla.example.org\n"
        "  moderator push decisions.yaml --undo pl-3f9a1c2b4d5e --apply\n",
    )
    parser.add_argument("logs", metavar="LOG", nargs="+", help="decision log (several: their decisions merged)")
    parser.add_argument(
        "--target", choices=_TARGETS, help="the tracker to push to (required, except with --undo: the entry's)"
    )
    parser.add_argument("--apply", action="store_true", help="send the requests (default: print them only)")
    parser.add_argument(
        "--server",
        metavar="URL",
        help=f"API base: Bugzilla's (default {DEFAULT_SERVERS['bugzilla']}); GitHub's (default "
        f"${GITHUB_API_URL_ENV}, else {DEFAULT_SERVERS['github']}; Enterprise: https://HOST/api/v3)",
    )
    parser.add_argument("--thread", metavar="ID", help="only this thread: its id")
    parser.add_argument("--undo", metavar="LEDGER-ID", help="reverse the ledger entry LEDGER-ID (pl-...) instead")
    parser.add_argument(
        "--ledger", metavar="FILE", help="the push ledger (default: the first LOG's path + .push-ledger.jsonl)"
    )
    add_moderator_argument(parser)
    add_taxonomy_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from moderator.push.ledger import check_appendable, ledger_path

    moderator = config.moderator_name(args.moderator)  # recorded with each change: checked before anything
    ledger = Path(args.ledger) if args.ledger else ledger_path(args.logs[0])
    _say_unsettled(ledger)
    if args.undo is not None:
        return _undo(args, ledger, moderator)
    if args.target is None:
        raise UsageError("--target is required (bugzilla or github), except with --undo")
    from moderator.reports.tags import export_tags

    if args.apply:
        check_appendable(ledger)  # a ledger that could not record a change: refused before anything is sent
    export = export_tags(args.logs, load_named_taxonomy(args.taxonomy), args.target, thread=args.thread)
    if not export.comments:
        from moderator.push.plan import export_notes

        _write_notes(export_notes(export))
        write("nothing to push: no comment of the logs implies a change\n")
        return 0
    base = _server_base(args.target, args.server)
    with _connect(args.target, base, needs_key=args.apply) as server:
        from moderator.push.plan import plan_push

        plan = plan_push(export, server)
        return _finish(plan, server, ledger, moderator, args.apply)


def _undo(args: argparse.Namespace, ledger: Path, moderator: str) -> int:
    from moderator.push.ledger import check_appendable, find, read_ledger
    from moderator.push.plan import plan_undo

    entry = find(read_ledger(ledger), args.undo, ledger)
    _check_undo_options(args, entry)
    if args.apply:
        check_appendable(ledger)
    with _connect(entry.target, entry.server, needs_key=args.apply) as server:
        plan = plan_undo(entry, server)
        return _finish(plan, server, ledger, moderator, args.apply)


def _check_undo_options(args: argparse.Namespace, entry: LedgerEntry) -> None:
    if args.target is not None and args.target != entry.target:
        raise UsageError(f"--target {args.target}: ledger entry {entry.id} is a change on {entry.target}")
    if args.server is not None and _server_base(entry.target, args.server) != entry.server.rstrip("/"):
        raise UsageError(
            f"--server {one_line(args.server, 100)}: ledger entry {entry.id} was sent to {one_line(entry.server, 100)}"
        )


def _finish(plan: Plan, server: Server, ledger: Path, moderator: str, apply: bool) -> int:
    _write_notes(plan.notes)
    for outcome in plan.outcomes:
        write(_outcome_line(outcome))
    if not apply:
        for change in plan.changes:
            write(_request_text(change))
        count = len(plan.changes)
        requests = f"{count} request{'s' if count != 1 else ''}"
        write(f"dry run: {requests} would be sent; add --apply to send {'it' if count == 1 else 'them'}\n")
        return EXIT_NOT_ALL_APPLIED if plan.problems else 0
    from moderator.push.apply import apply_plan

    outcomes = apply_plan(plan, server, ledger, moderator, on_outcome=lambda outcome: write(_outcome_line(outcome)))
    write(_summary(plan, outcomes, ledger))
    failed = plan.problems + [outcome for outcome in outcomes if outcome.status != "applied"]
    return EXIT_NOT_ALL_APPLIED if failed else 0


# -- the connection ----------------------------------------------------------------------------------------------
def _server_base(target: str, flag: str | None) -> str:
    """``--server`` (for GitHub, else ``$GITHUB_API_URL``), else the default, as a checked base URL without user
    information: it goes into the ledger."""
    from moderator.net.trackers import bugzilla_api_base, github_api_base

    return github_api_base(flag) if target == "github" else bugzilla_api_base(flag)


class _Connection:
    """The clients of one push, closed together."""

    def __init__(self, server: Server, clients: list[HttpClient]) -> None:
        self.server = server
        self.clients = clients

    def __enter__(self) -> Server:
        return self.server

    def __exit__(self, *exc: object) -> None:
        for client in self.clients:
            client.close()


def _connect(target: str, base: str, *, needs_key: bool) -> _Connection:
    """The server's clients, with the credential from the environment (GitHub: else ``gh auth token``). Never the
    GET cache: a push must see the state as it is now. A push that needs a credential that is not set is refused
    before anything is sent."""
    from moderator.net.client import HttpClient
    from moderator.net.fetch import bugzilla_credentials, github_credentials
    from moderator.net.trackers import github_web_host
    from moderator.push.plan import Server, graphql_base

    if target == "bugzilla":
        credentials = bugzilla_credentials()
        if needs_key and not credentials.secrets:
            raise UsageError(f"--apply needs ${BUGZILLA_API_KEY_ENV}: an API key of an account that may tag comments")
    else:
        credentials = github_credentials(github_web_host(base))
        if not credentials.secrets:  # GitHub's GraphQL API answers nothing without a token, not even a read
            raise UsageError(
                f"push to GitHub needs ${GITHUB_TOKEN_ENV} (or 'gh auth login'): a token that may minimize the comments"
            )

    def client(root: str) -> HttpClient:
        return HttpClient(
            root,
            source=f"push to {base}",
            headers=credentials.headers,
            secrets=credentials.secrets,
            cache_dir=None,
            on_wait=_countdown,
            credential_hint=credentials.hint,
        )

    rest = client(base)
    if target == "bugzilla":
        return _Connection(Server(target, base, rest, secrets=credentials.secrets), [rest])
    root = graphql_base(base)
    graphql = rest if root == base else client(root)
    clients = [rest] if graphql is rest else [rest, graphql]
    return _Connection(Server(target, base, rest, graphql, root, credentials.secrets), clients)


def _countdown(seconds: float, message: str) -> None:
    if seconds > 0:
        sys.stderr.write(f"\r{one_line(message)}: waiting {seconds:.0f} s ")
    else:
        sys.stderr.write("\n")
    sys.stderr.flush()


# -- what is shown -----------------------------------------------------------------------------------------------
def _say_unsettled(ledger: Path) -> None:
    """A note per change an earlier push sent without recording the answer (no answer came, or the push was killed):
    the moderator learns it may be applied, and which id undoes it if it is."""
    from moderator.push.ledger import read_ledger, unsettled

    for intent in unsettled(read_ledger(ledger)):
        action = f"undo of {intent.undoes}" if intent.undoes is not None else intent.change
        undo = "" if intent.undoes is not None else f"; push --undo {intent.id} reverses it if it was"
        write(
            one_line(
                f"note: {ledger}:{intent.line}: {intent.id} ({action} on {intent.thread} comment {intent.comment}, "
                f"{intent.when}) was sent but its answer never recorded: it may or may not be applied{undo}"
            )
            + "\n"
        )


def _write_notes(notes: list[str]) -> None:
    for note in notes:
        write(one_line(f"note: {note}") + "\n")


def _request_text(change: Change) -> str:
    """One request exactly as it would be sent: a comment line saying what and where, the method and URL, the JSON
    body. Never a header."""
    decided = f" (decided by {', '.join(change.where.moderators)})" if change.where.moderators else ""
    return (
        one_line(f"# {change.where}: {change.change}{decided}")
        + "\n"
        + one_line(f"{change.request.method} {change.request.url}")
        + "\n"
        + dumps(change.request.body)
        + "\n\n"
    )


def _outcome_line(outcome: Outcome) -> str:
    head = f"applied {outcome.ledger_id}" if outcome.ledger_id else outcome.status
    return one_line(f"{head}: {outcome.where}: {outcome.detail}") + "\n"


def _summary(plan: Plan, outcomes: list[Outcome], ledger: Path) -> str:
    applied = sum(outcome.status == "applied" for outcome in outcomes)
    parts = [f"applied {applied} of {len(outcomes)} change{'s' if len(outcomes) != 1 else ''}"]
    unchanged = sum(outcome.status == "unchanged" for outcome in plan.outcomes)
    if unchanged:
        parts.append(f"{unchanged} already in place")
    failed = Counter(o.status for o in plan.problems + [o for o in outcomes if o.status != "applied"])
    if failed:
        parts.append("not applied: " + ", ".join(f"{status} {count}" for status, count in sorted(failed.items())))
    if outcomes:
        parts.append(f"recorded in {ledger}")
    return one_line("; ".join(parts)) + "\n"
