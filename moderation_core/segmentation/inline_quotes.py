"""Quotes inside lines: words copied from an earlier comment and set into the replier's own sentence.

Moderators (and everyone else) call a comment out by quoting it: ``"The release team is asleep at the wheel"
is not how we talk about volunteers here.`` Line-based quote detection cannot see that: the line holds the
replier's words too. Here the own lines of a comment are read as a stream of words, and a stretch of them is
a quote of an earlier comment when

1. at least ``MIN_RUN_WORDS`` (8) consecutive words reproduce that comment, anywhere in either comment; or
2. it is a whole sentence of 5 to 7 words in the quoting comment and a whole sentence of the earlier one too
   (a sentence ends after a word ending in . ! ? or :, or at the end of a paragraph); or
3. it is set in quotation marks in the quoting comment (from a word opening a quotation to the next word
   closing one), has at least 5 words, and reproduces words of the earlier comment anywhere in it;

and always:

* it is verbatim: the earlier comment holds the same text, whitespace and typographic quotes aside, except at
  the stretch's two ends, where quotation marks, brackets and punctuation are not compared (the quoter's
  marks, the comma where copying stopped) and the first letter may change case. Scare quotes added inside,
  or punctuation changed, make it an edited text that stays own;
* it has enough *distinctive* words: different words of at least three letters, not on the stop-list
  ``STOP_WORDS`` and not capitalised inside a sentence (names): at least 3, or 2 when set in quotation marks.
  Everyday phrases recur by chance ("thanks for the quick reply", "let me know if you need anything else", "I
  can reproduce this on the latest nightly", "please let me know if you have any questions") and are made of
  stop-list words, so they never become quotes; names recur all over the thread about them ("Quillstone Root
  CA R2 for public web use" in two comments is chance); a sentence copied to call it out says something in
  words of its own ("release team", "asleep", "wheel");
* the earlier comment is by someone else: an author repeating their own earlier words is still speaking
  (an updated report reuses its timeline), and a comment is never a quote of itself.

A quote takes whole words, with the quotation marks and punctuation attached to them: ``"...wheel",`` goes to
the quote, the replier's words around it stay own. Where the earlier comment goes on with a word the quoter
happens to use too ("wheel and" / "wheel, and I disagree"), the stretch ends at the quoter's punctuation. The
earliest comment that holds the whole stretch is credited, so a quote of a quote goes to the original.

Cost: all own words of a comment are hashed into five-word shingles and looked up at once, in C, sharing the
work with the index (which needs the same hashes); only runs of known shingles are then read word by word,
and checked against the one or few comments those shingles point at; a check costs time in the words checked,
not in the length of the earlier comment (:class:`.quoteindex.SearchableText`). Nothing depends on the length
of the thread, and a budget of checks that grows with the comment's length (MAX_CHECKS plus
CHECKS_PER_WORD a word) keeps a hostile comment linear while a long one quoting line after line has all its
quotes found.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, groupby, repeat
from operator import is_not
from typing import NamedTuple, cast

from moderation_core.segmentation.quoteindex import (
    KEY_STRIP,
    PUNCTUATION_WORD,
    SHINGLE_WORDS,
    QuoteIndex,
    ends_sentence,
    fold,
    key_text,
    keyed_words,
    shingles,
    word_by_word_keys,
    word_keys,
)

MIN_RUN_WORDS = 8
MIN_SENTENCE_WORDS = 5
MIN_QUOTED_WORDS = 5
MIN_DISTINCTIVE = 3
MIN_DISTINCTIVE_QUOTED = 2
# A quotation-mark span is looked for this many words past its opening mark.
MAX_QUOTED_WORDS = 80
# At most this many candidate comments are tried for one stretch, and at most MAX_CHECKS containment checks (or
# runs of known shingles) plus one a word are looked at in one comment: a hostile comment stitched from
# thousands of others costs time in its length only, and a long one quoting line after line still has all its
# quotes found (each check costs time in the words checked, see quoteindex.SearchableText).
MAX_CANDIDATES = 4
MAX_CHECKS = 2000
CHECKS_PER_WORD = 1
# A quote's words are all within a run of known shingles, so a paragraph is read closely only there; a
# hostile run is cut into pieces of this many words.
MAX_WINDOW_WORDS = 5000

_RUN = re.compile(rb"\x01+")
_FOUR_HITS = b"\x01" * (MIN_RUN_WORDS - SHINGLE_WORDS + 1)
# A word whose punctuation before its first letter holds a quotation mark ('"The', '("The', '*“the'), as the
# word that opens a quotation does (rule 3).
_OPENING_MARK = re.compile(
    "(?<!\\S)[" + re.escape(KEY_STRIP.replace('"', "").replace("'", "")) + "]{0,10}"
    "[\"'\u2018\u2019\u201a\u201b\u2032\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]"
)
_KNOWN = partial(is_not, None)  # an owner that is a comment number (0 too)
# Stands for a line that is not own text when all own text is hashed at once: no word has this key, so no
# shingle runs across a quote.
_BREAK = "\x00"
_WORDS = re.compile(r"\S+")
_QUOTE_SET = frozenset("\"'")

# Function words and the stock vocabulary of replies and bug reports: words that two people use for different
# things every day. As keys: lower case, without apostrophes ("dont").
STOP_WORDS = frozenset(
    """
    a about above after again against all almost also although always am among an and another any anybody
    anyone anything anyway anywhere are around as at away back be because been before being below between both
    but by can cannot could did do does doing done down during each either else enough even ever every
    everybody everyone everything few for from further get gets getting got had has have having he her here
    hers herself him himself his how however i if in into is it its itself just least less let lets like
    likely made make makes many may maybe me might mine more most much must my myself need needed needs neither
    never no nobody none nor not nothing now of off often on once one only onto or other others otherwise our
    ours ourselves out over own per perhaps please quite rather really same see seem seems several shall she
    should since so some somebody someone something sometimes still such sure than that the their theirs them
    themselves then there these they thing things think this those though through thus to too toward towards
    under until up upon us very via was way we well were what whatever when where whether which while who whom
    whose why will with within without would yes yet you your yours yourself yourselves

    able actually again ago already anyway ask asked asking bit check checked come comes coming could day days
    different done enough etc example first give given go goes going good great guess happy help hello hey hi
    hope idea info information issue issues keep kind know known last later latest let look looked looking
    looks lot lots new next nice nightly note ok okay once probably problem problems question questions quick
    quickly reply replied report reported reproduce reproduced reproducible repro right said say says see seen
    soon sorry start state step steps take taken tell thank thanks thx time times today tomorrow true try
    tried trying two update updated use used using version want wanted week welcome work worked working works
    wrong yeah yesterday

    arent cant couldnt didnt doesnt dont hadnt hasnt havent hes id im isnt ive lets shes shouldnt thats theres
    theyre theyve wasnt weve werent whats wont wouldnt youd youll youre youve
    """.split()
)


class InlineQuote(NamedTuple):
    """Words of own lines that reproduce comment ``comment``: from line ``start_line`` at character
    ``start_char`` to line ``end_line`` before character ``end_char``."""

    start_line: int
    start_char: int
    end_line: int
    end_char: int
    comment: int


@dataclass(slots=True)
class InlineResult:
    """The inline quotes of a comment, and the word keys of its own lines and the hashes of their shingles
    that no earlier comment held, which the quote index takes as they are (every comment is keyed, hashed and
    looked up once, for both jobs)."""

    quotes: list[InlineQuote]
    keys: list[str] | None = None
    fresh: Collection[int] | None = None  # a list of all the hashes, when no earlier comment held any
    written: str | None = None  # the own lines as written, where quotes were cut out of them
    keyed: str | None = None  # the text whose word keys ``keys`` are (for the index)


def find_inline_quotes(
    lines: Sequence[str] | None,
    own: Sequence[bool] | None,
    index: QuoteIndex,
    number: int | None,
    text: str | None = None,
    author: str | None = None,
) -> InlineResult:
    """Quotes of earlier comments inside the own lines of a comment (``own[i]`` says whether line ``i`` is
    own text; ``text`` is the lines joined, when all are own), in text order, never overlapping, never of
    comment ``number`` itself nor of an earlier comment by the same ``author``: words an author repeats from
    their own comment are still their own (an updated report reuses its timeline). With ``text`` given, ``own``
    may be None (every line is own) and ``lines`` too: they are split from ``text`` only if needed.

    All the own text is hashed and looked up at once, in C: most comments share no shingle with an earlier
    one, and that settles them. In the others only the runs of known shingles are read word by word.
    """
    if text is None:
        assert lines is not None and own is not None
        # A line that is not own text stands as one word no other comment has, so no shingle spans it.
        brk = f"{_BREAK}{number}"
        text = "\n".join(line if is_own else brk for line, is_own in zip(lines, own))
    keys = word_keys(text)
    hashes = list(map(hash, shingles(keys)))
    if index.knows_none(hashes):
        return InlineResult([], keys, hashes, None, text)  # nothing here was written before (most comments)
    distinct = set(hashes)
    fresh = index.unknown(distinct)
    if len(fresh) == len(distinct):
        return InlineResult([], keys, fresh, None, text)  # nothing here was written before
    if own is None:  # all own, and some of it written before: the lines are needed now
        lines = text.split("\n") if lines is None else lines
        own = [True] * len(lines)
    assert lines is not None
    if not _worth_reading(lines, own, text, keys, hashes, distinct - fresh):
        return InlineResult([], keys, fresh, None, text)  # nothing that can be a quote
    quotes = _quotes(lines, own, text, keys, index.owners(hashes), index, number, author)
    return InlineResult(quotes, keys, fresh, None, text)


def _worth_reading(
    lines: Sequence[str], own: Sequence[bool], text: str, keys: list[str], hashes: list[int], known: set[int]
) -> bool:
    """Could one of the rules hold where ``hashes`` are ``known`` (held by an earlier comment)?

    A thread shares its vocabulary, so a shingle or two recur by chance in many comments; reading those word by
    word would cost more than all the rest. A quote needs four known shingles in a row (rule 1), or a
    quotation mark opening a word (rule 3), or known shingles covering a sentence of 5 to 7 words (rule 2;
    here any line end counts as a possible sentence end, so nothing is missed).
    """
    hits = bytes(map(known.__contains__, hashes))
    if _FOUR_HITS in hits or _OPENING_MARK.search(text):
        return True
    words = fold(text).split()
    plain = len(words) == len(keys)  # no word of punctuation alone: a line's words are its split, in C
    if not plain:
        words = keyed_words(text)
    counts = _word_counts(lines, plain)
    if not all(own):
        counts = [count if is_own else 1 for count, is_own in zip(counts, own)]
    line_ends = set(accumulate(counts))  # the word after each line's last one
    count = len(words)

    def ends(position: int) -> bool:
        word = words[position]
        return position + 1 in line_ends or (word[-1] in KEY_STRIP and ends_sentence(word))

    for match in _RUN.finditer(hits):
        covered = match.end() + SHINGLE_WORDS - 1
        for start in range(match.start(), match.end()):
            if start and not ends(start - 1):
                continue
            end = start + 1
            while end < count and not ends(end - 1) and end - start < MIN_RUN_WORDS:
                end += 1
            if MIN_SENTENCE_WORDS <= end - start < MIN_RUN_WORDS and end <= covered:
                return True
    return False


@dataclass(slots=True)
class _Stream:
    """The words of a comment's own text that have a key (as written, typographic quotes folded), their keys,
    the first comment to hold each shingle, and what is needed to place them in the lines and to tell where
    paragraphs end (before a blank line, a line that is not own text, or the end); those two are worked out
    only when asked for (most comments with a known shingle hold no quote)."""

    words: list[str]
    keys: list[str]
    owners: list[int | None]
    lines: Sequence[str]
    own: Sequence[bool]
    # All whitespace-separated words, punctuation alone included ("(=", ":"), and where each keyed word is
    # among them (None: nowhere else than at its own place, the text has no word of punctuation alone).
    all_words: list[str]
    places: list[int] | None
    author: str | None
    _layout: tuple[list[int], set[int]] | None = None

    @property
    def line_starts(self) -> list[int]:
        return self.layout()[0]

    def layout(self) -> tuple[list[int], set[int]]:
        if self._layout is None:
            self._layout = _layout(self.lines, self.own, self.places is None)
        return self._layout

    def ends_sentence(self, position: int) -> bool:
        word = self.words[position]  # mostly ends in a letter, and then ends no sentence: no call
        return (word[-1] in KEY_STRIP and ends_sentence(word)) or position in self.layout()[1]


def _quotes(
    lines: Sequence[str],
    own: Sequence[bool],
    text: str,
    keys: list[str],
    owners: list[int | None],
    index: QuoteIndex,
    number: int | None,
    author: str | None,
) -> list[InlineQuote]:
    """The quotes of a comment with known shingles. A quote's shingles are all known, so only runs of them are
    read: rule 1 first, then rules 2 and 3 where rule 1 found nothing."""
    if number in owners:  # a comment is never a quote of itself (in case its number was indexed before)
        owners = [None if owner == number else owner for owner in owners]
    all_words = fold(text).split()
    if len(all_words) == len(keys):  # no word of punctuation alone: the common case, without a regex
        words, places = all_words, None
    else:
        words = keyed_words(text)
        places = [n for n, key in enumerate(word_by_word_keys(all_words)) if key]
    stream = _Stream(words, keys, owners, lines, own, all_words, places, author)
    hits = bytes(map(is_not, owners, repeat(None)))
    found: list[tuple[int, int, int]] = []
    budget = [MAX_CHECKS + CHECKS_PER_WORD * len(keys)]
    for match in _RUN.finditer(hits):
        for run_start in range(match.start(), match.end(), MAX_WINDOW_WORDS):
            if budget[0] <= 0:
                break
            budget[0] -= 1  # a run costs a check too: a comment of a hundred thousand chance runs stays cheap
            first = run_start
            last = min(match.end(), run_start + MAX_WINDOW_WORDS) + SHINGLE_WORDS - 1  # the words covered
            whole = _resolve_run(stream, first, last, index, budget) if last - first >= MIN_RUN_WORDS else []
            if not (whole and whole[0][:2] == (first, last)):
                whole += _sentence_quotes(stream, first, last, index, budget)
                whole += _marked_quotes(stream, first, last, index, budget)
            found += whole
    spans: dict[int, list[tuple[int, int]]] = {}  # per line, read once however many quotes it holds
    return [_place(stream, lines, spans, *quote) for quote in _without_overlaps(found)]


def _layout(lines: Sequence[str], own: Sequence[bool], plain: bool) -> tuple[list[int], set[int]]:
    """Where each line's words start in the stream (a line that is not own text is one word), and the words
    that end a paragraph. ``plain``: the text has no word of punctuation alone, so a line's words are its
    whitespace-separated words (counted in C)."""
    counts = _word_counts(lines, plain)
    if all(own):
        breaks = [number for number, count in enumerate(counts) if not count]
        others: list[int] = []
    else:
        counts = [count if is_own else 1 for count, is_own in zip(counts, own)]
        breaks = [number for number, is_own in enumerate(own) if not is_own or not counts[number]]
        others = [number for number, is_own in enumerate(own) if not is_own]
    starts = [0, *accumulate(counts)]
    # The word before a break ends a paragraph, and so does the one word a line that is not own text stands
    # as, so that the first own word after a quote starts a sentence.
    ends = {starts[number] - 1 for number in breaks if starts[number]} | {starts[number] for number in others}
    if starts[-1]:
        ends.add(starts[-1] - 1)
    return starts[:-1], ends


def _word_counts(lines: Sequence[str], plain: bool) -> list[int]:
    """How many words each line has: its whitespace-separated words when ``plain`` (no word of punctuation
    alone in the text), else its words that have a key (``len(word_keys(line))``), from the keys of all the
    lines at once: key_text takes character by character and keeps the line ends."""
    if plain:
        return list(map(len, map(str.split, lines)))
    return list(map(len, map(str.split, key_text("\n".join(lines)).split("\n"))))


def _short_sentence_at(stream: _Stream, start: int, limit: int) -> int | None:
    """The end of the sentence of 5 to 7 words that starts at word ``start`` and ends by word ``limit``
    (exclusive), or None (rule 2). A sentence ends after a word ending in . ! ? or : and at the end of a
    paragraph."""
    if start and not stream.ends_sentence(start - 1):
        return None
    end = start + 1
    count = len(stream.words)
    while end < count and not stream.ends_sentence(end - 1) and end - start < MIN_RUN_WORDS:
        end += 1
    return end if MIN_SENTENCE_WORDS <= end - start < MIN_RUN_WORDS and end <= limit else None


def _candidates(owners: list[int | None], first: int, last: int) -> list[int]:
    """Comments that may hold words ``first``..``last``: the owners of its shingles, earliest first."""
    found = {owner for owner in owners[first : last - SHINGLE_WORDS + 1] if owner is not None}
    return sorted(found)[:MAX_CANDIDATES]


def _resolve_run(
    stream: _Stream, first: int, last: int, index: QuoteIndex, budget: list[int]
) -> list[tuple[int, int, int]]:
    """Quotes of 8 words or more in a run of known shingles covering words ``first``..``last`` (rule 1).

    A run may hold more than a quote: words that continue it by chance, or pieces of several comments. So
    quotes are grown from the longest stretch of shingles that one comment was first to hold, as far as that
    comment holds the words, and credited to the earliest comment that holds them all; what is left of the
    run on either side is looked at the same way. Each step takes at least five words out, and every check
    counts against ``budget``.
    """
    keys, owners = stream.keys, stream.owners
    found: list[tuple[int, int, int]] = []
    pending = [(first, last)]
    while pending and budget[0] > 0:
        low, high = pending.pop()
        if high - low < MIN_RUN_WORDS:
            continue
        start, end, comment = _core(owners, low, high)
        budget[0] -= 1
        if index.contains_words(comment, keys[start:end]):
            end = _reach_right(keys, start, end, high, comment, index, budget)
            start = _reach_left(keys, low, start, end, comment, index, budget)
            holder = _earliest_holder(keys, owners, start, end, comment, index, budget)
            # The words one comment holds may go a word or two further than the copy did ("wheel, and" where
            # the comment has "wheel and"): the stretch a little shorter at either end is tried too. One
            # that is not verbatim even so was edited (scare quotes added or dropped): it stays own text.
            if end - start >= MIN_RUN_WORDS and _acceptable(stream, start, end, holder, index):
                found.append((start, end, holder))  # mostly, the stretch as found is the quote
            else:
                for first_word, last_word in _trimmed(stream, start, end)[1:]:
                    if _acceptable(stream, first_word, last_word, holder, index):
                        found.append((first_word, last_word, holder))
                        break
        pending += [(low, start), (end, high)]
    return found


def _trimmed(stream: _Stream, start: int, end: int) -> list[tuple[int, int]]:
    """The stretch, then up to two words shorter at either end where the quoter's punctuation marks a break
    (the copy stopped at "wheel,"); longest first, never under MIN_RUN_WORDS words. Cutting at a plain word
    would turn an edited copy ("about intent" for "about "intent"") into a verbatim one."""
    words = stream.words
    shapes = [(start, end)]
    for left in range(3):
        if left and not (_tail(words[start + left - 1]) or _head(words[start + left])):
            break
        for right in range(3):
            if right and not _tail(words[end - right - 1]):
                break
            shapes.append((start + left, end - right))
    return sorted(
        (shape for shape in dict.fromkeys(shapes) if shape[1] - shape[0] >= MIN_RUN_WORDS),
        key=lambda shape: shape[0] - shape[1],
    )


def _tail(word: str) -> str:
    """The punctuation after a word's last letter."""
    return word[len(word.rstrip(KEY_STRIP)) :]


