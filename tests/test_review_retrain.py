"""Retraining from the review screen (issue 14, item 4), driven with Pilot as a moderator presses the keys.

One test runs the whole thing as ``moderator review`` does: R, enter, a real training in a child process while the
moderator goes on deciding, the gate's table in the dialog, n to keep the model as a version. The others take a
candidate trained once here (a real model, judged by the real gate) and hand it to the screen as the worker would,
with the verdict set either way, to check what y and n do: put in use and rescore, or keep and leave alone."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from conftest import make_review_app
from test_review_picker import write_archive
from test_review_tui import ready
from test_train_gate import write_log

from classifiers import trust
from moderation_core.taxonomy import load_taxonomy
from moderator.log import read_log
from moderator.modelstore import ModelStore
from moderator.retrain import (
    RETRAIN_NICE_ENV,
    Candidate,
    RetrainFailed,
    RetrainJob,
    RetrainProcess,
    RetrainSettings,
    train_candidate,
)
from moderator.tui.components.retrain_screen import Phase, RetrainScreen, describe, hint
from moderator.tui.components.review_screen import ReviewScreen
from moderator.tui.messages import RetrainFinished

TAXONOMY = load_taxonomy()
SIZE = (150, 45)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    dialog = app.screen
    assert isinstance(dialog, RetrainScreen)
    return str(describe(dialog.state)) + "\n" + hint(dialog.state)


async def wait_for(pilot, condition, seconds: float = 600) -> None:  # type: ignore[no-untyped-def]
    """Pause the pilot until ``condition()`` holds (training takes a while on a busy machine; no time is asserted)."""
    for _ in range(int(seconds / 0.2)):
        if condition():
            return
        await pilot.pause(0.2)
    raise AssertionError("the retraining did not finish")


async def test_retrain_from_the_review_screen_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Not below the other test processes in the scheduler: niced, the training waits for them (100 s instead of 20).
    monkeypatch.setenv(RETRAIN_NICE_ENV, "0")
    log = tmp_path / "decisions.yaml"
    write_log(log)  # 360 starter-corpus decisions in 40 threads: enough for the held-back comparison
    output = tmp_path / "trained"
    app = make_review_app(log, retrain=RetrainSettings(output))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.review_screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("R")
        text = screen_text(app)
        assert (
            str(log) in text and "enter: start retraining" in text and "compared   with guideline-classifier@" in text
        )
        await pilot.press("enter")
        assert screen.retrain is not None and screen.retrain.phase is Phase.TRAINING
        await pilot.press("escape")  # hidden: the training goes on, the review too
        assert not isinstance(app.screen, RetrainScreen)
        before = app.session.position
        await pilot.press("j", "j")
        assert app.session.position == before + 2 and screen.retrain.phase is Phase.TRAINING
        await pilot.press("R")  # the dialog again, following the same training
        assert isinstance(app.screen, RetrainScreen)
        await wait_for(pilot, lambda: screen.retrain.phase in (Phase.JUDGED, Phase.FAILED))  # type: ignore[union-attr]
        assert screen.retrain.phase is Phase.JUDGED, screen.retrain.problem
        text = screen_text(app)
        assert "comparison gate on held-back logged decisions" in text and "concern ROC-AUC" in text
        assert "n: keep it as a version" in text
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
    store = ModelStore()
    [kept] = [version for version in store.versions() if not version.bundled]
    assert store.active() is None  # kept, not in use
    assert (kept.folder / "model.joblib").is_file() and (output / "model-card.yaml").is_file()
    assert screen.retrain.outcome == (f"kept as model version {kept.id}, not put in use",)


async def test_a_torn_log_is_said_in_the_dialog_and_nothing_is_kept(tmp_path: Path) -> None:
    log = tmp_path / "decisions.yaml"
    app = make_review_app(log, retrain=RetrainSettings(tmp_path / "trained"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a")  # one decision, then the log is torn behind the session's back
        with log.open("a", encoding="utf-8") as handle:
            handle.write('---\nschema: 1\nkind: "decision"\n')
        screen = app.review_screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("R", "enter")
        await wait_for(pilot, lambda: screen.retrain.phase is not Phase.TRAINING)  # type: ignore[union-attr]
        assert screen.retrain.phase is Phase.FAILED  # type: ignore[union-attr]
        text = screen_text(app)
        assert "Retraining failed" in text and str(log) in text and "log repair" in text
        await pilot.press("y", "n")  # no choice to make: nothing happens
        assert isinstance(app.screen, RetrainScreen)
        await pilot.press("escape")
    assert [v for v in ModelStore().versions() if not v.bundled] == []


def test_the_process_reports_progress_and_returns_the_judged_candidate(tmp_path: Path) -> None:
    log = tmp_path / "decisions.yaml"
    write_log(log)
    torn = tmp_path / "torn.yaml"
    torn.write_text(log.read_text(encoding="utf-8") + "---\nschema: 1\n", encoding="utf-8")
    with pytest.raises(RetrainFailed, match=f"{torn}:.*incomplete"):
        RetrainProcess(RetrainJob((str(torn),), str(tmp_path / "never"))).run(lambda progress: None)
    assert not (tmp_path / "never").exists()


# -- the choices, on a real candidate handed over as the worker hands it --------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Candidate:
    """One real candidate, trained from the 360 logged decisions and judged against the bundled model."""
    folder = tmp_path_factory.mktemp("retrain")
    log = folder / "decisions.yaml"
    write_log(log)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(folder / "home"))
        patch.delenv("XDG_DATA_HOME", raising=False)
        return train_candidate([str(log)], TAXONOMY, folder / "model")


def candidate_copy(trained: Candidate, tmp_path: Path, *, passed: bool) -> Candidate:
    """The trained candidate in a folder of this test's own, its verdict set: the gate's rules are tested in
    test_train_gate; here only what the screen does with each verdict."""
    folder = tmp_path / "candidate"
    shutil.copytree(trained.output, folder)
    # Trained under the fixture's home: trusted here as this installation's own training would have trusted it.
    trust.add(trained.card["artifact"]["sha256"], source="trained", folder=folder, model=trained.new_id)
    reasons = [] if passed else ["macro F1 drops by 0.030 (0.650 to 0.620), more than the 0.02 allowed"]
    return dataclasses.replace(trained, output=folder, result=dataclasses.replace(trained.result, reasons=reasons))


async def open_judged(pilot, candidate: Candidate) -> ReviewScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await ready(pilot)
    screen = app.review_screen
    assert isinstance(screen, ReviewScreen)
    await pilot.press("R")
    screen.retrain.phase = Phase.TRAINING  # type: ignore[union-attr]  # as if enter had started it
    screen.post_message(RetrainFinished(candidate))
    await pilot.pause()
    return screen


async def test_yes_puts_a_passing_model_in_use_and_rescores_the_thread(tmp_path: Path, trained: Candidate) -> None:
    candidate = candidate_copy(trained, tmp_path, passed=True)
    log = tmp_path / "log.yaml"
    app = make_review_app(log, retrain=RetrainSettings(tmp_path / "out"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_judged(pilot, candidate)
        old_id = app.session.model_id
        assert "y: put the new model in use" in screen_text(app) and "verdict: passed" in screen_text(app)
        await pilot.press("y")
        await app.workers.wait_for_complete()  # settling, then rescoring with the new model
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        active = ModelStore().active()
        assert screen.retrain is not None and screen.retrain.problem is None, screen.retrain.problem
        assert active is not None and active.id == candidate.new_id != old_id
        assert app.session.model_id == candidate.new_id  # the thread's scores are the new model's
        assert screen.scorer is not None and screen.scorer.model_id == candidate.new_id
        await pilot.press("a")  # a decision now records the new model
    record = read_log(log, TAXONOMY.ids).entries[-1].load()
    assert record.model is not None and record.model.id == candidate.new_id


async def test_a_failing_gate_offers_no_yes_and_n_keeps_the_model_out_of_use(
    tmp_path: Path, trained: Candidate
) -> None:
    candidate = candidate_copy(trained, tmp_path, passed=False)
    app = make_review_app(tmp_path / "log.yaml", retrain=RetrainSettings(tmp_path / "out"))
    async with app.run_test(size=SIZE) as pilot:
        await open_judged(pilot, candidate)
        old_id = app.session.model_id
        text = screen_text(app)
        assert "gate failed: macro F1 drops by 0.030" in text and "y: put" not in text
        await pilot.press("y")  # not offered: nothing happens
        assert isinstance(app.screen, RetrainScreen)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.model_id == old_id
    store = ModelStore()
    assert store.active() is None and candidate.new_id in {v.id for v in store.versions()}


async def test_escape_decides_later_and_r_shows_the_same_comparison(tmp_path: Path, trained: Candidate) -> None:
    candidate = candidate_copy(trained, tmp_path, passed=True)
    app = make_review_app(tmp_path / "log.yaml", retrain=RetrainSettings(tmp_path / "out"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_judged(pilot, candidate)
        await pilot.press("escape")
        assert not isinstance(app.screen, RetrainScreen)
        await pilot.press("R")
        assert screen.retrain is not None and screen.retrain.candidate is candidate
        assert "verdict: passed" in screen_text(app)
    assert [v for v in ModelStore().versions() if not v.bundled] == []  # nothing chosen: nothing kept


async def test_a_model_put_in_use_scores_the_threads_opened_next_from_the_list(
    tmp_path: Path, trained: Candidate
) -> None:
    from moderator.scoring import load_scorer
    from moderator.sources import load_threads
    from moderator.tui.app import make_picker_app

    candidate = candidate_copy(trained, tmp_path, passed=True)
    threads = load_threads(write_archive(tmp_path))
    app = make_picker_app(
        threads,
        TAXONOMY,
        tmp_path / "log.yaml",
        "tester",
        scorer=load_scorer(None, TAXONOMY),
        retrain=RetrainSettings(tmp_path / "out"),
    )
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("enter")
        await open_judged(pilot, candidate)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("q")  # back to the list, then another thread
        await pilot.pause()
        await pilot.press("j", "enter")
        await ready(pilot)
        assert app.session.model_id == candidate.new_id


def test_corpora_come_from_the_flag_then_the_environment_and_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moderation_core.errors import UsageError
    from moderator import config

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("", encoding="utf-8")
    assert config.train_corpora([]) == ()
    monkeypatch.setenv(config.TRAIN_CORPUS_ENV, f"{corpus}")
    assert config.train_corpora([]) == (str(corpus),)
    assert config.train_corpora([str(corpus), str(corpus)]) == (str(corpus), str(corpus))
    with pytest.raises(UsageError, match="--train-corpus: .*missing.jsonl: no such file"):
        config.train_corpora([str(tmp_path / "missing.jsonl")])
    monkeypatch.setenv(config.TRAIN_CORPUS_ENV, str(tmp_path / "gone.jsonl"))
    with pytest.raises(UsageError, match=r"\$MODERATOR_TRAIN_CORPUS: .*gone.jsonl"):
        config.train_corpora(None)
