"""Where earlier own text of a thread can be found again: the verbatim index behind quote recognition.

Filled comment by comment in thread order, it maps hashed five-word shingles to the first comment that held
them, so recognising a quote costs time in the quoting text and in the one or few candidate comments its
shingles point at, never in the length of the thread. A quote of a quote therefore goes to the earliest
comment: later copies are quotes, not own text, and are never indexed.

Shingles are made of word *keys*: whitespace-separated words without quotation marks, brackets and
punctuation, case folded, so "wheel," and ``"The`` match "wheel" and "the" (a copied phrase loses its trailing
comma, or gains quotation marks and a capital, when it is set into a new sentence). Keys only find candidates:
a quote is then checked against the earlier comment's text itself (see :meth:`QuoteIndex.contains_verbatim`).
Exact line matching (page copies, prefixed quotes) compares the text itself too.

Checking a quote reads the earlier comment's text. Most comments are searched once or twice, and reading them is
cheapest; a long comment searched again and again (a reply quoting it line by line, or calling out hundreds of
its phrases) has its words sorted by what follows them once reading it has cost READS_BEFORE_INDEX times its
length (:class:`SearchableText`), so that every later search costs time in the phrase looked for, not in the
comment: quote recognition stays linear in the length of the thread. A quoted line that is a whole line of the
comment it is looked for in is found by one look-up, without reading.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, compress, islice, repeat

_TYPOGRAPHIC_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
    }
)

# (character, replacement) of _TYPOGRAPHIC, for fold.
_FOLDED = tuple((chr(code), plain) for code, plain in _TYPOGRAPHIC.items())

SHINGLE_WORDS = 5
# The words from each place of a shingle on, zipped into shingles (see shingles).
_SHINGLE_OFFSETS = tuple(slice(offset, None) for offset in range(SHINGLE_WORDS))
# A line this long that reproduces earlier text is a quote even without a reply header introducing it; shorter
# lines ("Thanks!", "+1") repeat by chance.
MIN_STANDALONE_CHARS = 24
MIN_STANDALONE_WORDS = 5
# Right after a reply header, a shorter line still counts when the named comment contains it.
MIN_HINTED_CHARS = 8
# Punctuation that is not part of a word's key; at the ends of a quote it is not compared either (the quoter's
# quotation marks, the comma where copying stopped). A "word" of these alone (a Markdown "|" or "###", a "--")
# is no word at all, so table rulers and headings do not make up the length of a quote.
KEY_STRIP = "\"'`()[]{}<>*_~.,;:!?-#|=+/\\&%\u2026\u2013\u2014"
_KEY_DELETE_ASCII = KEY_STRIP[: KEY_STRIP.index("\u2026")].encode("ascii")
_KEY_DELETE = re.compile("[" + re.escape(KEY_STRIP + "".join(_TYPOGRAPHIC_QUOTES)) + "]+")
# The characters _KEY_DELETE deletes that are not ASCII (see key_text), and bytes.lower() as a translation table.
_KEY_DELETE_WIDE = tuple(character for character in KEY_STRIP + _TYPOGRAPHIC_QUOTES if not character.isascii())
_ASCII_LOWER = bytes(range(256)).lower()
# A word of KEY_STRIP characters alone (folded text); linear: after a failed try the lookbehind fails at once.
PUNCTUATION_WORD = re.compile("(?<!\\S)[" + re.escape(KEY_STRIP) + "]+(?!\\S)")
# A word whose stripped tail holds one of these ends a sentence.
SENTENCE_END = frozenset(".!?:")
# Sentences of this many words are remembered per comment, for the whole-sentence rule of inline quotes.
SENTENCE_WORDS = range(5, 8)
# The sentences of a comment are cut when it is first a candidate for a whole-sentence quote, and kept for the
# most recent candidates only: a heavily quoted thread must not keep them for every comment.
_CACHE = 256
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
# Occurrences of a phrase looked at for word boundaries before giving up (a comment of one repeated word).
_MAX_FINDS = 50
_WORD = re.compile(r"[^\W\d_]{2,}")

# Searching an earlier comment's text (:class:`SearchableText`). A text this short is always read: reading it
# costs less than sorting its suffixes.
SCAN_CHARS = 4096
# A longer one has the suffixes of its words sorted once the searches have read it this many times over.
READS_BEFORE_INDEX = 16
# Suffixes are sorted by their first SUFFIX_CHARS characters: a phrase is then found by binary search. Only in
# degenerate texts (a log of one line repeated) does a phrase after its first word stand at the start of more
# than MAX_PLACES words with the same SUFFIX_CHARS characters after them: then MAX_PLACES of those are tried, in no
# order. A phrase not found there, and one word that is not the start of a word of the text, are read for, as
# long as the reading done after sorting stays under READS_AFTER_INDEX times the text's length plus SCAN_CHARS
# a search; past that, such a phrase is not found in it. (README, "Own words and quotes".)
SUFFIX_CHARS = 48
MAX_PLACES = 64
READS_AFTER_INDEX = 8


def fold(text: str) -> str:
    """Typographic quotes and spaces made plain; one character for one, so offsets into ``text`` still hold.

    str.translate looks every character of a text that is not ASCII up in a dict; replacing only the characters
    the text holds (no replacement is itself replaced) gives the same text, in C, at a fraction of the cost."""
    if text.isascii():
        return text
    for character, plain in _FOLDED:
        if character in text:
            text = text.replace(character, plain)
    return text


def normalize(text: str) -> str:
    """Text as compared for verbatim quotes: typographic quotes made plain, whitespace runs folded."""
    return " ".join(fold(text).split())


def key_text(text: str) -> str:
    """``text`` with the characters of KEY_STRIP and typographic quotes deleted and case folded: its split is
    the words' keys. Character by character, so a word's key is the same alone and in its text.

    Every comment of every thread goes through this, so ASCII text (nearly all) takes bytes.translate, which
    is many times faster than str.translate or a regex.
    """
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_LOWER, _KEY_DELETE_ASCII).decode("ascii")
    # The ASCII characters deleted from the UTF-8 bytes (no byte of a longer character is ASCII; lone surrogates
    # pass through), the few others by str.replace where the text holds them: in C, many times faster than
    # the regular expression _KEY_DELETE (which deletes the same characters).
    narrow = text.encode("utf-8", "surrogatepass").translate(None, _KEY_DELETE_ASCII).decode("utf-8", "surrogatepass")
    for character in _KEY_DELETE_WIDE:
        if character in narrow:
            narrow = narrow.replace(character, "")
    return narrow.casefold()


def keyed_words(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` (typographic quotes folded) that have a key, one for each
    key of :func:`word_keys`: words of punctuation alone (the words PUNCTUATION_WORD matches) are dropped, in
    C. A folded word holds no typographic quote, so its key is empty exactly when it is all KEY_STRIP."""
    words = fold(text).split()
    return list(compress(words, word_by_word_keys(words)))


