"""Review screen speed and size on a 10,000-comment thread, driven by Textual's Pilot.

    .venv/bin/python scripts/bench_review.py [--comments 10000] [--presses 100]
    .venv/bin/python scripts/bench_review.py --picker [--threads 19] [--presses 100] [--one-comment-threads]
    .venv/bin/python scripts/bench_review.py --retrain [--comments 1000] [--presses 100]

Reports the time from start to the first comment on screen, the time from a key press to the next comment
painted (median and worst, while scoring runs in its worker and after), and the peak memory of the process.

With ``--picker``: a mailing-list archive of ``--threads`` threads (5 to 80 messages each) opened at the thread
picker, as ``moderator review ARCHIVE`` opens it. Reports the time from start (archive import and model load
included) to the picker on screen and to the quick scores shown, the time from a key to the cursor moved and
painted, and from a key typed into the filter to the filtered rows painted. ``--one-comment-threads``: a JSONL
file of that many one-comment threads instead (10,000 threads: the filter over a large file).

With ``--retrain``: the review screen of a ``--comments`` thread over a log of 360 decisions (starter-corpus
comments in 40 threads, as the gate's tests write it); keys are timed first with nothing running, then while R
retrains the model in its child process, and the time from enter to the gate's table is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the format writers: a test helper

import exporters  # type: ignore[import-not-found]
from bench_import import synthetic_thread
from textual import events
from textual.app import App
from textual.widgets import Input

from moderation_core.taxonomy import load_taxonomy
from moderator.scoring import load_scorer
from moderator.sources import load_threads
from moderator.tui.app import make_app, make_picker_app
from moderator.tui.components.review_screen import ReviewScreen
from moderator.tui.components.thread_picker import ThreadPicker


def mark_next_painted(app: App[None], screen: ReviewScreen) -> asyncio.Event:
    """An event set once the screen has been refreshed after each ``next`` (j): what a key press is timed to."""
    original_next = screen.action_next
    painted = asyncio.Event()

    def next_and_mark() -> None:
        original_next()
        app.call_after_refresh(painted.set)

    screen.action_next = next_and_mark  # type: ignore[method-assign]
    return painted


async def measure(comments: int, presses: int) -> None:
    taxonomy = load_taxonomy()
    thread = synthetic_thread(comments)
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        scorer = load_scorer(None, taxonomy)
        app = make_app(thread, taxonomy, Path(folder) / "log.yaml", "bench", scorer=scorer)
        marks: dict[str, float] = {}
        screen = app.get_default_screen()  # the review screen of the thread
        assert isinstance(screen, ReviewScreen)
        original_show = screen._show

        def show(comment: bool = True) -> None:
            original_show(comment)
            if "first" not in marks:
                app.call_after_refresh(lambda: marks.setdefault("first", time.perf_counter() - began))

        screen._show = show  # type: ignore[method-assign]
        painted = mark_next_painted(app, screen)

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


def write_archive(path: Path, threads: int) -> int:
    """An mbox of ``threads`` threads of 5 to 80 messages (bodies in the encodings real archives use); returns the
    number of messages."""
    chunks = []
    messages = 0
    for i in range(threads):
        thread = synthetic_thread(5 + (i * 37) % 76, seed=i)
        thread.title = f"Topic {i}: {thread.comments[0].text.split('.')[0][:50]}"
        chunks.append(exporters.to_mbox(thread, list_name=f"list{i}"))
        messages += len(thread.comments)
    path.write_text("".join(chunks), encoding="utf-8")
    return messages


def write_one_comment_threads(path: Path, threads: int) -> int:
    """A JSONL export of ``threads`` threads of one comment each (a file too big to build as an mbox quickly)."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(threads):
            text = f"Report {i}: the nightly build of module {i % 300} failed again after the mirror moved."
            out.write(
                json.dumps({"thread": f"t{i}", "title": f"Build failure {i}", "author": f"u{i % 97}", "text": text})
            )
            out.write("\n")
    return threads


