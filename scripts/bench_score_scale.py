"""Scoring at scale as a user gets it: ``moderator score FILE --json`` as a whole process, side by side with
alt-profanity-check's whole process on the same comments, and moderator's peak memory on a ~1 GB export.

    .venv/bin/python scripts/bench_score_scale.py [--reference-python /tmp/apc/bin/python] [--repeat 1]
                                                  [--big] [--big-bytes 1073741824]

Two JSONL files are built from ``../shared/data/heldout/github_ordinary_threads.jsonl`` (real GitHub comments):

* ``threads``: its comments repeated 20 times, each repetition as distinct threads (the threads of the file);
* ``single``: the same comments, each in a thread of its own (the case where per-thread costs show).

Each is scored by this checkout (``python -m moderator score FILE --json``, start-up, model load and JSON output
included, as for a user: with its default ``--jobs``, worker processes on a file of more than one batch, and with
``--jobs 1``) and, when ``--reference-python`` names an interpreter with alt-profanity-check installed
(a venv outside the repository: ``python3.11 -m venv /tmp/apc && /tmp/apc/bin/pip install alt-profanity-check``),
by a script of a few lines that reads the texts from the same JSONL and prints one probability per comment. Runs
alternate between them so a busy machine slows all alike; the best wall time of ``--repeat`` is reported with
comments/s, the CPU time (user + system, worker processes included: ``wait4``'s rusage) and the peak resident
memory of the process and its workers together (sampled from /proc every 20 ms; forked workers share pages with
the parent, which this sum counts in each, so it overstates what the machine gives up). The digest of moderator's
output lets two runs be compared byte for byte. The two tools do not do the same work: alt-profanity-check gives
one profanity probability per text; moderator segments threads (quotes, signatures), scores seven labels for
each comment and each of its sentences, and finds evidence spans.

The import alone is measured in this process: ``load_threads`` (whole file) and ``iter_threads`` (the streaming
reader ``moderator score`` uses) on each file, best of ``--repeat``.

``--big`` also writes a JSONL of about ``--big-bytes`` (1 GiB) by repeating the ``threads`` file with new thread
keys, and one a quarter of that size, and reports moderator's wall time and peak memory on each: the streaming
reader holds one batch of threads, so the peak should be about the same for both (it is not proportional to the
file). Scoring a gigabyte takes a long time (over a million comments).

Without ``../shared`` the benchmark says so and stops.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_THREADS = ROOT.parent / "shared" / "data" / "heldout" / "github_ordinary_threads.jsonl"
REPEATS = 20

# The reference: alt-profanity-check's whole process on the texts of a JSONL file, one probability per comment.
REFERENCE_SCRIPT = """\
import json, sys
from profanity_check import predict_prob
with open(sys.argv[1], encoding="utf-8") as source:
    texts = [json.loads(line).get("text") or "" for line in source if line.strip()]
print("\\n".join(f"{p:.4f}" for p in predict_prob(texts)))
"""


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the worker processes it waited for
    peak_rss: int  # bytes: the largest sum of the resident memory of the process and its workers, sampled
    digest: str  # sha256 of the standard output ("" when not kept)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            pass
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (Linux /proc; 0 elsewhere)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss(current)
        todo.extend(_children(current))
    return total


class PeakSampler(threading.Thread):
    """Samples the resident memory of a process tree every 20 ms: worker processes each have their own peak, and
    rusage gives only the largest one, not their sum."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            self.peak = max(self.peak, tree_rss(self.pid))


