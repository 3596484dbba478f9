"""Model versions (issue 14, item 3): trained models kept under their id in the per-user data folder, one of them
in use, listed, chosen and compared; scoring uses the version in use unless --model or $MODERATOR_MODEL says
otherwise. Each test has its own home folder (conftest), so its own, empty model store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import SAMPLES, CliResult, run_cli

from classifiers import trust
from classifiers.persist import CARD_FILE, DEFAULT_MODEL_DIR, MODEL_FILE, read_card, sha256_of
from moderation_core.errors import ModelError, UsageError
from moderator import config
from moderator.modelstore import ACTIVE_FILE, ModelStore, default_root, model_id_of, model_in_use

SAMPLE = str(SAMPLES / "bug-4127.csv")
BUNDLED_ID = model_id_of(read_card(DEFAULT_MODEL_DIR))


def copy_of_bundled(folder: Path, name: str, *, threshold: float | None = None, data_name: str | None = None) -> Path:
    """The bundled model under another name (so another id), its card changed as asked: the model file is the
    bundled one, trusted by the pinned digest, so nothing is trained or unpickled to build it."""
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    card = yaml.safe_load((folder / CARD_FILE).read_text(encoding="utf-8"))
    card["model"] = name
    if threshold is not None:
        card["thresholds"]["threat"] = threshold
    if data_name is not None:
        card["data"][0]["name"] = data_name
    (folder / CARD_FILE).write_text(yaml.safe_dump(card, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


def one_error_line(result: CliResult) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def listed_versions(result: CliResult) -> dict[str, str]:
    """``models list``'s version lines by id: the line as printed (its first character is the in-use marker)."""
    assert result.returncode == 0, result.stderr
    rows = {}
    for line in result.stdout.splitlines():
        fields = line[2:].split()
        if line[:2] in ("* ", "  ") and fields and "@" in fields[0]:
            rows[fields[0]] = line
    return rows


def test_the_whole_flow_add_list_use_score_decide_diff(small_model_dir: Path, tmp_path: Path) -> None:
    store = ModelStore()
    assert store.root == default_root() == config.user_data_dir() / "models"
    assert store.active() is None and model_in_use() == DEFAULT_MODEL_DIR

    trained = store.add(small_model_dir)  # what 'moderator train' does with the folder it wrote
    assert trained.id == model_id_of(read_card(small_model_dir)) and not trained.bundled and not trained.active
    assert trained.folder == store.root / trained.id
    assert sorted(p.name for p in trained.folder.iterdir()) == sorted([MODEL_FILE, CARD_FILE])
    assert sha256_of(trained.folder / MODEL_FILE) == trained.sha256
    assert [p.name for p in store.root.iterdir()] == [trained.id]  # no temporary folder left behind
    assert store.add(small_model_dir) == trained  # adding it again changes nothing
    assert store.add(DEFAULT_MODEL_DIR).bundled  # the bundled model is a version, never copied
    assert [p.name for p in store.root.iterdir()] == [trained.id]

    rows = listed_versions(run_cli("models", "list"))
    assert list(rows) == [BUNDLED_ID, trained.id]
    assert rows[BUNDLED_ID].startswith("* ") and "bundled" in rows[BUNDLED_ID]
    assert rows[trained.id].startswith("  ") and " trained " in rows[trained.id]
    assert "1 corpus, " in rows[trained.id] and "3 corpora, 16662 examples" in rows[BUNDLED_ID]
    assert "0.909" in rows[BUNDLED_ID]  # the bundled card's cross-validated concern AUC

    result = run_cli("models", "use", trained.id)
    assert result.returncode == 0, result.stderr
    assert (store.root / ACTIVE_FILE).read_text(encoding="utf-8") == trained.id + "\n"
    rows = listed_versions(run_cli("models", "list"))
    assert rows[trained.id].startswith("* ") and rows[BUNDLED_ID].startswith("  ")
    assert store.active() == store.get(trained.id) and store.get(trained.id).active

    # Scoring and decide use the version in use (the copy in the store, not the folder training wrote)...
    scored = run_cli("score", SAMPLE)
    assert scored.returncode == 0, scored.stderr
    assert f"model {trained.id}" in scored.stdout
    log = tmp_path / "log.yaml"
    decided = run_cli("decide", SAMPLE, "--comment", "1", "--ok", "--log", str(log), "--moderator", "ann")
    assert decided.returncode == 0, decided.stderr
    assert trained.id in log.read_text(encoding="utf-8")
    assert model_in_use() == trained.folder

    # ...unless $MODERATOR_MODEL or --model names another folder.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MODERATOR_MODEL", str(DEFAULT_MODEL_DIR))
        assert f"model {BUNDLED_ID}" in run_cli("score", SAMPLE).stdout
        assert model_in_use() == DEFAULT_MODEL_DIR
        assert "still comes first" in run_cli("models", "use", trained.id).stdout
    assert f"model {BUNDLED_ID}" in run_cli("score", SAMPLE, "--model", str(DEFAULT_MODEL_DIR)).stdout

    diff = run_cli("models", "diff", BUNDLED_ID, trained.id)
    assert diff.returncode == 0, diff.stderr
    lines = diff.stdout.splitlines()
    assert any(line.startswith("* model id") and BUNDLED_ID in line and trained.id in line for line in lines)
    assert any(line.startswith("* data corpus VCU incivility") and line.rstrip().endswith("-") for line in lines)
    assert any(line.startswith("* threshold ") for line in lines)  # trained on other data: other thresholds
    assert any(line.startswith("* metric macro f1") for line in lines)

    assert run_cli("models", "use", BUNDLED_ID).returncode == 0  # back to the bundled model: nothing chosen
    assert not store.active_file.exists() and store.active() is None
    assert f"model {BUNDLED_ID}" in run_cli("score", SAMPLE).stdout


