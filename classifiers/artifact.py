"""A model folder's artifact read and checked before anything is unpickled: its card, its bytes, their sha256, and
whether this user trusts them. Light (no scikit-learn, numpy or joblib), so that a process which only sends a model
elsewhere (``moderator scan --dask`` ships the checked bytes to the cluster's workers) need not import them; the
checks that need the libraries, and the unpickling, are in classifiers/persist.py."""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifiers.card import MODEL_FILE, _shown, read_card
from classifiers.trust import BUNDLED_MODEL_DIR, BUNDLED_MODEL_SHA256, is_trusted, read_regular_file
from moderation_core.errors import ModelError
from moderation_core.taxonomy import Taxonomy

DEFAULT_MODEL_DIR = BUNDLED_MODEL_DIR  # package data, wherever the package is installed (wheel, pipx or checkout)
# The bundled model file is 2.7 MB: the limit is far above any real model and only stops a runaway file from
# being read into memory.
MAX_MODEL_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ModelFile:
    """A model folder's card and artifact, checked against each other but not yet trusted nor unpickled."""

    folder: Path
    card: dict[str, Any]
    artifact: Path  # symlinks resolved
    sha256: str
    data: bytes = field(repr=False)

    @property
    def bundled(self) -> bool:
        return self.folder.resolve() == DEFAULT_MODEL_DIR.resolve()


def inspect_model(folder: str | Path) -> ModelFile:
    """The card and the artifact's bytes of ``folder``, after the checks that need no trust: the card's shape,
    the artifact being a regular file inside the folder, and its sha256 matching the card."""
    folder = Path(folder)
    card = read_card(folder)
    named = folder / card["artifact"].get("file", MODEL_FILE)
    # Resolved first (the folder itself may be a link): a model.joblib that links elsewhere is not inside it.
    artifact = named.resolve()
    if artifact.parent != folder.resolve():
        raise ModelError(f"{named}: the artifact must be a file inside the model folder (not a link out of it)")
    try:
        data = read_regular_file(artifact, MAX_MODEL_BYTES, "model file")
    except FileNotFoundError:
        raise ModelError(f"{named}: model file missing") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != card["artifact"]["sha256"]:
        raise ModelError(
            f"{named}: sha256 {digest[:12]}… does not match the model card ({card['artifact']['sha256'][:12]}…); "
            "the file was altered or belongs to another model, so it is not loaded"
        )
    return ModelFile(folder, card, artifact, digest, data)


def require_trusted(model: ModelFile) -> None:
    """Refuse a model file whose sha256 neither the code nor the user's trust store vouches for."""
    if model.bundled:
        if model.sha256 != BUNDLED_MODEL_SHA256:
            raise ModelError(
                f"{model.folder}: the bundled model file (sha256 {model.sha256[:12]}…) is not the one this version of "
                f"moderator ships ({BUNDLED_MODEL_SHA256[:12]}…); reinstall moderator, or after retraining the bundled "
                f"model set BUNDLED_MODEL_SHA256 in classifiers/trust.py to {model.sha256}"
            )
        return
    if not is_trusted(model.sha256):
        raise ModelError(
            f"{_shown(model.folder, 200)}: this model was not trained by this installation and is not trusted; "
            f"inspect it and run 'moderator models trust {_shown(shlex.quote(str(model.folder)), 200)}'"
        )


def require_taxonomy(model: ModelFile, taxonomy: Taxonomy | None) -> None:
    """Refuse a model trained on other labels than the taxonomy in use."""
    if taxonomy is not None:
        trained = model.card["taxonomy"]["labels"]
        if trained != list(taxonomy.ids):
            raise ModelError(
                f"{model.folder}: the model was trained on another taxonomy (labels {_shown(', '.join(trained))}); "
                "retrain it with 'moderator train'"
            )


__all__ = ["DEFAULT_MODEL_DIR", "MAX_MODEL_BYTES", "ModelFile", "inspect_model", "require_taxonomy", "require_trusted"]
