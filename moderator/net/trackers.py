"""The SOURCE forms a moderator types, and the tracker API each one names.

- ``https://bugzilla.mozilla.org/show_bug.cgi?id=N`` (or ``.../rest/bug/N``) and ``bugzilla:N``: a Bugzilla bug,
  on ``--server`` for the short form (default ``https://bugzilla.mozilla.org``);
- ``https://github.com/O/R/issues/N``, ``.../pull/N`` (or the API's ``https://api.github.com/repos/O/R/issues/N``)
  and ``O/R#N``: a GitHub issue or pull request, through ``--server`` for the short form, else ``$GITHUB_API_URL``
  (GitHub Enterprise's ``https://HOST/api/v3``), else ``https://api.github.com``;
- URLs of a configured server: a ``--server`` Bugzilla's ``show_bug.cgi`` pages, a GitHub Enterprise's (or a test
  server's) issue pages, whose web host is the API's host.

A URL of any other host is refused (:class:`UsageError`): the credentials are only ever sent to a server the
moderator named. No HTTP library is imported here, so commands can tell a SOURCE from a file path cheaply.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, parse_qsl, urlsplit, urlunsplit

from moderation_core.errors import UsageError
from moderation_core.textsafe import one_line

DEFAULT_BUGZILLA = "https://bugzilla.mozilla.org"
GITHUB_API = "https://api.github.com"
GITHUB_API_URL_ENV = "GITHUB_API_URL"
"""GitHub Enterprise's API base (``https://HOST/api/v3``), as GitHub Actions and the ``gh`` command set it."""

Kind = Literal["bugzilla", "github"]

_NUMBER = r"[1-9][0-9]{0,17}"
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_BUGZILLA_SHORT = re.compile(rf"bugzilla:({_NUMBER})", re.IGNORECASE)
_GITHUB_SHORT = re.compile(rf"({_OWNER})/({_REPO})#({_NUMBER})")
_GITHUB_WEB_PATH = re.compile(rf"/({_OWNER})/({_REPO})/(?:issues|pull|pulls)/({_NUMBER})(?:/.*)?")
_GITHUB_API_PATH = re.compile(rf"/repos/({_OWNER})/({_REPO})/(?:issues|pulls)/({_NUMBER})/?")
_BUGZILLA_REST_PATH = re.compile(rf"(.*)/rest(?:\.cgi)?/bug/({_NUMBER})/?")
# What makes a text a SOURCE form rather than a file name (a file that exists is always read as a file).
_REMOTE_SHAPE = re.compile(rf"(?:https?://\S+|bugzilla:\S*|{_OWNER}/{_REPO}#\S+)", re.IGNORECASE)
# Query parameters whose values are never shown in a message (a pasted URL may carry a key).
_SECRET_PARAMETER = re.compile(r"key|token|password|secret|login", re.IGNORECASE)


@dataclass(frozen=True)
class RemoteThread:
    """A thread on a tracker: which API (``api_base``), which thread, and how messages name it (``name``).

    Bugzilla: ``number`` is the bug id, ``owner`` and ``repo`` are None. GitHub: the issue or pull request
    ``owner/repo#number``. ``web_host`` (``github.com``, ``HOST[:PORT]``) is what ``gh auth token --hostname``
    takes."""

    kind: Kind
    api_base: str
    web_host: str
    number: int
    owner: str | None = None
    repo: str | None = None

    @property
    def is_default_server(self) -> bool:
        return self.api_base in (DEFAULT_BUGZILLA, GITHUB_API)

    @property
    def name(self) -> str:
        """``bugzilla:123``, ``octo/repo#5``; with ``on HOST`` for another server than the public one."""
        short = f"bugzilla:{self.number}" if self.kind == "bugzilla" else f"{self.owner}/{self.repo}#{self.number}"
        return short if self.is_default_server else f"{short} on {self.web_host}"

    @property
    def file_stem(self) -> str:
        """A file name for the thread, letters, digits, dots and dashes only: ``bugzilla-123``, ``octo-repo-5``,
        with the host for another server than the public one."""
        if self.kind == "bugzilla":
            stem = f"bugzilla-{self.number}"
        else:
            stem = f"{self.owner}-{self.repo}-{self.number}"
        if not self.is_default_server:
            stem = f"{self.web_host}-{stem}"
        return re.sub(r"[^A-Za-z0-9.-]+", "-", stem).strip(".-") or "thread"


def looks_like_remote(text: str) -> bool:
    """Whether ``text`` has the shape of a SOURCE form (a URL, ``bugzilla:...``, ``OWNER/REPO#...``), so a command
    fetches it instead of reading a file; the caller checks first that no file of that name exists."""
    return _REMOTE_SHAPE.fullmatch(text.strip()) is not None


def parse_source(text: str, *, server: str | None = None, environ: Mapping[str, str] | None = None) -> RemoteThread:
    """The thread ``text`` names; :class:`UsageError` for a form this command does not know or a URL of a host
    that is neither a public tracker nor a configured one (``server``: ``--server``; ``environ``: where
    ``$GITHUB_API_URL`` is read, ``os.environ`` by default)."""
    environ = os.environ if environ is None else environ
    stripped = text.strip()
    short = _BUGZILLA_SHORT.fullmatch(stripped)
    if short:
        return _bugzilla(bugzilla_api_base(server), int(short.group(1)))
    short = _GITHUB_SHORT.fullmatch(stripped)
    if short:
        return _github(github_api_base(server, environ), short.group(1), short.group(2), int(short.group(3)))
    if stripped.lower().startswith(("http://", "https://")):
        found = _from_url(stripped, server, environ)
        if found is not None:
            return found
        raise UsageError(
            f"{shown_url(stripped)}: not a Bugzilla or GitHub address this command knows (for a self-hosted "
            "server, give its URL with --server)"
        )
    raise UsageError(
        f"{one_line(stripped, 200)}: not a thread source: give a file, a Bugzilla bug URL or bugzilla:ID, or a GitHub "
        "issue or pull request URL or OWNER/REPO#N"
    )