def test_list_use_and_diff_through_the_library(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "store")
    first = store.add(copy_of_bundled(tmp_path / "a", "community-a"))
    second = store.add(copy_of_bundled(tmp_path / "b", "community-b", threshold=0.61))
    assert first.id == f"community-a@{trust.BUNDLED_MODEL_SHA256[:12]}"
    versions = store.versions()
    assert [v.id for v in versions] == [BUNDLED_ID, first.id, second.id]
    assert [v.active for v in versions] == [True, False, False]  # nothing chosen: the bundled model
    bundled = versions[0]
    assert bundled.bundled and bundled.folder == DEFAULT_MODEL_DIR and bundled.concern_auc == 0.909
    metrics = bundled.card["cross_validated_metrics"]
    labels = bundled.card["taxonomy"]["labels"]
    assert bundled.macro_f1 == round(sum(metrics[label]["f1"] for label in labels) / len(labels), 4)
    assert bundled.trained == "2026-11-29T07:45:57+00:00"
    assert [(s.kind, s.examples) for s in bundled.data] == [("corpus", 7247), ("corpus", 5959), ("corpus", 3456)]

    assert store.use(second.id).active
    assert [v.active for v in store.versions()] == [False, False, True]
    assert store.active() == store.get(second.id)
    rows = {(row.section, row.name): row for row in store.diff(first.id, second.id)}
    assert rows[("threshold", "threat")].a == "0.3499" and rows[("threshold", "threat")].b == "0.61"
    assert rows[("threshold", "threat")].changed and not rows[("threshold", "demand")].changed
    assert rows[("metric", "threat recall")].a == rows[("metric", "threat recall")].b == "0.686"
    assert rows[("data", "corpus moderator starter corpus")].a == "7247"
    assert ("metric", "concern roc_auc") in rows and ("metric", "macro f1") in rows


def test_a_model_file_that_does_not_match_its_card_is_refused(tmp_path: Path) -> None:
    folder = copy_of_bundled(tmp_path / "tampered", "community-a")
    with (folder / MODEL_FILE).open("ab") as file:
        file.write(b"\0")
    store = ModelStore(tmp_path / "store")
    with pytest.raises(ModelError, match="does not match the model card"):
        store.add(folder)
    assert not store.root.exists() or list(store.root.iterdir()) == []


def test_a_model_this_installation_neither_trained_nor_trusted_is_refused(tmp_path: Path) -> None:
    folder = copy_of_bundled(tmp_path / "foreign", "community-a")
    (folder / MODEL_FILE).write_bytes(b"not the bundled model")
    card = (folder / CARD_FILE).read_text(encoding="utf-8")
    (folder / CARD_FILE).write_text(
        card.replace(trust.BUNDLED_MODEL_SHA256, sha256_of(folder / MODEL_FILE)), encoding="utf-8"
    )
    store = ModelStore(tmp_path / "store")
    with pytest.raises(ModelError, match="not trusted"):
        store.add(folder)
    assert not store.root.exists() or list(store.root.iterdir()) == []


