"""Fetching live threads, against fake Bugzilla and GitHub servers on 127.0.0.1 (pytest-httpserver): the HTTP
client (timeouts, retries, rate limits, conditional requests, size limit, secrets), the SOURCE forms, the two
trackers' fetches, and the ``fetch`` / ``thread`` commands as a user runs them. No test reaches the internet.

Every bug, issue, login and comment below is invented for these tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import run_cli, run_moderator
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from moderation_core.errors import UsageError
from moderator import config
from moderator.net import fetch as net_fetch
from moderator.net.client import HttpClient, iter_pages
from moderator.net.errors import FetchError
from moderator.net.fetch import (
    FetchSettings,
    fetch_thread,
    github_credentials,
    list_github_issues,
    search_bugzilla,
)
from moderator.net.trackers import looks_like_remote, parse_source
from moderator.sources import load_threads

GITHUB_SECRET = "ghp_Zq7SecretTokenNeverShown0042"
BUGZILLA_SECRET = "bzKeyQuietlyKept9931xx"
ISSUE_PATH = "/repos/octo/widgets/issues/5"
BUG_ID = 4242


# -- the fake servers ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _running_server() -> Iterator[HTTPServer]:
    # Threaded: a handler that sleeps past a timeout must not hold up the next test's requests.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(_running_server: HTTPServer) -> Iterator[HTTPServer]:
    _running_server.clear()
    yield _running_server
    _running_server.clear()


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token of the person running the tests, and no ``gh`` on the PATH, unless a test sets them."""
    for name in ("GITHUB_TOKEN", "BUGZILLA_API_KEY", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))


