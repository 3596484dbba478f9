"""Retraining from decision logs behind the comparison gate: one procedure for ``moderator train --log`` and for the
review screen's retrain command, in two steps so that a person can look at the gate's table in between.

1. :func:`train_candidate` reads the logs (a torn or newer log raises LogError before anything is trained), plans
   the gate (:func:`plan_gate`: which logged threads are held back), trains the candidate into ``output`` and
   judges it against the model in use (:class:`Candidate`, with the gate's result and its table).
2. :meth:`Candidate.settle` records the verdict in the candidate's card and decides where it goes: added to the
   model versions and put in use, or kept (a version, or only its folder) and not put in use.

The command settles at once (``--force`` or the verdict decides); the review screen settles after the moderator has
seen the table and confirmed. Nothing here prints: progress goes to the callbacks the caller passes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation_core.errors import ModelError
from moderator.gate import GateResult, gate_table

if TYPE_CHECKING:
    from classifiers.data import Example
    from moderation_core.taxonomy import Taxonomy
    from moderator.log.training import LoggedData

Say = Callable[[str], None]
Step = Callable[[int, int, str], None]


def _silent(message: str) -> None:
    return None


@dataclass(slots=True)
class GatePlan:
    """What the gate will judge on, decided before training: the logged examples to train on, the held-back ones
    (empty when too few: the gate then uses cross-validation), and what to say and record about it."""

    training: LoggedData
    held_back: list[Example]
    data: dict[str, Any]
    line: str
    shortage: str | None


def plan_gate(logged: LoggedData, label_ids: Sequence[str]) -> GatePlan:
    from moderator.gate import too_few
    from moderator.log.training import HELD_BACK_SHARE, split_by_thread

    split = split_by_thread(logged, label_ids)
    shortage = too_few(split.held_back, label_ids)
    if shortage is None:
        held: dict[str, Any] = {
            "held_back_comments": len(split.held_back),
            "held_back_threads": split.held_back_threads,
            "logged_threads": split.threads,
            "held_back_share": HELD_BACK_SHARE,
            "logged_comments_trained_on": len(split.training.examples),
        }
        return GatePlan(split.training, split.held_back, held, split.line(), None)
    # Too few to judge on: holding them back would only take them from training. Every logged comment is trained
    # on, and the gate compares the cards' cross-validated figures.
    data: dict[str, Any] = {
        "held_back_comments": 0,
        "why_not": shortage,
        "logged_comments_trained_on": len(logged.examples),
    }
    line = (
        f"comparison gate: {shortage}; nothing is held back, and the gate compares the models' "
        "cross-validated figures instead"
    )
    return GatePlan(logged, [], data, line, shortage)


@dataclass(frozen=True, slots=True)
class Settlement:
    """Where a settled candidate went: ``version_id`` when it was added to the model versions, ``activated`` when it
    was put in use; ``lines`` say so in words."""

    activated: bool
    version_id: str | None
    lines: tuple[str, ...]
    folder: Path | None = None  # the version's folder in the store, when it was added


@dataclass(slots=True)
class Candidate:
    """A model trained from logs and judged by the gate, not yet settled."""

    output: Path
    card: dict[str, Any]
    result: GateResult
    old_id: str
    new_id: str
    # True when ``output`` is the bundled model's own folder: never a model version, never put in use.
    bundled: bool

    @property
    def table(self) -> str:
        return gate_table(self.result, self.old_id, self.new_id)

    def settle(self, *, activate: bool, forced: bool = False, keep_as_version: bool = True) -> Settlement:
        """Record the verdict in the card, then put the candidate in use (``activate``, refused for the bundled
        folder), or keep it: as a model version when ``keep_as_version``, else in its folder alone."""
        from moderator.gate import record_in_card
        from moderator.modelstore import MODEL_ENV, ModelStore

        activate = activate and not self.bundled
        record_in_card(self.output, self.result.card(forced=forced, activated=activate, old_id=self.old_id))
        store = ModelStore()
        if self.bundled:
            return Settlement(False, None, ("the bundled model's folder is not a model version: not put in use",))
        if activate:
            version = store.use(store.add(self.output).id)
            lines = [f"model version {version.id} is now in use{'' if self.result.passed else ' (--force)'}"]
            if os.environ.get(MODEL_ENV):
                lines.append(f"${MODEL_ENV} is set: commands use the model it names until it is unset")
            return Settlement(True, version.id, tuple(lines), version.folder)
        if keep_as_version:
            version = store.add(self.output)
            return Settlement(
                False, version.id, (f"kept as model version {version.id}, not put in use",), version.folder
            )
        return Settlement(False, None, (f"the new model stays in {self.output}, not put in use",))


def train_candidate(
    logs: Sequence[str],
    taxonomy: Taxonomy,
    output: str | Path,
    *,
    corpora: Sequence[str] = (),
    precision_target: float = 0.7,
    compare_with: str | Path | None = None,
    say: Say = _silent,
    step: Step | None = None,
) -> Candidate:
    """Train on the starter corpus, ``corpora`` and the effective decisions of ``logs`` into ``output``, and judge
    the result against the model in ``compare_with`` (default: the model in use, as ``load_scorer`` finds it).
    Raises LogError for a log that cannot be used and the training errors of :func:`classifiers.training.train`."""
    from classifiers.training import train
    from classifiers.trust import BUNDLED_MODEL_DIR
    from moderator.log.training import logged_examples
    from moderator.modelstore import model_id_of

    logged = logged_examples(logs, taxonomy.ids)
    for line in logged.lines():
        say(line)
    plan = plan_gate(logged, taxonomy.ids)
    say(plan.line)
    card = train(
        corpora,
        taxonomy,
        output,
        precision_target=precision_target,
        progress=say,
        extra=plan.training.extra(),
        step=step,
    )
    result, old_id = _judge(Path(output), card, plan, taxonomy, compare_with)
    bundled = Path(output).resolve() == BUNDLED_MODEL_DIR.resolve()
    return Candidate(Path(output), card, result, old_id, model_id_of(card), bundled)


def _judge(
    output: Path, card: dict[str, Any], plan: GatePlan, taxonomy: Taxonomy, compare_with: str | Path | None
) -> tuple[GateResult, str]:
    """The gate's result and the id of the model compared with (or why that model cannot be compared)."""
    from classifiers.card import read_card
    from classifiers.persist import load_model
    from moderator.gate import cannot_compare, judge_on_cards, judge_on_held_back
    from moderator.modelstore import model_id_of, model_in_use

    try:
        folder = model_in_use(compare_with)
        old_card = read_card(folder)
        old_id = model_id_of(old_card)
        if plan.shortage is not None:
            return judge_on_cards(old_card, card, plan.data, [plan.shortage]), old_id
        old_model, _ = load_model(folder, taxonomy)
    except ModelError as error:
        return cannot_compare(error.message, card, plan.data), "(unreadable)"
    new_model, _ = load_model(output, taxonomy)
    return judge_on_held_back(old_model, new_model, plan.held_back, plan.data), old_id