def word_keys(text: str) -> list[str]:
    """The keys of the words of ``text``; words that are only punctuation ("--", "|") have none."""
    return key_text(text).split()


def word_by_word_keys(words: list[str]) -> list[str]:
    """``[key_text(word) for word in words]`` (an empty key for a word of punctuation alone), worked out in one
    call: key_text takes character by character, and no character's key is or holds a space."""
    return key_text(" ".join(words)).split(" ") if words else []


def shingles(words: list[str]) -> Iterable[tuple[str, ...]]:
    """Every run of SHINGLE_WORDS consecutive words."""
    return zip(*map(words.__getitem__, _SHINGLE_OFFSETS))


def ends_sentence(word: str) -> bool:
    """Whether a (raw) word closes a sentence: its trailing punctuation holds . ! ? or :."""
    if word[-1] not in KEY_STRIP:
        return False
    tail = word[len(word.rstrip(KEY_STRIP)) :]
    return bool(tail) and not SENTENCE_END.isdisjoint(tail)


def sentences(text: str) -> Iterator[tuple[str, ...]]:
    """The sentences of ``text`` as tuples of word keys: split after a word ending in . ! ? or :, and at
    blank lines (a paragraph that ends without a full stop still ends its sentence)."""
    for paragraph in _PARAGRAPH_BREAK.split(fold(text)):
        current: list[str] = []
        words = paragraph.split()
        for word, key in zip(words, word_by_word_keys(words)):
            if key:
                current.append(key)
            if word[-1] in KEY_STRIP and ends_sentence(word) and current:  # mostly a letter: no call
                yield tuple(current)
                current = []
        if current:
            yield tuple(current)


