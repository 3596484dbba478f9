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


_CHUNK = 64 * 1024  # read at a time: large enough to split lines at C speed, small enough to keep memory low
_MARKER_BYTES = (START.encode(), END.encode())
_BETWEEN_DOCUMENTS = b"\n...\n---\n"  # the end of a rendered document and the start of the next
_READ_ON = (-1, -1)  # what _Lines._ordinary_end says when the buffer ends before the document does


_new_item = tuple.__new__  # Item(...) without the Python-level __new__ of a named tuple: the very same tuple


class _Lines:
    """The file, read a block at a time (never a line at a time: a Python call per line is what made loading a big
    log slow). ``readline`` is ``handle.readline(line_limit)``: a line of at most ``line_limit`` bytes, its line
    break included; :meth:`ordinary_documents` takes whole documents as render wrote them. At most a block and a
    line of ``line_limit`` bytes are held (a few copies of them while documents are split apart)."""

    __slots__ = ("_read", "_line_limit", "_buffer", "_position", "_end_of_file", "_no_runs_in")

    def __init__(self, handle: BinaryIO, line_limit: int) -> None:
        self._read = handle.read
        self._line_limit = line_limit
        self._buffer = b""
        self._position = 0
        self._end_of_file = False
        self._no_runs_in = b""  # a buffer where a run of ordinary documents ended early: not searched again

    def readline(self) -> bytes:
        buffer, position = self._buffer, self._position
        end = buffer.find(b"\n", position, position + self._line_limit)
        if end < 0:
            return self._readline_across_blocks()
        self._position = end + 1
        return buffer[position : end + 1]

    def _readline_across_blocks(self) -> bytes:
        """``readline`` when the buffer holds no whole line: read on until a line break, the limit or the end."""
        line_limit = self._line_limit
        rest = self._buffer[self._position : self._position + line_limit]
        if len(rest) == line_limit:  # a line longer than the limit: its first piece, as readline(limit) gives it
            self._position += line_limit
            return rest
        self._buffer = b""  # held once, in rest
        pieces, held, want = [rest], len(rest), _CHUNK
        while not self._end_of_file and held < line_limit:
            piece = self._read(want)
            if not piece:
                self._end_of_file = True
                break
            pieces.append(piece)
            held += len(piece)
            if b"\n" in piece:
                break
            want = max(line_limit - held, 1)  # the rest of a long line at once: no quadratic re-reading
        self._buffer, self._position = b"".join(pieces), 0
        del pieces
        buffer = self._buffer
        end = buffer.find(b"\n", 0, line_limit)
        size = end + 1 if end >= 0 else min(len(buffer), line_limit)
        self._position = size
        return buffer[:size]

    def skip_rest_of_line(self) -> tuple[int, bool]:
        """(bytes skipped, whether a line break ended the line), never holding more than a block of it."""
        buffer, position = self._buffer, self._position
        skipped = 0
        while True:
            end = buffer.find(b"\n", position)
            if end >= 0:
                self._buffer, self._position = buffer, end + 1
                return skipped + end + 1 - position, True
            skipped += len(buffer) - position
            buffer, position = (b"" if self._end_of_file else self._read(_CHUNK)), 0
            if not buffer:
                self._buffer, self._position, self._end_of_file = b"", 0, True
                return skipped, False

    def ordinary_documents(self, room: int) -> tuple[list[tuple[list[str], int]], bool]:
        """After a '---' line and its line break: the ordinary complete documents that follow, as (body lines,
        bytes taken after its '---' line) each, every one after the first with a '---' line of 4 bytes before
        it; and whether the line after the last one, taken too, is a '---' line that starts the next document.
        An ordinary document is what :func:`~moderator.log.codec.render` writes: no line of its body starts
        with '---' or '...', its end line is '...' and a line break, it is valid UTF-8 with LF line ends and
        fits in ``room`` bytes with its '---' line. None taken (and nothing read) when the next one is no such
        document: the reader then goes on line by line, as it always did."""
        taken = self._ordinary_run(room)
        if not taken:
            single = self._document_rest(room)
            if single is None:
                return [], False
            taken = [single]
        next_starts = self._buffer.startswith(b"---\n", self._position)
        if next_starts:
            self._position += 4
        return taken, next_starts

    def _ordinary_run(self, room: int) -> list[tuple[list[str], int]]:
        """The ordinary documents the buffer holds whole from here on, split apart at once: the hot path of
        loading a big log. A run ends at the first document that is not one (then no run is searched for again
        in this buffer, so a buffer is searched once however unusual its documents)."""
        buffer, position = self._buffer, self._position
        if buffer is self._no_runs_in:
            return []
        end = buffer.rfind(b"\n...\n", position)  # where the last document the buffer holds whole ends
        if end < position:
            return []
        region = buffer[position:end]
        bodies = region.split(_BETWEEN_DOCUMENTS)
        whole = (  # each a body that needs no checking alone: no line starting with a marker but between them
            region.count(b"\n---") == len(bodies) - 1
            and region.count(b"\n...") == len(bodies) - 1
            and not region.startswith(_MARKER_BYTES)
            and b"\r" not in region
        )
        run = []
        for body in bodies:
            if (
                not whole
                and (b"\n---" in body or b"\n..." in body or body.startswith(_MARKER_BYTES) or b"\r" in body)
                or len(body) > room - 5
            ):  # with its '---' line, its '...' line and the break before it
                break
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                break  # read line by line, the error names its line and byte
            run.append((text.split("\n"), len(body) + 5))
        if len(run) < len(bodies):
            self._no_runs_in = buffer
        if run:
            self._position = position + sum(size for _, size in run) + 4 * (len(run) - 1)
        return run

    def _document_rest(self, room: int) -> tuple[list[str], int] | None:
        """One ordinary document, which may go on past the buffer: (body lines, bytes taken), or None with
        nothing taken. Its end line may carry trailing blanks and its lines end with CRLF."""
        found = self._ordinary_end(room)
        if found is _READ_ON:  # the document goes on past the block: once more with the next block
            self._refill()
            found = self._ordinary_end(room)
            if found is _READ_ON:
                return None
        if found is None:
            return None
        buffer, position = self._buffer, self._position
        body_end, line_end = found
        try:
            text = buffer[position:body_end].decode("utf-8")
        except UnicodeDecodeError:
            return None  # read line by line, the error names its line and byte
        lines = text[:-1].split("\n") if text else []
        if "\r" in text:  # CRLF line ends are read as LF
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        self._position = line_end
        return lines, line_end - position

    def _ordinary_end(self, room: int) -> tuple[int, int] | None:
        """(where the end line starts, where it ends) in the buffer, for :meth:`_document_rest`; None when the
        first line starting with a marker is no '...' line (or ends too late), _READ_ON when the buffer ends
        first. Every search stops at the next '---' line, so a line costs what it costs once."""
        buffer, position = self._buffer, self._position
        stop = position + room
        size = len(buffer)
        read_on = None
        if stop >= size:
            stop, read_on = size, (None if self._end_of_file else _READ_ON)
        if buffer.startswith(_MARKER_BYTES, position):
            candidate = position
        else:
            dashes = buffer.find(b"\n---", position, stop)
            dots = buffer.find(b"\n...", position, stop if dashes < 0 else dashes)
            candidate = (dots if dots >= 0 else dashes) + 1  # the first line starting with a marker
            if candidate == 0:
                return read_on
        if buffer.startswith(b"...\n", candidate) and candidate + 4 <= stop:
            return candidate, candidate + 4
        line_end = buffer.find(b"\n", candidate, stop) + 1
        if line_end == 0:
            return read_on
        if buffer[candidate : line_end - 1].rstrip(b" \t\r") != _MARKER_BYTES[1]:
            return None
        return candidate, line_end

    def _refill(self) -> None:
        piece = self._read(_CHUNK)
        if not piece:
            self._end_of_file = True
        self._buffer, self._position = self._buffer[self._position :] + piece, 0


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
    held in memory: whatever holds it is refused by its size.

    Ordinary complete documents (what :func:`~moderator.log.codec.render` writes) are taken whole after a '---'
    line (:meth:`_Lines.ordinary_documents`): the hot path of loading a big log. Anything else, and any document
    that path declines, is read line by line by the rules below; both give the same pieces (a test keeps the
    line by line reading of every file as the reference)."""
    line_limit = limit + 1
    lines = _Lines(handle, line_limit)
    readline = lines.readline
    body: list[str] | None = None
    start_line = start_offset = number = 0
    raw = readline()
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
            more, ended = lines.skip_rest_of_line()
            offset += more
            text = None
        else:  # the last line, without a line break
            ended = False
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = _undecodable(raw, ended, error, number, line_offset)
        if body is not None and text is not None and not text.startswith(_MARKERS):
            if offset - start_offset <= limit:
                body.append(text[:-2] if text.endswith("\r\n") else text[:-1] if ended else text)
            # past the limit the body is no longer kept: the document is refused by its size, memory stays bounded
            raw = readline()
            continue
        marker = text.rstrip(_BLANK_LINE) if text is not None else None
        if body is None:
            if marker == START:
                body, start_line, start_offset = [], number, line_offset
                room = limit - (offset - line_offset)
                while ended:  # ordinary documents, one after the other, taken whole
                    taken, next_starts = lines.ordinary_documents(room)
                    if not taken:
                        break
                    for index, (body, size) in enumerate(taken):
                        if index:  # its '---' line, taken with the document before it
                            number += 1
                            start_line, start_offset = number, offset
                            offset += 4
                        number += len(body) + 1
                        offset += size
                        yield _new_item(
                            Item, (start_line, start_offset, offset - start_offset, body, "complete", number)
                        )
                    body = None
                    if not next_starts:
                        break
                    number += 1  # the next document's '---' line, taken with the one before it
                    body, start_line, start_offset = [], number, offset
                    offset += 4
                    room = limit - 4
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
        raw = readline()
    if body is not None:
        yield Item(start_line, start_offset, offset - start_offset, body, "unfinished", number)