def _head(word: str) -> str:
    """The punctuation before a word's first letter."""
    return word[: len(word) - len(word.lstrip(KEY_STRIP))]


def _core(owners: list[int | None], low: int, high: int) -> tuple[int, int, int]:
    """The words of the longest stretch of consecutive shingles in ``low``..``high`` (words) that one comment
    was the first to hold, and that comment."""
    stretch = owners[low : high - SHINGLE_WORDS + 1]
    if stretch.count(stretch[0]) == len(stretch) and stretch[0] is not None:  # mostly: one comment, all of it
        return low, high, stretch[0]
    best = (low, low + SHINGLE_WORDS, -1)  # a run's shingles all have an owner: this is always replaced
    position = low
    for owner, group in groupby(stretch):
        length = sum(1 for _ in group)
        if owner is not None and (best[2] < 0 or length + SHINGLE_WORDS - 1 > best[1] - best[0]):
            best = (position, position + length + SHINGLE_WORDS - 1, owner)
        position += length
    return best


def _reach_right(
    keys: list[str], start: int, end: int, high: int, comment: int, index: QuoteIndex, budget: list[int]
) -> int:
    """How far right of ``end`` (up to ``high``) comment ``comment`` still holds words ``start``..: one word
    more is tried first (mostly the stretch is the quote already), then a binary search, since a comment that
    holds a phrase holds every prefix of it."""
    top = min(high, start + index.size(comment))
    if end >= top or budget[0] <= 0:
        return end
    budget[0] -= 1
    if not index.contains_words(comment, keys[start : end + 1]):
        return end
    low = end + 1
    while low < top and budget[0] > 0:
        middle = (low + top + 1) // 2
        budget[0] -= 1
        if index.contains_words(comment, keys[start:middle]):
            low = middle
        else:
            top = middle - 1
    return low


