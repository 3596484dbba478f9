"""JSON documents in a source file: one value, or several written one after another (``curl A B > file``,
``gh api --paginate``, one object per line)."""

from __future__ import annotations

import json
from typing import Any

from moderator.sources.reading import SourceText

_decoder = json.JSONDecoder()


def json_documents(source: SourceText) -> list[Any]:
    """Every top-level JSON value of the file in order; a truncated or malformed one is an error with its line."""
    return [value for _, value in located_documents(source)]


def located_documents(source: SourceText) -> list[tuple[int, Any]]:
    """(line the value starts on, value) for every top-level JSON value of the file.

    The line names a record of a JSONL file or a page of a paginated export in error messages. The result is kept
    on ``source``: format detection and the importer then decode the file once between them.
    """
    if source.json_cache is None:
        source.json_cache = _decode_all(source)
    return source.json_cache


def _decode_all(source: SourceText) -> list[tuple[int, Any]]:
    text = source.text
    documents: list[tuple[int, Any]] = []
    line = 1
    counted_to = 0
    position = _skip_space(text, 0)
    while position < len(text):
        line += text.count("\n", counted_to, position)
        counted_to = position
        try:
            value, end = _decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            problem = error.msg
            # An unterminated string runs to the end of the text; its error position is where the string starts.
            if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
                problem = f"truncated JSON ({error.msg})"
            if documents:  # e.g. the second page of `gh api --paginate`, cut short
                problem += f" in top-level JSON value {len(documents) + 1} (starting on line {line})"
            raise source.error(f"invalid JSON: {problem}", line=error.lineno, column=error.colno) from None
        except RecursionError:
            raise source.error("invalid JSON: nested too deeply") from None
        documents.append((line, value))
        position = _skip_space(text, end)
    return documents


def _skip_space(text: str, position: int) -> int:
    length = len(text)
    while position < length and text[position] in " \t\n\r":
        position += 1
    return position


def describe(value: Any) -> str:
    """A few words on what a JSON value is, for "expected X, found Y" errors."""
    if isinstance(value, dict):
        keys = ", ".join(sorted(map(str, value))[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)} items" if value else "an empty list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"
