"""Labeled examples for training and evaluation: the starter corpus, JSONL corpora such as
``../shared/data``, and (later) decision logs, all turned into :class:`Example` items of one shape."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifiers.errors import DataError
from classifiers.features import CommentInput
from labels import data_path
from moderator.segmentation import QuoteIndex, segment_text

STARTER_CORPUS = data_path("starter")
CONTEXT_CHARS = 2000

# Source categories (TbDF incivility classes and the like) mapped onto the taxonomy. A category mapped to no
# label still marks the comment as a concern ("bitter frustration" needs a moderator's eye but breaks no single
# guideline).
CATEGORY_LABELS: dict[str, tuple[str, ...]] = {
    "insulting": ("personal-attack",),
    "identity attack/name-calling": ("personal-attack",),
    "name_calling": ("personal-attack",),
    "name-calling": ("personal-attack",),
    "identity attack": ("derogatory",),
    "mocking": ("inflammatory",),
    "irony": ("inflammatory",),
    "vulgarity": ("inflammatory",),
    "threat": ("threat",),
    "entitlement": ("demand",),
    "impatience": ("demand",),
    "bitter frustration": (),
    "bitter_frustration": (),
}


@dataclass(frozen=True, slots=True)
class Example:
    """One labeled comment: own words, thread context, taxonomy labels and whether it needs a moderator."""

    input: CommentInput
    labels: frozenset[str]
    concern: bool
    source: str
    group: str
    id: str = ""
    known_labels: bool = True
    extra: dict[str, object] = field(default_factory=dict)


def own_words(text: str) -> str:
    """The author's own words of a standalone comment: quotes and reply headers removed."""
    if ">" not in text and "In reply to" not in text and "wrote" not in text:
        return text
    segments, _ = segment_text(text, index=QuoteIndex())
    return "\n".join(s.text for s in segments if s.kind == "own").strip("\n")


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, object]]]:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read ({error})") from None
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{path}:{number}: invalid JSON ({error.msg})") from None
        if not isinstance(value, dict):
            raise DataError(f"{path}:{number}: expected a JSON object")
        records.append((number, value))
    return records


def load_starter_corpus(folder: Path = STARTER_CORPUS, taxonomy_ids: Iterable[str] | None = None) -> list[Example]:
    allowed = set(taxonomy_ids) if taxonomy_ids is not None else None
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise DataError(f"{folder}: no starter corpus files (*.jsonl)")
    examples = []
    for path in files:
        for number, record in _read_jsonl(path):
            text, labels = record.get("text"), record.get("labels")
            if not isinstance(text, str) or not isinstance(labels, list):
                raise DataError(f"{path}:{number}: a corpus line needs 'text' and a 'labels' list")
            if allowed is not None and not set(labels) <= allowed:
                raise DataError(f"{path}:{number}: labels {sorted(set(labels) - allowed)} are not in the taxonomy")
            title = record.get("title") if isinstance(record.get("title"), str) else ""
            examples.append(
                Example(
                    input=CommentInput(own_words(text), title or ""),
                    labels=frozenset(labels),
                    concern=bool(labels),
                    source=f"starter:{path.stem}",
                    group=f"starter:{record.get('id', number)}",
                    id=str(record.get("id", f"{path.stem}-{number}")),
                )
            )
    return examples


def load_labeled_jsonl(path: str | Path) -> list[Example]:
    """A JSONL file with the fields of ``../shared/data/README.md``: ``uncivil`` and ``category`` give the labels;
    the thread's title, opening post and previous comment give the context."""
    path = Path(path)
    records = _read_jsonl(path)
    if not records:
        raise DataError(f"{path}: no records")
    threads: dict[object, list[dict[str, object]]] = defaultdict(list)
    for _, record in records:
        threads[record.get("thread")].append(record)
    contexts: dict[int, str] = {}
    for thread, members in threads.items():
        if thread is None:
            continue
        ordered = sorted(
            (r for r in members if isinstance(r.get("number"), int)), key=lambda r: int(r["number"])  # type: ignore[arg-type]
        )
        opening = next((r for r in ordered if r.get("number") == 0), None)
        previous: dict[str, object] | None = None
        for record in ordered:
            parts = []
            if opening is not None and opening is not record:
                parts.append(str(opening.get("text") or "")[:CONTEXT_CHARS])
            if previous is not None and previous is not opening:
                parts.append(str(previous.get("text") or "")[:CONTEXT_CHARS])
            contexts[id(record)] = "\n".join(parts)
            previous = record
    examples = []
    for number, record in records:
        text = record.get("text")
        if text is None:
            continue
        if not isinstance(text, str):
            raise DataError(f"{path}:{number}: 'text' must be a string")
        if "uncivil" not in record:
            raise DataError(f"{path}:{number}: no 'uncivil' label")
        uncivil = bool(record.get("uncivil"))
        category = record.get("category")
        mapped = CATEGORY_LABELS.get(str(category).casefold(), None) if category else ()
        title = record.get("title") if isinstance(record.get("title"), str) else ""
        thread = record.get("thread")
        examples.append(
            Example(
                input=CommentInput(own_words(text), title or "", contexts.get(id(record), "")),
                labels=frozenset(mapped or ()),
                concern=uncivil,
                source=f"{path.stem}",
                group=f"{path.stem}:{thread if thread is not None else number}",
                id=str(record.get("id", number)),
                # Only uncivil lines with a mapped category say which guideline; civil lines say "none".
                known_labels=(not uncivil) or mapped is not None and category is not None,
                extra={"category": str(category)} if category else {},
            )
        )
    return examples


def label_matrix(examples: Sequence[Example], label_ids: Sequence[str]) -> np.ndarray:
    matrix = np.zeros((len(examples), len(label_ids)), dtype=np.int8)
    column = {label: j for j, label in enumerate(label_ids)}
    for i, example in enumerate(examples):
        for label in example.labels:
            if label in column:
                matrix[i, column[label]] = 1
    return matrix
