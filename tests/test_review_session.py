"""The review session's logic, without any user interface."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from moderation_core.taxonomy import Taxonomy, load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.log import DecisionLog, read_log
from moderator.review import Pending, ReviewSession
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
    # The comment on screen when the scores arrived (the first undecided, 0) stays on screen: no jump.
    assert by_concern.index == 0
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
    # Comment 0 was on screen when the scores arrived; the queue leaves it out: the nearest following one, 1.
    assert by_concern.order == [2, 1, 4] and by_concern.index == 1


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


# -- issue 13: a review screen for real work -----------------------------------------------------------------------
def logged(tmp_path: Path, taxonomy: Taxonomy) -> list[tuple[str, int | None, tuple[str, ...], str, str]]:
    """The log as (kind, comment number, labels, action, note) per document."""
    return [
        (e.kind, e.key.number, e.labels, str(e.action or ""), e.note)
        for e in read_log(tmp_path / "log.yaml", taxonomy.ids).entries
    ]


def unscored(tmp_path: Path, taxonomy: Taxonomy, thread: Thread, moderator: str = "dana", **options: object):  # type: ignore[no-untyped-def]
    """A session before the model's scores arrive."""
    log = DecisionLog(tmp_path / "log.yaml", taxonomy.ids)
    return ReviewSession(thread, taxonomy, log, moderator, **options)  # type: ignore[arg-type]


def made_scores(count: int, flags: dict[int, list[str]], concern: dict[int, float] | None = None) -> list[CommentScore]:
    """Scores for comments numbered 0..count-1: ``flags`` per number (the rest unflagged)."""
    concern = concern or {}
    return [
        CommentScore(n, None, {"demand": 0.1}, list(flags.get(n, [])), concern.get(n, 0.1 if n not in flags else 0.9))
        for n in range(count)
    ]


def plain_thread(count: int, authors: Sequence[str] = ()) -> Thread:
    comments = [
        Comment(number=n, text=f"comment {n}", author=authors[n % len(authors)] if authors else None)
        for n in range(count)
    ]
    return Thread(source="jsonl", id="t", comments=comments)


MODEL = SimpleNamespace(thresholds={"demand": 0.5}, model_id="made-up")


