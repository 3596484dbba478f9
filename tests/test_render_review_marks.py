"""``moderator score``'s text table with comments the model marks for review (scores built here: the bundled model
marks none yet)."""

from __future__ import annotations

from moderation_core.thread import Comment, Thread
from moderator.cli.render import score_table
from moderator.scoring import CommentScore


def table(scores: list[CommentScore]) -> list[str]:
    thread = Thread(
        source="jsonl", id="t", title="Title", comments=[Comment(number=n, text=f"words {n}") for n in range(3)]
    )
    return score_table(thread, scores, "made-up@0123").splitlines()


def test_marked_for_review_shows_its_suggested_labels_and_is_counted() -> None:
    lines = table(
        [
            CommentScore(0, None, {}, ["threat"], 0.95),
            CommentScore(1, None, {}, [], 0.87, review=True, suggested=["accusation", "demand"]),
            CommentScore(2, None, {}, [], 0.10),
        ]
    )
    assert lines[1] == "3 comments, 1 flagged, 1 marked for review · model made-up@0123"
    rows = {line.split()[0]: line.split()[2:] for line in lines[3:]}
    assert rows["0"][0] == "threat"
    assert rows["1"][:2] == ["review?", "accusation,demand"]  # a suggestion, set apart from flags
    assert rows["2"][0] == "-"


def test_a_mark_with_nothing_suggested_and_a_table_with_no_marks() -> None:
    marked = table([CommentScore(n, None, {}, [], 0.7, review=n == 1) for n in range(3)])
    assert marked[1].startswith("3 comments, 0 flagged, 1 marked for review ·")
    assert marked[4].split()[2:4] == ["review?", "words"]
    unmarked = table([CommentScore(n, None, {}, [], 0.1) for n in range(3)])
    assert unmarked[1] == "3 comments, 0 flagged · model made-up@0123"  # as before the model could mark any
