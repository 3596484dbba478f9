"""``moderator score``, ``train`` and ``evaluate`` as a user runs them: through ``moderator.cli.main`` in this
process (``run_cli``), and end to end as the installed command for a table, an error and a training run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SHARED_DATA, run_cli, run_moderator

from moderation_core.taxonomy import load_taxonomy
from moderator.sources import load_threads

SAMPLE_FORMATS = [
    "bug-4127.yaml",
    "bug-4127.rest.json",
    "bug-4127.txt",
    "bug-4127.github.json",
    "bug-4127.mbox",
    "bug-4127.jsonl",
    "bug-4127.csv",
]
SCORE_KEYS = {"thread", "number", "id", "scores", "flags", "concern", "evidence", "review", "suggested"}


def score_lines(*args: str) -> list[dict[str, object]]:
    result = run_cli("score", *args, "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("name", SAMPLE_FORMATS)
def test_score_json_for_every_format(samples: Path, name: str) -> None:
    lines = score_lines(str(samples / name))
    [thread] = load_threads(samples / name)
    assert len(lines) == len(thread.comments)
    labels = set(load_taxonomy().ids)
    for line, comment in zip(lines, thread.comments):
        assert set(line) == SCORE_KEYS
        assert line["number"] == comment.number
        assert set(line["scores"]) == labels  # type: ignore[arg-type]
        assert 0.0 <= line["concern"] <= 1.0  # type: ignore[operator]
        assert set(line["flags"]) <= labels  # type: ignore[arg-type]
        # Evidence for each flag, and for each suggestion of a comment marked for review (which has no flag).
        assert set(line["evidence"]) == set(line["flags"]) | set(line["suggested"])  # type: ignore[arg-type]
        assert not (line["review"] and line["flags"])
        assert set(line["suggested"]) <= labels and (line["review"] or not line["suggested"])  # type: ignore[arg-type]
        for spans in line["evidence"].values():  # type: ignore[union-attr]
            for span in spans:
                assert comment.own_text[span["start"] : span["end"]] == span["text"]


def test_flags_are_scores_over_thresholds(samples: Path) -> None:
    from classifiers.persist import DEFAULT_MODEL_DIR, read_card

    thresholds = read_card(DEFAULT_MODEL_DIR)["thresholds"]
    for line in score_lines(str(samples / "bug-4127.yaml")):
        expected = {label for label, p in line["scores"].items() if p >= thresholds[label]}  # type: ignore[union-attr]
        # scores are rounded to 4 places in the output
        assert set(line["flags"]) == expected or all(  # type: ignore[arg-type]
            abs(line["scores"][l] - thresholds[l]) < 1e-4
            for l in set(line["flags"]) ^ expected  # type: ignore[index]
        )


def test_concern_ranks_the_sample_violations_first(samples: Path) -> None:
    """On our own sample thread, the comments a careful moderator would act on rank above the rest."""
    from sklearn.metrics import roc_auc_score

    from moderation_core.yamlsafe import load_one

    expected = load_one((samples / "bug-4127.expected.yaml").read_text(encoding="utf-8"))
    lines = score_lines(str(samples / "bug-4127.yaml"))
    truth = [bool(expected[line["number"]]) for line in lines]
    concern = [line["concern"] for line in lines]
    assert roc_auc_score(truth, concern) >= 0.85
    flagged = [line["number"] for line in lines if line["flags"]]
    assert flagged, "the default model flags nothing on the sample thread"
    assert sum(bool(expected[n]) for n in flagged) / len(flagged) >= 0.7


def test_score_table(samples: Path) -> None:
    result = run_moderator("score", str(samples / "bug-4127.txt"))
    assert result.returncode == 0, result.stderr
    summary = result.stdout.splitlines()[1]
    assert re.fullmatch(
        r"48 comments, \d+ flagged(, \d+ marked for review)? · model guideline-classifier@\w{12}", summary
    )
    assert "concern" in result.stdout.splitlines()[2]


def test_score_jsonl_with_many_threads(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    rows = [{"thread": f"t{i % 3}", "text": f"comment {i} about the build cache"} for i in range(9)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    lines = score_lines(str(path))
    assert [l["thread"] for l in lines] == ["t0"] * 3 + ["t1"] * 3 + ["t2"] * 3


def test_awkward_comments_are_scored_without_error(tmp_path: Path) -> None:
    awkward = [
        "",
        "Dies ist ein Fehlerbericht auf Deutsch: der Build schlägt fehl. これはテストです。",
        "🔥🔥🔥 👍 🤡",
        "\x1b[31mred\x1b[0m \x07 \x00 [bold]markup[/bold] \u202e",
        ("this line repeats to make a one megabyte comment about the scheduler. " * 15000),
    ]
    path = tmp_path / "awkward.jsonl"
    path.write_text("\n".join(json.dumps({"thread": "t", "text": t}) for t in awkward) + "\n", encoding="utf-8")
    lines = score_lines(str(path))
    assert len(lines) == len(awkward)
    assert all(0.0 <= l["concern"] <= 1.0 for l in lines)  # type: ignore[operator]


def test_evaluate_reports_auc_and_civil_flag_rate(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    rows = [
        {"text": "You are a clueless idiot and everyone knows it.", "uncivil": True, "category": "insulting"},
        {"text": "Any update??? It has been months, fix it already.", "uncivil": True, "category": "impatience"},
        {"text": "What a joke of a project, lol.", "uncivil": True, "category": "mocking"},
        {"text": "Thanks, the patch fixes the crash on arm64.", "uncivil": False, "category": None},
        {"text": "I pushed a rebased branch; CI is green now.", "uncivil": False, "category": None},
        {"text": "Could you add a test for the empty-input case?", "uncivil": False, "category": None},
    ]
    mixed.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    civil = tmp_path / "civil.jsonl"
    civil.write_text("\n".join(json.dumps(r) for r in rows[3:]) + "\n", encoding="utf-8")
    result = run_cli("evaluate", "--data", str(mixed), str(civil), "--json")
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)["files"]
    assert files[0]["comments"] == 6 and files[0]["uncivil"] == 3
    assert files[0]["concern_roc_auc"] >= 0.9
    assert "personal-attack" in files[0]["labels"]
    assert files[1]["civil_only"] is True and 0.0 <= files[1]["flag_rate"] <= 1.0
    categories = files[0]["categories"]
    assert set(categories) == {"insulting", "impatience", "mocking"} and "categories" not in files[1]
    assert categories["insulting"]["comments"] == 1 and categories["insulting"]["concern_roc_auc"] == 1.0
    assert categories["insulting"]["flagged"] in (0.0, 1.0)
    table = run_cli("evaluate", "--data", str(mixed))
    assert table.returncode == 0 and "mixed.jsonl" in table.stdout
    assert any(line.split()[:1] == ["impatience"] for line in table.stdout.splitlines())


def test_evaluate_bad_file_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "a", "uncivil": false}\n{"text": \n', encoding="utf-8")
    result = run_moderator("evaluate", "--data", str(path))
    assert result.returncode == 2 and f"{path}:2" in result.stderr and "Traceback" not in result.stderr


def test_train_with_an_extra_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "extra.jsonl"
    rows = [{"text": f"Ping? still waiting for a fix {i}", "uncivil": True, "category": "impatience"} for i in range(5)]
    rows += [{"text": f"Merged in revision {i}, thanks.", "uncivil": False, "category": None} for i in range(5)]
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = run_moderator("train", "--corpus", str(corpus), "-o", str(tmp_path / "model"), timeout=900)
    assert result.returncode == 0, result.stderr
    assert "model written to" in result.stdout and "concern ROC-AUC" in result.stdout
    from classifiers.persist import read_card

    card = read_card(tmp_path / "model")
    assert card["data"][1]["path"] == "extra.jsonl" and card["data"][1]["examples"] == 10
    assert card["data"][1]["licence"] == "unknown (supplied by the user)"


@pytest.mark.parametrize("name", ["heldout/strudel_github_comments.jsonl", "train/lkml_sentences.jsonl"])
def test_train_refuses_evaluation_only_data(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True)
    path.write_text('{"text": "x", "uncivil": false}\n', encoding="utf-8")
    result = run_cli("train", "--corpus", str(path), "-o", str(tmp_path / "model"))
    assert result.returncode == 2 and "evaluation only" in result.stderr
    assert not (tmp_path / "model").exists()


@pytest.mark.skipif(not (SHARED_DATA / "heldout").is_dir(), reason="../shared/data/heldout is absent")
def test_evaluate_runs_on_the_heldout_files() -> None:
    files = sorted(str(p) for p in (SHARED_DATA / "heldout").glob("*.jsonl"))
    result = run_cli("evaluate", "--data", *files, "--json")
    assert result.returncode == 0, result.stderr
    results = {Path(r["file"]).stem: r for r in json.loads(result.stdout)["files"]}
    assert results["github_ordinary_threads"]["civil_only"] is True
    assert 0.5 < results["strudel_github_comments"]["concern_roc_auc"] <= 1.0