def _reach_left(
    keys: list[str], bottom: int, start: int, end: int, comment: int, index: QuoteIndex, budget: list[int]
) -> int:
    """How far left of ``start`` (down to ``bottom``) comment ``comment`` still holds words ..``end``."""
    low = max(bottom, end - index.size(comment))
    if start <= low or budget[0] <= 0:
        return start
    budget[0] -= 1
    if not index.contains_words(comment, keys[start - 1 : end]):
        return start
    top = start - 1
    while low < top and budget[0] > 0:
        middle = (low + top) // 2
        budget[0] -= 1
        if index.contains_words(comment, keys[middle:end]):
            top = middle
        else:
            low = middle + 1
    return top


def _earliest_holder(
    keys: list[str],
    owners: list[int | None],
    start: int,
    end: int,
    comment: int,
    index: QuoteIndex,
    budget: list[int],
) -> int:
    """The earliest comment that holds words ``start``..``end`` (a quote of a quote goes to the original):
    ``comment`` holds them; an earlier one must have been the first to hold one of their shingles."""
    # filter() with a C-level predicate keeps this hot loop fast; the cast says what the filter leaves.
    known = cast("Iterator[int]", filter(_KNOWN, owners[start : end - SHINGLE_WORDS + 1]))
    earliest = min(known, default=comment)
    if earliest >= comment:
        return comment
    for candidate in _candidates(owners, start, end):
        if candidate >= comment or budget[0] <= 0:
            break
        budget[0] -= 1
        if index.contains_words(candidate, keys[start:end]):
            return candidate
    return comment


