"""Import speed as a user gets it: ``moderator thread FILE --json`` as a whole process, this checkout side by side
with a reference revision, in the same run, on the same files.

    .venv/bin/python scripts/bench_import_cli.py [--reference REV] [--comments 10000] [--repeat 3]

The files are those of ``bench_import.py``: a 10,000-comment Bugzilla REST export and page copy (every fifth
comment quotes an earlier one), and the same thread quoting heavily (every other comment also calls out eight to
twelve words of an earlier comment inside a line). The reference (default: the commit before the working tree,
``HEAD``) is checked out into a temporary git worktree and run with the same interpreter and libraries, so the
difference is the code's alone. Runs alternate between the two so a busy machine slows both alike; the best of
``--repeat`` is reported. Start-up (interpreter, imports) is part of every figure, as it is for a user.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))  # the format writers are a test helper, not part of the package

import exporters  # noqa: E402
from bench_import import quoting_thread, synthetic_thread  # noqa: E402


def run_once(code: Path, path: Path, fmt: str) -> float:
    """Seconds for one ``python -m moderator thread PATH --json`` whose package comes from ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "moderator", "thread", str(path), "--format", fmt, "--json"],
        env=env,
        cwd=code,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", default="HEAD", help="git revision to compare with (default: HEAD)")
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    now = datetime(2026, 11, 27, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        reference = work / "reference"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(reference), args.reference], cwd=ROOT, check=True
        )
        try:
            files = []
            for name, thread in (
                ("plain", synthetic_thread(args.comments)),
                ("quoting", quoting_thread(args.comments)),
            ):
                rest = work / f"rest-{name}.json"
                rest.write_text(exporters.to_bugzilla_rest(thread), encoding="utf-8")
                page = work / f"page-{name}.txt"
                page.write_text(exporters.to_page_copy(thread, now=now), encoding="utf-8")
                files += [(f"REST JSON, {name}", rest, "bugzilla-json"), (f"page copy, {name}", page, "bugzilla-text")]
            print(f"{'file':22} {'comments':>8} {'MB':>5}  {'this tree':>9}  {args.reference:>9}  change")
            for label, path, fmt in files:
                mine, theirs = [], []
                for _ in range(args.repeat):
                    mine.append(run_once(ROOT, path, fmt))
                    theirs.append(run_once(reference, path, fmt))
                best, base = min(mine), min(theirs)
                size = path.stat().st_size / 1e6
                change = 100 * (best - base) / base
                print(f"{label:22} {args.comments:8d} {size:5.1f}  {best:8.3f}s  {base:8.3f}s  {change:+5.0f}%")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(reference)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