def test_a_version_whose_file_is_no_longer_trusted_cannot_be_chosen(tmp_path: Path) -> None:
    folder = copy_of_bundled(tmp_path / "foreign", "community-a")
    (folder / MODEL_FILE).write_bytes(b"a model file (never unpickled here)")
    digest = sha256_of(folder / MODEL_FILE)
    card = (folder / CARD_FILE).read_text(encoding="utf-8")
    (folder / CARD_FILE).write_text(card.replace(trust.BUNDLED_MODEL_SHA256, digest), encoding="utf-8")
    trust.add(digest, source="trained", folder=folder, model="community-a")
    version = ModelStore().add(folder)
    assert " trained " in listed_versions(run_cli("models", "list"))[version.id]
    trust.remove({digest})
    assert " untrusted " in listed_versions(run_cli("models", "list"))[version.id]
    line = one_error_line(run_cli("models", "use", version.id))
    assert "not trusted" in line and "moderator models trust" in line
    assert ModelStore().active() is None


def test_unknown_ids_are_one_line_naming_the_known_ones(tmp_path: Path) -> None:
    known = ModelStore().add(copy_of_bundled(tmp_path / "a", "community-a")).id
    for args in (("models", "use", "nope@000000000000"), ("models", "diff", BUNDLED_ID, "nope")):
        line = one_error_line(run_cli(*args))
        assert "no such model version" in line and BUNDLED_ID in line and known in line, line
    assert not (default_root() / ACTIVE_FILE).exists()  # nothing chosen
    with pytest.raises(UsageError):
        ModelStore().use("\x1b[2Jevil")


def test_a_version_in_use_that_is_gone_or_a_damaged_active_file_is_one_line(tmp_path: Path) -> None:
    store = ModelStore()
    version = store.use(store.add(copy_of_bundled(tmp_path / "a", "community-a")).id)
    shutil.rmtree(version.folder)
    line = one_error_line(run_cli("score", SAMPLE))
    assert str(store.active_file) in line and version.id in line and "moderator models use" in line
    listed = run_cli("models", "list")  # still lists, so that another can be chosen; none marked in use
    assert not any(line.startswith("* ") for line in listed.stdout.splitlines())
    assert f"no version in use: {store.active_file} names {version.id}" in listed.stdout
    store.active_file.write_text("../../etc\n", encoding="utf-8")
    line = one_error_line(run_cli("score", SAMPLE))
    assert line.startswith(f"moderator: error: {store.active_file}: damaged active model file"), line
    assert run_cli("score", SAMPLE, "--model", str(DEFAULT_MODEL_DIR)).returncode == 0  # --model needs no store


def test_card_text_is_escaped_on_the_terminal(tmp_path: Path) -> None:
    evil = "corpus\x1b[2J\u202eevil"
    version = ModelStore().add(copy_of_bundled(tmp_path / "a", "community-a", data_name=evil))
    listed = run_cli("models", "list")
    diff = run_cli("models", "diff", BUNDLED_ID, version.id)
    as_json = run_cli("models", "list", "--json")
    for result in (listed, diff, as_json):
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b[2J" in diff.stdout
    assert '"active": "' + BUNDLED_ID + '"' in as_json.stdout


def test_a_folder_in_the_store_that_is_not_a_version_is_left_alone(tmp_path: Path) -> None:
    """``models/latest`` (where ``moderator train`` writes before keeping a copy as a version) is no version itself."""
    store = ModelStore()
    shutil.copytree(DEFAULT_MODEL_DIR, store.root / "latest")
    assert [v.id for v in store.versions()] == [BUNDLED_ID]
    misnamed = store.root / "community-b@0123456789ab"
    shutil.copytree(DEFAULT_MODEL_DIR, misnamed)
    line = one_error_line(run_cli("models", "list"))
    assert str(misnamed) in line and "not the id of its model card" in line


def test_models_use_and_diff_have_examples() -> None:
    for args in (("models", "use"), ("models", "diff")):
        result = run_cli(*args, "--help")
        assert result.returncode == 0 and "examples:" in result.stdout, args
    assert "models use" in run_cli("score", "--help").stdout  # the precedence, in --model's help


def test_the_store_and_the_configuration_name_the_same_variable() -> None:
    from moderator.modelstore import MODEL_ENV

    assert MODEL_ENV == config.MODEL_ENV


def test_train_without_output_keeps_a_version_and_leaves_the_one_in_use() -> None:
    result = run_cli("train")  # the starter corpus alone, into the per-user folder
    assert result.returncode == 0, result.stderr
    store = ModelStore()
    [kept] = [v for v in store.versions() if not v.bundled]
    assert f"kept as model version {kept.id}" in result.stderr
    assert store.active() is None and model_in_use() == DEFAULT_MODEL_DIR  # chosen only by 'models use'
