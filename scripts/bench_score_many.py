"""Scoring speed on files of many threads as a user gets it: ``moderator score FILE --json`` as a whole process,
this checkout side by side with a reference revision, in the same run, on the same files.

    .venv/bin/python scripts/bench_score_many.py [--reference REV] [--comments 20000] [--threads 2500] [--repeat 1]

Two JSONL files of our own text are written: ``--comments`` comments in ``--threads`` threads, and the same number
of comments each in a thread of its own (the case where per-thread model set-up cost the most). The reference
(default ``HEAD``) is checked out into a temporary git worktree and run with the same interpreter, libraries and
bundled model, so the difference is the code's alone. Runs alternate between the two so a busy machine slows both
alike; the best of ``--repeat`` is reported, and the two outputs are compared byte for byte (batching must not
change a single score). Start-up (interpreter, imports, model load) is part of every figure, as it is for a user.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CIVIL = [
    "The build passes on arm64 after the cache fix, thanks for the quick turnaround.",
    "Could you attach the full log from the failing run and the exact compiler version?",
    "I can reproduce this on Fedora 41 with the nightly build; bisecting now.",
    "The patch in the previous comment works for me too, marking as verified.",
    "Please keep discussion on the technical details so the bug stays readable.",
]
HOSTILE = [
    "You clueless idiot, any update on this garbage??",
    "Whoever wrote this code should be fired, it is pathetic.",
    "Shut up and fix your broken code, nobody cares about your excuses.",
]


def comment_text(thread: int, number: int) -> str:
    pool = HOSTILE if (thread * 31 + number) % 9 == 4 else CIVIL
    return f"{pool[(thread + number) % len(pool)]} (report {thread}, note {number})"


def write_jsonl(path: Path, comments: int, threads: int) -> None:
    """``comments`` comments spread evenly over ``threads`` threads, one JSON object per line, thread by thread."""
    with path.open("w", encoding="utf-8") as out:
        for index in range(comments):
            thread = index * threads // comments
            out.write(json.dumps({"thread": f"t{thread}", "id": f"c{index}", "text": comment_text(thread, index)}))
            out.write("\n")


def run_once(code: Path, path: Path) -> tuple[float, str]:
    """Seconds for one ``python -m moderator score PATH --json`` whose package comes from ``code``, and the
    digest of its output."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "moderator", "score", str(path), "--format", "jsonl", "--json"],
        env=env,
        cwd=code,
        stdout=subprocess.PIPE,
        check=True,
    )
    return time.perf_counter() - began, hashlib.sha256(done.stdout).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", default="HEAD", help="git revision to compare with (default: HEAD)")
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=2_500)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        reference = work / "reference"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(reference), args.reference], cwd=ROOT, check=True
        )
        try:
            files = []
            for threads in (args.threads, args.comments):
                path = work / f"score-{threads}-threads.jsonl"
                write_jsonl(path, args.comments, threads)
                files.append((threads, path))
            print(f"{'comments':>8} {'threads':>7}  {'this tree':>9}  {args.reference:>9}  change  same output")
            for threads, path in files:
                mine, theirs = [], []
                outputs = set()
                for _ in range(args.repeat):
                    seconds, digest = run_once(ROOT, path)
                    mine.append(seconds)
                    outputs.add(digest)
                    seconds, digest = run_once(reference, path)
                    theirs.append(seconds)
                    outputs.add(digest)
                best, base = min(mine), min(theirs)
                change = 100 * (best - base) / base
                same = "yes" if len(outputs) == 1 else "NO"
                print(f"{args.comments:8d} {threads:7d}  {best:8.2f}s  {base:8.2f}s  {change:+5.0f}%  {same}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(reference)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
