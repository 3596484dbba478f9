"""The importer's fast paths change nothing: every shortcut taken while importing many threads gives what the
general path gives.

Each test compares a shortcut with the general path it stands for, kept callable here: the whole-text
segmentation of an all-own comment against the per-line merging, the lines split only when inline quote search
needs them against lines split up front, the index's word keys joined when first searched against keys joined at
once, key and keyed-word extraction without regular expressions against the expressions, the index pass's
checks of a record against the collector's own ``add``, comments built before their text is known against
comments built with it, and the second reading's chunks of threads against reading the whole file. Texts are built
here, by hand and by Hypothesis: quotes, ``>`` in odd places, reply headers, attributions, signatures, patches,
CRLF and old Mac line ends, blank lines, non-ASCII text, typographic quotes and lone surrogates.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import moderation_core.segmentation as segmentation
from moderation_core.errors import SourceError
from moderation_core.segmentation import _OWN, QuoteIndex, _all_own, _merge, _pieces, segment_thread
from moderation_core.segmentation.inline_quotes import find_inline_quotes
from moderation_core.segmentation.quoteindex import (
    _KEY_DELETE,
    KEY_STRIP,
    PUNCTUATION_WORD,
    fold,
    key_text,
    keyed_words,
    shingles,
    word_keys,
)
from moderation_core.thread import Comment, Quote, Segment
from moderator.sources import load_threads, reading, stream
from moderator.sources.records import Record, ThreadCollector
from moderator.sources.stream import iter_threads

# Characters where a shortcut could part from the general path: every character keys drop, typographic quotes
# and spaces, case folding that grows (ß, ﬃ), blanks of all kinds, line ends, a lone surrogate and a pair of them.
TRICKY = (
    KEY_STRIP
    + "aZ9 \t\u00df\ufb03\u03a3\u0130\u00e9\u2018\u2019\u201c\u201d\u00ab\u00bb\u00a0\u2007\u202f\u3000\u2028"
    + "\n\r\ud800\ud83d\ude00"
)
PROSE = (
    "The nightly build of the packaging scripts stopped uploading artefacts after the mirror moved.",
    "Volunteer reviewers have been triaging these storage reports patiently every weekend since spring.",
    "A -> B is how the migration goes, and x > y holds for every value we tried so far.",
    "\u201cTypographic quotes\u201d and a non\u00a0breaking space, \u00abguillemets\u00bb too: na\u00efve caf\u00e9.",
    "    > four spaces before the mark make this code, not a quote",
    "Steps to reproduce:",
    "",
    "   ",
)
SPECIAL = (
    "> {quoted}",
    ">> {quoted}",
    "  > {quoted}",
    "(In reply to Person 0 from comment #0)",
    "On Tue, 3 Mar 2026 at 10:12, Person 0 wrote:",
    "Person 1 wrote:",
    '"{copied}" is not how we talk about volunteers here.',
    "You wrote {copied} and I do not agree with that at all.",
    "-- \nPerson 0\nBuild team",
    "--\nSent from my phone",
    "```\ncode > not a quote\n```",
    "```diff\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n```",
    "Signed-off-by: Person 0 <p0@example.invalid>",
    "| a | b |\n|---|---|\n| -- | > |",
)


def _texts(rng: random.Random, count: int) -> list[str]:
    """``count`` comments: prose, most with special lines quoting or copying the comment before, and line ends
    and blanks of every kind around them."""
    texts: list[str] = []
    for number in range(count):
        lines = [rng.choice(PROSE) for _ in range(rng.randint(1, 4))]
        if number and rng.random() < 0.7:
            earlier = [line for line in texts[-1].splitlines() if len(line.split()) >= 10] or [PROSE[0]]
            quoted = rng.choice(earlier).lstrip("> ")
            copied = " ".join(rng.choice(earlier).split()[1:10])
            special = rng.choice(SPECIAL).format(quoted=quoted, copied=copied)
            lines.insert(rng.randint(0, len(lines)), special)
        line_end = rng.choice(["\n", "\n", "\r\n", "\n\n"])
        text = line_end.join(lines)
        texts.append(rng.choice(["", "\n", " \r\n", "\u3000"]) + text + rng.choice(["", "\n", "\r\n ", "\t"]))
    return texts


Segmented = list[tuple[tuple[Segment, ...], tuple[int, ...], str, tuple[Quote, ...]]]


def _segmented(texts: list[str], **options: Any) -> Segmented:
    comments = [Comment(number=n, text=text, author=f"Person {n % 3}") for n, text in enumerate(texts)]
    segment_thread(comments, **options)
    return [(c.segments, c.reply_to, c.own_text, c.quotes) for c in comments]


def _general_all_own(text: str) -> tuple[object, ...]:
    lines = text.split("\n")
    return _merge(_pieces(lines, [_OWN] * len(lines), []))


def _general_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shortcut of segmentation off: every line read and classified, an all-own comment merged line by line,
    the lines handed to inline quote search split up front, and the index given keys joined at once."""
    monkeypatch.setattr(segmentation, "_needs_reading", lambda text, verbatim: True)
    monkeypatch.setattr(segmentation, "may_have_parts", lambda text: True)
    monkeypatch.setattr(segmentation, "_all_own", _general_all_own)

    def split_up_front(
        lines: list[str] | None, own: list[bool] | None, index: QuoteIndex, number: int | None, *rest: Any
    ) -> object:
        text = rest[0] if rest else None
        if own is None:
            assert text is not None
            lines = text.split("\n")
            own = [True] * len(lines)
        return find_inline_quotes(lines, own, index, number, *rest)

    monkeypatch.setattr(segmentation, "find_inline_quotes", split_up_front)
    real_add = QuoteIndex.add

    def joined_at_once(self: QuoteIndex, *args: Any, keyed: str | None = None, **kwargs: Any) -> None:
        real_add(self, *args, **kwargs)  # no keyed text: given keys are joined now, others from the own text

    monkeypatch.setattr(QuoteIndex, "add", joined_at_once)


