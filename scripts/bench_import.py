"""Import speed: a 10,000-comment Bugzilla REST JSON thread and a 10,000-comment page copy.

    .venv/bin/python scripts/bench_import.py [--comments 10000] [--repeat 3]

Each comment is a few sentences; every fifth one replies to an earlier comment with a quote (prefixed in REST
JSON, unprefixed in the page copy, as Bugzilla shows it), so quote detection is part of the figure. The best of
``--repeat`` runs is reported, and the run is repeated at a quarter of the size to show the growth is linear.

A second, heavily quoting thread adds to that a quote inside a line in every fourth comment (``--quoting-every``;
eight to twelve words of an earlier comment's sentence, in quotation marks, with the replier's words after
them). It is imported with inline quote detection on and off, in turns, to show what that detection costs.
The synthetic vocabulary is small, so earlier words recur by chance far more than in real threads: this is a
worst case for quote detection.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from moderation_core.thread import Comment, Thread
from moderator.sources import load_threads

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the format writers: a test helper

import exporters  # noqa: E402

WORDS = (
    "certificate revocation report timeline audit policy module owner resolver validation issuance deadline "
    "customer evidence incident remediation review logging window response section root store distrust "
    "question answer monitoring renewal hosting automation backlog weekend"
).split()


Draw = Callable[[random.Random, int], list[str]]


def synthetic_thread(size: int, seed: int = 7, words: Draw | None = None) -> Thread:
    """``words(rng, n)``: n words for a sentence (by default drawn evenly from the thirty of WORDS)."""
    rng = random.Random(seed)
    draw = words or (lambda rng, n: [rng.choice(WORDS) for _ in range(n)])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    comments: list[Comment] = []
    for number in range(size):
        sentences = [" ".join(draw(rng, rng.randint(8, 18))).capitalize() + "." for _ in range(rng.randint(2, 5))]
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
        source="bugzilla",
        id="9999",
        title="Synthetic load thread",
        product="Bench",
        component="Import",
        reporter="person0@example.invalid",
        assignee="person13@example.invalid",
        comments=comments,
    )


def zipf_words(count: int = 3000, seed: int = 3) -> Draw:
    """A vocabulary of ``count`` made-up words drawn with Zipf's law (the n-th word 1/n as often as the first), as
    words are in real text: everyday words recur in every comment, most words are rare."""
    rng = random.Random(seed)
    syllables = "ka lo mi ren tu sa vel dor an pi que zo ber li nat os fe gru hal tin".split()
    vocabulary: list[str] = []
    seen: set[str] = set()
    while len(vocabulary) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 3)))
        if word not in seen:
            seen.add(word)
            vocabulary.append(word)
    weights = list(accumulate(1 / rank for rank in range(1, count + 1)))
    return lambda rng, n: rng.choices(vocabulary, cum_weights=weights, k=n)


def quoting_thread(size: int, every: int = 2, seed: int = 11, *, small_vocabulary: bool = False) -> Thread:
    """A synthetic thread in which every ``every``-th comment calls out words of an earlier one inside a line.

    Its words follow Zipf's law over a vocabulary of 3,000 (``small_vocabulary``: the thirty words of the first
    thread, where five words in a row recur by chance in most comments: a worst case for quote detection)."""
    draw: Draw = (lambda rng, n: [rng.choice(WORDS) for _ in range(n)]) if small_vocabulary else zipf_words()
    thread = synthetic_thread(size, words=draw)
    rng = random.Random(seed)
    own_lines = [
        [line for line in c.text.split("\n") if line and not line.startswith(("(In reply", ">"))]
        for c in thread.comments
    ]
    for number in range(1, size, every):
        quoted = rng.randrange(max(0, number - 50), number)
        words = rng.choice(own_lines[quoted]).rstrip(".").split()
        length = min(len(words), rng.randint(8, 12))
        start = rng.randrange(0, len(words) - length + 1)
        fragment = " ".join(words[start : start + length])
        reply = " ".join(draw(rng, rng.randint(6, 12)))
        comment = thread.comments[number]
        comment.text = f'"{fragment}" is not what the {reply} says.\n{comment.text}'
    return thread


def with_and_without_inline_quotes(path: Path, fmt: str, repeat: int) -> tuple[float, float, int]:
    """Best times with inline quote detection on and off (the segmenter then sees no quote inside a line), run
    in turns so that a machine getting busier or quieter weighs on both alike."""
    from moderation_core import segmentation
    from moderation_core.segmentation.inline_quotes import InlineResult

    detect = segmentation.find_inline_quotes
    on = off = float("inf")
    comments = 0
    try:
        for _ in range(repeat):
            segmentation.find_inline_quotes = detect
            seconds, comments = best_time(path, fmt, 1)
            on = min(on, seconds)
            segmentation.find_inline_quotes = lambda *args, **kwargs: InlineResult([])  # type: ignore[assignment]
            off = min(off, best_time(path, fmt, 1)[0])
    finally:
        segmentation.find_inline_quotes = detect
    return on, off, comments


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
    parser.add_argument("--quoting-every", type=int, default=4, help="an inline quote in every N-th comment")
    parser.add_argument("--small-vocabulary", action="store_true", help="quoting thread of the thirty words")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for size in (args.comments // 4, args.comments):
            thread = synthetic_thread(size)
            rest = Path(folder) / f"rest-{size}.json"
            rest.write_text(exporters.to_bugzilla_rest(thread), encoding="utf-8")
            page = Path(folder) / f"page-{size}.txt"
            page.write_text(exporters.to_page_copy(thread, now=datetime(2026, 11, 27, tzinfo=UTC)), encoding="utf-8")
            for label, path, fmt in (("REST JSON", rest, "bugzilla-json"), ("page copy", page, "bugzilla-text")):
                seconds, count = best_time(path, fmt, args.repeat)
                report(label, path, count, seconds)
        size = args.comments
        thread = quoting_thread(size, args.quoting_every, small_vocabulary=args.small_vocabulary)
        rest = Path(folder) / f"rest-quoting-{size}.json"
        rest.write_text(exporters.to_bugzilla_rest(thread), encoding="utf-8")
        page = Path(folder) / f"page-quoting-{size}.txt"
        page.write_text(exporters.to_page_copy(thread, now=datetime(2026, 11, 27, tzinfo=UTC)), encoding="utf-8")
        vocabulary = "30 words" if args.small_vocabulary else "3,000 words, Zipf"
        every = args.quoting_every
        print(f"quoting thread ({vocabulary}): an inline quote in 1 of {every} comments, a reply quote in 1 of 5")
        for label, path, fmt in (("REST JSON", rest, "bugzilla-json"), ("page copy", page, "bugzilla-text")):
            seconds, plain, count = with_and_without_inline_quotes(path, fmt, args.repeat)
            report(f"{label}, quoting", path, count, seconds)
            report(f"{label}, quoting, no inline detection", path, count, plain)
            print(f"  inline quote detection adds {100 * (seconds - plain) / plain:.0f}%")


def report(label: str, path: Path, count: int, seconds: float) -> None:
    size_mb = path.stat().st_size / 1e6
    print(f"{label:38}  {count:6d} comments  {size_mb:5.1f} MB  {seconds:6.3f} s  ({count / seconds:,.0f}/s)")


if __name__ == "__main__":
    main()
