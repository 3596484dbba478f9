"""JSON documents in a source file: one value, or several written one after another (``curl A B > file``,
``gh api --paginate``, one object per line).

Hostile JSON is refused with the position, never a traceback: nesting deeper than the decoder can follow,
integers longer than Python converts (4300 digits), and more values than fit in memory once decoded (a 256 MiB
file of ``{},`` would be 80 million dictionaries).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from moderation_core.errors import SourceError
from moderation_core.textsafe import one_line
from moderator.sources import reading
from moderator.sources.reading import SourceText

_decoder = json.JSONDecoder()

# Documented limits. Real exports nest a handful of levels; the decoder itself gives up near Python's recursion
# limit (about 1000), and a deeper value is refused naming where it passes this depth.
MAX_JSON_NESTING = 500
# Objects, lists and the values in them: real exports hold one per 17 bytes or more (GitHub's objects with
# reactions and user URLs are the densest), so a 256 MiB export stays under 16 million; 20 million of the
# smallest values (``{}``) already take 1.5 GB once decoded.
MAX_JSON_VALUES = 20_000_000

# Strings (an unterminated one runs to the end) and the tokens the error scans look for outside them.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"?'
_STRINGS = re.compile(_STRING)
_NESTING_TOKENS = re.compile(_STRING + r"|[\[\]{}]")
# Whole numbers, fractions and exponents alike, so that a scan never restarts inside a long run of digits.
_NUMBER_TOKENS = re.compile(_STRING + r"|-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
_SPACE = re.compile(r"[ \t\n\r]*")  # in C: a file padded with 200 MB of blanks is skipped at once


def located_documents(source: SourceText) -> list[tuple[int, Any]]:
    """(line the value starts on, value) for every top-level JSON value of the file, for a JSON importer.

    The line names a record of a JSONL file or a page of a paginated export in error messages. The text is
    released once decoded: the values are all the JSON importers need.
    """
    documents = decoded_documents(source)
    source.release_text()
    return documents


def decoded_documents(source: SourceText) -> list[tuple[int, Any]]:
    """What ``located_documents`` gives, with the text kept: format detection decodes the file and may still hand
    it to the JSONL importer, which reads its lines. The values are kept on ``source``, so detection and the
    importer decode the file once between them; a truncated or malformed value is an error with its line."""
    if source.json_cache is None:
        source.json_cache = _decode_all(source)
    return source.json_cache


def _decode_all(source: SourceText) -> list[tuple[int, Any]]:
    text = source.text
    check_value_count(source, text)
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
        except (RecursionError, ValueError) as error:  # ValueError: an integer too long to convert
            raise decoding_limit_error(source, text, position, error) from None
        documents.append((line, value))
        if len(documents) > reading.MAX_COMMENTS + 1:  # `1 1 1 ...` holds no comma for the value count to see
            raise source.error(
                f"more than {reading.MAX_COMMENTS + 1:,} top-level JSON values: too many to import "
                "(the limit per source file is one per comment, and the issue)",
                line=line,
            )
        position = _skip_space(text, end)
    return documents


def loads_line(source: SourceText, text: str, line: int) -> Any:
    """The JSON value of one line of a JSONL file, every refusal naming the line (and the column where known)."""
    check_value_count(source, text, line=line)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        problem = "truncated JSON line" if truncated else "invalid JSON"
        raise source.error(f"{problem} ({error.msg})", line=line, column=error.colno) from None
    except (RecursionError, ValueError) as error:
        raise decoding_limit_error(source, text, 0, error, line=line) from None


def decoding_limit_error(
    source: SourceText, text: str, start: int, error: Exception, *, line: int | None = None
) -> SourceError:
    """The one-line refusal of a value the decoder gave up on (too deep, or an integer too long), at the place
    in ``text`` (from ``start``) where it passes the limit. ``line`` is the line ``text`` is, for a JSONL line."""
    if isinstance(error, RecursionError):
        position = _nesting_position(text, start, MAX_JSON_NESTING)
        problem = f"invalid JSON: nesting deeper than {MAX_JSON_NESTING} levels"
    else:
        digits = sys.get_int_max_str_digits()
        position = _long_integer_position(text, start, digits)
        problem = f"invalid JSON: an integer with more than {digits} digits"
    if position is None:  # the decoder stopped earlier than our own scan would (a deep stack already)
        return source.error(problem, line=line)
    if line is not None:
        return source.error(problem, line=line, column=position + 1)
    found_line = text.count("\n", 0, position) + 1
    return source.error(problem, line=found_line, column=position - text.rfind("\n", 0, position))


def _nesting_position(text: str, start: int, limit: int) -> int | None:
    """Where the nesting of the value starting at ``start`` first goes deeper than ``limit``."""
    depth = 0
    for token in _NESTING_TOKENS.finditer(text, start):
        character = token.group()[0]
        if character in "[{":
            depth += 1
            if depth > limit:
                return token.start()
        elif character in "]}":
            depth -= 1
            if depth == 0:
                return None
    return None


def _long_integer_position(text: str, start: int, digits: int) -> int | None:
    """Where the first integer (outside strings) longer than ``digits`` digits starts."""
    for token in _NUMBER_TOKENS.finditer(text, start):
        number = token.group()
        if number[0] != '"' and len(number.lstrip("-")) > digits and number.lstrip("-").isdigit():
            return token.start()
    return None


def check_value_count(source: SourceText, text: str, *, line: int | None = None) -> None:
    """Refuse, before decoding, JSON with more values than memory holds once decoded (``MAX_JSON_VALUES``).

    Every value after the first of an object or list follows a comma, and every object or list opens with a
    bracket: counting them bounds the values. Counting in the raw text is instant and includes the commas of the
    strings (prose, pasted CSV), so only a text over the limit is counted again with its strings left out.
    """
    if _too_many_values(text):
        raise source.error(
            f"more than {MAX_JSON_VALUES:,} JSON values (objects, lists, strings, numbers): too many to import "
            "(the limit per source file)",
            line=line,
        )


def _too_many_values(text: str) -> bool:
    """Whether ``text`` holds more than ``MAX_JSON_VALUES`` values (see check_value_count)."""
    if len(text) <= MAX_JSON_VALUES:  # every counted value takes at least one character: no need to count
        return False
    if _structure_count(text) <= MAX_JSON_VALUES:
        return False
    return _structure_count(_STRINGS.sub("", text)) > MAX_JSON_VALUES


def _structure_count(text: str) -> int:
    return text.count(",") + text.count("[") + text.count("{")


def _skip_space(text: str, position: int) -> int:
    return _SPACE.match(text, position).end()  # type: ignore[union-attr]  # (it matches the empty string too)


def describe(value: Any) -> str:
    """A few words on what a JSON value is, for "expected X, found Y" errors (text from the file made visible
    and kept short: it goes to the terminal)."""
    if isinstance(value, dict):
        keys = ", ".join(one_line(str(key), 40) for key in sorted(map(str, value))[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)} items" if value else "an empty list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {one_line(str(value), 40)}"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"
