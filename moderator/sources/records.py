"""Generic comment records (JSONL lines, CSV rows, YAML thread documents) grouped into threads.

The fields are those of ``../shared/data/README.md``: ``thread``, ``title``, ``number``, ``id``, ``author``,
``created``, ``text`` (only ``text`` is required; null or empty is an empty comment), plus ``author_role``, ``url``,
``source`` and ``tags`` where a file has them. Many threads may share one file; a record without a thread belongs to
the file's own thread.

Records are turned into comments one at a time as the importer reads them (``ThreadCollector.add``): the record's
fields are dropped at once, so a big file holds its comments, never its records as well.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from moderation_core.errors import SourceError
from moderation_core.segmentation import segment_thread
from moderation_core.textsafe import one_line
from moderation_core.thread import Comment, Thread
from moderator.sources import reading
from moderator.sources.jsondocs import describe
from moderator.sources.reading import SourceText, too_many_comments

# Records without a "thread" field are taken as one thread; which one cannot be known, and the moderator is told.
NO_THREAD_NOTE = "no 'thread' field: these comments are taken as one thread whose id cannot be known"
_OPTIONAL_TEXT = ("title", "id", "author", "author_role", "created", "url", "source")
# Comment numbers are positions in a thread; a bigger one is a typo or hostile (and its successor could pass
# Python's 4300-digit limit for printing a number).
MAX_COMMENT_NUMBER = 999_999_999
# Floats convert to whole numbers exactly only up to 2**53; a bigger "4127.0" may not be the id that was meant.
_EXACT_FLOAT = 2.0**53


@dataclass(slots=True)
class Record:
    """One comment record, with where it is in the file for error messages: a line, or an item like ``comments[3]``."""

    line: int | None
    fields: dict[str, Any]
    item: str | None = None

    @property
    def where(self) -> int | str:
        """What an error elsewhere says of this record ("first at line 3"): kept instead of the record."""
        return self.item if self.item is not None else self.line or 0

    def error(self, source: SourceText, problem: str) -> SourceError:
        if self.item is not None:
            return source.error(f"{self.item}: {problem}")
        return source.error(problem, line=self.line)


def shown(value: Any) -> str:
    """A field value as an error shows it: short, visible, and never the repr of a deeply nested list."""
    if isinstance(value, str):  # repr escapes controls, bidi overrides and lone surrogates
        return one_line(repr(value[:60]))
    if isinstance(value, (bool, int, float)) or value is None:
        return one_line(repr(value), 60)
    return describe(value)


def whole_number_text(value: int | float) -> str | None:
    """``4127`` for the JSON numbers 4127 and 4127.0 (pandas writes ids as floats); None for 1.5, NaN, 1e400."""
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value.is_integer() and abs(value) <= _EXACT_FLOAT:
        return str(int(value))
    return None


def text_value(source: SourceText, record: Record, name: str) -> str | None:
    value = record.fields.get(name)
    if type(value) is str:  # nearly every value: no check to make
        return value or None
    if value is None or value == "":
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):  # YAML reads unquoted timestamps as dates
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name in ("id", "thread"):
        number = whole_number_text(value)
        if number is None:
            raise record.error(source, f"field {name!r} must be text or a whole number, found {shown(value)}")
        return number
    if not isinstance(value, str):
        raise record.error(source, f"field {name!r} must be text, found {type(value).__name__}")
    return value


def _optional_texts(source: SourceText, record: Record) -> list[str | None]:
    """The values of ``_OPTIONAL_TEXT`` in order; plain strings (nearly all of them) skip the checks."""
    fields = record.fields
    values: list[str | None] = []
    for name in _OPTIONAL_TEXT:
        value = fields.get(name)
        values.append((value or None) if value is None or type(value) is str else text_value(source, record, name))
    return values


def record_number(source: SourceText, record: Record) -> int | None:
    value = record.fields.get("number")
    if type(value) is int and 0 <= value <= MAX_COMMENT_NUMBER:  # nearly every record (not a bool: exact type)
        return value
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdecimal():  # not isdigit: int() refuses "²"
        digits = value.strip()
        number = int(digits) if len(digits) <= len(str(MAX_COMMENT_NUMBER)) else MAX_COMMENT_NUMBER + 1
    elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise record.error(source, f"field 'number' must be a whole number >= 0, found {shown(value)}")
    else:
        number = value
    if number > MAX_COMMENT_NUMBER:
        raise record.error(source, f"field 'number' must be a whole number from 0 to {MAX_COMMENT_NUMBER:,}")
    return number


def _tags(source: SourceText, record: Record) -> tuple[str, ...]:
    value = record.fields.get("tags")
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(";") if t.strip())
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return tuple(value)
    raise record.error(source, "field 'tags' must be a list of strings (or ';'-separated text)")


# (text, thread key, the values of _OPTIONAL_TEXT in order, comment number or None, tags) of one record.
RecordValues = tuple[str, str | None, list[str | None], int | None, tuple[str, ...]]


def record_values(source: SourceText, record: Record) -> RecordValues:
    """The values a comment takes from ``record``, each checked, in the order the checks have always been made
    (the first problem of a record is the one reported)."""
    fields = record.fields
    if "text" not in fields:
        raise record.error(source, "missing required field 'text'")
    # An empty comment is still a comment (its number and author count); only a missing field is an error.
    text = fields["text"]
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise record.error(source, "field 'text' must be text")
    thread_key = text_value(source, record, "thread")
    optional = _optional_texts(source, record)
    return text, thread_key, optional, record_number(source, record), _tags(source, record)


@dataclass(slots=True)
class _Group:
    """The comments of one thread so far, and what the thread takes from its records."""

    url: str | None
    origin: str | None
    title: str | None = None
    comments: list[Comment] = field(default_factory=list)
    # Comment number -> where the record holding it is (a line number or ``comments[3]``), for duplicates.
    seen: dict[int, int | str] = field(default_factory=dict)
    next_number: int = 0


class ThreadCollector:
    """Comments grouped into threads as records arrive; threads in order of first appearance."""

    def __init__(
        self,
        source: SourceText,
        *,
        source_name: str,
        defaults: dict[str, Any] | None = None,
        max_comments: int | None = None,
    ) -> None:
        self.source = source
        self.source_name = source_name
        self.defaults = defaults or {}
        self.max_comments = reading.MAX_COMMENTS if max_comments is None else max_comments
        self.count = 0
        self._groups: dict[str | None, _Group] = {}

    def add(self, record: Record) -> None:
        """Check ``record`` and keep it as a comment of its thread (its fields are not kept)."""
        text, thread_key, optional, number, tags = self.check(record)
        title, comment_id, author, author_role, created, url, origin = optional
        # Built without its text, then given it: a comment built with a text makes a segmentation of one own
        # segment at once, which threads() replaces anyway when it segments the thread.
        comment = Comment(
            number=number,
            id=comment_id,
            author=author,
            author_role=author_role,
            created=created,
            text="",
            tags=tags,
        )
        comment.text = text
        group = self._groups.get(thread_key)
        if group is None:
            group = self._groups[thread_key] = _Group(url=url, origin=origin)
        if group.title is None and title:
            group.title = title
        self._number_in_thread(record, comment, group, thread_key)
        group.comments.append(comment)
        self.count += 1

    def check(self, record: Record) -> RecordValues:
        """Every check ``add`` makes of ``record`` alone (not those against the records before it in its thread:
        numbering), in the same order, and the values it takes from it. The streaming reader's index pass checks
        every record with this, without keeping a comment."""
        if self.count >= self.max_comments:
            raise record.error(self.source, too_many_comments(self.max_comments))
        return record_values(self.source, record)

    def _number_in_thread(self, record: Record, comment: Comment, group: _Group, thread_key: str | None) -> None:
        """Number a record without one after the previous record of its thread; duplicates are an error."""
        if comment.number is None:
            if group.next_number > MAX_COMMENT_NUMBER:
                raise record.error(self.source, f"comment number over {MAX_COMMENT_NUMBER:,}")
            comment.number = group.next_number
        if comment.number in group.seen:
            where = f"thread {one_line(repr(thread_key), 80)}: " if thread_key else ""
            first = group.seen[comment.number]
            first_text = first if isinstance(first, str) else f"line {first}"
            raise record.error(self.source, f"{where}duplicate comment number {comment.number} (first at {first_text})")
        group.seen[comment.number] = record.where
        group.next_number = comment.number + 1

    def threads(self) -> list[Thread]:
        """The threads, comments ordered by number and segmented."""
        if not self._groups:
            raise self.source.error("no comments in the file")
        defaults = self.defaults
        # What every thread takes from the defaults, looked up once.
        default_source, default_id = defaults.get("source"), defaults.get("id")
        default_title, default_url = defaults.get("title"), defaults.get("url")
        product, component = defaults.get("product"), defaults.get("component")
        reporter, assignee = defaults.get("reporter"), defaults.get("assignee")
        path = self.source.name
        threads = []
        for thread_key, group in self._groups.items():
            group.seen = {}  # no longer needed: free it before segmentation allocates
            comments = group.comments
            if len(comments) > 1:  # a thread of one comment (many files hold only such) is in order
                comments = sorted(comments, key=lambda c: c.number or 0)
            group.comments = []
            segment_thread(comments)
            thread_id = thread_key if thread_key is not None else default_id
            threads.append(
                Thread(
                    source=default_source or group.origin or self.source_name,
                    id=thread_id,
                    notes=() if thread_id is not None else (NO_THREAD_NOTE,),
                    title=group.title or default_title,
                    url=group.url or default_url,
                    product=product,
                    component=component,
                    reporter=reporter,
                    assignee=assignee,
                    comments=comments,
                    path=path,
                )
            )
        return threads


def records_to_threads(
    source: SourceText, records: Iterable[Record], *, source_name: str, defaults: dict[str, Any] | None = None
) -> list[Thread]:
    """Threads in order of first appearance, comments ordered by number; duplicate numbers are an error."""
    collector = ThreadCollector(source, source_name=source_name, defaults=defaults)
    for record in records:
        collector.add(record)
    return collector.threads()
