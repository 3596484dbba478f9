"""The comparison gate (issue 14, item 2): the rules as plain functions on made-up figures, the held-back split by
thread, and real ``moderator train --log`` runs (two trainings in all: each takes seconds) checking the table, the
card's gate section and which model ends up in use."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import run_cli

from classifiers.data import Example, load_starter_corpus
from moderation_core.model_inputs import CommentInput
from moderation_core.taxonomy import load_taxonomy
from moderator import gate
from moderator.gate import (
    MAX_MACRO_F1_DROP,
    MAX_RECALL_DROP,
    MIN_HELD_BACK,
    MIN_POSITIVES,
    Basis,
    LabelFigures,
    Metrics,
    compare,
    judge_on_cards,
    too_few,
)
from moderator.log import Action, DecidedComment, Decision, DecisionLog, ThreadRef
from moderator.log.training import (
    HELD_BACK_SHARE,
    LoggedData,
    is_held_back,
    logged_examples,
    split_by_thread,
    thread_of,
)
from moderator.modelstore import ModelStore
from moderator.retrain import plan_gate

TAXONOMY = load_taxonomy()
IDS = list(TAXONOMY.ids)


# -- the rules on made-up figures --------------------------------------------------------------------------------
def figures(**recall_f1: tuple[float, float]) -> Metrics:
    """Metrics with each named label's (recall, f1); precision 0.7 throughout."""
    return Metrics({label: LabelFigures(0.7, r, f, 10) for label, (r, f) in recall_f1.items()}, 0.9)


OLD = figures(**{"personal-attack": (0.80, 0.70), "demand": (0.60, 0.60)})


def test_the_rules_are_the_issues() -> None:
    assert (MAX_MACRO_F1_DROP, MAX_RECALL_DROP, MIN_HELD_BACK, MIN_POSITIVES) == (0.02, 0.05, 50, 5)


def test_a_candidate_as_good_passes_and_the_allowed_drops_exactly_pass() -> None:
    # macro F1 0.65 -> 0.63 (exactly 0.02), demand's recall 0.60 -> 0.55 (exactly 0.05)
    new = figures(**{"personal-attack": (0.80, 0.68), "demand": (0.55, 0.58)})
    result = compare(OLD, new, ["personal-attack", "demand"], Basis.HELD_BACK)
    assert result.passed and result.reasons == [] and result.activates(force=False)
    macro = next(row for row in result.rows if row.name == "macro")
    assert (macro.old, macro.new, macro.delta) == (0.65, 0.63, -0.02)
    recall = next(row for row in result.rows if row.name == "demand" and row.figure == "recall")
    assert recall.delta == -0.05


def test_a_macro_f1_drop_of_003_fails() -> None:
    new = figures(**{"personal-attack": (0.80, 0.67), "demand": (0.60, 0.57)})  # macro 0.65 -> 0.62
    result = compare(OLD, new, ["personal-attack", "demand"], Basis.HELD_BACK)
    assert not result.passed
    assert result.reasons == ["macro F1 drops by 0.030 (0.650 to 0.620), more than the 0.02 allowed"]


def test_one_labels_recall_drop_of_006_fails_even_with_macro_f1_up() -> None:
    new = figures(**{"personal-attack": (0.74, 0.75), "demand": (0.60, 0.60)})
    result = compare(OLD, new, ["personal-attack", "demand"], Basis.HELD_BACK)
    assert result.reasons == ["personal-attack recall drops by 0.060 (0.800 to 0.740), more than the 0.05 allowed"]
    assert result.verdict(forced=False) == "failed"


def test_force_puts_a_failing_candidate_in_use_and_the_card_says_so() -> None:
    new = figures(**{"personal-attack": (0.50, 0.40), "demand": (0.60, 0.60)})
    result = compare(OLD, new, ["personal-attack", "demand"], Basis.HELD_BACK)
    assert len(result.reasons) == 2  # macro F1 and personal-attack's recall: a line per failing rule
    assert not result.activates(force=False) and result.activates(force=True)
    section = result.card(forced=True, activated=True, old_id="old@0123456789ab")
    assert section["verdict"] == "failed, put in use anyway (--force)" and section["activated"] is True
    assert section["reasons"] == result.reasons and section["rules"]["max_recall_drop"] == 0.05


