"""JSON documents in a source file: one value, or several written one after another (``curl A B > file``)."""

from __future__ import annotations

import json
from typing import Any

from moderator.sources.reading import SourceText

_decoder = json.JSONDecoder()


def json_documents(source: SourceText) -> list[Any]:
    """Every top-level JSON value of the file in order; a truncated or malformed one is an error with its line."""
    text = source.text
    documents: list[Any] = []
    position = _skip_space(text, 0)
    while position < len(text):
        try:
            value, end = _decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            problem = error.msg
            # An unterminated string runs to the end of the text; its error position is where the string starts.
            if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
                problem = f"truncated JSON ({error.msg})"
            raise source.error(f"invalid JSON: {problem}", line=error.lineno, column=error.colno) from None
        except RecursionError:
            raise source.error("invalid JSON: nested too deeply") from None
        documents.append(value)
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
    return f"a {type(value).__name__}"
