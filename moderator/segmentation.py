"""Quote-aware segmentation: split a comment into the author's own words, quotes and attribution lines.

Three ways of quoting are recognised:

* Bugzilla replies: ``(In reply to NAME from comment #N)`` followed by ``> `` lines (quotes of comment N);
* email: ``On DATE, NAME wrote:`` (or ``NAME wrote:``) followed by ``> `` lines (quotes of the parent message);
* page copies, where the ``> `` prefix is lost: runs of lines that reproduce text of an earlier comment verbatim,
  modulo whitespace and typographic quotes, attributed to that comment.

Verbatim matching goes through a :class:`QuoteIndex` that is filled comment by comment in thread order, with
hashed word shingles pointing at the first comment that contained them, so recognising a quote costs time in
the length of the quoting line and of the one candidate comment, never in the length of the thread.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from moderator.thread import Comment, Segment

REPLY_HEADER = re.compile(r"^\s*\(In reply to (?P<name>.+?) from comment #(?P<number>\d+)\)\s*$")
EMAIL_HEADER = re.compile(r"^\s*On\b.{3,300}\b(?:wrote|writes)\s*:\s*$")
EMAIL_HEADER_START = re.compile(r"^\s*On\s.{3,300}$")
WROTE_ALONE = re.compile(r"^\s*(?:wrote|writes)\s*:\s*$")
NAME_WROTE = re.compile(r"^\s*(?P<name>[^\s>(][^:>]{0,80}?)\s+(?:wrote|writes|said)\s*:\s*$")
QUOTE_PREFIX = re.compile(r"^ {0,3}>")
_QUOTE_MARKS = re.compile(r"^(?: {0,3}>)+ ?")

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

SHINGLE_WORDS = 5
# A line this long that reproduces earlier text is a quote even without a reply header introducing it; shorter
# lines ("Thanks!", "+1") repeat by chance.
MIN_STANDALONE_CHARS = 24
MIN_STANDALONE_WORDS = 5
# Right after a reply header, a shorter line still counts when the named comment contains it.
MIN_HINTED_CHARS = 8


def normalize(text: str) -> str:
    """Text as compared for verbatim quotes: typographic quotes made plain, whitespace runs folded."""
    if not text.isascii():
        text = text.translate(_TYPOGRAPHIC)
    return " ".join(text.split())


@dataclass(slots=True)
class QuoteIndex:
    """Where earlier own text of a thread can be found again, filled in thread order."""

    _shingles: dict[int, int] = field(default_factory=dict)
    _lines: dict[str, int] = field(default_factory=dict)
    _texts: dict[int, str] = field(default_factory=dict)
    _authors: dict[str, int] = field(default_factory=dict)

    def add(self, number: int | None, own_text: str, author: str | None = None) -> None:
        if number is None:
            return
        lines = [line for line in map(normalize, own_text.split("\n")) if line]
        for line in lines:
            self._lines.setdefault(line, number)
        flat = " ".join(lines)
        self._texts[number] = flat
        # Set operations on the keys keep this loop in C: thousands of comments of hundreds of words each.
        # set.difference(dict) walks the small set and probes the dict (dict_keys subtraction would walk the big
        # dict every time, which made the index quadratic).
        fresh = set(map(hash, _shingles(flat.split()))).difference(self._shingles)
        self._shingles.update(dict.fromkeys(fresh, number))
        if author:
            self._authors[author.casefold()] = number

    def author_comment(self, name: str) -> int | None:
        """The latest indexed comment written by ``name``."""
        return self._authors.get(name.strip().casefold())

    def contains(self, number: int, normalized_line: str) -> bool:
        text = self._texts.get(number)
        return text is not None and normalized_line in text

    def find(self, normalized_line: str, hint: int | None = None) -> int | None:
        """The earlier comment that contains ``normalized_line`` verbatim, preferring ``hint``."""
        if not normalized_line:
            return None
        if hint is not None and len(normalized_line) >= MIN_HINTED_CHARS and self.contains(hint, normalized_line):
            return hint
        if len(normalized_line) < MIN_STANDALONE_CHARS:
            return None
        found = self._lines.get(normalized_line)
        if found is None:
            found = self._find_by_shingles(normalized_line)
        # Short lines, headings and table rulers repeat by chance (a report update reuses its headings).
        if found is None or _word_count(normalized_line) < MIN_STANDALONE_WORDS:
            return None
        return found

    def _find_by_shingles(self, normalized_line: str) -> int | None:
        words = normalized_line.split()
        if len(words) < SHINGLE_WORDS:
            return None
        owners = self._shingles
        votes: Counter[int] = Counter()
        for key in map(hash, _shingles(words)):
            owner = owners.get(key)
            if owner is None:  # most lines are not quotes: the first unknown shingle settles it
                return None
            votes[owner] += 1
        for candidate, _ in votes.most_common(3):
            if self.contains(candidate, normalized_line):
                return candidate
        return None


def _shingles(words: list[str]) -> Iterable[tuple[str, ...]]:
    """Every run of SHINGLE_WORDS consecutive words."""
    return zip(*(words[offset:] for offset in range(SHINGLE_WORDS)))


_WORD = re.compile(r"[^\W\d_]{2,}")


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _quote_content(line: str) -> str:
    return _QUOTE_MARKS.sub("", line, count=1)


def _quote_depth(line: str) -> int:
    prefix = _QUOTE_MARKS.match(line)
    return prefix.group().count(">") if prefix else 0


def segment_text(
    text: str,
    *,
    index: QuoteIndex,
    parent: int | None = None,
    grandparent: int | None = None,
    verbatim: bool = False,
) -> tuple[tuple[Segment, ...], tuple[int, ...]]:
    """Segments of ``text`` and the comment numbers it replies to.

    ``parent`` is the comment an email replies to (its ``> `` quotes come from there, ``> > `` ones from
    ``grandparent``); ``verbatim`` turns on recognition of unprefixed quotes (page copies).
    """
    lines = text.split("\n")
    kinds: list[tuple[str, int | None]] = []
    reply_to: list[int] = []
    hint: int | None = parent
    expect_quote = False
    count = len(lines)
    i = 0
    while i < count:
        line = lines[i]
        stripped = line.strip()
        ends_with_colon = stripped.endswith(":")
        header = REPLY_HEADER.match(line) if stripped.startswith("(In reply to") else None
        if header:
            hint = int(header.group("number"))
            reply_to.append(hint)
            kinds.append(("attribution", hint))
            expect_quote = True
            i += 1
            continue
        if ends_with_colon and EMAIL_HEADER.match(line) and _next_is_quote(lines, i + 1, verbatim):
            hint = parent
            kinds.append(("attribution", hint))
            expect_quote = True
            i += 1
            continue
        if (
            i + 1 < count
            and stripped.startswith("On")
            and EMAIL_HEADER_START.match(line)
            and WROTE_ALONE.match(lines[i + 1])
            and _next_is_quote(lines, i + 2, verbatim)
        ):
            hint = parent
            kinds.extend([("attribution", hint), ("attribution", hint)])
            expect_quote = True
            i += 2
            continue
        named = NAME_WROTE.match(line) if ends_with_colon else None
        if named and _next_is_quote(lines, i + 1, verbatim, index):
            author_comment = index.author_comment(named.group("name"))
            hint = author_comment if author_comment is not None else parent
            kinds.append(("attribution", hint))
            expect_quote = True
            i += 1
            continue
        if stripped.startswith(">") and QUOTE_PREFIX.match(line):
            content = normalize(_quote_content(line))
            depth = _quote_depth(line)
            source: int | None
            if depth >= 2 and parent is not None and hint == parent:
                source = grandparent
            else:
                source = hint
            if content:
                found = index.find(content, source)
                if found is not None:
                    source = found
            kinds.append(("quote", source))
            i += 1
            continue
        if verbatim and stripped:
            content = normalize(stripped)
            found = index.find(content, hint if expect_quote else None)
            if found is not None:
                kinds.append(("quote", found))
                hint = found
                expect_quote = True
                i += 1
                continue
        if stripped:
            expect_quote = False
        kinds.append(("own", None))
        i += 1

    segments = _merge(lines, kinds)
    for segment in segments:
        if segment.kind == "quote" and segment.quoted_comment is not None:
            reply_to.append(segment.quoted_comment)
    if parent is not None:
        reply_to.insert(0, parent)
    return segments, tuple(dict.fromkeys(reply_to))


def _next_is_quote(lines: Sequence[str], start: int, verbatim: bool, index: QuoteIndex | None = None) -> bool:
    for line in lines[start : start + 2]:
        if not line.strip():
            continue
        if QUOTE_PREFIX.match(line):
            return True
        return bool(verbatim and index is not None and index.find(normalize(line)) is not None)
    return False


def _merge(lines: Sequence[str], kinds: Sequence[tuple[str, int | None]]) -> tuple[Segment, ...]:
    """Runs of lines of one kind (blank lines joining the run around them) as trimmed segments."""
    segments: list[Segment] = []
    run: list[str] = []
    run_kind: tuple[str, int | None] | None = None

    def flush() -> None:
        if run_kind is None:
            return
        kind, source = run_kind
        body = [(_quote_content(line) if kind == "quote" else line) for line in run]
        joined = "\n".join(body).strip("\n")
        if joined.strip():
            segments.append(Segment(kind, joined, source))  # type: ignore[arg-type]

    pending_blank: list[str] = []
    for line, kind in zip(lines, kinds):
        if not line.strip() and kind[0] == "own":
            pending_blank.append(line)
            continue
        if kind != run_kind:
            flush()
            run, run_kind = [], kind
        elif pending_blank:
            run.extend(pending_blank)
        pending_blank = []
        run.append(line)
    flush()
    return tuple(segments)


def segment_thread(
    comments: Iterable[Comment],
    *,
    verbatim: bool = False,
    parents: dict[int, int] | None = None,
) -> None:
    """Segment every comment of a thread in order, teaching the quote index as it goes.

    ``parents`` maps a comment number to the number of the message it replies to (mail threads).
    """
    index = QuoteIndex()
    parents = parents or {}
    for comment in comments:
        parent = parents.get(comment.number) if comment.number is not None else None
        grandparent = parents.get(parent) if parent is not None else None
        segments, reply_to = segment_text(
            comment.text, index=index, parent=parent, grandparent=grandparent, verbatim=verbatim
        )
        comment.resegment(segments, reply_to)
        index.add(comment.number, comment.own_text, comment.author)
