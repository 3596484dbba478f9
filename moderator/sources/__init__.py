"""Importers: every supported thread source, chosen from the file's content unless a format is named.

``load_threads(path, format=None)`` is the one entry point the CLI, the TUI and the classifier use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moderator.errors import SourceError
from moderator.sources import (
    bugzilla_json,
    bugzilla_text,
    csvfile,
    github_json,
    jsonl,
    mbox,
    yamldoc,
)
from moderator.sources.jsondocs import describe, json_documents
from moderator.sources.reading import MAX_SOURCE_BYTES, SourceText, read_source
from moderator.thread import Thread

__all__ = ["FORMATS", "MAX_SOURCE_BYTES", "detect_format", "load_threads", "load_thread"]

_PARSERS: dict[str, Callable[[SourceText], list[Thread]]] = {
    bugzilla_json.FORMAT: bugzilla_json.parse,
    bugzilla_text.FORMAT: bugzilla_text.parse,
    github_json.FORMAT: github_json.parse,
    mbox.FORMAT: mbox.parse,
    jsonl.FORMAT: jsonl.parse,
    csvfile.FORMAT: csvfile.parse,
    yamldoc.FORMAT: yamldoc.parse,
}
FORMATS: tuple[str, ...] = tuple(_PARSERS)


def detect_format(source: SourceText) -> str:
    """The format of ``source`` told from its content (the file name's extension only breaks ties)."""
    if mbox.looks_like(source.data):
        return mbox.FORMAT
    text = source.text
    stripped = text.lstrip()
    suffix = source.path.suffix.lower()
    if stripped.startswith(("{", "[")):
        return _detect_json(source)
    if suffix in (".yaml", ".yml") or stripped.startswith(("format: moderator-thread", "---")):
        return yamldoc.FORMAT
    if mbox.looks_like_message(source.data):  # a single message (.eml): a thread of one
        return mbox.FORMAT
    first_line = stripped.split("\n", 1)[0]
    if suffix == ".csv" or ("text" in [f.strip().strip('"') for f in first_line.split(",")] and "," in first_line):
        return csvfile.FORMAT
    if bugzilla_text.looks_like(text):
        return bugzilla_text.FORMAT
    raise source.error(
        "unrecognised thread format: not JSON, JSONL, CSV, YAML, mbox, a mail message or a Bugzilla page copy "
        f"(name one with --format: {', '.join(FORMATS)})"
    )


def _detect_json(source: SourceText) -> str:
    first_line = source.text.lstrip().split("\n", 1)[0]
    try:
        documents = json_documents(source)
    except SourceError:
        # A file of one JSON object per line whose later line is broken keeps the format its first line shows: let
        # that importer say which line is bad.
        first = _json_object(first_line) if first_line.startswith("{") else None
        if first is not None:
            return _detect_documents(source, [first])
        raise
    return _detect_documents(source, documents)


def _detect_documents(source: SourceText, documents: list[Any]) -> str:
    if bugzilla_json.looks_like(documents):
        return bugzilla_json.FORMAT
    if github_json.looks_like(documents):
        return github_json.FORMAT
    if isinstance(documents[0], dict) and "text" in documents[0]:
        # JSONL comments; a later bad line is for the JSONL importer to name.
        return jsonl.FORMAT
    raise source.error(
        "JSON of an unknown shape: not a Bugzilla REST response, a GitHub issue comment list or 'gh' output, "
        f"or JSONL comments with a 'text' field (found {describe(documents[0])})"
    )


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def load_threads(path: str | Path, format: str | None = None) -> list[Thread]:
    """Every thread in the file at ``path``; raises :class:`SourceError` for anything it cannot import whole."""
    source = read_source(path)
    if format is None:
        format = detect_format(source)
    elif format not in _PARSERS:
        raise SourceError(path, f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
    try:
        threads = _PARSERS[format](source)
    except RecursionError:
        raise source.error("nested too deeply to import") from None
    if not threads:
        raise source.error("no thread in the file")
    return threads


def load_thread(path: str | Path, format: str | None = None) -> Thread:
    """The single thread in ``path``; a file holding several is an error naming how many."""
    threads = load_threads(path, format)
    if len(threads) != 1:
        ids = ", ".join(str(t.id) for t in threads[:5])
        raise SourceError(path, f"holds {len(threads)} threads ({ids}, ...); this command takes one")
    return threads[0]