@pytest.mark.parametrize(
    "options",
    [{}, {"verbatim": True}, {"mail": True}, {"parents": {n: n - 1 for n in range(1, 8)}}],
    ids=["plain", "page-copy", "mail", "replies"],
)
def test_segmentation_shortcuts_give_what_the_general_path_gives(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, Any]
) -> None:
    rng = random.Random(21)
    threads = [_texts(rng, rng.randint(1, 8)) for _ in range(120)]
    fast = [_segmented(texts, **options) for texts in threads]
    kinds = {segment.kind for thread in fast for segments, *_ in thread for segment in segments}
    assert {"own", "quote"} <= kinds  # the threads hold quotes, so the slow paths ran too
    _general_paths(monkeypatch)
    assert fast == [_segmented(texts, **options) for texts in threads]


_WORDS = st.sampled_from(
    ["the", "release", "team", "asleep", "wheel", ">", ">>", "--", "-- ", "\u201cquoted\u201d", "caf\u00e9", "\ud800"]
)
_LINES = st.lists(_WORDS, max_size=12).map(" ".join) | st.sampled_from(SPECIAL + PROSE) | st.text(TRICKY, max_size=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    comments=st.lists(
        st.tuples(st.lists(_LINES, max_size=6), st.sampled_from(["\n", "\r\n", "\r", "\n\n"])), max_size=5
    )
)
def test_segmentation_shortcuts_on_generated_comments(comments: list[tuple[list[str], str]]) -> None:
    texts = [end.join(lines) for lines, end in comments]
    fast = _segmented(texts)
    with pytest.MonkeyPatch.context() as patch:
        _general_paths(patch)
        assert fast == _segmented(texts)


@settings(max_examples=500, deadline=None)
@given(st.text(TRICKY, max_size=40))
def test_an_all_own_text_is_one_segment_as_merging_its_lines_makes_it(text: str) -> None:
    assert _all_own(text) == _general_all_own(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(TRICKY, max_size=40))
def test_keys_without_a_regular_expression_are_those_of_the_expression(text: str) -> None:
    assert key_text(text) == _KEY_DELETE.sub("", text).casefold()
    assert keyed_words(text) == PUNCTUATION_WORD.sub(" ", fold(text)).split()
    assert len(keyed_words(text)) == len(word_keys(text))


def test_keys_joined_when_first_searched_answer_as_keys_joined_at_once() -> None:
    # As segment_thread adds comments: the keys are those of the own lines with every other line standing as a
    # word of its own (a quote cut out), so phrases drawn from the own text alone may span where that line was.
    rng = random.Random(8)
    texts = _texts(rng, 40)
    lazy, eager = QuoteIndex(), QuoteIndex()
    for number, text in enumerate(texts):
        lines = text.split("\n")
        own = [not line.startswith(">") and rng.random() < 0.8 for line in lines]
        keyed = "\n".join(line if is_own else f"\x00{number}" for line, is_own in zip(lines, own))
        own_text = "\n".join(line for line, is_own in zip(lines, own) if is_own)
        keys = word_keys(keyed)
        fresh = lazy.unknown(set(map(hash, shingles(keys))))
        lazy.add(number, own_text, keys=keys, fresh=fresh, keyed=keyed)
        eager.add(number, own_text, keys=list(keys), fresh=set(fresh))
    for _ in range(3000):
        number = rng.randrange(len(texts))
        words = word_keys(rng.choice([texts[number], rng.choice(texts)]))
        start = rng.randrange(len(words) + 1)
        phrase = words[start : start + rng.randint(1, 8)]
        assert lazy.size(number) == eager.size(number)
        assert lazy.contains_words(number, phrase) == eager.contains_words(number, phrase)
    assert lazy.work == eager.work  # the same texts searched, the same work counted


