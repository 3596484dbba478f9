"""The review screen driven by keys with Textual's Pilot; every assertion is on the decision log."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import make_review_app, run_moderator
from textual.widgets import Static

from moderation_core.taxonomy import load_taxonomy
from moderator.log import read_log
from moderator.tui.components.help_screen import HelpScreen
from moderator.tui.components.outline import Outline

IDS = load_taxonomy().ids
SIZE = (150, 45)


def entries(path: Path):  # type: ignore[no-untyped-def]
    contents = read_log(path, IDS)
    assert contents.problems == []
    return contents.entries


async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_accept_toggle_enter_and_navigation_keys(tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a")  # comment 0 fine
        await pilot.press("5", "1", "1", "enter")  # comment 1: demand
        await pilot.press("j", "j", "down")  # 2 -> 5
        await pilot.press("k", "k", "up")  # back to 2
        assert app.session.current.number == 2
        await pilot.press("j", "j", "j")
        assert app.session.current.number == 5 and app.session.pending.action == "flag"  # the model flags it
        for reached in ("remind", "hide"):  # each x takes the next of flag -> remind -> hide -> escalate -> flag
            await pilot.press("x")
            assert app.session.pending.action == reached
        await pilot.press("2", "enter")
    saved = entries(log)
    assert [(e.key[3], e.labels, e.action) for e in saved[:2]] == [(0, (), "ok"), (1, ("demand",), "flag")]
    last = saved[2]
    assert last.key[3] == 5 and "accusation" in last.labels and last.action == "hide"


async def test_next_flagged_and_undo(tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f")
        flagged = app.session.current
        assert app.session.current_score.flags
        await pilot.press("enter")
        assert app.session.decisions[app.session.thread.comments.index(flagged)] is not None
        await pilot.press("u")
        assert app.session.current is flagged
        assert app.session.decisions[app.session.thread.comments.index(flagged)] is None
    kinds = [e.kind for e in entries(log)]
    assert kinds == ["decision", "retraction"]


async def test_note_search_help_and_quit(tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"popcorn", "enter")
        assert "popcorn" in app.session.current.text.lower()
        await pilot.press("e", *"quoted the policy; fine", "enter")
        await pilot.press("a")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    [entry] = entries(log)
    assert entry.note == "quoted the policy; fine" and entry.action == "ok"
    assert "popcorn" in entry.data["comment"]["own_text"].lower()


async def test_resume_shows_earlier_decisions(tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a", "a", "a")
    again = make_review_app(log)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert again.session.current.number == 3
        outline = again.query_one(Outline)
        assert [outline.row_text(i)[0].split()[-1] for i in range(4)] == ["ok", "ok", "ok", "·"]


async def test_failed_append_is_shown_and_not_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)

        def disk_full(fd: int, data: bytes) -> int:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "write", disk_full)
        await pilot.press("a")
        monkeypatch.undo()
        await pilot.pause()
        assert app.session.position == 0 and app.session.decisions[0] is None
        panel = str(app.query_one("#decision", Static).render())
        assert "NOT SAVED" in panel and "No space left" in panel
    assert entries(log) == []


HOSTILE = "[bold]loud[/bold] [@click=app.quit]click me[/] \x1b[2J\x1b[31mred\x1b[0m bell\x07 \u202eevil"


async def test_markup_and_escape_sequences_are_shown_literally(tmp_path: Path) -> None:
    source = tmp_path / "hostile.jsonl"
    source.write_text(
        "\n".join(json.dumps({"thread": "t", "title": "[red]title[/red]", "text": t}) for t in (HOSTILE, "second"))
        + "\n",
        encoding="utf-8",
    )
    app = make_review_app(tmp_path / "log.yaml", source)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        body = app.query_one("#comment-body", Static).render()
        shown = str(body)
        assert "[bold]loud[/bold]" in shown and "[@click=app.quit]click me[/]" in shown
        assert "\\x1b[2J" in shown and "\\x07" in shown and "\\u202e" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        await pilot.click("#comment-body")
        await pilot.pause()
        assert app.is_running
        header = str(app.query_one("#header", Static).render())
        assert "[red]title[/red]" in header


def test_unreadable_source_and_unwritable_log_fail_before_the_screen(tmp_path: Path, samples: Path) -> None:
    missing = run_moderator("review", str(tmp_path / "missing.json"), "--log", str(tmp_path / "log.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    unwritable = run_moderator("review", str(samples / "bug-4127.txt"), "--log", str(tmp_path / "no" / "log.yaml"))
    assert unwritable.returncode == 2 and "folder does not exist" in unwritable.stderr
    directory = run_moderator("review", str(samples / "bug-4127.txt"), "--log", str(tmp_path))
    assert directory.returncode == 2 and "is a directory" in directory.stderr


async def test_clicking_a_row_of_the_outline_opens_that_comment(tmp_path: Path) -> None:
    app = make_review_app(tmp_path / "log.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.click(Outline, offset=(3, 4))  # one line per comment: the fifth is comment 4
        await pilot.pause()
        assert app.session.current.number == 4


async def test_removed_log_is_reported_and_nothing_is_shown_as_saved(tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a")
        log.unlink()
        await pilot.press("a")
        assert app.session.decisions[1] is None and app.session.position == 1
        assert "removed or replaced" in str(app.query_one("#decision", Static).render())
    assert not log.exists()


async def test_scoring_failure_is_reported_and_review_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import moderator.scoring.background as background

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(background, "score_thread", broken)
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        header = str(app.query_one("#header", Static).render())
        assert "no model scores: model exploded" in header
        await pilot.press("a")
    assert [e.action for e in entries(log)] == ["ok"]


async def test_a_long_thread_is_scored_in_another_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from moderation_core.taxonomy import load_taxonomy
    from moderation_core.thread import Comment, Thread
    from moderator.scoring import load_scorer
    from moderator.tui.app import make_app

    comments = [
        Comment(number=n, text=("You clueless idiot, any update??" if n % 97 == 0 else f"Build {n} passes on arm64."))
        for n in range(1200)
    ]
    thread = Thread(source="jsonl", id="long", title="Long thread", comments=comments)
    calls: list[list[str]] = []
    real_run = subprocess.run

    def spy(args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(list(args))
        return real_run(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    taxonomy = load_taxonomy()
    app = make_app(thread, taxonomy, tmp_path / "log.yaml", "tester", scorer=load_scorer(None, taxonomy))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.scored
        assert app.session.scores[97] is not None and app.session.scores[97].concern > app.session.scores[1].concern
    assert calls and calls[0][1:3] == ["-m", "moderator.scoring.worker"]


async def test_label_keys_and_palette_use_toggle_label_not_textuals_toggle(tmp_path: Path) -> None:
    from textual.binding import Binding
    from textual.dom import DOMNode

    from moderator.tui.components.review_screen import ReviewScreen

    # Textual's own "toggle" action (flip a boolean attribute) stays Textual's.
    assert ReviewScreen.action_toggle is DOMNode.action_toggle
    digit_actions = {b.action for b in ReviewScreen.BINDINGS if isinstance(b, Binding) and b.key.isdigit()}
    assert digit_actions == {f"toggle_label({digit})" for digit in range(1, 10)}
    app = make_review_app(tmp_path / "log.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.session.pending.labels = []
        commands = {command.title: command.callback for command in app.get_system_commands(app.screen)}
        commands["Toggle label 5: demand"]()
        commands["Set pending action: escalate"]()
        assert app.session.pending.labels == ["demand"] and app.session.pending.action == "escalate"
        await pilot.press("enter")
    [entry] = entries(tmp_path / "log.yaml")
    assert entry.labels == ("demand",) and entry.action == "escalate"


# Comments of the sample marked for review in the tests below, with the labels suggested: the scores of these two
# unflagged comments are changed after scoring (and the bundled model's own marks taken away).
MARKED = {9: ["demand"], 11: ["accusation", "inflammatory"]}


def mark_for_review(monkeypatch: pytest.MonkeyPatch, marks: dict[int, list[str]]) -> None:
    """Scoring as ever, then each comment numbered in ``marks`` unflagged, marked for review, its labels suggested."""
    import dataclasses

    import moderator.scoring.background as background
    from moderator.scoring import CommentScore, score_thread

    def score_and_mark(*args, **kwargs) -> list[CommentScore]:  # type: ignore[no-untyped-def]
        scores = score_thread(*args, **kwargs)
        # Marks of the model's own are taken away, so the test knows exactly which comments are marked.
        return [
            dataclasses.replace(s, flags=[], evidence={}, review=True, suggested=list(marks[s.number]))
            if s.number in marks
            else dataclasses.replace(
                s, review=False, suggested=[], evidence={k: v for k, v in s.evidence.items() if k in s.flags}
            )
            for s in scores
        ]

    monkeypatch.setattr(background, "score_thread", score_and_mark)


async def test_a_comment_marked_for_review_is_shown_and_saved_as_suggested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark_for_review(monkeypatch, MARKED)
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        session = app.session
        flags_left = sum(1 for s in session.scores if s is not None and s.flags)
        assert session.flagged_left() == flags_left + 2
        header = str(app.query_one("#header", Static).render())
        assert f"flagged left {flags_left + 2} (2 marked for review)" in header
        outline = app.query_one(Outline)
        # "?" and the suggested keys (demand 5; accusation 2, inflammatory 3) in the flags column, drawn apart.
        assert outline.row_text(9)[0].split()[-2:] == ["?5", "·"]
        assert outline.row_text(11)[0].split()[-2:] == ["?23", "·"]
        assert outline.row_text(9)[1] != outline.row_text(2)[1]  # not the colour of a flagged comment
        keys = [s for s in outline.render_line(9 - outline.scroll_offset.y) if s.text.strip() == "5"]
        assert keys and keys[0].style is not None and keys[0].style.italic

        await pilot.press("f", "f")  # the first flagged comment (2), then the first marked for review
        assert session.current.number == 9
        body = str(app.query_one("#comment-body", Static).render())
        assert f"marked for review (concern {session.current_score.concern:.2f})" in body
        scores = str(app.query_one("#scores", Static).render()).splitlines()
        assert [line.split()[1] for line in scores if "suggested" in line] == ["demand"]
        decision = str(app.query_one("#decision", Static).render())
        assert "[5] demand" in decision and "suggested by the model" in decision
        await pilot.press("enter")

        await pilot.press("f")
        assert session.current.number == 11 and session.pending.labels == ["accusation", "inflammatory"]
        await pilot.press("3")  # the moderator's own choice now: no longer the model's suggestion
        decision = str(app.query_one("#decision", Static).render())
        assert "[2] accusation" in decision and "suggested" not in decision
        await pilot.press("enter")
        assert "marked for review" not in str(app.query_one("#header", Static).render())
    assert [(e.key[3], e.labels, e.action) for e in entries(log)] == [
        (9, ("demand",), "flag"),
        (11, ("accusation",), "flag"),
    ]


async def test_only_flagged_keeps_comments_marked_for_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mark_for_review(monkeypatch, MARKED)
    app = make_review_app(tmp_path / "log.yaml", only_flagged=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        shown = [app.session.thread.comments[i].number for i in app.session.order]
        flagged = [s.number for s in app.session.scores if s is not None and s.flags]
        assert sorted(shown) == sorted([*flagged, 9, 11])
