"""The taxonomy and the starter corpus, as a community would edit them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from classifiers.data import STARTER_CORPUS, load_starter_corpus, own_words
from classifiers.errors import DataError
from classifiers.taxonomy import load_taxonomy

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
    ],
)
def test_bad_taxonomy_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_taxonomy(path)
    assert problem in caught.value.message and str(path) in caught.value.message


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
    for record in records[:20]:
        own = own_words(str(record["text"]))
        assert "\n> " not in "\n" + own


def test_unknown_label_in_corpus_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(
        json.dumps({"id": "b-1", "register": "github", "title": "t", "text": "x", "labels": ["rudeness"]}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="not in the taxonomy"):
        load_starter_corpus(tmp_path, load_taxonomy().ids)
