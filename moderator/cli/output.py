"""Where every command's output goes: through here, so whatever a command forgot to escape (a path, a name from
a file) is still shown, never acted on by the terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from moderation_core.textsafe import visible


def write(text: str) -> None:
    # Already escaped text comes through unchanged.
    sys.stdout.write(visible(text))
    sys.stdout.flush()


def write_chunks(chunks: Iterable[str], batch: int = 1 << 20) -> None:
    """Write ``chunks`` in batches of about ``batch`` characters: few system calls, bounded memory."""
    pending: list[str] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= batch:
            write("".join(pending))
            pending, size = [], 0
    write("".join(pending))