async def measure_picker(threads: int, presses: int, *, one_comment_threads: bool = False) -> None:
    taxonomy = load_taxonomy()
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / ("threads.jsonl" if one_comment_threads else "archive.mbox")
        write = write_one_comment_threads if one_comment_threads else write_archive
        messages = write(archive, threads)
        size = archive.stat().st_size
        began = time.perf_counter()
        loaded = load_threads(archive)
        scorer = load_scorer(None, taxonomy)
        app = make_picker_app(loaded, taxonomy, Path(folder) / "log.yaml", "bench", scorer=scorer)
        picker = app.get_default_screen()
        assert isinstance(picker, ThreadPicker)
        marks: dict[str, float] = {}
        painted = asyncio.Event()
        original_show_rows = picker._show_rows

        def show_rows() -> None:
            original_show_rows()
            mark = "first" if "first" not in marks else "scored" if picker.state == "done" else None
            if mark is not None and mark not in marks:
                app.call_after_refresh(lambda: marks.setdefault(mark, time.perf_counter() - began))
            app.call_after_refresh(painted.set)

        picker._show_rows = show_rows  # type: ignore[method-assign]
        original_move = picker.action_move

        def move_and_mark(step: int) -> None:
            original_move(step)
            app.call_after_refresh(painted.set)

        picker.action_move = move_and_mark  # type: ignore[method-assign]

        async def timings(keys: list[str]) -> list[float]:
            # Real key events through the app's message queue, each timed until the screen has been refreshed.
            result = []
            for key in keys:
                painted.clear()
                start = time.perf_counter()
                app.post_message(events.Key(key, key if len(key) == 1 else None))
                await painted.wait()
                result.append(time.perf_counter() - start)
                await asyncio.sleep(0.01)  # a moderator does not press keys back to back
            return result

        async with app.run_test(size=(150, 45)) as pilot:
            while "first" not in marks:
                await asyncio.sleep(0.005)
            await app.workers.wait_for_complete()
            while "scored" not in marks:
                await asyncio.sleep(0.005)
            await pilot.pause()
            moves = await timings(["j", "j", "k"] * (presses // 6) or ["j"])
            picker.set_focus(picker.query_one(Input))
            # Each letter narrows the rows ("1", "12", "123": fewer and fewer threads), backspaces widen them again.
            typed = await timings(["1", "2", "3", "backspace", "backspace", "backspace"] * (presses // 12) or ["1"])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{threads:,} threads, {messages:,} comments ({archive.suffix[1:]} of {size / 1e6:.1f} MB)")
    print(f"  picker on screen:             {marks['first']:.2f} s after start (import and model load included)")
    print(f"  quick scores shown:           {marks['scored']:.2f} s after start (in a worker)")
    for name, values in (("cursor key", moves), ("filter key", typed)):
        print(
            f"  {name} to repaint:         median {statistics.median(values) * 1000:.1f} ms, "
            f"worst {max(values) * 1000:.1f} ms over {len(values)} presses"
        )
    print(f"  peak memory:                  {peak:.0f} MB")


async def measure_retrain(comments: int, presses: int) -> None:
    from test_train_gate import write_log  # type: ignore[import-not-found]

    from moderator.retrain import RetrainSettings
    from moderator.tui.components.retrain_screen import Phase

    taxonomy = load_taxonomy()
    thread = synthetic_thread(comments)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "log.yaml"
        write_log(log)
        app = make_app(
            thread,
            taxonomy,
            log,
            "bench",
            scorer=load_scorer(None, taxonomy),
            retrain=RetrainSettings(Path(folder) / "model"),
        )
        screen = app.get_default_screen()
        assert isinstance(screen, ReviewScreen)
        painted = mark_next_painted(app, screen)

        async def timings(count: int, until: Callable[[], bool] = lambda: False) -> list[float]:
            found = []
            for _ in range(count):
                if until():
                    break
                painted.clear()
                start = time.perf_counter()
                app.post_message(events.Key("j", "j"))
                await painted.wait()
                found.append(time.perf_counter() - start)
                await asyncio.sleep(0.2)  # a moderator reading between keys
            return found

        def training() -> bool:
            return screen.retrain is not None and screen.retrain.phase is Phase.TRAINING

        async with app.run_test(size=(150, 45)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            idle = await timings(presses // 2)
            await pilot.press("R", "enter", "escape")  # start, and hide the dialog: the review goes on
            began = time.perf_counter()
            during = await timings(presses * 100, until=lambda: not training())
            while training():
                await asyncio.sleep(0.1)
            trained = time.perf_counter() - began
            assert screen.retrain is not None
            outcome = screen.retrain.phase.value + (f": {screen.retrain.problem}" if screen.retrain.problem else "")
    print(f"{comments:,}-comment thread, retraining from a log of 360 decisions ({outcome})")
    print(f"  enter to the gate's verdict: {trained:.1f} s (child process)")
    for name, found in (("nothing running", idle), ("while retraining", during)):
        print(
            f"  key to next comment painted, {name}: median {statistics.median(found) * 1000:.1f} ms, "
            f"worst {max(found) * 1000:.1f} ms over {len(found)} presses"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--picker", action="store_true", help="an archive of many threads at the thread picker")
    parser.add_argument("--threads", type=int, default=19, help="threads of the archive (with --picker)")
    parser.add_argument(
        "--one-comment-threads", action="store_true", help="with --picker: a JSONL file of one-comment threads"
    )
    parser.add_argument("--retrain", action="store_true", help="keys while R retrains the model")
    args = parser.parse_args()
    if args.retrain:
        asyncio.run(measure_retrain(args.comments, args.presses))
    elif args.picker:
        asyncio.run(measure_picker(args.threads, args.presses, one_comment_threads=args.one_comment_threads))
    else:
        asyncio.run(measure(args.comments, args.presses))


if __name__ == "__main__":
    main()
