"""What a moderation report says, computed once from the decision logs; the renderers (Markdown, HTML, CSV, JSON)
only lay it out.

Which decisions count: each log is read as training reads it (:func:`moderator.log.training.read_training_log`: a
torn log, or one from a newer schema, is refused naming its line), and its *effective* decisions are the last
unretracted decision per moderator, thread and comment. A decision whose labels are not in the taxonomy or whose
text does not match its sha256 is left out and counted. The same decision (by its id) in two logs counts once.
Filters then keep the effective decisions of one thread (``--thread``: its id, or the title of a thread that has no
id), of one moderator, and made between two dates (inclusive, UTC). Sections:

- per thread: counts by label and by action, and every decided comment that was labeled or acted on (any action
  but ``ok`` and ``skip``), with an excerpt of its own text and a link where the source has one;
- per author: labeled comments by label, across threads;
- model versus moderators: per label, the model's flag (recorded with each decision) against the moderator's
  label, over the decisions that recorded the model's view (``skip`` left out): confusion counts, precision,
  recall, and the model ids;
- agreement between moderators on comments decided by two or more (:mod:`.agreement`);
- a timeline: decisions and labels per ISO week.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from moderator.log import Action, Decision, ThreadRef
from moderator.log.effective import LogReport, Skipped, comment_key, read_training_log
from moderator.reports.agreement import LabelAgreement, agreement_by_label

FORMAT = "moderator-report/1"
EXCERPT_CHARS = 200
ACTED = frozenset(a for a in Action if a not in (Action.OK, Action.SKIP))
_ACTED_VALUES = frozenset(a.value for a in ACTED)


@dataclass(frozen=True, slots=True)
class Filters:
    thread: str | None = None
    moderator: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def describe(self) -> dict[str, str | None]:
        return {
            "thread": self.thread,
            "moderator": self.moderator,
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
        }

    @property
    def any(self) -> bool:
        return any(value is not None for value in (self.thread, self.moderator, self.since, self.until))


class Row(NamedTuple):
    """One effective decision, as a report lists it (and as the CSV's row). A named tuple: a report builds one per
    decision, and a tuple is made in one step where a frozen dataclass sets each of its 17 fields in turn."""

    thread_source: str | None
    thread_id: str | None
    thread_title: str | None
    comment_number: int | None
    comment_id: str | None
    author: str | None
    excerpt: str
    labels: tuple[str, ...]
    action: str
    note: str
    moderator: str
    when: str
    model_id: str | None
    model_flags: tuple[str, ...] | None
    concern: float | None
    link: str | None
    decision_id: str

    @property
    def acted(self) -> bool:
        return bool(self.labels) or self.action in _ACTED_VALUES


@dataclass(slots=True)
class ThreadSection:
    source: str | None
    id: str | None
    title: str | None
    url: str | None
    decisions: int = 0
    by_label: Counter[str] = field(default_factory=Counter)
    by_action: Counter[str] = field(default_factory=Counter)
    rows: list[Row] = field(default_factory=list)  # labeled or acted on


@dataclass(frozen=True, slots=True)
class AuthorSection:
    author: str
    comments: int  # labeled comments
    threads: int
    by_label: dict[str, int]


@dataclass(frozen=True, slots=True)
class ModelLabel:
    label: str
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int

    @property
    def precision(self) -> float | None:
        flagged = self.true_positive + self.false_positive
        return None if flagged == 0 else round(self.true_positive / flagged, 3)

    @property
    def recall(self) -> float | None:
        labeled = self.true_positive + self.false_negative
        return None if labeled == 0 else round(self.true_positive / labeled, 3)


@dataclass(frozen=True, slots=True)
class ModelSection:
    decisions: int  # decisions with the model's view recorded (skips left out)
    without_model: int
    model_ids: dict[str, int]
    labels: list[ModelLabel]


@dataclass(frozen=True, slots=True)
class Week:
    week: str  # ISO week, 2026-W48
    decisions: int
    by_label: dict[str, int]


@dataclass(slots=True)
class Report:
    labels: list[str]
    logs: list[dict[str, Any]]
    filters: Filters
    generated: str
    rows: list[Row]  # every effective decision kept by the filters, in time order
    threads: list[ThreadSection]
    authors: list[AuthorSection]
    model: ModelSection
    agreement: list[LabelAgreement]
    timeline: list[Week]
    by_label: dict[str, int]
    by_action: dict[str, int]
    left_out: dict[str, int]  # decisions not used, by reason
    pseudonymized: bool = False

    @property
    def empty_reason(self) -> str | None:
        """Why the report holds no decision, in words; None when it holds some."""
        if self.rows:
            return None
        if not any(log["decisions"] for log in self.logs):
            return "the logs hold no decisions"
        if not any(log["effective"] for log in self.logs):
            return "every decision in the logs was retracted (undone)"
        if self.filters.any:
            return "no decision matches the filters"
        return "no usable decision (see what was left out)"


# -- reading -------------------------------------------------------------------------------------------------------
def _decision_date(decision: Decision) -> dt.date:
    return dt.datetime.fromisoformat(decision.when).astimezone(dt.UTC).date()


def _thread_name(decision: Decision) -> str | None:
    return decision.thread.name


def _kept(decision: Decision, filters: Filters) -> bool:
    if filters.moderator is not None and decision.moderator != filters.moderator:
        return False
    if filters.thread is not None and _thread_name(decision) != filters.thread:
        return False
    if filters.since is not None or filters.until is not None:
        day = _decision_date(decision)
        if filters.since is not None and day < filters.since:
            return False
        if filters.until is not None and day > filters.until:
            return False
    return True


def read_decisions(
    paths: Sequence[str], label_ids: Sequence[str], filters: Filters
) -> tuple[list[Decision], list[dict[str, Any]], Counter[str]]:
    """The effective, usable decisions of the logs that the filters keep, in time order; each log's summary; and
    the decisions left out, by reason. Raises LogError for a log that cannot be used, naming the line."""
    seen: set[str] = set()
    kept: list[Decision] = []
    left_out: Counter[str] = Counter()
    logs = []
    for given in paths:
        effective, report = read_training_log(given, label_ids, consequence="no report was written")
        logs.append(_log_summary(report, len(effective)))
        for decision, why in effective:
            if why is not None:
                left_out[str(why)] += 1
            elif decision.id in seen:
                left_out[str(Skipped.DUPLICATE)] += 1
            elif _kept(decision, filters):
                kept.append(decision)
            seen.add(decision.id)
    kept.sort(key=lambda d: d.when)
    return kept, logs, left_out


def _log_summary(report: LogReport, effective: int) -> dict[str, Any]:
    return {
        "path": report.path,
        "sha256": report.sha256,
        "documents": report.documents,
        "decisions": report.decisions,
        "effective": effective,
        "moderators": len(report.moderators),
    }


# -- links and excerpts ----------------------------------------------------------------------------------------------
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$")


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) address; None otherwise (a ``javascript:`` or ``data:`` URL from a
    hand-edited log never becomes a link)."""
    return url if url is not None and _SAFE_URL.match(url) else None


def comment_link(decision: Decision, safe_bases: dict[ThreadRef, str | None] | None = None) -> str | None:
    """The comment's address where the source has one: Bugzilla ``show_bug.cgi?id=N#cK`` from the bug's address
    and the comment number, GitHub the issue's address with ``#issuecomment-ID`` (what ``html_url`` holds).
    ``safe_bases``: each thread's checked address, remembered across calls by a caller linking many comments."""
    thread = decision.thread
    if safe_bases is None:
        base = safe_url(thread.url)
    elif thread in safe_bases:
        base = safe_bases[thread]
    else:
        base = safe_bases[thread] = safe_url(thread.url)
    comment = decision.comment
    if base is None:
        return None
    source = (decision.thread.source or "").lower()
    if "bugzilla" in source or "show_bug.cgi" in base:
        return None if comment.number is None else f"{base.split('#', 1)[0]}#c{comment.number}"
    if source.startswith("github") and comment.id is not None and comment.id.isdigit() and comment.number != 0:
        return f"{base.split('#', 1)[0]}#issuecomment-{comment.id}"
    return base if comment.number == 0 else None


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters of a comment's own text on one line (whitespace runs made one space)."""
    start = text[: 4 * limit]  # a long comment is not flattened whole for its first line
    if start.isprintable() and "  " not in start:
        flat = start.strip(" ")  # the only white space is single ASCII spaces: what split and join would make
    else:
        flat = " ".join(start.split())
    if len(flat) <= limit and len(text) > 4 * limit:  # mostly white space so far: the whole text, then
        flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# -- building --------------------------------------------------------------------------------------------------------
def _row(
    decision: Decision,
    rename: Callable[[str | None], str | None],
    clean: Callable[[str, str | None], str],
    safe_bases: dict[ThreadRef, str | None] | None = None,
) -> Row:
    comment, model = decision.comment, decision.model
    thread_key = f"{decision.thread.source}:{decision.thread.name}"
    return Row(
        thread_source=decision.thread.source,
        thread_id=decision.thread.id,
        thread_title=None if decision.thread.title is None else clean(decision.thread.title, thread_key),
        comment_number=comment.number,
        comment_id=comment.id,
        author=rename(comment.author),
        excerpt=clean(excerpt(comment.own_text), thread_key),
        labels=tuple(decision.verdict.labels),
        action=decision.verdict.action.value,
        note=clean(decision.verdict.note, thread_key),
        moderator=rename(decision.moderator) or "",
        when=decision.when,
        model_id=None if model is None else model.id,
        model_flags=None if model is None else tuple(model.flags),
        concern=None if model is None else model.concern,
        link=comment_link(decision, safe_bases),
        decision_id=decision.id,
    )


def _identity(name: str | None) -> str | None:
    return name


def _unchanged(text: str, thread: str | None) -> str:
    return text


def build(
    paths: Sequence[str],
    label_ids: Sequence[str],
    filters: Filters = Filters(),
    *,
    pseudonyms: Any | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sections: bool = True,
) -> Report:
    """The report over the logs ``paths``. ``pseudonyms`` (a :class:`.pseudonym.Pseudonymizer`) replaces every
    person's name and removes email addresses from excerpts and notes. ``sections=False``: the rows, the logs
    and what was left out only, every section empty (all the CSV shows: a report over 100,000 decisions is a
    second quicker without them)."""
    decisions, logs, left_out = read_decisions(paths, label_ids, filters)
    # The decisions read live until the report is made: frozen, the cyclic collector stops walking them on every
    # pass it makes while the report is built from them (with 100,000 decisions, half the build was those passes).
    gc.freeze()
    try:
        report = _built(decisions, logs, left_out, label_ids, filters, pseudonyms, now, sections)
    finally:
        gc.unfreeze()
    return report


def _built(
    decisions: list[Decision],
    logs: list[dict[str, Any]],
    left_out: Counter[str],
    label_ids: Sequence[str],
    filters: Filters,
    pseudonyms: Any | None,
    now: Callable[[], dt.datetime],
    sections: bool = True,
) -> Report:
    rename: Callable[[str | None], str | None] = _identity
    clean: Callable[[str, str | None], str] = _unchanged
    if pseudonyms is not None:
        pseudonyms.learn(decisions)
        rename, clean = pseudonyms.name, pseudonyms.text
    safe_bases: dict[ThreadRef, str | None] = {}
    rows = [_row(d, rename, clean, safe_bases) for d in decisions]
    report = Report(
        labels=list(label_ids),
        logs=logs,
        filters=filters,
        generated=now().replace(microsecond=0).isoformat(),
        rows=rows,
        threads=[],
        authors=[],
        model=ModelSection(0, 0, {}, []),
        agreement=[],
        timeline=[],
        by_label={},
        by_action={},
        left_out=dict(left_out),
        pseudonymized=pseudonyms is not None,
    )
    if sections:
        report.threads = _threads(decisions, rows)
        report.authors = _authors(rows)
        report.model = _model_section(rows, label_ids)
        report.agreement = agreement_by_label(_by_comment(decisions, rename), label_ids)
        report.timeline = _timeline(rows)
        report.by_label = dict(Counter(label for row in rows for label in row.labels))
        report.by_action = dict(Counter(row.action for row in rows))
    return report


def _threads(decisions: Iterable[Decision], rows: Iterable[Row]) -> list[ThreadSection]:
    sections: dict[tuple[str | None, str | None], ThreadSection] = {}
    for decision, row in zip(decisions, rows, strict=True):
        key = (decision.thread.source, decision.thread.name)
        section = sections.get(key)
        if section is None:
            thread = decision.thread
            # The row's title: with --pseudonymize, the names known in the thread are replaced there too.
            section = sections[key] = ThreadSection(thread.source, thread.id, row.thread_title, safe_url(thread.url))
        section.decisions += 1
        section.by_action[row.action] += 1
        section.by_label.update(row.labels)
        if row.acted:
            section.rows.append(row)
    for section in sections.values():
        section.rows.sort(key=lambda r: (r.comment_number is None, r.comment_number or 0, r.moderator, r.when))
    return sorted(sections.values(), key=lambda s: (str(s.source), str(s.id or s.title)))


def _authors(rows: Iterable[Row]) -> list[AuthorSection]:
    # Counted per comment: two moderators labeling the same comment are one labeled comment, not two.
    labeled: dict[str, dict[tuple[object, ...], set[str]]] = defaultdict(dict)
    for row in rows:
        if not row.labels or row.author is None:
            continue
        comment = (row.thread_source, row.thread_id, row.thread_title, row.comment_number, row.comment_id)
        labeled[row.author].setdefault(comment, set()).update(row.labels)
    sections = []
    for author, comments in labeled.items():
        counts = Counter(label for labels in comments.values() for label in labels)
        threads = {comment[:3] for comment in comments}
        sections.append(AuthorSection(author, len(comments), len(threads), dict(counts)))
    return sorted(sections, key=lambda a: (-a.comments, a.author))


def _model_section(rows: Iterable[Row], label_ids: Sequence[str]) -> ModelSection:
    # Decisions with the same flags and labels count alike: each combination is counted, then read once.
    combinations: Counter[tuple[tuple[str, ...], tuple[str, ...]]] = Counter()
    without = 0
    model_ids: Counter[str] = Counter()
    for row in rows:
        if row.action == Action.SKIP.value:
            continue
        if row.model_flags is None:
            without += 1
            continue
        model_ids[row.model_id or "(unnamed)"] += 1
        combinations[row.model_flags, row.labels] += 1
    counts = {label: [0, 0, 0, 0] for label in label_ids}
    for (flags, labels), times in combinations.items():
        for label in label_ids:
            flagged, given = label in flags, label in labels
            counts[label][(0 if given else 1) if flagged else (2 if given else 3)] += times
    return ModelSection(
        sum(combinations.values()),
        without,
        dict(model_ids),
        [ModelLabel(label, *counts[label]) for label in label_ids],
    )


def _by_comment(
    decisions: Iterable[Decision], rename: Callable[[str | None], str | None]
) -> dict[object, dict[str, frozenset[str]]]:
    """Per comment, each moderator's labels (empty: fine); skips are not judgements and are left out."""
    by_comment: dict[object, dict[str, frozenset[str]]] = defaultdict(dict)
    threads: dict[ThreadRef, tuple[str, str]] = {}
    for decision in decisions:
        key = comment_key(decision, threads)
        if key is None or decision.verdict.action is Action.SKIP:
            continue
        by_comment[key][rename(decision.moderator) or ""] = frozenset(decision.verdict.labels)
    return by_comment


def _week(when: str) -> str:
    year, week, _ = dt.datetime.fromisoformat(when).astimezone(dt.UTC).isocalendar()
    return f"{year}-W{week:02d}"


def _timeline(rows: Iterable[Row]) -> list[Week]:
    decisions: Counter[str] = Counter()
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    weeks: dict[str, str] = {}  # the week of each UTC day ("...Z", as the log writes times): worked out once
    for row in rows:
        when = row.when
        day = when[:10] if when.endswith("Z") else when
        name = weeks.get(day) or weeks.setdefault(day, _week(when))
        decisions[name] += 1
        labels[name].update(row.labels)
    return [Week(name, decisions[name], dict(labels[name])) for name in sorted(decisions)]
