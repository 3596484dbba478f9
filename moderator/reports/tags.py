"""The tag export: what the moderators' effective decisions imply, per the taxonomy's mapping, as JSON ready for
Bugzilla's comment tags (``PUT /rest/bug/comment/{id}/tags``) or GitHub's ``minimizeComment``.

The rules (the README's "Tag export" says the same):

- each log is read as ``log validate`` reads it and refused (LogError naming the line) on any problem: a torn
  last document, a newer schema, labels outside the taxonomy... Nothing of a refused log is exported;
- per log, the effective decision per (moderator, thread, comment) is the last unretracted one; a decision id in
  several logs counts once; when one moderator decided a comment in several logs, the latest (``when``) counts;
- an effective ``skip`` is no decision (the comment was left for later): its moderator does not count;
- what one decision implies: for Bugzilla, the ``bugzilla_tag`` of each of its labels when its action acts against
  the comment (flag, remind, hide, escalate); for GitHub, only a ``hide`` (minimizing *is* hiding) implies a
  classifier: the ``github_hide_reason`` of its labels, the first in :data:`CLASSIFIER_PRECEDENCE` when they map
  to several; ``ok`` and an action without labels imply nothing;
- several moderators: a Bugzilla tag is added when more than half of the moderators who decided the comment imply
  it; a GitHub comment is minimized when more than half of them imply a classifier, with the classifier most of
  those imply (equal counts: by precedence). Exactly half is a tie: left out. A comment whose moderators imply
  different things is listed in ``conflicts`` (what was tied, what was outvoted);
- a thread of another source than the target is skipped and counted; a comment the target cannot name (no
  comment id: a page copy; GitHub's issue text, comment 0, which ``minimizeComment`` cannot hide) is listed in
  ``not_exportable`` with the reason; a GitHub comment without its node id is exported with ``node_id`` null and
  listed in ``missing_node_id`` (the GraphQL mutation needs it: look it up by the REST id).

Tags are only ever added: the log does not know which tags a comment already carries, so ``remove`` is empty.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from moderation_core.taxonomy import Taxonomy
from moderation_core.textsafe import one_line
from moderator.log import Action, Decision, Entry, LogError, read_log
from moderator.log.effective import file_sha256

FORMAT = "moderator-tags/1"
Target = Literal["bugzilla", "github"]
TARGETS: tuple[Target, ...] = get_args(Target)
# GitHub's ReportedContentClassifiers, the most serious first: a comment's one classifier when its labels map to
# several (and between classifiers implied by equally many moderators). Others a taxonomy names come after these.
CLASSIFIER_PRECEDENCE = ("ABUSE", "SPAM", "OFF_TOPIC", "OUTDATED", "DUPLICATE", "RESOLVED")
# Actions against a comment: with labels, they imply Bugzilla tags. Only hiding implies minimizing on GitHub.
TAGGING_ACTIONS = frozenset(Action.cycle())
HIDING_ACTIONS = frozenset({Action.HIDE})
# Bugzilla comment ids and GitHub REST ids are whole numbers; 18 digits is far past any real one.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")

CommentKey = tuple[str, str, int | None]  # thread source, thread name (its id, else its title), comment number


@dataclass(slots=True)
class LogSummary:
    """What one log held: for the export's ``logs``."""

    path: str  # as given
    sha256: str
    documents: int = 0
    decisions: int = 0
    retractions: int = 0
    effective: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "documents": self.documents,
            "decisions": self.decisions,
            "retractions": self.retractions,
            "effective": self.effective,
        }


@dataclass(slots=True)
class _Decided:
    """The effective decisions on one comment, one per moderator (skips left out)."""

    key: CommentKey
    by_moderator: dict[str, Entry] = field(default_factory=dict)


@dataclass(slots=True)
class TagExport:
    """The export, as :meth:`to_json` writes it (the README's "Tag export" documents every field)."""

    target: Target
    logs: list[LogSummary]
    comments: list[dict[str, Any]] = field(default_factory=list)
    missing_node_id: list[dict[str, Any]] = field(default_factory=list)
    not_exportable: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    other_sources: Counter[str] = field(default_factory=Counter)
    nothing_to_export: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "target": self.target,
            "logs": [log.to_json() for log in self.logs],
            "comments": self.comments,
            "missing_node_id": self.missing_node_id,
            "not_exportable": self.not_exportable,
            "conflicts": self.conflicts,
            "other_sources": dict(sorted(self.other_sources.items())),
            "nothing_to_export": self.nothing_to_export,
        }