def _sentence_quotes(
    stream: _Stream, first: int, last: int, index: QuoteIndex, budget: list[int]
) -> list[tuple[int, int, int]]:
    """Whole sentences of 5 to 7 words within words ``first``..``last`` of a run that are whole sentences of
    an earlier comment too (rule 2)."""
    found: list[tuple[int, int, int]] = []
    for start in range(first, last - MIN_SENTENCE_WORDS + 1):
        end = _short_sentence_at(stream, start, last)
        if end is None or budget[0] <= 0:
            continue
        sentence = tuple(stream.keys[start:end])
        for candidate in _candidates(stream.owners, start, end):
            budget[0] -= 1
            if index.has_sentence(candidate, sentence) and _acceptable(stream, start, end, candidate, index):
                found.append((start, end, candidate))
                break
    return found


def _marked_quotes(
    stream: _Stream, first: int, last: int, index: QuoteIndex, budget: list[int]
) -> list[tuple[int, int, int]]:
    """Stretches within words ``first``..``last`` of a run, set in quotation marks (from a word opening a
    quotation to the next word closing one), that an earlier comment holds verbatim (rule 3)."""
    found: list[tuple[int, int, int]] = []
    words = stream.words
    openers = [start for start in range(first, last) if _opens(words[start])]
    if not openers:
        return found
    # The next word closing a quotation, found from the right in one pass: a hostile run of a million opening
    # marks costs one pass, not one scan per mark.
    next_close = [last] * (last - first + 1)
    for position in range(last - 1, first - 1, -1):
        closing = _closes(words[position])
        next_close[position - first] = position if closing else next_close[position - first + 1]
    for start in openers:
        if budget[0] <= 0:
            break
        end = next_close[start - first] + 1
        if not MIN_QUOTED_WORDS <= end - start <= min(MAX_QUOTED_WORDS, last - start):
            continue
        for candidate in _candidates(stream.owners, start, end):
            budget[0] -= 1
            if index.contains_words(candidate, stream.keys[start:end]) and _acceptable(
                stream, start, end, candidate, index
            ):
                found.append((start, end, candidate))
                break
    return found


