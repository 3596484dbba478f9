"""``moderator push`` (issue 16, item 2) against fake Bugzilla and GitHub servers on 127.0.0.1 (pytest-httpserver):
dry run, apply, idempotence, the push ledger, undo, per-comment refusals, and no secret anywhere."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli, run_moderator
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from moderation_core.taxonomy import load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.log import Action, DecidedComment, Decision, DecisionLog, ThreadRef
from moderator.net.client import HttpClient
from moderator.push.apply import apply_plan
from moderator.push.errors import LedgerError
from moderator.push.ledger import LedgerEntry, append_entry, ledger_path, read_ledger, unsettled
from moderator.push.ledger import Request as SentRequest
from moderator.push.plan import Server, graphql_base, plan_push, plan_undo
from moderator.reports.tags import export_tags

TAXONOMY = load_taxonomy()
KEY = "bz-key-7f3a9c1e55d04b2e"  # a made-up Bugzilla API key: it must never appear in any output or file
TOKEN = "ghp_madeUpToken0123456789abcdefABCDEF"  # a made-up GitHub token, the same


# -- fake servers -------------------------------------------------------------------------------------------------
def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


@dataclass
class FakeBugzilla:
    """Comments with their tags; PUT .../tags changes them. ``refuse`` maps a comment id to the HTTP status its
    tag update gets (403, 409...); a comment id not in ``comments`` is a 404."""

    comments: dict[int, dict[str, Any]]
    refuse: dict[int, int] = field(default_factory=dict)
    echo_key_in_errors: bool = False
    writes: list[tuple[str, str, Any]] = field(default_factory=list)
    reads: int = 0

    def __call__(self, request: Request) -> Response:
        match = re.fullmatch(r"/rest/bug/comment/([0-9]+)(/tags)?", request.path)
        if match is None:
            return json_response({"error": True, "code": 32614, "message": "no such resource"}, 404)
        comment_id = int(match.group(1))
        if request.method == "GET" and not match.group(2):
            self.reads += 1
            return self._get(comment_id)
        if request.method == "PUT" and match.group(2):
            self.writes.append(("PUT", request.path, request.get_json()))
            return self._put(request, comment_id)
        return json_response({"error": True, "message": "method not allowed"}, 405)

    def _get(self, comment_id: int) -> Response:
        comment = self.comments.get(comment_id)
        if comment is None:
            return json_response({"error": True, "code": 111, "message": f"Comment {comment_id} does not exist"}, 404)
        shown = {"id": comment_id, "bug_id": comment["bug_id"], "text": "...", "tags": sorted(comment["tags"])}
        return json_response({"bugs": {}, "comments": {str(comment_id): shown}})

    def _put(self, request: Request, comment_id: int) -> Response:
        if request.headers.get("X-BUGZILLA-API-KEY") != KEY:
            return json_response({"error": True, "code": 410, "message": "You must log in"}, 401)
        if comment_id in self.refuse:
            status = self.refuse[comment_id]
            said = f"refused for key {KEY}" if self.echo_key_in_errors else "refused"
            return json_response({"error": True, "code": 113 if status == 403 else 100500, "message": said}, status)
        comment = self.comments.get(comment_id)
        if comment is None:
            return json_response({"error": True, "code": 111, "message": "no such comment"}, 404)
        body = request.get_json()
        assert body["comment_id"] == comment_id
        tags = set(comment["tags"]) | set(body.get("add", []))
        tags -= set(body.get("remove", []))
        comment["tags"] = sorted(tags)
        return json_response(sorted(tags))


@dataclass
class FakeGitHub:
    """Comments by node id: minimized state, repository, whether the token may minimize; a REST lookup of node
    ids by REST id. GraphQL at ``graphql_path``, REST under ``rest_prefix`` (GitHub Enterprise's /api/v3)."""

    nodes: dict[str, dict[str, Any]]
    rest_prefix: str = ""
    graphql_path: str = "/graphql"
    mutations: list[dict[str, Any]] = field(default_factory=list)
    queries: int = 0

    def __call__(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return json_response({"message": "Bad credentials"}, 401)
        if request.method == "POST" and request.path == self.graphql_path:
            return self._graphql(request.get_json())
        match = re.fullmatch(
            re.escape(self.rest_prefix) + r"/repos/([^/]+/[^/]+)/issues/comments/([0-9]+)", request.path
        )
        if request.method == "GET" and match:
            for node_id, node in self.nodes.items():
                if node["rest_id"] == int(match.group(2)) and node["repo"] == match.group(1):
                    return json_response({"id": node["rest_id"], "node_id": node_id, "body": "..."})
        return json_response({"message": "Not Found"}, 404)

    def _graphql(self, body: dict[str, Any]) -> Response:
        query, variables = body["query"], body["variables"]
        if "unminimizeComment(" in query:
            self.mutations.append(body)
            return self._mutate(variables["id"], None)
        if "minimizeComment(" in query:
            self.mutations.append(body)
            return self._mutate(variables["id"], variables["classifier"])
        assert "nodes(ids:" in query
        self.queries += 1
        nodes: list[Any] = []
        errors: list[dict[str, Any]] = []
        for index, node_id in enumerate(variables["ids"]):
            node = self.nodes.get(node_id)
            if node is None:
                nodes.append(None)
                message = f"Could not resolve to a node with the global id of '{node_id}'"
                errors.append({"type": "NOT_FOUND", "path": ["nodes", index], "message": message})
                continue
            nodes.append(
                {
                    "id": node_id,
                    "isMinimized": node["reason"] is not None,
                    "minimizedReason": node["reason"],
                    "viewerCanMinimize": node.get("can", True),
                    "repository": {"nameWithOwner": node["repo"]},
                }
            )
        return json_response({"data": {"nodes": nodes}, **({"errors": errors} if errors else {})})

    def _mutate(self, node_id: str, classifier: str | None) -> Response:
        field_name, inner = (
            ("minimizeComment", "minimizedComment") if classifier else ("unminimizeComment", "unminimizedComment")
        )
        node = self.nodes.get(node_id)
        if node is None:
            return json_response({"data": {field_name: None}, "errors": [{"type": "NOT_FOUND", "message": "gone"}]})
        if not node.get("can", True):
            error = {"type": "FORBIDDEN", "message": "Viewer does not have permission to minimize"}
            return json_response({"data": {field_name: None}, "errors": [error]})
        node["reason"] = classifier.lower().replace("_", "-") if classifier else None  # GitHub's own spelling
        shown = {"isMinimized": node["reason"] is not None, "minimizedReason": node["reason"]}
        return json_response({"data": {field_name: {inner: shown}}})


def serve(server: HTTPServer, fake: FakeBugzilla | FakeGitHub) -> str:
    server.expect_request(re.compile(".*")).respond_with_handler(fake)
    return server.url_for("/").rstrip("/")


# -- logs -----------------------------------------------------------------------------------------------------------
def decide(log: DecisionLog, thread: Thread, index: int, moderator: str, labels: Sequence[str], action: Action) -> None:
    log.append(
        Decision.new(
            moderator=moderator,
            thread=ThreadRef.from_thread(thread),
            comment=DecidedComment.in_thread(thread, index),
            model=None,
            labels=labels,
            action=action,
        )
    )


def bug_4127() -> Thread:
    comments = [Comment(n, f"Comment {n} of bug 4127.", id=str(88100 + n), author=f"p{n}") for n in range(6)]
    return Thread("bugzilla", comments, id="4127", title="Quillstone")


def bugzilla_log(tmp_path: Path) -> Path:
    """Comment 1: abuse; comment 2: abuse and me-too; comment 3: off-topic (demand, flag); comment 4: ok."""
    path = tmp_path / "decisions.yaml"
    log = DecisionLog(path, TAXONOMY.ids)
    thread = bug_4127()
    decide(log, thread, 1, "dana", ["personal-attack"], Action.HIDE)
    decide(log, thread, 2, "dana", ["personal-attack", "demand"], Action.FLAG)
    decide(log, thread, 3, "dana", ["off-topic"], Action.REMIND)
    decide(log, thread, 4, "dana", [], Action.OK)
    return path


def bugzilla_comments() -> dict[int, dict[str, Any]]:
    return {88100 + n: {"bug_id": 4127, "tags": []} for n in range(6)}


def github_thread() -> Thread:
    comments = [Comment(0, "Issue text.", id="1001", node_id="I_issue")]
    comments += [Comment(n, f"Comment {n}.", id=str(9000 + n), node_id=f"IC_{n}") for n in range(1, 4)]
    comments.append(Comment(4, "No node id in the export.", id="9004"))
    return Thread("github", comments, id="tarnwick/kettle-sync#58")


def github_log(tmp_path: Path) -> Path:
    path = tmp_path / "decisions.yaml"
    log = DecisionLog(path, TAXONOMY.ids)
    thread = github_thread()
    decide(log, thread, 1, "dana", ["personal-attack"], Action.HIDE)  # ABUSE
    decide(log, thread, 2, "dana", ["off-topic"], Action.HIDE)  # OFF_TOPIC
    decide(log, thread, 3, "dana", ["demand"], Action.FLAG)  # flag: not minimized
    decide(log, thread, 4, "dana", ["off-topic"], Action.HIDE)  # node id looked up by its REST id
    return path


def github_nodes() -> dict[str, dict[str, Any]]:
    nodes = {f"IC_{n}": {"rest_id": 9000 + n, "repo": "tarnwick/kettle-sync", "reason": None} for n in range(1, 4)}
    nodes["IC_lookup4"] = {"rest_id": 9004, "repo": "tarnwick/kettle-sync", "reason": None}
    return nodes


@pytest.fixture
def secrets_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUGZILLA_API_KEY", KEY)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("MODERATOR_NAME", "sam")


def push(*args: str) -> tuple[int, str, str]:
    result = run_cli("push", *args)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def ledger_lines(log: Path) -> list[dict[str, Any]]:
    path = ledger_path(log)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def settling_lines(log: Path) -> list[dict[str, Any]]:
    """The lines that record a server's answer (apply, undo, not-applied), each checked to follow the intent line
    written before its request was sent."""
    lines = ledger_lines(log)
    settling = []
    for number, line in enumerate(lines):
        if line["kind"] != "intent":
            intent = lines[number - 1]
            assert (intent["kind"], intent["id"]) == ("intent", line["intent"]), line
            assert (intent["request"], intent["response"]) == (line["request"], {})
            settling.append(line)
    return settling


# -- Bugzilla -------------------------------------------------------------------------------------------------------
def test_bugzilla_dry_run_prints_the_requests_and_sends_no_write(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    fake = FakeBugzilla(bugzilla_comments())
    fake.comments[88102]["tags"] = ["abuse"]  # already carries one of its two tags
    base = serve(httpserver_ipv4, fake)
    log = bugzilla_log(tmp_path)
    status, out, err = push(str(log), "--target", "bugzilla", "--server", base)
    assert (status, err) == (0, "")
    assert fake.writes == [] and fake.reads == 3
    assert f"PUT {base}/rest/bug/comment/88101/tags\n" in out
    assert '{"comment_id": 88101, "add": ["abuse"], "remove": []}\n' in out
    assert '{"comment_id": 88102, "add": ["me-too"], "remove": []}\n' in out  # only the tag it lacks
    assert '{"comment_id": 88103, "add": ["off-topic"], "remove": []}\n' in out
    assert "# 4127 comment 1 (comment id 88101): add tags abuse (decided by dana)\n" in out
    assert out.endswith("dry run: 3 requests would be sent; add --apply to send them\n")
    assert not ledger_path(log).exists()
    assert KEY not in out


def test_bugzilla_apply_records_the_ledger_and_a_second_apply_sends_nothing(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    fake = FakeBugzilla(bugzilla_comments())
    fake.comments[88102]["tags"] = ["abuse", "needinfo"]
    base = serve(httpserver_ipv4, fake)
    log = bugzilla_log(tmp_path)
    status, out, _ = push(str(log), "--target", "bugzilla", "--server", base, "--apply")
    assert status == 0, out
    assert [(path, body["add"]) for _, path, body in fake.writes] == [
        ("/rest/bug/comment/88101/tags", ["abuse"]),
        ("/rest/bug/comment/88102/tags", ["me-too"]),
        ("/rest/bug/comment/88103/tags", ["off-topic"]),
    ]
    assert fake.comments[88102]["tags"] == ["abuse", "me-too", "needinfo"]
    lines = settling_lines(log)
    assert [line["comment_id"] for line in lines] == [88101, 88102, 88103]
    assert len(ledger_lines(log)) == 6  # an intent before each request, and the line settling it
    first = lines[0]
    assert re.fullmatch(r"pl-[0-9a-f]{12}", first["id"]) and first["kind"] == "apply" and first["by"] == "sam"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["when"])
    assert (first["target"], first["server"], first["thread"], first["comment"]) == ("bugzilla", base, "4127", 1)
    assert first["request"] == {
        "method": "PUT",
        "url": f"{base}/rest/bug/comment/88101/tags",
        "body": {"comment_id": 88101, "add": ["abuse"], "remove": []},
    }
    assert first["response"] == {"status": 200, "body": ["abuse"]}
    assert first["inverse"]["body"] == {"comment_id": 88101, "add": [], "remove": ["abuse"]}
    assert first["decided_by"] == ["dana"] and "undoes" not in first
    assert f"applied {first['id']}: 4127 comment 1 (comment id 88101): add tags abuse\n" in out
    assert out.endswith(f"applied 3 of 3 changes; recorded in {ledger_path(log)}\n")
    # Again: the state is read, everything is there, nothing is sent, nothing recorded.
    status, again, _ = push(str(log), "--target", "bugzilla", "--server", base, "--apply")
    assert status == 0 and len(fake.writes) == 3 and len(ledger_lines(log)) == 6
    assert "unchanged: 4127 comment 1 (comment id 88101): already tagged abuse\n" in again
    assert again.endswith("applied 0 of 0 changes; 3 already in place\n")
    status, dry, _ = push(str(log), "--target", "bugzilla", "--server", base)
    assert status == 0 and dry.endswith("dry run: 0 requests would be sent; add --apply to send them\n")


def test_bugzilla_undo_reverses_one_change_and_records_it(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    fake = FakeBugzilla(bugzilla_comments())
    base = serve(httpserver_ipv4, fake)
    log = bugzilla_log(tmp_path)
    assert push(str(log), "--target", "bugzilla", "--server", base, "--apply")[0] == 0
    fake.comments[88102]["tags"].append("spam")  # someone else's tag since: the undo must leave it
    [_, second, _] = settling_lines(log)
    # A dry run of the undo prints the request and sends nothing.
    status, out, _ = push(str(log), "--undo", second["id"])
    assert status == 0 and len(fake.writes) == 3
    assert '{"comment_id": 88102, "add": [], "remove": ["abuse", "me-too"]}\n' in out
    assert out.endswith("dry run: 1 request would be sent; add --apply to send it\n")
    status, out, _ = push(str(log), "--undo", second["id"], "--apply")
    assert status == 0, out
    assert fake.comments[88102]["tags"] == ["spam"] and fake.comments[88101]["tags"] == ["abuse"]
    undo = settling_lines(log)[-1]
    assert (undo["kind"], undo["undoes"], undo["comment_id"], undo["by"]) == ("undo", second["id"], 88102, "sam")
    assert undo["request"]["body"]["remove"] == ["abuse", "me-too"] and "inverse" not in undo
    assert undo["response"] == {"status": 200, "body": ["spam"]}
    # An entry is undone once; an undo is not undone; an unknown id is named.
    status, _, err = push(str(log), "--undo", second["id"], "--apply")
    assert status == 2 and f"{second['id']} was undone already ({undo['id']}" in err
    assert f"{ledger_path(log)}:8:" in err  # six lines of the push, the undo's intent, the undo
    status, _, err = push(str(log), "--undo", undo["id"])
    assert status == 2 and "is itself an undo" in err
    status, _, err = push(str(log), "--undo", "pl-000000000000")
    assert status == 2 and "no entry pl-000000000000" in err
    status, _, err = push(str(log), "--undo", settling_lines(log)[0]["id"], "--server", "http://127.0.0.1:9")
    assert status == 2 and "was sent to" in err
    status, _, err = push(str(log), "--undo", ledger_lines(log)[0]["id"])  # an intent that was applied
    assert status == 2 and f"was applied as {settling_lines(log)[0]['id']}: undo" in err
    assert len(fake.writes) == 4 and len(ledger_lines(log)) == 8


def test_a_change_sent_but_never_recorded_is_named_and_can_be_undone(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    """A push killed after the server applied a change but before the answer was recorded: the intent line written
    before the request stays unsettled. Every later push names it, and --undo takes its id."""
    fake = FakeBugzilla(bugzilla_comments())
    base = serve(httpserver_ipv4, fake)
    log = bugzilla_log(tmp_path)
    assert push(str(log), "--target", "bugzilla", "--server", base, "--apply")[0] == 0
    ledger = ledger_path(log)
    kept = ledger.read_text(encoding="utf-8").splitlines(keepends=True)
    ledger.write_text("".join(kept[:-1]), encoding="utf-8")  # the last apply line never written: the crash
    intent = json.loads(kept[-2])
    assert (intent["kind"], intent["comment_id"]) == ("intent", 88103)
    status, out, _ = push(str(log), "--target", "bugzilla", "--server", base)
    assert status == 0
    assert f"note: {ledger}:5: {intent['id']} (add tags off-topic on 4127 comment 3, " in out
    assert f"was sent but its answer never recorded: it may or may not be applied; push --undo {intent['id']}" in out
    assert out.endswith("dry run: 0 requests would be sent; add --apply to send them\n")  # applied: nothing to send
    status, out, _ = push(str(log), "--undo", intent["id"], "--apply")
    assert status == 0, out
    assert fake.comments[88103]["tags"] == [] and fake.comments[88101]["tags"] == ["abuse"]
    undo = settling_lines(log)[-1]
    assert (undo["kind"], undo["undoes"], undo["comment_id"]) == ("undo", intent["id"], 88103)
    status, out, _ = push(str(log), "--undo", intent["id"])
    assert status == 2 and "was undone already" in _


def test_bugzilla_refusals_are_reported_per_comment_and_the_rest_goes_on(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    thread = bug_4127()
    path = tmp_path / "decisions.yaml"
    log = DecisionLog(path, TAXONOMY.ids)
    for index in range(1, 6):
        decide(log, thread, index, "dana", ["threat"], Action.ESCALATE)
    fake = FakeBugzilla(bugzilla_comments(), refuse={88101: 403, 88103: 409, 88104: 422})
    del fake.comments[88102]  # deleted on the server since
    base = serve(httpserver_ipv4, fake)
    status, out, err = push(str(path), "--target", "bugzilla", "--server", base, "--apply")
    assert status == 1 and err == ""
    assert "missing: 4127 comment 2 (comment id 88102): reading its tags: not found" in out
    assert "(HTTP 404): Comment 88102 does not exist [GET /rest/bug/comment/88102]" in out
    assert re.search(
        r"^permission: 4127 comment 1 \(comment id 88101\): permission denied \(HTTP 403\): refused \[PUT .*\]$",
        out,
        re.M,
    )
    assert re.search(r"^conflict: 4127 comment 3 \(comment id 88103\): .*\(HTTP 409\).*$", out, re.M)
    assert re.search(r"^conflict: 4127 comment 4 \(comment id 88104\): .*\(HTTP 422\).*$", out, re.M)
    assert re.search(r"^applied pl-[0-9a-f]{12}: 4127 comment 5 ", out, re.M)
    assert out.endswith(
        f"applied 1 of 4 changes; not applied: conflict 2, missing 1, permission 1; recorded in {ledger_path(path)}\n"
    )
    refused = {88101: "permission", 88103: "conflict", 88104: "conflict"}  # 88102: missing, never sent
    settled = [(line["comment_id"], line["kind"], line["response"].get("outcome")) for line in settling_lines(path)]
    assert settled == [*((key, "not-applied", status) for key, status in refused.items()), (88105, "apply", None)]
    status, _, err = push(str(path), "--undo", settling_lines(path)[0]["id"])
    assert status == 2 and "records a change the server refused: nothing to undo" in err


def test_a_comment_id_of_another_bug_is_a_conflict(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    fake = FakeBugzilla(bugzilla_comments())
    fake.comments[88101]["bug_id"] = 777  # the same comment id on another server is another bug's comment
    base = serve(httpserver_ipv4, fake)
    status, out, _ = push(str(bugzilla_log(tmp_path)), "--target", "bugzilla", "--server", base)
    assert status == 1
    assert "conflict: 4127 comment 1 (comment id 88101): the server's comment 88101 is on bug 777, not 4127" in out
    assert out.endswith("dry run: 2 requests would be sent; add --apply to send them\n")


def test_apply_without_a_key_is_refused_before_anything_is_sent(
    tmp_path: Path, httpserver_ipv4: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BUGZILLA_API_KEY", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no 'gh' to ask for a token either
    fake = FakeBugzilla(bugzilla_comments())
    base = serve(httpserver_ipv4, fake)
    log = bugzilla_log(tmp_path)
    status, _, err = push(str(log), "--target", "bugzilla", "--server", base, "--apply")
    assert status == 2 and "--apply needs $BUGZILLA_API_KEY" in err
    assert fake.reads == 0 and fake.writes == []
    status, out, _ = push(str(log), "--target", "bugzilla", "--server", base)  # a dry run reads without a key
    assert status == 0 and "3 requests would be sent" in out
    (tmp_path / "github").mkdir()
    status, _, err = push(str(github_log(tmp_path / "github")), "--target", "github", "--server", base)
    assert status == 2 and "needs $GITHUB_TOKEN" in err
    monkeypatch.setenv("GITHUB_TOKEN", "expired-token-0123")  # refused by the server: one line, no ledger
    gh_fake = FakeGitHub(github_nodes())
    httpserver_ipv4.clear()
    base = serve(httpserver_ipv4, gh_fake)
    gh_log = tmp_path / "github" / "decisions.yaml"
    status, out, err = push(str(gh_log), "--target", "github", "--server", base, "--apply")
    assert status == 2 and out == "" and "the token/key was refused (expired?) (HTTP 401)" in err
    assert "expired-token-0123" not in err and not ledger_path(gh_log).exists() and gh_fake.mutations == []


# -- GitHub ---------------------------------------------------------------------------------------------------------
def test_github_dry_run_apply_idempotence_and_undo_on_an_enterprise_layout(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    fake = FakeGitHub(github_nodes(), rest_prefix="/api/v3", graphql_path="/api/graphql")
    fake.nodes["IC_2"]["reason"] = "off-topic"  # hidden by hand already
    root = serve(httpserver_ipv4, fake)
    base = f"{root}/api/v3"
    log = github_log(tmp_path)
    status, out, err = push(str(log), "--target", "github", "--server", base)
    assert (status, err) == (0, "") and fake.mutations == []
    assert (
        "unchanged: tarnwick/kettle-sync#58 comment 2 (comment id 9002, node IC_2): already minimized (off-topic)"
        in out
    )
    assert f"POST {root}/api/graphql\n" in out
    bodies = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [body["variables"] for body in bodies] == [
        {"id": "IC_1", "classifier": "ABUSE"},
        {"id": "IC_lookup4", "classifier": "OFF_TOPIC"},  # found by GET /repos/O/R/issues/comments/9004
    ]
    assert "minimizeComment(input: {subjectId: $id, classifier: $classifier})" in bodies[0]["query"]
    assert out.endswith("dry run: 2 requests would be sent; add --apply to send them\n")
    assert TOKEN not in out
    status, out, _ = push(str(log), "--target", "github", "--server", base, "--apply")
    assert status == 0, out
    assert (fake.nodes["IC_1"]["reason"], fake.nodes["IC_lookup4"]["reason"]) == ("abuse", "off-topic")
    lines = settling_lines(log)
    assert [(line["node_id"], line["comment_id"], line["change"]) for line in lines] == [
        ("IC_1", 9001, "minimize as ABUSE"),
        ("IC_lookup4", 9004, "minimize as OFF_TOPIC"),
    ]
    assert lines[0]["response"] == {
        "status": 200,
        "body": {"minimizedComment": {"isMinimized": True, "minimizedReason": "abuse"}},
    }
    assert "unminimizeComment(input: {subjectId: $id})" in lines[0]["inverse"]["body"]["query"]
    assert push(str(log), "--target", "github", "--server", base, "--apply")[0] == 0
    assert len(fake.mutations) == 2 and len(ledger_lines(log)) == 4  # nothing new
    status, out, _ = push(str(log), "--undo", lines[0]["id"], "--apply")
    assert status == 0, out
    assert fake.nodes["IC_1"]["reason"] is None and fake.nodes["IC_lookup4"]["reason"] == "off-topic"
    undo = settling_lines(log)[-1]
    assert (undo["kind"], undo["undoes"], undo["change"]) == ("undo", lines[0]["id"], "unminimize")
    assert undo["response"]["body"] == {"unminimizedComment": {"isMinimized": False, "minimizedReason": None}}
    for path in files_under(Path(os.environ["HOME"]), tmp_path):
        assert TOKEN.encode() not in path.read_bytes(), path


def test_github_forbidden_and_missing_comments_per_comment(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    nodes = github_nodes()
    nodes["IC_2"]["can"] = False  # the token may not minimize it
    del nodes["IC_lookup4"]  # deleted: its REST lookup is a 404
    fake = FakeGitHub(nodes)
    base = serve(httpserver_ipv4, fake)
    log = github_log(tmp_path)
    status, out, _ = push(str(log), "--target", "github", "--server", base, "--apply")
    assert status == 1
    assert (
        "permission: tarnwick/kettle-sync#58 comment 2 (comment id 9002, node IC_2): the token may not minimize" in out
    )
    assert re.search(
        r"^missing: tarnwick/kettle-sync#58 comment 4 \(comment id 9004\): looking up its node id: not found.*HTTP 404",
        out,
        re.M,
    )
    # Refused while the state was read (the token may not minimize it), IC_2 was never sent: no ledger line.
    assert [(line["node_id"], line["kind"]) for line in settling_lines(log)] == [("IC_1", "apply")]
    # A node that went away between the read and the mutation, and one that is refused then: per comment too.
    fake.nodes["IC_1"]["reason"] = None
    plan = plan_push(export_tags([str(log)], TAXONOMY, "github"), github_server(base))
    fake.nodes["IC_1"]["can"] = False
    outcomes = apply_plan(plan, github_server(base), tmp_path / "ledger.jsonl", "sam")
    assert [(o.where.node_id, o.status) for o in outcomes] == [("IC_1", "permission")]
    assert "FORBIDDEN" in outcomes[0].detail
    [intent, refused] = [json.loads(line) for line in (tmp_path / "ledger.jsonl").read_text("utf-8").splitlines()]
    assert (intent["kind"], refused["kind"], refused["intent"]) == ("intent", "not-applied", intent["id"])
    assert refused["response"]["outcome"] == "permission" and "FORBIDDEN" in refused["response"]["detail"]


def github_server(base: str) -> Server:
    client = HttpClient(base, source="test", headers={"Authorization": f"Bearer {TOKEN}"}, secrets=[TOKEN])
    return Server("github", base, client, client, graphql_base(base), (TOKEN,))


def test_graphql_lives_beside_the_rest_base() -> None:
    assert graphql_base("https://github.example.com/api/v3") == "https://github.example.com/api"
    assert graphql_base("https://github.example.com/api/v3/") == "https://github.example.com/api"
    assert graphql_base("https://api.github.com") == "https://api.github.com"


# -- the ledger -----------------------------------------------------------------------------------------------------
def entry(number: int) -> LedgerEntry:
    request = SentRequest("PUT", f"http://b/rest/bug/comment/{number}/tags", {"comment_id": number, "add": ["abuse"]})
    return LedgerEntry(
        id=f"pl-{number:012x}",
        kind="apply",
        when="2032-03-14T10:05:00Z",
        by="sam",
        target="bugzilla",
        server="http://b",
        thread="4127",
        comment=1,
        comment_id=number,
        node_id=None,
        change="add tags abuse",
        request=request,
        response={"status": 200, "body": ["abuse"]},
        inverse=request,
    )


def test_a_torn_last_line_is_named_and_blocks_the_next_push(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    log = bugzilla_log(tmp_path)
    ledger = ledger_path(log)
    append_entry(ledger, entry(1))
    append_entry(ledger, entry(2))
    whole = ledger.read_bytes()
    with ledger.open("ab") as handle:
        handle.write((json.dumps(entry(3).to_json()) + "\n").encode()[:-40])  # a crash in the middle of a line
    with pytest.raises(LedgerError, match=rf"^{re.escape(str(ledger))}:3: incomplete last line \(torn by a crash\?\)"):
        read_ledger(ledger)
    with pytest.raises(LedgerError, match=rf"^{re.escape(str(ledger))}:3: incomplete last line"):
        append_entry(ledger, entry(4))
    fake = FakeBugzilla(bugzilla_comments())
    base = serve(httpserver_ipv4, fake)
    status, out, err = push(str(log), "--target", "bugzilla", "--server", base, "--apply")
    assert status == 2 and out == "" and err.count("\n") == 1
    assert f"{ledger}:3: incomplete last line" in err
    assert fake.reads == 0 and fake.writes == []  # refused before anything was read or sent
    # Cut at the line break itself: complete JSON without it is torn too; a damaged middle line is named.
    ledger.write_bytes(whole[:-1])
    with pytest.raises(LedgerError, match=r":2: incomplete last line"):
        read_ledger(ledger)
    ledger.write_bytes(whole.replace(b'"kind": "apply"', b'"kind": "apply', 1))
    with pytest.raises(LedgerError, match=r":1: not a complete ledger entry: "):
        read_ledger(ledger)
    ledger.write_bytes(whole)
    assert [e.comment_id for e in read_ledger(ledger)] == [1, 2]


def test_an_append_is_one_write_and_a_short_one_is_cut_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = tmp_path / "x.push-ledger.jsonl"
    append_entry(ledger, entry(1))
    before = ledger.read_bytes()
    calls: list[int] = []
    real_write = os.write

    def half_write(descriptor: int, data: bytes) -> int:
        calls.append(len(data))
        return real_write(descriptor, bytes(data)[: len(data) // 2])

    monkeypatch.setattr(os, "write", half_write)
    with pytest.raises(LedgerError, match="could not record pl-000000000002"):
        append_entry(ledger, entry(2))
    monkeypatch.undo()
    assert len(calls) == 1 and ledger.read_bytes() == before
    append_entry(ledger, entry(3))
    assert [e.id for e in read_ledger(ledger)] == ["pl-000000000001", "pl-000000000003"]
    assert all(line.endswith("}") for line in ledger.read_text(encoding="utf-8").splitlines())


def test_the_ledger_refuses_what_is_no_entry(tmp_path: Path) -> None:
    ledger = tmp_path / "l.jsonl"
    good = json.dumps(entry(1).to_json())
    cases = {
        "[1, 2]": ":1: not a ledger entry",
        good.replace('"schema": 1', '"schema": 2'): ":1: schema version 2 is newer",
        good.replace('"id": "pl-000000000001"', '"id": "x"'): "is no ledger id",
        good + "\n" + good: ":2: ledger id pl-000000000001 was used on line 1 already",
        good.replace('"by": "sam", ', ""): ":1: the entry has no 'by'",
    }
    for text, message in cases.items():
        ledger.write_text(text + "\n", encoding="utf-8")
        with pytest.raises(LedgerError, match=re.escape(message)):
            read_ledger(ledger)
    ledger.write_bytes(good.encode() + b"\n\xff\n")
    with pytest.raises(LedgerError, match=":2: byte 0: not UTF-8"):
        read_ledger(ledger)
    assert read_ledger(tmp_path / "none.jsonl") == []


# -- whole processes: secrets, help ---------------------------------------------------------------------------------
def files_under(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                yield path


def test_the_key_and_token_never_appear_in_output_ledger_or_files(
    tmp_path: Path, httpserver_ipv4: HTTPServer, secrets_set: None
) -> None:
    fake = FakeBugzilla(bugzilla_comments(), refuse={88103: 403}, echo_key_in_errors=True)  # a server that echoes it
    base = serve(httpserver_ipv4, fake)
    log = bugzilla_log(tmp_path)
    runs = [
        run_moderator("push", str(log), "--target", "bugzilla", "--server", base),
        run_moderator("push", str(log), "--target", "bugzilla", "--server", base, "--apply"),
    ]
    assert [run.returncode for run in runs] == [0, 1]
    assert "permission: 4127 comment 3 (comment id 88103): permission denied (HTTP 403)" in runs[1].stdout
    assert "refused for key ***" in runs[1].stdout
    first = settling_lines(log)[0]
    runs.append(run_moderator("push", str(log), "--undo", first["id"], "--apply"))
    assert runs[-1].returncode == 0, runs[-1].stdout
    assert len(ledger_lines(log)) == 8  # three intents and answers (one refused, its detail redacted), the undo's two
    assert "refused for key ***" in settling_lines(log)[2]["response"]["detail"]
    assert all(fake_write_key(body) for body in fake.writes)
    home = Path(os.environ["HOME"])
    for run in runs:
        assert KEY not in run.stdout + run.stderr and "Traceback" not in run.stderr
    for path in files_under(home, tmp_path):
        assert KEY.encode() not in path.read_bytes(), path


def fake_write_key(write: tuple[str, str, Any]) -> bool:
    return KEY not in json.dumps(write)


def test_the_github_token_never_appears_even_when_the_server_is_unreachable(tmp_path: Path, secrets_set: None) -> None:
    log = github_log(tmp_path)
    result = run_moderator("push", str(log), "--target", "github", "--server", "http://127.0.0.1:9", "--apply")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("moderator: error: ") and result.stderr.count("\n") == 1
    assert "127.0.0.1:9" in result.stderr and TOKEN not in result.stderr
    assert ledger_lines(log) == []


def test_help_has_examples_and_the_command_is_listed() -> None:
    result = run_cli("push", "--help")
    assert result.returncode == 0 and "examples:" in result.stdout and "--undo LEDGER-ID" in result.stdout
    assert "push" in run_cli("--help").stdout


def test_nothing_to_push_says_so_without_a_server(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    decide(DecisionLog(path, TAXONOMY.ids), bug_4127(), 1, "dana", [], Action.OK)
    status, out, _ = push(str(path), "--target", "bugzilla", "--server", "http://127.0.0.1:9")
    assert status == 0 and out.endswith("nothing to push: no comment of the logs implies a change\n")
    assert "note: nothing to export: no effective decision implies a Bugzilla tag" in out
    status, _, err = push(str(path))
    assert status == 2 and "--target is required" in err


def test_plan_and_undo_through_the_library(tmp_path: Path, httpserver_ipv4: HTTPServer) -> None:
    fake = FakeBugzilla(bugzilla_comments())
    base = serve(httpserver_ipv4, fake)
    client = HttpClient(base, source="test", headers={"X-BUGZILLA-API-KEY": KEY}, secrets=[KEY])
    server = Server("bugzilla", base, client, secrets=(KEY,))
    export = export_tags([str(bugzilla_log(tmp_path))], TAXONOMY, "bugzilla", thread="4127")
    plan = plan_push(export, server)
    assert [change.change for change in plan.changes] == [
        "add tags abuse",
        "add tags abuse, me-too",
        "add tags off-topic",
    ]
    ledger = tmp_path / "l.jsonl"
    seen: list[str] = []
    outcomes = apply_plan(plan, server, ledger, "sam", on_outcome=lambda outcome: seen.append(outcome.status))
    applied = [entry for entry in read_ledger(ledger) if entry.kind == "apply"]
    assert seen == ["applied"] * 3 and [o.ledger_id for o in outcomes] == [e.id for e in applied]
    assert unsettled(read_ledger(ledger)) == []  # each intent settled by its apply line
    undo = plan_undo(applied[0], server)
    assert [change.request.body for change in undo.changes] == [{"comment_id": 88101, "add": [], "remove": ["abuse"]}]
    fake.comments[88101]["tags"] = []  # removed by hand meanwhile: nothing left to undo
    again = plan_undo(applied[0], server)
    assert again.changes == [] and [o.status for o in again.outcomes] == ["unchanged"]
    client.close()
