"""Report speed: ``moderator report`` over a log of 100,000 decisions, in every format, as a user runs it (the CLI
as a whole process, interpreter start and imports included).

    .venv/bin/python scripts/bench_report.py [--decisions 100000] [--repeat 1]

The log: four moderators over 400 Bugzilla threads, written through the log's own document layout (as
``bench_log.py`` writes its log); a quarter of the comments decided by two moderators (so agreement has overlap),
a fifth labeled, each decision with the model's view. The issue's target: under 10 s in every format.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from moderator.log import decision_document, render

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory")
MODERATORS = ("dana", "ravi", "mei", "olu")
TEXT = (
    "I went through the CT logs again and the numbers in the report do not add up: 1,902 certificates were "
    "revoked on time, 414 were not, and the report says nothing about the 37 found by the researcher. "
)


def document(number: int) -> dict:
    comment = number // 2 if number % 4 < 2 else number  # every fourth pair: one comment, two moderators
    labeled = comment % 5 == 0
    label = LABELS[comment % 7] if labeled else None
    return decision_document(
        moderator=MODERATORS[number % 4],
        thread={
            "source": "bugzilla",
            "id": str(4000 + comment % 400),
            "title": f"Quillstone incident {comment % 400}",
            "url": f"https://bugs.example/show_bug.cgi?id={4000 + comment % 400}",
        },
        comment={"number": comment // 400, "id": str(comment), "author": f"person {comment % 997}", "own_text": TEXT},
        model={
            "id": "guideline-classifier@71f98086d2db",
            "scores": {name: 0.1234 for name in LABELS},
            "flags": [label] if label and number % 3 else [],
            "concern": 0.4321,
        },
        labels=[label] if label else [],
        action="flag" if label else "ok",
        note="",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    moderator = str(Path(sys.executable).parent / "moderator")
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "big.yaml"
        with log.open("wb") as out:
            for number in range(args.decisions):
                out.write(render(document(number)))
        size = log.stat().st_size / 1e6
        print(f"{args.decisions:,} decisions, {size:.0f} MB")
        for kind in ("md", "html", "csv", "json"):
            times = []
            for _ in range(args.repeat):
                output = Path(folder) / f"report.{kind}"
                began = time.perf_counter()
                subprocess.run([moderator, "report", str(log), "-o", str(output)], check=True, capture_output=True)
                times.append(time.perf_counter() - began)
            print(f"  {kind:5} {min(times):.1f} s  ({output.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
