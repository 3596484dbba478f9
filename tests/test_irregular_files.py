"""Sources and logs are regular files: a FIFO, a device or a directory is refused before it is opened (a FIFO
would block forever, /dev/zero never ends), with one line saying what the path is, exit status 2."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES, expect_source_error, run_moderator

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _one_line_error(result, path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and kind in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "kind"), [("fifo", "a FIFO"), ("directory", "a directory"), ("device", "a character device")]
)
def test_irregular_sources_are_refused(name: str, kind: str, fifo: Path, tmp_path: Path) -> None:
    path = {"fifo": fifo, "directory": tmp_path, "device": Path("/dev/zero")}[name]
    error = expect_source_error(path)
    assert kind in error.problem
    _one_line_error(run_moderator("thread", str(path), timeout=60), path, kind)


@pytest.mark.parametrize(
    ("name", "kind"), [("fifo", "a FIFO"), ("directory", "a directory"), ("device", "a character device")]
)
def test_irregular_logs_are_refused_by_every_log_command(name: str, kind: str, fifo: Path, tmp_path: Path) -> None:
    path = {"fifo": fifo, "directory": tmp_path, "device": Path("/dev/zero")}[name]
    decide = run_moderator(
        "decide", str(SAMPLES / "bug-4127.csv"), "--comment", "2", "--ok", "--log", str(path), timeout=60
    )
    _one_line_error(decide, path, kind)
    for action in ("validate", "stats", "repair"):
        _one_line_error(run_moderator("log", action, str(path), timeout=60), path, kind)
