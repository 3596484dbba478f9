"""A report as one self-contained HTML file: no script, no network (a Content-Security-Policy forbids both), charts
as inline SVG, a print style and a dark one. Jinja2 lays it out with autoescaping on, so every text from a log
(comment excerpts, notes, names, titles) is escaped; links are only ever the http(s) addresses the report checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moderator.reports.data import Report

BAR_WIDTH = 360  # pixels of the longest bar in the label chart
WEEK_HEIGHT = 120  # pixels of the busiest week in the timeline


@dataclass(frozen=True, slots=True)
class Bar:
    name: str
    value: int
    length: float


def _bars(counts: dict[str, int], order: list[str], scale: float) -> list[Bar]:
    largest = max(counts.values(), default=0)
    names = [name for name in order if name in counts] + sorted(set(counts) - set(order))
    return [Bar(name, counts[name], 0.0 if not largest else counts[name] / largest * scale) for name in names]


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("moderator.reports", "templates"),
        autoescape=True,  # every {{ }} is escaped: comment text is data, never markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def to_html(report: Report) -> str:
    template = _environment().get_template("report.html.j2")
    weeks = report.timeline
    busiest = max((w.decisions for w in weeks), default=0)
    return str(
        template.render(
            report=report,
            empty=report.empty_reason,
            label_bars=_bars(report.by_label, report.labels, BAR_WIDTH),
            action_bars=_bars(report.by_action, [], BAR_WIDTH),
            bar_width=BAR_WIDTH,
            weeks=[(w, 0.0 if not busiest else w.decisions / busiest * WEEK_HEIGHT) for w in weeks],
            week_height=WEEK_HEIGHT,
            figure=_percent,
            filters={k: v for k, v in report.filters.describe().items() if v is not None},
        )
    )
