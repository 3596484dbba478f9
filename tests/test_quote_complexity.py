"""Quote recognition stays linear on its worst cases, and is still right on them.

No time is measured (machines differ): the quote index counts its work (characters read by plain searches, texts
indexed, characters compared where the index pointed), and four times the input must cost at most five times the
work. Reading an earlier comment in full for every quoted line, as before, costs sixteen times the work at four
times the size, so these tests fail on a quadratic search. Every thread is built here, in code.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from moderation_core import segmentation
from moderation_core.segmentation import quoteindex
from moderation_core.segmentation.quoteindex import (
    MAX_PLACES,
    READS_BEFORE_INDEX,
    SCAN_CHARS,
    SUFFIX_CHARS,
    QuoteIndex,
    SearchableText,
    SearchWork,
)
from moderation_core.thread import Comment

VOCABULARY = "storage daemon checksum mismatch flushing segment replica journal quorum leader follower snapshot".split()
REPEATED_LINE = "the build farm in the basement is down again and nobody knows why"
Build = Callable[[int], list[str]]  # the comments of a thread of a given size


def _line(rng: random.Random, number: int) -> str:
    # A small vocabulary: every word of a line recurs all over the comment, so only whole phrases tell lines apart.
    return f"Line {number}: the " + " ".join(rng.choice(VOCABULARY) for _ in range(8)) + f" near offset {number * 7}."


def _lines(size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [_line(rng, number) for number in range(size)]


def _segment(
    monkeypatch: pytest.MonkeyPatch, texts: list[str], *, verbatim: bool = False
) -> tuple[list[Comment], SearchWork]:
    """The comments segmented as an importer does, and the work their quote index counted."""
    made: list[QuoteIndex] = []

    def counted_index() -> QuoteIndex:
        made.append(QuoteIndex())
        return made[-1]

    monkeypatch.setattr(segmentation, "QuoteIndex", counted_index)
    comments = [Comment(number=number, text=text, author=f"Person {number}") for number, text in enumerate(texts)]
    segmentation.segment_thread(comments, verbatim=verbatim)
    assert len(made) == 1
    return comments, made[0].work


def _growth(monkeypatch: pytest.MonkeyPatch, build: Build, size: int, **options: bool) -> float:
    _, small = _segment(monkeypatch, build(size), **options)
    _, large = _segment(monkeypatch, build(4 * size), **options)
    assert small.total > 0
    return large.total / small.total


def prefixed_reply(size: int) -> list[str]:
    lines = _lines(size, 1)
    return ["\n".join(lines), "(In reply to Person 0 from comment #0)\n" + "\n".join(f"> {line}" for line in lines)]


def rewrapped_reply(size: int) -> list[str]:
    # A page copy of a reply whose quote Bugzilla wrapped anew (and whose "> " the copy lost): no quoted line is a
    # whole line of comment 0, so each is looked for in its text.
    lines = _lines(size, 6)
    halves = []
    for line in lines:
        words = line.split()
        halves += [" ".join(words[:6]), " ".join(words[6:])]
    return ["\n".join(lines), "(In reply to Person 0 from comment #0)\n" + "\n".join(halves)]


def page_copy_reply(size: int) -> list[str]:
    # A page copy loses the "> ": each line is looked for in the comment the reply header names.
    lines = _lines(size, 2)
    return ["\n".join(lines), "(In reply to Person 0 from comment #0)\n" + "\n".join(lines)]


def inline_reply(size: int) -> list[str]:
    lines = _lines(size, 3)
    reply = [f"You wrote {' '.join(line.split()[2:12])} and I disagree ({n})." for n, line in enumerate(lines)]
    return ["\n".join(lines), "\n".join(reply)]


def chain(size: int) -> list[str]:
    # A vocabulary of a few hundred words: with a dozen, five-word phrases of unrelated comments would meet by
    # chance more often the longer the thread, and every such meeting is rightly checked.
    rng = random.Random(4)
    syllables = "ka lo mi ren tu sa vel dor an pi que zo ber li nat os fe gru hal tin".split()
    vocabulary = [a + b for a in syllables for b in syllables]
    texts: list[str] = []
    for number in range(size):
        own = [" ".join(rng.choice(vocabulary) for _ in range(12)) + "." for _ in range(3)]
        if texts:
            before = texts[-1].split("\n")
            called_out = " ".join(before[-2].split()[2:11])
            header = f"(In reply to Person {number - 1} from comment #{number - 1})"
            own = [header, f"> {before[-1]}", "", f'You said "{called_out}" and that is wrong.', *own]
        texts.append("\n".join(own))
    return texts


def repeated_lines(size: int) -> list[str]:
    # Every line and every phrase of comment 0 recurs `size` times; half the reply's lines were edited.
    edited = REPEATED_LINE.replace(" is ", " was ")
    reply = "\n".join(REPEATED_LINE if n % 2 else edited for n in range(size))
    return ["\n".join([REPEATED_LINE] * size), f"(In reply to Person 0 from comment #0)\n{reply}"]


def one_long_line(size: int) -> list[str]:
    rng = random.Random(5)
    syllables = "ka lo mi ren tu sa vel dor an pi que zo ber li nat os fe gru hal tin".split()
    words = ["".join(rng.choice(syllables) for _ in range(3)) for _ in range(size)]
    callouts = " ".join(f"so {' '.join(words[at : at + 9])} indeed" for at in range(0, size - 9, 40))
    return [" ".join(words), callouts]


def ok_lines(size: int) -> list[str]:
    return ["\n".join(["ok"] * size), "(In reply to Person 0 from comment #0)\n" + "\n".join(["ok"] * size)]


@pytest.mark.parametrize(
    ("build", "size", "verbatim"),
    [
        (prefixed_reply, 1500, False),
        (rewrapped_reply, 1500, True),
        (page_copy_reply, 1500, True),
        (inline_reply, 1500, False),
        (chain, 300, False),
        (repeated_lines, 1500, True),
        (one_long_line, 20_000, False),
        (ok_lines, 20_000, True),
    ],
)
def test_four_times_the_input_costs_at_most_five_times_the_work(
    monkeypatch: pytest.MonkeyPatch, build: Build, size: int, verbatim: bool
) -> None:
    assert _growth(monkeypatch, build, size, verbatim=verbatim) <= 5


def test_the_work_count_sees_a_quadratic_search(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the index (no text is ever long enough for it), every quoted line reads comment 0 up to that line,
    # as before: the work counted grows sixteenfold, so the test above would fail.
    monkeypatch.setattr(quoteindex, "SCAN_CHARS", 10**12)
    assert _growth(monkeypatch, rewrapped_reply, 1500, verbatim=True) > 12


def test_every_line_quoted_with_a_prefix_is_a_quote_of_the_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    original, reply = _segment(monkeypatch, prefixed_reply(3000))[0]
    assert reply.own_text == ""
    assert {quote.comment for quote in reply.quotes} == {0}
    assert "\n".join(quote.text for quote in reply.quotes) == original.text


def test_rewrapped_quoted_lines_are_all_found_in_the_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    original, reply = _segment(monkeypatch, rewrapped_reply(3000), verbatim=True)[0]
    assert reply.own_text == ""
    assert [quote.comment for quote in reply.quotes] == [0]
    assert reply.quotes[0].text.split() == original.text.split()


def test_every_line_of_a_page_copy_is_found_in_the_comment_it_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    original, reply = _segment(monkeypatch, page_copy_reply(3000), verbatim=True)[0]
    assert reply.own_text == ""
    assert [quote.comment for quote in reply.quotes] == [0]
    assert reply.quotes[0].text == original.text


def test_every_phrase_repeated_inside_a_line_is_a_quote_and_the_rest_stays_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = inline_reply(3000)
    reply = _segment(monkeypatch, texts)[0][1]
    expected = [" ".join(line.split()[2:12]) for line in texts[0].split("\n")]
    assert [(quote.comment, quote.text) for quote in reply.quotes] == [(0, phrase) for phrase in expected]
    assert reply.own_text.split("\n") == [f"You wrote and I disagree ({n})." for n in range(3000)]


def test_a_chain_of_replies_credits_each_quote_to_the_comment_before(monkeypatch: pytest.MonkeyPatch) -> None:
    comments = _segment(monkeypatch, chain(600))[0]
    for before, comment in zip(comments, comments[1:]):
        lines = before.text.split("\n")
        called_out = " ".join(lines[-2].split()[2:11])
        expected = [(before.number, lines[-1]), (before.number, f'"{called_out}"')]
        assert [(quote.comment, quote.text) for quote in comment.quotes] == expected
        assert comment.own_text.split("\n")[0] == "You said and that is wrong."


def test_repeated_lines_are_quotes_and_edited_ones_stay_own(monkeypatch: pytest.MonkeyPatch) -> None:
    reply = _segment(monkeypatch, repeated_lines(3000), verbatim=True)[0][1]
    edited = REPEATED_LINE.replace(" is ", " was ")
    assert reply.own_text.split("\n") == [edited] * 1500
    assert len(reply.quotes) == 1500
    assert {(quote.comment, quote.text) for quote in reply.quotes} == {(0, REPEATED_LINE)}


def test_phrases_called_out_of_one_long_line_are_all_found(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = one_long_line(40_000)
    reply = _segment(monkeypatch, texts)[0][1]
    words = texts[0].split()
    assert [quote.text for quote in reply.quotes] == [" ".join(words[at : at + 9]) for at in range(0, 40_000 - 9, 40)]
    assert set(reply.own_text.split()) == {"so", "indeed"}


# The search itself: through the sorted suffixes, the answers are those of plain str.find.


def _indexed(text: str) -> SearchableText:
    searchable = SearchableText(text, SearchWork())
    searchable.read = READS_BEFORE_INDEX * len(text) + 1  # as if read over and over: the next search sorts
    return searchable


def _random_text(rng: random.Random, words: list[str], size: int) -> str:
    return " ".join(rng.choice(words) for _ in range(size))


def _word_starts_with(text: str, probe: str) -> int:
    """At the start of how many words ``text`` goes on with ``probe``."""
    word_starts = [0, *(position + 1 for position, char in enumerate(text) if char == " ")]
    return sum(1 for start in word_starts if text.startswith(probe, start))


def _phrases(rng: random.Random, text: str, words: list[str]) -> list[str]:
    """Pieces of the text cut anywhere (inside words too), and phrases of its words that may not be in it."""
    found = []
    for _ in range(40):
        start = rng.randrange(len(text))
        found.append(text[start : start + rng.randrange(1, 60)].strip())
        found.append(" ".join(rng.choice(words) for _ in range(rng.randrange(1, 8))))
    return [phrase for phrase in found if phrase]


@pytest.mark.parametrize("seed", range(12))
def test_indexed_search_answers_as_str_find(seed: int) -> None:
    rng = random.Random(seed)
    words = [rng.choice(["a", "ab", "abc", "b", "ba", "c", "cab", "x.", '"q'] + VOCABULARY) for _ in range(8)]
    text = _random_text(rng, words, SCAN_CHARS // 2)
    assert len(text) > SCAN_CHARS
    searchable = _indexed(text)
    for phrase in _phrases(rng, text, words):
        assert searchable.holds(phrase) == (phrase in text), phrase
        expected = []
        position = text.find(phrase)
        while position >= 0 and len(expected) < 50:
            expected.append(position)
            position = text.find(phrase, position + 1)
        # In order, as str.find gives them, unless the phrase after its first word stands at the start of
        # more than MAX_PLACES words (then some occurrences only, in no order: the documented cap).
        if " " in phrase and _word_starts_with(text, phrase.partition(" ")[2][:SUFFIX_CHARS]) <= MAX_PLACES:
            assert list(searchable.occurrences(phrase))[:50] == expected, phrase
    assert searchable.suffixes is not None  # the phrases were looked up through the index


def test_a_long_text_is_indexed_only_once_reading_it_has_cost_enough() -> None:
    text = "words of a long report " * (SCAN_CHARS // 10)
    searchable = SearchableText(text, SearchWork())
    assert searchable.holds("report words of")
    assert searchable.suffixes is None  # found at the start: reading cost nothing much
    for _ in range(READS_BEFORE_INDEX + 2):
        assert not searchable.holds("words of a short report")
    assert searchable.suffixes is not None
    assert searchable.holds("report words of") and not searchable.holds("words of a short report")
    short = SearchableText("a short comment, read every time", SearchWork())
    for _ in range(100):
        assert short.holds("read every")
    assert short.suffixes is None
