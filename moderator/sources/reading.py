"""Reading a source file: size limit, binary detection, text decoding with exact error positions.

Memory is bounded by the file, not by what it holds: the bytes are released as soon as the whole text is decoded
(importers that need the text never go back to the bytes), and line-oriented importers (JSONL, CSV) read the
bytes one line at a time instead of decoding the whole file at once (``SourceText.lines``).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from moderation_core.errors import NoThreadError, SourceError
from moderation_core.files import irregular_kind

# Documented limit (README): bigger files are refused with a clear error instead of exhausting memory.
MAX_SOURCE_BYTES = 256 * 1024 * 1024
# Documented limit: more comments than this in one file are refused while reading, before they fill the memory.
# Real exports are far below it: the largest Bugzilla bugs and GitHub issues hold a few thousand comments, and a
# 256 MiB export of real comments (a kilobyte or more each with their metadata) some 200,000 at most. Every comment
# costs 2 to 3 KB on its way through segmentation, scoring and the JSON output, so the limit keeps a file of
# empty comments (12 bytes each: 21 million in 256 MiB) well under 2 GB.
MAX_COMMENTS = 500_000
# Detection looks at this much of the start of a file, never at the whole text.
_PROBE_BYTES = 1024 * 1024
_NOT_BLANK_BYTES = re.compile(rb"[^ \t\r\n]")
_NOT_BLANK_TEXT = re.compile(r"[^ \t\n]")


def too_many_comments(limit: int) -> str:
    """The one-line reason a file with more than ``limit`` comments is refused."""
    return f"more than {limit:,} comments in one file (the limit per source file); split the export"


class SourceText:
    """The bytes of a source file, with its text decoded on first use (and the bytes then released)."""

    __slots__ = ("path", "_data", "_text", "json_cache")

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self._data: bytes | None = data
        self._text: str | None = None
        # (line, value) of each top-level JSON value, decoded once for detection and import (see jsondocs).
        self.json_cache: list[tuple[int, Any]] | None = None

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def data(self) -> bytes:
        if self._data is None:
            # Importers read either the bytes (mbox, JSONL, CSV) or the text, never the bytes after the text.
            raise RuntimeError(f"{self.path}: the bytes were released once the text was decoded")
        return self._data

    @property
    def text(self) -> str:
        """The whole text; decoding it releases the bytes, so a 256 MiB file is never held twice."""
        if self._text is None:
            self._text = decode(self.path, self.data)
            self._data = None
        return self._text

    def release_bytes(self) -> None:
        """Forget the bytes once a line-by-line importer has read the last line (before segmentation allocates)."""
        self._data = None

    def release_text(self) -> None:
        """Forget the decoded text once an importer holds everything it needs from it (decoded JSON values)."""
        self._text = None

    def head(self, limit: int = _PROBE_BYTES) -> str:
        """The text of the first ``limit`` bytes or so, for format detection: the same errors as ``text`` for a
        bad byte among them, and a character cut by the limit left out. The bytes are kept (mbox reads them)."""
        if self._text is not None:
            return self._text[:limit]
        data = self.data
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # rare: decoded whole, not kept
            return decode(self.path, data)[:limit]
        start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        chunk = data[start:limit]
        check_no_nul(self.path, chunk, start)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            text = decoder.decode(chunk, final=False)
        except UnicodeDecodeError as error:
            raise _utf8_error(self.path, data, start + error.start) from None
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def first_line(self, limit: int) -> tuple[int, str] | None:
        """(line number, text) of the first non-blank line (without its line end, leading blanks stripped) when
        it ends within ``limit`` bytes of where it starts; None for a longer one, or one that is not UTF-8
        (``text`` then says where)."""
        if self._text is not None or self.data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = self.text
            found = _NOT_BLANK_TEXT.search(text)
            if found is None:
                return None
            end = text.find("\n", found.start(), found.start() + limit)
            if end == -1 and len(text) - found.start() > limit:
                return None
            return text.count("\n", 0, found.start()) + 1, text[found.start() : None if end == -1 else end]
        data = self.data
        found_byte = _NOT_BLANK_BYTES.search(data, len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
        if found_byte is None:
            return None
        start = found_byte.start()
        end = data.find(b"\n", start, start + limit)
        if end == -1:
            if len(data) - start > limit:
                return None
            end = len(data)
        try:
            line = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return data.count(b"\n", 0, start) + 1, line.split("\r", 1)[0]

    def more_after_first_line(self) -> bool:
        """Whether anything but blanks follows the first non-blank line: a scan for two characters, nothing
        decoded (a minified JSON export is one line however long)."""
        if self._text is not None or self.data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = self.text
            found = _NOT_BLANK_TEXT.search(text)
            end = -1 if found is None else text.find("\n", found.start())
            return end != -1 and _NOT_BLANK_TEXT.search(text, end) is not None
        data = self.data
        found_byte = _NOT_BLANK_BYTES.search(data, len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
        end = -1 if found_byte is None else data.find(b"\n", found_byte.start())
        return end != -1 and _NOT_BLANK_BYTES.search(data, end) is not None

    def contains(self, character: str) -> bool:
        """Whether an ASCII ``character`` occurs in the file (in its bytes or its text, whichever is held)."""
        if self._text is not None:
            return character in self._text
        return character.encode("ascii") in self.data

    def nonblank_lines_over(self, limit: int) -> int | None:
        """How many lines hold more than blanks (at least), when that is more than ``limit`` (else None): lets a
        line-per-record importer refuse a file of millions of records before reading any. Counted in C, in a
        few copies of the file at most (a regular expression takes ten times as long)."""
        content = self._text.encode("utf-8", "surrogatepass") if self._text is not None else self.data
        lines = content.count(b"\n") + 1
        if lines <= limit:
            return None
        # The line end of a blank line follows another line end or a blank: a bound on their number from a few
        # counts (twice the non-overlapping count of "\n\n" bounds the overlapping one) settles most files.
        blank_at_most = 2 * content.count(b"\n\n") + sum(content.count(pair) for pair in (b" \n", b"\t\n", b"\r\n"))
        if lines - blank_at_most - 2 > limit:  # the first and the last line may be blank too
            return lines - blank_at_most - 2
        # Blanks out (a lone "\r" line end too: lines glued together are only counted fewer), then every run of
        # line ends folded into one: what is left between them are the lines with something on them.
        folded = content.translate(None, b" \t\r")
        while b"\n\n" in folded:
            folded = folded.replace(b"\n\n", b"\n")
        nonblank = folded.count(b"\n") + 1 - folded.startswith(b"\n") - folded.endswith(b"\n")
        if folded in (b"", b"\n"):  # blanks only
            nonblank = 0
        return nonblank if nonblank > limit else None

    def lines(self) -> Iterator[tuple[int, str]]:
        """(line number, text) of every line, read from the bytes one line at a time: line ends (``\\n``,
        ``\\r\\n``, ``\\r``) are not part of the text, and the errors are those of ``text`` with the same
        positions. Only one line of decoded text is in memory at a time."""
        if self._text is not None or self.data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            yield from _text_lines(self.text)
            return
        data = self.data
        start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        check_no_nul(self.path, data, 0)
        number = 0
        length = len(data)
        while start < length:
            end = data.find(b"\n", start)
            if end == -1:
                end = length
            if end > start and data[end - 1] == 0x0D:  # "\r\n"
                end_of_text = end - 1
            else:
                end_of_text = end
            for offset, piece in _pieces(data, start, end_of_text):  # an old Mac line end ("\r") inside
                number += 1
                try:
                    yield number, piece.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise _utf8_error(self.path, data, offset + error.start, line=number) from None
            start = end + 1

    def error(self, problem: str, *, line: int | None = None, column: int | None = None) -> SourceError:
        return SourceError(self.path, problem, line=line, column=column)

    def no_thread(self, problem: str, *, line: int | None = None) -> NoThreadError:
        """The file is data of its kind but holds no thread (see NoThreadError)."""
        return NoThreadError(self.path, problem, line=line)


def _pieces(data: bytes, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of the lines between ``start`` and ``end`` split at lone "\r" line ends, one at a time."""
    while True:
        cut = data.find(b"\r", start, end)
        if cut == -1:
            yield start, data[start:end]
            return
        yield start, data[start:cut]
        start = cut + 1


