"""Opening the files the machine-learning core reads (labeled JSONL, taxonomies): regular files only, size-checked.

A FIFO blocks its reader forever, ``/dev/zero`` and ``/dev/urandom`` report size 0 and then never end, and a
directory cannot be read at all: each is refused with one line saying what the path is, before a byte is read.
The same idea as ``moderation_core.files``, kept here because the core must not import the application.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from moderation_core.errors import DataError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def irregular_kind_of_mode(mode: int) -> str | None:
    """``"a directory"``, ``"a FIFO (named pipe)"``... for a ``st_mode`` that is not a regular file, else None."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def irregular_kind(path: str | Path) -> str | None:
    """What ``path`` is when it exists (through symlinks) and is not a regular file; None otherwise."""
    try:
        return irregular_kind_of_mode(os.stat(path).st_mode)
    except OSError:
        return None


def _refuse_os_error(path: Path, error: OSError) -> DataError:
    if isinstance(error, FileNotFoundError):
        return DataError(f"{path}: no such file")
    if isinstance(error, PermissionError):
        return DataError(f"{path}: permission denied")
    if isinstance(error, IsADirectoryError):
        return DataError(f"{path}: is a directory, not a file")
    return DataError(f"{path}: cannot read ({error.strerror or type(error).__name__})")


def _too_large(path: Path, size: int, max_bytes: int, what: str) -> DataError:
    return DataError(f"{path}: file is {size / 2**20:.1f} MiB; the limit is {max_bytes // 2**20} MiB per {what}")


def open_regular(path: str | Path, what: str, max_bytes: int) -> BinaryIO:
    """``path`` opened for reading in binary, after checking it is a regular file of at most ``max_bytes``.

    The kind is checked before opening (opening a FIFO blocks) and again on the open descriptor, opened
    non-blocking, so a path swapped for a FIFO or a device in between is refused too instead of hanging."""
    path = Path(path)
    kind = irregular_kind(path)
    if kind is not None:
        raise DataError(f"{path}: is {kind}, not a {what}")
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _refuse_os_error(path, error) from None
    try:
        status = os.fstat(descriptor)
        kind = irregular_kind_of_mode(status.st_mode)
        if kind is not None:
            raise DataError(f"{path}: is {kind}, not a {what}")
        if status.st_size > max_bytes:
            raise _too_large(path, status.st_size, max_bytes, what)
        # Back to blocking reads: a regular file never blocks, and buffered readers expect blocking descriptors.
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_text(path: str | Path, what: str, max_bytes: int) -> str:
    """The whole UTF-8 text of a small regular file (a UTF-8 byte-order mark is dropped)."""
    path = Path(path)
    with open_regular(path, what, max_bytes) as handle:
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            raise _refuse_os_error(path, error) from None
    if len(data) > max_bytes:  # grew after the size check
        raise _too_large(path, len(data), max_bytes, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: byte {error.start}: not UTF-8 text") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: readers see the old file or the new one, never half of it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
