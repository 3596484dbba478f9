"""Quote recognition on its worst cases, at 1x, 2x and 4x the size, through the real CLI, this checkout side by
side with a reference revision: does the time stay linear (t(4x)/t(1x) at most about 4, the issue asks for 5)?

    .venv/bin/python scripts/bench_quotes.py [--reference REV] [--scale 1.0] [--repeat 1] [--cases a,b,...]
                                             [--reference-timeout 300]

Each case is one JSONL thread file (fields thread, number, author, text) read by
``python -m moderator thread FILE --format jsonl --json``:

* ``prefixed``: comment 1 answers comment 0 (25,000 lines at 1x) with a reply header and every line of it
  quoted with ``> `` (each quoted line is looked for in comment 0);
* ``inline``: comment 1 repeats ten words of every line of comment 0 (25,000 lines) inside its own sentences,
  without ``>`` (the inline quote rules);
* ``chain``: 5,000 comments, each quoting a line of the one before with ``> `` and calling out words of another
  inside a sentence of its own;
* ``repeated``: 25,000 identical lines, and a reply quoting each (half of the quoted lines were edited, so they
  are found nowhere): every line and phrase of the earlier comment recurs, which defeats plain hashing;
* ``longline``: one line of 250,000 words, and a reply quoting it whole and calling out a phrase of it every
  forty words, on one line too.

The reference (default ``HEAD``: the code before the working tree's changes) is checked out into a temporary git
worktree and run with the same interpreter, with ``PYTHONPATH`` pointing at it, so the difference is the code's
alone. A reference run slower than ``--reference-timeout`` seconds is stopped and its larger sizes skipped (the
quadratic reference needs minutes at 4x). Times are the CPU seconds of the child process (user + system, the best
of ``--repeat``), which a machine shared with other jobs disturbs less than wall time; wall time and the peak
memory of the process are printed too.
The last columns count the quotes each side found (from the JSON), so a faster side that found fewer is seen.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SCALES = (1, 2, 4)
VOCABULARY = (
    "storage daemon reported checksum mismatch while flushing segment replica journal quorum leader follower "
    "compaction snapshot tombstone partition rebalance heartbeat timeout lease epoch"
).split()
REPEATED_LINE = "the build farm in the basement is down again and nobody knows why"


def _line(rng: random.Random, number: int) -> str:
    """A line of a long report: its number, eight words of a small vocabulary (the worst case for anything that
    looks words up: every word recurs everywhere), an offset."""
    return f"Line {number}: the " + " ".join(rng.choice(VOCABULARY) for _ in range(8)) + f" near offset {number * 7}."


def prefixed(size: int) -> list[str]:
    rng = random.Random(1)
    lines = [_line(rng, number) for number in range(size)]
    reply = "(In reply to Person 0 from comment #0)\n" + "\n".join(f"> {line}" for line in lines)
    return ["\n".join(lines), reply]


def inline(size: int) -> list[str]:
    rng = random.Random(2)
    lines = [_line(rng, number) for number in range(size)]
    reply = "\n".join(
        f"You wrote {' '.join(line.split()[2:12])} and I disagree ({number})." for number, line in enumerate(lines)
    )
    return ["\n".join(lines), reply]


def chain(size: int) -> list[str]:
    rng = random.Random(3)
    texts: list[str] = []
    for number in range(size):
        own = [_line(rng, number * 10 + offset) for offset in range(3)]
        if texts:
            before = texts[-1].split("\n")
            called_out = " ".join(before[-2].split()[2:11])
            own = [
                f"(In reply to Person {number - 1} from comment #{number - 1})",
                f"> {before[-1]}",
                "",
                f'You said "{called_out}" and that is wrong.',
                *own,
            ]
        texts.append("\n".join(own))
    return texts


def repeated(size: int) -> list[str]:
    edited = REPEATED_LINE.replace("nobody", "everybody")
    reply = "\n".join(f"> {REPEATED_LINE if number % 2 else edited}" for number in range(size))
    return ["\n".join([REPEATED_LINE] * size), f"(In reply to Person 0 from comment #0)\n{reply}"]


def longline(size: int) -> list[str]:
    rng = random.Random(5)
    syllables = "ka lo mi ren tu sa vel dor an pi que zo ber li nat os fe gru hal tin".split()
    words = ["".join(rng.choice(syllables) for _ in range(3)) for _ in range(size * 10)]
    text = " ".join(words)
    callouts = " ".join(f"so {' '.join(words[at : at + 9])} indeed" for at in range(0, len(words) - 9, 40))
    return [text, f"(In reply to Person 0 from comment #0)\n> {text}\n{callouts}"]


CASES: dict[str, tuple[Callable[[int], list[str]], int]] = {
    "prefixed": (prefixed, 25_000),
    "inline": (inline, 25_000),
    "chain": (chain, 5_000),
    "repeated": (repeated, 25_000),
    "longline": (longline, 25_000),
}


class Measured(NamedTuple):
    cpu: float
    wall: float
    memory: float
    quotes: int


def write_thread(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for number, text in enumerate(texts):
            out.write(json.dumps({"thread": "bench", "number": number, "author": f"Person {number}", "text": text}))
            out.write("\n")


def run_once(code: Path, path: Path, output: Path, timeout: float | None) -> tuple[float, float, float] | None:
    """CPU seconds (user + system), wall seconds and peak memory (MB) of one ``python -m moderator thread PATH
    --json`` whose package comes from ``code``; None when it was stopped after ``timeout`` seconds."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    began = time.perf_counter()
    with output.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "moderator", "thread", str(path), "--format", "jsonl", "--json"],
            env=env,
            cwd=code,
            stdout=out,
        )
        timer = threading.Timer(timeout, child.kill) if timeout else None
        if timer is not None:
            timer.start()
        try:
            # wait4 gives this child's own resource use (RUSAGE_CHILDREN would add up every child so far).
            _, status, usage = os.wait4(child.pid, 0)
        except BaseException:
            child.kill()  # interrupted: the child must not outlive the benchmark
            raise
        finally:
            if timer is not None:
                timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - began
    if timeout is not None and child.returncode < 0 and wall >= timeout:
        return None
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def quotes_found(output: Path) -> int:
    data = json.loads(output.read_text(encoding="utf-8"))
    threads = data["threads"] if "threads" in data else [data]
    return sum(len(comment["quotes"]) for thread in threads for comment in thread["comments"])


