"""The taxonomy and the starter corpus, as a community would edit them."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from conftest import run_moderator

from classifiers.data import STARTER_CORPUS, load_starter_corpus
from moderation_core.errors import DataError
from moderation_core.taxonomy import MAX_TAXONOMY_BYTES, load_taxonomy

# One well-formed label, for taxonomies broken in one place.
LABEL = (
    'labels:\n  - id: a\n    name: A\n    description: d\n    guideline: g\n    key: "1"\n'
    "    bugzilla_tag: abuse\n    github_hide_reason: ABUSE\n"
)
REQUIRED_LABELS = {"personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory"}


def test_default_taxonomy_has_every_label_with_its_mappings() -> None:
    taxonomy = load_taxonomy()
    assert REQUIRED_LABELS <= set(taxonomy.ids)
    for label in taxonomy.labels:
        assert label.name and label.description and label.guideline
        assert label.bugzilla_tag in {"abuse", "abusive", "off-topic", "offtopic", "advocacy", "me-too", "spam"}
        assert label.github_hide_reason in {"ABUSE", "OFF_TOPIC", "SPAM", "OUTDATED", "DUPLICATE", "RESOLVED"}
    keys = [label.key for label in taxonomy.labels]
    assert len(set(keys)) == len(keys) and all(k.isdigit() for k in keys)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("labels: []\n", "non-empty 'labels'"),
        ("labels:\n  - id: x\n    name: X\n", "lacks"),
        ("labels: &a [*a]\n", "anchors are not allowed"),
        ("labels: !!python/object/apply:os.system ['true']\n", "unsupported YAML tag"),
        ("- 1\n- 2\n", "non-empty 'labels'"),
        ("just text\n", "non-empty 'labels'"),
        ("labels: {a: 1}\n", "non-empty 'labels'"),
        ("labels: [[1, 2]]\n", "labels[0] must be a mapping, not a list"),
        (LABEL.replace('key: "1"', "key: [1]"), "labels[0].key must be text, not a list"),
        (LABEL.replace("name: A", "name: {x: 1}"), "labels[0].name must be text, not a mapping"),
        (LABEL.replace('key: "1"', "key: 1.5"), "labels[0].key must be text, not a number"),
        (LABEL.replace('key: "1"', "key: true"), "labels[0].key must be text, not true/false"),
        ("version: " + "9" * 5000 + "\n" + LABEL, "more than 4300 digits"),
        ("version: 99999999999999999999\n" + LABEL, "'version' must be a whole number"),
        ("version: [1]\n" + LABEL, "'version' must be a whole number"),
        ("version: abc\n" + LABEL, "'version' must be a whole number"),
        ("name: [x]\n" + LABEL, "'name' must be text"),
        ("labels: " + "[" * 50_000 + "]" * 50_000 + "\n", "nesting deeper"),
        (LABEL + LABEL.replace("labels:\n", ""), "repeats id 'a'"),
    ],
)
def test_bad_taxonomy_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_taxonomy(path)
    assert problem in caught.value.message and str(path) in caught.value.message


def test_taxonomy_fields_given_as_numbers_are_text(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text("version: 3\nname: 7\n" + LABEL.replace('key: "1"', "key: 1"), encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert (taxonomy.version, taxonomy.name, taxonomy.labels[0].key) == (3, "7", "1")


def _refusal(path: Path) -> str:
    with pytest.raises(DataError) as caught:
        load_taxonomy(path)
    message = caught.value.message
    assert message.startswith(str(path) + ":") and "\n" not in message
    return message


def test_taxonomy_path_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    assert "is a directory, not a taxonomy file" in _refusal(tmp_path)
    assert "no such file" in _refusal(tmp_path / "absent.yaml")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.yaml")
        assert "is a FIFO (named pipe)" in _refusal(tmp_path / "pipe.yaml")  # refused, not waited on
    if Path("/dev/zero").exists():
        assert "is a character device" in _refusal(Path("/dev/zero"))


def test_oversized_or_binary_taxonomy_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(MAX_TAXONOMY_BYTES + 1)
    assert "the limit is 1 MiB" in _refusal(big)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"labels: [\xff\xfe]\n")
    assert "not UTF-8" in _refusal(binary)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_cli_train_with_a_hostile_taxonomy_is_one_line(tmp_path: Path) -> None:
    result = run_moderator("train", "--taxonomy", "/dev/zero", "-o", str(tmp_path / "model"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    expected = "moderator: error: /dev/zero: is a character device, not a taxonomy file"
    assert result.stderr.strip().splitlines() == [expected]
    assert not (tmp_path / "model").exists()


def _records() -> list[dict[str, object]]:
    records = []
    for path in sorted(STARTER_CORPUS.glob("*.jsonl")):
        records.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return records


def test_starter_corpus_size_and_balance() -> None:
    records = _records()
    assert len(records) >= 1500
    per_label = Counter(label for r in records for label in r["labels"])  # type: ignore[union-attr]
    assert set(per_label) == set(load_taxonomy().ids)
    assert min(per_label.values()) >= 100
    clean = sum(1 for r in records if not r["labels"])
    assert clean >= len(records) / 2


def test_starter_corpus_records_are_well_formed_and_distinct() -> None:
    records = _records()
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    texts = [" ".join(str(r["text"]).split()).casefold() for r in records]
    assert len(set(texts)) == len(texts)
    registers = {"bugzilla", "github", "mailing-list", "code-review", "standards", "incident", "forum"}
    assert all(r["register"] in registers and r["title"] for r in records)
    lengths = sorted(len(str(r["text"]).split()) for r in records)
    assert lengths[0] <= 3 and lengths[-1] >= 100  # varied, not stamped from one template


def test_quoting_to_call_out_is_clean_and_trains_on_own_words() -> None:
    records = [r for r in _records() if not r["labels"] and "\n> " in str(r["text"])]
    assert len(records) >= 20
    trained_on = {example.id: example.input for example in load_starter_corpus()}
    for record in records:
        model_input = trained_on[str(record["id"])]
        assert "\n> " not in "\n" + model_input.text
        assert model_input.title == record["title"] and model_input.context == ""  # a thread of one comment


def test_unknown_label_in_corpus_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(
        json.dumps({"id": "b-1", "register": "github", "title": "t", "text": "x", "labels": ["rudeness"]}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="not in the taxonomy"):
        load_starter_corpus(tmp_path, load_taxonomy().ids)


@pytest.mark.parametrize("labels", [[["personal-attack"]], [{"a": 1}], "personal-attack", [3]])
def test_starter_corpus_labels_must_be_a_list_of_strings(tmp_path: Path, labels: object) -> None:
    line = json.dumps({"id": "b-1", "text": "x", "labels": labels})
    (tmp_path / "bad.jsonl").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.jsonl:1: a corpus line needs 'text' and a 'labels' list of strings"):
        load_starter_corpus(tmp_path, load_taxonomy().ids)


def test_unknown_starter_label_is_shown_short_and_escaped(tmp_path: Path) -> None:
    label = "\x1b[31m" + "x" * 10_000
    (tmp_path / "bad.jsonl").write_text(json.dumps({"text": "x", "labels": [label]}) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_starter_corpus(tmp_path, load_taxonomy().ids)
    assert "\x1b" not in caught.value.message and len(caught.value.message) < len(str(tmp_path)) + 200
