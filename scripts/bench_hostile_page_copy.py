"""Hostile Bugzilla inputs through the real CLI: does 4x the input cost at most 5x the time, and how much memory?

    .venv/bin/python scripts/bench_hostile_page_copy.py [--scale 1] [--repeat 3] [--only NAME ...] [--large]

Each case is a worst-case input for one part of the page copy importer, the segmentation layer or the Bugzilla
JSON importer (a line built to make a backtracking regular expression quadratic, a marker number Python's int()
refuses, a thread of tiny comments, ...), written at 1x, 2x and 4x its base size and imported with
``moderator thread FILE --json > /dev/null`` as a user runs it. For each size the best wall time of ``--repeat``
runs and the child's peak RSS (from ``wait4``) are printed, then t(4x)/t(1x): the issue's target is at most 5.
Start-up (interpreter and imports, measured on a one-comment page copy) is part of every wall time; the "import"
column subtracts it, and its ratio is the one that shows the growth.

``--large`` adds the memory measurement of the issue: a 200,000-comment page copy of about 50 MB, peak RSS
against file size. Every run gets an empty home folder of its own (no decision log, no settings of the
developer's). Figures depend on the machine; the ratios much less.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))  # the format writers (exporters) are a test helper, not in the package
MODERATOR = Path(sys.executable).with_name("moderator")

HEADER = "Bug 4242 - Hostile page copy\nCategories\n(Bench :: Import, task)\nPeople\n(Reporter: bench)\n"


@dataclass(frozen=True)
class Case:
    """A hostile input: ``build(n)`` writes it at size ``n``; ``exit_status`` is what the CLI must answer."""

    name: str
    base: int
    build: Callable[[int], str]
    exit_status: int = 0
    suffix: str = ".txt"


def _tiny_comments(n: int) -> str:
    """n comments of one word each: the most Comment objects per byte of input."""
    return "".join(f"Comment {number}•now\nok{number}\n" for number in range(1, n + 1))


def _one_line_gaps(n: int) -> str:
    """Every other marker missing (1, 3, 5, ...): n missing-marker numbers to list."""
    return "".join(f"Comment {2 * number + 1}•now\nx\n" for number in range(n))


def _repeated_reply_headers(n: int) -> str:
    """One line holding n near-misses of a reply header ("... from comment #1)" not at the end of the line)."""
    return "Comment 1•now\nhello there\n(In reply to a" + " from comment #1) b" * n + "\n"


def _long_quoted_line(n: int) -> str:
    """A description of one line of n words, quoted whole by the next comment (verbatim quote detection)."""
    words = " ".join(f"w{i % 997}x{i // 997}" for i in range(n))
    return f"{HEADER}{words}\nComment 1•now\n(In reply to bench from comment #0)\n{words}\nmy own words\n"


def _realistic(n: int) -> str:
    """A page copy of n ordinary comments (those of bench_import.py: every fifth quotes an earlier one)."""
    import exporters
    from bench_import import synthetic_thread

    return exporters.to_page_copy(synthetic_thread(n), now=datetime(2026, 11, 27, tzinfo=UTC))


def _bugzilla_json_counts(n: int) -> str:
    """A REST comment response of n comments whose counts are all far too large (refused at the first)."""
    comments = [{"count": 10**12 + i, "text": "x", "creation_time": "2024-13-45T99:99:99Z"} for i in range(n)]
    return json.dumps({"bugs": {"1": {"comments": comments}}, "comments": {}})


def _bugzilla_json_bad_dates(n: int) -> str:
    """n comments with impossible dates: kept as the text they are."""
    comments = [{"count": i, "text": f"c{i}", "creation_time": "2024-13-45T99:99:99Z"} for i in range(n)]
    return json.dumps({"bugs": {"1": {"comments": comments}}, "comments": {}})


CASES: tuple[Case, ...] = (
    Case("marker + trailing spaces", 150_000, lambda n: "Comment 1•x" + " " * n + "y\n"),
    Case("Categories of 'a::'", 30_000, lambda n: "Bug 1 - t\nCategories\n(" + "a::" * n + "\nComment 1•now\nhi\n"),
    Case("role badge + spaces", 150_000, lambda n: "Comment 1•x\nhello\n| Assignee |" + " " * n + "y\n"),
    Case(
        "reply header + spaces",
        150_000,
        lambda n: "Comment 1•x\nhello\n(In reply to a from comment #1)" + " " * n + "y\n",
    ),
    Case("reply header near-misses", 20_000, _repeated_reply_headers),
    Case("Updated• + spaces", 150_000, lambda n: "Comment 1•x\nhi\nUpdated" + " " * n + "y\n"),
    Case("marker number digits", 50_000, lambda n: "Comment 1•x\nhi\nComment " + "9" * n + "•now\n", exit_status=2),
    Case("reply number digits", 50_000, lambda n: "Comment 1•x\nhi\n(In reply to a from comment #" + "9" * n + ")\n"),
    Case("marker gap 1 -> 300M", 1, lambda n: "Comment 1•a\nx\n" * n + "Comment 300000000•b\ny\n", exit_status=2),
    Case("every other marker missing", 25_000, _one_line_gaps),
    Case("tiny comments", 25_000, _tiny_comments),
    Case("one-line description quoted", 20_000, _long_quoted_line),
    Case("ordinary page copy", 2_500, _realistic),
    Case("JSON counts too large", 25_000, _bugzilla_json_counts, exit_status=2, suffix=".json"),
    Case("JSON impossible dates", 25_000, _bugzilla_json_bad_dates, suffix=".json"),
)


def run(path: Path, home: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in KiB and exit status of ``moderator thread PATH --json > /dev/null``."""
    env = {**os.environ, "HOME": str(home), "PYTHONUTF8": "1"}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "MODERATOR_LOG", "MODERATOR_MODEL"):
        env.pop(name, None)
    began = time.perf_counter()
    child = subprocess.Popen(
        [str(MODERATOR), "thread", str(path), "--json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert child.stderr is not None
    error = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if b"Traceback" in error:
        raise SystemExit(f"{path.name}: traceback\n{error.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss, child.returncode


def best_of(path: Path, home: Path, repeat: int) -> tuple[float, int, int]:
    results = [run(path, home) for _ in range(repeat)]
    return min(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def bench_case(case: Case, folder: Path, home: Path, repeat: int, scale: float, startup: float) -> None:
    times: list[float] = []
    for factor in (1, 2, 4):
        size = max(1, int(case.base * scale)) * factor
        path = folder / f"case{case.suffix}"
        path.write_text(case.build(size), encoding="utf-8")
        seconds, rss, status = best_of(path, home, repeat)
        if status != case.exit_status:
            raise SystemExit(f"{case.name} at {size}: exit status {status}, expected {case.exit_status}")
        times.append(seconds)
        mb = path.stat().st_size / 1e6
        print(
            f"{case.name:30} {factor}x {size:>9,} {mb:8.2f} MB {seconds:8.3f}s {max(seconds - startup, 0):8.3f}s "
            f"{rss / 1024:8.1f} MiB  exit {status}"
        )
    whole = times[2] / times[0]
    # The import's own ratio only means something where it is well above the start-up's jitter.
    own = f"{(times[2] - startup) / (times[0] - startup):.2f}" if times[0] > 2 * startup else "n/a, start-up dominates"
    verdict = "ok" if whole <= 5 else "OVER 5x"
    print(f"{'':30} t(4x)/t(1x) = {whole:.2f} (import alone: {own})  {verdict}")


def bench_large(folder: Path, home: Path) -> None:
    """The issue's memory figure: a realistic page copy of 200,000 comments (about 50 MB: sentences of four to
    nine words)."""
    import exporters
    from bench_import import WORDS, synthetic_thread

    path = folder / "large.txt"
    thread = synthetic_thread(200_000, words=lambda rng, n: [rng.choice(WORDS) for _ in range(max(4, n // 2))])
    path.write_text(exporters.to_page_copy(thread, now=datetime(2026, 11, 27, tzinfo=UTC)), encoding="utf-8")
    del thread
    seconds, rss, status = run(path, home)
    size = path.stat().st_size
    print(
        f"{'page copy, 200,000 comments':30}    {size / 1e6:8.1f} MB {seconds:8.1f}s  peak RSS {rss / 1024:8.1f} MiB "
        f"= {rss * 1024 / size:.1f}x the file  exit {status}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every base size (default 1)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, help="names (or parts of names) of the cases to run")
    parser.add_argument("--large", action="store_true", help="also the 50 MB, 200,000-comment page copy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        home = folder / "home"
        home.mkdir()
        tiny = folder / "tiny.txt"
        tiny.write_text("Comment 1•now\nhello\n", encoding="utf-8")
        startup = best_of(tiny, home, args.repeat)[0]
        print(f"start-up (one-comment page copy): {startup:.3f}s")
        print(f"{'case':30} sz {'n':>9} {'file':>11} {'wall':>9} {'import':>9} {'peak RSS':>12}")
        for case in CASES:
            if args.only and not any(part.lower() in case.name.lower() for part in args.only):
                continue
            bench_case(case, folder, home, args.repeat, args.scale, startup)
        if args.large:
            bench_large(folder, home)


if __name__ == "__main__":
    main()
