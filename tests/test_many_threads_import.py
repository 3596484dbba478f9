"""Importing a file of many small threads costs work per comment, not a fixed setup per thread.

The quote index of a thread only serves the comments after the one it learns, so the last comment of every
thread is never indexed, and a one-comment thread never hashes its words for inline quotes at all. Work is
counted (index entries made, inline quote searches, indexes built), never timed. All text is invented here.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

import moderation_core.segmentation as segmentation
from moderation_core.segmentation import segment_thread
from moderation_core.segmentation.inline_quotes import find_inline_quotes
from moderation_core.segmentation.quoteindex import QuoteIndex
from moderation_core.thread import Comment
from moderator.sources import load_threads

SENTENCES = (
    "The nightly build of the packaging scripts stopped uploading artefacts after the mirror moved.",
    "Volunteer reviewers have been triaging these storage reports patiently every weekend since spring.",
    "Please attach the exact command line and the output of the failing step so others can follow.",
    "The cache directory is shared between two runners, which explains the corrupted archive headers.",
    "Rolling the signing keys twice a year keeps the release checklist honest for every maintainer involved.",
)


def _records(threads: int, per_thread: int) -> list[dict[str, object]]:
    """``threads`` threads of ``per_thread`` (at most 5) comments, each with a sentence of its own; every reply
    after the first quotes the comment before."""
    records: list[dict[str, object]] = []
    for thread in range(threads):
        for number in range(per_thread):
            text = SENTENCES[(thread + number) % len(SENTENCES)]
            if number:
                text = f"> {SENTENCES[(thread + number - 1) % len(SENTENCES)]}\n\n{text}"
            records.append({"thread": f"t{thread}", "number": number, "author": f"user{number}", "text": text})
    return records


def _write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def _write_csv(path: Path, records: list[dict[str, object]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["thread", "number", "author", "text"])
    writer.writeheader()
    writer.writerows(records)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts of the per-thread and per-comment work of segmentation: indexes built, comments indexed, inline
    quote searches run."""
    counts: Counter[str] = Counter()
    real_add = QuoteIndex.add
    real_search = find_inline_quotes

    def counted_index() -> QuoteIndex:
        counts["indexes"] += 1
        return QuoteIndex()

    def counted_add(self: QuoteIndex, *args: object, **kwargs: object) -> None:
        counts["indexed"] += 1
        real_add(self, *args, **kwargs)  # type: ignore[arg-type]

    def counted_search(*args: object, **kwargs: object) -> object:
        counts["searched"] += 1
        return real_search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(segmentation, "QuoteIndex", counted_index)
    monkeypatch.setattr(QuoteIndex, "add", counted_add)
    monkeypatch.setattr(segmentation, "find_inline_quotes", counted_search)
    return counts


Writer = Callable[[Path, list[dict[str, object]]], Path]


@pytest.mark.parametrize("write", [_write_jsonl, _write_csv], ids=["jsonl", "csv"])
def test_one_comment_threads_build_no_index_entries(tmp_path: Path, work: Counter[str], write: Writer) -> None:
    path = write(tmp_path / "threads", _records(300, 1))
    threads = load_threads(path, "jsonl" if write is _write_jsonl else "csv")
    assert len(threads) == 300
    assert work["indexed"] == 0  # nothing can quote the only comment of a thread
    assert work["searched"] == 0  # nor can it quote anything
    assert work["indexes"] == 300  # one index a thread, never one a comment


@pytest.mark.parametrize("write", [_write_jsonl, _write_csv], ids=["jsonl", "csv"])
def test_small_threads_index_every_comment_but_the_last(tmp_path: Path, work: Counter[str], write: Writer) -> None:
    path = write(tmp_path / "threads", _records(60, 5))
    threads = load_threads(path, "jsonl" if write is _write_jsonl else "csv")
    assert len(threads) == 60
    assert work["indexed"] == 60 * 4
    assert work["searched"] == 60 * 5
    assert work["indexes"] == 60
    for thread in threads:  # the skipped work changed nothing: every reply's quote is still found
        for comment in thread.comments[1:]:
            assert [s.quoted_comment for s in comment.segments if s.kind == "quote"] == [(comment.number or 0) - 1]


def _comments(texts: list[str]) -> list[Comment]:
    return [
        Comment(number=n, id=None, author=f"user{n % 3}", author_role=None, created=None, text=text, tags=())
        for n, text in enumerate(texts)
    ]


def test_the_last_comment_segments_as_it_would_with_a_comment_after_it() -> None:
    # Prefixed quotes, then an inline quote of comment 1 in the last comment: both kinds of quote, found last.
    inline = 'I disagree that "reviewers have been triaging these storage reports patiently" at all.'
    texts = [str(record["text"]) for record in _records(1, 5)] + [inline]
    for count in range(1, len(texts) + 1):
        alone = _comments(texts[:count])
        followed = _comments([*texts[:count], "One more comment after it, written by somebody else entirely."])
        segment_thread(alone)
        segment_thread(followed)
        assert [(c.segments, c.reply_to, c.own_text) for c in alone] == [
            (c.segments, c.reply_to, c.own_text) for c in followed[:count]
        ]
