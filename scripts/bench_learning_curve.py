"""Learning curve of retraining from logged decisions (issue 14 item 5): does logging decisions help?

    .venv/bin/python scripts/bench_learning_curve.py [--seeds 3] [--points 0,100,300,1000,all] [--quick]
        [--out DIR] [--skip-uncertain] [--skip-timing] [--heldout-check] [--shared ../shared/data]

``../shared/data/train/vcu_incivility.jsonl`` plays a new community. Its threads are imported as any thread file
is (``moderator.sources.load_threads``) and split by a stable hash of the thread id: DECIDED_SHARE of them are
"decided by moderators", the rest held out. For each point (0, 100, 300, 1,000 and all decided comments) the
first decisions are written into a decision log through the project's own writer (``DecisionLog.append``); a
comment's verdict comes from the file's label mapped onto the taxonomy exactly as ``classifiers.data`` maps it
(``ok`` for a civil comment, ``flag`` with the mapped labels for an uncivil one). The bundled model's recipe
*without VCU* (the starter corpus and ``train/github_ordinary_threads.jsonl``) is retrained with that log
(``moderator.log.training.logged_examples(...).extra()``), and the held-out threads' concern ROC-AUC and macro F1
(over the taxonomy labels the held-out comments carry, at the model's own thresholds) are reported.

Random order: the seed shuffles which decided comments come first (the 0 and "all" points are the same set for
every seed, so they are trained once). Uncertain order (one run): the model of the moment scores the remaining
decided comments and the ones closest to a threshold come first (the review queue's ``--queue uncertain`` rule:
min over labels of |score - threshold|); it is retrained at each point and re-ranks the rest.

Also timed: one retraining on the starter corpus plus a log of 10,000 decisions (every VCU comment, then the
ordinary threads' comments as ``ok`` decisions, then VCU comments again under made-up comment numbers).

``--heldout-check`` (once, at the end): the bundled recipe (starter, VCU and ordinary threads as corpora) plus a
log of every VCU decision, evaluated on ``../shared/data/heldout`` with ``moderator evaluate --json`` against the
classifier floor. Nothing else here reads ``heldout/``.

The curve goes to ``learning-curve.svg`` beside ``learning-curve.json`` in ``--out`` (default: a new temporary
folder; never inside the repository). The models trained here are trusted in a store of their own under
``--out`` (``$XDG_CONFIG_HOME`` is pointed there), not in the user's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from classifiers.data import Example, label_matrix, load_labeled_jsonl
from classifiers.model import GuidelineClassifier
from classifiers.persist import load_model
from classifiers.training import ExtraExamples, train
from moderation_core.errors import ModelError
from moderation_core.taxonomy import Taxonomy, load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.log import Action, DecidedComment, Decision, DecisionLog, ThreadRef
from moderator.log.training import LOG_WEIGHT, logged_examples
from moderator.sources import load_threads

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
VCU = "train/vcu_incivility.jsonl"
ORDINARY = "train/github_ordinary_threads.jsonl"
DECIDED_SHARE = 0.7
MODERATOR = "bench-moderator"
TIMED_DECISIONS = 10_000
MADE_UP_NUMBER = 1_000_000  # comment numbers of the repeated VCU decisions that fill the timed log to 10,000
# The figures with today's recipe, VCU as plain extra corpus, equal weights (concern ROC-AUC).
BASELINE_AUC = {0: 0.754, 100: 0.755, 300: 0.760, 1000: 0.783}
TARGET_GAIN = {300: 0.02, 1000: 0.05}
# Issue 12's floor on heldout/: concern ROC-AUC less 0.01, and at most 1% of ordinary threads flagged or marked.
FLOOR_AUC = {
    "strudel_github_comments": 0.906,
    "code_review_comments": 0.935,
    "lkml_sentences": 0.732,
    "wikipedia_talk_comments": 0.860,
}
FLOOR_SLACK = 0.01
FLOOR_ORDINARY_MARKED = 0.01
SCORING_BATCH = 512

_began = time.perf_counter()


def say(message: str) -> None:
    """A progress line on standard output, with the seconds since the start."""
    print(f"[{time.perf_counter() - _began:7.1f}s] {message}", flush=True)


# -- pure helpers (tested in tests/test_bench_learning_curve.py) ------------------------------------------------
def decided_bucket(thread_id: str) -> float:
    """A stable number in [0, 1] for a thread id: the same split on every run and machine."""
    return int(hashlib.sha256(f"learning-curve:{thread_id}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def is_decided(thread_id: str, share: float = DECIDED_SHARE) -> bool:
    return decided_bucket(thread_id) < share


def parse_points(text: str, total: int) -> list[int]:
    """The decision counts of ``--points`` ("all" = ``total``), sorted, capped at ``total``, without repeats."""
    points: set[int] = set()
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        if part == "all":
            points.add(total)
            continue
        if not part.isdigit():
            raise ValueError(f"--points: {part!r} is neither a number nor 'all'")
        points.add(min(int(part), total))
    if not points:
        raise ValueError("--points: no point given")
    return sorted(points)


def uncertainty(scores: Sequence[float], thresholds: Sequence[float]) -> float:
    """The review queue's rule (ReviewSession._uncertainty): the distance of the closest label score to its
    threshold; smaller is less sure."""
    if not len(thresholds):
        return 1.0
    return min(abs(float(s) - float(t)) for s, t in zip(scores, thresholds))


def uncertain_first(proba: Sequence[Sequence[float]], thresholds: Sequence[float]) -> list[int]:
    """Row indices of ``proba`` (a row per comment, a column per label), least sure first; ties keep row order."""
    return sorted(range(len(proba)), key=lambda i: uncertainty(proba[i], thresholds))


def macro_f1(targets: Sequence[Sequence[int]], predicted: Sequence[Sequence[bool]]) -> tuple[float | None, list[float]]:
    """Mean F1 over the label columns with at least one positive (and each such column's F1); None without any."""
    columns = len(targets[0]) if len(targets) else 0
    scores: list[float] = []
    for j in range(columns):
        tp = sum(1 for t, p in zip(targets, predicted) if t[j] and p[j])
        positives = sum(1 for t in targets if t[j])
        flagged = sum(1 for p in predicted if p[j])
        if not positives:
            scores.append(float("nan"))
            continue
        scores.append(2 * tp / (positives + flagged) if positives + flagged else 0.0)
    present = [s for s in scores if s == s]
    return (sum(present) / len(present) if present else None), scores


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def inside(folder: Path, root: Path) -> bool:
    """Whether ``folder`` is ``root`` or under it (both resolved)."""
    folder, root = folder.resolve(), root.resolve()
    return folder == root or root in folder.parents


@dataclass(slots=True)
class Series:
    """One curve of the plot: x (decisions) to y, with an optional (low, high) band per x."""

    name: str
    colour: str
    points: dict[int, float]
    band: dict[int, tuple[float, float]] = field(default_factory=dict)


def _x_position(n: int, largest: int) -> float:
    """0..1 along the x axis: log(1 + n), so 0, 100, 300 and 1,000 are not squeezed against the y axis."""
    return math.log1p(n) / math.log1p(max(largest, 1))


def svg_panel(
    series: Sequence[Series], ticks: Sequence[int], title: str, y_label: str, left: float, top: float
) -> list[str]:
    """The SVG elements of one panel (axes, ticks, labels, a polyline per series) at (left, top), 400 x 260."""
    width, height = 400.0, 260.0
    values = [v for s in series for v in s.points.values()] + [v for s in series for b in s.band.values() for v in b]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = max((high - low) * 0.1, 0.005)
    low, high = low - pad, high + pad
    largest = max(ticks) if ticks else 1

    def x(n: int) -> float:
        return left + _x_position(n, largest) * width

    def y(v: float) -> float:
        return top + height - (v - low) / (high - low) * height

    out = [
        f'<text x="{left + width / 2}" y="{top - 12}" text-anchor="middle" font-size="14">{title}</text>',
        f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="black"/>',
        f'<text x="{left + width / 2}" y="{top + height + 36}" text-anchor="middle" font-size="12">'
        "logged decisions (log scale)</text>",
        f'<text x="{left - 48}" y="{top + height / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 {left - 48} {top + height / 2})">{y_label}</text>',
    ]
    for n in ticks:
        out.append(
            f'<line x1="{x(n):.1f}" y1="{top + height}" x2="{x(n):.1f}" y2="{top + height + 5}" stroke="black"/>'
        )
        out.append(f'<text x="{x(n):.1f}" y="{top + height + 18}" text-anchor="middle" font-size="11">{n}</text>')
    for k in range(6):
        v = low + (high - low) * k / 5
        out.append(f'<line x1="{left - 5}" y1="{y(v):.1f}" x2="{left}" y2="{y(v):.1f}" stroke="black"/>')
        out.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">{v:.3f}</text>')
    for index, s in enumerate(series):
        ordered = sorted(s.points.items())
        line = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in ordered)
        out.append(f'<polyline points="{line}" fill="none" stroke="{s.colour}" stroke-width="2"/>')
        for n, v in ordered:
            out.append(f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="3" fill="{s.colour}"/>')
        for n, (lo, hi) in sorted(s.band.items()):
            out.append(f'<line x1="{x(n):.1f}" y1="{y(lo):.1f}" x2="{x(n):.1f}" y2="{y(hi):.1f}" stroke="{s.colour}"/>')
        legend_y = top + 14 + 16 * index
        out.append(
            f'<line x1="{left + 10}" y1="{legend_y - 4}" x2="{left + 30}" y2="{legend_y - 4}" '
            f'stroke="{s.colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{left + 36}" y="{legend_y}" font-size="11">{s.name}</text>')
    return out


def svg_document(panels: Sequence[tuple[Sequence[Series], str, str]], ticks: Sequence[int]) -> str:
    """An SVG of the panels side by side: each (series, title, y label)."""
    parts = []
    for index, (series, title, y_label) in enumerate(panels):
        parts.extend(svg_panel(series, ticks, title, y_label, left=80 + index * 500, top=40))
    width = 80 + 500 * len(panels)
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="360" viewBox="0 0 {width} 360" '
        f'font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n'
    )


