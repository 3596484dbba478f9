"""Segmentation's shortcuts change nothing: a comment the whole-text tests let past line-by-line reading, or past
the search for signatures, trailers and patches, is segmented exactly as reading every line makes it, and what is
worked out for a whole text at once equals what was worked out piece by piece.

Work is counted (comments read line by line, comments classified), never timed. Every text is built here.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import pytest

import moderation_core.segmentation as segmentation
from moderation_core.segmentation import QuoteIndex, segment_thread
from moderation_core.segmentation.inline_quotes import _word_counts
from moderation_core.segmentation.mailparts import classify_parts
from moderation_core.segmentation.quoteindex import (
    _TYPOGRAPHIC,
    KEY_STRIP,
    fold,
    key_text,
    word_by_word_keys,
    word_keys,
)
from moderation_core.thread import Comment

PROSE = (
    "The nightly build of the packaging scripts stopped uploading artefacts after the mirror moved.",
    "Volunteer reviewers have been triaging these storage reports patiently every weekend since spring.",
    "Please attach the exact command line and the output of the failing step so others can follow.",
    "Rolling the signing keys twice a year keeps the release checklist honest for every maintainer.",
    "A -> B is how the migration goes, and x > y holds for every value we tried so far.",
    "Steps to reproduce:",
    "    > four spaces before the mark make this code, not a quote",
    "\u201cTypographic quotes\u201d and a non\u00a0breaking space, \u00abguillemets\u00bb too.",
    "",
)
# Lines that make a comment more than own text, each in a form the whole-text tests must not miss.
SPECIAL = (
    "> {quoted}",
    " > {quoted}",
    "   > {quoted}",
    ">> {quoted}",
    "  (In reply to Person 0 from comment #0)",
    "(In reply to Person 1 from comment #1)\n> {quoted}",
    "On Tue, 3 Mar 2026 at 10:12, Person 0 wrote:\n> {quoted}",
    "On Tue, 3 Mar 2026 at 10:12, Person 0\n<p0@example.invalid> wrote:\n> {quoted}",
    "Person 1 wrote:\n\n> {quoted}",
    "Quoting Person 0 (2026-03-03 10:12:00):\n> {quoted}",
    "* Person 0 <p0@example.invalid> [2026-03-03 10:12]:\n> {quoted}",
    "```diff\n--- a/setup.py\n+++ b/setup.py\n@@ -1,2 +1,2 @@\n-old\n+new\n context\n```",
    "```\nprint('fenced code, > not a quote')\n```",
    "~~~\nmore code\n~~~",
    "diff --git a/x b/x\nindex 1234567..89abcde 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b",
    "---\n a/file.c | 3 ++-\n 1 file changed, 2 insertions(+), 1 deletion(-)",
    "Signed-off-by: Person 0 <p0@example.invalid>\nReviewed-by: Person 1 <p1@example.invalid>",
    'Fixes: 0123456789ab ("Fix the thing")\nCc: person2@example.invalid',
    "-- \nPerson 0\nBuild team",
    "--\nSent from my phone",
    "You wrote {copied} and I do not agree with that at all.",
    '"{copied}" is not how we talk about volunteers here.',
)


def _comment_texts(rng: random.Random, count: int) -> list[str]:
    """``count`` comments of prose, most with a special line or two (quotes of the comment before, inline copies
    of its words, attributions, patches, signatures), some without any."""
    texts: list[str] = []
    for number in range(count):
        lines = [rng.choice(PROSE) for _ in range(rng.randint(1, 4))]
        if number and rng.random() < 0.8:
            earlier = [line for line in texts[-1].split("\n") if len(line.split()) >= 10] or [PROSE[0]]
            quoted = rng.choice(earlier).lstrip("> ")
            copied = " ".join(rng.choice(earlier).split()[1:10])
            for _ in range(rng.randint(1, 2)):
                special = rng.choice(SPECIAL).format(quoted=quoted, copied=copied)
                lines.insert(rng.randint(0, len(lines)), special)
        texts.append("\n".join(lines))
    return texts


Segmented = list[tuple[object, ...]]


def _segment(texts: list[str], **options: object) -> Segmented:
    comments = [Comment(number=n, text=text, author=f"Person {n % 3}") for n, text in enumerate(texts)]
    segment_thread(comments, **options)  # type: ignore[arg-type]
    return [(c.segments, c.reply_to, c.own_text, c.quotes) for c in comments]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts of the comments read line by line and of those searched for parts (signatures, patches ...)."""
    counts: Counter[str] = Counter()
    needs_reading = segmentation._needs_reading
    classify = classify_parts

    def counted_reading(text: str, verbatim: bool) -> bool:
        read = needs_reading(text, verbatim)
        counts["read" if read else "not read"] += 1
        return read

    def counted_classify(*args: object, **kwargs: object) -> list[str | None]:
        counts["classified"] += 1
        return classify(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(segmentation, "_needs_reading", counted_reading)
    monkeypatch.setattr(segmentation, "classify_parts", counted_classify)
    return counts


def _without_shortcuts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line read and every comment classified, as before the whole-text tests."""
    monkeypatch.setattr(segmentation, "_needs_reading", lambda text, verbatim: True)
    monkeypatch.setattr(segmentation, "may_have_parts", lambda text: True)


@pytest.mark.parametrize(
    "options",
    [{}, {"verbatim": True}, {"mail": True}, {"mail": True, "parents": {n: n - 1 for n in range(1, 6)}}],
    ids=["plain", "page-copy", "mail", "mail-replies"],
)
def test_shortcuts_segment_as_reading_every_line_does(
    monkeypatch: pytest.MonkeyPatch, counted: Counter[str], options: dict[str, object]
) -> None:
    rng = random.Random(12)
    threads = [_comment_texts(rng, rng.randint(1, 6)) for _ in range(150)]
    fast = [_segment(texts, **options) for texts in threads]
    if not options.get("verbatim"):  # a page copy reads every line: nothing is skipped there
        assert counted["not read"] > 100 and counted["read"] > 100  # both ways were taken
    assert 0 < counted["classified"] < sum(map(len, threads))  # some comments skipped the search for parts
    _without_shortcuts(monkeypatch)
    assert fast == [_segment(texts, **options) for texts in threads]


@pytest.mark.parametrize("special", SPECIAL)
def test_every_special_line_is_seen_after_prose(special: str) -> None:
    # The special line second, and first: a quote mark or header at the start of the text is no line end away.
    earlier = f"{PROSE[0]}\n{PROSE[1]}"
    quoted, copied = PROSE[1], " ".join(PROSE[0].split()[1:10])
    for text in (f"{PROSE[2]}\n{special}", special):
        texts = [earlier, text.format(quoted=quoted, copied=copied)]
        reading = _segment(texts)
        with pytest.MonkeyPatch.context() as patch:
            _without_shortcuts(patch)
            assert reading == _segment(texts)


def test_plain_comments_are_neither_read_line_by_line_nor_classified(counted: Counter[str]) -> None:
    plain = [f"{PROSE[n % 5]}\n\n{PROSE[(n + 1) % 5]}\n{PROSE[6]}" for n in range(200)]
    quoting = [f"{PROSE[3]}\n  > {PROSE[0]}", f"(In reply to Person 0 from comment #0)\n{PROSE[2]}"]
    with_parts = [f"{PROSE[3]}\n-- \nPerson 1", f"{PROSE[2]}\n```\ncode\n```"]
    for text in plain + quoting + with_parts:
        segment_thread([Comment(number=0, text=text, author="Person 1")])
    assert counted["read"] == len(quoting)
    assert counted["not read"] == len(plain) + len(with_parts)
    assert counted["classified"] == len(with_parts)


# Characters where working a whole text out at once could differ from word by word: case folding that grows
# (ß, ﬃ) or depends on context in other functions (final sigma), dotted capitals, typographic quotes and spaces,
# every character stripped from keys, and a lone surrogate.
TRICKY = (
    "aZ9 \u00df\ufb03\u03a3\u03c3\u03c2\u0130\u00e9\u2018\u2019\u201c\u201d\u00ab\u00bb\u00a0\u2007\u202f\ud800"
    + KEY_STRIP
)


def _tricky_words(rng: random.Random) -> list[str]:
    words = ["".join(rng.choice(TRICKY) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(0, 8))]
    return [word for word in (" ".join(words)).split()]


def test_fold_replaces_only_what_the_text_holds_as_translate_does() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(rng.choice(TRICKY + "\n") for _ in range(rng.randint(0, 30)))
        assert fold(text) == text.translate(_TYPOGRAPHIC)


def test_keys_of_all_words_at_once_are_the_keys_word_by_word() -> None:
    rng = random.Random(4)
    for _ in range(2000):
        words = _tricky_words(rng)
        assert word_by_word_keys(words) == [key_text(word) for word in words]


@pytest.mark.parametrize("plain", [True, False])
def test_word_counts_of_all_lines_at_once_are_those_line_by_line(plain: bool) -> None:
    rng = random.Random(5)
    count: Callable[[str], int] = (lambda line: len(line.split())) if plain else (lambda line: len(word_keys(line)))
    for _ in range(1000):
        lines = [" ".join(_tricky_words(rng)) for _ in range(rng.randint(1, 5))]
        assert _word_counts(lines, plain) == [count(line) for line in lines]


LINE = "Backups of the build farm have not run since the migration to the new cluster."


def test_index_made_when_first_searched_answers_as_one_filled_at_once() -> None:
    # Looked up after every comment, and once after all of them: the same answers, the first comment holding a
    # line keeps it, and a comment number added again is searched in its latest text.
    texts = [f"{LINE}\nFirst own words here.", f"Second comment.\n{LINE}", "Replaced text of comment zero, quite long."]
    numbers = [0, 1, 0]
    step, whole = QuoteIndex(), QuoteIndex()
    for number, text in zip(numbers, texts):
        step.add(number, text, f"Person {number}")
        assert step.find(LINE) == 0
        whole.add(number, text, f"Person {number}")
    assert whole.find(LINE) == step.find(LINE) == 0
    for index in (step, whole):
        assert index.contains(0, "Replaced text of comment zero, quite long.")
        assert not index.contains(0, "First own words here.")
        assert index.contains_words(1, ["second", "comment"])
        assert index.size(0) == 7