# -- in a child process, for an interface that must keep answering keys ------------------------------------------
@dataclass(frozen=True, slots=True)
class RetrainSettings:
    """What a review session retrains with besides its log: labeled corpora (``review --train-corpus``,
    ``$MODERATOR_TRAIN_CORPUS``) and the folder the candidate is trained into before it is kept as a version."""

    output: Path
    corpora: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RetrainJob:
    """What :func:`train_candidate` is asked, picklable for the child process."""

    logs: tuple[str, ...]
    output: str
    corpora: tuple[str, ...] = ()
    compare_with: str | None = None
    precision_target: float = 0.7


@dataclass(frozen=True, slots=True)
class Progress:
    """One event from the training: a line to show, or a fit done (``done`` of ``total``: ``what``)."""

    line: str | None = None
    done: int = 0
    total: int = 0
    what: str = ""


class RetrainFailed(ModelError):
    """The retraining stopped: its message says why in one line."""

    title = "Retraining failed"


def _child_main(job_json: str) -> int:
    """``python -m moderator.retrain JOB``: train, judge, and write the progress to standard output as JSON lines,
    then the candidate (a pickle, base64, on its own line) or the one-line problem."""
    import base64
    import json
    import pickle

    from moderation_core.errors import ModeratorError
    from moderation_core.taxonomy import load_taxonomy

    def send(message: dict[str, Any]) -> None:
        print(json.dumps(message), flush=True)

    if hasattr(os, "nice"):
        # Below the interface in the scheduler: on a 2-core machine the fits would otherwise take the core the
        # moderator's key presses need (measured: key to paint 73 ms median while retraining, 36 ms idle).
        os.nice(_niceness())

    try:
        fields = json.loads(job_json)
        taxonomy_path = fields.pop("taxonomy_path", None)
        job = RetrainJob(**{**fields, "logs": tuple(fields["logs"]), "corpora": tuple(fields["corpora"])})
        taxonomy = load_taxonomy(taxonomy_path) if taxonomy_path else load_taxonomy()
        candidate = train_candidate(
            job.logs,
            taxonomy,
            job.output,
            corpora=job.corpora,
            precision_target=job.precision_target,
            compare_with=job.compare_with,
            say=lambda line: send({"line": line}),
            step=lambda done, total, what: send({"done": done, "total": total, "what": what}),
        )
    except ModeratorError as error:
        send({"failed": error.message})
        return 2
    except (OSError, ValueError, MemoryError) as error:  # a corpus unreadable mid-way, a degenerate fit, no memory
        send({"failed": f"{type(error).__name__}: {error}"})
        return 2
    send({"candidate": base64.b64encode(pickle.dumps(candidate, protocol=pickle.HIGHEST_PROTOCOL)).decode("ascii")})
    return 0


