"""CSV with the JSONL field names as its header row (``text`` required).

Rows are read one line of the file at a time and become comments as they are read (see jsonl.py).
"""

from __future__ import annotations

import contextlib
import csv
from collections import Counter
from collections.abc import Iterator

from moderation_core.textsafe import one_line
from moderation_core.thread import Thread
from moderator.sources import reading
from moderator.sources.reading import SourceText, too_many_comments
from moderator.sources.records import Record, ThreadCollector

FORMAT = "csv"

# Python's csv module caps fields at 128 KiB by default; a 1 MB comment is legitimate. The cap is a global of the
# csv module: it is raised only while a file is read (see _fields_up_to), never for the whole process.
MAX_FIELD_CHARACTERS = 64 * 1024 * 1024
# The csv module builds a row's list of fields whole before we can count them: a 256 MiB line of "a,a,a,..." would
# be 130 million strings. Commas bound the fields, so a row is refused once its lines hold more commas than this
# (text included: a real comment has a few thousand at most).
MAX_ROW_COMMAS = 2_000_000


class _LineFeed:
    """The file's lines with a "\\n" end, as the csv reader wants them (a quoted field may span several), counting
    the commas of the row being read so a row of millions of fields is refused before the reader builds it."""

    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.row_commas = 0

    def __iter__(self) -> Iterator[str]:
        for number, line in self.source.lines():
            self.row_commas += line.count(",")
            if self.row_commas > MAX_ROW_COMMAS:
                raise self.source.error(
                    f"a row with more than {MAX_ROW_COMMAS:,} commas (the limit per row): not a comment export",
                    line=number,
                )
            yield line + "\n"


def parse(source: SourceText) -> list[Thread]:
    _refuse_too_many_rows(source)
    with _fields_up_to(MAX_FIELD_CHARACTERS):
        return _read_rows(source)


@contextlib.contextmanager
def _fields_up_to(limit: int) -> Iterator[None]:
    """The csv module's field size cap raised to ``limit`` for the block, then back to what it was (another
    library of the same process may rely on the default)."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _read_rows(source: SourceText) -> list[Thread]:
    feed = _LineFeed(source)
    reader = csv.reader(feed, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise source.error("empty CSV: no header row") from None
    except csv.Error as error:
        raise source.error(f"invalid CSV ({error})", line=reader.line_num) from None
    header = [name.strip() for name in header]
    _check_header(source, header)
    collector = ThreadCollector(source, source_name="csv")
    start = reader.line_num + 1
    feed.row_commas = 0
    try:
        for row in reader:
            feed.row_commas = 0
            line = start
            start = reader.line_num + 1
            if not row or row == [""]:
                continue
            if len(row) != len(header):
                raise source.error(f"row has {len(row)} fields, the header has {len(header)}", line=line)
            collector.add(Record(line, dict(zip(header, row))))
    except csv.Error as error:
        raise source.error(f"invalid CSV ({error})", line=reader.line_num) from None
    source.release_bytes()  # every line is read: the comments hold what the thread needs
    return collector.threads()


def _refuse_too_many_rows(source: SourceText) -> None:
    """Without a quote character no field spans lines: every line holding more than blanks after the header is a
    row, and a file of millions of them is refused before any is read. (Rows are counted as read otherwise.)"""
    if source.contains('"'):
        return
    lines = source.nonblank_lines_over(reading.MAX_COMMENTS + 1)
    if lines is not None:
        raise source.error(f"{too_many_comments(reading.MAX_COMMENTS)} (at least {lines - 1:,} rows)")


def _check_header(source: SourceText, header: list[str]) -> None:
    if "text" not in header:
        found = one_line(", ".join(header[:50]), 200)
        raise source.no_thread(f"CSV header has no 'text' column (found: {found})", line=1)
    duplicates = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicates:
        raise source.error(f"CSV header repeats column {one_line(repr(duplicates[0]), 80)}", line=1)
