"""Model versions: the trained models of this installation, each kept under its id, and the one in use.

The store is a folder (by default ``models`` in the per-user data folder, beside the decision log). Each version
is a folder named by its id, ``<model name>@<first 12 hex digits of the model file's sha256>`` (the id every
decision records, as ``Scorer.model_id`` computes it), holding ``model.joblib`` and ``model-card.yaml``. A small
file, ``active``, names the version in use; without it the bundled model is in use. The bundled model counts as a
version too: its id comes from its card, and it stays in the package (never copied).

Which model a command uses (:func:`model_in_use`): ``--model DIR``, then ``$MODERATOR_MODEL``, then the store's
active version, then the bundled model.

Everything here reads cards without unpickling anything and without scikit-learn (``moderator models list`` starts
quickly); only :meth:`ModelStore.add` checks a model file, through ``classifiers.persist``. A version is copied
into the store whole or not at all (written to a hidden temporary folder of the store, then renamed), and the
active file is replaced atomically.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from classifiers.card import CARD_FILE, MODEL_FILE, read_card_and_bytes
from classifiers.trust import BUNDLED_MODEL_DIR, is_trusted, read_regular_file
from moderation_core.errors import ModelError, UsageError
from moderation_core.files import write_atomically
from moderation_core.textsafe import one_line

MODEL_ENV = "MODERATOR_MODEL"
"""Environment variable naming the model folder to use (the same name as ``moderator.config.MODEL_ENV``, which
this module may not import: the scoring layer sits below the configuration)."""

ACTIVE_FILE = "active"
# The active file holds one id: far above it, only against a runaway file.
MAX_ACTIVE_BYTES = 4096
# A version's folder is named by its id, so the model's name must be a plain file name everywhere.
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_VERSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}@[0-9a-f]{12}")
_TEMPORARY_PREFIX = ".adding-"


def default_root() -> Path:
    """``models`` in the per-user data folder (``moderator.config.user_data_dir()``; computed on each call, so a
    changed ``$HOME`` or ``$XDG_DATA_HOME`` counts)."""
    return platformdirs.user_data_path("moderator") / "models"


def model_id_of(card: Mapping[str, Any]) -> str:
    """``name@sha256[:12]`` from a model card, exactly as ``moderator.scoring.Scorer.model_id`` computes it."""
    artifact = card.get("artifact", {})
    digest = artifact.get("sha256", "") if isinstance(artifact, dict) else ""
    return f"{card.get('model', 'model')}@{str(digest)[:12]}"


@dataclass(frozen=True, slots=True)
class DataSource:
    """One corpus or decision log a version was trained on, as its card states it."""

    name: str
    kind: str  # "corpus" or "log"
    examples: int | None  # labeled examples (a log: the decisions used), when the card says


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """A version of the model: its id, folder and what its card says (dates and figures are the card's)."""

    id: str
    folder: Path
    sha256: str
    trained: str
    data: tuple[DataSource, ...]
    concern_auc: float | None
    macro_f1: float | None
    bundled: bool
    active: bool
    card: dict[str, Any] = field(repr=False, compare=False)

    @property
    def trusted(self) -> bool:
        """Whether the file its card names may be loaded here (the bundled digest, or one in the trust store)."""
        return is_trusted(self.sha256)

    def data_summary(self) -> str:
        """``2 corpora, 13206 examples; 1 log, 420 decisions``: what it was trained on, in one line."""
        parts = []
        for kind, unit in (("corpus", "examples"), ("log", "decisions")):
            sources = [s for s in self.data if s.kind == kind]
            if sources:
                counted = sum(s.examples or 0 for s in sources)
                plural = {"corpus": "corpora", "log": "logs"}[kind] if len(sources) != 1 else kind
                parts.append(f"{len(sources)} {plural}, {counted} {unit}")
        return "; ".join(parts) or "(not stated)"


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One line of :meth:`ModelStore.diff`: what (section and name) and each version's value as text, ``-``
    where the card does not say."""

    section: str  # "model", "data", "threshold" or "metric"
    name: str
    a: str
    b: str

    @property
    def changed(self) -> bool:
        return self.a != self.b


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return one_line(str(value), 80)


def _label_metrics(card: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The cross-validated figures of each taxonomy label (the card's other entries, concern and review, are not
    labels)."""
    metrics = card.get("cross_validated_metrics")
    taxonomy = card.get("taxonomy")
    labels = taxonomy.get("labels") if isinstance(taxonomy, dict) else None
    if not isinstance(metrics, dict) or not isinstance(labels, list):
        return {}
    return {str(label): metrics[label] for label in labels if isinstance(metrics.get(label), dict)}


def concern_auc_of(card: Mapping[str, Any]) -> float | None:
    metrics = card.get("cross_validated_metrics")
    concern = metrics.get("concern") if isinstance(metrics, dict) else None
    return _number(concern.get("roc_auc")) if isinstance(concern, dict) else None


def macro_f1_of(card: Mapping[str, Any]) -> float | None:
    """The card's macro F1, else the mean of its labels' cross-validated F1 (None when a label has none)."""
    metrics = card.get("cross_validated_metrics")
    stated = _number(metrics.get("macro_f1")) if isinstance(metrics, dict) else None
    if stated is not None:
        return stated
    scores = [_number(figures.get("f1")) for figures in _label_metrics(card).values()]
    known = [score for score in scores if score is not None]
    return round(sum(known) / len(known), 4) if known and len(known) == len(scores) else None


def _data_sources(card: Mapping[str, Any]) -> tuple[DataSource, ...]:
    sources = []
    for entry in card.get("data") or []:
        if not isinstance(entry, dict):
            continue
        # A decision log's entry says so (kind: log, or the log's decision counts); anything else is a corpus.
        is_log = entry.get("kind") == "log" or "log" in entry or "decisions" in entry
        examples = _number(entry.get("decisions") if is_log and "decisions" in entry else entry.get("examples"))
        name = entry.get("name") or entry.get("path") or entry.get("log") or "(unnamed)"
        sources.append(
            DataSource(str(name), "log" if is_log else "corpus", None if examples is None else int(examples))
        )
    return tuple(sources)


def read_card_text(folder: Path) -> tuple[dict[str, Any], bytes]:
    """A version's card, checked as loading checks it, and the bytes it was read from."""
    return read_card_and_bytes(folder)


class ModelStore:
    """The model versions kept in ``root`` and the one in use. See the module docstring."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    @property
    def active_file(self) -> Path:
        return self.root / ACTIVE_FILE

    # -- reading -------------------------------------------------------------------------------------------------

    def _version(self, folder: Path, *, bundled: bool) -> ModelVersion:
        card, _ = read_card_text(folder)
        version_id = model_id_of(card)
        if not bundled and version_id != folder.name:
            raise ModelError(
                f"{folder}: the folder's name is not the id of its model card ({one_line(version_id, 100)}); "
                "the store names each version by its id: move it away and add it again"
            )
        trained = card.get("trained")
        return ModelVersion(
            id=version_id,
            folder=folder,
            sha256=card["artifact"]["sha256"],
            trained="" if trained is None else str(trained),
            data=_data_sources(card),
            concern_auc=concern_auc_of(card),
            macro_f1=macro_f1_of(card),
            bundled=bundled,
            active=False,
            card=card,
        )

    def chosen_id(self) -> str | None:
        """The id the active file names, or None when nothing was chosen."""
        try:
            data = read_regular_file(self.active_file, MAX_ACTIVE_BYTES, "active model file")
        except FileNotFoundError:
            return None
        try:
            text = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            text = ""
        if not _VERSION_ID.fullmatch(text):
            raise ModelError(
                f"{self.active_file}: damaged active model file (not a model id); "
                "choose the model again with 'moderator models use ID'"
            )
        return text

    def versions(self) -> list[ModelVersion]:
        """The bundled model, then the store's versions oldest first (by their cards' dates), each with its
        ``active`` flag. A folder of the store not named like a version (``latest``, a temporary one) is skipped;
        one named like a version whose card is unreadable or names another id is a ModelError naming it."""
        chosen = self.chosen_id()
        found = [self._version(BUNDLED_MODEL_DIR, bundled=True)]
        stored = []
        if self.root.is_dir():
            for folder in sorted(self.root.iterdir()):
                if folder.is_dir() and _VERSION_ID.fullmatch(folder.name):
                    stored.append(self._version(folder, bundled=False))
        found += sorted(stored, key=lambda version: (version.trained, version.id))
        # A chosen version that is gone leaves none in use: scoring then refuses to run (see active()).
        in_use = chosen or found[0].id
        return [_with_active(version, version.id == in_use) for version in found]

    def _known(self, versions: Sequence[ModelVersion]) -> str:
        return ", ".join(one_line(version.id, 100) for version in versions)

    def get(self, version_id: str) -> ModelVersion:
        """The version ``version_id``; an unknown id is a UsageError naming the known ones."""
        versions = self.versions()
        for version in versions:
            if version.id == version_id:
                return version
        raise UsageError(
            f"{one_line(version_id, 100)}: no such model version (known: {self._known(versions)}); "
            "see 'moderator models list'"
        )

    def active(self) -> ModelVersion | None:
        """The version chosen with :meth:`use`, or None when none was (the bundled model is then in use).

        Reads only the active file and that version's card. A chosen version that is gone is a ModelError: using
        another model silently would be a wrong result."""
        chosen = self.chosen_id()
        if chosen is None:
            return None
        bundled = self._version(BUNDLED_MODEL_DIR, bundled=True)
        if bundled.id == chosen:
            return _with_active(bundled, True)
        folder = self.root / chosen
        if not (folder / CARD_FILE).exists():
            raise ModelError(
                f"{self.active_file}: the model in use, {chosen}, is not in {self.root} any more; "
                "choose another with 'moderator models use ID' (see 'moderator models list')"
            )
        return _with_active(self._version(folder, bundled=False), True)

    # -- changing --------------------------------------------------------------------------------------------------

    def use(self, version_id: str) -> ModelVersion:
        """Make ``version_id`` the version in use (written atomically to the active file). Choosing the bundled
        model removes the active file instead: "nothing chosen" follows the bundled model of a new release, whose
        id differs."""
        version = self.get(version_id)
        if not version.trusted:
            raise UsageError(
                f"{one_line(version_id, 100)}: its model file is not trusted here (sha256 {version.sha256[:12]}…); "
                f"inspect it and run 'moderator models trust {version.folder}' first"
            )
        try:
            if version.bundled:
                self.active_file.unlink(missing_ok=True)
            else:
                self.root.mkdir(parents=True, exist_ok=True)
                write_atomically(self.active_file, (version.id + "\n").encode("utf-8"))
        except OSError as error:
            raise ModelError(f"{self.active_file}: cannot write the model in use ({error.strerror or error})") from None
        return _with_active(version, True)

    def add(self, folder: str | Path) -> ModelVersion:
        """Copy the trained model in ``folder`` into the store under its id; the version (not made active).

        Refused (ModelError): a card that is not a model card, a model file whose sha256 differs from its card, and a
        file this installation neither trained nor trusted. Adding a version that is already there, or the bundled
        model, changes nothing."""
        from classifiers.persist import inspect_model, require_trusted  # reads the model file: scikit-learn's home

        checked = inspect_model(folder)  # the card's shape, the file inside the folder, its sha256 = the card's
        require_trusted(checked)
        if checked.bundled:
            return self._version(BUNDLED_MODEL_DIR, bundled=True)
        version_id = model_id_of(checked.card)
        name = str(checked.card.get("model", "model"))
        if not _MODEL_NAME.fullmatch(name):
            raise ModelError(
                f"{Path(folder) / CARD_FILE}: the model name {one_line(name, 60)!r} cannot name a folder "
                "(letters, digits, '.', '_' and '-', at most 80)"
            )
        target = self.root / version_id
        if not target.exists():
            self._copy_in(checked.folder, checked.data, target)
        version = self._version(target, bundled=False)
        if version.sha256 != checked.sha256:
            raise ModelError(f"{target}: already holds another model under this id; move it away and add again")
        return version

    def _copy_in(self, source: Path, model_bytes: bytes, target: Path) -> None:
        """Write the card and the checked model bytes (not the file again: it may have changed since) to a
        temporary folder of the store, then rename it to ``target``: the version appears whole or not at all."""
        card, card_bytes = read_card_text(source)
        if card["artifact"]["sha256"] != hashlib.sha256(model_bytes).hexdigest():
            raise ModelError(
                f"{source / CARD_FILE}: the model card changed while the model was being added; add it again"
            )
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            temporary = Path(tempfile.mkdtemp(dir=self.root, prefix=_TEMPORARY_PREFIX))
        except OSError as error:
            raise ModelError(f"{self.root}: cannot write the model store ({error.strerror or error})") from None
        try:
            for name, data in ((MODEL_FILE, model_bytes), (CARD_FILE, card_bytes)):
                with open(temporary / name, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
            temporary.chmod(0o755)  # mkdtemp makes it private; the data folder's other versions are not
            os.rename(temporary, target)
        except OSError as error:
            shutil.rmtree(temporary, ignore_errors=True)
            if target.is_dir():  # another process added the same version meanwhile: theirs is as good
                return
            raise ModelError(f"{target}: cannot add the model version ({error.strerror or error})") from None
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise

    # -- comparing -------------------------------------------------------------------------------------------------

    def diff(self, a: str, b: str) -> list[DiffRow]:
        """Versions ``a`` and ``b`` side by side: their data, thresholds per label, and per-label cross-validated
        figures (then concern AUC and macro F1). Unknown ids are a UsageError naming the known ones."""
        first, second = self.get(a), self.get(b)
        rows = [
            DiffRow("model", "id", first.id, second.id),
            DiffRow("model", "trained", _shown(first.trained or None), _shown(second.trained or None)),
        ]
        rows += _data_rows(first, second)
        rows += _threshold_rows(first.card, second.card)
        rows += _metric_rows(first.card, second.card)
        return rows


def _with_active(version: ModelVersion, active: bool) -> ModelVersion:
    return ModelVersion(
        version.id,
        version.folder,
        version.sha256,
        version.trained,
        version.data,
        version.concern_auc,
        version.macro_f1,
        version.bundled,
        active,
        version.card,
    )


def _data_rows(first: ModelVersion, second: ModelVersion) -> list[DiffRow]:
    def counts(version: ModelVersion) -> dict[tuple[str, str], int | None]:
        return {(source.kind, source.name): source.examples for source in version.data}

    mine, theirs = counts(first), counts(second)
    names = list(mine) + [name for name in theirs if name not in mine]

    def shown(found: dict[tuple[str, str], int | None], key: tuple[str, str]) -> str:
        if key not in found:
            return "-"
        return "(used)" if found[key] is None else str(found[key])

    return [
        DiffRow("data", f"{kind} {one_line(name, 60)}", shown(mine, (kind, name)), shown(theirs, (kind, name)))
        for kind, name in names
    ]


def _labels(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[str]:
    labels: list[str] = []
    for card in (first, second):
        taxonomy = card.get("taxonomy")
        for label in taxonomy.get("labels", []) if isinstance(taxonomy, dict) else []:
            if str(label) not in labels:
                labels.append(str(label))
    return labels


def _threshold_rows(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[DiffRow]:
    def threshold(card: Mapping[str, Any], label: str) -> str:
        thresholds = card.get("thresholds")
        return _shown(_number(thresholds.get(label)) if isinstance(thresholds, dict) else None)

    rows = [
        DiffRow("threshold", label, threshold(first, label), threshold(second, label))
        for label in _labels(first, second)
    ]
    rows.append(
        DiffRow(
            "threshold",
            "review (concern)",
            _shown(_number(first.get("review_threshold"))),
            _shown(_number(second.get("review_threshold"))),
        )
    )
    return rows


_LABEL_FIGURES = ("precision", "recall", "f1", "roc_auc")


def _metric_rows(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[DiffRow]:
    mine, theirs = _label_metrics(first), _label_metrics(second)
    rows = []
    for label in _labels(first, second):
        for figure in _LABEL_FIGURES:
            rows.append(
                DiffRow(
                    "metric",
                    f"{label} {figure}",
                    _shown(_number(mine.get(label, {}).get(figure))),
                    _shown(_number(theirs.get(label, {}).get(figure))),
                )
            )
    rows.append(DiffRow("metric", "concern roc_auc", _shown(concern_auc_of(first)), _shown(concern_auc_of(second))))
    rows.append(DiffRow("metric", "macro f1", _shown(macro_f1_of(first)), _shown(macro_f1_of(second))))
    return rows


def model_in_use(named: str | Path | None = None, store: ModelStore | None = None) -> Path:
    """The model folder a command uses: ``named`` (``--model``), then ``$MODERATOR_MODEL`` (when not empty), then
    the store's active version (``moderator models use``), then the bundled model."""
    if named:
        return Path(named)
    from_environment = os.environ.get(MODEL_ENV)
    if from_environment:
        return Path(from_environment)
    active = (store or ModelStore()).active()
    return active.folder if active is not None else BUNDLED_MODEL_DIR
