"""``score_threads``: many threads scored in shared batches give exactly what scoring each thread alone gives (the
same rounded floats, flags and evidence), in order, with batch ends inside and between threads, empty threads
anywhere, a bounded number of model passes, and ``moderator score`` output byte for byte as it was."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from conftest import run_cli

import moderator.scoring as scoring
import moderator.scoring.parallel as parallel
from moderation_core.errors import UsageError, WorkerError
from moderation_core.taxonomy import load_taxonomy
from moderation_core.textsafe import dumps, visible
from moderation_core.thread import Thread
from moderator.cli.render import score_table
from moderator.scoring import CommentScore, Scorer, load_scorer, score_thread, score_threads
from moderator.sources import load_threads

CIVIL = [
    "The build passes on arm64 after the cache fix.",
    "Could you attach the full log from the failing run?",
    "Thanks, the patch in comment 2 works for me too.",
]
HOSTILE = [
    "You clueless idiot, any update??",
    "This is garbage and whoever wrote it should be fired.",
    "Shut up and fix your broken code, moron.",
]


def thread_rows(threads: int, seed: int = 0) -> list[dict[str, object]]:
    """JSONL rows of ``threads`` threads of 1 to 6 comments, some hostile, some quoting an earlier comment (so a
    comment's context comes from its own thread)."""
    rows: list[dict[str, object]] = []
    for t in range(threads):
        size = 1 + (t * 7 + seed) % 6
        for n in range(size):
            pool = HOSTILE if (t + n + seed) % 4 == 1 else CIVIL
            text = f"{pool[(t + n) % len(pool)]} (thread {t}, comment {n})"
            if n and (t + n) % 3 == 0:
                text = f"> {rows[-1]['text']}\n\n{text}"
            rows.append({"thread": f"t{t}", "id": f"c{t}-{n}", "text": text})
    return rows


def many_threads(tmp_path: Path, threads: int, seed: int = 0) -> list[Thread]:
    """Threads as ``moderator score`` gets them: imported (and segmented) from a JSONL file."""
    path = tmp_path / f"many-{threads}-{seed}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in thread_rows(threads, seed)) + "\n", encoding="utf-8")
    return load_threads(path, None)


def empty_thread(name: str) -> Thread:
    return Thread(source="jsonl", id=name, title=name, comments=[])


def as_data(scores: Sequence[CommentScore]) -> list[dict[str, object]]:
    return [s.to_dict(None) for s in scores]


def one_by_one(scorer: Scorer, threads: Sequence[Thread]) -> list[tuple[str | None, list[dict[str, object]]]]:
    return [(thread.id, as_data(score_thread(scorer, thread))) for thread in threads]


def batched(
    scorer: Scorer, threads: Sequence[Thread], batch_comments: int
) -> list[tuple[str | None, list[dict[str, object]]]]:
    return [
        (thread.id, as_data(scores)) for thread, scores in score_threads(scorer, threads, batch_comments=batch_comments)
    ]


@pytest.fixture
def small_scorer(small_model_dir: Path) -> Scorer:
    return load_scorer(small_model_dir, load_taxonomy())


@pytest.mark.parametrize("batch_comments", [1, 2, 5, 7, 64, 100_000])
def test_batched_scores_equal_scoring_each_thread_alone(
    small_scorer: Scorer, tmp_path: Path, batch_comments: int
) -> None:
    threads = many_threads(tmp_path, 40)
    expected = one_by_one(small_scorer, threads)
    assert sum(len(s) for _, s in expected) > 100  # batch ends fall inside threads and between them
    assert batched(small_scorer, threads, batch_comments) == expected


def test_batched_scores_equal_one_by_one_with_the_bundled_model(tmp_path: Path) -> None:
    scorer = load_scorer(None, load_taxonomy())
    threads = many_threads(tmp_path, 60, seed=3)
    expected = one_by_one(scorer, threads)
    assert any(line["flags"] for _, lines in expected for line in lines)  # flags and evidence are compared too
    assert any(line["evidence"] for _, lines in expected for line in lines)
    assert batched(scorer, threads, 9) == expected


@pytest.mark.parametrize("batch_comments", [1, 3, 1000])
def test_empty_threads_anywhere_keep_their_place(small_scorer: Scorer, tmp_path: Path, batch_comments: int) -> None:
    imported = many_threads(tmp_path, 6)
    threads = [
        empty_thread("e0"),
        imported[0],
        empty_thread("e1"),
        empty_thread("e2"),
        *imported[1:4],
        empty_thread("e3"),
        *imported[4:],
        empty_thread("e4"),
    ]
    result = batched(small_scorer, threads, batch_comments)
    assert [name for name, _ in result] == [t.id for t in threads]
    assert result == one_by_one(small_scorer, threads)
    assert list(score_threads(small_scorer, [], batch_comments=batch_comments)) == []
    only_empty = [empty_thread("a"), empty_thread("b")]
    assert [(t.id, s) for t, s in score_threads(small_scorer, only_empty)] == [("a", []), ("b", [])]


class CallCounter:
    """Stands in for ``score_comments``: counts the calls and their sizes, then scores as the real one does."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.real = scoring.score_comments

    def __call__(self, scorer: Scorer, inputs: Sequence[object], **kwargs: bool) -> list[scoring._Result]:
        self.sizes.append(len(inputs))
        return self.real(scorer, inputs, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("batch_comments", [1, 10, 33, 5000])
def test_model_passes_are_bounded_by_comments_over_batch(
    small_scorer: Scorer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_comments: int
) -> None:
    threads = many_threads(tmp_path, 50)
    total = sum(len(t.comments) for t in threads)
    counter = CallCounter()
    monkeypatch.setattr(scoring, "score_comments", counter)
    assert len(list(score_threads(small_scorer, threads, batch_comments=batch_comments))) == len(threads)
    assert len(counter.sizes) == math.ceil(total / batch_comments)
    if batch_comments > 1:
        assert len(counter.sizes) < len(threads)  # fewer model passes than threads
    assert sum(counter.sizes) == total
    assert all(size == batch_comments for size in counter.sizes[:-1])  # every batch but the last is full


def test_threads_are_yielded_as_soon_as_their_batch_is_scored(small_scorer: Scorer, tmp_path: Path) -> None:
    threads = many_threads(tmp_path, 30)
    read: list[str | None] = []

    def lazily() -> Iterator[Thread]:
        for thread in threads:
            read.append(thread.id)
            yield thread

    results = score_threads(small_scorer, lazily(), batch_comments=4)
    first, _ = next(results)
    assert first.id == threads[0].id
    # Only the threads that fill the first batch (or two, if a thread has more comments than one batch) were read.
    assert len(read) <= 8 < len(threads)


def test_a_batch_size_under_one_is_refused(small_scorer: Scorer, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        list(score_threads(small_scorer, many_threads(tmp_path, 2), batch_comments=0))


@pytest.mark.parametrize(("as_json", "jobs"), [(True, "1"), (False, "1"), (True, "2"), (False, "3")])
def test_score_command_output_is_byte_identical_to_thread_by_thread(
    small_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_json: bool, jobs: str
) -> None:
    # Batches of 7 as the command's default: they end inside threads and between them.
    monkeypatch.setattr(score_threads, "__kwdefaults__", {**(score_threads.__kwdefaults__ or {}), "batch_comments": 7})
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in thread_rows(25)) + "\n", encoding="utf-8")
    scorer = load_scorer(small_model_dir, load_taxonomy())
    # The output as the command wrote it before batching: every piece collected, joined, written once.
    pieces: list[str] = []
    for thread in load_threads(path, None):
        results = score_thread(scorer, thread)
        if as_json:
            pieces.extend(dumps(r.to_dict(thread.id)) for r in results)
        else:
            pieces.append(score_table(thread, results, scorer.model_id) + "\n")
    expected = visible("\n".join(pieces) + "\n")
    options = ["--model", str(small_model_dir), "--jobs", jobs, *(["--json"] if as_json else [])]
    result = run_cli("score", str(path), *options)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_worker_processes_score_exactly_as_one_process(tmp_path: Path) -> None:
    scorer = load_scorer(None, load_taxonomy())
    threads = many_threads(tmp_path, 60, seed=3)
    expected = one_by_one(scorer, threads)
    assert any(line["evidence"] for _, lines in expected for line in lines)
    for jobs in (2, 3):
        got = [(t.id, as_data(s)) for t, s in score_threads(scorer, threads, batch_comments=9, jobs=jobs)]
        assert got == expected


def test_no_worker_is_started_for_an_input_of_one_batch(
    small_scorer: Scorer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    real_pool = parallel._pool

    def counting_pool(scorer: Scorer, jobs: int) -> object:
        started.append(jobs)
        return real_pool(scorer, jobs)

    monkeypatch.setattr(parallel, "_pool", counting_pool)
    threads = many_threads(tmp_path, 10)
    total = sum(len(t.comments) for t in threads)
    assert len(list(score_threads(small_scorer, threads, batch_comments=total, jobs=4))) == len(threads)
    assert started == []
    assert len(list(score_threads(small_scorer, threads, batch_comments=total // 3, jobs=4))) == len(threads)
    assert started == [4]


def test_the_reader_stays_a_few_batches_ahead_of_the_workers(small_scorer: Scorer, tmp_path: Path) -> None:
    threads = many_threads(tmp_path, 200)
    read: list[int] = []

    def lazily() -> Iterator[Thread]:
        for thread in threads:
            read.append(len(thread.comments))
            yield thread

    jobs, batch = 2, 5
    results = score_threads(small_scorer, lazily(), batch_comments=batch, jobs=jobs)
    next(results)
    in_flight = jobs * parallel.IN_FLIGHT_PER_WORKER
    # Read when the first results come back, at most: the batches in flight, the one whose results are waited for,
    # the one held for the next submission, and the batch being filled (a thread of up to 6 comments overfills it).
    assert sum(read) <= (in_flight + 3) * batch + 6 < sum(len(t.comments) for t in threads)
    assert len(list(results)) == len(threads) - 1


def test_jobs_under_one_are_refused(small_scorer: Scorer, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        list(score_threads(small_scorer, many_threads(tmp_path, 2), jobs=0))


@pytest.mark.parametrize(
    ("option", "environment", "message"),
    [
        (["--jobs", "0"], None, "--jobs: '0' is not a number of worker processes"),
        ([], "two", "$MODERATOR_JOBS: 'two' is not a number of worker processes"),
        ([], "-1", "$MODERATOR_JOBS: '-1' is not a number of worker processes"),
    ],
)
def test_a_bad_number_of_jobs_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, option: list[str], environment: str | None, message: str
) -> None:
    if environment is not None:
        monkeypatch.setenv("MODERATOR_JOBS", environment)
    result = run_cli("score", "moderator/samples/bug-4127.txt", *option, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr and result.stderr.count("\n") == 1


def _die(*_: object) -> None:
    os._exit(3)  # as the kernel's out-of-memory killer would end it: no exception, no cleanup


def test_a_worker_that_dies_is_one_error_not_a_traceback(
    small_scorer: Scorer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers are forked: they run the patched function.
    monkeypatch.setattr(parallel, "_score_in_worker", _die)
    with pytest.raises(WorkerError, match="worker process scoring this file stopped"):
        list(score_threads(small_scorer, many_threads(tmp_path, 40), batch_comments=5, jobs=2))


def test_the_score_command_says_so_in_one_line(
    small_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "_score_in_worker", _die)
    monkeypatch.setattr(score_threads, "__kwdefaults__", {**(score_threads.__kwdefaults__ or {}), "batch_comments": 7})
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in thread_rows(25)) + "\n", encoding="utf-8")
    result = run_cli("score", str(path), "--model", str(small_model_dir), "--json", "--jobs", "2")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--jobs 1" in result.stderr
