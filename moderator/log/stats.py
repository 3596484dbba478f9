"""A log's summary: how many decisions, by whom, with which actions and labels, and how often the moderators
agreed with the model."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from moderator.log.records import Action
from moderator.log.state import LogContents


@dataclass(frozen=True, slots=True)
class LogStats:
    documents: int
    decisions: int
    retractions: int
    effective_decisions: int
    moderators: dict[str, int]
    threads: int
    actions: dict[str, int]
    labels: dict[str, int]
    # Of the effective decisions with a model view (skips aside): the share where the moderator chose labels
    # exactly when the model flagged some. None when there is none.
    model_agreement: float | None
    problems: int


def summarize(contents: LogContents) -> LogStats:
    decisions = sum(1 for e in contents.entries if e.kind == "decision")
    effective = contents.effective()
    labels: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    agree = disagree = 0
    for entry in effective.values():
        actions[entry.action.value if entry.action else "?"] += 1
        labels.update(entry.labels)
        if entry.model_flags is not None and entry.action != Action.SKIP:
            flagged, judged = bool(entry.model_flags), bool(entry.labels)
            agree += flagged == judged
            disagree += flagged != judged
    return LogStats(
        documents=len(contents.entries),
        decisions=decisions,
        retractions=len(contents.entries) - decisions,
        effective_decisions=len(effective),
        moderators=dict(Counter(key.moderator for key in effective)),
        threads=len({(key.source, key.thread) for key in effective}),
        actions=dict(actions),
        labels=dict(labels),
        model_agreement=round(agree / (agree + disagree), 4) if agree + disagree else None,
        problems=contents.problem_count,
    )


def stats(contents: LogContents) -> dict[str, Any]:
    """:func:`summarize` as a mapping, in the order ``moderator log stats --json`` prints it."""
    return asdict(summarize(contents))
