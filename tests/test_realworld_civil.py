"""Real, civil technical discussion must rarely be flagged: every thread file under ``tests/fixtures/realworld``
(Bugzilla REST JSON, GitHub REST JSON and mail taken from other projects' public test suites; its README names
where each comes from) is scored with the bundled model, and at most 2% of its comments may need review.

The set is real text, not written for this project, so the share it measures is what a moderator would see on an
ordinary civil thread. Comments judged not civil are listed in the README and left out of the count by id
(``NOT_CIVIL``); today there are none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from moderation_core.taxonomy import load_taxonomy
from moderation_core.textsafe import one_line
from moderation_core.thread import Comment, Thread
from moderator.scoring import CommentScore, Scorer, load_scorer, score_threads
from moderator.sources import load_threads

REALWORLD = Path(__file__).resolve().parent / "fixtures" / "realworld"
MAX_FLAGGED_SHARE = 0.02
# Fewer comments than this and the share would say little (or the set went missing): the test must be able to fail.
MIN_COMMENTS = 400
# Files beside the threads that are not threads: the README and each source's licence and notice.
NOT_THREADS = ("README", "LICENSE", "NOTICE")
# Comments judged not civil, left out of the count: (file relative to REALWORLD, comment id) -> why. Kept equal to
# the README's "Not civil" list; test_not_civil_names_real_comments keeps a stale entry from hiding nothing.
NOT_CIVIL: dict[tuple[str, str], str] = {}
# A row of the README's file table: | `file` | shape | origin | licence | comments |
_README_ROW = re.compile(r"^\| `(?P<file>[^`]+)` \|.*\| (?P<comments>\d+) \|$")


@dataclass(frozen=True, slots=True)
class ScoredComment:
    """One comment of the set with the model's view of it and where it comes from."""

    file: str
    thread: Thread
    comment: Comment
    score: CommentScore

    @property
    def key(self) -> tuple[str, str]:
        return (self.file, self.comment.id or "")

    def describe(self) -> str:
        """thread, number, labels and the first 80 characters of its own words, escaped for the terminal."""
        labels = ",".join(self.score.flags) or "review: " + ",".join(self.score.suggested)
        words = one_line(self.comment.own_text or self.comment.text, 80)
        return f"{self.file} {self.thread.id} #{self.comment.number} [{labels}] {words}"


def thread_files() -> list[Path]:
    return sorted(path for path in REALWORLD.rglob("*") if path.is_file() and not path.name.startswith(NOT_THREADS))


def _name(path: Path) -> str:
    return path.relative_to(REALWORLD).as_posix()


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return load_scorer(None, load_taxonomy())


@pytest.fixture(scope="module")
def scored(scorer: Scorer) -> list[ScoredComment]:
    return list(_scored_comments(scorer))


def _scored_comments(scorer: Scorer) -> Iterator[ScoredComment]:
    for path in thread_files():
        for thread, scores in score_threads(scorer, load_threads(path), with_evidence=False):
            assert len(scores) == len(thread.comments)
            for comment, score in zip(thread.comments, scores):
                yield ScoredComment(_name(path), thread, comment, score)


def test_readme_lists_every_file_with_its_comment_count() -> None:
    """The README's table is the set's record of origin: every thread file is in it, with the count it imports as."""
    listed = {
        match["file"]: int(match["comments"])
        for line in (REALWORLD / "README.md").read_text(encoding="utf-8").splitlines()
        if (match := _README_ROW.match(line))
    }
    imported = {_name(path): sum(len(t.comments) for t in load_threads(path)) for path in thread_files()}
    assert listed == imported


def test_not_civil_names_real_comments(scored: list[ScoredComment]) -> None:
    keys = {item.key for item in scored}
    assert set(NOT_CIVIL) <= keys


def test_real_civil_comments_are_rarely_flagged(scored: list[ScoredComment]) -> None:
    civil = [item for item in scored if item.key not in NOT_CIVIL]
    flagged = [item for item in civil if item.score.needs_review]
    assert len(civil) >= MIN_COMMENTS
    share = len(flagged) / len(civil)
    assert share <= MAX_FLAGGED_SHARE, (
        f"{len(flagged)} of {len(civil)} civil comments ({share:.1%}) need review, at most {MAX_FLAGGED_SHARE:.0%} "
        "may:\n" + "\n".join(item.describe() for item in flagged)
    )