def test_labels_not_judged_do_not_fail_the_gate() -> None:
    new = figures(**{"personal-attack": (0.80, 0.70), "demand": (0.00, 0.00)})  # demand: too few to judge
    result = compare(OLD, new, ["personal-attack"], Basis.HELD_BACK)
    assert result.passed
    assert not next(row for row in result.rows if row.name == "demand").judged


def held(concerns: int, clean: int, label: str = "demand") -> list[Example]:
    def example(i: int, concern: bool) -> Example:
        labels = frozenset({label}) if concern else frozenset()
        return Example(CommentInput(f"text {i}"), labels, concern, "decision-log", f"t{i}", str(i))

    return [example(i, True) for i in range(concerns)] + [example(concerns + i, False) for i in range(clean)]


def test_too_few_held_back_decisions_choose_the_cross_validation() -> None:
    assert too_few(held(20, 40), IDS) is None
    assert too_few(held(10, 39), IDS) == "49 logged comments held back, fewer than the 50 the gate needs"
    assert "4 of them concerns and 56 clean" in (too_few(held(4, 56), IDS) or "")
    assert "no label has 5 positives" in (too_few(held(20, 40, label="not-a-label"), IDS) or "")
    # The CLI's plan: too few -> nothing held back, every logged comment trained on, the reason kept for the card.
    few = LoggedData(held(10, 30), [], 0, 0, 0, {})
    plan = plan_gate(few, IDS)
    assert plan.held_back == [] and plan.training is few and plan.shortage is not None
    assert plan.data["why_not"] == plan.shortage and "cross-validated" in plan.line


def test_the_fallback_compares_the_cards_cross_validated_figures() -> None:
    def card(recall: float) -> dict[str, object]:
        metrics = {label: {"precision": 0.7, "recall": 0.5, "f1": 0.6} for label in IDS}
        metrics["threat"] = {"precision": 0.7, "recall": recall, "f1": 0.6}
        return {"taxonomy": {"labels": IDS}, "cross_validated_metrics": {**metrics, "concern": {"roc_auc": 0.9}}}

    assert judge_on_cards(card(0.5), card(0.46), {}).passed
    failed = judge_on_cards(card(0.5), card(0.44), {}, ["only 3 held back"])
    assert (
        failed.basis is Basis.CROSS_VALIDATION and failed.judged_labels == IDS and failed.notes == ["only 3 held back"]
    )
    assert failed.reasons == ["threat recall drops by 0.060 (0.500 to 0.440), more than the 0.05 allowed"]


# -- the held-back split ------------------------------------------------------------------------------------------
def test_the_split_keeps_each_thread_on_one_side_and_is_stable() -> None:
    examples = [
        Example(CommentInput(f"c{i}"), frozenset(), False, "decision-log", f"decision-log:github:t{i % 100}", str(i))
        for i in range(1000)
    ]
    data = LoggedData(examples, [], 0, 0, 0, {})
    split = split_by_thread(data, IDS)
    trained = {thread_of(e) for e in split.training.examples}
    held_back = {thread_of(e) for e in split.held_back}
    assert trained.isdisjoint(held_back) and len(trained | held_back) == split.threads == 100
    assert len(split.held_back) + len(split.training.examples) == 1000
    assert 10 <= split.held_back_threads <= 30  # about HELD_BACK_SHARE of 100 threads
    assert HELD_BACK_SHARE == 0.2
    again = split_by_thread(LoggedData(list(reversed(examples)), [], 0, 0, 0, {}), IDS)
    assert {thread_of(e) for e in again.held_back} == held_back  # the order of the log does not matter
    assert all(is_held_back(thread) for thread in held_back)
    # the labels too few to teach are counted again on what training keeps
    assert split.training.base_only_labels == {label: 0 for label in IDS}


