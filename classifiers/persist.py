"""Saving and loading models with their model card.

Loading a joblib file runs code, so a model is loaded only when the sha256 of its file matches the one in its
card, the card's taxonomy is the taxonomy in use, and the libraries it was built with are the installed ones
(scikit-learn's pickles are only promised to work within a release series).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import joblib
import numpy
import scipy
import sklearn
import yaml

from classifiers.errors import ModelError
from classifiers.model import GuidelineClassifier
from classifiers.taxonomy import Taxonomy
from moderator.yamlsafe import YAMLProblem, load_one

# The bundled model ships as package data, found where the package is installed (wheel, pipx or checkout).
DEFAULT_MODEL_DIR = Path(str(files("classifiers").joinpath("default_model")))
MODEL_FILE = "model.joblib"
CARD_FILE = "model-card.yaml"
CARD_FORMAT = "moderator-model-card/1"


def library_versions() -> dict[str, str]:
    return {
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_model(model: GuidelineClassifier, folder: str | Path, card: dict[str, Any]) -> dict[str, Any]:
    """Write ``model.joblib`` and ``model-card.yaml`` into ``folder``; returns the card as written."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".model.", suffix=".joblib")
        os.close(handle)
        try:
            joblib.dump(model, temporary, compress=3)
            digest = sha256_of(Path(temporary))
            os.replace(temporary, folder / MODEL_FILE)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        card = {
            "format": CARD_FORMAT,
            **card,
            "artifact": {"file": MODEL_FILE, "sha256": digest, "bytes": (folder / MODEL_FILE).stat().st_size},
            "libraries": library_versions(),
        }
        text = yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=100)
        _atomic_write(folder / CARD_FILE, text.encode("utf-8"))
    except OSError as error:
        raise ModelError(f"{folder}: cannot write the model ({error.strerror or error})") from None
    return card


def read_card(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / CARD_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError(f"{path}: no model card (is {folder} a model folder? train one with 'moderator train')") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ModelError(f"{path}: cannot read the model card ({error})") from None
    try:
        card = load_one(text)
    except YAMLProblem as problem:
        raise ModelError(f"{path}: {problem.problem}") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise ModelError(f"{path}: not a moderator model card (expected format: {CARD_FORMAT})")
    artifact = card.get("artifact")
    if not isinstance(artifact, dict) or not isinstance(artifact.get("sha256"), str):
        raise ModelError(f"{path}: the model card has no artifact sha256")
    return card


def load_model(folder: str | Path, taxonomy: Taxonomy | None = None) -> tuple[GuidelineClassifier, dict[str, Any]]:
    """The model in ``folder`` and its card, after every check of the module docstring."""
    folder = Path(folder)
    card = read_card(folder)
    artifact = folder / str(card["artifact"].get("file", MODEL_FILE))
    # Resolved first: a symlink named model.joblib that points elsewhere is not a file inside the folder.
    if artifact.resolve().parent != folder.resolve():
        raise ModelError(f"{artifact}: the artifact must be a file inside the model folder (not a link out of it)")
    if not artifact.is_file():
        raise ModelError(f"{artifact}: model file missing")
    digest = sha256_of(artifact)
    if digest != card["artifact"]["sha256"]:
        raise ModelError(
            f"{artifact}: sha256 {digest[:12]}… does not match the model card ({card['artifact']['sha256'][:12]}…); "
            "the file was altered or belongs to another model, so it is not loaded"
        )
    if taxonomy is not None:
        trained = card.get("taxonomy", {}).get("labels", [])
        if list(trained) != list(taxonomy.ids):
            raise ModelError(
                f"{folder}: the model was trained on another taxonomy (labels {', '.join(map(str, trained))}); "
                "retrain it with 'moderator train'"
            )
    built = card.get("libraries", {})
    installed = library_versions()
    for name in ("scikit-learn", "numpy"):
        if _series(str(built.get(name, ""))) != _series(installed[name]):
            raise ModelError(
                f"{folder}: the model was built with {name} {built.get(name)}, this is {name} {installed[name]}; "
                f"retrain it with 'moderator train -o {folder}' (or install {name} {built.get(name)})"
            )
    began = time.perf_counter()
    try:
        model = joblib.load(artifact)
    except Exception as error:  # a checked file that still fails to unpickle: say so, never a traceback
        raise ModelError(f"{artifact}: cannot load the model ({type(error).__name__}: {error})") from None
    if not isinstance(model, GuidelineClassifier):
        raise ModelError(f"{artifact}: not a moderator guideline classifier")
    model.load_seconds_ = time.perf_counter() - began
    return model, card