# -- reading the logs ------------------------------------------------------------------------------------------
def _read_one(given: str, label_ids: Sequence[str]) -> tuple[LogSummary, list[Entry]]:
    """One log's summary and effective decisions; refused (LogError naming the line) on any problem."""
    path = Path(given)
    if not path.exists():
        raise LogError(f"{path}: no such file")
    contents = read_log(path, label_ids)  # refuses what cannot be read at all (a directory, a FIFO, not UTF-8)
    if contents.foreign_line is not None:
        raise LogError(f"{path}:{contents.foreign_line}: not a decision log (its first line is not '---')")
    if contents.problems:
        count = contents.problem_count
        more = f" (and {count - 1} more: see 'moderator log validate {path}')" if count > 1 else ""
        raise LogError(f"{contents.problems[0].format(path)}{more}; nothing was exported")
    summary = LogSummary(given, file_sha256(path), documents=len(contents.entries))
    summary.decisions = sum(entry.kind == "decision" for entry in contents.entries)
    summary.retractions = len(contents.entries) - summary.decisions
    effective = list(contents.effective().values())
    summary.effective = len(effective)
    return summary, effective


def _when(entry: Entry) -> str:
    record = entry.load()
    return record.when


@dataclass(slots=True)
class _Gathered:
    logs: list[LogSummary]
    comments: dict[CommentKey, _Decided]
    other_sources: Counter[str]
    effective: int  # effective decisions of all logs, each decision id once
    about_thread: int  # ... of those, about the thread asked for (all of them without a thread filter)
    skips: int  # ... of those on the target's threads, effective skips


def _gather(paths: Sequence[str], label_ids: Sequence[str], target: Target, thread: str | None) -> _Gathered:
    """Per comment of the target's threads, per moderator, the effective decision that counts."""
    gathered = _Gathered([], {}, Counter(), 0, 0, 0)
    seen: set[str] = set()
    for given in paths:
        summary, effective = _read_one(given, label_ids)
        gathered.logs.append(summary)
        for entry in effective:
            if entry.id in seen:  # the same decision in an earlier log (a copy of it, or the same file twice)
                continue
            seen.add(entry.id)
            gathered.effective += 1
            key = entry.key
            if thread is not None and key.thread != thread:
                continue
            gathered.about_thread += 1
            if key.source != target:
                gathered.other_sources[key.source] += 1
                continue
            if entry.action is Action.SKIP:
                gathered.skips += 1
                continue
            comment = (key.source, key.thread, key.number)
            decided = gathered.comments.setdefault(comment, _Decided(comment))
            earlier = decided.by_moderator.get(key.moderator)
            if earlier is None or _when(earlier) <= _when(entry):  # several logs: the latest decision counts
                decided.by_moderator[key.moderator] = entry
    return gathered


# -- what decisions imply --------------------------------------------------------------------------------------
def _precedence(classifier: str) -> tuple[int, str]:
    if classifier in CLASSIFIER_PRECEDENCE:
        return (CLASSIFIER_PRECEDENCE.index(classifier), classifier)
    return (len(CLASSIFIER_PRECEDENCE), classifier)


class _Mapping:
    """What one decision implies for the target, by the taxonomy's mapping."""

    def __init__(self, taxonomy: Taxonomy, target: Target) -> None:
        self.target = target
        self.tags = {label.id: label.bugzilla_tag for label in taxonomy.labels}
        self.reasons = {label.id: label.github_hide_reason for label in taxonomy.labels}

    def implied(self, entry: Entry) -> frozenset[str]:
        if not entry.labels:
            return frozenset()
        if self.target == "bugzilla":
            if entry.action not in TAGGING_ACTIONS:
                return frozenset()
            return frozenset(self.tags[label] for label in entry.labels)
        if entry.action not in HIDING_ACTIONS:
            return frozenset()
        return frozenset({min((self.reasons[label] for label in entry.labels), key=_precedence)})


