"""What a push sends: from a tag export (:func:`moderator.reports.tags.export_tags`) and the state the server
reports now, the requests that bring each comment to what the decisions imply, and nothing for a comment that is
there already (so a second push sends nothing new).

- Bugzilla: ``GET /rest/bug/comment/{id}`` reads the comment's ``tags`` (and its ``bug_id``: a comment of another
  bug than the log's thread is a conflict, a log pushed to the wrong server); ``PUT /rest/bug/comment/{id}/tags``
  with ``{"comment_id", "add", "remove"}`` adds only the tags it does not carry yet. Its inverse removes them.
- GitHub: one GraphQL query per 50 comments, ``nodes(ids:)`` with ``isMinimized``, ``minimizedReason``,
  ``viewerCanMinimize`` and the repository; a comment already minimized (for whatever reason) is left alone;
  ``minimizeComment(input: {subjectId, classifier})`` hides the others; its inverse is ``unminimizeComment``.
  A comment the log knows only by its REST id gets its node id from ``GET /repos/O/R/issues/comments/{id}``.
  GraphQL lives at ``/graphql`` beside the REST base (``https://HOST/api/v3`` -> ``https://HOST/api/graphql``).

Per comment, what cannot be pushed is an :class:`Outcome` (permission, missing, conflict, failed) and the rest goes
on; a server that cannot be read at all raises FetchError or PushError. Nothing here writes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from moderation_core.textsafe import one_line
from moderator.net.errors import FetchError
from moderator.push.errors import PushError
from moderator.push.ledger import LedgerEntry, Request
from moderator.reports.tags import TagExport

Status = Literal["applied", "unchanged", "permission", "missing", "conflict", "failed", "not sent"]
FAILURES: frozenset[Status] = frozenset({"permission", "missing", "conflict", "failed", "not sent"})
GRAPHQL_PATH = "/graphql"
NODES_PER_QUERY = 50  # GitHub's nodes(ids:) takes up to 100; 50 keeps each answer small
_REPOSITORY_THREAD = re.compile(r"([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)#[0-9]+")

STATE_QUERY = (
    "query($ids: [ID!]!) { nodes(ids: $ids) { id "
    "... on Minimizable { isMinimized minimizedReason viewerCanMinimize } "
    "... on RepositoryNode { repository { nameWithOwner } } } }"
)
MINIMIZE = (
    "mutation($id: ID!, $classifier: ReportedContentClassifiers!) { "
    "minimizeComment(input: {subjectId: $id, classifier: $classifier}) { "
    "minimizedComment { isMinimized minimizedReason } } }"
)
UNMINIMIZE = (
    "mutation($id: ID!) { unminimizeComment(input: {subjectId: $id}) { "
    "unminimizedComment { isMinimized minimizedReason } } }"
)
# Bugzilla's error codes (its WebService errors) that mean a comment one may not see or change, or one that is not
# there: the server answers them with various HTTP statuses, 200 included in old versions.
_BUGZILLA_PERMISSION_CODES = frozenset({102, 110, 113})
_BUGZILLA_MISSING_CODES = frozenset({100, 101, 111})


class JsonAnswer(Protocol):
    """What :class:`moderator.net.client.JsonResponse` offers a push."""

    @property
    def status(self) -> int: ...

    @property
    def data(self) -> Any: ...


class JsonClient(Protocol):
    """The part of :class:`moderator.net.client.HttpClient` a push uses (tests may pass anything shaped so)."""

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> JsonAnswer: ...

    def send_json(self, method: str, path: str, body: object | None = None) -> JsonAnswer: ...


@dataclass(frozen=True, slots=True)
class Server:
    """Where the requests go: the REST base and, for GitHub, the GraphQL client beside it. ``secrets`` are
    removed from any text of the server's that reaches a message (a server may echo a header back)."""

    target: str
    base: str  # the API base as configured, recorded in the ledger
    rest: JsonClient
    graphql: JsonClient | None = None
    graphql_base: str | None = None
    secrets: tuple[str, ...] = ()

    def url(self, path: str, *, graphql: bool = False) -> str:
        base = self.graphql_base if graphql and self.graphql_base else self.base
        return base.rstrip("/") + path


