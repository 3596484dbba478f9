"""``iter_threads_beside``: the first reading of a large JSONL file in a forked process while the model loads gives
the same threads as reading it here, the same error for a bad file, and the file's error before the model's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import run_cli

import moderator.sources.stream as stream
from moderation_core.errors import ModelError, SourceError
from moderator.sources.stream import iter_threads, iter_threads_beside

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the reading beside the work runs on Linux only")
SAMPLE = Path(__file__).resolve().parent.parent / "moderator" / "samples" / "bug-4127.txt"


@pytest.fixture(autouse=True)
def every_file_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "BESIDE_BYTES", 0)


def write_jsonl(path: Path, rows: list[dict[str, object]], tail: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + tail, encoding="utf-8")
    return path


ROWS = [{"thread": f"t{n % 3}", "id": f"c{n}", "text": f"comment {n}\n> quoted\nreply"} for n in range(30)]


def as_data(threads: object) -> list[object]:
    return [repr(thread) for thread in threads]  # type: ignore[attr-defined]


def test_the_threads_are_those_read_here(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "many.jsonl", ROWS)
    threads, result = iter_threads_beside(path, None, lambda: "loaded")
    assert result == "loaded"
    assert as_data(threads) == as_data(iter_threads(path)) and len(as_data(iter_threads(path))) == 3


def test_a_file_of_another_format_is_imported_here(tmp_path: Path) -> None:
    threads, _ = iter_threads_beside(SAMPLE, None, lambda: None)
    assert as_data(threads) == as_data(iter_threads(SAMPLE))


@pytest.mark.parametrize(
    "tail",
    [
        '{"thread": "t1", "text": broken\n',
        '{"thread": "x", "number": 1, "text": "a"}\n{"thread": "x", "number": 1, "text": "b"}\n',
    ],
)
def test_a_bad_file_gives_the_error_it_gives_here(tmp_path: Path, tail: str) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", ROWS, tail)
    with pytest.raises(SourceError) as here:
        iter_threads(path)
    with pytest.raises(SourceError) as beside:
        iter_threads_beside(path, None, lambda: None)
    assert str(beside.value) == str(here.value)


def test_the_file_error_comes_before_the_work_error(tmp_path: Path) -> None:
    def failing() -> None:
        raise ModelError("the model is broken")

    bad = write_jsonl(tmp_path / "bad.jsonl", ROWS, "not json\n")
    with pytest.raises(SourceError):
        iter_threads_beside(bad, None, failing)
    good = write_jsonl(tmp_path / "good.jsonl", ROWS)
    with pytest.raises(ModelError, match="the model is broken"):
        iter_threads_beside(good, None, failing)


def test_score_reads_beside_the_model_with_the_same_output_and_errors(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "many.jsonl", ROWS)
    result = run_cli("score", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(ROWS)
    bad = write_jsonl(tmp_path / "bad.jsonl", ROWS, "not json\n")
    failed = run_cli("score", str(bad), "--json")
    assert failed.returncode == 2 and failed.stdout == ""
    assert f"{bad}:31:1: invalid JSON" in failed.stderr and failed.stderr.count("\n") == 1
