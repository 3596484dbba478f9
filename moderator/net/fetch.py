"""Fetching a thread from its tracker, as the JSON the importers read.

- Bugzilla: ``GET /rest/bug/{id}`` and ``GET /rest/bug/{id}/comment``, written as ``[bug_response,
  comment_response]`` (what ``moderator.sources.bugzilla_json`` reads). The API key comes from
  ``$BUGZILLA_API_KEY`` and travels in the ``X-BUGZILLA-API-KEY`` header, never in a URL.
- GitHub: ``GET /repos/O/R/issues/N`` and every page of ``.../comments?per_page=100`` (``Link: rel="next"``),
  written as ``[issue, comments]`` (what ``moderator.sources.github_json`` reads; each comment keeps its
  ``node_id``, which hiding it needs). The token comes from ``$GITHUB_TOKEN``, else ``gh auth token`` when the
  GitHub CLI is installed, as ``Authorization: Bearer ...``.

The objects are kept as the server sent them; the output is written with ``moderation_core.textsafe.dumps`` (no
terminal control character raw in it) and any secret the server echoed is replaced by ``***``.

For the scan command: :func:`search_bugzilla` (the bug ids of a Bugzilla search) and :func:`list_github_issues`
(the issue and pull-request numbers of a repository updated since a date).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from moderation_core.errors import UsageError
from moderation_core.textsafe import dumps
from moderator.net.client import HttpClient, iter_pages
from moderator.net.errors import FetchError
from moderator.net.trackers import (
    RemoteThread,
    bugzilla_api_base,
    github_api_base,
    github_web_host,
)

BUGZILLA_API_KEY_ENV = "BUGZILLA_API_KEY"
GITHUB_TOKEN_ENV = "GITHUB_TOKEN"
BUGZILLA_FORMAT = "bugzilla-json"  # moderator.sources.bugzilla_json.FORMAT (net does not import the importers)
GITHUB_FORMAT = "github-json"  # moderator.sources.github_json.FORMAT

PER_PAGE = 100
"""GitHub's largest page."""
MAX_PAGES = 1000
"""Pages of one list: 100,000 comments or issues, far more than the largest real thread holds."""
BUGZILLA_SEARCH_PAGE = 1000
GH_TIMEOUT = 10.0
"""Seconds ``gh auth token`` may take (it only reads its configuration; a hang must not hang the fetch)."""


@dataclass(frozen=True)
class Credentials:
    """What a client sends to prove who it is, and what no message may show. ``hint`` says what to set when a
    thread is not found or refused without them."""

    headers: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class FetchedThread:
    """A fetched thread: ``body`` is the JSON file (UTF-8) the importer of ``format`` reads; ``name`` is how
    messages name it; ``requests`` and ``not_modified`` count the HTTP requests and their 304 answers."""

    name: str
    format: str
    body: bytes
    suggested_filename: str
    requests: int = 0
    not_modified: int = 0


ClientFactory = Callable[[str, str, Credentials], HttpClient]
"""``(api_base, source_name, credentials) -> HttpClient``: how the fetch functions open their client (tests and
the CLI pass their own; :meth:`FetchSettings.client` is the default)."""


@dataclass(frozen=True)
class FetchSettings:
    """How the fetch functions talk to a server: the cache folder (None: no conditional requests, nothing
    written), the rate-limit countdown, the timeout, where credentials are read (None: ``os.environ``), and for
    tests a transport and a sleep that does not sleep."""

    cache_dir: Path | None = None
    on_wait: Callable[[float, str], None] | None = None
    timeout: float = 30.0
    retries: int = 3
    max_wait: float = 60.0
    environ: Mapping[str, str] | None = None
    sleep: Callable[[float], None] | None = None  # None: time.sleep
    transport: httpx.BaseTransport | None = None

    def client(self, api_base: str, source: str, credentials: Credentials) -> HttpClient:
        return HttpClient(
            api_base,
            source=source,
            headers=credentials.headers,
            secrets=credentials.secrets,
            cache_dir=self.cache_dir,
            timeout=self.timeout,
            retries=self.retries,
            max_wait=self.max_wait,
            on_wait=self.on_wait,
            transport=self.transport,
            sleep=self.sleep,
            credential_hint=credentials.hint,
        )

    @property
    def env(self) -> Mapping[str, str]:
        return os.environ if self.environ is None else self.environ


