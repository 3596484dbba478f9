"""One well-kept HTTP client for the trackers' JSON APIs, over one ``httpx.Client`` (one connection pool).

What every request gets, so that no caller has to remember it:

- explicit timeouts (connect, read, write, pool) and an overall limit per response, so a server that trickles
  bytes cannot hold a command forever;
- retries with exponential backoff on 5xx answers and connection errors or timeouts (GET always; PUT and POST only
  when the request cannot have been acted on, see :meth:`HttpClient.send_json`);
- rate limits honoured: 429 or 403 with ``Retry-After``, or ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``.
  A wait of at most ``max_wait`` seconds is waited out, calling ``on_wait`` about once a second for a visible
  countdown; a longer one is a :class:`FetchError` saying at what UTC time to retry;
- conditional GETs against a cache folder: ``ETag`` / ``Last-Modified`` are sent back as ``If-None-Match`` /
  ``If-Modified-Since``, and a 304 answer returns the cached body (``from_cache=True``) without reading a body from
  the network, so refetching an unchanged thread costs no rate limit. A cache entry is keyed by the SHA-256 of the
  full URL, holds only the validators, the next-page link and the body, and is written atomically, only after a 200
  answer whose body is valid JSON;
- responses larger than ``max_bytes`` (50 MiB) are refused while they are read;
- errors are one-line :class:`FetchError` naming the source; every message is cleared of the secrets given
  (replaced by ``***``), and the HTTP library's exceptions are never passed on (their text holds URLs).

Redirects are followed for GET within the same server only: the credentials travel in headers, which a redirect to
another host must never carry.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from moderation_core.files import write_atomically
from moderation_core.textsafe import one_line
from moderator import __version__
from moderator.net.errors import FetchError

MAX_RESPONSE_BYTES = 50 * 2**20
"""The largest response body accepted: the largest real issue or bug page is a few megabytes."""

MAX_REDIRECTS = 5
MAX_RATE_LIMIT_WAITS = 3
"""Rate-limit waits per request: a server that keeps saying "wait" after three waits is not going to answer."""

DEFAULT_RATE_LIMIT_WAIT = 60.0
"""A 429 without ``Retry-After`` or a reset time: GitHub's guidance is to wait at least a minute."""

NO_CREDENTIAL_HINT = "set $BUGZILLA_API_KEY / $GITHUB_TOKEN"
REDACTED = "***"

# 5xx answers worth a retry: the server or a proxy in front of it is overloaded or restarting. 501 (not
# implemented) and 505 (HTTP version) will not change on a retry.
_TRANSIENT_5XX = frozenset(range(500, 600)) - {501, 505}
# For a PUT, only answers that say the request did not reach the application (a gateway's).
_GATEWAY_ERRORS = frozenset({502, 503, 504})
# Connection errors raised before a byte of the request was sent: retrying them cannot repeat an action.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SERVER_MESSAGE_WIDTH = 160
_CACHE_SUFFIX = ".http"


@dataclass(frozen=True)
class JsonResponse:
    """A JSON answer. ``status`` is 304 (and ``from_cache`` True) when the cached body was still current;
    ``next_url`` is the absolute URL of ``Link: <...>; rel="next"``, or None on the last page; ``url`` is the URL
    asked for."""

    status: int
    data: Any
    headers: Mapping[str, str]
    url: str
    from_cache: bool
    next_url: str | None