def base_of(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


def conditional(request: Request, payload: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> Response:
    """``payload`` as JSON with an ETag computed from it; a 304 (no body) when the request names that ETag."""
    body = json.dumps(payload).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    all_headers = {"ETag": etag, **(headers or {})}
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers=all_headers if kwargs.get("link_on_304", True) else {"ETag": etag})
    return Response(body, status=200, headers=all_headers, content_type="application/json")


class FakeGitHubIssue:
    """Issue octo/widgets#5 with ``count`` comments, served a page at a time (``per_page``, ``page``, ``Link``)
    and conditionally (ETag), the way the REST API does."""

    def __init__(self, server: HTTPServer, count: int) -> None:
        self.base = base_of(server)
        self.comments = [self.comment(number) for number in range(1, count + 1)]
        self.link_on_304 = True
        server.expect_request(ISSUE_PATH).respond_with_handler(self.issue)
        server.expect_request(ISSUE_PATH + "/comments").respond_with_handler(self.page)

    def comment(self, number: int) -> dict[str, Any]:
        return {
            "id": 70_000 + number,
            "node_id": f"IC_kwFAKE{number:05d}",
            "url": f"{self.base}/repos/octo/widgets/issues/comments/{70_000 + number}",
            "html_url": f"{self.base}/octo/widgets/issues/5#issuecomment-{70_000 + number}",
            "issue_url": f"{self.base}{ISSUE_PATH}",
            "user": {"login": f"tinkerer-{number % 9}"},
            "author_association": "CONTRIBUTOR",
            "created_at": "2031-05-01T10:00:00Z",
            "body": f"Note {number}: the widget counter skips a value after the {number}th refresh.",
        }

    def issue(self, request: Request) -> Response:
        payload = {
            "url": f"{self.base}{ISSUE_PATH}",
            "html_url": f"{self.base}/octo/widgets/issues/5",
            "number": 5,
            "title": "Widget counter skips values",
            "user": {"login": "tinkerer-0"},
            "body": "After many refreshes the counter jumps by two.",
            "comments": len(self.comments),
            "labels": [],
        }
        return conditional(request, payload)

    def page(self, request: Request) -> Response:
        per_page = int(request.args.get("per_page", "30"))
        page = int(request.args.get("page", "1"))
        chunk = self.comments[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(self.comments):
            url = f"{self.base}{ISSUE_PATH}/comments?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{url}>; rel="next", <{self.base}{ISSUE_PATH}/comments?page=1>; rel="first"'
        return conditional(request, chunk, headers, link_on_304=self.link_on_304)


def bugzilla_bug(server: HTTPServer, *, last_modified: bool = False) -> None:
    """Bug 4242 and its three comments, as Bugzilla's REST API answers (with Last-Modified instead of an ETag
    when asked)."""
    bug = {
        "bugs": [
            {
                "id": BUG_ID,
                "summary": "Fictional crash when the gadget tray is empty",
                "product": "Gadgets",
                "component": "Tray",
                "creator": "ria@example.org",
                "assigned_to": "osk@example.org",
            }
        ],
        "faults": [],
    }
    texts = ["The tray crashes when it holds nothing.", "Reproduced on the test build.", "A patch is up for review."]
    authors = ["ria@example.org", "lem@example.org", "osk@example.org"]
    comments = {
        "bugs": {
            str(BUG_ID): {
                "comments": [
                    {"id": 900 + n, "bug_id": BUG_ID, "count": n, "text": text, "creator": author, "tags": []}
                    for n, (text, author) in enumerate(zip(texts, authors))
                ]
            }
        },
        "comments": {},
    }
    stamp = "Wed, 01 Jan 2031 10:00:00 GMT"

    def answer(payload: Any) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            if not last_modified:
                return conditional(request, payload)
            if request.headers.get("If-Modified-Since") == stamp:
                return Response(status=304)
            return Response(json.dumps(payload), headers={"Last-Modified": stamp}, content_type="application/json")

        return handle

    server.expect_request(f"/rest/bug/{BUG_ID}").respond_with_handler(answer(bug))
    server.expect_request(f"/rest/bug/{BUG_ID}/comment").respond_with_handler(answer(comments))


def statuses(server: HTTPServer) -> list[int]:
    return [response.status_code for _, response in server.log]


class Waits:
    """A sleep that does not sleep and an ``on_wait`` that records the countdown."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.countdown: list[tuple[float, str]] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def on_wait(self, seconds: float, message: str) -> None:
        self.countdown.append((seconds, message))


def client_for(server: HTTPServer, waits: Waits | None = None, **kwargs: Any) -> HttpClient:
    waits = waits or Waits()
    return HttpClient(
        base_of(server), source="octo/widgets#5", sleep=waits.sleep, on_wait=waits.on_wait, timeout=5.0, **kwargs
    )


def github_target(server: HTTPServer) -> Any:
    return parse_source("octo/widgets#5", server=base_of(server), environ={})


def settings(tmp_path: Path | None, waits: Waits | None = None, **environ: str) -> FetchSettings:
    waits = waits or Waits()
    return FetchSettings(
        cache_dir=tmp_path, on_wait=waits.on_wait, sleep=waits.sleep, environ={"PATH": "", **environ}, timeout=5.0
    )


# -- GitHub: pages, conditional requests --------------------------------------------------------------------


def test_a_500_comment_issue_is_fetched_in_5_pages_and_imports_whole(server: HTTPServer, tmp_path: Path) -> None:
    FakeGitHubIssue(server, 500)
    fetched = fetch_thread(github_target(server), settings=settings(tmp_path / "cache"))
    assert (fetched.requests, fetched.not_modified) == (6, 0)
    assert [request.args.get("page") for request, _ in server.log] == [None, None, "2", "3", "4", "5"]
    assert all(request.args.get("per_page") == "100" for request, _ in server.log[1:])
    issue, comments = json.loads(fetched.body)
    assert issue["number"] == 5 and len(comments) == 500
    assert comments[-1]["node_id"] == "IC_kwFAKE00500"  # hiding a comment needs it
    path = tmp_path / fetched.suggested_filename
    path.write_bytes(fetched.body)
    (thread,) = load_threads(path)
    assert thread.id == "octo/widgets#5" and len(thread.comments) == 501
    assert thread.comments[500].node_id == "IC_kwFAKE00500"


def test_refetching_an_unchanged_issue_is_one_conditional_request_per_page(server: HTTPServer, tmp_path: Path) -> None:
    FakeGitHubIssue(server, 500)
    first = fetch_thread(github_target(server), settings=settings(tmp_path))
    server.clear_log()
    again = fetch_thread(github_target(server), settings=settings(tmp_path))
    assert (again.requests, again.not_modified) == (6, 6)
    assert statuses(server) == [304] * 6
    assert all(request.headers.get("If-None-Match") for request, _ in server.log)
    assert all(response.get_data() == b"" for _, response in server.log)  # no body came over the network
    assert again.body == first.body


def test_a_changed_page_is_read_again_and_the_others_come_from_the_cache(server: HTTPServer, tmp_path: Path) -> None:
    fake = FakeGitHubIssue(server, 250)
    fetch_thread(github_target(server), settings=settings(tmp_path))
    fake.comments[150]["body"] = "Edited: the counter is fine after the fix."
    server.clear_log()
    again = fetch_thread(github_target(server), settings=settings(tmp_path))
    assert statuses(server) == [304, 304, 200, 304]
    assert json.loads(again.body)[1][150]["body"] == "Edited: the counter is fine after the fix."


def test_a_new_last_page_behind_unchanged_pages_is_not_missed(server: HTTPServer, tmp_path: Path) -> None:
    """A 304 without a Link header keeps the cached (last-page) link: the issue's comment count tells the fetch
    that a page is missing, and the pages are read again whole."""
    fake = FakeGitHubIssue(server, 200)
    fake.link_on_304 = False
    fetch_thread(github_target(server), settings=settings(tmp_path))
    fake.comments.append(fake.comment(201))
    again = fetch_thread(github_target(server), settings=settings(tmp_path))
    assert len(json.loads(again.body)[1]) == 201


def test_last_modified_is_sent_back_and_a_304_answers_from_the_cache(server: HTTPServer, tmp_path: Path) -> None:
    bugzilla_bug(server, last_modified=True)
    target = parse_source(f"bugzilla:{BUG_ID}", server=base_of(server))
    first = fetch_thread(target, settings=settings(tmp_path))
    server.clear_log()
    again = fetch_thread(target, settings=settings(tmp_path))
    assert statuses(server) == [304, 304] and again.body == first.body
    assert all(r.headers.get("If-Modified-Since") == "Wed, 01 Jan 2031 10:00:00 GMT" for r, _ in server.log)


def test_a_damaged_cache_entry_is_ignored_and_replaced(server: HTTPServer, tmp_path: Path) -> None:
    FakeGitHubIssue(server, 3)
    fetch_thread(github_target(server), settings=settings(tmp_path))
    for entry in tmp_path.iterdir():
        entry.write_bytes(b'{"url": "elsewhere"}\n[1, 2')
    server.clear_log()
    again = fetch_thread(github_target(server), settings=settings(tmp_path))
    assert statuses(server) == [200, 200] and len(json.loads(again.body)[1]) == 3
    assert not any(r.headers.get("If-None-Match") for r, _ in server.log)


def test_without_a_cache_folder_nothing_is_conditional_or_written(server: HTTPServer, tmp_path: Path) -> None:
    FakeGitHubIssue(server, 3)
    fetch_thread(github_target(server), settings=settings(None))
    fetch_thread(github_target(server), settings=settings(None))
    assert statuses(server) == [200] * 4


# -- rate limits, retries, timeouts --------------------------------------------------------------------------


def test_a_429_with_retry_after_is_waited_out_with_a_countdown(server: HTTPServer) -> None:
    server.expect_oneshot_request("/x").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": "1"}
    )
    server.expect_request("/x").respond_with_json({"ok": True})
    waits = Waits()
    with client_for(server, waits) as client:
        assert client.get_json("/x").data == {"ok": True}
    assert waits.slept == [1.0]
    assert [seconds for seconds, _ in waits.countdown] == [1.0, 0.0]
    assert "octo/widgets#5: rate limited by 127.0.0.1" in waits.countdown[0][1]


def test_a_short_reset_of_an_exhausted_rate_limit_is_waited_out(server: HTTPServer) -> None:
    now = 2_000_000_000.0
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) + 4)}
    server.expect_oneshot_request("/x").respond_with_json({"message": "API rate limit exceeded"}, 403, headers)
    server.expect_request("/x").respond_with_json([1])
    waits = Waits()
    with client_for(server, waits, clock=lambda: now) as client:
        assert client.get_json("/x").data == [1]
    assert sum(waits.slept) == 5.0 and len(waits.countdown) == 6  # a second more than the reset, counted down


def test_a_long_rate_limit_wait_is_an_error_saying_when_to_retry(server: HTTPServer) -> None:
    now = datetime(2031, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) + 3600)}
    server.expect_request("/x").respond_with_json({"message": "API rate limit exceeded"}, 403, headers)
    waits = Waits()
    with client_for(server, waits, clock=lambda: now) as client, pytest.raises(FetchError) as caught:
        client.get_json("/x")
    assert str(caught.value) == (
        "octo/widgets#5: rate limited by " + base_of(server).removeprefix("http://") + ": retry after "
        "2031-05-01 13:00:01 UTC (in 61 min)"
    )
    assert waits.slept == [] and len(server.log) == 1


def test_a_502_then_success_is_retried_after_a_backoff(server: HTTPServer) -> None:
    server.expect_oneshot_request("/x").respond_with_data("<html>Bad gateway</html>", 502, content_type="text/html")
    server.expect_request("/x").respond_with_json({"fine": 1})
    waits = Waits()
    with client_for(server, waits) as client:
        assert client.get_json("/x").data == {"fine": 1}
        assert client.requests_sent == 2
    assert waits.slept == [0.5]


def test_a_server_error_that_stays_is_an_error_after_the_retries(server: HTTPServer) -> None:
    server.expect_request("/x").respond_with_json({"message": "unavailable"}, status=503)
    waits = Waits()
    with client_for(server, waits) as client, pytest.raises(FetchError, match=r"server error \(HTTP 503\) after 4"):
        client.get_json("/x")
    assert waits.slept == [0.5, 1.0, 2.0] and len(server.log) == 4


def test_a_slow_answer_past_the_timeout_is_an_error(server: HTTPServer) -> None:
    released = threading.Event()

    def slow(request: Request) -> Response:
        released.wait(5)  # a hang guard only: the test releases it as soon as the client has given up
        return Response("[]", content_type="application/json")

    server.expect_request("/slow").respond_with_handler(slow)
    waits = Waits()
    client = HttpClient(base_of(server), source="bugzilla:1", timeout=0.1, retries=1, sleep=waits.sleep)
    with client, pytest.raises(FetchError) as caught:
        client.get_json("/slow")
    released.set()
    message = str(caught.value)
    assert "bugzilla:1: no answer from 127.0.0.1" in message and "within 0.1 s (timed out) (2 attempts)" in message
    deadline = time.monotonic() + 5
    while len(server.log) < 2 and time.monotonic() < deadline:  # both answers logged before the next test
        time.sleep(0.01)


def test_a_refused_connection_is_retried_then_one_line(tmp_path: Path) -> None:
    waits = Waits()
    client = HttpClient("http://127.0.0.1:9", source="bugzilla:1", sleep=waits.sleep, retries=2)
    with (
        client,
        pytest.raises(FetchError, match=r"^bugzilla:1: could not connect to 127\.0\.0\.1:9: .*\(3 attempts\)$"),
    ):
        client.get_json("/rest/bug/1")
    assert waits.slept == [0.5, 1.0]


def test_put_is_retried_on_a_gateway_error_and_post_is_not(server: HTTPServer) -> None:
    server.expect_oneshot_request("/tags", method="PUT").respond_with_data("", 502)
    server.expect_request("/tags", method="PUT").respond_with_json([{"id": 1}])
    server.expect_request("/graphql", method="POST").respond_with_data("", 502)
    with client_for(server) as client:
        assert client.send_json("PUT", "/tags", {"add": ["spam"]}).data == [{"id": 1}]
        with pytest.raises(FetchError, match=r"server error \(HTTP 502\)") as caught:
            client.send_json("POST", "/graphql", {"query": "mutation"})
    assert caught.value.status == 502
    assert [request.method for request, _ in server.log] == ["PUT", "PUT", "POST"]
    assert json.loads(server.log[0][0].get_data()) == {"add": ["spam"]}


# -- answers that are not the JSON asked for ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            '{"number": 5, "title": ',
            "application/json",
            "malformed JSON in the answer (line 1, column 24: Expecting value)",
        ),
        ("<html><body>Sign in</body></html>", "text/html; charset=utf-8", "answered with text/html, not JSON"),
        (b'["caf\xe9"]', "application/json", "the answer is not UTF-8 text (byte 5), not JSON"),
    ],
)
def test_an_answer_that_is_not_json_is_an_error_naming_the_source(
    server: HTTPServer, body: str | bytes, content_type: str, expected: str
) -> None:
    server.expect_request("/x").respond_with_data(body, content_type=content_type)
    with client_for(server) as client, pytest.raises(FetchError) as caught:
        client.get_json("/x")
    message = str(caught.value)
    assert message.startswith("octo/widgets#5: ") and expected in message and "\n" not in message


def test_an_answer_larger_than_the_limit_is_refused(server: HTTPServer) -> None:
    """Refused by its Content-Length, and, sent in chunks without one, while it is read."""
    server.expect_request("/big").respond_with_json(["x" * 100] * 50)
    chunks = (b"[" + b'"xxxxxxxx",' * 50 for _ in range(5))
    server.expect_request("/chunked").respond_with_response(Response(chunks, content_type="application/json"))
    with client_for(server, max_bytes=1000) as client:
        for path in ("/big", "/chunked"):
            with pytest.raises(FetchError, match=r"larger than 0 MiB \(at least 0\.0 MiB\): refused"):
                client.get_json(path)
    assert "content-length" not in {name.lower() for name, _ in server.log[-1][1].headers}


def test_an_answer_that_trickles_in_is_given_up_as_a_whole(server: HTTPServer) -> None:
    """A read timeout bounds each wait for a piece of the body; a server sending a byte now and then would never
    trip it. The whole answer has its own limit."""
    released = threading.Event()

    def trickle() -> Iterator[bytes]:
        yield b"["
        while not released.wait(0.05):
            yield b"1,"
        yield b"1]"

    server.expect_request("/trickle").respond_with_response(Response(trickle(), content_type="application/json"))
    with client_for(server, total_timeout=0.3) as client, pytest.raises(FetchError, match="more than 0.3 s in all"):
        client.get_json("/trickle")
    released.set()


@pytest.mark.parametrize(
    ("status", "secrets", "expected"),
    [
        (401, (GITHUB_SECRET,), "the token/key was refused (expired?)"),
        (401, (), "not authorized: private? (set $BUGZILLA_API_KEY / $GITHUB_TOKEN)"),
        (404, (), "not found (or private: set $BUGZILLA_API_KEY / $GITHUB_TOKEN)"),
        (404, (GITHUB_SECRET,), "not found (or not visible with the token/key given)"),
        (403, (GITHUB_SECRET,), "permission denied (HTTP 403)"),
    ],
)
def test_refusals_say_what_to_do_and_never_show_the_secret(
    server: HTTPServer, status: int, secrets: tuple[str, ...], expected: str
) -> None:
    # A server that echoes the credential in its message (it happens) must not make the error show it.
    echo = {"message": f"Bad credentials: {GITHUB_SECRET}", "documentation_url": "https://docs.example"}
    server.expect_request("/x").respond_with_json(echo, status=status)
    with client_for(server, secrets=(GITHUB_SECRET,) if secrets else ()) as client:
        with pytest.raises(FetchError) as caught:
            client.get_json("/x")
    assert expected in str(caught.value) and caught.value.status == status
    if secrets:
        assert GITHUB_SECRET not in str(caught.value) and "Bad credentials: ***" in str(caught.value)


def test_links_and_redirects_to_another_server_are_not_followed(server: HTTPServer) -> None:
    """The credentials travel in headers: a page link or a redirect of a hostile server must not carry them to
    another host."""
    elsewhere = "http://127.0.0.2:9/steal?page=2"
    server.expect_request("/list").respond_with_json([1], headers={"Link": f'<{elsewhere}>; rel="next"'})
    server.expect_request("/moved").respond_with_data("", 301, headers={"Location": elsewhere})
    server.expect_request("/renamed").respond_with_data("", 301, headers={"Location": "/here"})
    server.expect_request("/here").respond_with_json({"here": True})
    with client_for(server) as client:
        with pytest.raises(FetchError, match="link to another server: http://127.0.0.2:9/steal$"):
            list(iter_pages(client, "/list", None, 10))
        with pytest.raises(FetchError, match="redirected to another server"):
            client.get_json("/moved")
        assert client.get_json("/renamed").data == {"here": True}


def test_a_paginated_answer_that_loops_is_an_error(server: HTTPServer, tmp_path: Path) -> None:
    fake = FakeGitHubIssue(server, 250)
    base = fake.base

    def looping(request: Request) -> Response:
        page = int(request.args.get("page", "1"))
        # Page 2 links back to the first page's own URL.
        link = f"{base}{ISSUE_PATH}/comments?per_page=100" + ("&page=2" if page == 1 else "")
        return Response("[]", headers={"Link": f'<{link}>; rel="next"'}, content_type="application/json")

    server.clear_all_handlers()
    server.expect_request(ISSUE_PATH).respond_with_handler(fake.issue)
    server.expect_request(ISSUE_PATH + "/comments").respond_with_handler(looping)
    with pytest.raises(FetchError) as caught:
        fetch_thread(github_target(server), settings=settings(tmp_path))
    assert "the pages loop: page 2 links back to an earlier page" in str(caught.value)
    assert len(server.log) == 3


def test_a_list_that_never_ends_stops_at_the_page_limit(server: HTTPServer) -> None:
    base = base_of(server)

    def endless(request: Request) -> Response:
        page = int(request.args.get("page", "1"))
        return Response("[]", headers={"Link": f'<{base}/list?page={page + 1}>; rel="next"'})

    server.expect_request("/list").respond_with_handler(endless)
    with client_for(server) as client, pytest.raises(FetchError, match="more than 4 pages"):
        list(iter_pages(client, "/list", None, 4))
    assert len(server.log) == 4


# -- SOURCE forms ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "api_base", "number", "name"),
    [
        (
            "https://bugzilla.mozilla.org/show_bug.cgi?id=1234567",
            "bugzilla",
            "https://bugzilla.mozilla.org",
            1234567,
            "bugzilla:1234567",
        ),
        (
            "https://bugzilla.mozilla.org/show_bug.cgi?id=88#c4",
            "bugzilla",
            "https://bugzilla.mozilla.org",
            88,
            "bugzilla:88",
        ),
        ("bugzilla:31", "bugzilla", "https://bugzilla.mozilla.org", 31, "bugzilla:31"),
        ("https://github.com/octo/widgets/issues/5", "github", "https://api.github.com", 5, "octo/widgets#5"),
        ("https://github.com/octo/widgets/pull/12/files", "github", "https://api.github.com", 12, "octo/widgets#12"),
        (
            "https://github.com/octo/widgets/issues/5#issuecomment-9",
            "github",
            "https://api.github.com",
            5,
            "octo/widgets#5",
        ),
        (
            "https://api.github.com/repos/octo/wid.gets/issues/7",
            "github",
            "https://api.github.com",
            7,
            "octo/wid.gets#7",
        ),
        ("octo/widgets#5", "github", "https://api.github.com", 5, "octo/widgets#5"),
    ],
)
def test_source_forms(text: str, kind: str, api_base: str, number: int, name: str) -> None:
    target = parse_source(text, environ={})
    assert (target.kind, target.api_base, target.number, target.name) == (kind, api_base, number, name)
    assert looks_like_remote(text)


def test_the_servers_named_by_server_and_github_api_url_are_known() -> None:
    enterprise = {"GITHUB_API_URL": "https://ghe.example.com/api/v3"}
    target = parse_source("team/app#7", environ=enterprise)
    assert (target.api_base, target.web_host, target.name) == (
        "https://ghe.example.com/api/v3",
        "ghe.example.com",
        "team/app#7 on ghe.example.com",
    )
    assert parse_source("https://ghe.example.com/team/app/pull/7", environ=enterprise) == target
    assert parse_source("https://ghe.example.com/api/v3/repos/team/app/issues/7", environ=enterprise) == target
    bug = parse_source("https://bugs.example.org/bz/show_bug.cgi?id=12", server="https://bugs.example.org/bz/")
    assert (bug.kind, bug.api_base, bug.number, bug.file_stem) == (
        "bugzilla",
        "https://bugs.example.org/bz",
        12,
        "bugs.example.org-bugzilla-12",
    )
    assert parse_source("bugzilla:12", server="https://bugs.example.org/bz") == bug
    local = parse_source("http://127.0.0.1:8123/octo/widgets/issues/5", server="http://127.0.0.1:8123", environ={})
    assert (local.api_base, local.owner, local.repo) == ("http://127.0.0.1:8123", "octo", "widgets")
    # A github.com URL is github.com's whatever --server says.
    assert (
        parse_source("https://github.com/o/r/issues/1", server="http://127.0.0.1:8123").api_base
        == "https://api.github.com"
    )


@pytest.mark.parametrize(
    ("text", "server", "expected"),
    [
        ("https://gitlab.example.com/o/r/-/issues/1", None, "not a Bugzilla or GitHub address this command knows"),
        ("https://bugs.example.org/show_bug.cgi?id=5", None, "not a Bugzilla or GitHub address this command knows"),
        ("https://evil.example/octo/widgets/issues/5", "https://ghe.example.com/api/v3", "this command knows"),
        ("https://bugzilla.mozilla.org/show_bug.cgi?id=abc", None, "no bug number in the address"),
        ("bugzilla:0", None, "not a thread source"),
        ("octo/widgets#5", "ftp://ghe.example.com", "--server: ftp://ghe.example.com: not a server address"),
        ("octo/widgets#5", "https://me:pw@ghe.example.com", "no user or password in the address"),
    ],
)
def test_addresses_this_command_does_not_know_are_refused_in_one_line(
    text: str, server: str | None, expected: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_source(text, server=server, environ={})
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert "pw" not in str(caught.value)


def test_a_key_pasted_into_a_url_is_not_repeated_in_the_error() -> None:
    with pytest.raises(UsageError) as caught:
        parse_source(f"https://bugs.example.org/show_bug.cgi?id=5&api_key={BUGZILLA_SECRET}", environ={})
    assert BUGZILLA_SECRET not in str(caught.value) and "api_key=***" in str(caught.value)


@pytest.mark.parametrize("text", ["bug.json", "moderator/samples/bug-4127.txt", "", "octo/widgets", "C:\\x#1"])
def test_file_names_do_not_look_like_remote_sources(text: str) -> None:
    assert not looks_like_remote(text)


# -- the trackers' fetches ---------------------------------------------------------------------------------


def test_a_bugzilla_bug_is_fetched_with_the_key_in_a_header_and_imports(server: HTTPServer, tmp_path: Path) -> None:
    bugzilla_bug(server)
    target = parse_source(
        f"http://{base_of(server).removeprefix('http://')}/show_bug.cgi?id={BUG_ID}", server=base_of(server)
    )
    fetched = fetch_thread(target, settings=settings(tmp_path / "cache", BUGZILLA_API_KEY=BUGZILLA_SECRET))
    assert fetched.format == "bugzilla-json"
    assert [r.headers.get("X-BUGZILLA-API-KEY") for r, _ in server.log] == [BUGZILLA_SECRET] * 2
    assert all(BUGZILLA_SECRET not in r.full_path for r, _ in server.log)  # never in a URL
    bug, comments = json.loads(fetched.body)
    assert bug["bugs"][0]["id"] == BUG_ID and len(comments["bugs"][str(BUG_ID)]["comments"]) == 3
    path = tmp_path / "bug.json"
    path.write_bytes(fetched.body)
    (thread,) = load_threads(path)
    assert (thread.id, thread.title, len(thread.comments)) == (
        "4242",
        "Fictional crash when the gadget tray is empty",
        3,
    )
    assert not any(BUGZILLA_SECRET.encode() in entry.read_bytes() for entry in (tmp_path / "cache").iterdir())


def test_a_bug_that_does_not_exist_is_one_line_naming_it(server: HTTPServer) -> None:
    error = {"error": True, "code": 101, "message": "Bug 77 does not exist.", "documentation": "https://x"}
    server.expect_request("/rest/bug/77").respond_with_json(error, status=404)
    target = parse_source("bugzilla:77", server=base_of(server))
    with pytest.raises(FetchError) as caught:
        fetch_thread(target, settings=settings(None))
    host = base_of(server).removeprefix("http://")
    assert str(caught.value) == (
        f"bugzilla:77 on {host}: not found (or private: set $BUGZILLA_API_KEY) (HTTP 404): Bug 77 does not exist. "
        "[GET /rest/bug/77]"
    )


def test_the_gh_command_gives_the_token_when_github_token_is_unset(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    gh = folder / "gh"
    gh.write_text(f'#!/bin/sh\n[ "$3 $4" = "--hostname github.com" ] && echo {GITHUB_SECRET}\n', encoding="utf-8")
    gh.chmod(gh.stat().st_mode | stat.S_IXUSR)
    found = github_credentials("github.com", {"PATH": str(folder)})
    assert found.headers == {"Authorization": f"Bearer {GITHUB_SECRET}"} and found.secrets == (GITHUB_SECRET,)
    assert github_credentials("ghe.example.com", {"PATH": str(folder)}).headers == {}  # gh said nothing
    assert github_credentials("github.com", {"PATH": str(folder), "GITHUB_TOKEN": "tok_from_env_1"}).secrets == (
        "tok_from_env_1",
    )
    gh.write_text("#!/bin/sh\necho 'not logged in'; exit 1\n", encoding="utf-8")
    assert github_credentials("github.com", {"PATH": str(folder)}).headers == {}


def test_a_bugzilla_search_pages_through_the_ids(server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(net_fetch, "BUGZILLA_SEARCH_PAGE", 2)

    def search(request: Request) -> Response:
        offset = int(request.args["offset"])
        ids = [11, 12, 13][offset : offset + 2]
        return Response(json.dumps({"bugs": [{"id": i} for i in ids]}), content_type="application/json")

    server.expect_request("/rest/bug").respond_with_handler(search)
    found = search_bugzilla(
        base_of(server), "product=Gadgets&component=Tray&include_fields=summary", settings=settings(None)
    )
    assert found == [11, 12, 13]
    args = server.log[0][0].args
    assert args.getlist("include_fields") == ["id"] and args["product"] == "Gadgets" and args["order"] == "bug_id"
    with pytest.raises(UsageError, match=r"give the key in \$BUGZILLA_API_KEY"):
        search_bugzilla(base_of(server), f"product=X&api_key={BUGZILLA_SECRET}", settings=settings(None))


def test_the_issues_of_a_repository_since_a_date(server: HTTPServer) -> None:
    base = base_of(server)

    def issues(request: Request) -> Response:
        page = int(request.args.get("page", "1"))
        headers = {"Link": f'<{base}/repos/octo/widgets/issues?state=all&page=2>; rel="next"'} if page == 1 else {}
        numbers = [9, 7] if page == 1 else [4]
        return Response(json.dumps([{"number": n} for n in numbers]), headers=headers, content_type="application/json")

    server.expect_request("/repos/octo/widgets/issues").respond_with_handler(issues)
    assert list_github_issues("octo/widgets", "2031-04-01", server=base, settings=settings(None)) == [9, 7, 4]
    first = server.log[0][0].args
    assert (first["state"], first["since"], first["per_page"]) == ("all", "2031-04-01T00:00:00Z", "100")
    with pytest.raises(UsageError, match="not a date"):
        list_github_issues("octo/widgets", "April", server=base)
    with pytest.raises(UsageError, match="not a repository"):
        list_github_issues("octo", None, server=base)


def test_the_configured_names_match_the_network_layer(tmp_path: Path) -> None:
    assert (config.BUGZILLA_API_KEY_ENV, config.GITHUB_TOKEN_ENV) == (
        net_fetch.BUGZILLA_API_KEY_ENV,
        net_fetch.GITHUB_TOKEN_ENV,
    )
    assert config.GITHUB_API_URL_ENV == "GITHUB_API_URL"
    assert config.user_cache_dir() == Path(os.environ["HOME"]) / ".cache" / "moderator"


# -- the commands, as a user runs them ---------------------------------------------------------------------


def everything_under(folder: Path) -> Iterator[Path]:
    return (path for path in folder.rglob("*") if path.is_file())


def test_fetch_writes_the_thread_and_a_refetch_costs_no_rate_limit(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_SECRET)
    FakeGitHubIssue(server, 120)
    output = tmp_path / "issue.json"
    url = f"{base_of(server)}/octo/widgets/issues/5"
    result = run_moderator("fetch", url, "--server", base_of(server), "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("fetched octo/widgets#5 on 127.0.0.1:") and "121 comments" in result.stdout
    assert len(load_threads(output)[0].comments) == 121
    again = run_cli("fetch", url, "--server", base_of(server))  # in this process: one process start is enough
    assert again.returncode == 0 and again.stdout.encode("utf-8") == output.read_bytes()
    assert statuses(server) == [200] * 3 + [304] * 3
    assert all(r.headers.get("Authorization") == f"Bearer {GITHUB_SECRET}" for r, _ in server.log)
    home = Path(os.environ["HOME"])
    cache = home / ".cache" / "moderator" / "http"
    assert len(list(cache.iterdir())) == 3
    for path in [*everything_under(home), *everything_under(tmp_path)]:
        assert GITHUB_SECRET.encode() not in path.read_bytes(), path
    assert GITHUB_SECRET not in result.stdout + result.stderr + again.stdout + again.stderr


def test_errors_of_the_fetch_command_are_one_line_without_the_secret(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUGZILLA_API_KEY", BUGZILLA_SECRET)
    echo = {"error": True, "code": 102, "message": f"The API key {BUGZILLA_SECRET} has expired."}
    server.expect_request("/rest/bug/31").respond_with_json(echo, status=401)
    output = tmp_path / "bug.json"
    cases = [
        (["fetch", "https://gitlab.example.com/o/r/-/issues/1"], "not a Bugzilla or GitHub address this command knows"),
        (
            ["fetch", "bugzilla:31", "--server", base_of(server), "-o", str(output)],
            "the token/key was refused (expired?)",
        ),
    ]
    for runner, (args, expected) in zip((run_moderator, run_cli), cases):
        result = runner(*args)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and BUGZILLA_SECRET not in result.stderr
    assert "The API key *** has expired." in result.stderr
    assert not output.exists()
    assert not any(BUGZILLA_SECRET.encode() in p.read_bytes() for p in everything_under(Path(os.environ["HOME"])))


def test_a_fetch_the_importer_would_refuse_is_an_error_and_writes_nothing(server: HTTPServer, tmp_path: Path) -> None:
    fake = FakeGitHubIssue(server, 3)
    fake.comments[1]["body"] = 42
    output = tmp_path / "issue.json"
    result = run_cli("fetch", "octo/widgets#5", "--server", base_of(server), "-o", str(output))
    assert result.returncode == 2
    assert "octo/widgets#5 on 127.0.0.1:" in result.stderr
    assert "github-json importer refuses it: comment [1]: 'body' must be a string" in result.stderr
    assert not output.exists()


def test_the_fetch_command_counts_a_rate_limit_wait_down(server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = Waits()
    monkeypatch.setattr(time, "sleep", waits.sleep)  # the client looks time.sleep up when it is made
    bugzilla_bug(server)
    server.expect_oneshot_request(f"/rest/bug/{BUG_ID}").respond_with_json({}, status=429, headers={"Retry-After": "1"})
    result = run_cli("fetch", f"bugzilla:{BUG_ID}", "--server", base_of(server), "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "rate limited by 127.0.0.1:" in result.stderr and ": retrying in 1 s" in result.stderr
    assert json.loads(result.stdout)[0]["bugs"][0]["id"] == BUG_ID and waits.slept == [1.0]
    assert not (Path(os.environ["HOME"]) / ".cache" / "moderator" / "http").exists()  # --no-cache


def test_thread_reads_a_bug_url_of_the_configured_server(server: HTTPServer) -> None:
    bugzilla_bug(server)
    url = f"{base_of(server)}/show_bug.cgi?id={BUG_ID}"
    result = run_moderator("thread", url, "--server", base_of(server), "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["thread"]["id"] == str(BUG_ID) and len(shown["comments"]) == 3
    kept = (
        Path(os.environ["HOME"])
        / ".cache"
        / "moderator"
        / "threads"
        / f"127.0.0.1-{server.port}-bugzilla-{BUG_ID}.json"
    )
    assert kept.is_file()


def test_an_existing_file_wins_over_a_source_form(tmp_path: Path, samples: Path) -> None:
    """A file named like a SOURCE form is read as the file: nothing is fetched (there is no server to ask)."""
    named = tmp_path / "octo" / "widgets#5"
    named.parent.mkdir()
    named.write_bytes((samples / "bug-4127.txt").read_bytes())
    result = run_cli("thread", "octo/widgets#5", cwd=tmp_path)
    assert result.returncode == 0 and "bug-4127" not in result.stderr


def test_the_fetch_command_has_help_with_examples() -> None:
    result = run_cli("fetch", "--help")
    assert result.returncode == 0 and "moderator fetch bugzilla:" in result.stdout and "--no-cache" in result.stdout
    for command in ("thread", "score", "review"):
        assert "--server URL" in run_cli(command, "--help").stdout


def test_a_missing_output_folder_is_refused_before_any_request(server: HTTPServer, tmp_path: Path) -> None:
    result = run_cli("fetch", "octo/widgets#5", "--server", base_of(server), "-o", str(tmp_path / "no" / "x.json"))
    assert result.returncode == 2 and "no such folder" in result.stderr and server.log == []


def test_the_http_client_never_leaks_the_library_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx's exception texts can hold a URL with whatever is in it: a failure is always our one line."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url} with {GITHUB_SECRET}", request=request)

    client = HttpClient(
        "https://api.github.com",
        source="octo/widgets#5",
        secrets=(GITHUB_SECRET,),
        transport=httpx.MockTransport(refuse),
        retries=0,
    )
    with client, pytest.raises(FetchError) as caught:
        client.get_json(ISSUE_PATH)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert GITHUB_SECRET not in str(caught.value) and "***" in str(caught.value)
