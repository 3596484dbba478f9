"""The YAML thread document (``format: moderator-thread/1``): a thread header and its comments.

```yaml
format: moderator-thread/1
thread: {source: bugzilla, id: "4127", title: ..., url: ..., product: ..., component: ..., reporter: ..., assignee: ...,
         notes: [...]}  # notes: what the importer of the original source could not know (optional)
comments:
  - {number: 0, id: "88101", author: Dana Whitfield, author_role: reporter, created: "2026-02-03T14:05:00Z", text: ...}
```
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from moderation_core.thread import Thread
from moderation_core.yamlsafe import YAMLProblem, load_one
from moderator.sources.reading import SourceText
from moderator.sources.records import Record, ThreadCollector, shown, whole_number_text

FORMAT = "yaml"
FORMAT_TAG = "moderator-thread/1"
_THREAD_KEYS = ("source", "id", "title", "url", "product", "component", "reporter", "assignee")


def parse(source: SourceText) -> list[Thread]:
    try:
        document = load_one(source.text)
    except YAMLProblem as problem:
        raise source.error(problem.problem, line=problem.line) from None
    source.release_text()  # the document holds everything from here on
    if not isinstance(document, dict) or not isinstance(document.get("comments"), list):
        raise source.no_thread("not a moderator thread document: expected a mapping with a 'comments' list")
    declared = document.get("format", FORMAT_TAG)
    if declared != FORMAT_TAG:
        raise source.error(f"unsupported thread document format {shown(declared)} (this version reads {FORMAT_TAG})")
    header = document.get("thread") or {}
    if not isinstance(header, dict):
        raise source.error("'thread' must be a mapping")
    defaults = {key: _header_text(source, header, key) for key in _THREAD_KEYS if header.get(key) is not None}
    collector = ThreadCollector(source, source_name="yaml", defaults=defaults)
    for position, item in enumerate(document["comments"]):
        if not isinstance(item, dict):
            raise source.error(f"comments[{position}] must be a mapping, found {type(item).__name__}")
        fields = dict(item)
        fields.pop("thread", None)
        collector.add(Record(None, fields, item=f"comments[{position}]"))
    threads = collector.threads()
    notes = header.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
        raise source.error("'thread.notes' must be a list of strings")
    for thread in threads:  # what the importer of the original source could not know stays said
        thread.notes = tuple(notes) if notes else thread.notes
    return threads


def _header_text(source: SourceText, header: dict[str, Any], key: str) -> str:
    """A thread header value as text: YAML reads ``id: 4127`` as a number and an unquoted date as a date; a
    boolean or a list is an error, never the thread id ``True``."""
    value = header[key]
    if isinstance(value, str):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = whole_number_text(value)
        if number is not None:
            return number
        if key != "id" and math.isfinite(value):  # a title or product that reads as a number
            return str(value)
    raise source.error(f"'thread.{key}' must be text, found {shown(value)}")
