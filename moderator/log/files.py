"""Durable file operations for the decision log: opening without following links, an exclusive lock, writes
and reads that are whole or raise, and syncing a folder. Nothing here knows what a document is."""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from moderation_core.files import irregular_kind
from moderator.log.errors import LogError


def refuse_irregular(path: Path) -> None:
    kind = irregular_kind(path)
    if kind is not None:
        raise LogError(f"{path}: is {kind}, not a decision log")


def symlink_error(path: Path) -> LogError:
    try:
        target = os.readlink(path)
    except OSError:
        target = "another file"
    return LogError(
        f"{path}: is a symbolic link (to {target}); a decision log is written only through its own path, "
        "never through a link: name the file itself"
    )


def refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise symlink_error(path)


def open_log(path: Path, flags: int) -> int:
    refuse_irregular(path)  # opening a FIFO would block, a device would be written to
    refuse_symlink(path)  # the clear message; O_NOFOLLOW below closes the gap between the check and the open
    try:
        return os.open(path, flags | os.O_NOFOLLOW, 0o644)
    except FileNotFoundError:
        raise LogError(f"{path}: the folder does not exist") from None
    except IsADirectoryError:
        raise LogError(f"{path}: is a directory, not a decision log") from None
    except PermissionError:
        raise LogError(f"{path}: permission denied") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise symlink_error(path) from None
        raise LogError(f"{path}: cannot open ({reason(error)})") from None


def reason(error: OSError) -> str:
    return error.strerror or str(error)


def ensure_writable(path: str | Path) -> None:
    """Refuse, before any work is done, a log that could not take a decision (creating an empty one is fine)."""
    os.close(open_log(Path(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT))


@contextmanager
def locked(path: Path, flags: int) -> Iterator[int]:
    descriptor = open_log(path, flags)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield descriptor
    finally:
        os.close(descriptor)  # closing releases the lock


class IncompleteWrite(OSError):
    """A write or copy that could not be completed although no system call reported an error."""


def write_all(descriptor: int, data: bytes | memoryview) -> None:
    """Write every byte or raise: ``os.write`` may write fewer bytes than asked (a nearly full disk)."""
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        if written <= 0:
            raise IncompleteWrite(errno.EIO, "the system accepted no more bytes")
        view = view[written:]


def pread_exactly(descriptor: int, size: int, offset: int) -> bytes:
    parts: list[bytes] = []
    while size > 0:
        part = os.pread(descriptor, size, offset)
        if not part:
            raise IncompleteWrite(errno.EIO, "the file is shorter than expected")
        parts.append(part)
        size -= len(part)
        offset += len(part)
    return b"".join(parts)


def fsync_folder(folder: Path) -> None:
    """Make the side file's name durable too: without it a crash could lose the file while the log is cut."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems that cannot sync a folder
            raise
    finally:
        os.close(descriptor)


def remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass  # the error being reported matters more; an incomplete side file is named like the log, visibly