# -- the data --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One comment of the community: its imported thread and comment (what the log stores) and its labeled
    example (the file's label mapped onto the taxonomy by classifiers.data, and the model input scoring uses)."""

    thread: Thread
    comment: Comment
    example: Example


def community(path: Path) -> list[Item]:
    """Every comment with text of the file, imported as threads, each paired with its labeled example."""
    by_comment = {(e.group.split(":", 1)[1], e.id): e for e in load_labeled_jsonl(path)}
    items = []
    for thread in load_threads(path):
        for comment in thread.comments:
            example = by_comment.get((str(thread.id), str(comment.id)))
            if example is not None and comment.own_text.strip():
                items.append(Item(thread, comment, example))
    return items


def verdict(example: Example) -> tuple[Action, tuple[str, ...]]:
    """What the moderator decided: ok for a civil comment, flag with the mapped labels for an uncivil one."""
    if not example.concern:
        return Action.OK, ()
    return Action.FLAG, tuple(sorted(example.labels))


def write_log(path: Path, items: Sequence[Item], taxonomy: Taxonomy, number_offset: int = 0) -> None:
    """The decisions on ``items``, in order, through the project's log writer."""
    log = DecisionLog(path, list(taxonomy.ids))
    for item in items:
        action, labels = verdict(item.example)
        comment = DecidedComment.from_comment(item.comment, item.example.input.context)
        if number_offset and comment.number is not None:
            comment = DecidedComment(
                comment.number + number_offset, None, comment.author, comment.own_text, comment.context
            )
        log.append(
            Decision.new(
                moderator=MODERATOR,
                thread=ThreadRef.from_thread(item.thread),
                comment=comment,
                model=None,
                labels=labels,
                action=action,
            )
        )


# -- training and measuring ------------------------------------------------------------------------------------
@dataclass(slots=True)
class Bench:
    shared: Path
    out: Path
    taxonomy: Taxonomy
    heldout: list[Item]
    resume: bool = False
    runs: int = 0
    train_seconds: list[float] = field(default_factory=list)

    def _kept(self, target: Path, logged: int) -> GuidelineClassifier | None:
        """The model an earlier run left in ``target`` when it loads and was trained on ``logged`` logged examples
        (every name stands for one deterministic set of decisions); else None."""
        try:
            model, card = load_model(target, self.taxonomy)
        except (ModelError, OSError):
            return None
        logs = card.get("logs")
        examples = logs.get("examples", 0) if isinstance(logs, dict) else 0
        return model if examples == logged else None

    def retrain(self, name: str, items: Sequence[Item], corpora: Sequence[Path] | None = None) -> GuidelineClassifier:
        """The recipe without VCU (or ``corpora``) plus a log of the decisions on ``items``, trained into
        ``out/models/name`` and loaded back."""
        corpora = [self.shared / ORDINARY] if corpora is None else corpora
        target = self.out / "models" / name
        if self.resume:
            kept = self._kept(target, len(items))
            if kept is not None:
                say(f"  {name}: reusing the model trained by an earlier run ({len(items)} logged examples)")
                return kept
        extra: ExtraExamples | None = None
        if items:
            log = self.out / "logs" / f"{name}.yaml"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.unlink(missing_ok=True)
            write_log(log, items, self.taxonomy)
            logged = logged_examples([str(log)], self.taxonomy.ids)
            extra = logged.extra()
            base_only = ", ".join(sorted(logged.base_only_labels)) or "none"
            say(
                f"  {name}: log of {len(items)} decisions, {len(logged.examples)} examples; "
                f"labels on base data alone: {base_only}"
            )
        began = time.perf_counter()
        train(corpora, self.taxonomy, target, extra=extra)
        seconds = time.perf_counter() - began
        self.train_seconds.append(seconds)
        self.runs += 1
        say(f"  {name}: trained in {seconds:.1f}s")
        model, _ = load_model(target, self.taxonomy)
        return model

    def measure(self, model: GuidelineClassifier) -> dict[str, Any]:
        """Held-out VCU threads: concern ROC-AUC and average precision, macro F1 over the labels they carry."""
        examples = [item.example for item in self.heldout]
        proba, concern_proba = score(model, examples)
        concern = np.array([e.concern for e in examples])
        known = np.array([e.known_labels for e in examples])
        targets = label_matrix(examples, list(model.classes_))[known]
        predicted = (proba >= model.thresholds_)[known]
        macro, per_label = macro_f1(targets.tolist(), predicted.tolist())
        return {
            "concern_roc_auc": round(float(roc_auc_score(concern, concern_proba)), 4),
            "concern_average_precision": round(float(average_precision_score(concern, concern_proba)), 4),
            "macro_f1": None if macro is None else round(macro, 4),
            "f1_by_label": {str(label): round(f, 3) for label, f in zip(model.classes_, per_label) if f == f},
            "civil_flag_rate": round(_civil_flag_rate(proba[~concern], model.thresholds_), 4),
        }


def _civil_flag_rate(proba: np.ndarray, thresholds: np.ndarray) -> float:
    return float((proba >= thresholds).any(axis=1).mean()) if len(proba) else 0.0


def score(model: GuidelineClassifier, examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    """Label probabilities and concern of every example, SCORING_BATCH at a time."""
    parts = [
        model.score_all([e.input for e in examples[i : i + SCORING_BATCH]])
        for i in range(0, len(examples), SCORING_BATCH)
    ]
    return np.concatenate([p for p, _ in parts]), np.concatenate([c for _, c in parts])


def random_curve(
    bench: Bench, decided: list[Item], points: list[int], seeds: int, shared_points: dict[int, dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    """Per point, the figures of each seed (the 0 and "all" points, the same set for every seed, trained once)."""
    total = len(decided)
    results: dict[int, list[dict[str, Any]]] = {n: [] for n in points}
    for seed in range(seeds):
        order = list(decided)
        random.Random(seed).shuffle(order)
        for n in points:
            if n in (0, total):
                if n not in shared_points:
                    name = "none" if n == 0 else "all"
                    say(f"point {n} (the same for every order)")
                    shared_points[n] = bench.measure(bench.retrain(name, order[:n]))
                figures = shared_points[n]
            else:
                say(f"seed {seed}, point {n}")
                figures = bench.measure(bench.retrain(f"random-s{seed}-{n}", order[:n]))
            results[n].append(figures)
            say(f"  seed {seed} at {n}: {brief(figures)}")
    return results


def uncertain_curve(
    bench: Bench, decided: list[Item], points: list[int], shared_points: dict[int, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """The queue's uncertain order: the model of the moment ranks the decided comments not yet taken."""
    total = len(decided)
    if 0 in shared_points:
        model, _ = load_model(bench.out / "models" / "none", bench.taxonomy)
    else:
        say("point 0 (the recipe without logs)")
        model = bench.retrain("none", [])
        shared_points[0] = bench.measure(model)
    results: dict[int, dict[str, Any]] = {0: shared_points[0]}
    chosen: list[Item] = []
    remaining = list(decided)
    for n in [p for p in points if p > 0]:
        if n == total and n in shared_points:
            results[n] = shared_points[n]
            continue
        proba, _ = score(model, [item.example for item in remaining])
        ranked = uncertain_first(proba.tolist(), model.thresholds_.tolist())
        take = set(ranked[: n - len(chosen)])
        chosen += [remaining[i] for i in ranked[: n - len(chosen)]]
        remaining = [item for i, item in enumerate(remaining) if i not in take]
        picked = chosen[-len(take) :] if take else []
        concern_share = mean([float(item.example.concern) for item in picked]) if picked else 0.0
        say(f"uncertain order, point {n}: the newest {len(take)} are {concern_share:.0%} uncivil")
        model = bench.retrain(f"uncertain-{n}", chosen)
        results[n] = bench.measure(model)
        results[n]["uncivil_share_of_log"] = round(mean([float(i.example.concern) for i in chosen]), 3)
        say(f"  uncertain at {n}: {brief(results[n])}")
    return results


def brief(figures: dict[str, Any]) -> str:
    return f"AUC {figures['concern_roc_auc']:.4f}, macro F1 {figures['macro_f1']}"


def timed_retrain(bench: Bench, everything: list[Item]) -> dict[str, Any]:
    """One retraining on the starter corpus alone plus a log of TIMED_DECISIONS decisions."""
    ordinary = community(bench.shared / ORDINARY)
    items = (everything + ordinary)[:TIMED_DECISIONS]
    repeats = everything[: max(0, TIMED_DECISIONS - len(items))]
    log = bench.out / "logs" / "timed-10000.yaml"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    say(f"timing: writing {len(items)} decisions (VCU, then ordinary threads as ok) and {len(repeats)} repeated ones")
    began = time.perf_counter()
    write_log(log, items, bench.taxonomy)
    if repeats:
        write_log(Path(str(log) + ".more"), repeats, bench.taxonomy, number_offset=MADE_UP_NUMBER)
    write_seconds = time.perf_counter() - began
    began = time.perf_counter()
    paths = [str(log)] + ([str(log) + ".more"] if repeats else [])
    logged = logged_examples(paths, bench.taxonomy.ids)
    read_seconds = time.perf_counter() - began
    began = time.perf_counter()
    train([], bench.taxonomy, bench.out / "models" / "timed-10000", extra=logged.extra())
    train_seconds = time.perf_counter() - began
    say(f"timing: {len(logged.examples)} logged examples read in {read_seconds:.1f}s, trained in {train_seconds:.1f}s")
    return {
        "decisions": len(items) + len(repeats),
        "logged_examples": len(logged.examples),
        "from_vcu": min(len(everything), len(items)),
        "from_ordinary_threads_as_ok": max(0, len(items) - len(everything)),
        "repeated_vcu_with_made_up_numbers": len(repeats),
        "log_write_seconds": round(write_seconds, 1),
        "log_read_seconds": round(read_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "read_and_train_seconds": round(read_seconds + train_seconds, 1),
        "target_seconds": 30,
        "met": read_seconds + train_seconds < 30,
    }


def heldout_check(bench: Bench, everything: list[Item]) -> dict[str, Any]:
    """The bundled recipe plus a log of every VCU decision, on heldout/ with 'moderator evaluate --json'."""
    say("held-out check: the bundled recipe (starter, VCU, ordinary threads) plus a log of every VCU decision")
    bench.retrain("heldout-check", everything, corpora=[bench.shared / VCU, bench.shared / ORDINARY])
    files = sorted((bench.shared / "heldout").glob("*.jsonl"))
    command = [str(ROOT / ".venv" / "bin" / "moderator"), "evaluate", "--data", *map(str, files)]
    command += ["--model", str(bench.out / "models" / "heldout-check"), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    report = json.loads(done.stdout)
    results = report if isinstance(report, list) else report.get("files", report.get("results", report))
    figures: dict[str, Any] = {}
    for entry in results if isinstance(results, list) else []:
        stem = Path(entry["file"]).stem
        auc = entry.get("concern_roc_auc")
        floor = FLOOR_AUC.get(stem)
        figures[stem] = {
            "concern_roc_auc": auc,
            "flag_or_review_rate": entry.get("flag_or_review_rate"),
            "floor": floor,
            "holds": (auc is not None and auc >= floor - FLOOR_SLACK)
            if floor is not None
            else entry.get("flag_or_review_rate", 1.0) <= FLOOR_ORDINARY_MARKED,
        }
    if not figures:
        figures["raw"] = report
    return figures


# -- the report ------------------------------------------------------------------------------------------------
def summary(
    points: list[int], randoms: dict[int, list[dict[str, Any]]], uncertain: dict[int, dict[str, Any]] | None
) -> tuple[list[str], dict[str, Any]]:
    """The table's lines and the verdict on the targets."""
    base_auc = mean([f["concern_roc_auc"] for f in randoms[points[0]]]) if points[0] == 0 else None
    base_f1 = mean([f["macro_f1"] for f in randoms[points[0]]]) if points[0] == 0 else None
    lines = [
        "| decisions | AUC random (mean, min-max) | macro F1 random (mean, min-max) | AUC uncertain "
        "| macro F1 uncertain | issue's baseline AUC |",
        "|---|---|---|---|---|---|",
    ]
    targets: dict[str, Any] = {}
    for n in points:
        aucs = [f["concern_roc_auc"] for f in randoms[n]]
        f1s = [f["macro_f1"] for f in randoms[n]]
        un = uncertain.get(n) if uncertain else None
        cells = [
            str(n),
            f"{mean(aucs):.4f} ({min(aucs):.4f}-{max(aucs):.4f})",
            f"{mean(f1s):.4f} ({min(f1s):.4f}-{max(f1s):.4f})",
            f"{un['concern_roc_auc']:.4f}" if un else "-",
            f"{un['macro_f1']:.4f}" if un else "-",
            str(BASELINE_AUC.get(n, "-")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if base_auc is not None and n in TARGET_GAIN:
            gain = mean(aucs) - base_auc
            targets[f"auc_gain_at_{n}"] = {
                "gain": round(gain, 4),
                "target": TARGET_GAIN[n],
                "met": gain >= TARGET_GAIN[n],
                "uncertain_gain": round(un["concern_roc_auc"] - base_auc, 4) if un else None,
            }
            targets[f"macro_f1_up_at_{n}"] = {
                "delta": round(mean(f1s) - (base_f1 or 0.0), 4),
                "met": mean(f1s) > (base_f1 or 0.0),
            }
    return lines, targets


def plot(
    points: list[int], randoms: dict[int, list[dict[str, Any]]], uncertain: dict[int, dict[str, Any]] | None
) -> str:
    panels = []
    for key, title in (("concern_roc_auc", "held-out VCU concern ROC-AUC"), ("macro_f1", "held-out VCU macro F1")):
        series = [
            Series(
                "random order (mean of seeds, min-max)",
                "#1f77b4",
                {n: mean([f[key] for f in randoms[n]]) for n in points},
                {n: (min(f[key] for f in randoms[n]), max(f[key] for f in randoms[n])) for n in points},
            )
        ]
        if uncertain:
            series.append(Series("uncertain order (queue)", "#d62728", {n: f[key] for n, f in uncertain.items()}))
        if key == "concern_roc_auc":
            series.append(
                Series(
                    "issue's baseline (VCU as corpus)",
                    "#7f7f7f",
                    {n: v for n, v in BASELINE_AUC.items() if n in points},
                )
            )
        panels.append((series, title, key))
    return svg_document(panels, points)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="random orders of the decided comments (default 3)")
    parser.add_argument("--points", default="0,100,300,1000,all", help="decision counts (default 0,100,300,1000,all)")
    parser.add_argument("--quick", action="store_true", help="one seed, points 0,300,1000: a smoke run")
    parser.add_argument("--out", help="folder for the logs, models, JSON and SVG (default: a new temporary folder)")
    parser.add_argument("--skip-uncertain", action="store_true", help="leave out the uncertain-order curve")
    parser.add_argument("--skip-timing", action="store_true", help="leave out the 10,000-decision retraining")
    parser.add_argument("--heldout-check", action="store_true", help="also the bundled recipe + all VCU on heldout/")
    parser.add_argument(
        "--resume", action="store_true", help="reuse the models an earlier run with the same --out left behind"
    )
    parser.add_argument("--shared", default=str(DEFAULT_SHARED), help="the shared data folder")
    args = parser.parse_args()
    shared = Path(args.shared)
    if not (shared / VCU).is_file() or not (shared / ORDINARY).is_file():
        print(f"{shared}: the shared data ({VCU}, {ORDINARY}) is not there; nothing to measure")
        return 0
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench-learning-curve-"))
    if inside(out, ROOT):
        print(f"{out}: inside the repository; choose a folder outside it", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    os.environ["XDG_CONFIG_HOME"] = str(out / "config")  # the models trained here are trusted here, not for the user
    seeds = 1 if args.quick else args.seeds
    taxonomy = load_taxonomy()

    say(f"reading {shared / VCU} as threads")
    everything = community(shared / VCU)
    decided = [item for item in everything if is_decided(str(item.thread.id))]
    heldout = [item for item in everything if not is_decided(str(item.thread.id))]
    threads = len({item.thread.id for item in decided}), len({item.thread.id for item in heldout})
    say(
        f"{len(everything)} comments: {len(decided)} decided ({threads[0]} threads, "
        f"{sum(i.example.concern for i in decided)} uncivil), {len(heldout)} held out ({threads[1]} threads, "
        f"{sum(i.example.concern for i in heldout)} uncivil); log weight {LOG_WEIGHT:g}"
    )
    try:
        points = parse_points("0,300,1000" if args.quick else args.points, len(decided))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    bench = Bench(shared, out, taxonomy, heldout, resume=args.resume)
    shared_points: dict[int, dict[str, Any]] = {}
    randoms = random_curve(bench, decided, points, seeds, shared_points)
    uncertain = None if args.skip_uncertain else uncertain_curve(bench, decided, points, shared_points)
    timing = None if args.skip_timing else timed_retrain(bench, everything)
    lines, targets = summary(points, randoms, uncertain)
    check = heldout_check(bench, everything) if args.heldout_check else None

    (out / "learning-curve.svg").write_text(plot(points, randoms, uncertain), encoding="utf-8")
    report = {
        "vcu_comments": len(everything),
        "decided": {"comments": len(decided), "threads": threads[0], "share_of_threads_by_hash": DECIDED_SHARE},
        "heldout": {"comments": len(heldout), "threads": threads[1]},
        "log_weight": LOG_WEIGHT,
        "seeds": seeds,
        "points": points,
        "random_order": {str(n): figures for n, figures in randoms.items()},
        "uncertain_order": {str(n): f for n, f in uncertain.items()} if uncertain else None,
        "baseline_auc": BASELINE_AUC,
        "targets": targets,
        "timing_10000": timing,
        "heldout_check": check,
        "trainings": bench.runs,
        "mean_train_seconds": round(mean(bench.train_seconds), 1) if bench.train_seconds else None,
        "wall_seconds": round(time.perf_counter() - _began, 1),
    }
    (out / "learning-curve.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))
    for name, verdict_of in targets.items():
        print(f"{name}: {verdict_of}")
    if timing:
        print(
            f"retraining on the starter corpus + {timing['decisions']} logged decisions: {timing['train_seconds']}s "
            f"training, {timing['log_read_seconds']}s reading the log (target under 30 s)"
        )
    if check:
        print(f"heldout check: {json.dumps(check)}")
    say(f"wrote {out / 'learning-curve.svg'} and {out / 'learning-curve.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