def graphql_base(api_base: str) -> str:
    """Where ``/graphql`` goes for a REST base: GitHub Enterprise's ``https://HOST/api/v3`` -> ``https://HOST/api``
    (so ``https://HOST/api/graphql``); any other base (``https://api.github.com``, a test server) itself."""
    base = api_base.rstrip("/")
    return base[: -len("/v3")] if base.endswith("/api/v3") else base


@dataclass(frozen=True, slots=True)
class Where:
    """One comment of the export: its thread, number and the ids the target names it by."""

    thread: str
    comment: int | None
    comment_id: int | None = None
    node_id: str | None = None
    moderators: tuple[str, ...] = ()

    def __str__(self) -> str:
        ids = [f"comment id {self.comment_id}"] if self.comment_id is not None else []
        if self.node_id is not None:
            ids.append(f"node {self.node_id}")
        suffix = f" ({', '.join(ids)})" if ids else ""
        return one_line(f"{self.thread} comment {self.comment}{suffix}", 160)


@dataclass(frozen=True, slots=True)
class Change:
    """One request to send, with the request that reverses it."""

    where: Where
    change: str  # in words, for the terminal and the ledger
    request: Request
    path: str  # of ``request``, relative to its client's base
    graphql: bool
    inverse: Request | None
    undoes: str | None = None  # the ledger id an undo reverses
    expected: tuple[str, ...] = ()  # Bugzilla: the tags the answer must carry (added) or not carry (removed)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became (or would become) of one comment."""

    where: Where
    status: Status
    detail: str
    ledger_id: str | None = None


@dataclass(slots=True)
class Plan:
    """The changes to send and what is known already about the other comments."""

    target: str
    server: str
    changes: list[Change] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # unchanged ones and per-comment problems
    notes: list[str] = field(default_factory=list)  # not exportable, missing node ids, conflicts of the export
    read: int = 0  # comments whose state was read

    @property
    def problems(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status in FAILURES]


# -- talking to the server -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Answer:
    """A server's answer, or the failure of a request it answered (status set) or never answered (status None)."""

    status: int | None
    data: Any = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.status is not None and 200 <= self.status < 300


def call(server: Server, method: str, path: str, body: object | None = None, *, graphql: bool = False) -> Answer:
    """One request through the server's client; a refusal the client raises becomes an Answer with its status."""
    client = server.graphql if graphql and server.graphql is not None else server.rest
    try:
        if method == "GET":
            response = client.get_json(path)
        else:
            response = client.send_json(method, path, body)
    except FetchError as error:
        return Answer(error.status, None, redact(error.problem, server.secrets))
    return Answer(response.status, response.data)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return one_line(text, 300)


def status_of_http(status: int | None) -> Status:
    if status in (401, 403):
        return "permission"
    if status in (404, 410):
        return "missing"
    if status in (409, 412, 422):
        return "conflict"
    return "failed"


def http_detail(answer: Answer) -> str:
    status = f"HTTP {answer.status}" if answer.status is not None else "no answer"
    if not answer.problem:
        return status
    return answer.problem if status in answer.problem else f"{status}: {answer.problem}"


def bugzilla_error(answer: Answer, secrets: Sequence[str]) -> tuple[Status, str] | None:
    """Bugzilla's ``{"error": true, "code", "message"}`` answer (with any HTTP status) as a status and a detail."""
    data = answer.data
    if not isinstance(data, dict) or data.get("error") is not True:
        return None
    code = data.get("code")
    message = redact(str(data.get("message", "")), secrets)
    detail = f"HTTP {answer.status}, Bugzilla error {code}: {message}"
    if code in _BUGZILLA_PERMISSION_CODES:
        return "permission", detail
    if code in _BUGZILLA_MISSING_CODES:
        return "missing", detail
    return status_of_http(answer.status), detail


def graphql_errors(data: Any) -> list[dict[str, Any]]:
    errors = data.get("errors") if isinstance(data, dict) else None
    return [error for error in errors if isinstance(error, dict)] if isinstance(errors, list) else []


