"""Import speed: a 10,000-comment Bugzilla REST JSON thread and a 10,000-comment page copy.

    .venv/bin/python scripts/bench_import.py [--comments 10000] [--repeat 3]

Each comment is a few sentences; every fifth one replies to an earlier comment with a quote (prefixed in REST
JSON, unprefixed in the page copy, as Bugzilla shows it), so quote detection is part of the figure. The best of
``--repeat`` runs is reported, and the run is repeated at a quarter of the size to show the growth is linear.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from moderator.sources import exporters, load_threads
from moderator.thread import Comment, Thread

WORDS = (
    "certificate revocation report timeline audit policy module owner resolver validation issuance deadline "
    "customer evidence incident remediation review logging window response section root store distrust "
    "question answer monitoring renewal hosting automation backlog weekend"
).split()


def synthetic_thread(size: int, seed: int = 7) -> Thread:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    comments: list[Comment] = []
    for number in range(size):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."
            for _ in range(rng.randint(2, 5))
        ]
        text = "\n".join(sentences)
        if number > 0 and number % 5 == 0:
            quoted = rng.randrange(max(0, number - 50), number)
            line = comments[quoted].text.split("\n")[0]
            text = f"(In reply to Person {quoted % 40} from comment #{quoted})\n> {line}\n\n{text}"
        comments.append(
            Comment(
                number=number,
                id=str(100000 + number),
                author=f"Person {number % 40}",
                author_role="assignee" if number % 13 == 0 else None,
                created=(start + timedelta(minutes=37 * number)).isoformat().replace("+00:00", "Z"),
                text=text,
            )
        )
    return Thread(
        source="bugzilla", id="9999", title="Synthetic load thread", product="Bench", component="Import",
        reporter="person0@example.invalid", assignee="person13@example.invalid", comments=comments,
    )


def best_time(path: Path, fmt: str, repeat: int) -> tuple[float, int]:
    best = float("inf")
    comments = 0
    for _ in range(repeat):
        began = time.perf_counter()
        [thread] = load_threads(path, fmt)
        best = min(best, time.perf_counter() - began)
        comments = len(thread.comments)
    return best, comments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for size in (args.comments // 4, args.comments):
            thread = synthetic_thread(size)
            rest = Path(folder) / f"rest-{size}.json"
            rest.write_text(exporters.to_bugzilla_rest(thread), encoding="utf-8")
            page = Path(folder) / f"page-{size}.txt"
            page.write_text(
                exporters.to_page_copy(thread, now=datetime(2026, 11, 27, tzinfo=UTC)), encoding="utf-8"
            )
            for label, path, fmt in (("REST JSON", rest, "bugzilla-json"), ("page copy", page, "bugzilla-text")):
                seconds, count = best_time(path, fmt, args.repeat)
                size_mb = path.stat().st_size / 1e6
                print(f"{label:9}  {count:6d} comments  {size_mb:5.1f} MB  {seconds:6.3f} s  ({count / seconds:,.0f}/s)")


if __name__ == "__main__":
    main()
