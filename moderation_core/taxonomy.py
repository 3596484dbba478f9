"""The label taxonomy (``labels/taxonomy.yaml``): what the classifier predicts and the review screen offers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from labels import data_path
from moderation_core.errors import DataError
from moderation_core.files import read_regular_text
from moderation_core.yamlsafe import YAMLProblem, load_one

DEFAULT_TAXONOMY = data_path("taxonomy.yaml")
# A taxonomy is a few kilobytes; anything near this is not one (and is refused before it is parsed).
MAX_TAXONOMY_BYTES = 2**20
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


def _read_document(path: Path) -> object:
    """The YAML document of a taxonomy file: a small regular file (a FIFO or ``/dev/zero`` is refused unread)."""
    text = read_regular_text(path, "taxonomy file", MAX_TAXONOMY_BYTES)
    try:
        return load_one(text)
    except YAMLProblem as problem:
        where = f"{path}:{problem.line}" if problem.line else str(path)
        raise DataError(f"{where}: {problem.problem}") from None
    except (ValueError, RecursionError):  # yamlsafe reports these as problems; this is a last guard
        raise DataError(f"{path}: not a YAML document moderator can read") from None


def _kind(value: object) -> str:
    """What a YAML value is, in words: errors name the type, never echo a value from the file."""
    if isinstance(value, bool):
        return "true/false"
    names = {str: "text", int: "a number", float: "a number", list: "a list", dict: "a mapping"}
    return next((name for kind, name in names.items() if isinstance(value, kind)), type(value).__name__)


def _text(path: Path, where: str, value: object) -> str:
    """A label field as text: YAML reads ``key: 1`` as a number, which is meant as the text "1"."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise DataError(f"{path}: {where} must be text, not {_kind(value)}")


def _version(path: Path, value: object) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9:
        return value
    raise DataError(f"{path}: 'version' must be a whole number (0 to 999999999), not {_kind(value)}")


def _label(path: Path, position: int, item: object) -> Label:
    if not isinstance(item, dict):
        raise DataError(f"{path}: labels[{position}] must be a mapping, not {_kind(item)}")
    missing = [k for k in _REQUIRED if item.get(k) in (None, "")]
    if missing:
        raise DataError(f"{path}: labels[{position}] lacks {', '.join(missing)}")
    fields = {k: _text(path, f"labels[{position}].{k}", item[k]) for k in (*_REQUIRED, "color") if k in item}
    return Label(**fields)


def _shown(value: str, width: int = 40) -> str:
    return repr(value if len(value) <= width else value[:width] + "...")


def load_taxonomy(path: str | Path = DEFAULT_TAXONOMY) -> Taxonomy:
    path = Path(path)
    document = _read_document(path)
    if not isinstance(document, dict) or not isinstance(document.get("labels"), list) or not document["labels"]:
        raise DataError(f"{path}: a taxonomy needs a non-empty 'labels' list")
    labels = []
    seen_ids: set[str] = set()
    seen_keys: set[str] = set()
    for position, item in enumerate(document["labels"]):
        label = _label(path, position, item)
        if label.id in seen_ids or label.key in seen_keys:
            raise DataError(f"{path}: labels[{position}] repeats id {_shown(label.id)} or key {_shown(label.key)}")
        seen_ids.add(label.id)
        seen_keys.add(label.key)
        labels.append(label)
    fingerprint = hashlib.sha256("\n".join(l.id for l in labels).encode()).hexdigest()[:16]
    return Taxonomy(
        name=_text(path, "'name'", document.get("name", path.stem)),
        version=_version(path, document.get("version", 1)),
        labels=tuple(labels),
        fingerprint=fingerprint,
    )
