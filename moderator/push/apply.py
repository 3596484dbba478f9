"""Sending a plan: each change as one request, checked against the server's answer, recorded in the push ledger
before it is sent (an ``intent`` line) and once the server answered (``apply``, ``undo`` or ``not-applied``).

Per comment: a refusal (401/403 permission, 404 missing, 409/412/422 conflict, a GraphQL ``FORBIDDEN`` or
``NOT_FOUND`` error) or an answer that does not show the change is that comment's outcome, recorded as
``not-applied``, and the rest goes on. A request that got no answer at all (the server went away, a timeout) may or
may not have been applied: it is reported so, its intent stays unsettled in the ledger (``push --undo`` takes it),
and the remaining changes are not sent (a push run again reads the state first and sends only what is missing).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from moderator.push.ledger import Kind, LedgerEntry, append_entry, new_id, utc_now
from moderator.push.plan import (
    Answer,
    Change,
    Outcome,
    Plan,
    Server,
    Status,
    bugzilla_error,
    call,
    graphql_detail,
    graphql_errors,
    http_detail,
    status_of_graphql,
    status_of_http,
)

OnOutcome = Callable[[Outcome], None]


def apply_plan(plan: Plan, server: Server, ledger: Path, by: str, on_outcome: OnOutcome | None = None) -> list[Outcome]:
    """Send every change of ``plan``; the outcome of each (also given to ``on_outcome`` as soon as it is known,
    after its ledger line is on disk). ``by`` is the moderator recorded as having pushed."""
    outcomes: list[Outcome] = []
    stopped: str | None = None
    for change in plan.changes:
        if stopped is not None:
            outcome = Outcome(change.where, "not sent", f"not sent: an earlier request got no answer ({stopped})")
        else:
            intent = _ledger_entry(plan, server, change, by, kind="intent", response={})
            append_entry(ledger, intent)  # on disk before the request: a crash from here on leaves it unsettled
            answer = call(server, change.request.method, change.path, change.request.body, graphql=change.graphql)
            if answer.status is None:
                stopped = answer.problem or "no answer"
            outcome = _outcome(plan, server, change, answer, ledger, by, intent.id)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


def _outcome(plan: Plan, server: Server, change: Change, answer: Answer, ledger: Path, by: str, intent: str) -> Outcome:
    if answer.status is None:
        undo = f"; push --undo {intent} reverses it if it was" if change.undoes is None else ""
        retry = f"push again: it reads the state first{undo}"
        detail = f"{http_detail(answer)}: it may or may not have been applied ({retry})"
        return Outcome(change.where, "failed", detail)
    if plan.target == "bugzilla":
        verdict = _bugzilla_confirmed(server, change, answer)
    else:
        verdict = _github_confirmed(server, change, answer)
    if isinstance(verdict, tuple):
        status, detail = verdict
        response = _without_secrets({"status": answer.status, "outcome": status, "detail": detail}, server.secrets)
        refused = _ledger_entry(plan, server, change, by, kind="not-applied", response=response, intent=intent)
        append_entry(ledger, refused)
        return Outcome(change.where, status, detail)
    response = {"status": answer.status, "body": _without_secrets(verdict, server.secrets)}
    kind: Kind = "undo" if change.undoes is not None else "apply"
    entry = _ledger_entry(plan, server, change, by, kind=kind, response=response, intent=intent)
    append_entry(ledger, entry)
    return Outcome(change.where, "applied", change.change, entry.id)


def _bugzilla_confirmed(server: Server, change: Change, answer: Answer) -> Any | tuple[Status, str]:
    """The tags the server reports after the update, or (status, detail) when it refused or did not confirm."""
    error = bugzilla_error(answer, server.secrets)
    if error is not None:
        return error
    if not answer.ok:
        return status_of_http(answer.status), http_detail(answer)
    tags = answer.data
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        return "failed", f"HTTP {answer.status}, but the answer is not the comment's list of tags: not recorded"
    carried = {tag.casefold() for tag in tags}
    adding = bool(change.request.body.get("add")) if isinstance(change.request.body, dict) else True
    confirmed = all((tag.casefold() in carried) == adding for tag in change.expected)
    if not confirmed:
        return "conflict", f"HTTP {answer.status}, but the comment's tags are now {tags}: the change did not take"
    return tags


def _github_confirmed(server: Server, change: Change, answer: Answer) -> Any | tuple[Status, str]:
    """GitHub's ``minimizedComment`` (``unminimizedComment``) after the mutation, or (status, detail)."""
    if not answer.ok:
        return status_of_http(answer.status), http_detail(answer)
    errors = graphql_errors(answer.data)
    if errors:
        return status_of_graphql(errors[0]), graphql_detail(errors[0], server.secrets)
    minimizing = change.undoes is None  # an undo on GitHub is always unminimizeComment
    field, inner = (
        ("minimizeComment", "minimizedComment") if minimizing else ("unminimizeComment", "unminimizedComment")
    )
    data = answer.data.get("data") if isinstance(answer.data, dict) else None
    result = data.get(field) if isinstance(data, dict) else None
    comment = result.get(inner) if isinstance(result, dict) else None
    if not isinstance(comment, dict) or comment.get("isMinimized") is not minimizing:
        return "failed", f"HTTP {answer.status}, but the answer does not confirm '{change.change}': not recorded"
    return {inner: comment}


def _without_secrets(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` with every secret in its strings replaced by ``***``: a server that echoes a header back must not
    get the token into the ledger."""
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, "***")
        return value
    if isinstance(value, list):
        return [_without_secrets(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: _without_secrets(item, secrets) for key, item in value.items()}
    return value


def _ledger_entry(
    plan: Plan,
    server: Server,
    change: Change,
    by: str,
    *,
    kind: Kind,
    response: dict[str, Any],
    intent: str | None = None,
) -> LedgerEntry:
    where = change.where
    return LedgerEntry(
        id=new_id(),
        kind=kind,
        when=utc_now(),
        by=by,
        target=plan.target,
        server=server.base,
        thread=where.thread,
        comment=where.comment,
        comment_id=where.comment_id,
        node_id=where.node_id,
        change=change.change,
        request=change.request,
        response=response,
        inverse=change.inverse,
        undoes=change.undoes,
        decided_by=where.moderators,
        intent=intent,
    )