def _opens(word: str) -> bool:
    """Whether a word opens a quotation: a quotation mark among the punctuation before its first letter."""
    return word[0] in KEY_STRIP and not _QUOTE_SET.isdisjoint(_head(word))


def _closes(word: str) -> bool:
    """Whether a word closes a quotation: a quotation mark among the punctuation after its last letter."""
    return word[-1] in KEY_STRIP and not _QUOTE_SET.isdisjoint(_tail(word))


def _acceptable(stream: _Stream, first: int, last: int, comment: int, index: QuoteIndex) -> bool:
    """The final word on a stretch whose word keys comment ``comment`` holds: written by someone else, enough
    distinctive words, and the text itself verbatim there (see :func:`_verbatim`)."""
    return (
        not index.same_author(comment, stream.author)
        and _distinctive_enough(stream, first, last)
        and index.contains_verbatim(comment, _verbatim(stream, first, last))
    )


def _verbatim(stream: _Stream, first: int, last: int) -> str:
    """The text of a stretch as it must appear in the earlier comment: its words with the punctuation between
    them, but without the quotation marks and punctuation at its two ends (the quoter's marks, or the comma
    where the quoter stopped copying)."""
    if stream.places is None:
        return " ".join(stream.words[first:last]).strip(KEY_STRIP)
    return " ".join(stream.all_words[stream.places[first] : stream.places[last - 1] + 1]).strip(KEY_STRIP)