@dataclass(frozen=True, slots=True)
class _Outcome:
    chosen: tuple[str, ...]  # Bugzilla: the tags to add; GitHub: the one classifier, or nothing
    tied: tuple[str, ...]
    outvoted: tuple[str, ...]


def _outcome(target: Target, implied: Sequence[frozenset[str]]) -> _Outcome:
    """The majority of the moderators who decided a comment (each one's implied tags or classifier)."""
    deciders = len(implied)
    votes = Counter(value for values in implied for value in values)
    if target == "bugzilla":
        chosen = sorted(tag for tag, count in votes.items() if 2 * count > deciders)
        tied = sorted(tag for tag, count in votes.items() if 2 * count == deciders)
        outvoted = sorted(tag for tag, count in votes.items() if 2 * count < deciders)
        return _Outcome(tuple(chosen), tuple(tied), tuple(outvoted))
    hiding = sum(bool(values) for values in implied)
    proposed = sorted(votes, key=_precedence)
    if 2 * hiding > deciders:
        classifier = min(proposed, key=lambda value: (-votes[value], _precedence(value)))
        return _Outcome((classifier,), (), tuple(value for value in proposed if value != classifier))
    if 2 * hiding == deciders:
        return _Outcome((), tuple(proposed), ())
    return _Outcome((), (), tuple(proposed))