def test_pending_work_is_kept_as_a_draft_and_restored(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    assert s.index == 0 and not s.has_draft(0) and s.drafts_count() == 0
    s.toggle_label("demand")
    s.set_action("remind")
    s.set_note("ask Marcus")
    assert s.has_draft(0) and s.drafts_count() == 1  # the current comment's pending work counts as it stands
    s.next()
    assert s.index == 1 and s.pending.labels == [] and s.has_draft(0) and not s.has_draft(1)
    s.go_to_number(0)
    assert (s.pending.labels, s.pending.action, s.pending.note) == (["demand"], "remind", "ask Marcus")
    assert s.drafts_count() == 1 and logged(tmp_path, scored[0]) == []  # nothing written by moving


def test_toggling_back_to_the_default_drops_the_draft(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    s.go_to_number(2)  # the model flags it: inflammatory pre-toggled
    assert s.pending.labels == ["inflammatory"]
    s.toggle_label("inflammatory")
    s.toggle_label("demand")
    assert s.has_draft(s.index)
    s.toggle_label("demand")
    s.toggle_label("inflammatory")
    s.next()
    assert not s.has_draft(2) and s.drafts_count() == 0


@pytest.mark.parametrize("decide", ["save", "accept", "skip"])
def test_deciding_drops_the_draft(tmp_path: Path, scored: Scored, decide: str) -> None:
    s = session(tmp_path, scored)
    s.toggle_label("demand")
    s.next()
    s.previous()
    assert s.pending.labels == ["demand"]
    getattr(s, decide)()
    assert s.index == 1 and not s.has_draft(0) and s.drafts_count() == 0
    [(kind, number, labels, action, _)] = logged(tmp_path, scored[0])
    expected = {"save": (("demand",), "flag"), "accept": ((), "ok"), "skip": ((), "skip")}[decide]
    assert (kind, number, (labels, action)) == ("decision", 0, expected)


def test_a_draft_on_a_decided_comment_keeps_the_saved_decision(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    s.accept()
    s.previous()
    assert not s.has_draft(0)
    s.toggle_label("threat")
    s.next()
    assert s.has_draft(0) and s.decisions[0] is not None and s.decisions[0].action == "ok"
    s.previous()
    assert s.pending.labels == ["threat"]
    assert logged(tmp_path, scored[0]) == [("decision", 0, (), "ok", "")]


def test_scores_arriving_keep_drafts(tmp_path: Path, scored: Scored) -> None:
    taxonomy = scored[0]
    s = unscored(tmp_path, taxonomy, plain_thread(5))
    s.toggle_label("threat")  # comment 0: before the model said anything
    s.go_to_index(2)
    s.toggle_label("demand")  # comment 2: the very label the model will flag
    s.go_to_index(3)
    s.toggle_label("threat")  # comment 3: on screen when the scores arrive
    assert s.drafts_count() == 3
    s.set_scores(made_scores(5, {2: ["demand"], 3: ["demand"]}), MODEL.thresholds, MODEL.model_id)
    assert s.index == 3 and s.pending.labels == ["threat"]  # not the model's flags: the moderator's work
    assert s.has_draft(0) and not s.has_draft(2)  # 2's draft is what the model now pre-toggles anyway
    assert s.drafts_count() == 2
    s.go_to_index(0)
    assert s.pending.labels == ["threat"]
    s.go_to_index(2)
    assert s.pending.labels == ["demand"]


def test_undo_restores_the_undone_decision_as_pending(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    s.accept()
    s.toggle_label("threat")
    s.set_action("hide")
    s.set_note("second warning")
    s.save()
    assert s.index == 2
    assert s.undo() == 1
    assert s.index == 1 and s.decisions[1] is None and s.decided_count() == 1
    assert (s.pending.labels, s.pending.action, s.pending.note) == (["threat"], "hide", "second warning")
    assert s.has_draft(1)
    s.next()
    s.previous()  # a draft like any other: kept when moving away
    assert (s.pending.labels, s.pending.action, s.pending.note) == (["threat"], "hide", "second warning")
    assert [entry[0] for entry in logged(tmp_path, scored[0])] == ["decision", "decision", "retraction"]


def test_undo_back_to_an_earlier_decision_of_the_session(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    s.accept()
    s.previous()
    s.toggle_label("demand")
    s.save()  # comment 0 again: demand replaces ok
    assert s.undo() == 0
    assert s.decisions[0] is not None and s.decisions[0].action == "ok"  # the decision it replaced, without a read
    assert s.pending.labels == ["demand"] and s.has_draft(0) and s.decided_count() == 1


def test_a_note_on_a_decided_comment_is_saved_with_one_key(tmp_path: Path, scored: Scored) -> None:
    taxonomy = scored[0]
    s = session(tmp_path, scored)
    s.toggle_label("demand")
    s.set_action("remind")
    first = s.save()
    s.previous()
    entry = s.save_note("asked twice already")
    assert entry is not None and entry is s.decisions[0] and entry is not first
    assert s.index == 0 and s.decided_count() == 1  # stays on the comment
    assert s.pending.note == "asked twice already" and not s.has_draft(0)
    assert s.save_note("asked twice already") is s.decisions[0]  # unchanged: nothing more written
    assert logged(tmp_path, taxonomy) == [
        ("decision", 0, ("demand",), "remind", ""),
        ("decision", 0, ("demand",), "remind", "asked twice already"),
    ]
    s.undo()  # the old note again; the new one stays pending
    assert s.decisions[0] is first and s.pending.note == "asked twice already" and s.has_draft(0)


def test_a_note_on_an_undecided_comment_only_sets_the_pending_note(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    assert s.save_note("looks fine") is None
    assert s.pending.note == "looks fine" and s.index == 0
    assert logged(tmp_path, scored[0]) == []
    s.skip()
    s.previous()
    assert s.save_note("later") is None and logged(tmp_path, scored[0])[-1][3] == "skip"  # skipped: undecided


def test_a_note_with_a_label_draft_keeps_the_draft(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    s.accept()
    s.previous()
    s.toggle_label("threat")
    s.save_note("rude")
    assert logged(tmp_path, scored[0])[-1] == ("decision", 0, (), "ok", "rude")
    assert s.pending.labels == ["threat"] and s.pending.note == "rude" and s.has_draft(0)


def test_a_skip_means_later(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    assert s.next_flagged_undecided() and s.current.number == 2
    s.set_note("check with Lee")
    s.skip()
    assert s.decided_count() == 0 and s.skipped_count() == 1 and s.is_skipped(2) and not s.is_skipped(3)
    assert s.flagged_left() == 9  # still left
    for _ in range(8):
        s.next_flagged_undecided()
        s.save()
    assert s.next_flagged_undecided() and s.current.number == 2  # it comes back
    assert s.pending.labels == ["inflammatory"] and s.pending.note == "check with Lee"  # the model's, and the note
    assert not s.has_draft(s.index)
    again = session(tmp_path, scored)
    assert again.current.number == 0  # comment 0 is undecided: resuming starts there
    again.go_to_number(0)
    again.accept()
    again.accept()
    third = session(tmp_path, scored)
    assert third.current.number == 2 and third.is_skipped(2) and third.skipped_count() == 1  # resumes at the skip


def test_scores_arriving_never_move_the_comment_on_screen(tmp_path: Path, scored: Scored) -> None:
    taxonomy = scored[0]
    scores = made_scores(6, {1: ["demand"], 4: ["demand"]}, {0: 0.5, 1: 0.9, 2: 0.2, 3: 0.3, 4: 0.8, 5: 0.1})
    for queue in ("thread", "concern", "uncertain"):
        s = unscored(tmp_path, taxonomy, plain_thread(6), queue=queue)
        s.go_to_index(3)
        s.set_scores(scores, MODEL.thresholds, MODEL.model_id)
        assert s.index == 3 and s.order[s.position] == 3, queue
    flagged = unscored(tmp_path, taxonomy, plain_thread(6), only_flagged=True, queue="concern")
    flagged.go_to_index(2)
    flagged.set_scores(scores, MODEL.thresholds, MODEL.model_id)
    assert flagged.order == [1, 4] and flagged.index == 4  # 2 left out: the nearest following comment
    last = unscored(tmp_path, taxonomy, plain_thread(6), only_flagged=True)
    last.go_to_index(5)
    last.set_scores(scores, MODEL.thresholds, MODEL.model_id)
    assert last.index == 4  # none follows: the nearest before


def test_only_flagged_with_nothing_flagged_shows_all_and_says_so(tmp_path: Path, scored: Scored) -> None:
    taxonomy = scored[0]
    s = unscored(tmp_path, taxonomy, plain_thread(4), only_flagged=True)
    before = s.notice
    assert before is None  # not known before the scores
    s.set_scores(made_scores(4, {}), MODEL.thresholds, MODEL.model_id)
    assert s.order == [0, 1, 2, 3]
    assert s.notice == "No comment is flagged or marked for review: showing all 4 comments"
    some = unscored(tmp_path, taxonomy, plain_thread(4), only_flagged=True)
    some.set_scores(made_scores(4, {2: ["demand"]}), MODEL.thresholds, MODEL.model_id)
    assert some.order == [2] and some.notice is None
    assert session(tmp_path, scored).notice is None


def test_go_to_number_uses_the_numbers_shown(tmp_path: Path, scored: Scored) -> None:
    taxonomy = scored[0]
    thread = Thread(source="jsonl", id="n", comments=[Comment(number=n, text=f"c{n}") for n in (0, 5, 7, 12)])
    s = unscored(tmp_path, taxonomy, thread, only_flagged=True)
    assert s.go_to_number(7) and s.index == 2 and s.current.number == 7
    assert not s.go_to_number(3) and not s.go_to_number(1) and s.index == 2  # no such comment: no move
    scores = [CommentScore(n, None, {}, ["demand"] if n == 12 else [], 0.5) for n in (0, 5, 7, 12)]
    s.set_scores(scores, MODEL.thresholds, MODEL.model_id)
    assert not s.go_to_number(5)  # left out by --only-flagged
    assert s.go_to_number(12) and s.current.number == 12


def test_jumping_to_quoted_comments_and_back(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    assert s.quoted_numbers() == []
    assert not s.jump_to_quoted() and not s.jump_back()
    assert s.go_to_number(7) and s.quoted_numbers() == [4]  # the sample's comment 7 quotes comment 4 ...
    assert s.jump_to_quoted() and s.current.number == 4
    assert s.quoted_numbers() == [3]  # ... which quotes comment 3
    assert s.jump_to_quoted() and s.current.number == 3
    assert s.jump_back() and s.current.number == 4
    assert s.jump_back() and s.current.number == 7
    assert s.jump_back() and s.current.number == 0  # going to a number is a jump too
    assert not s.jump_back() and s.current.number == 0


def test_quoted_numbers_are_in_first_appearance_order(tmp_path: Path, scored: Scored) -> None:
    from moderation_core.thread import Segment

    comments = [Comment(number=n, text=f"c{n}") for n in range(6)]
    segments = (
        Segment("attribution", "(In reply to Pat from comment #3)", 3),
        Segment("quote", "> c3", 3),
        Segment("own", "no"),
        Segment("quote", "> c1", 1),
        Segment("quote", "> c9", 9),  # no comment 9 in this thread
        Segment("quote", "> c5", 5),  # itself
        Segment("quote", "> ?", None),
    )
    comments[5].resegment(segments, (2, 3, 1))
    s = unscored(tmp_path, scored[0], Thread(source="jsonl", id="q", comments=comments))
    s.go_to_number(5)
    assert s.quoted_numbers() == [3, 1, 2]


def test_the_author_filter(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    ricks = [i for i, c in enumerate(s.thread.comments) if c.author == "Rick Tallow"]
    s.go_to_number(4)
    assert s.set_author_filter("rick") == len(ricks) == len(s.order)
    assert (s.order, s.author_filter) == (ricks, "rick")
    assert s.current.number == 11  # 4 is not Rick's: the nearest following comment of his
    s.go_to_number(18)
    assert s.set_author_filter("no such person") == 0
    assert (s.author_filter, s.order, s.current.number) == ("rick", ricks, 18)  # nothing changed
    assert not s.go_to_number(4)  # filtered out
    assert s.set_author_filter("TALLOW") == len(ricks) and s.current.number == 18  # casefold; still on screen
    assert s.set_author_filter(None) == 49 and s.author_filter is None and s.current.number == 18
    assert s.set_author_filter("") == 49


def test_the_author_filter_keeps_drafts(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    s.toggle_label("threat")
    s.set_author_filter("Rick")
    assert s.current.author == "Rick Tallow" and s.has_draft(0)
    s.set_author_filter(None)
    s.go_to_index(0)
    assert s.pending.labels == ["threat"]


def test_other_moderators_decisions_on_the_same_comment(tmp_path: Path, scored: Scored) -> None:
    taxonomy, thread = scored[0], scored[1]
    lee = session(tmp_path, scored)
    lee.moderator = "lee"
    lee.accept()  # lee: comment 0 ok
    lee.toggle_label("demand")
    lee.save()  # lee: comment 1 demand
    lee.previous()
    lee.toggle_label("demand")
    lee.toggle_label("threat")
    lee.save()  # lee changes their mind on 1: only this one counts
    kim = session(tmp_path, scored)
    kim.moderator = "kim"
    kim.go_to_index(1)
    kim.skip()
    other_thread = Thread(source="bugzilla", id="999", comments=[Comment(number=1, text="elsewhere")])
    elsewhere = unscored(tmp_path, taxonomy, other_thread, "lee")
    elsewhere.accept()
    dana = session(tmp_path, scored)
    dana.accept()  # dana's own: never among the others'
    assert [(e.key.moderator, e.action) for e in dana.others_decisions(0)] == [("lee", "ok")]
    assert [(e.key.moderator, e.labels, e.action) for e in dana.others_decisions(1)] == [
        ("lee", ("threat",), "flag"),
        ("kim", (), "skip"),
    ]
    assert dana.others_decisions(2) == [] and len(thread.comments) == 49


def test_no_log_reads_after_the_start(tmp_path: Path, scored: Scored, monkeypatch: pytest.MonkeyPatch) -> None:
    """Moving, composing, deciding, undoing and asking for others' decisions use what the session keeps."""
    import moderator.log.decision_log as decision_log

    s = session(tmp_path, scored)

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the log was read after the session started")

    monkeypatch.setattr(decision_log.DecisionLog, "effective", no_reading)
    monkeypatch.setattr(decision_log, "read_log", no_reading)
    s.toggle_label("demand")
    s.save()
    s.accept()
    s.previous()
    s.save_note("note")
    s.next_flagged_undecided()
    s.skip()
    s.undo()
    s.undo()
    s.undo()
    s.jump_to_quoted()
    s.set_author_filter("Marcus")
    s.others_decisions(s.index)
    s.summary()
    assert s.at_end() is False and s.decided_count() == 1  # the first save stands


def test_summary_and_the_end_of_the_queue(tmp_path: Path, scored: Scored) -> None:
    taxonomy = scored[0]
    ticks = iter([100.0, 160.0, 250.0])
    s = unscored(tmp_path, taxonomy, plain_thread(4), clock=lambda: next(ticks))
    s.toggle_label("demand")
    s.toggle_label("threat")
    s.save()  # 0: demand, threat (flag)
    s.toggle_label("demand")
    s.set_action("hide")
    s.save()  # 1: demand (hide)
    s.accept()  # 2: ok
    s.skip()  # 3: skipped
    assert not s.at_end()  # a skipped comment is not decided
    summary = s.summary()
    assert (summary.total, summary.decided, summary.skipped, summary.undecided) == (4, 3, 1, 0)
    assert summary.by_label == {"demand": 2, "threat": 1}
    assert summary.by_action == {"flag": 1, "hide": 1, "ok": 1}
    assert summary.seconds == 60.0 and summary.decisions_this_session == 4
    s.accept()  # 3 decided at last
    assert s.at_end()
    s.undo()
    s.undo()
    assert not s.at_end()
    summary = s.summary()
    assert (summary.decided, summary.skipped, summary.undecided, summary.decisions_this_session) == (3, 0, 1, 3)
    assert summary.seconds == 150.0


def test_at_end_counts_only_the_queue(tmp_path: Path, scored: Scored) -> None:
    taxonomy = scored[0]
    s = unscored(tmp_path, taxonomy, plain_thread(4, ["Ann", "Bob"]))
    assert s.set_author_filter("bob") == 2 and s.current.number == 1
    s.accept()
    assert not s.at_end()
    s.accept()
    assert s.at_end() and s.summary().undecided == 2  # the summary is the whole thread's
    s.set_author_filter(None)
    assert not s.at_end()


def test_a_long_thread_does_no_work_per_comment_when_moving(
    tmp_path: Path, scored: Scored, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving on a 10,000-comment thread builds the default pending decision of the comments it touches only
    (counted), not of every comment."""
    taxonomy = scored[0]
    s = unscored(tmp_path, taxonomy, plain_thread(10_000))
    s.set_scores(made_scores(10_000, {n: ["demand"] for n in range(0, 10_000, 97)}), MODEL.thresholds, "m")
    calls = 0
    real = ReviewSession._default

    def counted(self: ReviewSession, index: int) -> Pending:
        nonlocal calls
        calls += 1
        return real(self, index)

    monkeypatch.setattr(ReviewSession, "_default", counted)
    for _ in range(100):
        s.next()
        s.has_draft(s.index)
        s.drafts_count()
        s.go_to_number(9_999)
        s.previous()
    assert 0 < calls < 100 * 10  # a pass over the comments per key would be 10,000 a key


def test_undoing_a_skip_keeps_its_note_pending(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    s.go_to_number(2)
    s.set_note("ask Lee")
    s.skip()
    assert s.undo() == 2 and s.skipped_count() == 0
    assert (s.pending.labels, s.pending.action, s.pending.note) == (["inflammatory"], "flag", "ask Lee")
    assert s.has_draft(2)


def test_undo_keeps_a_newer_draft_of_the_comment(tmp_path: Path, scored: Scored) -> None:
    s = session(tmp_path, scored)
    s.accept()
    s.previous()
    s.toggle_label("threat")  # work on comment 0 after its decision, not saved
    s.next()
    assert s.undo() == 0 and s.index == 0
    assert s.pending.labels == ["threat"] and s.decisions[0] is None


def test_counts_kept_per_decision_match_a_full_count(tmp_path: Path, scored: Scored) -> None:
    s = marked_for_review_thread(tmp_path, scored)
    s.set_author_filter("")  # (no filter)

    def counts() -> tuple[int, int, int, int, bool]:
        return s.decided_count(), s.skipped_count(), s.flagged_left(), s.review_left(), s.at_end()

    for step in ("skip", "save", "accept", "skip", "undo", "save", "undo", "accept", "skip", "save", "save"):
        if step == "undo":
            s.undo()
        else:
            getattr(s, step)()
        kept = counts()
        s._recount()
        assert kept == counts(), step
    again = marked_for_review_thread(tmp_path, scored)  # the same log read again
    assert (again.decided_count(), again.skipped_count(), again.flagged_left()) == counts()[:3]


def test_decisions_keep_the_context_the_model_scored_the_comment_with(tmp_path: Path, scored: tuple) -> None:
    """Retraining from the log sees a logged comment as scoring saw it (issue 14): own words, title, context."""
    from moderator.log.training import logged_examples
    from moderator.scoring import comment_inputs

    taxonomy, thread, _, _ = scored
    s = session(tmp_path, scored)
    for _ in range(3):
        s.accept()
    records = [entry.load() for entry in read_log(tmp_path / "log.yaml", taxonomy.ids).entries]
    given = list(comment_inputs(thread))[:3]
    assert [r.comment.context for r in records] == [i.context for i in given]  # type: ignore[union-attr]
    assert records[0].comment.context == "" and records[2].comment.context  # type: ignore[union-attr]
    examples = logged_examples([str(tmp_path / "log.yaml")], taxonomy.ids).examples
    assert {(e.input.text, e.input.context) for e in examples} == {(i.text, i.context) for i in given}
