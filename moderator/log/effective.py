"""The effective decisions of one decision log, for every reader that needs whole records: training, reports
and the tag export. Plain Python (no scikit-learn: ``moderator report --help`` and the export start fast).

A log is read as ``log validate`` reads it and refused on the same problems (a torn last document, a newer schema,
text outside documents...), except two that only make one decision unusable: labels missing from the taxonomy, and
a stored own text that does not match its sha256; those decisions come back with the reason. Per log, the effective
decision per (moderator, thread, comment) is the last unretracted one (:meth:`~moderator.log.records.Decision.key`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from moderation_core.yamlsafe import YAMLProblem
from moderator.log import codec, scan
from moderator.log.errors import LogError
from moderator.log.files import reason
from moderator.log.records import Decision, Retraction, ThreadRef, own_text_digest
from moderator.log.store import MAX_DOCUMENT_BYTES, read_log

CommentKey = tuple[str, str, str]  # thread source, thread name, "#number" or "id:..."


class Skipped(StrEnum):
    """Why a decision of a log gives no example (the words of the output and the card)."""

    SKIP = "skip action"
    UNKNOWN_LABEL = "labels not in the taxonomy"
    TEXT_MISMATCH = "own text does not match its sha256"
    DUPLICATE = "same decision id in an earlier log"
    SUPERSEDED = "replaced by the same moderator's later decision in another log"
    NO_COMMENT = "no comment number or id"
    TIE = "moderators tied on the comment"


class _AnyLabel(Collection[str]):
    """Every label: :func:`codec.problem` with it finds what is wrong with a document besides its labels."""

    def __contains__(self, item: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(slots=True)
class LogReport:
    """What one log gave: for the output and the model card."""

    path: str  # as given
    sha256: str
    documents: int = 0
    decisions: int = 0
    used: int = 0
    conflicts: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    moderators: set[str] = field(default_factory=set)

    def card(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "decisions": self.decisions,
            "decisions_used": self.used,
            "conflicts": self.conflicts,
            "skipped": {str(why): count for why, count in sorted(self.skipped.items())},
            "moderators": sorted(self.moderators),
        }

    def line(self) -> str:
        skipped = ", ".join(f"{count} {why}" for why, count in sorted(self.skipped.items()))
        if not self.decisions:
            return f"{self.path}: no decisions in this log; nothing used from it"
        return (
            f"{self.path}: {self.decisions} decisions, {self.used} used"
            + (f"; skipped {skipped}" if skipped else "")
            + f"; moderators: {', '.join(sorted(self.moderators))}"
        )


# -- reading one log -------------------------------------------------------------------------------------------
def file_sha256(path: Path) -> str:
    """The sha256 of a log file as it is now (reports and model cards name the exact log they used)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise LogError(f"{path}: cannot read ({reason(error)})") from None
    return digest.hexdigest()


def _unusable(document: Any, label_ids: Collection[str]) -> Skipped | None:
    """Why a document the log reader refuses only makes its own decision unusable; None when it is valid or
    refused for anything else (then the log is refused)."""
    if codec.problem(document, label_ids) is None or not isinstance(document, dict):
        return None
    comment = document.get("comment")
    if isinstance(comment, dict) and isinstance(comment.get("own_text"), str):
        mended = {**document, "comment": {**comment, "own_text_sha256": own_text_digest(comment["own_text"])}}
        if comment.get("own_text_sha256") != mended["comment"]["own_text_sha256"]:
            return Skipped.TEXT_MISMATCH if codec.problem(mended, _AnyLabel()) is None else None
    return Skipped.UNKNOWN_LABEL if codec.problem(document, _AnyLabel()) is None else None


def _records(path: Path, label_ids: Collection[str]) -> Iterator[tuple[int, Decision | Retraction, Skipped | None]]:
    """(line, record, why it is unusable or None) for every document that is valid or unusable only itself."""
    with path.open("rb") as handle:
        for item in scan.documents(handle, limit=MAX_DOCUMENT_BYTES):
            if item.state != "complete" or item.size > MAX_DOCUMENT_BYTES:
                continue
            try:
                document = codec.parse(item.body)
            except (YAMLProblem, ValueError, RecursionError):
                continue  # the reader's problem: the log is refused before this is used
            unusable = _unusable(document, label_ids)
            if unusable is None and codec.problem(document, label_ids) is not None:
                continue
            yield item.line, codec.decode(document), unusable


def read_training_log(
    given: str, label_ids: Iterable[str], consequence: str = "nothing was trained"
) -> tuple[list[tuple[Decision, Skipped | None]], LogReport]:
    """The effective decisions of one log (each with why it is unusable, or None) and its report so far.

    Refused (LogError naming the line, as ``log validate`` names it, then ``consequence``) on any problem but the
    two that make only one decision unusable. Reports and the tag export read logs the same way."""
    path = Path(given)
    ids = set(label_ids)
    if not path.exists():
        raise LogError(f"{path}: no such file")
    # One pass that also decodes every record; refuses what cannot be read at all (not a file, not UTF-8).
    contents = read_log(path, ids, records=True, entries=False)
    if contents.foreign_line is not None:
        raise LogError(f"{path}:{contents.foreign_line}: not a decision log (its first line is not '---')")
    report = LogReport(given, file_sha256(path))
    if contents.problems or contents.records is None:
        # Some documents are unusable, perhaps only themselves (a label outside the taxonomy, a text changed by
        # hand): read again, keeping those with the reason, to tell them from the problems that refuse the log.
        records = list(_records(path, ids))
    else:
        lines = contents.record_lines or []
        records = [(line, record, None) for line, record in zip(lines, contents.records, strict=True)]
    unusable_ids = {record.id for _, record, why in records if why is not None}
    excused = {line for line, _, why in records if why is not None}
    excused |= {
        line for line, record, _ in records if isinstance(record, Retraction) and record.retracts in unusable_ids
    }
    refused = [problem for problem in contents.problems if problem.line not in excused]
    if refused:
        more = f" (and {len(refused) - 1} more: see 'moderator log validate {path}')" if len(refused) > 1 else ""
        raise LogError(f"{refused[0].format(path)}{more}; {consequence}")
    report.documents = len(records)
    retracted = {record.retracts for _, record, _ in records if isinstance(record, Retraction)}
    effective: dict[object, tuple[Decision, Skipped | None]] = {}
    for _, record, why in records:
        if isinstance(record, Decision):
            report.decisions += 1
            report.moderators.add(record.moderator)
            if record.id not in retracted:
                effective[record.key()] = (record, why)
    return list(effective.values()), report


def comment_key(decision: Decision, threads: dict[ThreadRef, tuple[str, str]] | None = None) -> CommentKey | None:
    """Which comment a decision is about, the same in every log: its thread's source and name, and its number
    (its id where it has none); None when it has neither. ``threads``: each thread's part of the key, remembered
    across calls by a caller that asks for many decisions of the same threads."""
    if threads is None:
        threads = {}
    ref = decision.thread
    thread = threads.get(ref)
    if thread is None:
        key = ref.key(decision.moderator, None)
        thread = threads[ref] = (key.source, key.thread)
    number, ident = decision.comment.number, decision.comment.id
    if number is not None:
        return (thread[0], thread[1], f"#{number}")
    if ident is not None:
        return (thread[0], thread[1], f"id:{ident}")
    return None