def package_of(code: Path) -> str:
    """Where ``import moderator`` finds the package with PYTHONPATH set to ``code`` (checked, so that an editable
    install cannot quietly run this tree on both sides)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    found = subprocess.run(
        [sys.executable, "-c", "import moderator; print(moderator.__file__)"],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
    )
    return str(Path(found.stdout.strip()).parent.parent.resolve())


def best(code: Path, path: Path, output: Path, repeat: int, timeout: float | None) -> Measured | None:
    """The least CPU time of ``repeat`` runs (with its wall time and the largest peak memory), and the quotes
    found."""
    runs = []
    for _ in range(repeat):
        measured = run_once(code, path, output, timeout)
        if measured is None:
            return None
        runs.append(measured)
    cpu, wall, _ = min(runs)
    return Measured(cpu, wall, max(memory for _, _, memory in runs), quotes_found(output))


def show(measured: Measured | None, base: Measured | None) -> str:
    if measured is None:
        return f"{'(stopped: timeout)':>32}"
    ratio = f"{measured.cpu / base.cpu:5.2f}" if base is not None and base.cpu > 0 else "    -"
    return f"{measured.cpu:8.2f}s {measured.wall:7.1f}s {ratio} {measured.memory:6.0f}MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", default="HEAD", help="git revision to compare with (default: HEAD)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every case's 1x size")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated, of: " + ", ".join(CASES))
    parser.add_argument("--reference-timeout", type=float, default=300.0)
    args = parser.parse_args()
    # Stopped with SIGTERM, still remove the worktree (the finally below): as if interrupted.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    names = [name.strip() for name in args.cases.split(",") if name.strip()]
    unknown = [name for name in names if name not in CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        reference = work / "reference"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(reference), args.reference], cwd=ROOT, check=True
        )
        try:
            for code in (ROOT, reference):
                if package_of(code) != str(code.resolve()):
                    sys.exit(f"python -m moderator with PYTHONPATH={code} does not load {code}: cannot compare")
            print("CPU seconds (user + system), wall seconds, ratio t(Nx) / t(1x) in CPU time, peak memory")
            heading = f"{'case':9} {'size':>4} {'MB':>6}  {'this tree':>32}  {args.reference[:32]:>32}"
            print(f"{heading}  quotes (this / ref)")
            for name in names:
                build, unit = CASES[name]
                base_mine = base_theirs = None
                stopped = False
                for scale in SCALES:
                    path = work / f"{name}-{scale}x.jsonl"
                    write_thread(path, build(max(1, round(unit * args.scale * scale))))
                    mine = best(ROOT, path, work / "mine.json", args.repeat, None)
                    theirs = None
                    if not stopped:
                        theirs = best(reference, path, work / "theirs.json", args.repeat, args.reference_timeout)
                        stopped = theirs is None
                    base_mine = base_mine or mine
                    base_theirs = base_theirs or theirs
                    counts = f"{mine.quotes if mine else '-'} / {theirs.quotes if theirs else '-'}"
                    size = path.stat().st_size / 1e6
                    print(
                        f"{name:9} {scale:>3}x {size:6.1f}  {show(mine, base_mine)}  "
                        f"{show(theirs, base_theirs)}  {counts}",
                        flush=True,
                    )
                    path.unlink()
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(reference)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
