"""Models run no foreign code: a model file is unpickled only when the code (bundled model) or the user's trust
store (trained here, or trusted with ``moderator models trust``) vouches for its sha256, never its own card."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import threading
from pathlib import Path

import joblib
import pexpect
import pytest
import yaml
from conftest import MODERATOR_BIN, SAMPLES, CliResult, run_cli, run_moderator

from classifiers import artifact, trust
from classifiers.persist import (
    CARD_FILE,
    DEFAULT_MODEL_DIR,
    MODEL_FILE,
    inspect_model,
    load_model,
    read_card,
    require_trusted,
    sha256_of,
)
from moderation_core.errors import ModelError
from moderation_core.taxonomy import load_taxonomy
from moderation_core.yamlsafe import load_one

SAMPLE = str(SAMPLES / "bug-4127.csv")


class TouchesAMarker:
    """A pickle payload: unpickling it calls Path.touch(marker). Harmless, and proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (pathlib.Path.touch, (self.marker,))


def write_card(folder: Path, digest: str) -> None:
    """The bundled model's card, vouching for ``digest``: a card is only what its author wrote."""
    text = (DEFAULT_MODEL_DIR / CARD_FILE).read_text(encoding="utf-8")
    (folder / CARD_FILE).write_text(text.replace(trust.BUNDLED_MODEL_SHA256, digest), encoding="utf-8")


