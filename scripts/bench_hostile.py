"""The hostile-input table of tests/test_hostile_inputs.py at the issue's full sizes, with the figures the test
cannot assert: wall seconds, CPU seconds and peak memory of each ``moderator`` process.

    .venv/bin/python scripts/bench_hostile.py [--skip-big] [--only TEXT ...] [--memory-limit MIB] [--json]

Full sizes (issue 10): a 250 MB CSV of ``a,`` rows and a 250 MB JSONL of ``{"text":""}`` (``--skip-big`` leaves
these two out), a page-copy line of 150,000 spaces, a Categories line of 30,000 ``a::``, an mbox reply chain of
20,000 messages, a comment quoting a 100,000-line comment line by line; every other row is built as in the test.

Each row runs the real command once, measured as ``/usr/bin/time -v`` measures (a launcher forks it and reads its
own rusage with ``os.wait4``: CPU time and maximum resident set size), under an address-space limit (default 1 GiB,
the target; 0 for none) so that a runaway row fails instead of taking the machine's memory, and a CPU limit of 120
s. The issue's target: every row gives its documented outcome (exit 2 with one line, or success) within 5 s and 1
GiB; rows that miss it are marked, with the reason. Run it on a quiet machine: the wall seconds are the machine's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import test_hostile_inputs as table  # noqa: E402

TARGET_SECONDS = 5.0
TARGET_BYTES = 2**30
CPU_LIMIT_SECONDS = 120
HANG_GUARD_SECONDS = 600


@dataclass
class Measured:
    row: str
    exit: int
    wall_seconds: float
    cpu_seconds: float
    max_rss_mib: float
    problems: list[str]

    @property
    def on_target(self) -> bool:
        return not self.problems and self.wall_seconds <= TARGET_SECONDS and self.max_rss_mib * 2**20 <= TARGET_BYTES


# Each row runs under a small launcher, as under /usr/bin/time: it forks, the child sets the limits and execs
# moderator, the launcher reads the child's own rusage with wait4 and writes it down. Measuring from this process
# would be wrong: Linux counts the RSS a process had before exec into its peak, and this process holds the inputs
# it built (hundreds of megabytes for some rows); the launcher's fork starts from the launcher's few megabytes.
_LAUNCHER = """
import json, os, resource, sys
memory, cpu, report = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
child = os.fork()
if child == 0:
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU at the soft limit
    os.execv(sys.argv[4], sys.argv[4:])
_, status, usage = os.wait4(child, 0)
with open(report, "w") as out:
    json.dump({"exit": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime,
               "max_rss_kib": usage.ru_maxrss}, out)
"""


def run_measured(
    args: list[str | bytes],
    folder: Path,
    env: dict[str, str],
    memory_bytes: int,
) -> tuple[subprocess.CompletedProcess[bytes], float, dict[str, float]]:
    """Run ``moderator ARGS`` once under the launcher: its output, wall seconds and its own rusage."""
    out_path, err_path, report = folder / "bench.stdout", folder / "bench.stderr", folder / "bench.rusage.json"
    command = [
        sys.executable,
        "-c",
        _LAUNCHER,
        str(memory_bytes),
        str(CPU_LIMIT_SECONDS),
        str(report),
        str(table.MODERATOR_BIN),
        *args,
    ]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=folder, env=env, start_new_session=True)
        try:
            process.wait(timeout=HANG_GUARD_SECONDS)  # a hang guard only
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        wall = time.perf_counter() - began
    usage = json.loads(report.read_text()) if report.is_file() else {"exit": -9, "cpu": float("nan"), "max_rss_kib": 0}
    result = subprocess.CompletedProcess(args, int(usage["exit"]), out_path.read_bytes(), err_path.read_bytes())
    return result, wall, usage


def measure(row: table.Row, folder: Path, memory_bytes: int) -> Measured:
    run = row.build(folder, table.FULL_SIZES)
    log_before = run.log.read_bytes() if run.log is not None and run.log.is_file() else None
    result, wall, usage = run_measured(run.args, folder, table.limited_environment(run.env), memory_bytes)
    return Measured(
        row.id,
        result.returncode,
        round(wall, 2),
        round(usage["cpu"], 2),
        round(usage["max_rss_kib"] / 1024, 1),  # ru_maxrss is in KiB on Linux
        table.problems_of(run, result, log_before),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-big", action="store_true", help="leave out the two 250 MB rows")
    parser.add_argument("--only", nargs="+", default=[], metavar="TEXT", help="rows whose id contains TEXT")
    parser.add_argument(
        "--memory-limit",
        type=int,
        default=TARGET_BYTES // 2**20,
        metavar="MIB",
        help="address-space limit of each run (default: 1024; 0: none)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per row instead of the table")
    args = parser.parse_args()
    rows = [
        r for r in table.ROWS if not (args.skip_big and r.big) and (not args.only or any(t in r.id for t in args.only))
    ]
    if not args.json:
        columns = f"{'row':36} {'exit':>4} {'wall s':>7} {'cpu s':>7} {'max RSS MiB':>11}"
        print(f"{columns}  target ({TARGET_SECONDS:g} s, 1 GiB)")
    missed = 0
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as top:
        os.environ["HOME"] = str(Path(top) / "home")  # no trust store, log or model of the user's is read or written
        for number, row in enumerate(rows):
            folder = Path(top) / f"row{number}"
            folder.mkdir()
            measured = measure(row, folder, args.memory_limit * 2**20)
            shutil.rmtree(folder)  # the 250 MB inputs one at a time
            missed += not measured.on_target
            if args.json:
                print(json.dumps({**asdict(measured), "on_target": measured.on_target}), flush=True)
                continue
            verdict = (
                "ok" if measured.on_target else "MISSED: " + ("; ".join(measured.problems) or "too slow or too big")
            )
            print(
                f"{row.id:36} {measured.exit:>4} {measured.wall_seconds:7.2f} {measured.cpu_seconds:7.2f} "
                f"{measured.max_rss_mib:11.1f}  {verdict[:160]}",
                flush=True,
            )
    if not args.json:
        print(f"{len(rows) - missed} of {len(rows)} rows on target")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
