"""``BackgroundScorer``: a long thread scored in a child process, a short one (or one whose child failed) here
with a short interpreter switch interval that is always given back, and the same scores either way."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Callable

import pytest

import moderator.scoring.background as background
from moderation_core.taxonomy import DEFAULT_TAXONOMY, load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.scoring import CommentScore, Scorer, load_scorer, score_thread
from moderator.scoring.background import BackgroundScorer, ScoringResult


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return load_scorer(None, load_taxonomy())


def make_thread(count: int) -> Thread:
    comments = [
        Comment(number=n, text=("You clueless idiot, any update??" if n % 7 == 3 else f"Build {n} passes on arm64."))
        for n in range(count)
    ]
    return Thread(source="jsonl", id="t", title="Builds", comments=comments)


def summary(scores: list[CommentScore]) -> list[tuple[int | None, list[str], float]]:
    return [(s.number, s.flags, s.concern) for s in scores]


class RunSpy:
    """Stands in for subprocess.run: records the command lines, then answers with ``answer``."""

    def __init__(self, answer: Callable[..., subprocess.CompletedProcess[bytes]]) -> None:
        self.commands: list[list[str]] = []
        self.answer = answer

    def __call__(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        self.commands.append(list(args))
        return self.answer(args, **kwargs)


def test_a_short_thread_is_scored_here_with_a_short_switch_interval(
    scorer: Scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = make_thread(30)
    spy = RunSpy(subprocess.run)
    monkeypatch.setattr(subprocess, "run", spy)
    intervals: list[float] = []

    def scoring(*args: object, **kwargs: object) -> list[CommentScore]:
        intervals.append(sys.getswitchinterval())
        return score_thread(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(background, "score_thread", scoring)
    before = sys.getswitchinterval()
    result = BackgroundScorer(scorer, thread, DEFAULT_TAXONOMY).run()
    assert spy.commands == []
    assert intervals == [background.SWITCH_INTERVAL_SECONDS] and background.SWITCH_INTERVAL_SECONDS < before
    assert sys.getswitchinterval() == before
    assert result == ScoringResult(result.scores, scorer.thresholds, scorer.model_id)
    assert summary(result.scores) == summary(score_thread(scorer, thread))
    assert any(s.flags for s in result.scores)


def test_the_switch_interval_is_given_back_when_scoring_fails(scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> list[CommentScore]:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(background, "score_thread", broken)
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError, match="model exploded"):
        BackgroundScorer(scorer, make_thread(5), DEFAULT_TAXONOMY).run()
    assert sys.getswitchinterval() == before


def test_a_long_thread_is_scored_in_a_child_process_with_the_same_scores(
    scorer: Scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = make_thread(40)
    spy = RunSpy(subprocess.run)
    monkeypatch.setattr(subprocess, "run", spy)
    scoring = BackgroundScorer(scorer, thread, DEFAULT_TAXONOMY, process_from=40)
    assert scoring.uses_a_process
    result = scoring.run()
    assert [command[1:3] for command in spy.commands] == [["-m", "moderator.scoring.worker"]]
    assert spy.commands[0][3:] == [str(scorer.model_dir), str(DEFAULT_TAXONOMY)]
    assert summary(result.scores) == summary(score_thread(scorer, thread))
    assert not BackgroundScorer(scorer, thread, DEFAULT_TAXONOMY, process_from=41).uses_a_process


def failed_child(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.CompletedProcess(args, 1, b"", b"Traceback: the child broke")


def missing_interpreter(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    raise FileNotFoundError(2, "No such file or directory", args[0])


@pytest.mark.parametrize("answer", [failed_child, missing_interpreter])
def test_when_the_child_cannot_score_the_thread_is_scored_here(
    scorer: Scorer, monkeypatch: pytest.MonkeyPatch, answer: Callable[..., subprocess.CompletedProcess[bytes]]
) -> None:
    thread = make_thread(20)
    spy = RunSpy(answer)
    monkeypatch.setattr(subprocess, "run", spy)
    result = BackgroundScorer(scorer, thread, DEFAULT_TAXONOMY, process_from=1).run()
    assert len(spy.commands) == 1
    assert summary(result.scores) == summary(score_thread(scorer, thread))


def test_without_a_model_folder_no_child_is_started(scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> None:
    in_memory = Scorer(scorer.model, scorer.card, scorer.taxonomy, model_dir=None)
    spy = RunSpy(subprocess.run)
    monkeypatch.setattr(subprocess, "run", spy)
    scoring = BackgroundScorer(in_memory, make_thread(10), DEFAULT_TAXONOMY, process_from=1)
    assert not scoring.uses_a_process
    assert len(scoring.run().scores) == 10 and spy.commands == []


def test_the_scores_are_frozen_out_of_the_collectors_walks(scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []

    def scoring(*args: object, **kwargs: object) -> list[CommentScore]:
        events.append("scored")
        return score_thread(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(background, "score_thread", scoring)
    monkeypatch.setattr(gc, "freeze", lambda: events.append("frozen"))
    BackgroundScorer(scorer, make_thread(5), DEFAULT_TAXONOMY).run()
    assert events == ["scored", "frozen"]