RETRAIN_NICE_ENV = "MODERATOR_RETRAIN_NICE"
"""Environment variable: how far below the interface the retraining process runs (``nice``, 0 to 19; default
:data:`RETRAIN_NICE`). 0 when nothing else needs the machine (and in the tests, where other test processes would
otherwise starve it)."""
RETRAIN_NICE = 10


def _niceness() -> int:
    value = os.environ.get(RETRAIN_NICE_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) <= 19 else RETRAIN_NICE


class RetrainProcess:
    """:func:`train_candidate` in a child process (``python -m moderator.retrain``, on the machine's other core:
    training in a thread of the interface's process would take the interpreter from it for a minute). A plain
    subprocess rather than multiprocessing: an interface that has replaced ``sys.stderr`` cannot spawn one.
    :meth:`run` passes on its progress and returns the candidate; :meth:`stop` ends it early."""

    def __init__(self, job: RetrainJob, taxonomy_path: str | Path | None = None) -> None:
        self.job = job
        self.taxonomy_path = None if taxonomy_path is None else str(taxonomy_path)
        self._process: Any = None

    def run(self, on_progress: Callable[[Progress], None]) -> Candidate:
        """Start the child, pass each :class:`Progress` to ``on_progress`` until it is done, and return the
        candidate. Blocks: call it off the interface thread. Raises RetrainFailed with the child's problem, or when
        it ended without one (stopped, killed, out of memory: the last line of its standard error is said)."""
        import base64
        import dataclasses
        import json
        import pickle
        import subprocess
        import sys
        import tempfile

        job = json.dumps({**dataclasses.asdict(self.job), "taxonomy_path": self.taxonomy_path})
        with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty child can never block on it
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moderator.retrain", job],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                encoding="utf-8",
            )
            candidate: Candidate | None = None
            problem: str | None = None
            for raw in self._process.stdout:
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue  # a stray print of a library: not ours
                if not isinstance(message, dict):
                    continue
                if "line" in message:
                    on_progress(Progress(line=str(message["line"])))
                elif "total" in message:
                    on_progress(Progress(done=message["done"], total=message["total"], what=str(message["what"])))
                elif "failed" in message:
                    problem = str(message["failed"])
                elif "candidate" in message:
                    candidate = pickle.loads(base64.b64decode(message["candidate"]))  # our own child's, nothing else
            code = self._process.wait()
            if candidate is not None:
                return candidate
            if problem is None:
                errors.seek(0)
                last = [line for line in errors.read().decode("utf-8", "replace").splitlines() if line.strip()]
                problem = f"the training process ended without a result (exit status {code})" + (
                    f": {last[-1]}" if last else ""
                )
            raise RetrainFailed(problem)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)


if __name__ == "__main__":
    import sys

    # Through the module's own name, not __main__: the candidate's classes must pickle as moderator.retrain's.
    from moderator.retrain import _child_main as child_main

    raise SystemExit(child_main(sys.argv[1]))
