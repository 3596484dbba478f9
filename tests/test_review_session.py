"""The review session's logic, without any user interface."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from moderation_core.taxonomy import Taxonomy, load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.log import DecisionLog, read_log
from moderator.review import ReviewSession
from moderator.scoring import CommentScore, load_scorer, score_thread
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
    """Scores made up here, so each queue's order is known without the code that sorts it."""
    from types import SimpleNamespace

    from moderation_core.thread import Comment, Thread
    from moderator.scoring import CommentScore

    thresholds = {"demand": 0.5, "threat": 0.3}
    made_up = [  # demand, threat, concern: a comment's distance is its label score closest to that label's threshold
        (0.90, 0.00, 0.20),  # |0.90-0.5| = 0.40, |0.00-0.3| = 0.30: distance 0.30
        (0.55, 0.10, 0.90),  # 0.05, 0.20: 0.05
        (0.10, 0.29, 0.50),  # 0.40, 0.01: 0.01
        (0.00, 0.95, 0.70),  # 0.50, 0.65: 0.50
        (0.35, 0.50, 0.10),  # 0.15, 0.20: 0.15
    ]
    scores = [
        CommentScore(
            number=n,
            id=None,
            scores={"demand": demand, "threat": threat},
            flags=[label for label, p in (("demand", demand), ("threat", threat)) if p >= thresholds[label]],
            concern=concern,
        )
        for n, (demand, threat, concern) in enumerate(made_up)
    ]
    thread = Thread(source="jsonl", id="q", comments=[Comment(number=n, text=f"comment {n}") for n in range(5)])
    model = SimpleNamespace(thresholds=thresholds, model_id="made-up")
    made = (scored[0], thread, model, scores)
    assert session(tmp_path, made, queue="thread").order == [0, 1, 2, 3, 4]
    by_concern = session(tmp_path, made, queue="concern")
    assert by_concern.order == [1, 3, 2, 0, 4]  # concern 0.90, 0.70, 0.50, 0.20, 0.10
    assert by_concern.index == 1  # the review starts at the top of its queue
    assert session(tmp_path, made, queue="uncertain").order == [2, 1, 4, 0, 3]  # 0.01, 0.05, 0.15, 0.30, 0.50


def test_only_flagged(tmp_path: Path, scored: tuple) -> None:
    s = session(tmp_path, scored, only_flagged=True)
    assert s.order and all(scored[3][i].needs_review for i in s.order)
    assert len(s.order) == sum(1 for x in scored[3] if x.needs_review)


def test_search_wraps_and_matches_authors(tmp_path: Path, scored: tuple) -> None:
    s = session(tmp_path, scored)
    assert s.search("popcorn")
    assert "popcorn" in s.current.text.lower()
    assert s.search("Adrian Vell") and s.current.author == "Adrian Vell"
    assert not s.search("no such words anywhere")


def test_a_digit_toggles_the_label_with_that_key(tmp_path: Path, scored: tuple) -> None:
    taxonomy = scored[0]
    s = session(tmp_path, scored)
    assert [s.label_for_digit(int(label.key)) for label in taxonomy.labels] == list(taxonomy.ids)
    s.pending.labels = []
    assert s.toggle_label_number(5) and s.pending.labels == ["demand"]
    assert s.toggle_label_number(2) and s.pending.labels == ["accusation", "demand"]
    assert s.toggle_label_number(5) and s.pending.labels == ["accusation"]
    # A digit no label answers to changes nothing (the screen rings the bell).
    assert s.label_for_digit(9) is None and not s.toggle_label_number(9)
    assert s.pending.labels == ["accusation"]


def test_the_action_key_cycles_flag_remind_hide_escalate(tmp_path: Path, scored: tuple) -> None:
    s = session(tmp_path, scored)
    assert s.pending.action == "flag"
    assert [s.cycle_action() for _ in range(5)] == ["remind", "hide", "escalate", "flag", "remind"]
    assert s.pending.action == "remind"
    # From an action outside the cycle, the cycle starts again at "flag".
    for outside in ("ok", "skip"):
        s.set_action(outside)
        assert s.cycle_action() == "flag" and s.pending.action == "flag"


# -- comments the model marks for review ----------------------------------------------------------------------------
# The taxonomy, a thread, its model (thresholds and id) and its scores: what ``session`` takes.
Scored = tuple[Taxonomy, Thread, object, list[CommentScore]]


