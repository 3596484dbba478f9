"""A model card read and checked: light enough (no scikit-learn, numpy or joblib) for the commands that only list
or compare models, and the one reading that loading a model uses too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

from classifiers.trust import is_sha256, read_regular_file
from moderation_core.errors import ModelError
from moderation_core.yamlsafe import YAMLProblem, load_one

MODEL_FILE = "model.joblib"
CARD_FILE = "model-card.yaml"
CARD_FORMAT = "moderator-model-card/1"
# A card is a few kilobytes: the limit is far above any real card and only stops a runaway file from being read
# into memory.
MAX_CARD_BYTES = 1024 * 1024


def _shown(value: object, width: int = 60) -> str:
    """A card's value inside a one-line message: unprintable characters (newlines, escapes, bidi controls)
    escaped, cut to ``width``. The card is data from whoever wrote the folder."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(value))
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_versions(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(name, str) and isinstance(version, (str, int, float)) for name, version in value.items()
    )


def _kind(value: object) -> str:
    kinds = {
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true or false",
        type(None): "empty",
    }
    return kinds.get(type(value), f"a {type(value).__name__}")


def _card_problem(card: object) -> str | None:
    """What makes ``card`` unusable, or None: the type of every field that loading or ``models trust`` reads."""
    if not isinstance(card, dict):
        return f"not a moderator model card (the YAML is {_kind(card)}, not a mapping)"
    if card.get("format") != CARD_FORMAT:
        return f"not a moderator model card (expected format: {CARD_FORMAT})"
    artifact = card.get("artifact")
    if not isinstance(artifact, dict) or "sha256" not in artifact:
        return "the model card has no artifact sha256"
    if not isinstance(artifact["sha256"], str) or not is_sha256(artifact["sha256"]):
        return "the model card's artifact sha256 is not 64 lowercase hex digits"
    name = artifact.get("file", MODEL_FILE)
    if not isinstance(name, str) or not name or "\x00" in name:
        return "the model card's artifact file is not a file name"
    taxonomy = card.get("taxonomy")
    if not isinstance(taxonomy, dict) or not _is_text_list(taxonomy.get("labels")):
        return "the model card's taxonomy is not a mapping with a list of labels"
    if not _is_versions(card.get("libraries")):
        return "the model card's libraries are not a mapping of names to versions"
    expected: dict[str, tuple[tuple[type, ...], str]] = {
        "model": ((str,), "text"),
        "trained": ((str, dt.date), "a date"),
        "data": ((list,), "a list"),
    }
    for key, (kinds, wanted) in expected.items():
        if key in card and not isinstance(card[key], kinds):
            return f"the model card's {key} is {_kind(card[key])}, not {wanted}"
    if not all(isinstance(source, dict) for source in card.get("data", [])):
        return "the model card's data is not a list of mappings"
    return None


def read_card(folder: str | Path) -> dict[str, Any]:
    """The checked model card of ``folder`` (a one-line ModelError naming the card otherwise)."""
    return read_card_and_bytes(folder)[0]


def read_card_and_bytes(folder: str | Path) -> tuple[dict[str, Any], bytes]:
    """The checked model card of ``folder`` and the bytes it was read from (to copy exactly what was checked)."""
    path = Path(folder) / CARD_FILE
    try:
        data = read_regular_file(path, MAX_CARD_BYTES, "model card")
    except FileNotFoundError:
        raise ModelError(
            f"{path}: no model card (is {folder} a model folder? train one with 'moderator train')"
        ) from None
    try:
        card = load_one(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ModelError(f"{path}: cannot read the model card (not UTF-8 at byte {error.start})") from None
    except YAMLProblem as refused:
        where = f"line {refused.line}: " if refused.line else ""
        raise ModelError(f"{path}: {where}{_shown(refused.problem, 200)}") from None
    except (ValueError, RecursionError) as error:  # Python refuses to convert an integer of over 4,300 digits
        raise ModelError(
            f"{path}: unreadable value in the model card ({_shown(str(error).split(';')[0], 100)})"
        ) from None
    problem = _card_problem(card)
    if problem is not None:
        raise ModelError(f"{path}: {problem}")
    return cast("dict[str, Any]", card), data  # _card_problem found it a mapping of the card's fields
