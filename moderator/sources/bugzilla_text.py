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

from moderator.segmentation import REPLY_HEADER, segment_thread
from moderator.sources.reading import SourceText
from moderator.thread import Comment, Thread

FORMAT = "bugzilla-text"
# A page copy's text rarely holds the bug number; the moderator is told rather than shown a blank.
NO_ID_NOTE = "the page copy names no bug number or URL: the thread is known by its title only"

MARKER = re.compile(r"^\s*Comment (?P<number>\d+)\s*•\s*(?P<age>.*?)\s*$")
_MARKER_ANYWHERE = re.compile(r"^[ \t]*Comment \d+[ \t]*•", re.MULTILINE)
UPDATED = re.compile(r"^\s*Updated\s*•")
ROLE_BADGE = re.compile(r"^\s*\|\s*(?P<role>Assignee|Reporter|Triage Owner|Comment Author)\s*\|\s*\|*\s*$")
SEPARATOR = {"", "•", "|", "||", "| |"}
CATEGORIES = re.compile(r"^\((?P<product>.+?)\s*::\s*(?P<component>.+?)(?:,\s*(?P<type>[^,()]+))?\)\s*$")
PEOPLE = re.compile(r"^\((?P<people>.*)\)\s*$")
FILES = re.compile(r"^\((?P<count>\d+) files?\)\s*$")
BUG_ID_IN_TITLE = re.compile(r"^\s*Bug (?P<id>\d+)\b")
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
    comments = _comments(blocks, header)
    if not comments:
        raise source.error("the page copy holds no comment text")
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
        if word == "Categories" and (match := CATEGORIES.match(following)):
            header.product, header.component = match.group("product"), match.group("component")
            index += 1
        elif word == "People" and (match := PEOPLE.match(following)):
            _parse_people(match.group("people"), header)
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
            number = int(marker.group("number"))
            if number <= last_number:
                problem = "duplicate" if number == last_number else "out-of-order"
                raise source.error(
                    f"{problem} comment marker 'Comment {number}•' after comment {last_number}", line=index + 1
                )
            last_number = number
            current = _Block(number=number, line=index + 1, age=marker.group("age") or None, role=pending_role)
            blocks.append(current)
            pending_role = None
            skipping_separators = True
            continue
        if UPDATED.match(line):
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


def _neighbours(blocks: list[_Block]) -> tuple[list[int], list[int | None]]:
    """For each block, the number of the closest numbered block before it (-1) and after it (None)."""
    previous: list[int] = []
    last = -1
    for block in blocks:
        previous.append(last)
        if block.number is not None:
            last = block.number
    following: list[int | None] = [None] * len(blocks)
    upcoming: int | None = None
    for position in range(len(blocks) - 1, -1, -1):
        following[position] = upcoming
        if blocks[position].number is not None:
            upcoming = blocks[position].number
    return previous, following


def _comments(blocks: list[_Block], header: _Header) -> list[Comment]:
    previous_numbers, following_numbers = _neighbours(blocks)
    comments: list[Comment] = []
    for position, block in enumerate(blocks):
        text = "\n".join(block.lines).strip("\n")
        previous, following = previous_numbers[position], following_numbers[position]
        if block.number is None:
            if not text.strip():
                continue
            upper = following if following is not None else previous + 1
            missing = tuple(range(previous + 1, max(upper, previous + 1)))
            if following is None and not missing:
                missing = (previous + 1,)
        else:
            gap_end = following if following is not None else block.number + 1
            # Markers missing with no Updated• line between: their text ran into this comment.
            next_block = blocks[position + 1] if position + 1 < len(blocks) else None
            runs_on = next_block is None or next_block.number is not None
            missing = tuple(range(block.number + 1, gap_end)) if runs_on else ()
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
                missing_markers=missing,
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