def marked_for_review_thread(tmp_path: Path, scored: Scored, **options: object) -> ReviewSession:
    """Five comments scored here: 0 fine, 1 marked for review (accusation and demand suggested, in the model's
    order of likelihood, plus a label of no taxonomy), 2 flagged for threat, 3 fine, 4 marked for review with
    nothing to suggest. The bundled model marks none, so the scores are built here."""

    def score(
        n: int, concern: float, flags: list[str], review: bool = False, suggested: Sequence[str] = ()
    ) -> CommentScore:
        return CommentScore(n, None, {"demand": 0.4, "threat": 0.2}, flags, concern, {}, review, list(suggested))

    scores = [
        score(0, 0.10, []),
        score(1, 0.87, [], True, ["demand", "no-such-label", "accusation"]),
        score(2, 0.95, ["threat"]),
        score(3, 0.20, []),
        score(4, 0.60, [], True),
    ]
    thread = Thread(source="jsonl", id="r", comments=[Comment(number=n, text=f"comment {n}") for n in range(5)])
    model = SimpleNamespace(thresholds={"demand": 0.5, "threat": 0.3}, model_id="made-up")
    return session(tmp_path, (scored[0], thread, model, scores), **options)


def pending(s: ReviewSession) -> tuple[list[str], bool]:
    """The pending labels and whether they are the model's suggestion."""
    return list(s.pending.labels), s.pending.suggested


def test_next_flagged_stops_at_comments_marked_for_review(tmp_path: Path, scored: Scored) -> None:
    s = marked_for_review_thread(tmp_path, scored)
    assert s.index == 0
    assert s.next_flagged_undecided() and s.index == 1
    assert s.next_flagged_undecided() and s.index == 2
    assert s.next_flagged_undecided() and s.index == 4
    assert s.next_flagged_undecided() and s.index == 1  # wraps


def test_flagged_left_counts_comments_marked_for_review(tmp_path: Path, scored: Scored) -> None:
    s = marked_for_review_thread(tmp_path, scored)
    assert (s.flagged_left(), s.review_left()) == (3, 2)
    s.go_to_index(1)
    s.save()
    assert (s.flagged_left(), s.review_left()) == (2, 1)
    s.go_to_index(2)
    s.save()
    assert (s.flagged_left(), s.review_left()) == (1, 1)


def test_only_flagged_keeps_comments_marked_for_review(tmp_path: Path, scored: Scored) -> None:
    assert marked_for_review_thread(tmp_path, scored, only_flagged=True).order == [1, 2, 4]
    by_concern = marked_for_review_thread(tmp_path, scored, only_flagged=True, queue="concern")
    assert by_concern.order == [2, 1, 4] and by_concern.index == 2


def test_suggested_labels_are_pre_toggled_as_a_suggestion(tmp_path: Path, scored: Scored) -> None:
    s = marked_for_review_thread(tmp_path, scored)
    assert pending(s) == ([], False)
    s.next_flagged_undecided()
    # In the taxonomy's order, without the label the taxonomy does not have (saving it would be refused).
    assert pending(s) == (["accusation", "demand"], True) and s.pending.action == "flag"
    s.next_flagged_undecided()
    assert pending(s) == (["threat"], False)  # flags are no suggestion
    s.next_flagged_undecided()
    assert pending(s) == ([], False)  # marked, but nothing suggested
    s.go_to_index(1)
    assert pending(s) == (["accusation", "demand"], True)  # again on coming back


def test_toggling_a_label_ends_the_suggestion(tmp_path: Path, scored: Scored) -> None:
    s = marked_for_review_thread(tmp_path, scored)
    s.go_to_index(1)
    s.toggle_label("threat")
    assert pending(s) == (["accusation", "demand", "threat"], False)
    s.toggle_label("threat")  # back to the labels suggested, now the moderator's own
    assert pending(s) == (["accusation", "demand"], False)
    s.go_to_index(0)
    s.go_to_index(1)
    assert pending(s) == (["accusation", "demand"], True)  # undecided still: the suggestion again
    s.set_action("hide")
    s.set_note("checked")
    assert pending(s) == (["accusation", "demand"], True)  # only a label changes whose labels they are


def test_saving_a_suggestion_records_its_labels(tmp_path: Path, scored: Scored) -> None:
    s = marked_for_review_thread(tmp_path, scored)
    s.next_flagged_undecided()
    entry = s.save()
    assert entry.labels == ("accusation", "demand") and entry.action == "flag"
    [saved] = read_log(tmp_path / "log.yaml", scored[0].ids).entries
    assert saved.key[3] == 1 and saved.labels == ("accusation", "demand") and saved.action == "flag"
    assert saved.data["model"]["flags"] == []  # the model flagged nothing: the labels are the moderator's decision
    s.go_to_index(1)
    assert pending(s) == (["accusation", "demand"], False)  # now a saved decision