@dataclass(slots=True)
class SearchWork:
    """What searching earlier comments has cost in one thread, counted so that tests can check it grows
    linearly without timing anything: characters of lines looked up whole, characters read by plain searches,
    characters of the texts indexed, and characters compared at the places the index gave (the length of the
    phrase, for each place tried)."""

    looked_up: int = 0
    read: int = 0
    indexed: int = 0
    compared: int = 0

    @property
    def total(self) -> int:
        return self.looked_up + self.read + self.indexed + self.compared


class WordSuffixes:
    """Where the words of a text (words separated by single spaces) start, sorted by the text that follows
    (its first ``SUFFIX_CHARS`` characters): the places where a phrase stands at the start of a word are one
    range of this order, found by binary search whatever the vocabulary, however often words repeat. Eight bytes
    a word; sorting holds the first SUFFIX_CHARS characters of each word's suffix for a moment (about 100 bytes a
    word)."""

    __slots__ = ("text", "places")

    def __init__(self, text: str) -> None:
        self.text = text
        lengths = map(len, text.split(" "))
        starts = accumulate((length + 1 for length in lengths), initial=0)  # one space after each word
        places = [start for start in starts if start <= len(text)]
        self.places = array("q", sorted(places, key=lambda start: text[start : start + SUFFIX_CHARS]))

    def first(self, phrase: str) -> tuple[int, bool]:
        """The first entry of ``places`` at which the text goes on with ``phrase`` (its first SUFFIX_CHARS
        characters, for a longer one), if any does: the entries that do follow it, one after the other. Also
        whether more than MAX_PLACES entries do (the phrase recurs all over the text)."""
        probe = phrase[:SUFFIX_CHARS]
        text, places, width = self.text, self.places, len(probe)

        def head(start: int) -> str:
            return text[start : start + width]

        first = bisect_left(places, probe, key=head)
        beyond = first + MAX_PLACES
        return first, beyond < len(places) and text.startswith(probe, places[beyond])