def bugzilla_api_base(server: str | None) -> str:
    """The Bugzilla server ``--server`` names (its address, where ``/rest`` lives), else bugzilla.mozilla.org."""
    return _server_base(server, "--server") if server else DEFAULT_BUGZILLA


def github_api_base(server: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The GitHub API base: ``--server``, else ``$GITHUB_API_URL``, else ``https://api.github.com``."""
    if server:
        return _server_base(server, "--server")
    environ = os.environ if environ is None else environ
    from_environment = environ.get(GITHUB_API_URL_ENV, "").strip()
    if from_environment:
        return _server_base(from_environment, f"${GITHUB_API_URL_ENV}")
    return GITHUB_API


def github_web_host(api_base: str) -> str:
    """The host of the web pages of a GitHub API: ``github.com`` for ``api.github.com``; the API's own host for
    GitHub Enterprise (``https://HOST/api/v3``) and test servers."""
    parts = urlsplit(api_base)
    host = parts.netloc.lower()
    if host.startswith("api.") and parts.path in ("", "/"):
        return host.removeprefix("api.")
    return host


def shown_url(url: str) -> str:
    """A URL as a message shows it: one line, no user information, the values of key-like parameters hidden."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        query = "&".join(
            f"{key}=***" if _SECRET_PARAMETER.search(key) else f"{key}={value}"
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
        )
        return one_line(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), 200)
    except ValueError:
        return one_line(url.split("?")[0], 200)


def _bugzilla(api_base: str, number: int) -> RemoteThread:
    return RemoteThread("bugzilla", api_base, urlsplit(api_base).netloc.lower(), number)


def _github(api_base: str, owner: str, repo: str, number: int) -> RemoteThread:
    if repo in (".", ".."):
        raise UsageError(f"{owner}/{repo}#{number}: not a repository name")
    return RemoteThread("github", api_base, github_web_host(api_base), number, owner, repo)


def _server_base(value: str, origin: str) -> str:
    """A server address as a base URL: http(s), a host, no query, no user information, no trailing slash."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - a port that is not a number raises here, not at the first request
    except ValueError:
        raise UsageError(f"{origin}: {shown_url(value)}: not a server address") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{origin}: {shown_url(value)}: not a server address (give http:// or https://HOST...)")
    if "@" in parts.netloc:
        raise UsageError(
            f"{origin}: {shown_url(value)}: no user or password in the address; the key or token comes from "
            "$BUGZILLA_API_KEY or $GITHUB_TOKEN"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{origin}: {shown_url(value)}: a server address has no query or fragment")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def _origin(parts: SplitResult) -> str:
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _from_url(url: str, server: str | None, environ: Mapping[str, str]) -> RemoteThread | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - checks the port
    except ValueError:
        return None
    if "@" in parts.netloc:
        return None
    return _bugzilla_url(parts, server) or _github_url(parts, server, environ)


def _bugzilla_url(parts: SplitResult, server: str | None) -> RemoteThread | None:
    """A bug page (``show_bug.cgi?id=N``) or REST URL on bugzilla.mozilla.org or the ``--server`` Bugzilla."""
    known = {DEFAULT_BUGZILLA} | ({_server_base(server, "--server")} if server else set())
    path = parts.path.rstrip("/")
    base: str | None = None
    number: str | None = None
    if path.endswith("/show_bug.cgi"):
        base = _origin(parts) + path.removesuffix("/show_bug.cgi")
        number = dict(parse_qsl(parts.query)).get("id")
    else:
        rest = _BUGZILLA_REST_PATH.fullmatch(path)
        if rest:
            base, number = _origin(parts) + rest.group(1), rest.group(2)
    if base is None or base not in known:
        return None
    if number is None or re.fullmatch(_NUMBER, number) is None:
        raise UsageError(f"{shown_url(parts.geturl())}: no bug number in the address (show_bug.cgi?id=NUMBER)")
    return _bugzilla(base, int(number))


def _github_url(parts: SplitResult, server: str | None, environ: Mapping[str, str]) -> RemoteThread | None:
    """An issue or pull-request page of github.com or a configured GitHub server, or its API URL."""
    origin = _origin(parts)
    for api_base in _known_github_apis(server, environ):
        api = urlsplit(api_base)
        web_origins = {f"{api.scheme}://{github_web_host(api_base)}"}
        if api_base == GITHUB_API:
            web_origins.add("https://www.github.com")
        found = _GITHUB_WEB_PATH.fullmatch(parts.path) if origin in web_origins else None
        if found is None and origin == _origin(api) and parts.path.startswith(api.path + "/"):
            found = _GITHUB_API_PATH.fullmatch(parts.path.removeprefix(api.path))
        if found is not None:
            return _github(api_base, found.group(1), found.group(2), int(found.group(3)))
    return None


def _known_github_apis(server: str | None, environ: Mapping[str, str]) -> list[str]:
    """The GitHub APIs whose URLs are recognised: ``--server``, ``$GITHUB_API_URL``, the public one."""
    known = [github_api_base(server, environ), github_api_base(None, environ), GITHUB_API]
    return list(dict.fromkeys(known))