def status_of_graphql(error: Mapping[str, Any]) -> Status:
    kind = error.get("type")
    if kind == "FORBIDDEN":
        return "permission"
    if kind == "NOT_FOUND":
        return "missing"
    if kind in ("UNPROCESSABLE", "CONFLICT"):
        return "conflict"
    return "failed"


def graphql_detail(error: Mapping[str, Any], secrets: Sequence[str]) -> str:
    kind = error.get("type") or "error"
    return f"GraphQL {one_line(str(kind), 40)}: {redact(str(error.get('message', '')), secrets)}"


# -- planning ----------------------------------------------------------------------------------------------------
def plan_push(export: TagExport, server: Server) -> Plan:
    """The requests that bring each exported comment to what the decisions imply, after reading its state now."""
    plan = Plan(export.target, server.base, notes=export_notes(export))
    if export.target == "bugzilla":
        for entry in export.comments:
            _plan_bugzilla(plan, server, entry)
    else:
        _plan_github(plan, server, export.comments)
    return plan


def export_notes(export: TagExport) -> list[str]:
    notes = [
        f"{one_line(str(item['thread']), 80)} comment {item['comment']}: not exportable: {one_line(item['reason'])}"
        for item in export.not_exportable
    ]
    if export.conflicts:
        notes.append(
            f"{len(export.conflicts)} comment(s) where moderators disagree: see 'moderator export-tags' (conflicts)"
        )
    if export.other_sources:
        notes.append(f"decisions on threads of other sources, skipped: {sum(export.other_sources.values())}")
    if export.nothing_to_export:
        notes.append(f"nothing to export: {one_line(export.nothing_to_export)}")
    return notes


# Bugzilla ----------------------------------------------------------------------------------------------------------
def _plan_bugzilla(plan: Plan, server: Server, entry: Mapping[str, Any]) -> None:
    body = entry["body"]
    comment_id = int(body["comment_id"])
    where = Where(str(entry["thread"]), entry["comment"], comment_id, None, tuple(entry.get("moderators", ())))
    plan.read += 1
    current = bugzilla_tags(server, where)
    if isinstance(current, Outcome):
        plan.outcomes.append(current)
        return
    wanted = [str(tag) for tag in body["add"]]
    missing = [tag for tag in wanted if tag.casefold() not in {have.casefold() for have in current}]
    if not missing:
        plan.outcomes.append(Outcome(where, "unchanged", f"already tagged {', '.join(wanted)}"))
        return
    plan.changes.append(bugzilla_change(server, where, add=missing, remove=[]))


def bugzilla_change(
    server: Server, where: Where, *, add: list[str], remove: list[str], undoes: str | None = None
) -> Change:
    assert where.comment_id is not None
    path = f"/rest/bug/comment/{where.comment_id}/tags"
    body = {"comment_id": where.comment_id, "add": add, "remove": remove}
    inverse = {"comment_id": where.comment_id, "add": remove, "remove": add}
    words = ([f"add tags {', '.join(add)}"] if add else []) + ([f"remove tags {', '.join(remove)}"] if remove else [])
    return Change(
        where,
        one_line("; ".join(words), 200),
        Request("PUT", server.url(path), body),
        path,
        False,
        None if undoes else Request("PUT", server.url(path), inverse),
        undoes,
        tuple(add or remove),
    )


def bugzilla_tags(server: Server, where: Where) -> list[str] | Outcome:
    """The tags the comment carries now, or the Outcome saying why they cannot be read."""
    answer = call(server, "GET", f"/rest/bug/comment/{where.comment_id}")
    error = bugzilla_error(answer, server.secrets)
    if error is not None:
        return Outcome(where, error[0], f"reading its tags: {error[1]}")
    if not answer.ok:
        if answer.status is None:
            raise PushError(f"{server.base}: {http_detail(answer)}; nothing was sent")
        return Outcome(where, status_of_http(answer.status), f"reading its tags: {http_detail(answer)}")
    comment = _bugzilla_comment(answer.data, where.comment_id)
    if comment is None:
        return Outcome(where, "missing", f"reading its tags: the answer holds no comment {where.comment_id}")
    bug_id = comment.get("bug_id")
    if where.thread.isdecimal() and isinstance(bug_id, int) and bug_id != int(where.thread):
        detail = f"the server's comment {where.comment_id} is on bug {bug_id}, not {where.thread}: another server?"
        return Outcome(where, "conflict", detail)
    tags = comment.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        return Outcome(where, "failed", "reading its tags: 'tags' is not a list of strings")
    return tags


