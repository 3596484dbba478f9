"""One way to build model inputs: a comment gets the same input, and the same features, whether it was read as
labeled training data or imported from a thread file and scored (no train/serve skew)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from classifiers.data import load_labeled_jsonl, load_starter_corpus, read_labeled_file
from classifiers.persist import load_model
from moderation_core.model_inputs import CONTEXT_CHARS, CommentInput, comment_context, thread_inputs
from moderation_core.segmentation import segment_thread
from moderation_core.taxonomy import load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.scoring import comment_inputs
from moderator.sources import load_threads

OPENING = (
    "The importer drops every comment after the first page of results when the export is paginated, "
    "so threads with more than a hundred comments come out truncated."
)
# Two threads, their lines out of order and interleaved: every kind of quote the importers attribute by thread
# (a "> " quote of the opening post, an email attribution, a sentence repeated inline from an earlier comment), a
# signature, a deleted comment, a comment with a reply header, and a second thread to keep apart.
COMMENTS: list[dict[str, object]] = [
    {"thread": "acme/importer#7", "number": 0, "id": "c0", "author": "ana", "text": OPENING},
    {
        "thread": "acme/importer#7",
        "number": 2,
        "id": "c2",
        "author": "bo",
        "text": "On Tue, 3 Mar 2026 at 10:12, ana wrote:\n> The importer drops every comment after the first page\n\n"
        "Are you serious? This is the third time you broke pagination, you clueless amateur.\n-- \nBo Bergen",
    },
    {"thread": "other/repo#1", "number": 0, "id": "o0", "author": "cy", "text": "Unrelated thread: docs typo."},
    {
        "thread": "acme/importer#7",
        "number": 1,
        "id": "c1",
        "author": "cy",
        "text": "> so threads with more than a hundred comments come out truncated.\n\nConfirmed on 2.3, "
        "the cursor is never followed.",
    },
    {"thread": "acme/importer#7", "number": 3, "id": "c3", "author": "dee", "text": None},  # deleted
    {
        "thread": "acme/importer#7",
        "number": 4,
        "id": "c4",
        "author": "eve",
        "text": "Nobody has shown that threads with more than a hundred comments come out truncated, so please "
        "test first. Fix in #12, and please keep it civil.",
    },
    {"thread": "other/repo#1", "number": 1, "id": "o1", "author": "bo", "text": "Fixed, thanks!"},
    {
        "thread": "acme/importer#7",
        "number": 5,
        "id": "c5",
        "author": "bo",
        "text": "(In reply to eve from comment #4)\n> please keep it civil\n\nFine. Sorry for the tone.",
    },
]
TITLES = {"acme/importer#7": "Paginated exports are truncated", "other/repo#1": "Typo in README"}
UNCIVIL = {"c2"}


def _record(comment: dict[str, object]) -> dict[str, object]:
    return {**comment, "title": TITLES[str(comment["thread"])]}


def write_labeled(path: Path) -> Path:
    lines = [{**_record(c), "uncivil": c["id"] in UNCIVIL, "category": None} for c in COMMENTS]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def write_source_jsonl(path: Path) -> Path:
    path.write_text("".join(json.dumps(_record(c)) + "\n" for c in COMMENTS), encoding="utf-8")
    return path


def write_source_csv(path: Path) -> Path:
    fields = ["thread", "title", "number", "id", "author", "text"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for comment in COMMENTS:
            record = _record(comment)
            writer.writerow({name: "" if record.get(name) is None else record[name] for name in fields})
    return path


def scored_inputs(path: Path) -> dict[str, CommentInput]:
    """Each comment's input as ``moderator score`` builds it: the importer, then scoring."""
    inputs = {}
    for thread in load_threads(path):
        for comment, model_input in zip(thread.comments, comment_inputs(thread), strict=True):
            if comment.text:
                inputs[str(comment.id)] = model_input
    return inputs


@pytest.fixture(params=["jsonl", "csv"])
def source_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "csv":
        return write_source_csv(tmp_path / "thread.csv")
    return write_source_jsonl(tmp_path / "thread.jsonl")


def test_training_and_scoring_build_identical_inputs(tmp_path: Path, source_file: Path) -> None:
    trained = {example.id: example.input for example in load_labeled_jsonl(write_labeled(tmp_path / "labeled.jsonl"))}
    scored = scored_inputs(source_file)
    assert trained.keys() == scored.keys() == {"c0", "c1", "c2", "c4", "c5", "o0", "o1"}
    for key, model_input in trained.items():
        assert model_input == scored[key], key
    # The thread was really segmented as a thread: quotes, the attribution and the signature are gone ...
    assert trained["c1"].text == "Confirmed on 2.3, the cursor is never followed."
    assert "wrote:" not in trained["c2"].text and "Bo Bergen" not in trained["c2"].text
    assert trained["c2"].text.startswith("Are you serious?")
    assert "please keep it civil" not in trained["c5"].text and "In reply to" not in trained["c5"].text
    assert trained["c4"].text.startswith("Nobody has shown that so please test first.")  # an inline quote
    # ... and the context is own words: the opening post, then the previous comment (the deleted one is empty).
    assert trained["c1"].context == OPENING
    assert trained["c2"].context == OPENING + "\n" + trained["c1"].text
    assert trained["c4"].context == OPENING + "\n"
    assert trained["o1"] == CommentInput("Fixed, thanks!", TITLES["other/repo#1"], "Unrelated thread: docs typo.")


