"""Importers: every supported thread source, chosen from the file's content unless a format is named.

``load_threads(path, format=None)`` is the one entry point the CLI, the TUI and the classifier use.

Detection reads the start of the file only, so a JSONL or CSV file is never decoded whole before its importer
reads it line by line; JSON is decoded once, by detection, and handed to the importer (a JSONL file told apart
only by its whole decoded values keeps its text for the importer, which then reads it line by line).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moderation_core.errors import SourceError, UnrecognisedFormatError
from moderation_core.thread import Thread
from moderator.sources import (
    bugzilla_json,
    bugzilla_text,
    csvfile,
    github_json,
    jsonl,
    mbox,
    reading,
    yamldoc,
)
from moderator.sources.jsondocs import check_value_count, decoded_documents, describe
from moderator.sources.reading import MAX_SOURCE_BYTES, SourceText, read_source, too_many_comments

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
# The first line of a JSON file is decoded on its own, to tell a JSONL file by its first record, when it ends within
# this prefix of the file (the size SourceText.head reads). A file that is one longer line (a minified export) is
# decoded once, whole, for its importer: never the line first and the file again.
FIRST_LINE_PROBE = 1024 * 1024


def detect_format(source: SourceText) -> str:
    """The format of ``source`` told from its content (the file name's extension only breaks ties)."""
    if mbox.looks_like(source.data):
        return mbox.FORMAT
    # Both mail tests read the bytes, which decoding the whole text (JSON, page copies) releases.
    is_message = mbox.looks_like_message(source.data)
    stripped = _probe(source).lstrip()
    suffix = source.path.suffix.lower()
    if stripped.startswith(("{", "[")):
        return _detect_json(source)
    if suffix in (".yaml", ".yml") or stripped.startswith(("format: moderator-thread", "---")):
        return yamldoc.FORMAT
    if is_message:  # a single message (.eml): a thread of one
        return mbox.FORMAT
    first_line = stripped.split("\n", 1)[0]
    if suffix == ".csv" or ("text" in [f.strip().strip('"') for f in first_line.split(",")] and "," in first_line):
        return csvfile.FORMAT
    if bugzilla_text.looks_like(source.text):
        return bugzilla_text.FORMAT
    raise UnrecognisedFormatError(
        source.path,
        "unrecognised thread format: not JSON, JSONL, CSV, YAML, mbox, a mail message or a Bugzilla page copy "
        f"(name one with --format: {', '.join(FORMATS)})",
    )


def _probe(source: SourceText) -> str:
    """The start of the text, enough to tell the format; the whole text when the start is only blank."""
    head = source.head()
    return head if head.strip() else source.text


def _detect_json(source: SourceText) -> str:
    first_line = source.first_line(FIRST_LINE_PROBE)
    if first_line is None and source.more_after_first_line():
        # A first line past the prefix with more after it: a long JSONL record, or the first of several JSON values.
        # That line alone is decoded: the whole file is still decoded once at most. (A file that is one long line,
        # a minified export, is decoded once, below, for its importer.)
        first_line = source.first_line(MAX_SOURCE_BYTES)
    first = first_line_record(source, first_line)
    if first is not None and is_plain_record(first):
        return jsonl.FORMAT  # decided by the first record alone: the JSONL importer reads the rest line by line
    try:
        located = decoded_documents(source)  # kept on source: the JSON importers take them as they are
    except SourceError:
        # A file of one JSON object per line whose later line is broken keeps the format its first line shows: let
        # that importer say which line is bad.
        if first is not None:
            return _detect_documents(source, [first])
        raise
    documents = [value for _, value in located]
    if first_line is None and len(documents) == 1 and isinstance(documents[0], dict):
        first = documents[0]  # the one value of a one-line file: what its first line holds
    if first is not None and is_plain_record(first):
        format = jsonl.FORMAT
    else:
        format = _detect_documents(source, documents)
    if format == jsonl.FORMAT:
        source.json_cache = None  # the JSONL importer reads the text line by line, each error naming its line
    return format


def is_plain_record(value: dict[str, Any]) -> bool:
    """A generic comment record (JSONL): it has a text, and no file whose first value is such a record is a Bugzilla
    response (those hold ``bugs``) or a GitHub export (whose first value is then an issue object)."""
    return "text" in value and "bugs" not in value and not github_json.is_issue(value)


def first_line_record(source: SourceText, first_line: tuple[int, str] | None) -> dict[str, Any] | None:
    """The JSON object the first non-blank line holds whole, if it is one (a JSONL record); None otherwise."""
    if first_line is None or not first_line[1].startswith("{"):
        return None
    number, line = first_line
    check_value_count(source, line, line=number)  # before decoding it
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):  # invalid JSON: the whole-file decoding says where
        return None
    return value if isinstance(value, dict) else None


def _detect_documents(source: SourceText, documents: list[Any]) -> str:
    if bugzilla_json.looks_like(documents):
        return bugzilla_json.FORMAT
    if github_json.looks_like(documents):
        return github_json.FORMAT
    if isinstance(documents[0], dict) and "text" in documents[0]:
        # JSONL comments; a later bad line is for the JSONL importer to name.
        return jsonl.FORMAT
    raise source.no_thread(
        "JSON of an unknown shape: not a Bugzilla REST response, a GitHub issue comment list or 'gh' output, "
        f"or JSONL comments with a 'text' field (found {describe(documents[0])})"
    )


def load_threads(path: str | Path, format: str | None = None) -> list[Thread]:
    """Every thread in the file at ``path``; raises :class:`SourceError` for anything it cannot import whole."""
    source = read_source(path)
    try:
        if format is None:
            format = detect_format(source)
        elif format not in _PARSERS:
            raise SourceError(path, f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
        threads = _PARSERS[format](source)
    except RecursionError:  # the importers refuse deep nesting with its position; this is the last resort
        raise source.error("nested too deeply to import") from None
    if not threads:
        raise source.no_thread("no thread in the file")
    # The same limit for the importers that do not count as they read.
    if sum(len(thread.comments) for thread in threads) > reading.MAX_COMMENTS:
        raise source.error(too_many_comments(reading.MAX_COMMENTS))
    return threads


def load_thread(path: str | Path, format: str | None = None) -> Thread:
    """The single thread in ``path``; a file holding several is an error naming how many."""
    threads = load_threads(path, format)
    if len(threads) != 1:
        ids = ", ".join(str(t.id) for t in threads[:5])
        raise SourceError(path, f"holds {len(threads)} threads ({ids}, ...); this command takes one")
    return threads[0]
