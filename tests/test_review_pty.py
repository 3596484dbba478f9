"""The installed ``moderator review`` command in a real pseudo-terminal, as a moderator runs it."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
import pytest
from conftest import MODERATOR_BIN, SAMPLES

from moderation_core.taxonomy import load_taxonomy
from moderator.log import read_log


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pseudo-terminal")
def test_review_in_a_real_terminal(tmp_path: Path) -> None:
    log = tmp_path / "decisions.yaml"
    child = pexpect.spawn(
        str(MODERATOR_BIN),
        ["review", str(SAMPLES / "bug-4127.txt"), "--log", str(log), "--moderator", "pty-tester"],
        dimensions=(45, 150),
        env={"TERM": "xterm-256color", "PATH": str(MODERATOR_BIN.parent), "LANG": "C.UTF-8"},
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect("decided 0/48")
        child.expect("flagged left")  # the scoring worker has finished
        child.send("a")
        child.expect("decided 1/48")
        child.send("5")
        child.send("\r")
        child.expect("decided 2/48")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    entries = read_log(log, load_taxonomy().ids).entries
    assert [(e.key[0], e.key[3], e.action) for e in entries][:1] == [("pty-tester", 0, "ok")]
    assert entries[1].key[3] == 1 and "demand" in entries[1].labels


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pseudo-terminal")
def test_review_at_80x24_in_a_real_terminal_keeps_progress_help_and_quit(tmp_path: Path) -> None:
    log = tmp_path / "decisions.yaml"
    child = pexpect.spawn(
        str(MODERATOR_BIN),
        ["review", str(SAMPLES / "bug-4127.txt"), "--log", str(log), "--moderator", "pty-tester"],
        dimensions=(24, 80),
        env={"TERM": "xterm-256color", "PATH": str(MODERATOR_BIN.parent), "LANG": "C.UTF-8"},
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect("decided 0/48")  # the progress line is on screen at 80x24
        child.expect("flagged left")
        child.expect("Help")  # the footer keeps ? and q at 80 columns
        child.expect("Quit")
        child.send("f")
        child.send("s")  # skipped for later: not decided
        child.expect("1 skipped")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    [entry] = read_log(log, load_taxonomy().ids).entries
    assert entry.action == "skip"
