"""Scan throughput as a user gets it: ``moderator scan FOLDER`` as a whole process with ``--jobs 1``, ``--jobs 2`` and
``--dask`` on a Dask LocalCluster of 2 worker processes, against ``moderator score`` on the same comments.

    .venv/bin/python scripts/bench_scan.py [--threads 20000] [--skip-dask] [--pairs N]

The threads are the ordinary held-out threads of ../shared/data/heldout/github_ordinary_threads.jsonl (307 threads,
2,342 comments), repeated under new thread ids until there are ``--threads`` of them, each written as a JSONL file
of its own into a temporary folder (the data never enters the repository); the same comments go into one JSONL
file for ``moderator score --jobs 1``, the single-job reference. Each figure is one whole process: interpreter
start, imports, worker start-up and model loading included, as for a user. The Dask cluster is started by this
script before its run (its workers are idle, cold: they import moderator on their first task). The three queues
are compared (all but their creation time must be equal). ``--pairs N`` then runs N more pairs on the same files,
``--jobs 2`` and ``--dask`` on a fresh cluster one after the other: the machine's speed drifts between runs, and a
pair run back to back shows the Dask figure against ``--jobs 2`` as it was at that moment.

Printed: seconds, threads/s and comments/s of each run; jobs-2 speed-up over jobs 1 (target: at least 1.6x on 20,000
threads); Dask against jobs 2 (target: within 20%); the single-job scan against ``moderator score``; the fixed cost
of a run (a scan of one thread) and the per-thread overhead of scanning files over scoring one file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT.parent / "shared" / "data" / "heldout" / "github_ordinary_threads.jsonl"
MODERATOR = Path(sys.executable).with_name("moderator")
FIELDS = ("title", "number", "id", "author", "created", "text")


def heldout_threads() -> list[list[dict[str, object]]]:
    """The held-out ordinary threads, each a list of its comment records (only the fields the importer reads)."""
    threads: dict[str, list[dict[str, object]]] = defaultdict(list)
    with HELDOUT.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            threads[str(record["thread"])].append({key: record.get(key) for key in FIELDS})
    return list(threads.values())


def write_corpus(folder: Path, count: int) -> tuple[Path, Path, int]:
    """``count`` thread files under ``folder/threads`` and all their comments in ``folder/all.jsonl``; returns both
    and the number of comments."""
    base = heldout_threads()
    files = folder / "threads"
    files.mkdir(parents=True)
    comments = 0
    with (folder / "all.jsonl").open("w", encoding="utf-8") as everything:
        for index in range(count):
            records = base[index % len(base)]
            text = "".join(json.dumps({"thread": f"scan-{index}", **record}) + "\n" for record in records)
            (files / f"{index // 1000:03d}-{index:06d}.jsonl").write_text(text, encoding="utf-8")
            everything.write(text)
            comments += len(records)
    return files, folder / "all.jsonl", comments


# CPU seconds of each run (its process and its workers), and the machine's load when it started: on a shared
# machine a run that did not get its cores shows CPU time well above its wall time times the jobs, or a high load.
CPU: dict[str, tuple[float, float]] = {}


def timed(*args: str, output: Path | None = None) -> float:
    """Seconds for one ``moderator ARGS`` process (standard output to ``output`` or discarded)."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    with output.open("wb") if output is not None else open("/dev/null", "wb") as out:
        done = subprocess.run([str(MODERATOR), *args], stdout=out, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"moderator {' '.join(args)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU[" ".join(arg for arg in args if not arg.startswith("/"))] = (cpu, load)  # without the temporary paths
    return seconds


def queue_without_time(path: Path) -> list[object]:
    values = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    values[0].pop("created")
    return values


def show(name: str, seconds: float, threads: int, comments: int) -> None:
    print(f"{name:34} {seconds:8.1f} s {threads / seconds:9.0f} threads/s {comments / seconds:9.0f} comments/s")


def show_cpu() -> None:
    """CPU seconds per run (a Dask run's workers are the cluster's processes, not counted) and the load average."""
    for run, (cpu, load) in CPU.items():
        print(f"  cpu {cpu:7.1f} s  load at start {load:4.1f}  moderator {run}")


def dask_run(files: Path, output: Path) -> float:
    """Seconds for ``moderator scan --dask`` on a LocalCluster of 2 worker processes started for it (Dask's
    default settings; its workers idle and cold)."""
    from distributed import LocalCluster

    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster:
        return timed("scan", str(files), "--dask", cluster.scheduler_address, "-o", str(output))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=20_000, help="threads to scan (default 20,000)")
    parser.add_argument("--skip-dask", action="store_true", help="no Dask run")
    parser.add_argument("--pairs", type=int, default=0, help="then N pairs of --jobs 2 and --dask runs (default 0)")
    args = parser.parse_args()
    if not HELDOUT.is_file():
        sys.exit(f"{HELDOUT} is absent: this benchmark scans the held-out ordinary threads of ../shared/data")
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as temporary:
        work = Path(temporary)
        files, everything, comments = write_corpus(work, args.threads)
        one = write_corpus(work / "one", 1)[0]
        print(f"{args.threads} thread files, {comments} comments, in {files}")

        fixed_1 = timed("scan", str(one), "--jobs", "1")
        fixed_2 = timed("scan", str(one), "--jobs", "2")
        score = timed("score", str(everything), "--json", "--jobs", "1")
        jobs_1 = timed("scan", str(files), "--jobs", "1", "-o", str(work / "q1.jsonl"))
        jobs_2 = timed("scan", str(files), "--jobs", "2", "-o", str(work / "q2.jsonl"))
        dask = None if args.skip_dask else dask_run(files, work / "q3.jsonl")

        print()
        show("moderator score --jobs 1 (one file)", score, args.threads, comments)
        show("moderator scan --jobs 1", jobs_1, args.threads, comments)
        show("moderator scan --jobs 2", jobs_2, args.threads, comments)
        if dask is not None:
            show("moderator scan --dask (2 workers)", dask, args.threads, comments)
        print()
        print(f"jobs 2 over jobs 1:            {jobs_1 / jobs_2:.2f}x (target >= 1.6x)")
        if dask is not None:
            change = (dask / jobs_2 - 1) * 100
            print(f"dask over jobs 2:              {jobs_2 / dask:.2f}x ({change:+.0f}% time; target within 20%)")
        print(f"scan jobs 1 against score:     {score / jobs_1:.2f}x the rate of 'moderator score --jobs 1'")
        print(f"fixed cost of a run:           {fixed_1:.1f} s (--jobs 1), {fixed_2:.1f} s (--jobs 2, worker start-up)")
        overhead = (jobs_1 - score) / args.threads * 1000  # both include start-up and the model's load
        print(f"per-thread overhead of a scan: {overhead:.2f} ms (one file per thread, over scoring one file)")
        same = queue_without_time(work / "q1.jsonl") == queue_without_time(work / "q2.jsonl")
        if dask is not None:
            same = same and queue_without_time(work / "q1.jsonl") == queue_without_time(work / "q3.jsonl")
        print(f"queues equal:                  {same}")
        print(f"CPU time of each run ({os.cpu_count()} CPUs):")
        show_cpu()
        if not same:
            sys.exit("the queues differ")
        for pair in range(1, args.pairs + 1):
            paired_2 = timed("scan", str(files), "--jobs", "2", "-o", str(work / "q2.jsonl"))
            paired_dask = dask_run(files, work / "q3.jsonl")
            change = (paired_dask / paired_2 - 1) * 100
            print(f"pair {pair}: --jobs 2 {paired_2:.1f} s, --dask {paired_dask:.1f} s ({change:+.0f}%)", flush=True)


if __name__ == "__main__":
    main()
