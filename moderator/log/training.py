"""Decision logs as training data: the moderators' effective decisions become weighted labeled examples.

The rules, in the order they apply (the README and the model card say the same):

- a log is read as ``log validate`` reads it and refused on the same problems (a torn last document, a newer
  schema, text outside documents...), except two that only make one decision unusable: labels missing from the
  taxonomy, and a stored own text that does not match its sha256. Those decisions are skipped and counted;
- per log, the effective decision per (moderator, thread, comment) is the last unretracted one (the log's own
  rule, :meth:`~moderator.log.records.Decision.key`); an effective ``skip`` is ignored;
- a decision read from an earlier log (the same decision id) is counted once; when one moderator decided the
  same comment in several logs, the latest decision counts;
- a comment is its thread's source and name and its number (its id where it has no number);
- "ok" is a clean example (no labels, no concern); any other action is a concern with the decision's labels;
- where moderators disagree on a comment, each label (and concern) is kept when more than half of the
  moderators who decided it chose it; a tie on any of them leaves the comment out;
- a logged example weighs :data:`LOG_WEIGHT` times a corpus example;
- a label with fewer than :data:`MIN_LOGGED_POSITIVES` logged positives keeps the base recipe's data alone:
  its model gives the logged examples no weight.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from classifiers.data import Example
from classifiers.training import ExtraExamples
from moderation_core.model_inputs import CommentInput

# Reading a log (its effective decisions, what is unusable and why) is moderator.log.effective's, shared with the
# reports and the tag export; these names stay importable from here.
from moderator.log.effective import CommentKey as CommentKey
from moderator.log.effective import LogReport as LogReport
from moderator.log.effective import Skipped as Skipped
from moderator.log.effective import comment_key as comment_key
from moderator.log.effective import read_training_log as read_training_log
from moderator.log.records import Action, Decision

# A logged decision is this community's own judgement of its own threads: it counts three times a corpus example.
LOG_WEIGHT = 3.0
# Fewer logged positives than this cannot teach a label: its model keeps the base recipe's data alone.
MIN_LOGGED_POSITIVES = 20
LOG_SOURCE = "decision-log"


@dataclass(slots=True)
class _Logged:
    decision: Decision
    report: LogReport
    comment: CommentKey


@dataclass(slots=True)
class LoggedData:
    """The examples of all logs, with what was used and skipped."""

    examples: list[Example]
    logs: list[LogReport]
    conflicts: int
    ties: int
    duplicates: int
    base_only_labels: dict[str, int]  # label: its logged positives, fewer than MIN_LOGGED_POSITIVES
    weight: float = LOG_WEIGHT

    def extra(self) -> ExtraExamples:
        return ExtraExamples(self.examples, self.weight, self.card(), "logs", frozenset(self.base_only_labels))

    def card(self) -> dict[str, Any]:
        return {
            "rule": "effective decisions (last unretracted per moderator, thread, comment; skip ignored); "
            "ok = clean, other actions = concern with their labels; disagreeing moderators: majority per label "
            "and concern, a tie leaves the comment out; a decision id or comment in several logs counts once",
            "weight": self.weight,
            "examples": len(self.examples),
            "conflicts": self.conflicts,
            "ties_left_out": self.ties,
            "duplicate_decisions": self.duplicates,
            "labels_on_base_data_alone": {
                label: f"{count} logged positives (fewer than {MIN_LOGGED_POSITIVES})"
                for label, count in sorted(self.base_only_labels.items())
            },
            "files": [log.card() for log in self.logs],
        }

    def lines(self) -> list[str]:
        """What training says about the logs, a line each (the caller makes them terminal-safe)."""
        lines = [log.line() for log in self.logs]
        lines.append(
            f"{len(self.examples)} logged comments used, each weighing {self.weight:g}; "
            f"{self.conflicts} conflicts between moderators ({self.ties} ties left out)"
        )
        if self.duplicates:
            lines.append(f"{self.duplicates} decisions appear in more than one log: each counted once")
        for label, count in sorted(self.base_only_labels.items()):
            lines.append(
                f"label {label}: {count} logged positives (fewer than {MIN_LOGGED_POSITIVES}): "
                "its model keeps the starter data alone"
            )
        return lines


# -- from decisions to examples --------------------------------------------------------------------------------
def _verdict(decision: Decision) -> tuple[bool, frozenset[str]]:
    """(concern, labels) of one decision: "ok" is clean whatever labels it carries."""
    if decision.verdict.action is Action.OK:
        return False, frozenset()
    return True, frozenset(decision.verdict.labels)


def majority(decisions: Sequence[Decision]) -> tuple[bool, frozenset[str]] | None:
    """The comment's (concern, labels) by majority of the moderators who decided it; None on any tie."""
    verdicts = [_verdict(d) for d in decisions]
    half = len(verdicts) / 2
    concern_votes = sum(concern for concern, _ in verdicts)
    if concern_votes == half:
        return None
    votes = Counter(label for _, labels in verdicts for label in labels)
    if any(count == half for count in votes.values()):
        return None
    return concern_votes > half, frozenset(label for label, count in votes.items() if count > half)


def _example(key: CommentKey, decisions: Sequence[Decision], concern: bool, labels: frozenset[str]) -> Example:
    latest = max(decisions, key=lambda d: d.when)  # the text as most recently seen
    source, thread, comment = key
    return Example(
        input=CommentInput(
            text=latest.comment.own_text, title=latest.thread.title or "", context=latest.comment.context
        ),
        labels=labels if concern else frozenset(),
        concern=concern,
        source=LOG_SOURCE,
        group=f"{LOG_SOURCE}:{source}:{thread}",  # a thread's comments stay in one fold
        id=f"{source}:{thread}:{comment}",
    )


