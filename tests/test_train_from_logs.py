"""Decision logs as training data (``moderator train --log``): the conversion as plain functions, one real training
run with a log, and the refusals that must come before any training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import run_cli

from classifiers.model import GuidelineClassifier
from classifiers.training import _weights
from moderation_core.model_inputs import CommentInput
from moderation_core.taxonomy import load_taxonomy
from moderator.log import Action, DecidedComment, Decision, DecisionLog, LogError, ThreadRef
from moderator.log.training import (
    LOG_WEIGHT,
    MIN_LOGGED_POSITIVES,
    Skipped,
    logged_examples,
    majority,
)
from moderator.scoring import comment_inputs
from moderator.sources import load_thread

TAXONOMY = load_taxonomy()
IDS = list(TAXONOMY.ids)
SAMPLE = Path(__file__).resolve().parents[1] / "moderator" / "samples" / "bug-4127.yaml"


def decide(
    log: DecisionLog,
    moderator: str,
    number: int,
    action: Action,
    labels: tuple[str, ...] = (),
    *,
    thread: ThreadRef | None = None,
    text: str | None = None,
    id: str | None = None,
) -> Decision:
    thread = thread or ThreadRef("bugzilla", "4127", "Sample bug", None)
    comment = DecidedComment(number, str(number), "someone", text if text is not None else f"comment {number} text")
    decision = Decision.new(
        moderator=moderator, thread=thread, comment=comment, model=None, labels=labels, action=action, id=id
    )
    log.append(decision)
    return decision


def new_log(path: Path) -> DecisionLog:
    return DecisionLog(path, IDS)


def test_effective_decisions_become_examples(tmp_path: Path) -> None:
    log = new_log(tmp_path / "a.yaml")
    decide(log, "dana", 1, Action.OK)
    decide(log, "dana", 2, Action.FLAG, ("personal-attack",))
    decide(log, "dana", 3, Action.SKIP)
    first = decide(log, "dana", 4, Action.FLAG, ("demand",))
    log.retract(log._by_id[first.id], "dana")  # undone: no example
    decide(log, "dana", 5, Action.FLAG, ("demand",))
    decide(log, "dana", 5, Action.OK)  # the last decision on a comment is the effective one
    data = logged_examples([str(tmp_path / "a.yaml")], IDS)
    by_id = {e.id: e for e in data.examples}
    assert set(by_id) == {"bugzilla:4127:#1", "bugzilla:4127:#2", "bugzilla:4127:#5"}
    assert by_id["bugzilla:4127:#1"].labels == frozenset() and not by_id["bugzilla:4127:#1"].concern
    assert by_id["bugzilla:4127:#2"].labels == {"personal-attack"} and by_id["bugzilla:4127:#2"].concern
    assert not by_id["bugzilla:4127:#5"].concern
    assert by_id["bugzilla:4127:#2"].input == CommentInput("comment 2 text", "Sample bug")
    assert len({e.group for e in data.examples}) == 1  # one thread: one cross-validation group
    report = data.logs[0]
    assert report.skipped == {Skipped.SKIP: 1}
    assert report.decisions == 6 and report.used == 3 and report.moderators == {"dana"}


def test_the_sample_thread_logged_through_its_own_comments(tmp_path: Path) -> None:
    thread = load_thread(SAMPLE)
    log = new_log(tmp_path / "sample.yaml")
    for index in range(5):
        log.append(
            Decision.new(
                moderator="dana",
                thread=ThreadRef.from_thread(thread),
                comment=DecidedComment.in_thread(thread, index),
                model=None,
                labels=(),
                action=Action.OK,
            )
        )
    data = logged_examples([str(tmp_path / "sample.yaml")], IDS)
    assert [e.input.text for e in data.examples] == [c.own_text for c in thread.comments[:5]]
    # What retraining sees of a logged comment is what scoring sees of it: own words, title and thread context.
    by_number = {e.id.rsplit("#", 1)[1]: e.input for e in data.examples}
    scored = list(comment_inputs(thread))[:5]
    assert [by_number[str(c.number)] for c in thread.comments[:5]] == scored
    assert all(model_input.context for model_input in scored[1:])  # the test means something: context is there


def test_decisions_written_before_the_context_was_kept_train_without_it(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    log = new_log(path)
    decide(log, "dana", 2, Action.FLAG, ("personal-attack",))
    text = path.read_text(encoding="utf-8")
    assert '"context"' not in text  # a comment without context writes the layout older versions wrote
    (example,) = logged_examples([str(path)], IDS).examples
    assert example.input == CommentInput("comment 2 text", "Sample bug", "")


def test_majority_per_label_and_ties_left_out() -> None:
    def verdict(action: Action, *labels: str) -> Decision:
        return Decision.new(
            moderator="m",
            thread=ThreadRef("s", "t", None, None),
            comment=DecidedComment(1, None, None, "x"),
            model=None,
            labels=labels,
            action=action,
        )

    flag_pa = verdict(Action.FLAG, "personal-attack")
    flag_both = verdict(Action.HIDE, "personal-attack", "derogatory")
    ok = verdict(Action.OK)
    assert majority([flag_pa, flag_both, ok]) == (True, frozenset({"personal-attack"}))
    assert majority([flag_pa, ok]) is None  # concern tied
    assert majority([flag_pa, flag_both]) is None  # derogatory tied 1 to 1
    assert majority([ok, ok, flag_pa]) == (False, frozenset())


def test_conflicts_between_moderators_are_counted(tmp_path: Path) -> None:
    log = new_log(tmp_path / "a.yaml")
    decide(log, "ann", 1, Action.FLAG, ("personal-attack",))
    decide(log, "bob", 1, Action.OK)  # tie: left out
    for moderator in ("ann", "bob", "cy"):
        decide(log, moderator, 2, Action.FLAG, ("demand",) if moderator != "cy" else ("inflammatory",))
    decide(log, "ann", 3, Action.OK)
    decide(log, "bob", 3, Action.OK)  # agreement: no conflict
    data = logged_examples([str(tmp_path / "a.yaml")], IDS)
    assert data.conflicts == 2 and data.ties == 1
    assert {e.id: e.labels for e in data.examples} == {"bugzilla:4127:#2": {"demand"}, "bugzilla:4127:#3": set()}
    assert data.logs[0].skipped[Skipped.TIE] == 2 and data.logs[0].conflicts == 2
    assert any("2 conflicts between moderators (1 ties left out)" in line for line in data.lines())


def test_the_same_comment_in_several_logs_counts_once(tmp_path: Path) -> None:
    one, two = new_log(tmp_path / "one.yaml"), new_log(tmp_path / "two.yaml")
    shared = decide(one, "ann", 1, Action.FLAG, ("demand",))
    two.append(shared)  # the very same decision copied into another log
    decide(one, "ann", 2, Action.FLAG, ("demand",))
    decide(two, "ann", 2, Action.OK)  # the same moderator later, in the other log: the later one counts
    decide(two, "bob", 3, Action.OK)
    decide(one, "cy", 3, Action.OK)
    data = logged_examples([str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml")], IDS)
    assert sorted(e.id for e in data.examples) == ["bugzilla:4127:#1", "bugzilla:4127:#2", "bugzilla:4127:#3"]
    assert not next(e for e in data.examples if e.id.endswith("#2")).concern
    assert data.duplicates == 1
    assert data.logs[1].skipped[Skipped.DUPLICATE] == 1 and data.logs[0].skipped[Skipped.SUPERSEDED] == 1
    assert any("1 decisions appear in more than one log" in line for line in data.lines())


def _rewrite(path: Path, edit: dict[str, object]) -> None:
    """Rewrite the last document of a log written by the log writer, changing its comment or decision fields."""
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        for key, fields in edit.items():
            if line.startswith(f"{key}: "):
                value = json.loads(line[len(key) + 2 :])
                value.update(fields)
                lines[i] = f"{key}: {json.dumps(value)}"
    path.write_text("\n".join(lines) + "\n")


def test_text_mismatch_and_unknown_labels_are_skipped_and_counted(tmp_path: Path) -> None:
    good, tampered, foreign = (tmp_path / name for name in ("good.yaml", "tampered.yaml", "foreign.yaml"))
    decide(new_log(good), "ann", 1, Action.OK)
    decide(new_log(tampered), "ann", 2, Action.OK)
    _rewrite(tampered, {"comment": {"own_text": "changed after the decision"}})
    decide(new_log(foreign), "ann", 3, Action.FLAG, ("demand",))
    _rewrite(foreign, {"decision": {"labels": ["spam-from-another-taxonomy"]}})
    with pytest.raises(LogError):
        new_log(tampered)  # the application refuses such a log; training only skips the decision
    data = logged_examples([str(good), str(tampered), str(foreign)], IDS)
    assert [e.id for e in data.examples] == ["bugzilla:4127:#1"]
    assert data.logs[1].skipped == {Skipped.TEXT_MISMATCH: 1}
    assert data.logs[2].skipped == {Skipped.UNKNOWN_LABEL: 1}


def test_torn_and_newer_logs_are_refused_naming_the_line(tmp_path: Path) -> None:
    torn, newer = tmp_path / "torn.yaml", tmp_path / "newer.yaml"
    decide(new_log(torn), "ann", 1, Action.OK)
    torn.write_bytes(torn.read_bytes() + b"---\nschema: 1\n")
    with pytest.raises(LogError, match=r"torn\.yaml:12: incomplete last document"):
        logged_examples([str(torn)], IDS)
    decide(new_log(newer), "ann", 1, Action.OK)
    _rewrite(newer, {})
    newer.write_text(newer.read_text().replace("schema: 1", "schema: 2"))
    with pytest.raises(LogError, match=r"newer\.yaml:1: schema version 2 is newer"):
        logged_examples([str(newer)], IDS)


def test_empty_log_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    data = logged_examples([str(empty)], IDS)
    assert data.examples == [] and data.lines()[0] == f"{empty}: no decisions in this log; nothing used from it"


def test_labels_with_few_logged_positives_keep_the_base_data(tmp_path: Path) -> None:
    log = new_log(tmp_path / "a.yaml")
    for number in range(MIN_LOGGED_POSITIVES):
        decide(log, "ann", number, Action.FLAG, ("demand",))
    decide(log, "ann", 100, Action.FLAG, ("threat",))
    data = logged_examples([str(tmp_path / "a.yaml")], IDS)
    assert "demand" not in data.base_only_labels and data.base_only_labels["threat"] == 1
    extra = data.extra()
    assert extra.weight == LOG_WEIGHT == 3.0
    weights = _weights(4, extra, IDS)
    assert weights is not None and weights.shape == (4 + len(data.examples), len(IDS) + 1)
    assert (weights[:4] == 1).all() and (weights[4:, -1] == LOG_WEIGHT).all()
    assert (weights[4:, IDS.index("demand")] == LOG_WEIGHT).all() and (weights[4:, IDS.index("threat")] == 0).all()
    assert _weights(4, None, IDS) is None


def test_sample_weight_none_fits_exactly_as_before_and_weights_change_the_fit() -> None:
    rng = np.random.default_rng(0)
    words = ["idiot", "thanks", "patch", "stupid", "review", "please", "broken", "works", "now"]
    X = [CommentInput(" ".join(rng.choice(words, 6))) for _ in range(90)]
    Y = np.array([[int("idiot" in x.text or "stupid" in x.text), int("now" in x.text)] for x in X])
    labels = ["personal-attack", "demand"]

    def fit(weight: np.ndarray | None = None, **kwargs: object) -> np.ndarray:
        model = GuidelineClassifier(labels=labels, folds=3, min_df=1)
        return model.fit_out_of_fold(X, Y, groups=[str(i % 9) for i in range(90)], **kwargs, sample_weight=weight)

    plain = GuidelineClassifier(labels=labels, folds=3, min_df=1).fit_out_of_fold(
        X, Y, groups=[str(i % 9) for i in range(90)]
    )
    assert np.array_equal(plain, fit(None), equal_nan=True)
    heavy = np.where(np.arange(90) < 45, 1.0, LOG_WEIGHT)
    assert not np.array_equal(plain, fit(heavy), equal_nan=True)
    per_model = np.ones((90, 3))
    per_model[45:, 0] = 0.0  # the second half left out of personal-attack's model alone
    masked = fit(per_model)
    assert not np.array_equal(plain[:, 0], masked[:, 0], equal_nan=True)
    assert np.allclose(plain[:, -1], masked[:, -1])  # concern weighs every row 1, as without weights
    with pytest.raises(ValueError, match="sample_weight has shape"):
        fit(np.ones(5))


def test_train_with_a_log_lists_it_in_the_card(tmp_path: Path) -> None:
    log_path = tmp_path / "decisions.yaml"
    log = new_log(log_path)
    for number in range(24):
        decide(log, "ann", number, Action.FLAG, ("personal-attack",), text=f"you are an idiot number {number}")
    for number in range(24, 40):
        decide(log, "bob", number, Action.OK, text=f"thanks for patch number {number}, it works")
    decide(log, "bob", 0, Action.OK, text="you are an idiot number 0")  # a tie with ann: left out
    result = run_cli("train", "--log", str(log_path), "-o", str(tmp_path / "model"))
    assert result.returncode == 0, result.stderr
    assert "39 logged comments used, each weighing 3; 1 conflicts between moderators (1 ties left out)" in result.stderr
    assert "label demand: 0 logged positives (fewer than 20): its model keeps the starter data alone" in result.stderr
    assert "fitted the concern model" in result.stderr and "\r" not in result.stderr
    card = yaml.safe_load((tmp_path / "model" / "model-card.yaml").read_text())
    (entry,) = card["logs"]["files"]
    assert entry["path"] == str(log_path) and entry["decisions"] == 41 and entry["decisions_used"] == 39
    assert entry["sha256"] == __import__("hashlib").sha256(log_path.read_bytes()).hexdigest()
    assert entry["moderators"] == ["ann", "bob"] and entry["conflicts"] == 1
    assert entry["skipped"] == {str(Skipped.TIE): 2}
    assert card["logs"]["weight"] == LOG_WEIGHT and "personal-attack" not in card["logs"]["labels_on_base_data_alone"]


def test_cli_refuses_a_torn_log_before_training(tmp_path: Path) -> None:
    log_path = tmp_path / "decisions.yaml"
    decide(new_log(log_path), "ann", 1, Action.OK)
    log_path.write_bytes(log_path.read_bytes() + b'---\nschema: 1\nkind: "deci')
    result = run_cli("train", "--log", str(log_path), "-o", str(tmp_path / "model"))
    assert result.returncode == 2
    assert f"{log_path}:12: incomplete last document" in result.stderr and "nothing was trained" in result.stderr
    assert "read " not in result.stderr and not (tmp_path / "model").exists()
