"""Generic comment records (JSONL lines, CSV rows, YAML thread documents) grouped into threads.

The fields are those of ``../shared/data/README.md``: ``thread``, ``title``, ``number``, ``id``, ``author``,
``created``, ``text`` (only ``text`` is required; null or empty is an empty comment), plus ``author_role``, ``url``,
``source`` and ``tags`` where a file has them. Many threads may share one file; a record without a thread belongs to
the file's own thread.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from moderator.errors import SourceError
from moderator.segmentation import segment_thread
from moderator.sources.reading import SourceText
from moderator.thread import Comment, Thread

# Records without a "thread" field are taken as one thread; which one cannot be known, and the moderator is told.
NO_THREAD_NOTE = "no 'thread' field: these comments are taken as one thread whose id cannot be known"
_OPTIONAL_TEXT = ("title", "id", "author", "author_role", "created", "url", "source")


@dataclass(slots=True)
class Record:
    """One comment record, with where it is in the file for error messages: a line, or an item like ``comments[3]``."""

    line: int | None
    fields: dict[str, Any]
    item: str | None = None

    def error(self, source: SourceText, problem: str) -> SourceError:
        if self.item is not None:
            return source.error(f"{self.item}: {problem}")
        return source.error(problem, line=self.line)


def _text_value(source: SourceText, record: Record, name: str) -> str | None:
    value = record.fields.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):  # YAML reads unquoted timestamps as dates
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name in ("id", "thread"):
        return str(value)
    if not isinstance(value, str):
        raise record.error(source, f"field {name!r} must be text, found {type(value).__name__}")
    return value


def _number(source: SourceText, record: Record) -> int | None:
    value = record.fields.get("number")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdecimal():  # not isdigit: int() refuses "²"
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise record.error(source, f"field 'number' must be a whole number >= 0, found {value!r}")
    return value


def _tags(source: SourceText, record: Record) -> tuple[str, ...]:
    value = record.fields.get("tags")
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(";") if t.strip())
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return tuple(value)
    raise record.error(source, "field 'tags' must be a list of strings (or ';'-separated text)")


def records_to_threads(
    source: SourceText, records: list[Record], *, source_name: str, defaults: dict[str, Any] | None = None
) -> list[Thread]:
    """Threads in order of first appearance, comments ordered by number; duplicate numbers are an error."""
    if not records:
        raise source.error("no comments in the file")
    defaults = defaults or {}
    groups: dict[str | None, list[tuple[Record, Comment]]] = {}
    for record in records:
        if "text" not in record.fields:
            raise record.error(source, "missing required field 'text'")
        # An empty comment is still a comment (its number and author count); only a missing field is an error.
        text = record.fields["text"]
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise record.error(source, "field 'text' must be text")
        thread_key = _text_value(source, record, "thread")
        values = {name: _text_value(source, record, name) for name in _OPTIONAL_TEXT}
        comment = Comment(
            number=_number(source, record),
            id=values["id"],
            author=values["author"],
            author_role=values["author_role"],
            created=values["created"],
            text=text,
            tags=_tags(source, record),
        )
        groups.setdefault(thread_key, []).append((record, comment))

    threads = []
    for thread_key, members in groups.items():
        next_number = 0
        seen: dict[int, str] = {}
        for record, comment in members:
            if comment.number is None:
                comment.number = next_number
            if comment.number in seen:
                where = f"thread {thread_key!r}: " if thread_key else ""
                first = seen[comment.number]
                raise record.error(source, f"{where}duplicate comment number {comment.number} (first at {first})")
            seen[comment.number] = record.item or f"line {record.line}"
            next_number = comment.number + 1
        comments = sorted((c for _, c in members), key=lambda c: c.number or 0)
        segment_thread(comments)
        first = members[0][0]
        title = next((_text_value(source, r, "title") for r, _ in members if r.fields.get("title")), None)
        url = _text_value(source, first, "url")
        origin = _text_value(source, first, "source")
        thread_id = thread_key if thread_key is not None else defaults.get("id")
        threads.append(
            Thread(
                source=defaults.get("source") or origin or source_name,
                id=thread_id,
                notes=() if thread_id is not None else (NO_THREAD_NOTE,),
                title=title or defaults.get("title"),
                url=url or defaults.get("url"),
                product=defaults.get("product"),
                component=defaults.get("component"),
                reporter=defaults.get("reporter"),
                assignee=defaults.get("assignee"),
                comments=comments,
                path=source.name,
            )
        )
    return threads