# -- the export ------------------------------------------------------------------------------------------------
def export_tags(paths: Sequence[str], taxonomy: Taxonomy, target: Target, *, thread: str | None = None) -> TagExport:
    """The tag export of the decision logs ``paths`` (as given) for ``target``; ``thread``: only that thread (its
    id, else its title). Raises LogError for a log that cannot be read or has any problem."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}")
    gathered = _gather(paths, taxonomy.ids, target, thread)
    export = TagExport(target, gathered.logs, other_sources=gathered.other_sources)
    mapping = _Mapping(taxonomy, target)
    for key in sorted(gathered.comments, key=_comment_order):
        _export_comment(export, mapping, gathered.comments[key])
    export.nothing_to_export = _why_nothing(export, gathered, thread)
    return export


def _comment_order(key: CommentKey) -> tuple[str, bool, int]:
    _, thread, number = key
    return (thread, number is None, number or 0)


def _export_comment(export: TagExport, mapping: _Mapping, decided: _Decided) -> None:
    moderators = sorted(decided.by_moderator)
    implied = [mapping.implied(decided.by_moderator[name]) for name in moderators]
    outcome = _outcome(mapping.target, implied)
    _, thread, number = decided.key
    if len(set(implied)) > 1:
        export.conflicts.append(_conflict(decided, moderators, outcome))
    if not outcome.chosen:
        return
    records = [_decision(decided.by_moderator[name]) for name in moderators]
    where: dict[str, Any] = {"thread": thread, "comment": number}
    if mapping.target == "bugzilla":
        _bugzilla_entry(export, where, outcome.chosen, records, moderators)
    else:
        _github_entry(export, where, outcome.chosen[0], records, moderators)


def _decision(entry: Entry) -> Decision:
    record = entry.load()
    if not isinstance(record, Decision):  # effective entries are decisions: only a changed file gets here
        raise LogError(f"{entry.path}:{entry.line}: the log changed since it was read; read it again")
    return record


def _conflict(decided: _Decided, moderators: list[str], outcome: _Outcome) -> dict[str, Any]:
    _, thread, number = decided.key
    return {
        "thread": thread,
        "comment": number,
        "decisions": [
            {
                "moderator": name,
                "action": _action_name(decided.by_moderator[name]),
                "labels": list(decided.by_moderator[name].labels),
            }
            for name in moderators
        ],
        "exported": list(outcome.chosen),
        "tied": list(outcome.tied),
        "outvoted": list(outcome.outvoted),
    }


def _action_name(entry: Entry) -> str | None:
    return entry.action.value if entry.action is not None else None


def _first(values: Iterable[str | None]) -> str | None:
    return next((value for value in values if value), None)


def _bugzilla_entry(
    export: TagExport, where: dict[str, Any], tags: tuple[str, ...], records: list[Decision], moderators: list[str]
) -> None:
    comment_id = _first(record.comment.id for record in records)
    if comment_id is None:
        reason = "no comment id in the log (a page copy shows none): Bugzilla's API names a comment by its id"
        export.not_exportable.append({**where, "reason": reason, "add": list(tags)})
        return
    if _WHOLE_NUMBER.fullmatch(comment_id) is None:
        reason = f"comment id '{one_line(comment_id, 60)}' is not a Bugzilla comment id (a whole number)"
        export.not_exportable.append({**where, "reason": reason, "add": list(tags)})
        return
    number = int(comment_id)
    export.comments.append(
        {
            **where,
            "method": "PUT",
            "path": f"/rest/bug/comment/{number}/tags",
            "body": {"comment_id": number, "add": list(tags), "remove": []},
            "moderators": moderators,
        }
    )


def _github_entry(
    export: TagExport, where: dict[str, Any], classifier: str, records: list[Decision], moderators: list[str]
) -> None:
    if where["comment"] == 0:
        reason = "comment 0 is the issue's own text: minimizeComment hides comments, not an issue"
        export.not_exportable.append({**where, "reason": reason, "classifier": classifier})
        return
    comment_id = _first(record.comment.id for record in records)
    node_id = _first(record.comment.node_id for record in records)
    rest_id = int(comment_id) if comment_id is not None and _WHOLE_NUMBER.fullmatch(comment_id) else None
    if rest_id is None and node_id is None:
        reason = (
            "no comment id in the log"
            if comment_id is None
            else f"comment id '{one_line(comment_id, 60)}' is no REST id and the log keeps no node id for it"
        )
        export.not_exportable.append({**where, "reason": reason, "classifier": classifier})
        return
    export.comments.append(
        {**where, "rest_id": rest_id, "node_id": node_id, "classifier": classifier, "moderators": moderators}
    )
    if node_id is None:
        export.missing_node_id.append({**where, "rest_id": rest_id})


def _why_nothing(export: TagExport, gathered: _Gathered, thread: str | None) -> str | None:
    """Why the export holds no comment, in words; None when it holds some."""
    if export.comments:
        return None
    decisions = sum(log.decisions for log in export.logs)
    if decisions == 0:
        return "the logs hold no decisions"
    if gathered.effective == 0:
        return "every decision in the logs was retracted"
    if thread is not None and gathered.about_thread == 0:
        return f"no effective decision in the logs is about thread '{one_line(thread, 80)}'"
    if not gathered.comments and not gathered.skips:
        others = ", ".join(f"{source} {count}" for source, count in sorted(export.other_sources.items()))
        return f"no effective decision is about a {export.target} thread (other sources: {others})"
    if not gathered.comments:
        return f"every effective decision on {export.target} threads is a skip"
    if export.not_exportable:
        return f"no comment can be exported: see not_exportable ({len(export.not_exportable)})"
    if any(conflict["tied"] for conflict in export.conflicts):
        return "no comment has a majority for a tag: see conflicts"
    if export.target == "bugzilla":
        return "no effective decision implies a Bugzilla tag (a label with flag, remind, hide or escalate)"
    return "no effective decision minimizes a GitHub comment (hide with labels)"


def summary_line(export: TagExport, written_to: str | None = None) -> str:
    """One line about the export, for the terminal (the caller writes it through textsafe)."""
    verb = "tag" if export.target == "bugzilla" else "minimize"
    parts = [f"comments to {verb}: {len(export.comments)}"]
    if export.target == "github":
        parts.append(f"without node id: {len(export.missing_node_id)}")
    parts += [f"not exportable: {len(export.not_exportable)}", f"conflicts: {len(export.conflicts)}"]
    if export.other_sources:
        parts.append(f"decisions on threads of other sources, skipped: {sum(export.other_sources.values())}")
    head = f"{written_to}: " if written_to else ""
    tail = f"; nothing to export: {export.nothing_to_export}" if export.nothing_to_export else ""
    return head + ", ".join(parts) + tail