# -- credentials --------------------------------------------------------------------------------------------


def bugzilla_credentials(environ: Mapping[str, str] | None = None) -> Credentials:
    """``$BUGZILLA_API_KEY`` as the ``X-BUGZILLA-API-KEY`` header (Bugzilla 5.0's way that keeps it out of URLs)."""
    environ = os.environ if environ is None else environ
    key = environ.get(BUGZILLA_API_KEY_ENV, "").strip()
    hint = f"set ${BUGZILLA_API_KEY_ENV}"
    return Credentials({"X-BUGZILLA-API-KEY": key}, (key,), hint) if key else Credentials(hint=hint)


def github_credentials(web_host: str = "github.com", environ: Mapping[str, str] | None = None) -> Credentials:
    """``$GITHUB_TOKEN``, else what ``gh auth token --hostname WEB_HOST`` prints when ``gh`` is on the PATH (any
    failure of it is no token), as ``Authorization: Bearer``."""
    environ = os.environ if environ is None else environ
    hint = f"set ${GITHUB_TOKEN_ENV} or run 'gh auth login'"
    token = environ.get(GITHUB_TOKEN_ENV, "").strip() or _gh_token(web_host, environ)
    if not token:
        return Credentials(hint=hint)
    return Credentials({"Authorization": f"Bearer {token}"}, (token,), hint)