def read_records(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as source:
        return [json.loads(line) for line in source if line.strip()]


def threads_shape(records: list[dict[str, object]], repetition: int) -> Iterator[dict[str, object]]:
    """The records with thread keys and comment ids of repetition ``repetition`` (distinct threads each time)."""
    for record in records:
        yield {**record, "thread": f"{record.get('thread')}~{repetition}", "id": f"{record.get('id')}~{repetition}"}


def write_threads(path: Path, records: list[dict[str, object]], repetitions: int) -> int:
    """``records`` repeated ``repetitions`` times as distinct threads; the number of comments written."""
    with path.open("w", encoding="utf-8") as out:
        for repetition in range(repetitions):
            out.writelines(json.dumps(r) + "\n" for r in threads_shape(records, repetition))
    return len(records) * repetitions


def write_single(path: Path, records: list[dict[str, object]], repetitions: int) -> int:
    """The same comments, each in a thread of its own."""
    with path.open("w", encoding="utf-8") as out:
        for repetition in range(repetitions):
            for index, record in enumerate(threads_shape(records, repetition)):
                out.write(json.dumps({**record, "thread": f"t{repetition}-{index}", "number": 0}) + "\n")
    return len(records) * repetitions


def write_big(path: Path, records: list[dict[str, object]], size: int) -> int:
    """The ``threads`` shape repeated until the file holds about ``size`` bytes; the number of comments."""
    comments = 0
    with path.open("w", encoding="utf-8") as out:
        repetition = 0
        while out.tell() < size:
            out.writelines(json.dumps(r) + "\n" for r in threads_shape(records, repetition))
            comments += len(records)
            repetition += 1
    return comments


def run_process(command: list[str], *, keep_output: bool = True) -> Run:
    """Run ``command`` to completion; its wall time, CPU time and peak memory from its own rusage (``wait4``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as output:
        began = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output if keep_output else subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        sampler = PeakSampler(process.pid)
        sampler.start()
        errors = process.stderr.read()  # until the process closes it (it exits)
        sampler.stopped.set()
        sampler.join()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({process.returncode}): {errors.decode(errors='replace')[-2000:]}")
        digest = ""
        if keep_output:
            output.seek(0)
            digest = hashlib.file_digest(output, "sha256").hexdigest()
    # ru_maxrss is in kilobytes on Linux (bytes on macOS): the peak of the largest single process, a floor for the
    # sampled sum (which can miss a short peak between two samples).
    peak = max(sampler.peak, usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024))
    return Run(wall, usage.ru_utime + usage.ru_stime, peak, digest)


def moderator_command(path: Path, jobs: int | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "moderator",
        "score",
        str(path),
        "--json",
        *([] if jobs is None else ["-j", str(jobs)]),
    ]


def reference_command(python: str, script: Path, path: Path) -> list[str]:
    return [python, str(script), str(path)]


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda run: run.wall)


def row(shape: str, comments: int, tool: str, run: Run) -> str:
    return (
        f"{shape:<8} {comments:>9,} {tool:<22} {run.wall:>8.1f} {comments / run.wall:>11,.0f} {run.cpu:>8.1f}"
        f" {run.peak_rss / 2**20:>9.0f}  {run.digest[:16]}"
    )


def header() -> str:
    columns = f"{'shape':<8} {'comments':>9} {'tool':<22} {'wall s':>8} {'comments/s':>11} {'cpu s':>8}"
    return f"{columns} {'peak MiB':>9}  sha256"


def timed_in_process(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return min(times)


def import_only(files: dict[str, tuple[Path, int]], repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    from moderator.sources import load_threads
    from moderator.sources.stream import iter_threads

    print("\nimport only, in this process (best of --repeat; segmentation included, no scoring):")
    for shape, (path, comments) in files.items():
        whole = timed_in_process(lambda path=path: load_threads(path), repeat)  # type: ignore[misc]
        streamed = timed_in_process(lambda path=path: sum(1 for _ in iter_threads(path)), repeat)  # type: ignore[misc]
        print(
            f"  {shape:<8} {comments:>9,} comments: load_threads {whole:6.2f} s ({comments / whole:,.0f}/s), "
            f"iter_threads {streamed:6.2f} s ({comments / streamed:,.0f}/s)"
        )


def compare(files: dict[str, tuple[Path, int]], reference_python: str | None, script: Path, repeat: int) -> None:
    runs: dict[tuple[str, str], list[Run]] = {}
    for _ in range(repeat):
        for shape, (path, _comments) in files.items():
            runs.setdefault((shape, "moderator score --json"), []).append(run_process(moderator_command(path)))
            runs.setdefault((shape, "moderator ... --jobs 1"), []).append(run_process(moderator_command(path, 1)))
            if reference_python:
                command = reference_command(reference_python, script, path)
                runs.setdefault((shape, "alt-profanity-check"), []).append(run_process(command))
    print(header())
    for (shape, tool), tool_runs in runs.items():
        print(row(shape, files[shape][1], tool, best(tool_runs)))


def big(records: list[dict[str, object]], folder: Path, size: int) -> None:
    print(f"\n--big: moderator score --json on ~{size / 2**30:.2f} GiB and on a quarter of that (output not kept)")
    print(header())
    for fraction in (4, 1):
        path = folder / f"big-{fraction}.jsonl"
        comments = write_big(path, records, size // fraction)
        run = run_process(moderator_command(path), keep_output=False)
        print(row(f"1/{fraction}", comments, f"{path.stat().st_size / 2**20:,.0f} MiB file", run))
        path.unlink()


def reference_works(python: str, script: Path, folder: Path) -> bool:
    probe = folder / "probe.jsonl"
    probe.write_text(json.dumps({"text": "hello"}) + "\n", encoding="utf-8")
    done = subprocess.run([python, str(script), str(probe)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"alt-profanity-check does not run with {python} ({done.stderr.strip()[-300:]}): moderator alone")
    return done.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference-python", help="an interpreter with alt-profanity-check (a venv of its own)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--big", action="store_true", help="also score a ~1 GiB file and a quarter of it")
    parser.add_argument("--big-bytes", type=int, default=2**30)
    parser.add_argument("--skip-compare", action="store_true", help="only the import figures (and --big)")
    args = parser.parse_args()
    if not SHARED_THREADS.is_file():
        print(f"skipped: {SHARED_THREADS} is absent (the benchmark scores the shared held-out GitHub threads)")
        return
    records = read_records(SHARED_THREADS)
    with tempfile.TemporaryDirectory(prefix="bench-score-scale-") as name:
        folder = Path(name)
        script = folder / "profanity_check_score.py"
        script.write_text(REFERENCE_SCRIPT, encoding="utf-8")
        reference = args.reference_python
        if reference and not reference_works(reference, script, folder):
            reference = None
        elif not reference:
            print("no --reference-python: moderator alone")
        files = {
            "threads": (folder / "threads.jsonl", write_threads(folder / "threads.jsonl", records, REPEATS)),
            "single": (folder / "single.jsonl", write_single(folder / "single.jsonl", records, REPEATS)),
        }
        print(f"files: {', '.join(f'{s} {p.stat().st_size / 2**20:.1f} MiB' for s, (p, _) in files.items())}")
        if not args.skip_compare:
            compare(files, reference, script, args.repeat)
        import_only(files, args.repeat)
        if args.big:
            big(records, folder, args.big_bytes)


if __name__ == "__main__":
    main()
