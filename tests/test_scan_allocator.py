"""A scan task's large arrays come from the heap even on a Dask worker (moderator.scan.allocator).

Dask starts its workers with MALLOC_TRIM_THRESHOLD_ set, which fixes glibc's mmap threshold at 128 KiB: every
large array is then mapped, faulted in page by page and unmapped again. The scan raises the threshold while its
task runs and puts back what the worker had. These tests check when it acts, that it always puts the threshold
back, and, in a real process with Dask's variable, that the page faults it exists to avoid are gone.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from moderator.scan import allocator, runner
from moderator.scan.allocator import (
    FIXED_DEFAULT_THRESHOLD,
    M_MMAP_THRESHOLD,
    TASK_THRESHOLD,
    HeapForLargeArrays,
    threshold_is_fixed_at_default,
)


class RecordingMallopt:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return 1


RAISED = (M_MMAP_THRESHOLD, TASK_THRESHOLD)
PUT_BACK = (M_MMAP_THRESHOLD, FIXED_DEFAULT_THRESHOLD)


@pytest.mark.parametrize(
    ("environ", "fixed"),
    [
        ({}, False),  # glibc's dynamic threshold: a local worker
        ({"MALLOC_TRIM_THRESHOLD_": "65536"}, True),  # what Dask's nanny sets
        ({"MALLOC_TOP_PAD_": "0"}, True),
        ({"MALLOC_MMAP_MAX_": "65536"}, True),
        ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=65536"}, True),
        ({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.malloc.top_pad=0"}, True),
        ({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"}, False),
        # the moderator chose the threshold: theirs is kept
        ({"MALLOC_TRIM_THRESHOLD_": "65536", "MALLOC_MMAP_THRESHOLD_": "1048576"}, False),
        ({"MALLOC_TRIM_THRESHOLD_": "65536", "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=1048576"}, False),
    ],
)
def test_the_threshold_is_fixed_only_by_the_variables_that_fix_it(environ: dict[str, str], fixed: bool) -> None:
    assert threshold_is_fixed_at_default(environ) is fixed


def test_a_task_raises_the_threshold_and_puts_it_back() -> None:
    mallopt = RecordingMallopt()
    heap = HeapForLargeArrays(mallopt, {"MALLOC_TRIM_THRESHOLD_": "65536"})
    with heap.during_task():
        assert mallopt.calls == [RAISED]
    assert mallopt.calls == [RAISED, PUT_BACK]


def test_the_threshold_is_put_back_when_the_task_fails() -> None:
    mallopt = RecordingMallopt()
    heap = HeapForLargeArrays(mallopt, {"MALLOC_TRIM_THRESHOLD_": "65536"})
    with pytest.raises(ValueError), heap.during_task():
        raise ValueError("a task that fails")
    assert mallopt.calls == [RAISED, PUT_BACK]
    assert heap.running == 0


def test_nothing_is_changed_where_the_threshold_is_dynamic_or_chosen() -> None:
    for environ in ({}, {"MALLOC_TRIM_THRESHOLD_": "65536", "MALLOC_MMAP_THRESHOLD_": "1048576"}):
        mallopt = RecordingMallopt()
        with HeapForLargeArrays(mallopt, environ).during_task():
            pass
        assert mallopt.calls == []


def test_without_glibc_nothing_is_called() -> None:
    with HeapForLargeArrays(None, {"MALLOC_TRIM_THRESHOLD_": "65536"}).during_task():
        pass  # no mallopt to call: a task simply runs


def test_tasks_in_several_threads_put_the_threshold_back_once_the_last_ends() -> None:
    """A Dask worker may run tasks in several threads of one process: the threshold stays raised while any runs."""
    mallopt = RecordingMallopt()
    heap = HeapForLargeArrays(mallopt, {"MALLOC_TRIM_THRESHOLD_": "65536"})
    started = threading.Barrier(4)
    finish = threading.Event()

    def task() -> None:
        with heap.during_task():
            started.wait()
            finish.wait()

    workers = [threading.Thread(target=task) for _ in range(3)]
    for worker in workers:
        worker.start()
    started.wait()  # all three inside their task
    assert mallopt.calls == [RAISED]
    finish.set()
    for worker in workers:
        worker.join()
    assert mallopt.calls == [RAISED, PUT_BACK]


def test_every_scan_task_runs_with_large_arrays_from_the_heap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_scan import write_thread_files

    mallopt = RecordingMallopt()
    heap = HeapForLargeArrays(mallopt, {"MALLOC_TRIM_THRESHOLD_": "65536"})
    seen_inside: list[list[tuple[int, int]]] = []
    scored = runner._loaded_and_scored

    def recording(*args: Any) -> Any:
        seen_inside.append(list(mallopt.calls))
        return scored(*args)

    monkeypatch.setattr(runner, "large_allocations_from_heap", lambda: heap)
    monkeypatch.setattr(runner, "_loaded_and_scored", recording)
    write_thread_files(tmp_path / "threads", 3)
    from moderator.scoring import load_scorer

    result = runner.scan(runner.file_sources([str(tmp_path / "threads")]).loaders, load_scorer())
    assert result.header.threads == 3
    assert seen_inside and all(calls[-1] == RAISED for calls in seen_inside)
    assert mallopt.calls[-1] == PUT_BACK


# In a process started as Dask starts its workers: 1 MiB arrays made, filled and freed in turn, with a small block
# kept after each (as a task's other objects are), so that a freed array is never the top of the heap.
FAULTS_PROGRAM = """
import resource, sys
import numpy
from moderator.scan.allocator import large_allocations_from_heap

def faults_of_arrays():
    kept = []
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        array = numpy.ones(1 << 17)  # 1 MiB, every page written
        kept.append(bytes(4096))
        del array
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

if sys.argv[1] == "task":
    with large_allocations_from_heap().during_task():
        print(faults_of_arrays())
else:
    print(faults_of_arrays())
"""


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's allocator: Linux with glibc"
)
def test_in_a_dask_like_worker_the_arrays_no_longer_fault_page_by_page(tmp_path: Path) -> None:
    """200 arrays of 256 pages: mapped each time they fault about 51,200 pages; from the heap, the first few."""
    assert allocator.glibc_mallopt() is not None
    script = tmp_path / "faults.py"
    script.write_text(FAULTS_PROGRAM, encoding="utf-8")
    environ = {
        "MALLOC_TRIM_THRESHOLD_": "65536",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(allocator.__file__).parents[2]),
    }

    def faults(mode: str) -> int:
        done = subprocess.run(
            [sys.executable, str(script), mode], env=environ, capture_output=True, text=True, check=True, timeout=120
        )
        return int(done.stdout)

    mapped, from_heap = faults("plain"), faults("task")
    assert mapped > 40_000
    assert from_heap < mapped // 10
