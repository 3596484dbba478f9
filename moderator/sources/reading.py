"""Reading a source file: size limit, binary detection, text decoding with exact error positions."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderator.errors import SourceError
from moderator.filekinds import irregular_kind

# Documented limit (README): bigger files are refused with a clear error instead of exhausting memory.
MAX_SOURCE_BYTES = 256 * 1024 * 1024


@dataclass(slots=True)
class SourceText:
    """The bytes of a source file, with its text decoded on first use."""

    path: Path
    data: bytes
    _text: str | None = field(default=None, init=False)
    # (line, value) of each top-level JSON value, decoded once for detection and import (see jsondocs).
    json_cache: list[tuple[int, Any]] | None = field(default=None, init=False)

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = decode(self.path, self.data)
        return self._text

    def error(self, problem: str, *, line: int | None = None, column: int | None = None) -> SourceError:
        return SourceError(self.path, problem, line=line, column=column)


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
    except FileNotFoundError:
        raise SourceError(path, "no such file") from None
    except PermissionError:
        raise SourceError(path, "permission denied") from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory, not a thread file") from None
    except OSError as error:
        raise SourceError(path, f"cannot read: {error.strerror or error}") from None
    if not data.strip():
        raise SourceError(path, "empty file: no thread in it")
    return SourceText(path, data)


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text (UTF-16 and UTF-8 with a byte-order mark too), or an error naming the first bad byte."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise SourceError(path, f"invalid UTF-16 ({error.reason})", offset=error.start) from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    nul = data.find(b"\x00")
    if nul != -1:
        raise SourceError(path, "binary file (NUL byte), not a thread export", offset=nul)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(
            path,
            f"not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start} "
            "(binary file or another encoding; save it as UTF-8)",
            line=line,
        ) from None
    # Windows and old Mac line ends: every importer works on "\n" lines.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