# The records side ---------------------------------------------------------------------------------------------

_BAD_FIELDS: list[dict[str, Any]] = [
    {},
    {"text": 5},
    {"text": "x", "thread": 1.5},
    {"text": "x", "thread": []},
    {"text": "x", "title": 3},
    {"text": "x", "id": 2.5},
    {"text": "x", "author": {"name": "a"}},
    {"text": "x", "created": True},
    {"text": "x", "url": 1, "source": 2},
    {"text": "x", "number": -1},
    {"text": "x", "number": "12345678901"},
    {"text": "x", "number": True},
    {"text": "x", "tags": 3},
    {"text": "x", "number": 1.5, "tags": [1]},
    {"text": None, "thread": 7, "number": "3", "tags": "a; b", "id": 4127.0},
    {"text": "ok", "thread": "t", "number": 2, "title": "", "author": "ana", "tags": ["x"]},
]


@pytest.mark.parametrize("fields", _BAD_FIELDS)
def test_the_index_pass_checks_a_record_as_the_collector_adds_it(tmp_path: Path, fields: dict[str, Any]) -> None:
    source = reading.SourceText(tmp_path / "x.jsonl", b"{}")

    def outcome(action: Any) -> object:
        try:
            return action()
        except SourceError as error:
            return str(error)

    added = ThreadCollector(source, source_name="jsonl")
    checked = outcome(lambda: ThreadCollector(source, source_name="jsonl").check(Record(3, dict(fields))))
    result = outcome(lambda: added.add(Record(3, dict(fields))))
    if isinstance(result, str):
        assert checked == result
    else:
        thread = added.threads()[0]
        assert isinstance(checked, tuple)
        key, number = checked[1], checked[3]
        assert key == thread.id and (number is None or number == thread.comments[0].number)


def test_comments_built_before_their_text_are_the_comments_built_with_it(tmp_path: Path) -> None:
    rng = random.Random(5)
    source = reading.SourceText(tmp_path / "x.jsonl", b"{}")
    collector = ThreadCollector(source, source_name="jsonl")
    texts = _texts(rng, 12) + ["", "   ", "\r\n"]
    for number, text in enumerate(texts):
        collector.add(Record(number + 1, {"thread": "t", "text": text, "author": f"Person {number % 3}", "id": "c"}))
    expected = [
        Comment(number=n, text=text, author=f"Person {n % 3}", id="c", author_role=None, created=None, tags=())
        for n, text in enumerate(texts)
    ]
    segment_thread(expected)
    assert collector.threads()[0].comments == expected


# The streaming reader ---------------------------------------------------------------------------------------------


def _jsonl(records: list[dict[str, Any]], line_end: str = "\n") -> bytes:
    return line_end.join(json.dumps(record, ensure_ascii=False) for record in records).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 10])
def test_threads_read_back_in_chunks_are_the_threads_of_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # Threads of 1 to 9 comments, interleaved, so that chunks end inside, between and after threads, and a thread
    # bigger than a chunk is read alone.
    rng = random.Random(chunk)
    texts = _texts(rng, 60)
    records = [
        {"thread": f"t{thread}", "text": texts[(thread * 7 + n) % len(texts)], "author": f"Person {n % 3}"}
        for thread in range(12)
        for n in range(1 + thread % 9)
    ]
    rng.shuffle(records)
    path = tmp_path / "threads.jsonl"
    path.write_bytes(_jsonl(records, rng.choice(["\n", "\r\n"])))
    monkeypatch.setattr(stream, "_CHUNK_RECORDS", chunk)
    assert list(iter_threads(path)) == load_threads(path)


@pytest.mark.parametrize(
    "bad",
    [
        '{"thread": "a", "text": 5}',
        '{"thread": "a", "text": "x", "tags": 3}',
        '{"thread": "a", "text": "x", "number": -2}',
        '{"thread": 1.5, "text": "x"}',
        '{"thread": "a", "author": 3, "text": "x"}',
        '{"thread": "a"}',
        "[1]",
        '{"thread": "a", "text": "x"',
    ],
)
def test_the_index_pass_reports_a_bad_record_as_load_threads_does(tmp_path: Path, bad: str) -> None:
    lines = [json.dumps({"thread": "a" if n % 2 else "b", "text": PROSE[n % 4]}) for n in range(6)]
    lines.insert(4, bad)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError) as streamed:
        iter_threads(path)
    with pytest.raises(SourceError) as whole:
        load_threads(path)
    assert str(streamed.value) == str(whole.value) and ":5" in str(whole.value)