def _collect(
    paths: Sequence[str], label_ids: Sequence[str]
) -> tuple[dict[CommentKey, dict[str, _Logged]], list[LogReport], int]:
    """Per comment, per moderator, the decision that counts, with the reports of the logs; and the duplicates."""
    reports: list[LogReport] = []
    seen_ids: set[str] = set()
    duplicates = 0
    by_comment: dict[CommentKey, dict[str, _Logged]] = {}
    for given in paths:
        effective, report = read_training_log(given, label_ids)
        reports.append(report)
        for decision, why in effective:
            key = comment_key(decision)
            reason_skipped = why or (Skipped.SKIP if decision.verdict.action is Action.SKIP else None)
            if decision.id in seen_ids:
                duplicates += 1
                reason_skipped = Skipped.DUPLICATE
            seen_ids.add(decision.id)
            if reason_skipped is None and key is None:
                reason_skipped = Skipped.NO_COMMENT
            if reason_skipped is not None or key is None:
                report.skipped[reason_skipped or Skipped.NO_COMMENT] += 1
                continue
            moderators = by_comment.setdefault(key, {})
            earlier = moderators.get(decision.moderator)
            if earlier is not None:
                loser = earlier if earlier.decision.when <= decision.when else _Logged(decision, report, key)
                loser.report.skipped[Skipped.SUPERSEDED] += 1
                if loser is earlier:
                    moderators[decision.moderator] = _Logged(decision, report, key)
                continue
            moderators[decision.moderator] = _Logged(decision, report, key)
    return by_comment, reports, duplicates


def logged_examples(paths: Sequence[str], label_ids: Sequence[str], weight: float = LOG_WEIGHT) -> LoggedData:
    """The labeled examples of the decision logs ``paths`` (as given), by the rules of this module."""
    by_comment, reports, duplicates = _collect(paths, label_ids)
    examples: list[Example] = []
    conflicts = ties = 0
    for key, moderators in by_comment.items():
        logged = list(moderators.values())
        decisions = [item.decision for item in logged]
        disagree = len({_verdict(d) for d in decisions}) > 1
        conflicts += disagree
        involved = {id(item.report): item.report for item in logged}.values()
        verdict = majority(decisions)
        for report in involved:
            report.conflicts += disagree
        for item in logged:
            if verdict is None:
                item.report.skipped[Skipped.TIE] += 1
            else:
                item.report.used += 1
        if verdict is None:
            ties += 1
            continue
        examples.append(_example(key, decisions, *verdict))
    positives = Counter(label for example in examples for label in example.labels)
    base_only = {label: positives[label] for label in label_ids if positives[label] < MIN_LOGGED_POSITIVES}
    return LoggedData(examples, reports, conflicts, ties, duplicates, base_only, weight)


# -- the comparison gate's held-back part ------------------------------------------------------------------------
# A fifth of the logged threads is held back from training: the comparison gate (moderator.gate) scores the new
# model and the one in use on them. Whole threads, so no thread's comments are on both sides (a thread's comments
# share words, people and topic: a model that saw some of them would be judged on what it memorised).
HELD_BACK_SHARE = 0.2


def thread_of(example: Example) -> str:
    """The logged thread an example comes from (its cross-validation group: the log's source and thread name)."""
    return example.group


def is_held_back(thread: str, share: float = HELD_BACK_SHARE) -> bool:
    """Whether ``thread`` is held back: a stable hash of its key, the same on every run, machine and log order,
    so a thread held back once stays held back when the log grows."""
    digest = hashlib.sha256(f"held-back:{thread}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") < share * 2**64


@dataclass(slots=True)
class HeldBackSplit:
    """The logged examples split by thread: ``training`` (what the new model may learn from) and ``held_back``
    (what the comparison gate judges both models on, never trained on)."""

    training: LoggedData
    held_back: list[Example]
    threads: int
    held_back_threads: int

    def line(self) -> str:
        return (
            f"held back {len(self.held_back)} logged comments of {self.held_back_threads} of {self.threads} threads "
            f"(a stable {HELD_BACK_SHARE:.0%} of the threads) for the comparison gate; "
            f"training on the other {len(self.training.examples)}"
        )


def split_by_thread(data: LoggedData, label_ids: Sequence[str], share: float = HELD_BACK_SHARE) -> HeldBackSplit:
    """``data``'s examples split into training and held-back parts by :func:`is_held_back` of their thread.

    The training part is ``data`` with the held-back examples removed and its labels with too few logged
    positives counted again on what is left (a label may fall under MIN_LOGGED_POSITIVES once a fifth is gone)."""
    threads = {thread_of(example) for example in data.examples}
    held = {thread for thread in threads if is_held_back(thread, share)}
    kept = [example for example in data.examples if thread_of(example) not in held]
    positives = Counter(label for example in kept for label in example.labels)
    base_only = {label: positives[label] for label in label_ids if positives[label] < MIN_LOGGED_POSITIVES}
    training = LoggedData(kept, data.logs, data.conflicts, data.ties, data.duplicates, base_only, data.weight)
    held_back = [example for example in data.examples if thread_of(example) in held]
    return HeldBackSplit(training, held_back, len(threads), len(held))