@dataclass(slots=True)
class SearchableText:
    """Text of an earlier comment (words separated by single spaces) that quotes are looked for in, again and
    again: read plainly while that is cheap, then through the sorted suffixes of its words (see
    ``READS_BEFORE_INDEX``). The answers are those of ``str.find`` either way, except for the degenerate phrases
    ``MAX_PLACES`` is about.
    """

    text: str
    work: SearchWork
    read: int = 0  # characters read by plain searches of this text
    read_limit: int = -1  # once indexed: how far ``read`` may go (no limit before)
    suffixes: WordSuffixes | None = None
    _many: bool = False  # whether the last phrase looked up recurs at more places than were tried

    def holds(self, phrase: str) -> bool:
        """Whether ``phrase`` is in the text (``phrase in text``)."""
        if not phrase:
            return True
        if not self._indexed():
            return next(self._read(phrase, 0), -1) >= 0
        if next(self._indexed_occurrences(phrase, ordered=False), -1) >= 0:
            return True
        if " " in phrase and not self._many:
            return False  # every place its second word could start at was tried
        return next(self._read(phrase, 0), -1) >= 0  # inside a word, or past the places tried: read, if allowed

    def occurrences(self, phrase: str) -> Iterator[int]:
        """Where ``phrase`` starts in the text, left to right, overlapping ones too (as ``str.find`` finds them
        one after the other). Where the phrase recurs more than MAX_PLACES times after its first word, some of
        its occurrences only, in no particular order."""
        if phrase and self._indexed() and " " in phrase:
            return self._indexed_occurrences(phrase, ordered=True)
        return self._read(phrase, 0)

    def _indexed(self) -> bool:
        """Whether the text has its suffixes sorted, done now if reading it has cost enough. Every search after
        that allows a little more reading (SCAN_CHARS), for the phrases that need it."""
        if self.suffixes is None:
            if len(self.text) <= SCAN_CHARS or self.read <= READS_BEFORE_INDEX * len(self.text):
                return False
            self.suffixes = WordSuffixes(self.text)
            self.read_limit = self.read + READS_AFTER_INDEX * len(self.text)
            self.work.indexed += len(self.text)
        self.read_limit += SCAN_CHARS
        return True

    def _read(self, phrase: str, position: int) -> Iterator[int]:
        """Plain search from ``position`` on; once the text is indexed, only while ``read_limit`` allows."""
        text = self.text
        limited = self.suffixes is not None
        while not (limited and self.read > self.read_limit):
            found = text.find(phrase, position)
            cost = (len(text) if found < 0 else found + len(phrase)) - position
            self.read += cost
            self.work.read += cost
            if found < 0:
                return
            yield found
            position = found + 1

    def _indexed_occurrences(self, phrase: str, *, ordered: bool) -> Iterator[int]:
        """Occurrences of ``phrase`` found through the sorted suffixes: its second word always starts a word of
        the text, so the places where the text goes on with the rest of the phrase from a word's start hold
        every occurrence (a one-word phrase: those at the start of a word). Left to right when ``ordered``,
        unless there are more than MAX_PLACES such places: then at most MAX_PLACES are tried, in no order."""
        suffixes = self.suffixes
        assert suffixes is not None
        first_word, space, rest = phrase.partition(" ")
        lead = len(first_word) + 1 if space else 0  # from the phrase's start to its second word
        probe = (rest if space else phrase)[:SUFFIX_CHARS]
        first_entry, self._many = suffixes.first(probe)
        text, places, work = self.text, suffixes.places, self.work
        found: list[int] = []
        for entry in range(first_entry, min(first_entry + MAX_PLACES, len(places))):
            place = places[entry]
            start = place - lead
            work.compared += len(phrase)
            if start >= 0 and text.startswith(phrase, start):
                if not ordered or self._many:
                    yield start
                else:
                    found.append(start)
            elif not text.startswith(probe, place):
                break  # past the places where the text goes on with the phrase
        yield from sorted(found)


def _remember(cache: dict[int, object], number: int, value: object) -> None:
    if len(cache) >= _CACHE:
        del cache[next(iter(cache))]
    cache[number] = value


