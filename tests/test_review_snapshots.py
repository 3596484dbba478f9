"""Snapshot tests of the review screen at a fixed terminal size (update with --snapshot-update after a
deliberate change, and look at the SVGs before committing them)."""

from __future__ import annotations

from pathlib import Path

from conftest import make_review_app

SIZE = (150, 45)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_review_app(tmp_path / "log.yaml"), terminal_size=SIZE, run_before=settle)


def test_flagged_comment_with_evidence_and_a_decision(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("a", "a", "f")
        await pilot.pause()

    assert snap_compare(make_review_app(tmp_path / "log.yaml"), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The help screen names the log file: a path relative to a temporary working folder keeps the picture the
    # same on every machine.
    monkeypatch.chdir(tmp_path)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_review_app(Path("decisions.yaml")), terminal_size=SIZE, run_before=run_before)


def test_comment_marked_for_review_with_its_suggestion(snap_compare, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from test_review_tui import MARKED, mark_for_review

    mark_for_review(monkeypatch, MARKED)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        # Two comments fine; from flagged comment 2, f to comment 9, then to 11 (two labels suggested).
        await pilot.press("a", "a", "f", "f")
        await pilot.pause()

    assert snap_compare(make_review_app(tmp_path / "log.yaml"), terminal_size=SIZE, run_before=run_before)
