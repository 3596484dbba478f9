"""The review screen's keys for real work, driven with Pilot as a moderator presses them: every assertion is on
what the screen shows or on the decision log."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import make_review_app
from test_review_tui import entries, ready
from textual.widgets import Footer, Static

from moderation_core.taxonomy import load_taxonomy
from moderator.tui.components.outline import Outline
from moderator.tui.components.summary_screen import SummaryScreen

IDS = load_taxonomy().ids
SIZE = (150, 45)


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(notification.message) for notification in app._notifications]


async def test_go_to_number_quoted_comment_and_back(tmp_path: Path) -> None:
    app = make_review_app(tmp_path / "log.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("g", "2", "7", "enter")
        assert app.session.current.number == 27
        await pilot.press("r")  # comment 27 quotes comment 26
        assert app.session.current.number == 26
        await pilot.press("b")
        assert app.session.current.number == 27
        await pilot.press("colon", "9", "9", "enter")  # no such comment: stays, and says so
        await pilot.pause()
        assert app.session.current.number == 27
        assert any("No comment #99" in text for text in notices(app))
        await pilot.press("b")  # g was a jump too: back to where it came from
        assert app.session.current.number == 0


async def test_author_filter_restricts_the_outline(tmp_path: Path) -> None:
    app = make_review_app(tmp_path / "log.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("at", *"marcus", "enter")
        await pilot.pause()
        session = app.session
        authors = {session.thread.comments[i].author for i in session.order}
        assert authors == {"Marcus Heller"}
        outline = app.query_one(Outline)
        assert outline.virtual_size.height == len(session.order) < len(session.thread.comments)
        await pilot.press("at", *"nobody-by-that-name", "enter")
        await pilot.pause()
        assert {session.thread.comments[i].author for i in session.order} == {"Marcus Heller"}
        await pilot.press("at", "enter")  # empty: everyone again
        await pilot.pause()
        assert len(session.order) == len(session.thread.comments)


async def test_toggled_labels_survive_moving_away_and_undo_brings_a_decision_back(tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        session = app.session
        await pilot.press("4")  # a label toggled on comment 0, then away and back
        await pilot.press("j", "k")
        assert "off-topic" in session.pending.labels and session.has_draft(session.index)
        await pilot.press("enter")  # saved: the draft is the decision now
        assert not session.has_draft(0)
        await pilot.press("u")
        assert session.current.number == 0 and session.pending.labels == ["off-topic"]
        await pilot.press("enter")
    kinds = [(e.kind, e.labels) for e in entries(log)]
    assert kinds == [("decision", ("off-topic",)), ("retraction", ()), ("decision", ("off-topic",))]


async def test_note_on_a_decided_comment_is_saved_by_the_prompts_enter(tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a", "k")  # comment 0 fine, back to it
        await pilot.press("e", *"checked twice", "enter")
        await pilot.pause()
        assert app.session.current.number == 0  # a note does not move on
    saved = entries(log)
    assert [(e.action, e.note) for e in saved] == [("ok", ""), ("ok", "checked twice")]


async def test_skip_is_not_decided_and_comes_back_with_f(tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        session = app.session
        await pilot.press("f")
        flagged = session.current.number
        await pilot.press("s")
        assert session.decided_count() == 0 and session.skipped_count() == 1
        header = str(app.query_one("#header", Static).render())
        assert "decided 0/" in header and "1 skipped" in header
        for _ in range(len(session.thread.comments)):
            await pilot.press("f")
            if session.current.number == flagged:
                break
        assert session.current.number == flagged


async def test_f_while_scoring_says_so_and_the_position_stays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import moderator.scoring.background as background

    release = threading.Event()
    real = background.BackgroundScorer.run

    def slow(self):  # type: ignore[no-untyped-def]
        release.wait(30)
        return real(self)

    monkeypatch.setattr(background.BackgroundScorer, "run", slow)
    app = make_review_app(tmp_path / "log.yaml", queue="concern")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "j")
        await pilot.press("f")
        await pilot.pause()
        assert any("Still scoring" in text for text in notices(app))
        assert app.session.current.number == 2
        release.set()
        await ready(pilot)
        assert app.session.scored and app.session.current.number == 2  # the scores did not move the screen


async def test_only_flagged_with_nothing_flagged_says_so(tmp_path: Path) -> None:
    source = tmp_path / "calm.jsonl"
    source.write_text(
        '{"thread": "t", "title": "Build fails on arm64", "text": "The build fails on arm64 with the attached log."}\n'
        '{"thread": "t", "text": "Thanks, reproduced here; the fix is in the linked pull request."}\n',
        encoding="utf-8",
    )
    app = make_review_app(tmp_path / "log.yaml", source, only_flagged=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert len(app.session.order) == 2
        assert any("No comment is flagged" in text for text in notices(app))


async def test_deciding_the_last_comment_shows_the_summary_and_q_quits(tmp_path: Path) -> None:
    source = tmp_path / "two.jsonl"
    source.write_text(
        '{"thread": "t", "title": "Docs typo", "text": "There is a typo in the install page."}\n'
        '{"thread": "t", "text": "Fixed in the next release, thanks."}\n',
        encoding="utf-8",
    )
    app = make_review_app(tmp_path / "log.yaml", source)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a", "a")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        shown = str(app.screen.query_one("#summary-text", Static).render())
        assert "decided   2 of 2" in shown and "ok" in shown
        await pilot.press("escape")  # back to the thread
        assert not isinstance(app.screen, SummaryScreen)
        await pilot.press("j")  # past the last comment: the summary again
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


async def test_digit_without_a_label_is_not_a_key_and_palette_names_what_it_does(tmp_path: Path) -> None:
    app = make_review_app(tmp_path / "log.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.get_default_screen()
        assert screen.check_action("toggle_label", (8,)) is False
        assert screen.check_action("toggle_label", (1,)) is True
        before = list(app.session.pending.labels)
        await pilot.press("8", "9")
        assert app.session.pending.labels == before
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Set pending action: hide" in titles and not any(t.startswith("Action:") for t in titles)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_footer_keeps_help_and_quit_on_small_terminals(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_review_app(tmp_path / "log.yaml")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        footer = app.screen.query_one(Footer)
        visible = [
            key
            for key in footer.query("FooterKey")
            if key.region.width and key.region.right <= size[0] and key.region.y < size[1]
        ]
        shown = {key.action for key in visible}  # type: ignore[attr-defined]
        assert {"help", "leave"} <= shown


@pytest.mark.parametrize(("size", "author_shown"), [((80, 24), False), ((150, 45), True), ((200, 60), True)])
async def test_outline_gives_way_to_the_comment_on_narrow_terminals(
    tmp_path: Path, size: tuple[int, int], author_shown: bool
) -> None:
    from moderator.tui.components.comment_view import CommentView

    app = make_review_app(tmp_path / "log.yaml")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        header = str(app.query_one("#outline-header", Static).render())
        first_row = app.query_one(Outline).row_text(0)[0]
        assert ("author" in header) is author_shown
        assert ("Dana" in first_row) is author_shown  # the first comment's author, where there is room
        assert {"conc", "flags", "state"} <= set(header.split())
        # At 80 columns the comment gets more than half the width.
        assert app.query_one(CommentView).size.width > size[0] // 2


async def test_other_moderators_decisions_show_under_the_comments_header(tmp_path: Path, samples: Path) -> None:
    from conftest import run_cli

    log = tmp_path / "log.yaml"
    result = run_cli(
        "decide", str(samples / "bug-4127.yaml"), "--comment", "2", "--labels", "inflammatory",
        "--action", "hide", "--moderator", "priya", "--log", str(log),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    app = make_review_app(log)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("g", "2", "enter")
        await pilot.pause()
        shown = " ".join(str(widget.render()) for widget in app.screen.query(Static))
        assert "Others: priya hide inflammatory" in shown
        assert app.session.decisions[2] is None  # priya's decision is hers: this moderator has not decided


async def test_a_thread_of_one_comment(tmp_path: Path) -> None:
    source = tmp_path / "one.jsonl"
    source.write_text('{"thread": "t", "title": "One", "text": "Only comment."}\n', encoding="utf-8")
    log = tmp_path / "log.yaml"
    app = make_review_app(log, source)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("k", "space", "end", "f")  # nothing before it, nothing to scroll, nothing flagged
        await pilot.press("j")  # past the only comment: the summary
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("escape", "a")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)  # its last undecided comment decided: the summary again
    assert [e.action for e in entries(log)] == ["ok"]


def test_summary_text_counts_and_time_in_minutes() -> None:
    from moderator.review import ReviewSummary
    from moderator.tui.components.summary_screen import summary_text

    summary = ReviewSummary(
        total=10, decided=6, skipped=2, undecided=2, by_label={"demand": 2, "threat": 1},
        by_action={"ok": 3, "flag": 2, "hide": 1}, seconds=3725.0, decisions_this_session=6,
    )  # fmt: skip
    shown = summary_text(summary, "back to the thread list").plain
    assert "decided   6 of 10" in shown and "skipped   2" in shown and "left      2" in shown
    assert "6 decisions, 1 h 02 min" in shown
    assert shown.index("ok") < shown.index("flag") < shown.index("hide")  # most used first
    assert "q: back to the thread list" in shown
    quick = summary_text(ReviewSummary(1, 1, 0, 0, {}, {"ok": 1}, 42.0, 1), "quit").plain
    assert "under a minute" in quick and "By label" not in quick


async def test_reading_keys_scroll_the_comment(tmp_path: Path) -> None:
    from test_review_reading import filler, opened, scroll_of, write_thread

    source = write_thread(tmp_path / "t.jsonl", [filler(200), "short"])
    app = make_review_app(tmp_path / "log.yaml", source, scored=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await opened(pilot, app)
        scroll = scroll_of(app)
        positions = []
        for key in ("space", "pagedown", "ctrl+d", "end", "ctrl+u", "pageup", "home"):
            await pilot.press(key)
            await pilot.pause()
            positions.append(scroll.scroll_y)
        page = scroll.scrollable_content_region.height - 1
        assert positions[0] == page and positions[1] == 2 * page and positions[2] > positions[1]
        assert positions[3] == scroll.max_scroll_y > 150
        assert positions[3] > positions[4] > positions[5] > positions[6] == 0
        assert app.session.current.number == 0  # reading keys never move to another comment


async def test_search_then_n_and_shift_n_walk_matches_across_comments(tmp_path: Path) -> None:
    from test_review_reading import filler, opened, scroll_of, write_thread

    texts = ["nothing here", filler(60) + "\nthe popcorn line\n" + filler(60, 60) + "\npopcorn again", "no", "popcorn"]
    source = write_thread(tmp_path / "t.jsonl", texts)
    app = make_review_app(tmp_path / "log.yaml", source, scored=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"popcorn", "enter")
        view = await opened(pilot, app)
        assert app.session.current.number == 1 and view.match_count == 2 and scroll_of(app).scroll_y > 40
        first = scroll_of(app).scroll_y
        await pilot.press("n")
        await pilot.pause()
        assert app.session.current.number == 1 and scroll_of(app).scroll_y > first  # the second match, further down
        await pilot.press("n")  # no more here: the next comment with a match
        await opened(pilot, app)
        assert app.session.current.number == 3
        await pilot.press("N")  # back: the last match of comment 1
        await opened(pilot, app)
        assert app.session.current.number == 1 and scroll_of(app).scroll_y > first
        await pilot.press("j", "k")  # any other move ends the search: no marks
        await pilot.pause()
        assert view.match_count == 0


async def test_concern_queue_stays_put_when_scored_and_t_goes_to_its_top(tmp_path: Path) -> None:
    app = make_review_app(tmp_path / "log.yaml", queue="concern")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        session = app.session
        assert session.current.number == 0  # where it opened, before the scores came
        assert any("t goes to its first undecided comment" in text for text in notices(app))
        await pilot.press("t")
        top = session.current_score
        assert session.position == 0 and top is not None
        assert top.concern == max(score.concern for score in session.scores if score is not None)
