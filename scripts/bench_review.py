"""Review screen speed and size on a 10,000-comment thread, driven by Textual's Pilot.

    .venv/bin/python scripts/bench_review.py [--comments 10000] [--presses 100]

Reports the time from start to the first comment on screen, the time from a key press to the next comment
painted (median and worst, while scoring runs in its worker and after), and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import synthetic_thread
from textual import events

from moderation_core.taxonomy import load_taxonomy
from moderator.scoring import load_scorer
from moderator.tui.app import make_app


async def measure(comments: int, presses: int) -> None:
    taxonomy = load_taxonomy()
    thread = synthetic_thread(comments)
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        scorer = load_scorer(None, taxonomy)
        app = make_app(thread, taxonomy, Path(folder) / "log.yaml", "bench", scorer=scorer)
        marks: dict[str, float] = {}
        screen = app.get_default_screen()  # the review screen of the thread
        original_show = screen._show

        def show(comment: bool = True) -> None:
            original_show(comment)
            if "first" not in marks:
                app.call_after_refresh(lambda: marks.setdefault("first", time.perf_counter() - began))

        screen._show = show  # type: ignore[method-assign]
        original_next = screen.action_next
        painted = asyncio.Event()

        def next_and_mark() -> None:
            original_next()
            app.call_after_refresh(painted.set)

        screen.action_next = next_and_mark  # type: ignore[method-assign]

        async def press_timings(count: int) -> list[float]:
            # A real key event through the app's message queue; timed until the screen has been refreshed.
            timings = []
            for _ in range(count):
                painted.clear()
                start = time.perf_counter()
                app.post_message(events.Key("j", "j"))
                await painted.wait()
                timings.append(time.perf_counter() - start)
                await asyncio.sleep(0.01)  # a moderator does not press keys back to back
            return timings

        async with app.run_test(size=(150, 45)) as pilot:
            while "first" not in marks:
                await asyncio.sleep(0.005)
            during = await press_timings(presses // 2)
            await app.workers.wait_for_complete()
            scored_at = time.perf_counter() - began
            await pilot.pause()
            after = await press_timings(presses // 2)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{comments:,} comments")
    print(f"  first comment on screen:      {marks['first']:.2f} s after start (model load included)")
    print(f"  all comments scored:          {scored_at:.2f} s after start (in a worker)")
    for name, timings in (("while scoring", during), ("after scoring", after)):
        print(
            f"  key to next comment painted {name}: median {statistics.median(timings) * 1000:.1f} ms, "
            f"worst {max(timings) * 1000:.1f} ms over {len(timings)} presses"
        )
    print(f"  peak memory:                  {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--presses", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(measure(args.comments, args.presses))


if __name__ == "__main__":
    main()
