"""The label taxonomy (``labels/taxonomy.yaml``): what the classifier predicts and the review screen offers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from classifiers.errors import DataError
from labels import data_path
from moderator.yamlsafe import YAMLProblem, load_one

DEFAULT_TAXONOMY = data_path("taxonomy.yaml")
_REQUIRED = ("id", "name", "description", "guideline", "key", "bugzilla_tag", "github_hide_reason")


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    name: str
    description: str
    guideline: str
    key: str
    bugzilla_tag: str
    github_hide_reason: str
    color: str = "#888888"


@dataclass(frozen=True, slots=True)
class Taxonomy:
    name: str
    version: int
    labels: tuple[Label, ...]
    fingerprint: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(label.id for label in self.labels)

    def label(self, label_id: str) -> Label:
        for label in self.labels:
            if label.id == label_id:
                return label
        raise KeyError(label_id)


def load_taxonomy(path: str | Path = DEFAULT_TAXONOMY) -> Taxonomy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DataError(f"{path}: cannot read taxonomy ({error.strerror or error})") from None
    try:
        document = load_one(text)
    except YAMLProblem as problem:
        where = f"{path}:{problem.line}" if problem.line else str(path)
        raise DataError(f"{where}: {problem.problem}") from None
    if not isinstance(document, dict) or not isinstance(document.get("labels"), list) or not document["labels"]:
        raise DataError(f"{path}: a taxonomy needs a non-empty 'labels' list")
    labels = []
    seen_ids: set[str] = set()
    seen_keys: set[str] = set()
    for position, item in enumerate(document["labels"]):
        if not isinstance(item, dict):
            raise DataError(f"{path}: labels[{position}] must be a mapping")
        missing = [k for k in _REQUIRED if not item.get(k)]
        if missing:
            raise DataError(f"{path}: labels[{position}] lacks {', '.join(missing)}")
        label = Label(**{k: str(item[k]) for k in (*_REQUIRED, "color") if k in item})
        if label.id in seen_ids or label.key in seen_keys:
            raise DataError(f"{path}: labels[{position}] repeats id {label.id!r} or key {label.key!r}")
        seen_ids.add(label.id)
        seen_keys.add(label.key)
        labels.append(label)
    fingerprint = hashlib.sha256("\n".join(l.id for l in labels).encode()).hexdigest()[:16]
    return Taxonomy(
        name=str(document.get("name", path.stem)),
        version=int(document.get("version", 1)),
        labels=tuple(labels),
        fingerprint=fingerprint,
    )