def test_training_and_scoring_give_identical_feature_rows(
    tmp_path: Path, source_file: Path, small_model_dir: Path
) -> None:
    examples = load_labeled_jsonl(write_labeled(tmp_path / "labeled.jsonl"))
    scored = scored_inputs(source_file)
    model, _ = load_model(small_model_dir, load_taxonomy())
    trained_rows = model.vectorizer_.transform([e.input for e in examples])
    scored_rows = model.vectorizer_.transform([scored[e.id] for e in examples])
    assert trained_rows.shape == scored_rows.shape and (trained_rows != scored_rows).nnz == 0
    trained_proba, trained_concern = model.score_all([e.input for e in examples])
    scored_proba, scored_concern = model.score_all([scored[e.id] for e in examples])
    assert np.array_equal(trained_proba, scored_proba) and np.array_equal(trained_concern, scored_concern)


def test_inputs_come_one_at_a_time_with_bounded_context() -> None:
    long_text = "word " * 3000
    comments = [Comment(n, f"{long_text}{n}") for n in range(4)]
    segment_thread(comments)
    inputs = thread_inputs(Thread("jsonl", comments, title="t"))
    first = next(inputs)  # a generator: a long thread never holds every context at once
    assert first == CommentInput(comments[0].own_text, "t", "")
    rest = list(inputs)
    assert rest[0].context == comments[0].own_text[:CONTEXT_CHARS]
    assert rest[2].context == comments[0].own_text[:CONTEXT_CHARS] + "\n" + comments[2].own_text[:CONTEXT_CHARS]
    assert list(thread_inputs(Thread("jsonl", []))) == []


def test_starter_corpus_comments_go_through_the_same_path(tmp_path: Path) -> None:
    """A starter line is a one-comment thread: its input is the scoring input of that thread."""
    record = {
        "id": "s-1",
        "title": "Build fails",
        "text": "> you broke it\n\nNo, the cache did. Clearing it.",
        "labels": [],
    }
    (tmp_path / "one.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (example,) = load_starter_corpus(tmp_path)
    comment = Comment(0, str(record["text"]), id="s-1")
    thread = Thread("starter", [comment], title="Build fails")
    segment_thread(thread.comments)
    assert example.input == comment_inputs(thread)[0] == CommentInput("No, the cache did. Clearing it.", "Build fails")


def test_evaluation_builds_one_thread_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long file is streamed: taking the first batch segments only the threads that batch needs."""
    from classifiers import data

    lines = [
        {"text": f"comment {n} of thread {t}", "uncivil": False, "thread": f"t{t}", "number": n}
        for t in range(50)
        for n in range(4)
    ]
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    segmented: list[int] = []
    monkeypatch.setattr(data, "segment_thread", lambda comments: segmented.append(len(comments)))
    batches = read_labeled_file(path).batches(6)
    first = next(batches)
    assert len(first) == 6 and segmented == [4, 4]  # two threads of four, not fifty
    assert sum(len(batch) for batch in batches) == 200 - 6 and len(segmented) == 50


def test_inputs_survive_pickling_for_worker_processes() -> None:
    import pickle

    joined = CommentInput("text", "title", "opening\nprevious", ("opening", "previous"))
    stale = CommentInput("text", "title", "something else", ("opening", "previous"))
    plain = CommentInput("text")
    for item in (joined, stale, plain):
        copy = pickle.loads(pickle.dumps(item))
        assert (copy.text, copy.title, copy.context, copy.context_parts) == (
            item.text,
            item.title,
            item.context,
            item.context_parts,
        )
    # the opening post shared by a batch is sent once, not once per comment
    opening = "opening post " * 100
    batch = [CommentInput(f"c{n}", "t", f"{opening}\nc{n - 1}", (opening, f"c{n - 1}")) for n in range(1, 50)]
    assert len(pickle.dumps(batch)) < 20 * len(opening)


def test_one_comments_context_is_the_one_its_thread_gives_it(tmp_path: Path) -> None:
    """The decision log keeps a decided comment's context from ``comment_context``: it must be what scoring
    gives that comment, long comments cut as there."""
    long_thread = Thread(
        "jsonl",
        [Comment(n, "word " * (CONTEXT_CHARS if n % 2 else 3), id=str(n), author=f"a{n}") for n in range(5)],
        id="t",
        title="Long",
    )
    segment_thread(long_thread.comments)
    threads = [*load_threads(write_source_jsonl(tmp_path / "thread.jsonl")), long_thread]
    for thread in threads:
        given = [model_input.context for model_input in thread_inputs(thread)]
        assert [comment_context(thread, i) for i in range(len(thread.comments))] == given
        assert given[0] == "" and all(given[1:])
