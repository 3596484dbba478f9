"""The review session's logic, without any user interface."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation_core.taxonomy import load_taxonomy
from moderator.log import DecisionLog, read_log
from moderator.review import ReviewSession
from moderator.scoring import load_scorer, score_thread
from moderator.sources import load_thread

SAMPLE = Path(__file__).resolve().parent.parent / "moderator" / "samples" / "bug-4127.yaml"


@pytest.fixture(scope="module")
def scored() -> tuple:
    taxonomy = load_taxonomy()
    thread = load_thread(SAMPLE)
    scorer = load_scorer(None, taxonomy)
    return taxonomy, thread, scorer, score_thread(scorer, thread)


def session(tmp_path: Path, scored: tuple, **options: object) -> ReviewSession:
    taxonomy, thread, scorer, scores = scored
    result = ReviewSession(thread, taxonomy, DecisionLog(tmp_path / "log.yaml", taxonomy.ids), "dana", **options)  # type: ignore[arg-type]
    result.set_scores(scores, scorer.thresholds, scorer.model_id)
    return result


def test_accept_records_ok_and_moves_on(tmp_path: Path, scored: tuple) -> None:
    s = session(tmp_path, scored)
    assert s.position == 0
    s.accept()
    assert s.position == 1 and s.decided_count() == 1
    [entry] = read_log(tmp_path / "log.yaml", scored[0].ids).entries
    assert entry.action == "ok" and entry.labels == () and entry.key[3] == 0


def test_pending_starts_with_the_model_flags_and_toggles(tmp_path: Path, scored: tuple) -> None:
    s = session(tmp_path, scored)
    assert s.next_flagged_undecided()
    flags = list(s.current_score.flags)
    assert s.pending.labels == flags
    s.toggle_label("threat")
    s.toggle_label("threat")
    s.toggle_label("demand")
    expected = sorted(set(flags) ^ {"demand"}, key=scored[0].ids.index)
    assert s.pending.labels == expected
    s.set_action("hide")
    s.set_note("see guideline 2")
    entry = s.save()
    assert entry.labels == tuple(expected) and entry.action == ("hide" if expected else "ok")


def test_resume_starts_at_first_undecided_and_shows_earlier_decisions(tmp_path: Path, scored: tuple) -> None:
    first = session(tmp_path, scored)
    first.accept()
    first.accept()
    first.toggle_label("demand")
    first.save()
    again = session(tmp_path, scored)
    assert again.position == 3 and again.decided_count() == 3
    assert again.decisions[2] is not None and "demand" in again.decisions[2].labels
    again.go_to_index(2)
    assert "demand" in again.pending.labels


def test_undo_retracts_and_returns(tmp_path: Path, scored: tuple) -> None:
    s = session(tmp_path, scored)
    s.accept()
    s.toggle_label("threat")
    s.save()
    assert s.undo() == 1
    assert s.index == 1 and s.decisions[1] is None and s.decided_count() == 1
    kinds = [e.kind for e in read_log(tmp_path / "log.yaml", scored[0].ids).entries]
    assert kinds == ["decision", "decision", "retraction"]
    assert s.undo() == 0 and s.undo() is None


def test_queues_order_by_concern_and_uncertainty(tmp_path: Path, scored: tuple) -> None:
    scores = scored[3]
    by_concern = session(tmp_path, scored, queue="concern")
    concerns = [scores[i].concern for i in by_concern.order]
    assert concerns == sorted(concerns, reverse=True)
    assert by_concern.index == by_concern.order[0]
    uncertain = session(tmp_path, scored, queue="uncertain")
    distances = [uncertain._uncertainty(i) for i in uncertain.order]
    assert distances == sorted(distances)


def test_only_flagged(tmp_path: Path, scored: tuple) -> None:
    s = session(tmp_path, scored, only_flagged=True)
    assert s.order and all(scored[3][i].flags for i in s.order)
    assert len(s.order) == sum(1 for x in scored[3] if x.flags)


def test_search_wraps_and_matches_authors(tmp_path: Path, scored: tuple) -> None:
    s = session(tmp_path, scored)
    assert s.search("popcorn")
    assert "popcorn" in s.current.text.lower()
    assert s.search("Adrian Vell") and s.current.author == "Adrian Vell"
    assert not s.search("no such words anywhere")
