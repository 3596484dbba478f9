"""Benchmark: ``moderator fetch`` of a 500-comment GitHub issue (5 pages of 100) from a fake GitHub server on
127.0.0.1, as a whole process (start-up, requests, the import check, the write), first fetch and an unchanged
refetch (one conditional request per page, all answered 304). The issue's target: under 1 s.

Also times the library's fetch alone (no process start-up), to show what the process itself costs.

    .venv/bin/python scripts/bench_fetch.py [--runs 5] [--comments 500]

Every comment is invented text; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from moderator.net.fetch import FetchSettings, fetch_thread
from moderator.net.trackers import parse_source

MODERATOR = Path(sys.executable).with_name("moderator")
ISSUE = "/repos/octo/widgets/issues/5"


class FakeGitHub:
    """One issue and its comments, a page of ``per_page`` at a time, with ETags honoured (304 without a body)."""

    def __init__(self, server: HTTPServer, count: int) -> None:
        self.base = server.url_for("").rstrip("/")
        self.issue = {
            "url": f"{self.base}{ISSUE}",
            "html_url": f"{self.base}/octo/widgets/issues/5",
            "number": 5,
            "title": "Widget counter skips values",
            "user": {"login": "tinkerer-0"},
            "body": "After many refreshes the counter jumps by two.",
            "comments": count,
        }
        self.comments = [
            {
                "id": 70_000 + n,
                "node_id": f"IC_kwBENCH{n:05d}",
                "html_url": f"{self.base}/octo/widgets/issues/5#issuecomment-{70_000 + n}",
                "issue_url": f"{self.base}{ISSUE}",
                "user": {"login": f"tinkerer-{n % 9}"},
                "author_association": "CONTRIBUTOR",
                "created_at": "2031-05-01T10:00:00Z",
                "body": f"Note {n}: the counter skipped a value after refresh {n}.\n\n> quoting the last note\n\n"
                + "Some more words about the build, the cache and the widget. " * 4,
            }
            for n in range(1, count + 1)
        ]
        server.expect_request(ISSUE).respond_with_handler(lambda request: self.answer(request, self.issue, {}))
        server.expect_request(ISSUE + "/comments").respond_with_handler(self.page)

    def page(self, request: Request) -> Response:
        per_page = int(request.args.get("per_page", "30"))
        page = int(request.args.get("page", "1"))
        headers = {}
        if page * per_page < len(self.comments):
            headers["Link"] = f'<{self.base}{ISSUE}/comments?per_page={per_page}&page={page + 1}>; rel="next"'
        return self.answer(request, self.comments[(page - 1) * per_page : page * per_page], headers)

    @staticmethod
    def answer(request: Request, payload: Any, headers: dict[str, str]) -> Response:
        body = json.dumps(payload).encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag, **headers})
        return Response(body, headers={"ETag": etag, **headers}, content_type="application/json")


@dataclass
class Run:
    """One ``moderator fetch`` process: wall-clock and CPU seconds (CPU is what it costs on a machine busy with
    other work, where the wall clock also counts the waits for a core), and what the server saw."""

    wall: float
    cpu: float
    requests: int
    not_modified: int


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_fetch(server: HTTPServer, home: Path, output: Path) -> Run:
    server.clear_log()
    environment = {**os.environ, "HOME": str(home), "PYTHONUTF8": "1"}
    environment.pop("XDG_CACHE_HOME", None)
    environment.pop("GITHUB_TOKEN", None)
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [str(MODERATOR), "fetch", "octo/widgets#5", "--server", server.url_for("").rstrip("/"), "-o", str(output)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"moderator fetch failed: {done.stderr.strip()}")
    statuses = [response.status_code for _, response in server.log]
    return Run(elapsed, children_cpu() - cpu, len(statuses), statuses.count(304))


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - started


def report(title: str, runs: list[Run]) -> None:
    walls = [run.wall for run in runs]
    print(
        f"  {title}: wall median {statistics.median(walls):.3f} s (best {min(walls):.3f} s), CPU median "
        f"{statistics.median(run.cpu for run in runs):.3f} s; {runs[-1].requests} requests, "
        f"{runs[-1].not_modified} answered 304"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--comments", type=int, default=500)
    args = parser.parse_args()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        FakeGitHub(server, args.comments)
        firsts: list[Run] = []
        refetches: list[Run] = []
        with tempfile.TemporaryDirectory() as folder:
            for run in range(args.runs):
                home = Path(folder) / f"home-{run}"  # a fresh cache: the first fetch reads every page
                home.mkdir()
                output = Path(folder) / f"issue-{run}.json"
                firsts.append(run_fetch(server, home, output))
                refetches.append(run_fetch(server, home, output))
            size = output.stat().st_size
            # What a process of the command costs before any fetch: start-up and the command modules' imports.
            start_up = [_seconds([str(MODERATOR), "--version"]) for _ in range(args.runs)]
            target = parse_source("octo/widgets#5", server=server.url_for("").rstrip("/"), environ={})
            library: list[float] = []
            for _ in range(args.runs):
                started = time.perf_counter()
                fetch_thread(target, settings=FetchSettings(environ={}))
                library.append(time.perf_counter() - started)
    finally:
        server.clear()
        server.stop()
    print(
        f"moderator fetch of a {args.comments}-comment issue from 127.0.0.1 ({size:,} bytes of JSON), {args.runs} runs"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    report("first fetch (whole process)", firsts)
    report("unchanged refetch (process)", refetches)
    print(f"  library fetch alone (no cache, no import check): median {statistics.median(library):.3f} s")
    print(f"  'moderator --version' process: median {statistics.median(start_up):.3f} s (start-up alone)")
    verdict = "met" if statistics.median(run.wall for run in firsts) < 1.0 else "NOT met on the wall clock"
    print(f"  target (first fetch under 1 s): {verdict}")


if __name__ == "__main__":
    main()
