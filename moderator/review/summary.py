"""What a moderator's review of a thread amounts to: the end-of-thread summary the review screen offers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from moderator.log import Action, Entry


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """One moderator's decisions on one thread, counted.

    ``decided + skipped + undecided == total`` (every comment of the thread, whatever the queue shows): a skip is
    "later", not a decision, so it counts in ``skipped`` only. ``by_label`` and ``by_action`` count the decided
    comments (an ``ok`` decision counts in ``by_action`` and under no label). ``seconds`` is the time since the
    session started; ``decisions_this_session`` the decisions (skips and notes included) written in it and not
    undone."""

    total: int
    decided: int
    skipped: int
    undecided: int
    by_label: dict[str, int]
    by_action: dict[str, int]
    seconds: float
    decisions_this_session: int


def summarize(decisions: Sequence[Entry | None], *, seconds: float, decisions_this_session: int) -> ReviewSummary:
    """The summary of ``decisions``, one per comment of the thread (None: undecided)."""
    by_label: Counter[str] = Counter()
    by_action: Counter[str] = Counter()
    skipped = 0
    for decision in decisions:
        if decision is None:
            continue
        if decision.action == Action.SKIP:
            skipped += 1
            continue
        by_label.update(decision.labels)
        by_action[str(decision.action)] += 1
    decided = sum(by_action.values())
    return ReviewSummary(
        total=len(decisions),
        decided=decided,
        skipped=skipped,
        undecided=len(decisions) - decided - skipped,
        by_label=dict(by_label),
        by_action=dict(by_action),
        seconds=seconds,
        decisions_this_session=decisions_this_session,
    )
