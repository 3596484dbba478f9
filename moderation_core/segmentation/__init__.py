"""Quote-aware segmentation: split a comment into the author's own words, quotes, attribution lines, and the
parts of a message that are not prose (signature, trailers, patch).

Quotes are recognised in four ways:

* Bugzilla replies: ``(In reply to NAME from comment #N)`` followed by ``> `` lines (quotes of comment N);
* email: an attribution line (``On DATE, NAME wrote:``, also split over two lines, ``NAME <addr> wrote:``,
  ``In message <id> you wrote:``, ``Quoting NAME (DATE):``, mutt's ``* NAME <addr> [DATE]:`` ...) followed by
  ``> `` lines: quotes of the parent message (``> > `` ones of the message before it);
* page copies, where the ``> `` prefix is lost: runs of lines that reproduce text of an earlier comment verbatim,
  modulo whitespace and typographic quotes, attributed to that comment;
* in every format, words inside a line that reproduce an earlier comment (:mod:`.inline_quotes`): the line is cut
  into own / quote / own segments, and the own parts of one line are joined with a space in ``own_text``
  (:func:`moderation_core.thread.join_own`).

Signatures, trailer blocks and patches are found by :mod:`.mailparts`; they stay in the text as segments of their
own kinds and never reach ``own_text``.

Verbatim matching goes through a :class:`QuoteIndex` (:mod:`.quoteindex`) that is filled comment by comment in
thread order, with hashed word shingles pointing at the first comment that contained them, so
recognising a quote costs time in the length of the quoting text and of the one candidate comment, never in
the length of the thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from moderation_core.segmentation.inline_quotes import InlineQuote, InlineResult, find_inline_quotes
from moderation_core.segmentation.mailparts import classify_parts, may_have_parts
from moderation_core.segmentation.quoteindex import (
    MIN_HINTED_CHARS,
    MIN_STANDALONE_CHARS,
    MIN_STANDALONE_WORDS,
    SHINGLE_WORDS,
    QuoteIndex,
    normalize,
)
from moderation_core.thread import MAX_COMMENT_DIGITS, Comment, Segment

__all__ = [
    "MIN_HINTED_CHARS",
    "MIN_STANDALONE_CHARS",
    "MIN_STANDALONE_WORDS",
    "REPLY_HEADER",
    "SHINGLE_WORDS",
    "QuoteIndex",
    "normalize",
    "segment_text",
    "segment_thread",
]

# A Bugzilla reply header. It runs on lines of any length, so it must not backtrack: the name is the one lazy
# part (each of its steps tries the fixed text after it once), the spaces around are taken possessively, and the
# number is at most MAX_COMMENT_DIGITS digits, so that int() never meets a number Python refuses to convert
# (a header naming "comment #" and 5,000 digits is then own text, not a reply to a comment that cannot exist).
REPLY_HEADER = re.compile(
    rf"^\s*+\(In reply to (?P<name>.+?) from comment #(?P<number>\d{{1,{MAX_COMMENT_DIGITS}}}+)\)\s*+$"
)
QUOTE_PREFIX = re.compile(r"^ {0,3}>")
_QUOTE_MARKS = re.compile(r"^(?: {0,3}>)+ ?")

# Attribution lines are only looked at when short: no pattern below runs on a long line, and their bounded
# repetitions keep the ones that do run cheap.
MAX_ATTRIBUTION_CHARS = 300
# The second line of an attribution split in two ("<jane@example.org> wrote:") is shorter still.
MAX_SECOND_LINE_CHARS = 160
# Words that end an attribution line before its colon ("wrote:", "a écrit :").
WROTE_WORDS = ("wrote", "writes", "said", "a écrit", "escribió", "scrisse", "skrev")
# The verbs of "NAME wrote:" and "NAME <addr> wrote:", whose NAME tells (by the thread's authors) which comment
# that person wrote last; see _wrote_name. The name is at most this long, the address at most MAX_ADDRESS_CHARS.
NAME_VERBS = ("wrote", "writes", "said")
MAX_NAME_CHARS = 81
MAX_ADDRESS_CHARS = 200
# "Am 03.03.2026 um 10:12 schrieb Jane Doe:" names the person after the verb.
GERMAN_WROTE = re.compile(r"^\s*Am\s.{1,200}\sschrieb\s.{1,120}:\s*$")
# "Quoting Jane Doe (2026-03-03 10:12:00):" or "Quoting Jane Doe:", not the author's own sentence that starts
# with the word ("Quoting the post from last night so the mods have context, since it was edited:").
_QUOTING = re.compile(r"^Quoting (?:[^,.;!?()]{1,80}\([^()]{1,80}\)|[^\s,.;!?()]+(?: [^\s,.;!?()]+){0,3}):$")
# A mail's Message-ID, by which the mail importer knows each message.
_MESSAGE_ID = re.compile(r"^<[^<>\s@]{1,500}@[^<>\s]{1,500}>$")
# First words of an attribution that gives a date ("On Tue, 3 Mar 2026 at 10:12, Jane Doe wrote:").
DATED_START = ("On ", "Am ", "Le ", "El ", "Il ")
# How a quote line (QUOTE_PREFIX) after the first starts in a whole text: found by substring search, in C.
_QUOTE_LINE_STARTS = ("\n>", "\n >", "\n  >", "\n   >")

Kind = tuple[str, int | None]
# A piece of a line: its kind, its text, and whether it starts the line (False: it continues the line of the
# piece before it, cut there by an inline quote).
Piece = tuple[Kind, str, bool]
_OWN: Kind = ("own", None)


def _quote_content(line: str) -> str:
    return _QUOTE_MARKS.sub("", line, count=1)


def _quote_depth(line: str) -> int:
    prefix = _QUOTE_MARKS.match(line)
    return prefix.group().count(">") if prefix else 0


def _ends_with_wrote(stripped: str) -> bool:
    """Whether a stripped line ends in "wrote:" or a translation of it, as an attribution line does."""
    if not stripped.endswith(":") or len(stripped) > MAX_ATTRIBUTION_CHARS:
        return False
    head = stripped[:-1].rstrip()
    for word in WROTE_WORDS:
        if head.endswith(word) and (len(head) == len(word) or not head[-len(word) - 1].isalnum()):
            return True
    return False


def _wrote_name(line: str) -> str | None:
    """NAME of "NAME wrote:" or "NAME <addr> wrote:" (also "writes:", "said:"), else None.

    Read with str methods from the end of the line. The regular expression it replaces let a lazy name and the
    spaces after it share characters, and spent 10 ms on a 300-character line of spaces before "x wrote:".
    The name starts with none of ``>(<*`` and holds no ``:<>``; the address holds no space or ``<>``.
    """
    body = line.strip()
    if not body.endswith(":"):
        return None
    body = body[:-1].rstrip()
    verb = next((word for word in NAME_VERBS if body.endswith(word)), None)
    if verb is None:
        return None
    head = body[: -len(verb)]
    if not head or not head[-1].isspace():  # "rewrote:" is not "re wrote:"
        return None
    head = head.rstrip()
    if head.endswith(">"):
        opening = head.rfind("<")
        address = head[opening + 1 : -1]
        if opening < 0 or not 1 <= len(address) <= MAX_ADDRESS_CHARS or any(c in "<>" or c.isspace() for c in address):
            return None
        head = head[:opening].rstrip()
    if not 1 <= len(head) <= MAX_NAME_CHARS or head[0].isspace() or head[0] in ">(<*":
        return None
    return None if any(c in ":<>" for c in head[1:]) else head


def _attribution(lines: Sequence[str], i: int, verbatim: bool, index: QuoteIndex) -> tuple[int, str | None] | None:
    """An attribution starting at line ``i`` and followed by a quote: how many lines it takes and the person it
    names where that can be told, else None.

    Dated forms ("On DATE, NAME wrote:") introduce ``> `` quotes only; the others, as "NAME wrote:" always did,
    also a line a page copy reproduces verbatim.
    """
    stripped = lines[i].strip()
    dated = stripped.startswith(DATED_START)
    if not (dated or stripped.endswith(":")) or len(stripped) > MAX_ATTRIBUTION_CHARS:
        return None
    if QUOTE_PREFIX.match(lines[i]):
        return None  # a quoted attribution ("> On ... wrote:") is part of the quote
    if stripped.endswith(":"):
        single = (
            (_ends_with_wrote(stripped) and stripped[:-1].rstrip() not in WROTE_WORDS)
            or (stripped.startswith("Quoting ") and _QUOTING.match(stripped) is not None)  # "Quoting NAME (DATE):"
            or (stripped.startswith("* ") and stripped.endswith("]:"))  # mutt: "* NAME <addr> [DATE]:"
            or (stripped.startswith("Am ") and GERMAN_WROTE.match(stripped) is not None)
        )
        if single and _next_is_quote(lines, i + 1, verbatim, None if dated else index):
            return 1, None if dated else _wrote_name(stripped)
    # Split over two lines by a mail client: "On Tue, 3 Mar 2026 at 10:12, Jane Doe" / "<jane@...> wrote:".
    if dated and i + 1 < len(lines) and any(c.isdigit() for c in stripped):
        second = lines[i + 1].strip()
        if len(second) <= MAX_SECOND_LINE_CHARS and _ends_with_wrote(second) and _next_is_quote(lines, i + 2, verbatim):
            return 2, None
    return None


def segment_text(
    text: str,
    *,
    index: QuoteIndex,
    parent: int | None = None,
    grandparent: int | None = None,
    verbatim: bool = False,
    mail: bool = False,
    number: int | None = None,
    author: str | None = None,
) -> tuple[tuple[Segment, ...], tuple[int, ...]]:
    """Segments of ``text`` and the comment numbers it replies to.

    ``parent`` is the comment an email replies to (its ``> `` quotes come from there, ``> > `` ones from
    ``grandparent``); ``verbatim`` turns on recognition of unprefixed whole-line quotes (page copies); ``mail``
    says the text is a mail body (a ``-- `` line then opens a signature of up to 20 lines); ``number`` is the
    comment's own number, never credited with a quote of itself; ``author`` its author, whose words repeated
    from their own earlier comment stay own words.
    """
    segments, reply_to, _ = _segment_text(
        text,
        index=index,
        parent=parent,
        grandparent=grandparent,
        verbatim=verbatim,
        mail=mail,
        number=number,
        author=author,
    )
    return segments, reply_to


def _segment_text(
    text: str,
    index: QuoteIndex,
    parent: int | None = None,
    grandparent: int | None = None,
    verbatim: bool = False,
    mail: bool = False,
    number: int | None = None,
    author: str | None = None,
    learned: bool = True,
) -> tuple[tuple[Segment, ...], tuple[int, ...], InlineResult | None]:
    """:func:`segment_text`, with the inline quote detection's result for the index: the hashes of the new
    shingles, and, where quotes were cut out of lines, the own lines as written (see :func:`segment_thread`).

    ``learned=False`` says the index will not learn this text (the last comment of a thread): then, with an
    empty index, inline quote detection is skipped, as it could find nothing and would only hash the words for
    the index."""
    reply_to: list[int] = []
    lines, kinds = _line_kinds(text, index, parent, grandparent, verbatim, mail, reply_to)
    own: list[bool] | None
    if kinds is None:  # every line own text (most comments): the lines are split only where they are needed
        own = None
        all_own = any_own = True
    else:
        own = [kind[0] == "own" for kind in kinds]
        all_own, any_own = all(own), any(own)
    searched = any_own and (learned or not index.empty)
    inline = find_inline_quotes(lines, own, index, number, text if all_own else None, author) if searched else None
    quotes = inline.quotes if inline is not None else []
    if not quotes and all_own:
        # One own segment (most comments), without the per-line merging; no quote, and no reply header (a header
        # is an attribution line): only the parent is replied to.
        return _all_own(text), (() if parent is None else (parent,)), inline
    if lines is None:
        lines = text.split("\n")
    if quotes and inline is not None:
        inline.written = text if own is None else "\n".join(line for line, is_own in zip(lines, own) if is_own)
    segments = _merge(_pieces(lines, [_OWN] * len(lines) if kinds is None else kinds, quotes))
    for segment in segments:
        if segment.kind == "quote" and segment.quoted_comment is not None:
            reply_to.append(segment.quoted_comment)
    if parent is not None:
        reply_to.insert(0, parent)
    return segments, tuple(dict.fromkeys(reply_to)), inline


def _line_kinds(
    text: str,
    index: QuoteIndex,
    parent: int | None,
    grandparent: int | None,
    verbatim: bool,
    mail: bool,
    reply_to: list[int],
) -> tuple[list[str] | None, list[Kind] | None]:
    """The lines of ``text`` (None where they were not needed: every line is own text, found without reading
    them), and per line its kind and, for quotes and attributions, the comment quoted (None when every line is
    own text). The comments that Bugzilla reply headers name are added to ``reply_to``."""
    lines: list[str] | None = None
    parts: list[str | None] | None = None
    if may_have_parts(text):
        lines = text.split("\n")
        parts = classify_parts(lines, mail=mail)
    if not _needs_reading(text, verbatim):  # most comments: each line is own text or a part
        if parts is None or not any(parts):
            return lines, None
        return lines, [_OWN if part is None else (part, None) for part in parts]
    if lines is None:
        lines = text.split("\n")
    if parts is None:
        parts = [None] * len(lines)
    kinds: list[Kind] = []
    hint: int | None = parent
    expect_quote = False
    count = len(lines)
    i = 0
    while i < count:
        line = lines[i]
        stripped = line.strip()
        part = parts[i]
        if part is not None:
            kinds.append((part, None))
            expect_quote = expect_quote and not stripped
            i += 1
            continue
        header = REPLY_HEADER.match(line) if stripped.startswith("(In reply to") else None
        if header:
            hint = int(header.group("number"))
            reply_to.append(hint)
            kinds.append(("attribution", hint))
            expect_quote = True
            i += 1
            continue
        maybe = stripped.endswith(":") or stripped.startswith(DATED_START)
        attribution = _attribution(lines, i, verbatim, index) if maybe else None
        if attribution is not None:
            taken, name = attribution
            author_comment = index.author_comment(name) if name else None
            hint = author_comment if author_comment is not None else parent
            kinds.extend([("attribution", hint)] * taken)
            expect_quote = True
            i += taken
            continue
        if stripped.startswith(">") and QUOTE_PREFIX.match(line):
            content = normalize(_quote_content(line))
            source: int | None
            if _quote_depth(line) >= 2 and parent is not None and hint == parent:
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
            found = index.find(normalize(stripped), hint if expect_quote else None)
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
    return lines, kinds


def _needs_reading(text: str, verbatim: bool) -> bool:
    """Whether a line of ``text`` may be a reply header, a quote or an attribution, so that the lines must be
    read one by one. An attribution counts only above a quote line outside page copies (see _next_is_quote),
    and in a page copy any line may reproduce an earlier comment. Most comments hold no ``>`` at all: substring
    tests settle them in C."""
    return verbatim or "(In reply to" in text or (">" in text and _has_quote_line(text))


def _has_quote_line(text: str) -> bool:
    """Whether a line of ``text`` matches QUOTE_PREFIX."""
    return QUOTE_PREFIX.match(text) is not None or any(start in text for start in _QUOTE_LINE_STARTS)


def _all_own(text: str) -> tuple[Segment, ...]:
    """The segments :func:`_merge` makes of a text that is all own: one, without the blank lines at either end
    (found in C: this is most comments)."""
    if not text or text.isspace():
        return ()
    start = 0
    if text[0].isspace():  # from the start of the line of the first character that is not a blank
        start = text.rfind("\n", 0, len(text) - len(text.lstrip())) + 1
    end = len(text)
    if text[-1].isspace():  # to the end of the line of the last one
        newline = text.find("\n", len(text.rstrip()) - 1)
        end = newline if newline >= 0 else end
    return (Segment("own", text[start:end]),)


def _next_is_quote(lines: Sequence[str], start: int, verbatim: bool, index: QuoteIndex | None = None) -> bool:
    for line in lines[start : start + 2]:
        if not line.strip():
            continue
        if QUOTE_PREFIX.match(line):
            return True
        return bool(verbatim and index is not None and index.find(normalize(line)) is not None)
    return False


def _pieces(lines: Sequence[str], kinds: Sequence[Kind], inline: Sequence[InlineQuote]) -> Iterator[Piece]:
    """The lines as pieces: whole lines, except that a line an inline quote passes through is cut into own and
    quote pieces (trimmed, and only those with text)."""
    cuts: dict[int, list[tuple[int, int, int]]] = {}
    for quote in inline:
        for number in range(quote.start_line, quote.end_line + 1):
            start = quote.start_char if number == quote.start_line else 0
            end = quote.end_char if number == quote.end_line else len(lines[number])
            cuts.setdefault(number, []).append((start, end, quote.comment))
    for number, (line, kind) in enumerate(zip(lines, kinds)):
        if number not in cuts:
            yield kind, (_quote_content(line) if kind[0] == "quote" else line), True
            continue
        starts_line = True
        for piece_kind, start, end in _cut(line, cuts[number]):
            text = line[start:end].strip()
            if text:
                yield piece_kind, text, starts_line
                starts_line = False


def _cut(line: str, quotes: list[tuple[int, int, int]]) -> list[tuple[Kind, int, int]]:
    """A line as own and quote ranges. An own range without a letter or digit between or after quotes (the
    full stop after a closing quotation mark, a lone dash) goes to the quote before it, so that ``own_text``
    does not begin with stray punctuation and the screen still shows every character."""
    ranges: list[tuple[Kind, int, int]] = []
    position = 0
    for start, end, comment in sorted(quotes):
        if start > position:
            ranges.append((("own", None), position, start))
        ranges.append((("quote", comment), start, end))
        position = end
    if position < len(line):
        ranges.append((("own", None), position, len(line)))
    tidy: list[tuple[Kind, int, int]] = []
    for kind, start, end in ranges:
        fragment = line[start:end]
        stray = kind[0] == "own" and fragment.strip() and not any(c.isalnum() for c in fragment)
        if stray and tidy and tidy[-1][0][0] == "quote":
            tidy[-1] = (tidy[-1][0], tidy[-1][1], end)
            continue
        tidy.append((kind, start, end))
    return tidy


def _merge(pieces: Iterable[Piece]) -> tuple[Segment, ...]:
    """Runs of pieces of one kind (blank own lines joining the run around them) as trimmed segments."""
    segments: list[Segment] = []
    run: list[str] = []
    run_kind: Kind | None = None
    run_inline = False

    def flush() -> None:
        if run_kind is None:
            return
        joined = "".join(run).strip("\n")
        if joined.strip():
            kind, source = run_kind
            segments.append(Segment(kind, joined, source, run_inline))  # type: ignore[arg-type]

    pending_blank: list[str] = []
    for kind, text, starts_line in pieces:
        if starts_line and not text.strip() and kind[0] == "own":
            pending_blank.append(text)
            continue
        if kind != run_kind:
            flush()
            run, run_kind, run_inline = [text], kind, not starts_line
        else:
            if pending_blank:
                run.extend("\n" + blank for blank in pending_blank)
            run.append(("\n" if starts_line else " ") + text)
        if pending_blank:
            pending_blank = []
    flush()
    return tuple(segments)


def segment_thread(
    comments: Iterable[Comment],
    *,
    verbatim: bool = False,
    parents: dict[int, int] | None = None,
    mail: bool | None = None,
) -> None:
    """Segment every comment of a thread in order, teaching the quote index as it goes.

    ``parents`` maps a comment number to the number of the comment it replies to (mail threads, GitHub review
    comments). ``mail`` says the comments are mail bodies; by default they are when every comment is known by
    a Message-ID (``<...@...>``), as the mail importer's are: mail has its own signature convention.
    """
    comments = list(comments)
    index = QuoteIndex()
    is_mail = mail
    if is_mail is None:  # the first comment settles it for nearly every thread (no Message-ID), at once
        is_mail = not comments or (
            _MESSAGE_ID.match(comments[0].id or "") is not None and all(_MESSAGE_ID.match(c.id or "") for c in comments)
        )
    last = len(comments) - 1
    for position, comment in enumerate(comments):
        number = comment.number
        parent = parents.get(number) if parents and number is not None else None
        grandparent = parents.get(parent) if parents and parent is not None else None
        segments, reply_to, inline = _segment_text(
            comment.text, index, parent, grandparent, verbatim, is_mail, number, comment.author, position < last
        )
        comment.resegment(segments, reply_to)
        if position == last:
            break  # no later comment can quote the last one: indexing it would be work for nothing
        # The index learns the own lines as written, inline quotes included: its shingles are those of the lines
        # (hashed once, before the quotes were known), and a later comment that copies such a line copies it
        # from this comment (the parts this comment had quoted still go to their origin, the earliest holder).
        if inline is None:
            index.add(number, comment.own_text, comment.author)
        else:
            written = comment.own_text if inline.written is None else inline.written
            index.add(number, written, comment.author, keys=inline.keys, fresh=inline.fresh, keyed=inline.keyed)
