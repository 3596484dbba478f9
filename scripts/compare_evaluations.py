"""Compare two ``moderator evaluate --json`` results: the held-out figures reached so far are a floor.

    .venv/bin/moderator evaluate --data ../shared/data/heldout/*.jsonl --json > before.json   # at the old commit
    .venv/bin/moderator evaluate --data ../shared/data/heldout/*.jsonl --json > after.json
    .venv/bin/python scripts/compare_evaluations.py before.json after.json [--tolerance 0.01]

Prints every figure of every file side by side with its change, marks each that moved the wrong way by more
than the tolerance (a ranking or precision figure that fell; the flag rate of a civil-only file that rose), and
exits 1 when any did. Nothing here is tuned on: it only reads two results.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HIGHER_IS_BETTER = ("concern_roc_auc", "concern_average_precision", "flag_precision", "flag_recall")


def figures(result: dict[str, Any]) -> dict[tuple[str, str], tuple[float, bool]]:
    """(file, figure) -> (value, higher is better) for every figure the comparison watches."""
    found: dict[tuple[str, str], tuple[float, bool]] = {}
    for entry in result["files"]:
        name = Path(entry["file"]).name
        for key in HIGHER_IS_BETTER:
            if isinstance(entry.get(key), (int, float)):
                found[(name, key)] = (float(entry[key]), True)
        if entry.get("civil_only"):
            found[(name, "flag_rate")] = (float(entry["flag_rate"]), False)
        for label, metrics in (entry.get("labels") or {}).items():
            if isinstance(metrics, dict) and isinstance(metrics.get("f1"), (int, float)):
                found[(name, f"{label} f1")] = (float(metrics["f1"]), True)
        for category, metrics in (entry.get("categories") or {}).items():
            if isinstance(metrics, dict) and isinstance(metrics.get("concern_roc_auc"), (int, float)):
                found[(name, f"{category} concern_roc_auc")] = (float(metrics["concern_roc_auc"]), True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--tolerance", type=float, default=0.01)
    args = parser.parse_args(argv)
    before = figures(json.loads(args.before.read_text(encoding="utf-8")))
    after = figures(json.loads(args.after.read_text(encoding="utf-8")))
    worse = 0
    for key in sorted(before.keys() | after.keys()):
        if key not in before or key not in after:
            print(f"{key[0]:32} {key[1]:40} only in {'after' if key in after else 'before'}")
            continue
        (old, higher_better), (new, _) = before[key], after[key]
        change = new - old
        bad = (-change if higher_better else change) > args.tolerance
        worse += bad
        print(f"{key[0]:32} {key[1]:40} {old:7.4f} -> {new:7.4f}  {change:+.4f}{'  WORSE' if bad else ''}")
    print(f"{worse} figure(s) moved the wrong way by more than {args.tolerance}")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
