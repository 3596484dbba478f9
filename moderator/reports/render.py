"""A report laid out as JSON, CSV or Markdown (HTML: :mod:`.html`). The field and column names are part of the
format (``moderator-report/1``) and documented in the README; add fields, never rename them."""

from __future__ import annotations

import csv
import io
import json
import operator
from collections.abc import Iterable
from typing import Any, Literal

import orjson

from moderator.reports.data import FORMAT, Report, Row

# One CSV row per effective decision, these columns in this order.
CSV_COLUMNS = (
    "thread_source",
    "thread_id",
    "thread_title",
    "comment_number",
    "comment_id",
    "author",
    "labels",
    "action",
    "note",
    "moderator",
    "when",
    "model_id",
    "model_flags",
    "concern",
    "link",
    "excerpt",
    "decision_id",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such cells get a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def row_dict(row: Row) -> dict[str, Any]:
    return {
        "thread_source": row.thread_source,
        "thread_id": row.thread_id,
        "thread_title": row.thread_title,
        "comment_number": row.comment_number,
        "comment_id": row.comment_id,
        "author": row.author,
        "labels": list(row.labels),
        "action": row.action,
        "note": row.note,
        "moderator": row.moderator,
        "when": row.when,
        "model_id": row.model_id,
        "model_flags": None if row.model_flags is None else list(row.model_flags),
        "concern": row.concern,
        "link": row.link,
        "excerpt": row.excerpt,
        "decision_id": row.decision_id,
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as plain data: the JSON format."""
    data = report_dict_without_rows(report)
    for thread, section in zip(data["threads"], report.threads, strict=True):
        thread["comments"] = [row_dict(r) for r in section.rows]
    data["decisions"] = [row_dict(r) for r in report.rows]
    return data


def report_dict_without_rows(report: Report) -> dict[str, Any]:
    """:func:`report_dict` but for the rows: each thread's "comments" and the "decisions" left out (they are the
    last member of each), for :func:`to_json` to write each row once."""
    return {
        "format": FORMAT,
        "generated": report.generated,
        "pseudonymized": report.pseudonymized,
        "filters": report.filters.describe(),
        "logs": report.logs,
        "left_out": report.left_out,
        "empty": report.empty_reason,
        "labels": report.labels,
        "totals": {"decisions": len(report.rows), "by_label": report.by_label, "by_action": report.by_action},
        "threads": [
            {
                "source": t.source,
                "id": t.id,
                "title": t.title,
                "url": t.url,
                "decisions": t.decisions,
                "by_label": dict(t.by_label),
                "by_action": dict(t.by_action),
            }
            for t in report.threads
        ],
        "authors": [
            {"author": a.author, "comments": a.comments, "threads": a.threads, "by_label": a.by_label}
            for a in report.authors
        ],
        "model_versus_moderators": {
            "decisions": report.model.decisions,
            "without_model": report.model.without_model,
            "model_ids": report.model.model_ids,
            "labels": [
                {
                    "label": m.label,
                    "true_positive": m.true_positive,
                    "false_positive": m.false_positive,
                    "false_negative": m.false_negative,
                    "true_negative": m.true_negative,
                    "precision": m.precision,
                    "recall": m.recall,
                }
                for m in report.model.labels
            ],
        },
        "agreement": [agreement_dict(a) for a in report.agreement],
        "timeline": [{"week": w.week, "decisions": w.decisions, "by_label": w.by_label} for w in report.timeline],
    }


def agreement_dict(item: Any) -> dict[str, Any]:
    return {
        "label": item.label,
        "comments": item.comments,
        "alpha": item.alpha,
        "enough_overlap": not item.too_little_overlap,
        "pairs": [
            {
                "moderator_a": p.moderator_a,
                "moderator_b": p.moderator_b,
                "comments": p.comments,
                "kappa": p.kappa,
                "enough_overlap": not p.too_little_overlap,
            }
            for p in item.pairs
        ],
    }


def to_json(report: Report) -> str:
    """:func:`report_dict` as one line of JSON ('jq .' shows it indented). A row appears twice (in its thread and
    in "decisions"): it is encoded once and the document is put together around it, which halves the work on
    100,000 decisions; a test checks the text decodes to exactly :func:`report_dict`."""
    encoded = {id(row): _encode_row(row) for row in report.rows}

    def rows(given: Iterable[Row]) -> str:
        return "[" + ",".join([encoded.get(id(row)) or _encode_row(row) for row in given]) + "]"

    data = report_dict_without_rows(report)
    threads = [
        _object([*((key, _encode(value)) for key, value in thread.items()), ("comments", rows(section.rows))])
        for thread, section in zip(data.pop("threads"), report.threads, strict=True)
    ]
    members = [(key, _encode(value)) for key, value in data.items()]
    members.insert(list(data).index("authors"), ("threads", "[" + ",".join(threads) + "]"))
    return _object([*members, ("decisions", rows(report.rows))]) + "\n"


# The standard library's C encoder, on one line, keeping non-ASCII text as it is.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _encode_row(row: Row) -> str:
    """A row's JSON: by orjson (four times as quick on 100,000 rows), else (a lone surrogate from a hand-edited
    log, which has no UTF-8 form) by the standard library, which writes it as an escape."""
    data = row_dict(row)
    try:
        return orjson.dumps(data).decode("utf-8")
    except orjson.JSONEncodeError:
        return _encode(data)


def _object(members: Iterable[tuple[str, str]]) -> str:
    """A JSON object from (key, its value already encoded) pairs, in order."""
    return "{" + ",".join([f"{_encode(key)}:{value}" for key, value in members]) + "}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# A row's fields in the CSV's column order (a Row is a named tuple), read in one step.
_CSV_FIELDS = operator.itemgetter(*(Row._fields.index(column) for column in CSV_COLUMNS))
_FORMULA_FIRST = frozenset(_FORMULA_START)


def to_csv(report: Report) -> str:
    text = _csv_text(report, csv.QUOTE_MINIMAL)
    if "\r" in text:
        # The csv module quotes a field holding a line break, but not one holding a lone carriage return (only the
        # characters of its line ending), and a spreadsheet takes one for the end of the row: every cell quoted.
        text = _csv_text(report, csv.QUOTE_ALL)
    return text


def _csv_text(report: Report, quoting: Literal[0, 1]) -> str:  # QUOTE_MINIMAL or QUOTE_ALL
    out = io.StringIO()
    out.write(",".join(CSV_COLUMNS) + "\n")
    # Text that starts no formula is its own cell (most of them): _cell only for the rest.
    csv.writer(out, lineterminator="\n", quoting=quoting).writerows(
        [
            (value if value[:1] not in _FORMULA_FIRST else _cell(value))
            if type(value) is str
            else ""
            if value is None
            else _cell(value)
            for value in _CSV_FIELDS(row)
        ]
        for row in report.rows
    )
    return out.getvalue()


# -- Markdown ---------------------------------------------------------------------------------------------------------
def md_text(value: Any) -> str:
    """Text from the log as inert Markdown: HTML-escaped (renderers pass HTML through), the characters that
    start inline markup or end a table cell backslash-escaped, on one line. Our text never starts a line (it
    follows a heading mark, a list mark or a cell's bar), so line-start marks (``-``, ``+``, ``1.``) stay as
    they are."""
    return " ".join(str(value).split()).translate(_MD_ESCAPES)


# html.escape(quote=False)'s three characters and the backslash escapes in one pass: the same text as escaping the
# HTML first and then the markup characters, since "&amp;", "&lt;" and "&gt;" hold none of the markup characters.
_MD_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"} | {c: "\\" + c for c in "\\`*_[]|~"})


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{md_text(k)} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) or "–"


def to_markdown(report: Report) -> str:
    lines = ["# Moderation report", ""]
    lines.append(f"Generated {md_text(report.generated)}" + (" · names pseudonymized" if report.pseudonymized else ""))
    lines.append("")
    for log in report.logs:
        lines.append(
            f"- log `{md_text(log['path'])}`: {log['decisions']} decisions, {log['effective']} effective "
            f"(sha256 {log['sha256'][:12]})"
        )
    filters = {k: v for k, v in report.filters.describe().items() if v is not None}
    if filters:
        lines.append("- filters: " + ", ".join(f"{k} {md_text(v)}" for k, v in filters.items()))
    if report.left_out:
        lines.append("- left out: " + _counts(report.left_out))
    lines.append("")
    empty = report.empty_reason
    if empty is not None:
        lines += [f"**Empty report:** {md_text(empty)}.", ""]
        return "\n".join(lines)
    lines += [
        "## Totals",
        "",
        f"{len(report.rows)} decisions in {len(report.threads)} threads.",
        "",
        f"- by label: {_counts(report.by_label)}",
        f"- by action: {_counts(report.by_action)}",
        "",
        "## Threads",
        "",
    ]
    for thread in report.threads:
        name = thread.title or thread.id or "(untitled)"
        heading = f"### {md_text(name)}"
        lines += [heading, ""]
        where = f"{md_text(thread.source)} {md_text(thread.id or '')}".strip()
        link = f" · <{thread.url}>" if thread.url else ""
        lines += [f"{where}{link} · {thread.decisions} decisions", ""]
        lines += [
            f"- by label: {_counts(dict(thread.by_label))}",
            f"- by action: {_counts(dict(thread.by_action))}",
            "",
        ]
        if thread.rows:
            lines += [
                "| # | author | excerpt | labels | action | note | moderator | when |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for row in thread.rows:
                number = md_text(row.comment_number if row.comment_number is not None else "?")
                number = f"[{number}](<{row.link}>)" if row.link else number
                lines.append(
                    f"| {number} | {md_text(row.author or '')} | {md_text(row.excerpt)} | "
                    f"{md_text(', '.join(row.labels)) or '–'} | {md_text(row.action)} | {md_text(row.note)} | "
                    f"{md_text(row.moderator)} | {md_text(row.when[:16])} |"
                )
            lines.append("")
    lines += ["## Authors", ""]
    if report.authors:
        lines += ["| author | labeled comments | threads | by label |", "|---|---|---|---|"]
        for author in report.authors:
            lines.append(
                f"| {md_text(author.author)} | {author.comments} | {author.threads} | {_counts(author.by_label)} |"
            )
    else:
        lines.append("No labeled comment.")
    lines += ["", "## Model versus moderators", ""]
    model = report.model
    lines.append(
        f"{model.decisions} decisions recorded the model's view ({model.without_model} did not); models: "
        + (", ".join(f"`{md_text(k)}` {v}" for k, v in sorted(model.model_ids.items())) or "–")
    )
    lines += ["", "| label | TP | FP | FN | TN | precision | recall |", "|---|---|---|---|---|---|---|"]
    for m in model.labels:
        lines.append(
            f"| {md_text(m.label)} | {m.true_positive} | {m.false_positive} | {m.false_negative} | "
            f"{m.true_negative} | {_figure(m.precision)} | {_figure(m.recall)} |"
        )
    lines += ["", "## Agreement between moderators", ""]
    lines += ["| label | comments | Krippendorff's alpha | Cohen's kappa per pair |", "|---|---|---|---|"]
    for item in report.agreement:
        pairs = "; ".join(f"{md_text(p.moderator_a)} / {md_text(p.moderator_b)}: {md_text(p.text)}" for p in item.pairs)
        lines.append(f"| {md_text(item.label)} | {item.comments} | {md_text(item.text)} | {pairs or '–'} |")
    lines += ["", "## Timeline", "", "| week | decisions | labels |", "|---|---|---|"]
    for week in report.timeline:
        lines.append(f"| {week.week} | {week.decisions} | {_counts(week.by_label)} |")
    lines.append("")
    return "\n".join(lines)
