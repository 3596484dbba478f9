"""Generic JSONL: one comment per line (the shape of ``../shared/data``), many threads per file allowed.

The file is read one line at a time and every record becomes a comment as soon as it is read, so memory holds
the file's bytes and its comments, never a decoded copy of the whole text or all the records at once.
"""

from __future__ import annotations

from moderation_core.thread import Thread
from moderator.sources import reading
from moderator.sources.jsondocs import loads_line
from moderator.sources.reading import SourceText, too_many_comments
from moderator.sources.records import Record, ThreadCollector

FORMAT = "jsonl"


def parse(source: SourceText) -> list[Thread]:
    records = source.nonblank_lines_over(reading.MAX_COMMENTS)  # every line holding more than blanks is a record
    if records is not None:
        raise source.error(f"{too_many_comments(reading.MAX_COMMENTS)} (at least {records:,} records)")
    collector = ThreadCollector(source, source_name="jsonl")
    for number, line in source.lines():
        if not line.strip():
            continue
        value = loads_line(source, line, number)
        if not isinstance(value, dict):
            raise source.error(f"expected one JSON object per line, found {type(value).__name__}", line=number)
        collector.add(Record(number, value))
    source.release_bytes()  # every line is read: the comments hold what the thread needs
    return collector.threads()