def _gh_token(web_host: str, environ: Mapping[str, str]) -> str:
    gh = shutil.which("gh", path=environ.get("PATH"))
    if gh is None:
        return ""
    try:
        done = subprocess.run(
            [gh, "auth", "token", "--hostname", web_host],
            capture_output=True,
            text=True,
            timeout=GH_TIMEOUT,
            check=False,
            env=dict(environ),
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return ""
    token = done.stdout.strip()
    # One line of token characters, nothing else (a message printed to stdout is no token).
    return token if done.returncode == 0 and re.fullmatch(r"[A-Za-z0-9_.\-]{8,255}", token) else ""


def credentials_for(target: RemoteThread, environ: Mapping[str, str] | None = None) -> Credentials:
    if target.kind == "bugzilla":
        return bugzilla_credentials(environ)
    return github_credentials(target.web_host, environ)


# -- threads ------------------------------------------------------------------------------------------------


def fetch_thread(
    target: RemoteThread, *, settings: FetchSettings | None = None, client_factory: ClientFactory | None = None
) -> FetchedThread:
    """The thread ``target`` names, fetched (conditionally, with a cache folder) as an importer's JSON file."""
    settings = settings or FetchSettings()
    factory = client_factory or settings.client
    credentials = credentials_for(target, settings.env)
    with factory(target.api_base, target.name, credentials) as client:
        if target.kind == "bugzilla":
            document: list[Any] = _bugzilla_thread(client, target.number)
            format = BUGZILLA_FORMAT
        else:
            document = _github_thread(client, target)
            format = GITHUB_FORMAT
        body = client.redact(dumps(document)) + "\n"
        return FetchedThread(
            target.name,
            format,
            body.encode("utf-8"),
            f"{target.file_stem}.json",
            client.requests_sent,
            client.not_modified,
        )


def _bugzilla_thread(client: HttpClient, bug_id: int) -> list[Any]:
    bug = client.get_json(f"/rest/bug/{bug_id}").data
    _check_bugzilla_answer(client, bug)
    bugs = bug.get("bugs") if isinstance(bug, dict) else None
    if not isinstance(bugs, list) or not any(isinstance(b, dict) and str(b.get("id")) == str(bug_id) for b in bugs):
        raise client.error(f'the server\'s answer holds no bug {bug_id} (expected {{"bugs": [{{"id": ...}}]}})')
    comments = client.get_json(f"/rest/bug/{bug_id}/comment").data
    _check_bugzilla_answer(client, comments)
    entry = comments.get("bugs", {}).get(str(bug_id)) if isinstance(comments, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("comments"), list):
        raise client.error(
            f'the server\'s answer holds no comments of bug {bug_id} (expected {{"bugs": {{"{bug_id}": '
            '{"comments": [...]}}})'
        )
    return [bug, comments]


def _check_bugzilla_answer(client: HttpClient, data: Any) -> None:
    """Bugzilla may answer an error as a 200 with ``{"error": true, "message": ...}``."""
    if isinstance(data, dict) and data.get("error") is True:
        message = data.get("message")
        said = message if isinstance(message, str) else "no message"
        raise client.error(f"the server answered with an error: {said}")


def _github_thread(client: HttpClient, target: RemoteThread) -> list[Any]:
    base = f"/repos/{target.owner}/{target.repo}/issues/{target.number}"
    issue = client.get_json(base).data
    if not (isinstance(issue, dict) and "number" in issue and "title" in issue and "user" in issue):
        raise client.error("the server's answer is not an issue (expected an object with number, title and user)")
    comments, cached = _github_comments(client, base + "/comments", conditional=True)
    expected = issue.get("comments")
    if cached and isinstance(expected, int) and expected != len(comments):
        # A page answered 304 while the thread changed around it (a new last page): read the pages again whole.
        comments, _ = _github_comments(client, base + "/comments", conditional=False)
    return [issue, comments]


def _github_comments(client: HttpClient, path: str, *, conditional: bool) -> tuple[list[Any], bool]:
    """Every comment of every page, each id once (a comment posted during the reading shifts the pages, so one
    may come twice); and whether any page came from the cache."""
    comments: list[Any] = []
    seen: set[object] = set()
    cached = False
    for page in iter_pages(client, path, {"per_page": str(PER_PAGE)}, MAX_PAGES, conditional=conditional):
        cached = cached or page.from_cache
        if not isinstance(page.data, list):
            raise client.error(f"a page of comments is not a list ({page.url.split('?')[0]})")
        for comment in page.data:
            key = comment.get("id") if isinstance(comment, dict) else None
            if key is not None and isinstance(key, (int, str)):
                if key in seen:
                    continue
                seen.add(key)
            comments.append(comment)
    return comments, cached


# -- lists for the scan -------------------------------------------------------------------------------------

# Parameters that would put a credential in a URL (and so in the cache key, a log or a proxy's records).
_BUGZILLA_CREDENTIAL_PARAMETERS = frozenset(
    {"api_key", "bugzilla_api_key", "bugzilla_login", "bugzilla_password", "bugzilla_token", "token"}
)
_SINCE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?)?")