@dataclass(slots=True)
class QuoteIndex:
    """Where earlier own text of a thread can be found again, filled in thread order.

    Every comment's shingles are indexed as it is added: each later comment looks its own up. What only a
    quote found that way, or a quoted line, needs (the comment's text and word keys to search, its lines) is
    made when first asked for, from the own text kept anyway: most threads never ask (nothing in them is
    quoted), and what is made is what adding would have made, so every answer is the same.
    """

    _shingles: dict[int, int] = field(default_factory=dict)
    _lines: dict[str, int] = field(default_factory=dict)
    # Comments added since their lines went into _lines, in order (the first comment holding a line keeps it).
    _unlined: list[tuple[int, str]] = field(default_factory=list)
    _texts: dict[int, SearchableText] = field(default_factory=dict)
    _own: dict[int, str] = field(default_factory=dict)
    # Per comment: how many word keys it has, and either its keys joined and padded (see add) or, until they are
    # first searched, the text they are the keys of (which the comment holds anyway); searched through
    # _key_texts, made on the first search.
    _keys: dict[int, tuple[int, str, bool]] = field(default_factory=dict)
    _key_texts: dict[int, SearchableText] = field(default_factory=dict)
    _sentences: dict[int, frozenset[tuple[str, ...]]] = field(default_factory=dict)
    _authors: dict[str, int] = field(default_factory=dict)
    _writers: dict[int, str] = field(default_factory=dict)
    work: SearchWork = field(default_factory=SearchWork)

    def add(
        self,
        number: int | None,
        own_text: str,
        author: str | None = None,
        *,
        keys: list[str] | None = None,
        fresh: Collection[int] | None = None,
        keyed: str | None = None,
    ) -> None:
        """Index the own text of comment ``number``. ``keys`` and ``fresh``, when given, are its word keys and
        the hashes of its shingles not indexed yet (or all of them, when none was), already worked out by
        inline quote detection (every comment's shingles are hashed and looked up once, for both jobs);
        ``keyed``, the text whose word keys ``keys`` are (``word_keys(keyed) == keys``)."""
        if number is None:
            return
        self._unlined.append((number, own_text))
        self._texts.pop(number, None)  # made again from this text when searched (a number added twice)
        self._own[number] = own_text  # the comment holds this string anyway; its sentences are cut lazily
        if keys is None or fresh is None:
            keyed = own_text
            keys = word_keys(own_text)
            fresh = self.unknown(set(map(hash, shingles(keys))))
        self._shingles.update(zip(fresh, repeat(number)))  # pairs straight into the dict, in C
        # Any comment may be quoted, but few are searched for words: the keys are joined for it when first
        # searched, from their text (keys given without it are joined now, as they are at hand).
        if keyed is None:
            self._keys[number] = (len(keys), _padded(keys), True)
        else:
            self._keys[number] = (len(keys), keyed, False)
        self._key_texts.pop(number, None)
        if author:
            writer = author.casefold()
            self._authors[writer] = number
            self._writers[number] = writer

    @property
    def empty(self) -> bool:
        return not self._shingles

    def owners(self, shingle_hashes: Iterable[int]) -> list[int | None]:
        """Per shingle hash, the first comment that held it, or None."""
        return list(map(self._shingles.get, shingle_hashes))

    def knows_none(self, shingle_hashes: Iterable[int]) -> bool:
        """Whether no earlier comment held any of these shingle hashes (a probe of the dict each, in C; no set
        is made, which is what most comments need)."""
        return not self._shingles or self._shingles.keys().isdisjoint(shingle_hashes)

    def unknown(self, shingle_hashes: set[int]) -> set[int]:
        """The shingle hashes no earlier comment held.

        Set operations keep this in C: thousands of comments of hundreds of words each. set.difference(dict)
        walks the small set and probes the dict (dict_keys subtraction would walk the big dict every time,
        which made the index quadratic).
        """
        return shingle_hashes.difference(self._shingles)

    def same_author(self, number: int, author: str | None) -> bool:
        """Whether comment ``number`` was written by ``author`` (False when either is unknown)."""
        return bool(author) and self._writers.get(number) == author.casefold()  # type: ignore[union-attr]

    def author_comment(self, name: str) -> int | None:
        """The latest indexed comment written by ``name``."""
        return self._authors.get(name.strip().casefold())

    def _text(self, number: int) -> SearchableText | None:
        """The own text of comment ``number`` normalized (its lines' words, one space apart), to search."""
        searchable = self._texts.get(number)
        if searchable is None:
            own = self._own.get(number)
            if own is None:
                return None
            searchable = self._texts[number] = SearchableText(normalize(own), self.work)
        return searchable

    def _fill_lines(self) -> None:
        """Put the lines of the comments added since the last look-up into ``_lines``, in thread order."""
        lines = self._lines
        for number, own_text in self._unlined:
            for line in fold(own_text).split("\n"):
                normalized = " ".join(line.split())  # normalize(line): the text is folded already
                if normalized:
                    lines.setdefault(normalized, number)
        self._unlined.clear()

    def contains(self, number: int, normalized_line: str) -> bool:
        text = self._text(number)
        return text is not None and text.holds(normalized_line)

    def contains_verbatim(self, number: int, text: str) -> bool:
        """Whether comment ``number`` holds ``text`` (normalized) verbatim on word boundaries; the first letter
        may differ in case (a quote set into a sentence loses or gains its capital)."""
        searchable = self._text(number) if text else None
        if searchable is None:
            return False
        flat = searchable.text
        for variant in dict.fromkeys((text, text[0].swapcase() + text[1:])):
            for position in islice(searchable.occurrences(variant), _MAX_FINDS):
                end = position + len(variant)
                before_ok = position == 0 or not flat[position - 1].isalnum()
                if before_ok and (end == len(flat) or not flat[end].isalnum()):
                    return True
        return False

    def size(self, number: int) -> int:
        """How many words comment ``number`` has (no longer stretch can be found in it)."""
        entry = self._keys.get(number)
        return entry[0] if entry is not None else 0

    def contains_words(self, number: int, keys: list[str]) -> bool:
        """Whether comment ``number`` has these word keys consecutively."""
        entry = self._keys.get(number)
        if entry is None or not 0 < len(keys) <= entry[0]:
            return False
        searchable = self._key_texts.get(number)
        if searchable is None:
            _, text, joined = entry
            padded = text if joined else _padded(word_keys(text))
            searchable = self._key_texts[number] = SearchableText(padded, self.work)
        # Padded with spaces, as the comment's keys are, so that a phrase is only found on word boundaries.
        return searchable.holds(_padded(keys))

    def has_sentence(self, number: int, keys: tuple[str, ...]) -> bool:
        """Whether comment ``number`` has these word keys as a whole sentence (5 to 7 words)."""
        known = self._sentences.get(number)
        if known is None:
            own = self._own.get(number)
            if own is None:
                return False
            known = frozenset(s for s in sentences(own) if len(s) in SENTENCE_WORDS)
            _remember(self._sentences, number, known)  # type: ignore[arg-type]
        return keys in known

    def find(self, normalized_line: str, hint: int | None = None) -> int | None:
        """The earlier comment that contains ``normalized_line`` verbatim, preferring ``hint``."""
        if not normalized_line:
            return None
        if self._unlined:
            self._fill_lines()
        whole_line_of = self._lines.get(normalized_line)  # mostly a quoted line is a whole line of its comment
        self.work.looked_up += len(normalized_line)
        if (
            hint is not None
            and len(normalized_line) >= MIN_HINTED_CHARS
            and (whole_line_of == hint or self.contains(hint, normalized_line))
        ):
            return hint
        if len(normalized_line) < MIN_STANDALONE_CHARS:
            return None
        found = whole_line_of
        if found is None:
            found = self._find_by_shingles(normalized_line)
        # Short lines, headings and table rulers repeat by chance (a report update reuses its headings).
        if found is None or word_count(normalized_line) < MIN_STANDALONE_WORDS:
            return None
        return found

    def _find_by_shingles(self, normalized_line: str) -> int | None:
        # Most lines are not quotes: the first shingle alone, from the first few words, settles that.
        head = word_keys(" ".join(normalized_line.split(maxsplit=2 * SHINGLE_WORDS)[: 2 * SHINGLE_WORDS]))
        if len(head) < SHINGLE_WORDS or hash(tuple(head[:SHINGLE_WORDS])) not in self._shingles:
            return None
        words = word_keys(normalized_line)
        owners = self._shingles
        votes: Counter[int] = Counter()
        for key in map(hash, shingles(words)):
            owner = owners.get(key)
            if owner is None:  # most lines are not quotes: the first unknown shingle settles it
                return None
            votes[owner] += 1
        for candidate, _ in votes.most_common(3):
            if self.contains(candidate, normalized_line):
                return candidate
        return None


def _padded(keys: list[str]) -> str:
    """Word keys joined with spaces, and a space at either end: a phrase is then found on word boundaries only
    (" rest of " is not in " interest of ")."""
    return " " + " ".join(keys) + " "


def word_count(text: str) -> int:
    """Words of at least two letters (numbers and table rulers do not count)."""
    return len(_WORD.findall(text))
