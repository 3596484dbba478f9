"""The HTML report in a real browser (issue 15 item 6): a log holding script, event-handler, ``javascript:`` and
remote-image payloads in every text a report shows is rendered by ``moderator report``, opened in headless
Chromium, and nothing may run and nothing may be fetched. A screenshot is written for a person to look at."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli

from moderation_core.taxonomy import load_taxonomy
from moderator.log import Action, DecidedComment, Decision, DecisionLog, ThreadRef

CHROMIUM = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt install chromium)"
)
IDS = list(load_taxonomy().ids)
PWNED = "PWNED-BY-REPORT"


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        type(self).requests.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 recording every request: a report that fetches anything is caught here."""
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.requests
    finally:
        server.shutdown()


def hostile_log(path: Path, base: str) -> None:
    payloads = [
        f"<script>document.title='{PWNED}';fetch('{base}/script')</script>",
        f"<img src=x onerror=\"document.title='{PWNED}';fetch('{base}/onerror')\">",
        f"<a href=\"javascript:document.title='{PWNED}'\">click</a> javascript:alert(1)",
        f'<img src="{base}/remote-image.png"> <link rel=stylesheet href="{base}/style.css">',
        f'<svg onload="fetch(\'{base}/svg\')"></svg><iframe src="{base}/frame"></iframe>',
        f"</td></tr></table><style>body{{background:url({base}/css-bg)}}</style>",
    ]
    log = DecisionLog(path, IDS)
    thread = ThreadRef("bugzilla", "77", f"<script>document.title='{PWNED}'</script> title", "javascript:alert(1)")
    for number, payload in enumerate(payloads, start=1):
        log.append(
            Decision.new(
                moderator=f"<img src={base}/moderator-name>",
                thread=thread,
                comment=DecidedComment(number, str(number), f"<b onmouseover=alert(1)>{payload}</b>", payload),
                model=None,
                labels=("personal-attack",),
                action=Action.FLAG,
                note=payload,
            )
        )


def chromium(*arguments: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=3000",
         *arguments],
        capture_output=True,
        text=True,
        timeout=120,  # a hang guard only
        env={**os.environ, "HOME": os.environ["HOME"]},
    )  # fmt: skip


def test_hostile_text_stays_inert_in_a_real_browser(tmp_path: Path, listener: tuple[str, list[str]]) -> None:
    base, requests = listener
    log = tmp_path / "hostile.yaml"
    hostile_log(log, base)
    report = tmp_path / "report.html"
    result = run_cli("report", str(log), "-o", str(report))
    assert result.returncode == 0, result.stderr
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html.lower().replace("&lt;script", "")  # no script element of ours either
    assert "javascript:" not in html.replace("javascript:alert(1)", "").replace("javascript:document", "")
    assert 'href="javascript' not in html
    assert "Content-Security-Policy" in html

    dom = chromium("--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<title>Moderation report</title>" in dom.stdout and PWNED not in dom.stdout.split("<body")[0]
    assert "<script" not in dom.stdout.lower()  # the payloads are text in the page, not elements
    assert "&lt;script&gt;document.title=" in dom.stdout  # ... and they are there, escaped
    assert "<img src=" not in dom.stdout and "<iframe" not in dom.stdout

    screenshot = tmp_path / "report.png"
    shot = chromium("--window-size=1200,1600", f"--screenshot={screenshot}", report.as_uri())
    assert shot.returncode == 0 and screenshot.stat().st_size > 10_000
    assert requests == [], f"the report fetched {requests}"