def _bugzilla_comment(data: Any, comment_id: int | None) -> dict[str, Any] | None:
    comments = data.get("comments") if isinstance(data, dict) else None
    comment = comments.get(str(comment_id)) if isinstance(comments, dict) else None
    return comment if isinstance(comment, dict) else None


# GitHub ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NodeState:
    minimized: bool
    reason: str | None
    can_minimize: bool
    repository: str | None


def _plan_github(plan: Plan, server: Server, entries: Sequence[Mapping[str, Any]]) -> None:
    wanted: list[tuple[Where, str]] = []
    for entry in entries:
        where = Where(
            str(entry["thread"]),
            entry["comment"],
            entry.get("rest_id"),
            entry.get("node_id"),
            tuple(entry.get("moderators", ())),
        )
        plan.read += 1
        if where.node_id is None:
            found = github_node_id(server, where)
            if isinstance(found, Outcome):
                plan.outcomes.append(found)
                continue
            where = replace(where, node_id=found)
        wanted.append((where, str(entry["classifier"])))
    states = github_states(server, [where for where, _ in wanted])
    for where, classifier in wanted:
        state = states[where]
        if isinstance(state, Outcome):
            plan.outcomes.append(state)
        elif state.minimized:
            reason = f" ({one_line(state.reason, 40)})" if state.reason else ""
            plan.outcomes.append(Outcome(where, "unchanged", f"already minimized{reason}"))
        elif not state.can_minimize:
            plan.outcomes.append(Outcome(where, "permission", "the token may not minimize this comment"))
        else:
            plan.changes.append(github_change(server, where, classifier))


def github_change(server: Server, where: Where, classifier: str | None, undoes: str | None = None) -> Change:
    """minimizeComment with ``classifier``, or unminimizeComment when it is None."""
    assert where.node_id is not None
    if classifier is not None:
        body: dict[str, Any] = {"query": MINIMIZE, "variables": {"id": where.node_id, "classifier": classifier}}
        words = f"minimize as {classifier}"
    else:
        body, words = {"query": UNMINIMIZE, "variables": {"id": where.node_id}}, "unminimize"
    inverse = {"query": UNMINIMIZE, "variables": {"id": where.node_id}}
    url = server.url(GRAPHQL_PATH, graphql=True)
    return Change(
        where,
        one_line(words, 80),
        Request("POST", url, body),
        GRAPHQL_PATH,
        True,
        Request("POST", url, inverse) if classifier is not None and undoes is None else None,
        undoes,
    )


def repository_of(thread: str) -> str | None:
    """``OWNER/REPO`` of a GitHub thread name ``OWNER/REPO#N``; None for any other name."""
    match = _REPOSITORY_THREAD.fullmatch(thread)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def github_node_id(server: Server, where: Where) -> str | Outcome:
    """The node id of a comment the log knows by its REST id, from ``GET /repos/O/R/issues/comments/{id}``."""
    repository = repository_of(where.thread)
    if repository is None or where.comment_id is None:
        return Outcome(where, "failed", "no node id, and the thread name is no OWNER/REPO#N to look it up by")
    answer = call(server, "GET", f"/repos/{repository}/issues/comments/{where.comment_id}")
    if not answer.ok:
        if answer.status is None:
            raise PushError(f"{server.base}: {http_detail(answer)}; nothing was sent")
        return Outcome(where, status_of_http(answer.status), f"looking up its node id: {http_detail(answer)}")
    node_id = answer.data.get("node_id") if isinstance(answer.data, dict) else None
    if not isinstance(node_id, str) or not node_id:
        return Outcome(where, "failed", "looking up its node id: the answer holds no node_id")
    return node_id