# -- the real command --------------------------------------------------------------------------------------------
THREADS = 40


def write_log(path: Path) -> int:
    """A log through the project's log writer: starter-corpus comments (a balanced mix of concerns and clean
    ones) decided in THREADS threads; returns how many the split holds back."""
    starter = [e for e in load_starter_corpus(taxonomy_ids=IDS) if e.known_labels and (e.labels or not e.concern)]
    concerns = [e for e in starter if e.concern][:180]
    clean = [e for e in starter if not e.concern][:180]
    log = DecisionLog(path, IDS)
    for number, example in enumerate(concerns + clean):
        thread = ThreadRef("github", f"acme/widgets#{number % THREADS}", f"Issue {number % THREADS}", None)
        log.append(
            Decision.new(
                moderator="dana",
                thread=thread,
                comment=DecidedComment(number, str(number), "someone", example.input.text),
                model=None,
                labels=sorted(example.labels),
                action=Action.FLAG if example.concern else Action.OK,
            )
        )
    return len(split_by_thread(logged_examples([str(path)], IDS), IDS).held_back)


@pytest.fixture
def decisions(tmp_path: Path) -> Path:
    path = tmp_path / "decisions.yaml"
    held_back = write_log(path)
    assert too_few(split_by_thread(logged_examples([str(path)], IDS), IDS).held_back, IDS) is None, held_back
    return path


def gate_section(folder: Path) -> dict[str, object]:
    card = yaml.safe_load((folder / "model-card.yaml").read_text(encoding="utf-8"))
    section = card["gate"]
    assert isinstance(section, dict)
    return section


def test_train_with_a_log_prints_the_table_records_the_gate_and_activates_as_the_verdict_says(
    decisions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any macro F1 not 1.0 higher fails: the gate's failing path, whatever the two models' figures.
    monkeypatch.setattr(gate, "MAX_MACRO_F1_DROP", -1.0)
    result = run_cli("train", "--log", str(decisions))
    assert result.returncode == 1, result.stderr
    assert "comparison gate on held-back logged decisions" in result.stdout
    assert "concern ROC-AUC" in result.stdout and "macro F1" in result.stdout and "verdict: failed" in result.stdout
    assert "personal-attack" in result.stdout.split("comparison gate")[1]
    failing = [line for line in result.stderr.splitlines() if "comparison gate failed: macro F1 drops by" in line]
    assert len(failing) == 1, result.stderr
    assert "held back" in result.stderr and "of 40 threads" in result.stderr
    store = ModelStore()
    [kept] = [version for version in store.versions() if not version.bundled]
    assert store.active() is None  # kept as a version, not put in use
    assert f"kept as model version {kept.id}, not put in use" in result.stderr
    section = gate_section(kept.folder)  # the card the store holds carries the gate's result
    assert section["basis"] == str(Basis.HELD_BACK) and section["verdict"] == "failed"
    assert section["activated"] is False and section["compared_with"] == store.versions()[0].id
    data = section["data"]
    assert isinstance(data, dict) and data["held_back_comments"] >= MIN_HELD_BACK
    assert data["logged_comments_trained_on"] + data["held_back_comments"] == 360
    assert any(row["name"] == "concern" and row["figure"] == "roc_auc" for row in section["table"])  # type: ignore[attr-defined]

    # --force with -o: the same failing verdict, and the model is added to the versions and put in use.
    output = decisions.parent / "forced"
    # Another precision target: another model file, so another version (the same data would give the same id).
    forced = run_cli("train", "--log", str(decisions), "-o", str(output), "--force", "--precision", "0.72")
    assert forced.returncode == 0, forced.stderr
    active = ModelStore().active()
    assert (
        active is not None
        and active.id != kept.id
        and f"model version {active.id} is now in use (--force)" in forced.stderr
    )
    section = gate_section(output)
    assert section["verdict"] == "failed, put in use anyway (--force)" and section["activated"] is True
    assert section["compared_with"] == store.versions()[0].id  # judged against the bundled model, then in use
    assert gate_section(active.folder) == section