@dataclass(frozen=True)
class _CacheEntry:
    """A cached 200 answer: its validators, its next-page link and its body (parsed only when a 304 says so)."""

    url: str
    etag: str | None
    last_modified: str | None
    next_url: str | None
    body: bytes

    def validators(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class _Answer:
    """A response read whole (within the size limit), as the client keeps it once the connection is released."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: httpx.URL
    links: Mapping[str | None, Mapping[str, str]]


class HttpClient:
    """A JSON client for one tracker's API at ``base_url`` (``https://bugzilla.mozilla.org``,
    ``https://api.github.com``, ``https://HOST/api/v3``).

    ``source`` is what error messages name (``bugzilla:123``, ``octo/repo#5``). ``headers`` are sent with every
    request (the credentials); ``secrets`` are the values no message may show. ``cache_dir`` enables conditional
    GETs (None: every GET is unconditional and nothing is written). ``on_wait(seconds_left, message)`` is called
    about once a second while a rate limit is waited out, and once with 0 when the wait is over. ``sleep`` and
    ``clock`` (keyword arguments) let tests wait without waiting.
    """

    def __init__(
        self,
        base_url: str,
        *,
        source: str,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        cache_dir: Path | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        on_wait: Callable[[float, str], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.time,
        max_bytes: int = MAX_RESPONSE_BYTES,
        total_timeout: float | None = None,
        credential_hint: str = NO_CREDENTIAL_HINT,
    ) -> None:
        self._secrets = _secret_forms(secrets)
        self.source = source
        self._cache_dir = cache_dir
        self._timeout = timeout
        # A read timeout bounds the wait for each piece of the body, not the body: this bounds the whole answer.
        self._total_timeout = total_timeout if total_timeout is not None else max(10 * timeout, 60.0)
        self._retries = max(0, retries)
        self._backoff = backoff
        self._max_wait = max_wait
        self._on_wait = on_wait
        self._sleep = sleep or time.sleep  # looked up now, not at import: a test may replace time.sleep
        self._clock = clock
        self._max_bytes = max_bytes
        self._credential_hint = credential_hint
        self._has_credentials = bool(self._secrets)
        self.requests_sent = 0
        """Requests sent so far, retries included (the benchmark and the tests count them)."""
        self.not_modified = 0
        """304 answers so far: requests whose body came from the cache."""
        try:
            self._base = httpx.URL(base_url.rstrip("/") + "/")
            if self._base.scheme not in ("http", "https") or not self._base.host:
                raise FetchError(self.redact(source), f"{self.redact(base_url)}: not an http(s) server address")
            default_headers = {"Accept": "application/json", "User-Agent": f"moderator/{__version__}"}
            self._client = httpx.Client(
                headers={**default_headers, **(headers or {})},
                timeout=httpx.Timeout(timeout),
                transport=transport,
                follow_redirects=False,
            )
        except (httpx.InvalidURL, ValueError, TypeError) as error:
            raise FetchError(self.redact(source), f"invalid server address: {self.redact(str(error))}") from None

    # -- public -----------------------------------------------------------------------------------------------

    def get_json(self, path: str, params: Mapping[str, str] | None = None, *, conditional: bool = True) -> JsonResponse:
        """GET ``path`` (relative to the base URL, or an absolute URL of the same server such as a ``next_url``)
        and its decoded JSON. With a cache folder, the request is conditional on the cached copy unless
        ``conditional`` is False (the answer still updates the cache)."""
        url = self._url(path, params)
        cached = self._cache_read(url) if self._cache_dir is not None and conditional else None
        answer = self._exchange("GET", url, cached.validators() if cached is not None else {}, None, idempotent=True)
        if answer.status == 304:
            if cached is None:  # a 304 to an unconditional request: nothing to return
                raise self._error(f"the server answered 304 (not modified) to a request without validators {url.path}")
            self.not_modified += 1
            data = self._cached_data(cached)
            if data is None:  # the cached body no longer decodes (edited by hand): ask for it whole
                return self.get_json(path, params, conditional=False)
            next_url = self._next_url(answer) if answer.links else cached.next_url
            return JsonResponse(304, data, dict(answer.headers), str(url), True, next_url)
        self._raise_for_status(answer, "GET", url)
        data = self._decoded(answer, "GET", url)
        next_url = self._next_url(answer)
        if self._cache_dir is not None:
            self._cache_write(url, answer, next_url)
        return JsonResponse(answer.status, data, dict(answer.headers), str(url), False, next_url)

    def send_json(self, method: str, path: str, body: object | None = None) -> JsonResponse:
        """``method`` (PUT, POST, ...) with ``body`` as JSON, and the decoded answer (None for an empty body).

        Never cached. Retried only when it cannot repeat an action: a connection error before the request was
        sent, a rate-limit refusal, or a gateway error (502, 503, 504) to a PUT (idempotent: sending it twice
        leaves the same state). Redirects are not followed."""
        method = method.upper()
        url = self._url(path, None)
        content = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else {}
        answer = self._exchange(method, url, headers, content, idempotent=method in ("PUT", "DELETE"))
        self._raise_for_status(answer, method, url)
        data = self._decoded(answer, method, url) if answer.body.strip() else None
        return JsonResponse(answer.status, data, dict(answer.headers), str(url), False, self._next_url(answer))

    def redact(self, text: str) -> str:
        """``text`` with every secret (and its URL-encoded form) replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def error(self, problem: str, *, status: int | None = None) -> FetchError:
        """A :class:`FetchError` naming this client's source, cleared of secrets (for callers' own checks)."""
        return FetchError(self.redact(self.source), self.redact(problem), status=status)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------------------------

    def _url(self, path: str, params: Mapping[str, str] | None) -> httpx.URL:
        """The absolute URL of ``path``; an absolute ``path`` must be on this server (the headers carry the
        credentials, and a page link of a hostile server must not send them elsewhere)."""
        try:
            if path.startswith(("http://", "https://")):
                url = httpx.URL(path)
                if not _same_origin(url, self._base):
                    raise self._error(f"refusing to follow a link to another server: {_without_query(url)}")
            else:
                url = httpx.URL(str(self._base) + path.lstrip("/"))
            return url.copy_merge_params(dict(params)) if params else url
        except httpx.InvalidURL as error:
            raise self._error(f"invalid URL: {error}") from None

    def _exchange(
        self, method: str, url: httpx.URL, headers: Mapping[str, str], content: bytes | None, *, idempotent: bool
    ) -> _Answer:
        """Send until an answer that is not a retry: backoff on transient failures, waits on rate limits,
        same-server redirects for GET."""
        failures = 0
        rate_waits = 0
        redirects = 0
        while True:
            try:
                answer = self._send_once(method, url, headers, content)
            except httpx.TransportError as error:
                retriable = idempotent or method == "GET" or isinstance(error, _NOT_SENT)
                if retriable and failures < self._retries:
                    self._sleep(self._backoff * 2**failures)
                    failures += 1
                    continue
                raise self._error(self._transport_problem(error, url, failures)) from None
            except (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL) as error:  # a body that does not decode...
                raise self._error(f"{type(error).__name__}: {error} ({method} {url.path})") from None
            if answer.status in _REDIRECTS and method == "GET":
                redirects += 1
                url = self._redirect_target(answer, redirects)
                continue
            wait = self._rate_limit_wait(answer)
            if wait is not None:
                rate_waits += 1
                self._wait_out_rate_limit(wait, rate_waits, url)
                continue
            transient = _TRANSIENT_5XX if method == "GET" else (_GATEWAY_ERRORS if idempotent else frozenset())
            if answer.status in transient and failures < self._retries:
                self._sleep(self._backoff * 2**failures)
                failures += 1
                continue
            return answer

    def _send_once(self, method: str, url: httpx.URL, headers: Mapping[str, str], content: bytes | None) -> _Answer:
        """One request, its body read within the size and time limits."""
        request = self._client.build_request(method, url, headers=headers, content=content)
        self.requests_sent += 1
        started = time.monotonic()
        response = self._client.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdecimal() and int(declared) > self._max_bytes:
                raise self._too_large(int(declared))
            return _Answer(
                response.status_code,
                response.headers,
                self._read_body(response, started),
                response.url,
                response.links if "link" in response.headers else {},
            )
        finally:
            response.close()

    def _read_body(self, response: httpx.Response, started: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():  # decompressed: a small gzip bomb is counted by what it unpacks to
            size += len(chunk)
            if size > self._max_bytes:
                raise self._too_large(size)
            if time.monotonic() - started > self._total_timeout:  # a trickle: asking again would trickle too
                raise self._error(f"the answer took more than {self._total_timeout:g} s in all: given up")
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, size: int) -> FetchError:
        return self._error(
            f"the answer is larger than {self._max_bytes // 2**20} MiB (at least {size / 2**20:.1f} MiB): refused"
        )

    def _redirect_target(self, answer: _Answer, redirects: int) -> httpx.URL:
        location = answer.headers.get("location")
        if not location:
            raise self._error(f"the server answered {answer.status} (a redirect) without a Location")
        if redirects > MAX_REDIRECTS:
            raise self._error(f"more than {MAX_REDIRECTS} redirects from {answer.url.path}")
        try:
            target = answer.url.join(location)
        except httpx.InvalidURL:
            raise self._error(f"the server redirected to an invalid URL: {location}") from None
        if not _same_origin(target, self._base):
            raise self._error(f"the server redirected to another server, not followed: {_without_query(target)}")
        return target

    # -- rate limits ------------------------------------------------------------------------------------------

    def _rate_limit_wait(self, answer: _Answer) -> float | None:
        """Seconds to wait before asking again when ``answer`` is a rate-limit refusal, else None."""
        if answer.status not in (403, 429):
            return None
        headers = answer.headers
        retry_after = _seconds_until(headers.get("retry-after"), self._clock())
        if retry_after is not None:
            return retry_after
        if headers.get("x-ratelimit-remaining", "").strip() == "0":
            reset = headers.get("x-ratelimit-reset", "").strip()
            if reset.isdecimal():
                # One second more: the reset time is whole seconds, and asking exactly at it can still be refused.
                return max(0.0, int(reset) - self._clock()) + 1.0
            return DEFAULT_RATE_LIMIT_WAIT
        return DEFAULT_RATE_LIMIT_WAIT if answer.status == 429 else None  # a 403 without them: a refusal

    def _wait_out_rate_limit(self, wait: float, waits: int, url: httpx.URL) -> None:
        host = _host(url)
        if wait > self._max_wait or waits > MAX_RATE_LIMIT_WAITS:
            retry_at = datetime.fromtimestamp(self._clock() + min(wait, 366 * 86400.0), UTC)
            again = "still " if waits > MAX_RATE_LIMIT_WAITS else ""
            raise self._error(
                f"{again}rate limited by {host}: retry after {retry_at:%Y-%m-%d %H:%M:%S} UTC (in {_duration(wait)})",
                status=429,
            )
        message = f"{self.redact(self.source)}: rate limited by {host}"
        remaining = wait
        while remaining > 0:
            if self._on_wait is not None:
                self._on_wait(remaining, message)
            step = min(1.0, remaining)
            self._sleep(step)
            remaining -= step
        if self._on_wait is not None:
            self._on_wait(0.0, message)

    # -- answers ----------------------------------------------------------------------------------------------

    def _raise_for_status(self, answer: _Answer, method: str, url: httpx.URL) -> None:
        status = answer.status
        if 200 <= status < 300:
            return
        said = self._server_message(answer)
        where = f" [{method} {url.path}]"
        if status == 401:
            if self._has_credentials:
                problem = "the token/key was refused (expired?)"
            else:
                problem = f"not authorized: private? ({self._credential_hint})"
        elif status == 403:
            problem = "permission denied" + ("" if self._has_credentials else f" ({self._credential_hint})")
        elif status in (404, 410):
            if self._has_credentials:
                problem = "not found (or not visible with the token/key given)"
            else:
                problem = f"not found (or private: {self._credential_hint})"
        elif status in (409, 412, 422):
            problem = f"the server refused the change (HTTP {status})"
        elif status >= 500:
            tries = f" after {self._retries + 1} attempts" if method == "GET" else ""
            problem = f"server error (HTTP {status}){tries}"
        else:
            problem = f"unexpected answer (HTTP {status})"
        if status in (401, 403, 404, 410, 409, 412, 422) and f"HTTP {status}" not in problem:
            problem += f" (HTTP {status})"
        raise self._error(problem + (f": {said}" if said else "") + where, status=status)

    def _server_message(self, answer: _Answer) -> str:
        """The ``message`` of a JSON error body (GitHub and Bugzilla both give one), cut to one short line."""
        try:
            data = json.loads(answer.body) if answer.body else None
        except (ValueError, RecursionError):
            return ""
        message = data.get("message") if isinstance(data, dict) else None
        return one_line(self.redact(message), _SERVER_MESSAGE_WIDTH) if isinstance(message, str) else ""

    def _decoded(self, answer: _Answer, method: str, url: httpx.URL) -> Any:
        """The JSON of a 2xx answer; an HTML page (a proxy's or a login page) or broken JSON is a FetchError."""
        content_type = answer.headers.get("content-type", "").split(";")[0].strip().lower() or "no content type"
        where = f" [{method} {url.path}]"
        try:
            return json.loads(answer.body)
        except UnicodeDecodeError as error:
            raise self._error(f"the answer is not UTF-8 text (byte {error.start}), not JSON{where}") from None
        except json.JSONDecodeError as error:
            if "json" not in content_type:
                raise self._error(
                    f"the server answered with {content_type}, not JSON (an error or login page?){where}"
                ) from None
            raise self._error(
                f"malformed JSON in the answer (line {error.lineno}, column {error.colno}: {error.msg}){where}"
            ) from None
        except RecursionError:
            raise self._error(f"the JSON of the answer is nested too deeply{where}") from None

    def _next_url(self, answer: _Answer) -> str | None:
        link = answer.links.get("next")
        target = link.get("url") if link else None
        if not target:
            return None
        try:
            return str(answer.url.join(target))
        except httpx.InvalidURL:
            raise self._error(f"the server sent an invalid next-page link: {target}") from None

    def _transport_problem(self, error: httpx.TransportError, url: httpx.URL, failures: int) -> str:
        host = _host(url)
        tries = f" ({failures + 1} attempts)" if failures else ""
        if isinstance(error, httpx.ConnectTimeout):
            return f"could not connect to {host} within {self._timeout:g} s{tries}"
        if isinstance(error, httpx.TimeoutException):
            return f"no answer from {host} within {self._timeout:g} s (timed out){tries}"
        if isinstance(error, httpx.ConnectError):
            return f"could not connect to {host}: {error}{tries}"
        return f"the connection to {host} failed ({type(error).__name__}: {error}){tries}"

    def _error(self, problem: str, *, status: int | None = None) -> FetchError:
        return self.error(problem, status=status)

    # -- cache ------------------------------------------------------------------------------------------------

    def _cache_path(self, url: httpx.URL) -> Path:
        assert self._cache_dir is not None
        return self._cache_dir / (hashlib.sha256(str(url).encode("utf-8")).hexdigest() + _CACHE_SUFFIX)

    def _cache_read(self, url: httpx.URL) -> _CacheEntry | None:
        """The cached answer for ``url``; None when there is none or it is not one of ours (then the request is
        simply unconditional, and its answer replaces the file)."""
        try:
            with self._cache_path(url).open("rb") as handle:
                data = handle.read(self._max_bytes + 64 * 1024)
        except OSError:
            return None
        header, separator, body = data.partition(b"\n")
        if not separator:
            return None
        try:
            meta = json.loads(header)
        except ValueError:
            return None
        if not isinstance(meta, dict) or meta.get("url") != str(url):
            return None
        texts = [meta.get(key) for key in ("etag", "last_modified", "next_url")]
        if not all(value is None or isinstance(value, str) for value in texts):
            return None
        etag, last_modified, next_url = texts
        if not etag and not last_modified:
            return None
        return _CacheEntry(str(url), etag, last_modified, next_url, body)

    def _cached_data(self, entry: _CacheEntry) -> Any:
        try:
            return json.loads(entry.body)
        except (ValueError, RecursionError):
            return None

    def _cache_write(self, url: httpx.URL, answer: _Answer, next_url: str | None) -> None:
        """Keep a 200 answer (already decoded as JSON) with its validators: nothing else of the headers, and
        never an answer that holds a secret."""
        etag = answer.headers.get("etag")
        last_modified = answer.headers.get("last-modified")
        if answer.status != 200 or not (etag or last_modified):
            return
        meta = {"url": str(url), "etag": etag, "last_modified": last_modified, "next_url": next_url}
        header = json.dumps(meta, ensure_ascii=True).encode("ascii")
        if any(secret.encode("utf-8", "replace") in header + answer.body for secret in self._secrets):
            return
        path = self._cache_path(url)
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomically(path, header + b"\n" + answer.body)
        except OSError:
            pass  # a cache that cannot be written only costs the next fetch its conditional request


def _secret_forms(secrets: Sequence[str]) -> tuple[str, ...]:
    """Each non-empty secret and its URL-encoded form, longest first (a secret inside another is then hidden
    with it)."""
    forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
    return tuple(sorted(forms, key=len, reverse=True))


def _same_origin(url: httpx.URL, other: httpx.URL) -> bool:
    return (url.scheme, url.host, url.port) == (other.scheme, other.host, other.port)


def _host(url: httpx.URL) -> str:
    return f"{url.host}:{url.port}" if url.port is not None else url.host


def _without_query(url: httpx.URL) -> str:
    """A URL as a message shows it: no user information, no query (either may hold a credential)."""
    return str(url.copy_with(query=None, fragment=None, userinfo=b""))


def _seconds_until(value: str | None, now: float) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdecimal():
        return float(int(value[:12]))  # a longer number is more than thirty thousand years anyway
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _duration(seconds: float) -> str:
    whole = math.ceil(seconds)
    if whole < 120:
        return f"{whole} s"
    if whole < 7200:
        return f"{math.ceil(whole / 60)} min"
    return f"{whole / 3600:.1f} h"


def iter_pages(
    client: HttpClient, path: str, params: Mapping[str, str] | None, max_pages: int, *, conditional: bool = True
) -> Iterator[JsonResponse]:
    """Every page of a paginated list, following ``next_url``; a link back to a page already read, or more than
    ``max_pages`` pages, is a FetchError (a server that loops would otherwise be asked forever). ``conditional``:
    as for :meth:`HttpClient.get_json`."""
    response = client.get_json(path, params, conditional=conditional)
    seen = {response.url}
    pages = 1
    while True:
        yield response
        next_url = response.next_url
        if next_url is None:
            return
        if next_url in seen:
            raise client.error(f"the pages loop: page {pages} links back to an earlier page ({_path_of(next_url)})")
        if pages >= max_pages:
            raise client.error(f"more than {max_pages} pages: refused (a server that never ends its list?)")
        seen.add(next_url)
        response = client.get_json(next_url, conditional=conditional)
        pages += 1


def _path_of(url: str) -> str:
    parsed = httpx.URL(url)
    query = parsed.query.decode("ascii", "replace")
    return parsed.path + (f"?{query}" if query else "")
