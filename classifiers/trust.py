"""Which model files this installation may unpickle.

Unpickling a model file runs whatever code its author put in it, and a model card cannot vouch for the file
beside it: whoever can write one can write both. So the trust decision comes from somewhere the model folder
cannot reach:

* the bundled model's sha256 is pinned here, in the code (``BUNDLED_MODEL_SHA256``);
* every other trusted sha256 is in the per-user trust store, ``trusted-models.yaml`` in the per-user config
  folder: models this installation trained (``moderator train`` registers each one it writes) and models the user
  inspected and trusted with ``moderator models trust DIR``.

The store is YAML read with the safe loader, written atomically under a lock, and a damaged store is a one-line
ModelError naming the file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from importlib.resources import files
from pathlib import Path

import platformdirs
import yaml

from moderation_core.errors import ModelError
from moderation_core.files import write_atomically
from moderation_core.yamlsafe import YAMLProblem, load_one  # the safe loader persist.py already reads cards with

# The bundled model ships as package data, found where the package is installed (wheel, pipx or checkout).
BUNDLED_MODEL_DIR = Path(str(files("classifiers").joinpath("default_model")))
# sha256 of classifiers/default_model/model.joblib. A retrained bundled model loads only once this is updated
# (tests/test_model_trust.py fails until then): the digest must come from the code, not from the card beside it.
BUNDLED_MODEL_SHA256 = "8cc4ba2f1fe194ce89b31faf78d58f6abda8751bb27a9a2997b1358563fb9579"

STORE_FILE = "trusted-models.yaml"
STORE_FORMAT = "moderator-trusted-models/1"
SOURCES = ("trained", "trusted")
# A store holds a few hundred bytes per model; far beyond any real one, and it stops a runaway file being read.
MAX_STORE_BYTES = 16 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class TrustedModel:
    """One trusted digest: where it came from (trained here, or trusted by the user), the folder and when."""

    sha256: str
    source: str
    path: str
    model: str
    added: str


def store_path() -> Path:
    """The trust store (computed on each call, so a changed ``$HOME`` or ``$XDG_CONFIG_HOME`` counts)."""
    return platformdirs.user_config_path("moderator") / STORE_FILE


def is_sha256(text: str) -> bool:
    return bool(_SHA256.fullmatch(text))


def read_regular_file(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, refusing anything but a regular file (a FIFO would block the reader forever) and
    files over ``limit`` bytes. Raises FileNotFoundError for a missing file, ModelError for the rest."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise ModelError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ModelError(f"{path}: the {what} is not a regular file")
        if info.st_size > limit:
            raise ModelError(f"{path}: the {what} is {info.st_size} bytes, more than the {limit} a {what} may have")
        # Read what the file says it holds, plus one byte to notice growth: reading ``limit + 1`` would reserve the
        # whole limit (1 GiB for a model) up front, whatever the file's size.
        data = file.read(info.st_size + 1)
    if len(data) > limit:
        raise ModelError(f"{path}: the {what} is more than the {limit} bytes a {what} may have")
    return data


def _damaged(path: Path, problem: str) -> ModelError:
    problem = " ".join(problem.split())
    return ModelError(
        f"{path}: damaged trust store ({problem}); repair or delete it, then trust your models again "
        "with 'moderator models trust DIR'"
    )


def _entry(path: Path, number: int, item: object) -> TrustedModel:
    if not isinstance(item, dict):
        raise _damaged(path, f"model {number} is not a mapping")
    values = {field.name: item.get(field.name) for field in fields(TrustedModel)}
    text = {name: value for name, value in values.items() if isinstance(value, str)}
    wrong = [name for name in values if name not in text]
    if wrong:
        raise _damaged(path, f"model {number}: {', '.join(wrong)} missing or not text")
    entry = TrustedModel(**text)
    if not is_sha256(entry.sha256):
        raise _damaged(path, f"model {number}: sha256 is not 64 lowercase hex digits")
    if entry.source not in SOURCES:
        raise _damaged(path, f"model {number}: source is not one of {', '.join(SOURCES)}")
    return entry


def _parse(path: Path, data: bytes) -> list[TrustedModel]:
    try:
        document = load_one(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise _damaged(path, f"not UTF-8 at byte {error.start}") from None
    except YAMLProblem as problem:
        where = f"line {problem.line}: " if problem.line else ""
        raise _damaged(path, where + problem.problem) from None
    except (ValueError, RecursionError) as error:  # e.g. an integer of more than 4,300 digits
        raise _damaged(path, f"unreadable value ({str(error).split(';')[0]})") from None
    if document is None:
        return []
    if not isinstance(document, dict) or document.get("format") != STORE_FORMAT:
        raise _damaged(path, f"not a trust store (expected format: {STORE_FORMAT})")
    models = document.get("models") or []
    if not isinstance(models, list):
        raise _damaged(path, "models is not a list")
    return [_entry(path, number, item) for number, item in enumerate(models, start=1)]


def read_store(path: Path | None = None) -> list[TrustedModel]:
    """The trusted models of the store (none when it does not exist yet)."""
    path = path or store_path()
    try:
        data = read_regular_file(path, MAX_STORE_BYTES, "trust store")
    except FileNotFoundError:
        return []
    except ModelError as error:
        raise _damaged(path, error.message.removeprefix(f"{path}: ")) from None
    return _parse(path, data)


def _write_store(path: Path, entries: list[TrustedModel]) -> None:
    document = {"format": STORE_FORMAT, "models": [asdict(entry) for entry in entries]}
    text = "# Models moderator may load (sha256 of model.joblib); edit with 'moderator models trust|untrust'.\n"
    text += yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    write_atomically(path, text.encode("utf-8"))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the store's lock file, so two ``moderator train`` runs finishing together both get registered."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; the atomic replace still keeps the file whole
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def is_trusted(digest: str) -> bool:
    """Whether the model file of sha256 ``digest`` may be unpickled: the bundled model's, or one in the store."""
    return digest == BUNDLED_MODEL_SHA256 or any(entry.sha256 == digest for entry in read_store())


def add(digest: str, *, source: str, folder: str | Path, model: str) -> bool:
    """Trust ``digest`` (True), or leave the store as it is when it already does (False)."""
    if not is_sha256(digest) or source not in SOURCES:
        raise ValueError(f"not a sha256 or a trust source: {digest!r}, {source!r}")
    path = store_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            entries = read_store(path)
            if digest == BUNDLED_MODEL_SHA256 or any(entry.sha256 == digest for entry in entries):
                return False
            added = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            entries.append(TrustedModel(digest, source, str(Path(folder).resolve()), model, added))
            _write_store(path, entries)
    except OSError as error:
        raise ModelError(f"{path}: cannot write the trust store ({error.strerror or error})") from None
    return True


def remove(digests: set[str]) -> list[TrustedModel]:
    """Stop trusting ``digests``; the entries removed (none when the store held none of them)."""
    path = store_path()
    if not path.exists():
        return []
    try:
        with _locked(path):
            entries = read_store(path)
            kept = [entry for entry in entries if entry.sha256 not in digests]
            if len(kept) != len(entries):
                _write_store(path, kept)
    except OSError as error:
        raise ModelError(f"{path}: cannot write the trust store ({error.strerror or error})") from None
    return [entry for entry in entries if entry.sha256 in digests]
