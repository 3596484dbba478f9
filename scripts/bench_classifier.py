"""Quality and speed of the guideline classifier, side by side with the two reference scorers.

    .venv/bin/pip install alt-profanity-check==1.9.1      # the reference scorer (optional)
    .venv/bin/python scripts/bench_classifier.py [--model DIR] [--shared ../shared/data]

Quality, on every file of ``heldout/`` (never trained or tuned on): ROC-AUC of ``concern`` against the binary
label, and the share of comments flagged (on ``github_ordinary_threads``, all civil, that is the false-flag
rate). The same figures for alt-profanity-check (flagged at p >= 0.5) and for a plain TF-IDF (words + chars)
logistic regression trained on ``train/`` (flagged at p >= 0.5).

Speed: comments scored per second in one process on the ordinary GitHub comments (features, every label, the
concern and the evidence of flagged comments), alt-profanity-check on the same texts in the same run; model load
time (after imports); training time on 10,000 examples.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline, make_union

from classifiers.data import label_matrix, load_labeled_jsonl, load_starter_corpus
from classifiers.evaluation import evaluate_file
from classifiers.model import GuidelineClassifier
from classifiers.persist import DEFAULT_MODEL_DIR, load_model
from moderation_core.model_inputs import CommentInput
from moderation_core.taxonomy import load_taxonomy
from moderator.scoring import Scorer, score_comments

ROOT = Path(__file__).resolve().parent.parent


def read_jsonl(path: Path) -> tuple[list[str], np.ndarray]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("text") is not None]
    return [r["text"] for r in rows], np.array([bool(r["uncivil"]) for r in rows])


def tfidf_baseline(train_dir: Path):
    texts, labels = [], []
    for path in sorted(train_dir.glob("*.jsonl")):
        t, y = read_jsonl(path)
        texts += t
        labels += list(y)
    model = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True),
        ),
        LogisticRegression(max_iter=1000, class_weight="balanced"),
    )
    return model.fit(texts, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR))
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    shared = Path(args.shared)
    taxonomy = load_taxonomy()

    began = time.perf_counter()
    model, card = load_model(args.model, taxonomy)
    load_seconds = time.perf_counter() - began
    scorer = Scorer(model, card, taxonomy)

    try:
        import profanity_check
    except ImportError:
        profanity_check = None
        print("alt-profanity-check is not installed: its columns are left out\n")

    print("training the TF-IDF baseline on train/ ...")
    baseline = tfidf_baseline(shared / "train")

    header = (
        f"{'file':32} {'n':>5} {'ours AUC':>8} {'flag':>6} | {'tfidf AUC':>9} {'flag':>6} | "
        f"{'profanity AUC':>13} {'flag':>6}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    category_lines = []
    for path in sorted((shared / "heldout").glob("*.jsonl")):
        ours = evaluate_file(model, path)
        raw_texts, truth = read_jsonl(path)
        tfidf_p = baseline.predict_proba(raw_texts)[:, 1]
        both = 0 < truth.sum() < len(truth)

        def auc(scores: np.ndarray, truth: np.ndarray = truth, both: bool = both) -> str:
            return f"{roc_auc_score(truth, scores):.3f}" if both else "-"

        ours_auc = f"{ours['concern_roc_auc']:.4f}" if "concern_roc_auc" in ours else "-"
        row = (
            f"{path.stem:32} {ours['comments']:5d} {ours_auc:>8} {ours['flag_rate']:6.2%} | "
            f"{auc(tfidf_p):>9} {(tfidf_p >= 0.5).mean():6.2%} |"
        )
        if profanity_check is not None:
            prof_p = profanity_check.predict_prob(raw_texts)
            row += f" {auc(prof_p):>13} {(prof_p >= 0.5).mean():6.2%}"
        print(row)
        category_lines += [
            f"  {path.stem:28} {category:30} n={figures['comments']:4d} "
            f"AUC {figures['concern_roc_auc']:.3f}  flagged {figures['flagged']:6.1%}"
            for category, figures in ours.get("categories", {}).items()
        ]

    print("\nours by the source's own category of uncivil comment (concern AUC against the file's civil comments):")
    print("\n".join(category_lines))

    ordinary, _ = read_jsonl(shared / "heldout" / "github_ordinary_threads.jsonl")
    batch = (ordinary * 5)[:10_000]
    inputs = [CommentInput(text) for text in batch]
    print(
        f"\nspeed on {len(batch):,} ordinary GitHub comments (mean {np.mean([len(t) for t in batch]):.0f} characters):"
    )

    def best_rate(run) -> float:  # best of three runs, the usual guard against a busy machine
        seconds = []
        for _ in range(3):
            began = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - began)
        return len(batch) / min(seconds)

    ours = best_rate(lambda: score_comments(scorer, inputs))
    print(f"  moderator (scores, flags, concern, evidence): {ours:10,.0f} comments/s (best of 3)")
    if profanity_check is not None:
        theirs = best_rate(lambda: profanity_check.predict_prob(batch))
        print(f"  alt-profanity-check:                          {theirs:10,.0f} comments/s (best of 3)")
    print(f"  model load (sha256 check + joblib):           {load_seconds:10.3f} s")

    starter = load_starter_corpus(taxonomy_ids=taxonomy.ids)
    vcu = load_labeled_jsonl(shared / "train" / "vcu_incivility.jsonl")
    examples = (starter + vcu)[:10_000]
    X = [e.input for e in examples]
    Y = label_matrix(examples, taxonomy.ids)
    began = time.perf_counter()
    GuidelineClassifier(labels=taxonomy.ids).fit(
        X,
        Y,
        np.array([e.concern for e in examples]),
        [e.group for e in examples],
        np.array([e.known_labels for e in examples]),
    )
    print(
        f"  training on {len(examples):,} examples (8 models, 5-fold out-of-fold calibration): "
        f"{time.perf_counter() - began:.1f} s"
    )


if __name__ == "__main__":
    main()