def _distinctive_enough(stream: _Stream, first: int, last: int) -> bool:
    """Enough different words that are not everyday vocabulary: 3, or 2 for a stretch set in quotation
    marks."""
    marked = _opens(stream.words[first]) and _closes(stream.words[last - 1])
    needed = MIN_DISTINCTIVE_QUOTED if marked else MIN_DISTINCTIVE
    distinctive: set[str] = set()  # different words: a line of one word repeated is not a quote of anything
    for position in range(first, last):
        key = stream.keys[position]
        if len(key) < 3 or not key.isalpha() or key in STOP_WORDS or _is_name(stream, position):
            continue
        distinctive.add(key)
        if len(distinctive) >= needed:
            return True
    return False


def _is_name(stream: _Stream, position: int) -> bool:
    """A capitalised word inside a sentence: a name ("Quillstone Root CA"). A thread is about its names and
    repeats them with everyday words around them, so they are no sign of copying."""
    word = stream.words[position].lstrip(KEY_STRIP)
    return word[:1].isupper() and position > 0 and not stream.ends_sentence(position - 1)


def _without_overlaps(found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Longest stretches first, then in text order; a stretch overlapping a longer one is dropped."""
    if len(found) < 2:
        return found
    taken = bytearray(max(last for _, last, _ in found))
    kept: list[tuple[int, int, int]] = []
    for first, last, comment in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if 1 not in taken[first:last]:
            taken[first:last] = b"\x01" * (last - first)
            kept.append((first, last, comment))
    return sorted(kept)


def _place(
    stream: _Stream,
    lines: Sequence[str],
    spans: dict[int, list[tuple[int, int]]],
    first: int,
    last: int,
    comment: int,
) -> InlineQuote:
    """Where a stretch of words stands in the lines (``spans`` keeps the word spans of the lines read)."""
    starts = stream.line_starts
    start_line = bisect_right(starts, first) - 1
    end_line = bisect_right(starts, last - 1) - 1
    for number in (start_line, end_line):
        if number not in spans:
            spans[number] = _spans(lines[number], stream.places is not None)
    start = spans[start_line][first - starts[start_line]][0]
    end = spans[end_line][last - 1 - starts[end_line]][1]
    return InlineQuote(start_line, start, end_line, end, comment)


def _spans(line: str, punctuation_words: bool) -> list[tuple[int, int]]:
    """Where the words of ``line`` that have a key stand (words of punctuation alone, if the text has any,
    are blanked out first, keeping every offset)."""
    line = fold(line)
    if punctuation_words:
        line = PUNCTUATION_WORD.sub(lambda match: " " * len(match.group()), line)
    return [match.span() for match in _WORDS.finditer(line)]
