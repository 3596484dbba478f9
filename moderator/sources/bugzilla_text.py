"""Bugzilla page copy: the text a moderator gets by selecting a whole bug page in a browser (Ctrl+A, Ctrl+C).

The layout and its traps are described in ``../shared/docs/bugzilla-page-copy.md``: the description has no
``Comment 0`` marker, some markers are missing (their text then follows an ``Updated•`` line or runs into the
previous comment), author names are mostly absent (``| Assignee | ||`` marks the next comment as the
assignee's, reply headers name the author of the quoted comment), ages are relative, and quotes have lost their
``> `` prefix, so they are recognised as verbatim copies of earlier comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from moderation_core.errors import SourceError
from moderation_core.segmentation import REPLY_HEADER, segment_thread
from moderation_core.thread import MAX_COMMENT_DIGITS, MAX_COMMENT_NUMBER, Comment, Thread
from moderator.sources.reading import MAX_COMMENTS, SourceText, too_many_comments

FORMAT = "bugzilla-text"
# A page copy's text rarely holds the bug number; the moderator is told rather than shown a blank.
NO_ID_NOTE = "the page copy names no bug number or URL: the thread is known by its title only"

# Every pattern below runs on one line of the copy and cannot backtrack: possessive quantifiers (``*+``, ``++``),
# no two repetitions that can match the same characters, and what a regular expression would have to search for
# (the "::" of the Categories line, the closing parenthesis) found with str methods instead (see _categories).
# The number of a marker is taken whole (``\d++``) and its length checked before int() meets it.
MARKER = re.compile(r"^\s*+Comment (?P<number>\d++)\s*+•(?P<age>.*+)")
_MARKER_ANYWHERE = re.compile(r"^[ \t]*+Comment \d++[ \t]*+•", re.MULTILINE)
UPDATED = re.compile(r"^\s*+Updated\s*+•")
ROLE_BADGE = re.compile(r"^\s*+\|\s*+(?P<role>Assignee|Reporter|Triage Owner|Comment Author)\s*+\|[\s|]*+$")
SEPARATOR = {"", "•", "|", "||", "| |"}
FILES = re.compile(r"^\((?P<count>\d{1,9}+) files?\)\s*+$")
BUG_ID_IN_TITLE = re.compile(r"^\s*+Bug (?P<id>\d++)\b")
# All the comment markers a page copy may lack, counted over the whole copy. Every missing number lies below the
# largest marker, and no Bugzilla bug comes near this many comments; a copy that claims more (``Comment 1•`` then
# ``Comment 300000000•``) is damaged or hostile, and listing the numbers would take gigabytes.
MAX_MISSING_MARKERS = 100_000
_HEADER_WORDS = {"Categories", "Tracking", "People", "References", "Details", "Attachments", "Bottom ↓", "Tags ▾"}
_ROLE_NAMES = {"Assignee": "assignee", "Reporter": "reporter", "Triage Owner": "triage-owner"}


def looks_like(text: str) -> bool:
    head = text[:4000].split("\n")[:40]
    stripped = {line.strip() for line in head}
    has_header = "Categories" in stripped and "People" in stripped
    return has_header or _MARKER_ANYWHERE.search(text) is not None


@dataclass(slots=True)
class _Header:
    title: str | None = None
    product: str | None = None
    component: str | None = None
    reporter: str | None = None
    assignee: str | None = None
    body_start: int = 0
    found: bool = False


@dataclass(slots=True)
class _Block:
    number: int | None
    line: int
    age: str | None = None
    role: str | None = None
    lines: list[str] = field(default_factory=list)


def parse(source: SourceText) -> list[Thread]:
    header, comments = _read_comments(source)
    # The comments hold their own text now: the file's text and its lines go before segmentation, whose quote
    # index is the peak of the import's memory (the text of a page copy is two bytes a character: its bullets).
    source.release_text()
    segment_thread(comments, verbatim=True)
    title = header.title
    bug_id = BUG_ID_IN_TITLE.match(title) if title else None
    return [
        Thread(
            source="bugzilla",
            id=bug_id.group("id") if bug_id else None,
            title=title,
            product=header.product,
            component=header.component,
            reporter=header.reporter,
            assignee=header.assignee,
            comments=comments,
            path=source.name,
            notes=() if bug_id else (NO_ID_NOTE,),
        )
    ]


def _read_comments(source: SourceText) -> tuple[_Header, list[Comment]]:
    """The header and the comments, not yet segmented."""
    lines = source.text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    header = _parse_header(lines)
    has_markers = any(MARKER.match(line) for line in lines[header.body_start :])
    if not header.found and not has_markers:
        raise source.error(
            "not a Bugzilla page copy: no bug header (Categories / People) and no 'Comment N•' markers; "
            "use --format to name the format"
        )
    if lines and lines[-1].strip() == "Description":  # page furniture at the very end
        lines.pop()
    blocks = _blocks(source, lines, header)
    comments = _comments(source, blocks, header)
    if not comments:
        raise source.error("the page copy holds no comment text")
    return header, comments


def _parse_header(lines: list[str]) -> _Header:
    header = _Header()
    if not lines:
        return header
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines) or MARKER.match(lines[index]):
        header.body_start = index
        return header
    title_index = index
    index += 1
    while index < len(lines):
        word = lines[index].strip()
        if word not in _HEADER_WORDS:
            break
        header.found = True
        index += 1
        following = lines[index].strip() if index < len(lines) else ""
        if word == "Categories" and (categories := _categories(following)):
            header.product, header.component = categories
            index += 1
        elif word == "People" and (people := _parenthesised(following)) is not None:
            _parse_people(people, header)
            index += 1
        elif word in ("Tracking", "References") and following.startswith("("):
            index += 1
        elif word == "Attachments" and (match := FILES.match(following)):
            index = _skip_attachments(lines, index + 1, int(match.group("count")))
    if header.found:
        header.title = lines[title_index].strip()
        header.body_start = index
    else:
        header.body_start = title_index
    return header


def _parenthesised(line: str) -> str | None:
    """What stands between the parentheses of a line that is all one parenthesised group, "(...)"."""
    line = line.rstrip()
    if len(line) < 2 or not (line.startswith("(") and line.endswith(")")):
        return None
    return line[1:-1]


def _categories(line: str) -> tuple[str, str] | None:
    """Product and component of a Categories line, "(Product :: Component, type)"; the type is dropped.

    Found with str methods: a regular expression that searches for the "::" and the type's comma backtracks on a
    line of many colons (30,000 "a::" took 30 s). The product ends at the first "::", the type follows the last
    comma when it holds no comma or parenthesis (as Bugzilla's bug types never do).
    """
    inside = _parenthesised(line)
    if inside is None:
        return None
    product, separator, rest = inside.partition("::")
    head, comma, kind = rest.rpartition(",")
    component = head if comma and kind and not any(c in kind for c in "()") else rest
    product, component = product.strip(), component.strip()
    if not separator or not product or not component:
        return None
    return product, component


def _parse_people(people: str, header: _Header) -> None:
    for part in people.split(","):
        key, _, value = part.partition(":")
        key, value = key.strip().casefold(), value.strip()
        if not value or value.casefold() == "nobody":
            continue
        if key == "reporter":
            header.reporter = value
        elif key in ("assigned", "assignee"):
            header.assignee = value


def _skip_attachments(lines: list[str], index: int, files: int) -> int:
    """Past an attachment table: each file ends with a ``Details |`` line."""
    seen = 0
    limit = min(len(lines), index + 12 * files)
    probe = index
    while probe < limit:
        if lines[probe].strip() in ("Details |", "Details"):
            seen += 1
            if seen == files:
                return probe + 1
        probe += 1
    return index


def _blocks(source: SourceText, lines: list[str], header: _Header) -> list[_Block]:
    blocks: list[_Block] = []
    current = _Block(number=None, line=header.body_start + 1)
    description = current
    blocks.append(current)
    pending_role: str | None = None
    skipping_separators = True
    last_number = -1
    for index in range(header.body_start, len(lines)):
        line = lines[index]
        marker = MARKER.match(line)
        if marker:
            number = _marker_number(source, marker, index + 1)
            if number <= last_number:
                problem = "duplicate" if number == last_number else "out-of-order"
                raise source.error(
                    f"{problem} comment marker 'Comment {number}•' after comment {last_number}", line=index + 1
                )
            last_number = number
            _check_count(source, len(blocks), index + 1)
            current = _Block(number=number, line=index + 1, age=marker.group("age").strip() or None, role=pending_role)
            blocks.append(current)
            pending_role = None
            skipping_separators = True
            continue
        if UPDATED.match(line):
            _check_count(source, len(blocks), index + 1)
            current = _Block(number=None, line=index + 2)
            blocks.append(current)
            skipping_separators = True
            continue
        badge = ROLE_BADGE.match(line)
        if badge:
            pending_role = _ROLE_NAMES.get(badge.group("role"), badge.group("role").casefold())
            continue
        if skipping_separators and line.strip() in SEPARATOR:
            continue
        skipping_separators = False
        current.lines.append(line)
    # The description is comment 0 when the copy starts at the bug header (or the first marker is comment 1).
    first_numbered = next((b.number for b in blocks if b.number is not None), None)
    if header.found or first_numbered == 1 or first_numbered is None:
        description.number = 0
    return blocks


def _check_count(source: SourceText, blocks: int, line: int) -> None:
    """Refuse, at the line that passes it, a copy of more comments than any source file may hold, before each
    costs its kilobyte or two of memory in segmentation and output."""
    if blocks >= MAX_COMMENTS:
        raise source.error(too_many_comments(MAX_COMMENTS), line=line)


def _marker_number(source: SourceText, marker: re.Match[str], line: int) -> int:
    """The number of a ``Comment N•`` marker; one of more than MAX_COMMENT_DIGITS digits is refused before int()
    sees it (Python refuses 4,300 digits with a ValueError, and no bug has a billion comments)."""
    digits = marker.group("number")
    significant = digits.lstrip("0") or "0"
    if len(significant) > MAX_COMMENT_DIGITS:
        shown = digits if len(digits) <= 20 else f"{digits[:12]}…"
        raise source.error(
            f"comment marker 'Comment {shown}•' has a {len(significant)}-digit number; no bug has more than "
            f"{MAX_COMMENT_NUMBER:,} comments",
            line=line,
        )
    return int(significant)


def _neighbours(blocks: list[_Block]) -> tuple[list[int], list[_Block | None]]:
    """For each block, the number of the closest numbered block before it (-1) and that block after it (None)."""
    previous: list[int] = []
    last = -1
    for block in blocks:
        previous.append(last)
        if block.number is not None:
            last = block.number
    following: list[_Block | None] = [None] * len(blocks)
    upcoming: _Block | None = None
    for position in range(len(blocks) - 1, -1, -1):
        following[position] = upcoming
        if blocks[position].number is not None:
            upcoming = blocks[position]
    return previous, following


def _missing_numbers(blocks: list[_Block], position: int, previous: int, following: _Block | None) -> range:
    """The comments whose markers are missing and whose text the block at ``position`` holds, as a range: its
    numbers are listed only once the copy's running count of missing markers is known to stay sensible."""
    block = blocks[position]
    upcoming = following.number if following is not None else None
    if block.number is None:
        if upcoming is None:  # text after the last marker's Updated• line: the one comment after it
            return range(previous + 1, previous + 2)
        return range(previous + 1, max(upcoming, previous + 1))
    # Markers missing with no Updated• line between: their text ran into this comment.
    next_block = blocks[position + 1] if position + 1 < len(blocks) else None
    runs_on = next_block is None or next_block.number is not None
    return range(block.number + 1, upcoming) if runs_on and upcoming is not None else range(0)


def _too_many_missing(
    source: SourceText, gap: range, total: int, following: _Block | None, block: _Block
) -> SourceError:
    after = f"comment {gap.start - 1}" if gap.start > 0 else "the start of the copy"
    where = f"'Comment {following.number}•' follows {after}" if following is not None else f"after {after}"
    so_far = "" if total == len(gap) else f" ({total:,} in the copy up to here)"
    return source.error(
        f"{where} with {len(gap):,} comment markers missing between them{so_far}; a page copy may lack at most "
        f"{MAX_MISSING_MARKERS:,} (is it damaged, or two copies pasted together?)",
        line=following.line if following is not None else block.line,
    )


def _comments(source: SourceText, blocks: list[_Block], header: _Header) -> list[Comment]:
    previous_numbers, following_blocks = _neighbours(blocks)
    comments: list[Comment] = []
    total_missing = 0
    for position, block in enumerate(blocks):
        text = "\n".join(block.lines).strip("\n")
        if block.number is None and not text.strip():
            continue
        previous, following = previous_numbers[position], following_blocks[position]
        gap = _missing_numbers(blocks, position, previous, following)
        total_missing += len(gap)
        if total_missing > MAX_MISSING_MARKERS:
            raise _too_many_missing(source, gap, total_missing, following, block)
        role = block.role
        author = None
        if block.number == 0 and header.found:
            role = role or "reporter"
        if role == "assignee":
            author = header.assignee
        elif role == "reporter":
            author = header.reporter
        comments.append(
            Comment(
                number=block.number,
                text=text,
                author=author,
                author_role=role,
                created=block.age,
                missing_markers=tuple(gap),
            )
        )
    _authors_from_reply_headers(comments)
    return comments


def _authors_from_reply_headers(comments: list[Comment]) -> None:
    """``(In reply to NAME from comment #N)`` names comment N's author, which the page copy does not show."""
    by_number = {c.number: c for c in comments if c.number is not None}
    for comment in comments:
        for line in comment.text.split("\n"):
            if "In reply to" not in line:
                continue
            header = REPLY_HEADER.match(line)
            if header:
                quoted = by_number.get(int(header.group("number")))
                if quoted is not None and quoted.author is None:
                    quoted.author = header.group("name")
