"""Model files: a model loads only when its card vouches for it, and every refusal is a clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES, SHARED_DATA, run_cli, run_moderator

from classifiers import trust
from classifiers.persist import (
    CARD_FILE,
    DEFAULT_MODEL_DIR,
    MODEL_FILE,
    load_model,
    read_card,
    sha256_of,
)
from moderation_core.errors import ModelError
from moderation_core.taxonomy import load_taxonomy
from moderation_core.yamlsafe import load_one


@pytest.fixture
def model_copy(small_model_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(small_model_dir, folder)
    return folder


def edit_card(folder: Path, old: str, new: str) -> None:
    path = folder / CARD_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_card_describes_the_model(small_model_dir: Path) -> None:
    card = read_card(small_model_dir)
    assert card["artifact"]["sha256"] == sha256_of(small_model_dir / MODEL_FILE)
    assert card["taxonomy"]["labels"] == list(load_taxonomy().ids)
    assert set(card["thresholds"]) == set(load_taxonomy().ids)
    assert {"scikit-learn", "numpy", "joblib"} <= set(card["libraries"])
    metrics = card["cross_validated_metrics"]
    for label in load_taxonomy().ids:
        assert {"precision", "recall", "f1", "roc_auc", "threshold"} <= set(metrics[label])
    assert card["data"][0]["name"] == "moderator starter corpus" and card["data"][0]["licence"].startswith("MIT")


def test_round_trip(small_model_dir: Path) -> None:
    model, card = load_model(small_model_dir, load_taxonomy())
    assert list(model.classes_) == card["taxonomy"]["labels"]
    assert [round(float(t), 4) for t in model.thresholds_] == [card["thresholds"][l] for l in model.classes_]


def test_altered_model_file_is_refused(model_copy: Path) -> None:
    artifact = model_copy / MODEL_FILE
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match the model card"):
        load_model(model_copy)


def test_foreign_file_is_refused(model_copy: Path, tmp_path: Path) -> None:
    import joblib

    joblib.dump({"not": "ours"}, model_copy / MODEL_FILE)
    with pytest.raises(ModelError, match="does not match"):
        load_model(model_copy)
    # a card that vouches for it is not enough: the file is not trusted (tests/test_model_trust.py)
    digest = sha256_of(model_copy / MODEL_FILE)
    edit_card(model_copy, read_card(model_copy)["artifact"]["sha256"], digest)
    with pytest.raises(ModelError, match="not trusted"):
        load_model(model_copy)
    # even a trusted file that holds something other than our classifier is refused after unpickling
    trust.add(digest, source="trusted", folder=model_copy, model="not ours")
    with pytest.raises(ModelError, match="not a moderator guideline classifier"):
        load_model(model_copy)


def test_missing_files(model_copy: Path) -> None:
    (model_copy / MODEL_FILE).unlink()
    with pytest.raises(ModelError, match="model file missing"):
        load_model(model_copy)
    (model_copy / CARD_FILE).unlink()
    with pytest.raises(ModelError, match="no model card"):
        load_model(model_copy)


def test_other_taxonomy_is_refused(model_copy: Path) -> None:
    edit_card(model_copy, "- derogatory", "- rudeness")
    with pytest.raises(ModelError, match="another taxonomy"):
        load_model(model_copy, load_taxonomy())


def test_library_version_mismatch_says_how_to_get_out(model_copy: Path) -> None:
    card = read_card(model_copy)
    edit_card(model_copy, f"scikit-learn: {card['libraries']['scikit-learn']}", "scikit-learn: 0.20.4")
    with pytest.raises(ModelError) as caught:
        load_model(model_copy)
    assert "scikit-learn 0.20.4" in caught.value.message and "moderator train" in caught.value.message


def test_artifact_outside_the_folder_is_refused(model_copy: Path) -> None:
    edit_card(model_copy, "file: model.joblib", "file: ../elsewhere.joblib")
    with pytest.raises(ModelError, match="inside the model folder"):
        load_model(model_copy)


def test_artifact_linked_from_outside_the_folder_is_refused(model_copy: Path, tmp_path: Path) -> None:
    """A model.joblib symlink to a file elsewhere (with the card's digest matching it) never reaches joblib."""
    outside = tmp_path / "elsewhere.joblib"
    (model_copy / MODEL_FILE).rename(outside)
    (model_copy / MODEL_FILE).symlink_to(outside)
    with pytest.raises(ModelError, match="inside the model folder"):
        load_model(model_copy)


def test_cli_refuses_an_altered_model_with_one_line(model_copy: Path, samples: Path) -> None:
    (model_copy / MODEL_FILE).write_bytes(b"\x80\x04garbage")
    result = run_cli("score", str(samples / "bug-4127.csv"), "--model", str(model_copy))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "does not match the model card" in result.stderr
    result = run_cli("score", str(samples / "bug-4127.csv"), "--model", str(model_copy.parent / "nowhere"))
    assert result.returncode == 2 and "no model card" in result.stderr


def test_bundled_default_model() -> None:
    card = read_card(DEFAULT_MODEL_DIR)
    assert (DEFAULT_MODEL_DIR / MODEL_FILE).stat().st_size < 20 * 1024 * 1024
    model, _ = load_model(DEFAULT_MODEL_DIR, load_taxonomy())
    names = {source["name"]: source for source in card["data"]}
    assert "moderator starter corpus" in names
    for source in card["data"][1:]:
        assert source["licence"] and source["licence"] != "unknown (supplied by the user)"
    assert [round(float(t), 4) for t in model.thresholds_] == [card["thresholds"][label] for label in model.labels]


# How far a retrained model may drift from the card on another machine. BLAS and liblinear sum in orders that
# differ between CPUs and thread counts, so the last bits of every coefficient differ and the artifact's bytes
# (its sha256) with them; the sha256 is the integrity check of the file the card describes, not a promise of
# reproducibility. What the documented command must reproduce is the model's behaviour, within these bounds.
THRESHOLD_TOLERANCE = 0.02
METRIC_TOLERANCE = 0.02
SCORE_TOLERANCE = 0.01


@pytest.mark.skipif(
    not (SHARED_DATA / "train").is_dir(), reason="../shared/data/train is absent: cannot retrain the default model"
)
def test_default_model_is_reproducible_by_the_documented_command(tmp_path: Path) -> None:
    from moderation_core.model_inputs import INPUT_VERSION
    from moderator.scoring import load_scorer, score_thread
    from moderator.sources import load_thread

    card = read_card(DEFAULT_MODEL_DIR)
    if card.get("input_version", 1) != INPUT_VERSION:
        pytest.skip(
            f"the bundled model was trained with input version {card.get('input_version', 1)}, this code builds "
            f"inputs with version {INPUT_VERSION}: its retrained candidate fell below the held-out floor, so the "
            "bundled model was kept (README, 'One way to build the model's input'); this test applies again once "
            "a retrained model passes the floor and is bundled"
        )
    corpora = [str(SHARED_DATA / "train" / source["path"]) for source in card["data"][1:]]
    args = ["train", "-o", str(tmp_path / "again")]
    for corpus in corpora:
        args += ["--corpus", corpus]
    result = run_moderator(*args, timeout=900)
    assert result.returncode == 0, result.stderr
    again = load_one((tmp_path / "again" / CARD_FILE).read_text(encoding="utf-8"))
    hint = "retrain classifiers/default_model with the README's command"
    assert again["thresholds"].keys() == card["thresholds"].keys()
    for label, threshold in card["thresholds"].items():
        assert abs(again["thresholds"][label] - threshold) <= THRESHOLD_TOLERANCE, (label, hint)
    for label, metrics in card["cross_validated_metrics"].items():
        if not isinstance(metrics, dict):
            assert abs(again["cross_validated_metrics"][label] - metrics) <= METRIC_TOLERANCE, (label, hint)
            continue
        for name, value in metrics.items():
            retrained = again["cross_validated_metrics"][label][name]
            if name == "positives":
                assert retrained == value, (label, hint)  # counts of examples: data, not arithmetic
            else:
                assert abs(retrained - value) <= METRIC_TOLERANCE, (label, name, hint)
    taxonomy = load_taxonomy()
    thread = load_thread(SAMPLES / "bug-4127.yaml")
    bundled = score_thread(load_scorer(None, taxonomy), thread, with_evidence=False)
    retrained_scores = score_thread(load_scorer(tmp_path / "again", taxonomy), thread, with_evidence=False)
    for first, second in zip(bundled, retrained_scores, strict=True):
        assert abs(first.concern - second.concern) <= SCORE_TOLERANCE, (first.number, hint)
        for label, value in first.scores.items():
            assert abs(second.scores[label] - value) <= SCORE_TOLERANCE, (first.number, label, hint)
