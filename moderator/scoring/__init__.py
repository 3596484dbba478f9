"""Scoring a thread: each comment's own words, with its thread around it, through the guideline classifier."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifiers.evidence import Span, evidence_of_many
from classifiers.model import GuidelineClassifier
from classifiers.persist import load_model
from moderation_core.errors import UsageError
from moderation_core.model_inputs import CommentInput, thread_inputs
from moderation_core.taxonomy import Taxonomy, load_taxonomy
from moderation_core.thread import Thread
from moderator.modelstore import model_in_use
from moderator.scoring.parallel import BatchScoring


@dataclass(slots=True)
class CommentScore:
    """The model's view of one comment."""

    number: int | None
    id: str | None
    scores: dict[str, float]
    flags: list[str]
    concern: float
    evidence: dict[str, list[Span]] = field(default_factory=dict)
    # Marked for review: concern passed the model's review threshold although no label passed its own. The
    # labels the comment most likely breaks are then ``suggested`` (a suggestion to the moderator, not a flag).
    review: bool = False
    suggested: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        """Flagged by a label, or marked for review by its concern: what "flagged left", ``f`` and
        ``--only-flagged`` follow."""
        return bool(self.flags) or self.review

    def to_dict(self, thread_id: str | None) -> dict[str, object]:
        return {
            "thread": thread_id,
            "number": self.number,
            "id": self.id,
            "scores": self.scores,
            "flags": self.flags,
            "concern": self.concern,
            "evidence": {label: [s.to_dict() for s in spans] for label, spans in self.evidence.items()},
            "review": self.review,
            "suggested": self.suggested,
        }


@dataclass(slots=True)
class Scorer:
    """A loaded model with its card, ready to score threads."""

    model: GuidelineClassifier
    card: dict[str, object]
    taxonomy: Taxonomy
    model_dir: Path | None = None

    @property
    def model_id(self) -> str:
        artifact = self.card.get("artifact", {})
        digest = artifact.get("sha256", "") if isinstance(artifact, dict) else ""
        return f"{self.card.get('model', 'model')}@{str(digest)[:12]}"

    @property
    def thresholds(self) -> dict[str, float]:
        return {str(label): float(t) for label, t in zip(self.model.classes_, self.model.thresholds_)}


def load_scorer(model_dir: str | Path | None = None, taxonomy: Taxonomy | None = None) -> Scorer:
    """The model a command scores with: ``model_dir`` (``--model``) when given, else ``$MODERATOR_MODEL`` when
    set, else the model store's active version (``moderator models use ID``), else the bundled model."""
    taxonomy = taxonomy or load_taxonomy()
    folder = model_in_use(model_dir)
    model, card = load_model(folder, taxonomy)
    return Scorer(model, card, taxonomy, folder)


def comment_inputs(thread: Thread) -> list[CommentInput]:
    """Each comment's input, exactly as training builds it (:func:`moderation_core.model_inputs.thread_inputs`)."""
    return list(thread_inputs(thread))


# One comment's scores, flags, concern, evidence, review mark and suggested labels, as score_comments gives them.
_Result = tuple[dict[str, float], list[str], float, dict[str, list[Span]], bool, list[str]]


def score_comments(scorer: Scorer, inputs: Sequence[CommentInput], *, with_evidence: bool = True) -> list[_Result]:
    model = scorer.model
    if not inputs:
        return []
    proba, concern = model.score_all(inputs)
    flagged: np.ndarray = np.asarray(proba >= model.thresholds_)
    any_flag: np.ndarray = np.asarray(flagged.any(axis=1))
    marked = model.predict_review(proba, concern).tolist()
    labels = [str(label) for label in model.classes_]
    # One conversion of the whole matrix to Python floats; per-comment numpy calls would cost more than the model.
    rounded = np.round(proba, 4).tolist()
    concern_values = np.round(concern, 4).tolist()
    labels_of: list[tuple[list[str], list[str]]] = []  # per comment: its flags, and its suggestions if marked
    for i, (is_flagged, is_marked) in enumerate(zip(any_flag.tolist(), marked)):
        if is_flagged:
            labels_of.append(([labels[j] for j in np.flatnonzero(flagged[i])], []))
        else:
            labels_of.append(([], model.suggest(proba[i]) if is_marked else []))
    # The evidence of a flag, or of a suggestion (it shows the moderator why the comment was marked), for every
    # comment that has one, in one batch.
    wanted = [i for i, (flags, suggested) in enumerate(labels_of) if flags or suggested] if with_evidence else []
    found = evidence_of_many(model, [(inputs[i], labels_of[i][0] or labels_of[i][1]) for i in wanted]) if wanted else []
    evidence_of = dict(zip(wanted, found))
    return [
        (dict(zip(labels, rounded[i])), flags, concern_values[i], evidence_of.get(i, {}), bool(marked[i]), suggested)
        for i, (flags, suggested) in enumerate(labels_of)
    ]


