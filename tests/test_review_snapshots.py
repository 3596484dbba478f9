"""Snapshot tests of the review screen at a fixed terminal size (update with --snapshot-update after a
deliberate change, and look at the SVGs before committing them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


# The sizes the review issue asks the screen to work at: a flagged comment with its evidence, at each.
@pytest.mark.parametrize("size", [(80, 24), (100, 30), (200, 60)], ids=["80x24", "100x30", "200x60"])
def test_flagged_comment_at_each_size(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()

    assert snap_compare(make_review_app(tmp_path / "log.yaml"), terminal_size=size, run_before=run_before)


def test_help_screen_at_80x24(snap_compare, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_review_app(Path("decisions.yaml")), terminal_size=(80, 24), run_before=run_before)


def test_thread_summary_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "two.jsonl"
    source.write_text(
        '{"thread": "t", "title": "Docs typo", "text": "There is a typo in the install page."}\n'
        '{"thread": "t", "text": "Fixed in the next release, thanks."}\n',
        encoding="utf-8",
    )

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("a", "4", "enter")
        await pilot.pause()

    app = make_review_app(tmp_path / "log.yaml", source)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_thread_list_at_80x24(snap_compare, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from moderation_core.taxonomy import load_taxonomy
    from moderator.scoring import load_scorer
    from moderator.sources import load_threads
    from moderator.tui.app import make_picker_app

    monkeypatch.chdir(tmp_path)
    source = Path("threads.jsonl")
    lines = []
    for i in range(6):
        title = f"Thread {i}: " + (
            "a title long enough to be cut with an ellipsis at eighty columns" if i == 2 else "x"
        )
        for j in range(i + 1):
            text = "You are clueless and everyone knows it." if (i, j) == (3, 1) else f"Comment {j} about the build."
            lines.append(json.dumps({"thread": f"t{i}", "title": title, "text": text}))
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    taxonomy = load_taxonomy()
    app = make_picker_app(
        load_threads(source), taxonomy, Path("log.yaml"), "tester", scorer=load_scorer(None, taxonomy),
        source_name=str(source),
    )  # fmt: skip
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
