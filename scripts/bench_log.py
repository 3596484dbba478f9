"""Decision-log speed: append latency (including fsync) and loading a 100,000-decision log.

    .venv/bin/python scripts/bench_log.py [--appends 500] [--decisions 100000]

The log is written in a temporary folder on the same file system as the repository's ``labels/``, where
moderators keep their logs. Memory is the peak resident size of a fresh process that only loads the log.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from moderator.log import DecisionLog, decision_document, render

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory")
TEXT = (
    "I went through the CT logs again and the numbers in the report do not add up: 1,902 certificates were "
    "revoked on time, 414 were not, and the report says nothing about the 37 found by the researcher. "
) * 2


def document(number: int, moderator: str = "bench") -> dict:
    return decision_document(
        moderator=moderator,
        thread={"source": "bugzilla", "id": str(4000 + number // 300), "title": "Quillstone incident", "url": None},
        comment={"number": number % 300, "id": str(number), "author": "someone", "own_text": f"{number}: {TEXT}"},
        model={
            "id": "guideline-classifier@71f98086d2db",
            "scores": {label: 0.1234 for label in LABELS},
            "flags": ["demand"] if number % 7 == 0 else [],
            "concern": 0.4321,
        },
        labels=["demand"] if number % 5 == 0 else [],
        action="flag" if number % 5 == 0 else "ok",
        note="",
    )


LOADER = """
import resource, sys, time
from moderator.log import read_log
labels = {labels!r}
began = time.perf_counter()
contents = read_log(sys.argv[1], labels)
seconds = time.perf_counter() - began
assert not contents.problems, contents.problems[:3]
effective = contents.effective()
print(seconds, len(contents.entries), len(effective), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appends", type=int, default=500)
    parser.add_argument("--decisions", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "labels") as folder:
        path = Path(folder) / "appends.yaml"
        log = DecisionLog(path, LABELS)
        latencies = []
        for number in range(args.appends):
            item = document(number)
            began = time.perf_counter()
            log.record(item)
            latencies.append(time.perf_counter() - began)
        latencies.sort()
        print(
            f"append incl. fsync: median {statistics.median(latencies) * 1000:.2f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.2f} ms over {args.appends} appends"
        )
        big = Path(folder) / "big.yaml"
        with big.open("wb") as out:
            for number in range(args.decisions):
                out.write(render(document(number, moderator=f"mod{number % 4}")))
        size = big.stat().st_size / 1e6
        result = subprocess.run(
            [sys.executable, "-c", LOADER.format(labels=LABELS), str(big)], capture_output=True, text=True, check=True
        )
        seconds, entries, effective, megabytes = result.stdout.split()
        print(
            f"load {int(entries):,} decisions ({size:.0f} MB): {float(seconds):.2f} s, "
            f"{int(effective):,} effective, peak memory {float(megabytes):.0f} MB"
        )


if __name__ == "__main__":
    main()
