"""The bundled sample thread: one canonical YAML document, shipped in every format, imported alike by each."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation_core.yamlsafe import load_one
from moderator.sources import FORMATS, detect_format, load_thread
from moderator.sources.reading import read_source

SAMPLE_FILES = {
    "yaml": "bug-4127.yaml",
    "bugzilla-json": "bug-4127.rest.json",
    "bugzilla-text": "bug-4127.txt",
    "github-json": "bug-4127.github.json",
    "mbox": "bug-4127.mbox",
    "jsonl": "bug-4127.jsonl",
    "csv": "bug-4127.csv",
}
# Page-copy traps written into the sample on purpose (scripts/make_sample_formats.py).
PAGE_COPY_MERGED = {15, 35, 36}


def fold(text: str) -> str:
    return " ".join(text.split())


def test_every_format_has_a_sample() -> None:
    assert set(SAMPLE_FILES) == set(FORMATS)


@pytest.mark.parametrize(("fmt", "name"), sorted(SAMPLE_FILES.items()))
def test_format_is_detected(samples: Path, fmt: str, name: str) -> None:
    assert detect_format(read_source(samples / name)) == fmt


def test_sample_is_a_governance_dispute_of_at_least_40_comments(samples: Path) -> None:
    thread = load_thread(samples / "bug-4127.yaml")
    assert len(thread.comments) >= 40
    expected = load_one((samples / "bug-4127.expected.yaml").read_text(encoding="utf-8"))
    assert set(expected) == {c.number for c in thread.comments}
    flagged = {n for n, labels in expected.items() if labels}
    assert 5 <= len(flagged) <= len(thread.comments) // 2
    wanted = {"accusation", "personal-attack", "inflammatory", "off-topic", "demand"}
    assert wanted <= {label for labels in expected.values() for label in labels}
    assert sum(1 for c in thread.comments if c.quotes) >= 3


@pytest.mark.parametrize("fmt", sorted(set(SAMPLE_FILES) - {"yaml"}))
def test_each_format_gives_the_same_own_words_and_quotes(samples: Path, fmt: str) -> None:
    canonical = {c.number: c for c in load_thread(samples / SAMPLE_FILES["yaml"]).comments}
    imported = load_thread(samples / SAMPLE_FILES[fmt], fmt)
    numbered = {c.number: c for c in imported.comments if c.number is not None}
    skip = PAGE_COPY_MERGED if fmt == "bugzilla-text" else set()
    assert set(numbered) | skip == set(canonical)
    for number, comment in numbered.items():
        if number in skip:
            continue
        original = canonical[number]
        assert fold(comment.own_text) == fold(original.own_text), f"{fmt} comment {number}"
        assert [q.comment for q in comment.quotes] == [q.comment for q in original.quotes], f"{fmt} comment {number}"
        assert [fold(q.text) for q in comment.quotes] == [fold(q.text) for q in original.quotes]


def test_page_copy_keeps_the_text_of_missing_markers(samples: Path) -> None:
    canonical = {c.number: c for c in load_thread(samples / "bug-4127.yaml").comments}
    comments = load_thread(samples / "bug-4127.txt").comments
    block = next(c for c in comments if c.number is None)
    assert block.missing_markers == (15,)
    assert fold(block.own_text) == fold(canonical[15].own_text)
    merged = next(c for c in comments if c.number == 35)
    assert merged.missing_markers == (36,)
    assert fold(canonical[36].text) in fold(merged.text)


def test_committed_formats_match_the_canonical_document() -> None:
    import importlib.util

    script = Path(__file__).resolve().parent.parent / "scripts" / "make_sample_formats.py"
    spec = importlib.util.spec_from_file_location("make_sample_formats", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, content in module.sample_files().items():
        assert (module.SAMPLES / name).read_text(encoding="utf-8") == content, f"{name} is stale"