def search_bugzilla(
    server: str | None,
    query: str,
    *,
    settings: FetchSettings | None = None,
    client_factory: ClientFactory | None = None,
) -> list[int]:
    """The ids of the bugs a Bugzilla search finds, in the server's order: ``query`` is the search's query string
    (``product=NSS&component=Libraries``, as in a buglist URL), sent to ``GET /rest/bug?QUERY&include_fields=id``
    on ``server`` (None: bugzilla.mozilla.org), a page of 1,000 at a time unless the query sets ``limit``."""
    settings = settings or FetchSettings()
    factory = client_factory or settings.client
    pairs = parse_qsl(query.strip().lstrip("?"), keep_blank_values=True)
    if not pairs:
        raise UsageError(f"{query!r}: an empty Bugzilla search (give it as product=...&component=...)")
    for key, _ in pairs:
        if key.lower() in _BUGZILLA_CREDENTIAL_PARAMETERS:
            raise UsageError(f"the Bugzilla search sets {key}: give the key in ${BUGZILLA_API_KEY_ENV} instead")
    pairs = [(key, value) for key, value in pairs if key != "include_fields"] + [("include_fields", "id")]
    keys = {key for key, _ in pairs}
    paged = "limit" not in keys and "offset" not in keys
    if paged and "order" not in keys:
        pairs.append(("order", "bug_id"))  # offsets need a stable order
    api_base = bugzilla_api_base(server)
    found: dict[int, None] = {}
    with factory(api_base, f"Bugzilla search on {_host_of(api_base)}", bugzilla_credentials(settings.env)) as client:
        for page in range(MAX_PAGES):
            extra = (
                [("limit", str(BUGZILLA_SEARCH_PAGE)), ("offset", str(page * BUGZILLA_SEARCH_PAGE))] if paged else []
            )
            data = client.get_json("/rest/bug?" + urlencode(pairs + extra)).data
            _check_bugzilla_answer(client, data)
            ids = _bug_ids(client, data)
            found.update(dict.fromkeys(ids))
            if not paged or len(ids) < BUGZILLA_SEARCH_PAGE:
                return list(found)
        raise client.error(f"more than {MAX_PAGES} pages of bugs: refused (narrow the search)")


def _bug_ids(client: HttpClient, data: Any) -> list[int]:
    bugs = data.get("bugs") if isinstance(data, dict) else None
    if not isinstance(bugs, list):
        raise client.error('the search answer is not {"bugs": [...]}')
    ids: list[int] = []
    for bug in bugs:
        value = bug.get("id") if isinstance(bug, dict) else None
        if isinstance(value, bool) or not isinstance(value, int):
            raise client.error(f"a bug in the search answer has no whole-number id: {dumps(value)[:40]}")
        ids.append(value)
    return ids


def list_github_issues(
    repo: str,
    since: str | None,
    *,
    server: str | None = None,
    settings: FetchSettings | None = None,
    client_factory: ClientFactory | None = None,
) -> list[int]:
    """The numbers of the issues and pull requests of ``repo`` (``OWNER/REPO``) updated since ``since``
    (``YYYY-MM-DD`` or an ISO 8601 time; None: all), open or closed, newest update first:
    ``GET /repos/O/R/issues?state=all&since=...&per_page=100``, every page. ``server``: as ``--server``, else
    ``$GITHUB_API_URL``, else api.github.com."""
    settings = settings or FetchSettings()
    factory = client_factory or settings.client
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}", repo) is None or repo.endswith(
        ("/.", "/..")
    ):
        raise UsageError(f"{repo!r}: not a repository (give OWNER/REPO)")
    params = {"state": "all", "per_page": str(PER_PAGE)}
    if since is not None:
        if _SINCE.fullmatch(since) is None:
            raise UsageError(f"{since!r}: not a date (give YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)")
        params["since"] = since if "T" in since else f"{since}T00:00:00Z"
    api_base = github_api_base(server, settings.env)
    credentials = github_credentials(github_web_host(api_base), settings.env)
    numbers: dict[int, None] = {}
    with factory(api_base, repo, credentials) as client:
        for page in iter_pages(client, f"/repos/{repo}/issues", params, MAX_PAGES):
            if not isinstance(page.data, list):
                raise client.error("a page of issues is not a list")
            for issue in page.data:
                number = issue.get("number") if isinstance(issue, dict) else None
                if isinstance(number, int) and not isinstance(number, bool):
                    numbers[number] = None
    return list(numbers)


def _host_of(api_base: str) -> str:
    return httpx.URL(api_base).host or api_base


__all__ = [
    "BUGZILLA_API_KEY_ENV",
    "GITHUB_TOKEN_ENV",
    "ClientFactory",
    "Credentials",
    "FetchError",
    "FetchSettings",
    "FetchedThread",
    "bugzilla_credentials",
    "credentials_for",
    "fetch_thread",
    "github_credentials",
    "list_github_issues",
    "search_bugzilla",
]