# Comments per score_comments call when many threads are scored together: one feature transform and one matrix
# product for thousands of comments instead of one per thread (scipy's per-matrix set-up dominated small threads),
# while the features of one batch stay a few megabytes.
BATCH_COMMENTS = 4000


def score_threads(
    scorer: Scorer,
    threads: Iterable[Thread],
    *,
    with_evidence: bool = True,
    batch_comments: int = BATCH_COMMENTS,
    pause: Callable[[], None] | None = None,
    jobs: int = 1,
) -> Iterator[tuple[Thread, list[CommentScore]]]:
    """Each thread with the scores of its comments, in order, as soon as its last comment is scored.

    Every comment's input is built from its own thread (:func:`comment_inputs`), then the inputs of consecutive
    threads are scored together, ``batch_comments`` at a time (a batch may end inside a thread): the model scores
    each row on its own, so the results are those of scoring each thread alone. ``pause()`` runs after each batch.
    With ``jobs`` over 1, batches are scored in that many worker processes once the input holds more than one
    batch (:mod:`moderator.scoring.parallel`): the same results, in the same order.
    """
    if batch_comments < 1:
        raise UsageError(f"batch_comments must be at least 1, not {batch_comments}")
    if jobs < 1:
        raise UsageError(f"jobs must be at least 1, not {jobs}")
    waiting: deque[tuple[Thread, int]] = deque()  # threads queued, with their number of inputs
    queued: list[CommentInput] = []  # inputs not scored yet, in thread order
    scored: list[_Result] = []  # results of the first inputs of the waiting threads
    with BatchScoring(scorer, jobs, with_evidence=with_evidence) as batches:
        for thread in threads:
            inputs = comment_inputs(thread)
            waiting.append((thread, len(inputs)))
            queued.extend(inputs)
            while len(queued) >= batch_comments:
                batches.submit(queued[:batch_comments])
                del queued[:batch_comments]
                for results in batches.finished():
                    scored.extend(results)
                    if pause is not None:
                        pause()
                    yield from _finished_threads(waiting, scored)
            yield from _finished_threads(waiting, scored)  # an empty thread after finished ones
        if queued:
            batches.submit(queued, last=True)
        for results in batches.remaining():
            scored.extend(results)
            if pause is not None:
                pause()
            yield from _finished_threads(waiting, scored)
    yield from _finished_threads(waiting, scored)


def _finished_threads(
    waiting: deque[tuple[Thread, int]], scored: list[_Result]
) -> Iterator[tuple[Thread, list[CommentScore]]]:
    """Take the leading threads whose every input is in ``scored`` off both (in place)."""
    taken = 0
    while waiting and waiting[0][1] <= len(scored) - taken:
        thread, count = waiting.popleft()
        yield thread, _comment_scores(thread, scored[taken : taken + count])
        taken += count
    # One deletion per call: deleting each thread's results one at a time would move the rest each time.
    del scored[:taken]


def _comment_scores(thread: Thread, results: Sequence[_Result]) -> list[CommentScore]:
    return [
        CommentScore(comment.number, comment.id, scores, flags, concern, evidence, review, suggested)
        for comment, (scores, flags, concern, evidence, review, suggested) in zip(thread.comments, results)
    ]


def score_thread(
    scorer: Scorer,
    thread: Thread,
    *,
    with_evidence: bool = True,
    chunk: int | None = None,
    pause: Callable[[], None] | None = None,
) -> list[CommentScore]:
    """Scores of every comment; with ``chunk``, in batches with ``pause()`` between them (a worker thread that
    leaves the interface room to answer keys)."""
    batch = chunk if chunk is not None else max(1, len(thread.comments))  # without chunk: one call, as ever
    for _, scores in score_threads(scorer, [thread], with_evidence=with_evidence, batch_comments=batch, pause=pause):
        return scores
    return []  # unreachable: score_threads yields every thread it is given
