"""What a path is when it is not a regular file: sources and logs are read and written only as regular files.

A FIFO blocks the reader forever, ``/dev/zero`` and ``/dev/urandom`` report size 0 and then never end, and a
directory cannot be read at all: each is refused before it is opened, with a message that says what it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def irregular_kind(path: str | Path) -> str | None:
    """``"a directory"``, ``"a FIFO (named pipe)"``... when ``path`` exists (through symlinks) and is not a
    regular file; None for a regular file or a path that does not exist (the caller reports that its own way)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")
