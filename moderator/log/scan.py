"""The one reading of a log file's structure: which pieces are complete documents, which are torn, which are
text outside any document (see the package docstring for the rules). Validation, appends and repair all use it,
so they always agree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Literal, NamedTuple

from moderator.log.codec import END, START

BOM = b"\xef\xbb\xbf"
BLANK = " \t\r"  # what a blank line may hold, and what may trail a '---' or '...' line
BLANK_BYTES = b" \t\r\n"
_MARKERS = (START, END)
_BLANK_LINE = BLANK + "\n"

State = Literal["complete", "unended", "unfinished", "stray", "fragment"]


class Undecodable(Exception):
    """Bytes that are not UTF-8 (not a character cut in half at the very end): the file is no text log."""

    def __init__(self, line: int, offset: int) -> None:
        super().__init__(line, offset)
        self.line, self.offset = line, offset


class Item(NamedTuple):
    """One piece of the file. ``state`` is "complete" (a document and its '...' line, line break included),
    "unended" (a document followed by another '---' line before any '...'), "unfinished" (a document at the end
    of the file without a whole '...' line), "stray" (a non-blank line outside any document) or "fragment"
    (the start of a '---' line or zero bytes, outside any document, at the very end without a line break: what
    a write cut short leaves)."""

    line: int
    offset: int
    size: int
    body: list[str]
    state: State
    last_line: int


def _skip_rest_of_line(handle: BinaryIO, limit: int) -> tuple[int, bool]:
    """(bytes skipped, whether a line break ended the line), reading a piece at a time."""
    skipped = 0
    while True:
        part = handle.readline(limit)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped, part.endswith(b"\n")


def _undecodable(raw: bytes, ended: bool, error: UnicodeDecodeError, number: int, offset: int) -> str:
    if not ended and error.reason == "unexpected end of data":
        # The last line stops inside a character: a write cut short, part of the torn tail.
        return raw[: error.start].decode("utf-8") + "\ufffd"
    raise Undecodable(number, offset + error.start) from None


def _is_torn_fragment(text: str) -> bool:
    """Text an append cut short can leave outside a document: the start of its '---' line, or the zero bytes
    some file systems show where data never reached the disk."""
    trimmed = text.strip(BLANK)
    return trimmed in ("-", "--") or (trimmed != "" and not trimmed.strip("\0"))


def documents(handle: BinaryIO, *, limit: int, offset: int = 0) -> Iterator[Item]:
    """Every piece of the file, read line by line: the one reading of what is complete (see the package
    docstring). ``offset`` is where ``handle`` starts in the file (a UTF-8 BOM is skipped only at 0); ``limit``
    is the largest document the reader takes (bodies past it are not kept: the document is refused by its size).

    Body lines have their line break removed (CRLF read as LF). A line longer than a whole document is never
    held in memory: whatever holds it is refused by its size."""
    line_limit = limit + 1
    readline = handle.readline  # one loop with a short path for body lines: the hot path of loading a big log
    body: list[str] | None = None
    start_line = start_offset = number = 0
    raw = readline(line_limit)
    if offset == 0 and raw.startswith(BOM):
        raw, offset = raw[len(BOM) :], len(BOM)
    while raw:
        number += 1
        line_offset = offset
        offset += len(raw)
        text: str | None
        if raw[-1] == 10:  # b"\n"
            ended = True
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = _undecodable(raw, ended, error, number, line_offset)
        elif len(raw) == line_limit:  # too long to be part of a valid document: skipped, never held whole
            more, ended = _skip_rest_of_line(handle, line_limit)
            offset += more
            text = None
        else:  # the last line, without a line break
            ended = False
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = _undecodable(raw, ended, error, number, line_offset)
        raw = readline(line_limit)
        if body is not None and text is not None and not text.startswith(_MARKERS):
            if offset - start_offset <= limit:
                body.append(text[:-2] if text.endswith("\r\n") else text[:-1] if ended else text)
            # past the limit the body is no longer kept: the document is refused by its size, memory stays bounded
            continue
        marker = text.rstrip(_BLANK_LINE) if text is not None else None
        if body is None:
            if marker == START:
                body, start_line, start_offset = [], number, line_offset
            elif marker:  # text outside any document (blank lines are fine)
                fragment = not ended and _is_torn_fragment(marker)
                yield Item(number, line_offset, offset - line_offset, [], "fragment" if fragment else "stray", number)
            elif text is None:
                yield Item(number, line_offset, offset - line_offset, [], "stray", number)
        elif marker == END:
            # An end line cut before its line break was never fully written, so never reported as saved.
            state: State = "complete" if ended else "unfinished"
            yield Item(start_line, start_offset, offset - start_offset, body, state, number)
            body = None
        elif marker == START:
            yield Item(start_line, start_offset, line_offset - start_offset, body, "unended", number - 1)
            body, start_line, start_offset = [], number, line_offset
        elif text is not None and offset - start_offset <= limit:
            body.append(text[:-2] if text.endswith("\r\n") else text[:-1] if ended else text)  # e.g. '---x'
    if body is not None:
        yield Item(start_line, start_offset, offset - start_offset, body, "unfinished", number)