def github_states(server: Server, places: Sequence[Where]) -> dict[Where, NodeState | Outcome]:
    """Each comment's minimized state now, by batched ``nodes(ids:)`` queries."""
    states: dict[Where, NodeState | Outcome] = {}
    for start in range(0, len(places), NODES_PER_QUERY):
        batch = list(places[start : start + NODES_PER_QUERY])
        states.update(_state_batch(server, batch))
    return states


def _state_batch(server: Server, batch: list[Where]) -> dict[Where, NodeState | Outcome]:
    ids = [where.node_id for where in batch]
    answer = call(server, "POST", GRAPHQL_PATH, {"query": STATE_QUERY, "variables": {"ids": ids}}, graphql=True)
    if not answer.ok:
        raise PushError(f"{server.url(GRAPHQL_PATH, graphql=True)}: reading the comments' state: {http_detail(answer)}")
    data = answer.data.get("data") if isinstance(answer.data, dict) else None
    nodes = data.get("nodes") if isinstance(data, dict) else None
    errors = graphql_errors(answer.data)
    if not isinstance(nodes, list) or len(nodes) != len(batch):
        first = graphql_detail(errors[0], server.secrets) if errors else "the answer holds no list of nodes"
        raise PushError(f"{server.url(GRAPHQL_PATH, graphql=True)}: reading the comments' state: {first}")
    by_index = _errors_by_index(errors)
    return {
        where: _node_state(server, where, node, by_index.get(i)) for i, (where, node) in enumerate(zip(batch, nodes))
    }


def _errors_by_index(errors: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for error in errors:
        path = error.get("path")
        if isinstance(path, list) and len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
            found.setdefault(path[1], error)
    return found


def _node_state(server: Server, where: Where, node: Any, error: dict[str, Any] | None) -> NodeState | Outcome:
    if node is None:
        if error is not None:
            return Outcome(where, status_of_graphql(error), graphql_detail(error, server.secrets))
        return Outcome(where, "missing", "no such comment on the server")
    if not isinstance(node, dict) or not isinstance(node.get("isMinimized"), bool):
        return Outcome(where, "conflict", "the node is not a comment that can be minimized")
    repository = node.get("repository", {}).get("nameWithOwner") if isinstance(node.get("repository"), dict) else None
    expected = repository_of(where.thread)
    if isinstance(repository, str) and expected is not None and repository.casefold() != expected.casefold():
        detail = f"the node is a comment of {one_line(repository, 80)}, not {expected}: another server?"
        return Outcome(where, "conflict", detail)
    reason = node.get("minimizedReason")
    return NodeState(
        node["isMinimized"],
        reason if isinstance(reason, str) else None,
        node.get("viewerCanMinimize") is not False,
        repository if isinstance(repository, str) else None,
    )


# -- undo ----------------------------------------------------------------------------------------------------------
def plan_undo(entry: LedgerEntry, server: Server) -> Plan:
    """The request that reverses one applied ledger entry, after reading the comment's state now: nothing when
    it is reversed already (the tags gone, the comment not minimized)."""
    plan = Plan(entry.target, server.base)
    where = Where(entry.thread, entry.comment, entry.comment_id, entry.node_id)
    plan.read = 1
    if entry.target == "bugzilla":
        added = [str(tag) for tag in (entry.request.body or {}).get("add", [])]
        current = bugzilla_tags(server, where)
        if isinstance(current, Outcome):
            plan.outcomes.append(current)
            return plan
        present = [tag for tag in added if tag.casefold() in {have.casefold() for have in current}]
        if not present:
            plan.outcomes.append(Outcome(where, "unchanged", f"tags {', '.join(added)} are gone already"))
        else:
            plan.changes.append(bugzilla_change(server, where, add=[], remove=present, undoes=entry.id))
        return plan
    state = github_states(server, [where])[where]
    if isinstance(state, Outcome):
        plan.outcomes.append(state)
    elif not state.minimized:
        plan.outcomes.append(Outcome(where, "unchanged", "not minimized any more"))
    else:
        plan.changes.append(github_change(server, where, None, undoes=entry.id))
    return plan
