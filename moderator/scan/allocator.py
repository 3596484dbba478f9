"""Scoring on a Dask worker as fast as in a local worker: glibc's large allocations, while a scan task runs.

Dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (``distributed.nanny.pre-spawn-environ``),
so that a worker gives freed memory back to the system. Setting that variable (or ``MALLOC_TOP_PAD_`` or
``MALLOC_MMAP_MAX_``) also turns off glibc's *dynamic* mmap threshold: every allocation of 128 KiB or more is then
its own ``mmap``, zeroed by the kernel page by page and unmapped when freed, however often the same size is asked
for again. Scoring makes and drops many such arrays (the sparse feature matrices of each task's comments): on such a
worker a task took 10 times the page faults and a third more CPU time than in a loky worker, where glibc raises the
threshold after the first free and serves those arrays from the heap.

:func:`large_allocations_from_heap` raises the mmap threshold to glibc's own dynamic ceiling (32 MiB) while a scan
task runs, and puts back the fixed 128 KiB such a worker had: the worker's other work, and its memory once the
task's arrays are freed (the trim threshold is left as it was), are as Dask set them. It does nothing where the
dynamic threshold is on (no such variable: a local worker), where the moderator chose the mmap threshold
themselves (``MALLOC_MMAP_THRESHOLD_``), and where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import os
import platform
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

# mallopt's parameter number for the mmap threshold (glibc's malloc.h).
M_MMAP_THRESHOLD = -3
# glibc's mmap threshold when it is fixed and nobody set it (DEFAULT_MMAP_THRESHOLD_MIN): what a Dask worker has.
FIXED_DEFAULT_THRESHOLD = 128 * 1024
# glibc's ceiling for the dynamic threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX): what a local worker
# reaches after freeing its first large array.
TASK_THRESHOLD = 32 * 1024 * 1024
# Variables that fix glibc's mmap threshold at 128 KiB when set (each sets mp_.no_dyn_threshold), and the one that
# chooses the threshold itself.
FIXING_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")
FIXING_TUNABLES = ("glibc.malloc.trim_threshold", "glibc.malloc.top_pad", "glibc.malloc.mmap_max")
CHOSEN_VARIABLE = "MALLOC_MMAP_THRESHOLD_"
CHOSEN_TUNABLE = "glibc.malloc.mmap_threshold"

Mallopt = Callable[[int, int], int]


def threshold_is_fixed_at_default(environ: Mapping[str, str]) -> bool:
    """True when this process's mmap threshold is fixed at glibc's 128 KiB: a variable that fixes it is set (as
    Dask's nanny sets MALLOC_TRIM_THRESHOLD_), and none chooses the threshold itself."""
    tunables = [setting.split("=", 1)[0] for setting in environ.get("GLIBC_TUNABLES", "").split(":")]
    if CHOSEN_VARIABLE in environ or CHOSEN_TUNABLE in tunables:
        return False
    return any(name in environ for name in FIXING_VARIABLES) or any(name in tunables for name in FIXING_TUNABLES)


def glibc_mallopt() -> Mallopt | None:
    """glibc's mallopt, or None where the C library is another (musl, macOS, Windows)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        function = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_int)
    function.restype = ctypes.c_int
    return function


class HeapForLargeArrays:
    """The raised threshold, counted: tasks may run in several threads of one worker, and the fixed threshold comes
    back when the last of them ends."""

    def __init__(self, mallopt: Mallopt | None, environ: Mapping[str, str]) -> None:
        self.mallopt = mallopt if mallopt is not None and threshold_is_fixed_at_default(environ) else None
        self.running = 0
        self.lock = threading.Lock()

    @contextmanager
    def during_task(self) -> Iterator[None]:
        if self.mallopt is None:
            yield
            return
        with self.lock:
            if self.running == 0:
                self.mallopt(M_MMAP_THRESHOLD, TASK_THRESHOLD)
            self.running += 1
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                if self.running == 0:
                    self.mallopt(M_MMAP_THRESHOLD, FIXED_DEFAULT_THRESHOLD)


_this_process: HeapForLargeArrays | None = None
_this_process_lock = threading.Lock()


def large_allocations_from_heap() -> HeapForLargeArrays:
    """This process's counter (made on first use: in a worker, from the worker's own environment)."""
    global _this_process
    with _this_process_lock:
        if _this_process is None:
            _this_process = HeapForLargeArrays(glibc_mallopt(), os.environ)
        return _this_process


__all__ = ["HeapForLargeArrays", "large_allocations_from_heap", "threshold_is_fixed_at_default"]