@pytest.fixture
def malicious_model(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "evil-model"
    folder.mkdir()
    marker = tmp_path / "marker"
    joblib.dump(TouchesAMarker(marker), folder / MODEL_FILE)
    write_card(folder, sha256_of(folder / MODEL_FILE))
    return folder, marker


def one_error_line(result: subprocess.CompletedProcess[str] | CliResult) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_malicious_pickle_vouched_for_by_its_card_never_runs(malicious_model: tuple[Path, Path]) -> None:
    folder, marker = malicious_model
    assert read_card(folder)["artifact"]["sha256"] == sha256_of(folder / MODEL_FILE)  # the card vouches for it
    line = one_error_line(run_moderator("score", "--model", str(folder), SAMPLE))
    assert line.startswith(f"moderator: error: {folder}: ") and "not trusted" in line
    assert f"moderator models trust {folder}" in line
    assert not marker.exists()
    with pytest.raises(ModelError, match="not trusted"):
        load_model(folder, load_taxonomy())
    assert not marker.exists()


def test_inspecting_a_model_to_trust_it_never_unpickles(malicious_model: tuple[Path, Path]) -> None:
    folder, marker = malicious_model
    result = subprocess.run(
        [str(MODERATOR_BIN), "models", "trust", str(folder)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert "--yes" in one_error_line(result)
    assert f"sha256        {sha256_of(folder / MODEL_FILE)}" in result.stdout  # the card was shown first
    assert not marker.exists()
    assert trust.read_store() == []


def test_pinned_bundled_digest_is_the_card_and_the_file() -> None:
    """Retraining the bundled model without updating BUNDLED_MODEL_SHA256 fails here (and the model would not load)."""
    card = read_card(DEFAULT_MODEL_DIR)
    assert trust.BUNDLED_MODEL_SHA256 == card["artifact"]["sha256"] == sha256_of(DEFAULT_MODEL_DIR / MODEL_FILE)


def test_bundled_model_loads_with_an_empty_trust_store() -> None:
    model, _ = load_model(DEFAULT_MODEL_DIR, load_taxonomy())
    assert list(model.classes_) == list(load_taxonomy().ids)
    assert trust.read_store() == [] and not trust.store_path().exists()


def test_bundled_folder_loads_only_its_pinned_file(
    small_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another model in the bundled folder's place is refused, even one the trust store vouches for.
    stand_in = tmp_path / "default_model"
    shutil.copytree(small_model_dir, stand_in)
    monkeypatch.setattr(artifact, "DEFAULT_MODEL_DIR", stand_in)  # where ModelFile.bundled looks
    with pytest.raises(ModelError, match="not the one this version of moderator ships.*BUNDLED_MODEL_SHA256"):
        load_model(stand_in)


def test_a_copy_of_the_bundled_model_is_trusted_by_its_pinned_digest(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    require_trusted(inspect_model(copy))


def test_symlinked_model_folder_is_resolved(small_model_dir: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(small_model_dir, target_is_directory=True)
    model, _ = load_model(link, load_taxonomy())
    assert list(model.classes_) == list(load_taxonomy().ids)
    bundled_link = tmp_path / "bundled"
    bundled_link.symlink_to(DEFAULT_MODEL_DIR, target_is_directory=True)
    assert inspect_model(bundled_link).bundled


def test_trained_here_loads_elsewhere_needs_trust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trained = tmp_path / "trained"
    result = run_moderator("train", "-o", str(trained), timeout=900)
    assert result.returncode == 0, result.stderr
    digest = read_card(trained)["artifact"]["sha256"]
    assert [(e.sha256, e.source, e.path) for e in trust.read_store()] == [(digest, "trained", str(trained.resolve()))]
    assert run_cli("score", "--model", str(trained), SAMPLE).returncode == 0  # same home: no question

    # The same folder on another installation (another home) is foreign until its user trusts it.
    monkeypatch.setenv("HOME", str(tmp_path / "other-home"))
    copied = tmp_path / "copied"
    shutil.copytree(trained, copied)
    assert "not trusted" in one_error_line(run_cli("score", "--model", str(copied), SAMPLE))
    result = run_cli("models", "trust", str(copied), "--yes")
    assert result.returncode == 0, result.stderr
    assert "Trust this model?" not in result.stdout and f"trusted sha256 {digest}" in result.stdout
    assert run_cli("score", "--model", str(copied), SAMPLE).returncode == 0
    listed = run_cli("models", "list")
    assert listed.returncode == 0
    assert any(line.startswith(f"{digest}  trusted") and str(copied) in line for line in listed.stdout.splitlines())

    result = run_cli("models", "untrust", str(copied))
    assert result.returncode == 0 and f"untrusted sha256 {digest}" in result.stdout
    assert "not trusted" in one_error_line(run_cli("score", "--model", str(copied), SAMPLE))
    assert trust.read_store() == []


def test_untrust_by_digest_and_what_cannot_be_untrusted(small_model_dir: Path) -> None:
    digest = read_card(small_model_dir)["artifact"]["sha256"]
    assert "bundled" in one_error_line(run_cli("models", "untrust", trust.BUNDLED_MODEL_SHA256))
    assert "bundled" in one_error_line(run_cli("models", "untrust", str(DEFAULT_MODEL_DIR)))
    result = run_cli("models", "untrust", digest.upper())
    assert result.returncode == 0, result.stderr
    assert trust.read_store() == []
    assert "not in the trust store" in one_error_line(run_cli("models", "untrust", digest))
    with pytest.raises(ModelError, match="not trusted"):
        load_model(small_model_dir)


def test_trust_asks_on_a_terminal(small_model_trained: Path) -> None:
    """In a real terminal the card comes first, then the question; anything but y/yes leaves it untrusted."""
    for answer, status in (("n", 1), ("", 1), ("y", 0)):
        child = pexpect.spawn(
            str(MODERATOR_BIN),
            ["models", "trust", str(small_model_trained)],
            env=dict(os.environ),
            encoding="utf-8",
            timeout=120,
        )
        try:
            child.expect("labels ")
            child.expect(r"Trust this model\? \[y/N\] ")
            child.sendline(answer)
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert child.exitstatus == status
        assert bool(trust.read_store()) == (status == 0)


def test_trust_summary_escapes_the_card(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    card = read_card(folder)
    card["model"] = "nice\x1b[2J\x1b]0;owned\x07\u202emodel\nsecond line"
    card["data"][0]["name"] = "corpus\x1b[31m"
    (folder / CARD_FILE).write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    result = run_cli("models", "trust", str(folder), "--yes")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\\x1b[2J" in result.stdout
    assert "already trusted" in result.stdout  # a copy of the bundled file: trusted by the pinned digest


HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("taxonomy:\n  name: mozilla-cpg", "taxonomy: x\nold_taxonomy:\n  name: mozilla-cpg", "taxonomy"),
        ("libraries:\n", "libraries: [x]\nold_libraries:\n", "libraries"),
        ("artifact:\n  file: model.joblib", "artifact: 5\nold_artifact:\n  file: model.joblib", "artifact sha256"),
        ("training_seconds: ", f"training_seconds: {HUGE}\nold_training_seconds: ", "4300 digits"),
        ("    positives: 897", f"    positives: [{{deep: {HUGE}}}]", "4300 digits"),
        ("sha256: ", "sha256: ZZ", "64 lowercase hex"),  # any retrained card's digest
        ("file: model.joblib", 'file: "model.joblib\\0"', "not a file name"),
        ("model: guideline-classifier", "model: [1, 2]", "model"),
        ("- name: moderator starter corpus", "- just text\n- name: moderator starter corpus", "data"),
        ("format: moderator-model-card/1\n", "format: moderator-model-card/1\nx: &a [1]\ny: *a\n", "anchors"),
    ],
)
def test_hostile_card_is_one_line_naming_the_card(tmp_path: Path, old: str, new: str, problem: str) -> None:
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    card = folder / CARD_FILE
    text = card.read_text(encoding="utf-8")
    assert old in text
    card.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = one_error_line(run_cli("score", SAMPLE, "--model", str(folder)))
    assert line.startswith(f"moderator: error: {card}: ") and problem in line, line
    assert len(line) < 400


@pytest.mark.parametrize("text", ["- a list\n- of things\n", "just a sentence\n", "", "42\n", f"{HUGE}\n"])
def test_card_that_is_not_a_mapping_is_one_line(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    (folder / CARD_FILE).write_text(text, encoding="utf-8")
    line = one_error_line(run_cli("score", SAMPLE, "--model", str(folder)))
    assert line.startswith(f"moderator: error: {folder / CARD_FILE}: "), line
    assert "not a mapping" in line or "4300 digits" in line


def test_card_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    os.mkfifo(folder / CARD_FILE)  # reading a FIFO would block forever
    with pytest.raises(ModelError, match="not a regular file"):
        read_card(folder)


@pytest.mark.parametrize(
    "text",
    [
        "format: moderator-trusted-models/1\nmodels: [\n",
        "format: something-else\n",
        "- a list\n",
        f"format: moderator-trusted-models/1\nmodels: []\nx: {HUGE}\n",
        "format: moderator-trusted-models/1\nmodels:\n- sha256: abc\n  source: trained\n  path: /x\n  model: m\n  added: t\n",
        "format: moderator-trusted-models/1\nmodels:\n- just text\n",
        "\xff\xfe binary",
    ],
)
def test_damaged_trust_store_is_one_line(small_model_dir: Path, text: str) -> None:
    store = trust.store_path()
    store.write_bytes(text.encode("latin-1"))
    line = one_error_line(run_cli("models", "list"))
    assert line.startswith(f"moderator: error: {store}: damaged trust store ("), line
    with pytest.raises(ModelError, match="damaged trust store"):
        load_model(small_model_dir)


def test_damaged_trust_store_stops_score_with_one_line(small_model_dir: Path) -> None:
    store = trust.store_path()
    store.write_text("format: moderator-trusted-models/1\nmodels: [\n", encoding="utf-8")
    line = one_error_line(run_cli("score", SAMPLE, "--model", str(small_model_dir)))
    assert line.startswith(f"moderator: error: {store}: damaged trust store (line "), line


def test_the_bundled_model_needs_no_store_even_a_damaged_one(tmp_path: Path) -> None:
    store = trust.store_path()
    store.parent.mkdir(parents=True)
    store.write_text("- not a store\n", encoding="utf-8")
    require_trusted(inspect_model(DEFAULT_MODEL_DIR))


def test_concurrent_registrations_are_all_kept() -> None:
    digests = [f"{n:064x}" for n in range(8)]
    threads = [
        threading.Thread(target=trust.add, args=(d,), kwargs={"source": "trained", "folder": "/m", "model": "m"})
        for d in digests
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(e.sha256 for e in trust.read_store()) == digests
    assert load_one(trust.store_path().read_text(encoding="utf-8"))["format"] == trust.STORE_FORMAT


def test_models_commands_have_examples() -> None:
    for args in (("models",), ("models", "trust"), ("models", "list"), ("models", "untrust")):
        result = run_cli(*args, "--help")
        assert result.returncode == 0 and "examples:" in result.stdout, args
