"""Saving and loading models with their model card.

Loading a joblib file runs whatever code its author put in it, and the card beside the file cannot vouch for it
(whoever can write one can write both). So a model is unpickled only when:

* the sha256 of its file is trusted by something the model folder cannot write (classifiers/trust.py): the
  bundled model's digest is pinned in the code, and any other must be in the per-user trust store, because this
  installation trained it or the user trusted it with ``moderator models trust DIR``;
* the file is the one its card describes (same sha256), inside the model folder (symlinks resolved first);
* the card's taxonomy is the taxonomy in use, and the libraries it was built with are the installed ones
  (scikit-learn's pickles are only promised to work within a release series).

The bytes checked are the bytes unpickled (read once, into memory), so the file cannot be swapped in between.
Every field of the card that is used is checked for its type first: a hostile card is a one-line error.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import joblib
import numpy
import scipy
import sklearn
import yaml

from classifiers.artifact import (  # re-exported: the names loading and its callers have always used
    DEFAULT_MODEL_DIR,
    MAX_MODEL_BYTES,
    ModelFile,
    inspect_model,
    require_taxonomy,
    require_trusted,
)
from classifiers.card import (  # re-exported: the names loading and its callers have always used
    CARD_FILE,
    CARD_FORMAT,
    MODEL_FILE,
    _shown,
    read_card,
)
from classifiers.model import GuidelineClassifier
from moderation_core.errors import ModelError
from moderation_core.files import write_atomically
from moderation_core.taxonomy import Taxonomy


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
        write_atomically(folder / CARD_FILE, text.encode("utf-8"))
    except OSError as error:
        raise ModelError(f"{folder}: cannot write the model ({error.strerror or error})") from None
    return card


def _require_compatible(model: ModelFile, taxonomy: Taxonomy | None) -> None:
    require_taxonomy(model, taxonomy)
    built = model.card["libraries"]
    installed = library_versions()
    for name in ("scikit-learn", "numpy"):
        if _series(str(built.get(name, ""))) != _series(installed[name]):
            version = _shown(built.get(name), 30)
            raise ModelError(
                f"{model.folder}: the model was built with {name} {version}, this is {name} {installed[name]}; "
                f"retrain it with 'moderator train -o {model.folder}' (or install {name} {version})"
            )


def load_model(folder: str | Path, taxonomy: Taxonomy | None = None) -> tuple[GuidelineClassifier, dict[str, Any]]:
    """The model in ``folder`` and its card, after every check of the module docstring."""
    model_file = inspect_model(folder)
    require_trusted(model_file)
    return unpickle_checked(model_file, taxonomy), model_file.card


def unpickle_checked(model_file: ModelFile, taxonomy: Taxonomy | None = None) -> GuidelineClassifier:
    """The model of a file already inspected and trusted (``load_model``, or the process that sent it here), after
    checking it against this process's taxonomy and libraries: a Dask worker with another scikit-learn refuses it."""
    _require_compatible(model_file, taxonomy)
    try:
        model = joblib.load(io.BytesIO(model_file.data))  # exactly the bytes whose sha256 was checked
    except Exception as error:  # a trusted file that still fails to unpickle: say so, never a traceback
        raise ModelError(
            f"{model_file.artifact}: cannot load the model ({type(error).__name__}: {_shown(error, 200)})"
        ) from None
    if not isinstance(model, GuidelineClassifier):
        raise ModelError(f"{model_file.artifact}: not a moderator guideline classifier")
    return model


__all__ = [
    "CARD_FILE",
    "CARD_FORMAT",
    "DEFAULT_MODEL_DIR",
    "MAX_MODEL_BYTES",
    "MODEL_FILE",
    "ModelFile",
    "inspect_model",
    "library_versions",
    "load_model",
    "read_card",
    "require_trusted",
    "save_model",
    "sha256_of",
    "unpickle_checked",
]
