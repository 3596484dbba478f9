"""Generic JSONL: one comment per line (the shape of ``../shared/data``), many threads per file allowed."""

from __future__ import annotations

import json

from moderator.sources.reading import SourceText
from moderator.sources.records import Record, records_to_threads
from moderator.thread import Thread

FORMAT = "jsonl"


def parse(source: SourceText) -> list[Thread]:
    records: list[Record] = []
    for number, line in enumerate(source.text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            truncated = error.pos >= len(line.rstrip()) or error.msg.startswith("Unterminated string")
            problem = "truncated JSON line" if truncated else "invalid JSON"
            raise source.error(f"{problem} ({error.msg})", line=number, column=error.colno) from None
        if not isinstance(value, dict):
            raise source.error(f"expected one JSON object per line, found {type(value).__name__}", line=number)
        records.append(Record(number, value))
    return records_to_threads(source, records, source_name="jsonl")