def _text_lines(text: str) -> Iterator[tuple[int, str]]:
    """The lines of an already decoded text, without splitting it into a list of them all at once."""
    start = 0
    number = 0
    length = len(text)
    while start < length:
        end = text.find("\n", start)
        if end == -1:
            end = length
        number += 1
        yield number, text[start:end]
        start = end + 1


def read_source(path: str | Path) -> SourceText:
    """Read ``path`` whole, refusing what no importer can take (missing, empty, too large, binary)."""
    path = Path(path)
    kind = irregular_kind(path)
    if kind is not None:
        raise SourceError(path, f"is {kind}, not a thread file")
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(
                path, f"file is {size / 2**20:.0f} MiB; the limit is {MAX_SOURCE_BYTES // 2**20} MiB per source file"
            )
        data = path.read_bytes()
    except OSError as error:
        raise unreadable(path, error) from None
    if not data.strip():
        raise NoThreadError(path, "empty file: no thread in it")
    return SourceText(path, data)


def unreadable(path: Path, error: OSError) -> SourceError:
    """The one-line error for a source that could not be opened or read."""
    if isinstance(error, FileNotFoundError):
        return SourceError(path, "no such file")
    if isinstance(error, PermissionError):
        return SourceError(path, "permission denied")
    if isinstance(error, IsADirectoryError):
        return SourceError(path, "is a directory, not a thread file")
    return SourceError(path, f"cannot read: {error.strerror or error}")


def check_no_nul(path: Path, data: bytes, base: int) -> None:
    nul = data.find(b"\x00")
    if nul != -1:
        raise SourceError(path, "binary file (NUL byte), not a thread export", offset=base + nul)


def _utf8_error(path: Path, data: bytes, offset: int, *, line: int | None = None) -> SourceError:
    """The error for the byte at ``offset`` (of the whole file) that is not UTF-8."""
    if line is None:
        line = data.count(b"\n", 0, offset) + 1
    return not_utf8(path, data[offset], offset, line)


def not_utf8(path: Path, byte: int, offset: int, line: int) -> SourceError:
    """The error for ``byte``, at ``offset`` of the file and on ``line``, that is not UTF-8."""
    return SourceError(
        path,
        f"not UTF-8 text: byte 0x{byte:02x} at offset {offset} (binary file or another encoding; save it as UTF-8)",
        line=line,
    )


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text (UTF-16 and UTF-8 with a byte-order mark too), or an error naming the first bad byte."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise SourceError(path, f"invalid UTF-16 ({error.reason})", offset=error.start) from None
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    check_no_nul(path, data, 0)
    try:
        # A view skips the byte-order mark without copying the whole file.
        text = str(memoryview(data)[start:], "utf-8")
    except UnicodeDecodeError as error:
        raise _utf8_error(path, data, start + error.start) from None
    # Windows and old Mac line ends: every importer works on "\n" lines.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
