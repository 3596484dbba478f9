"""CSV with the JSONL field names as its header row (``text`` required)."""

from __future__ import annotations

import csv
import io

from moderator.sources.reading import SourceText
from moderator.sources.records import Record, records_to_threads
from moderator.thread import Thread

FORMAT = "csv"

# Python's csv module caps fields at 128 KiB by default; a 1 MB comment is legitimate.
csv.field_size_limit(64 * 1024 * 1024)


def parse(source: SourceText) -> list[Thread]:
    reader = csv.reader(io.StringIO(source.text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise source.error("empty CSV: no header row") from None
    except csv.Error as error:
        raise source.error(f"invalid CSV ({error})", line=reader.line_num) from None
    header = [name.strip() for name in header]
    if "text" not in header:
        raise source.error(f"CSV header has no 'text' column (found: {', '.join(header)[:200]})", line=1)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise source.error(f"CSV header repeats column {duplicates[0]!r}", line=1)
    records: list[Record] = []
    start = reader.line_num + 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not row or row == [""]:
                continue
            if len(row) != len(header):
                raise source.error(f"row has {len(row)} fields, the header has {len(header)}", line=line)
            records.append(Record(line, dict(zip(header, row))))
    except csv.Error as error:
        raise source.error(f"invalid CSV ({error})", line=reader.line_num) from None
    return records_to_threads(source, records, source_name="csv")
