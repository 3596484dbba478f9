"""Reading a comment on the review screen, and the screen at small terminal sizes: the pinned comment header,
scrolling, evidence marked without colour alone, search matches, the two-line thread header, the compact score
panel and the help box. The widgets' methods are called directly where the screen's keys may not be bound yet."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import make_review_app
from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from classifiers.evidence import Span
from moderation_core.taxonomy import load_taxonomy
from moderation_core.thread import Comment, Segment
from moderator.review import ReviewSession
from moderator.scoring import CommentScore
from moderator.tui.app import ReviewApp
from moderator.tui.components.comment_view import (
    BARS,
    GUTTER_GLYPH,
    MATCH_STYLE,
    CommentView,
    Evidence,
    comment_body,
    lay_out,
)
from moderator.tui.components.help_screen import KEYS, PENDING_WORK, HelpScreen
from moderator.tui.components.score_panel import ScorePanel
from moderator.tui.components.thread_header import ThreadHeader
from moderator.tui.text import break_offsets, literal

SIZES = [(80, 24), (100, 30), (200, 60)]
SMALL = [(80, 24), (100, 30)]
LABELS = {label.id: label for label in load_taxonomy().labels}
INSULT = "You are incompetent and everyone knows it."


# -- building threads and scores ----------------------------------------------------------------------------
def write_thread(path: Path, texts: list[str], title: str = "Reading test", **fields: str) -> Path:
    records = [
        {"thread": "t", "title": title, "text": text, "author": f"author {n}", **fields} for n, text in enumerate(texts)
    ]
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n", encoding="utf-8")
    return path


def filler(lines: int, start: int = 0) -> str:
    return "\n".join(
        f"Line {n}: the nightly build finished and the notes were updated." for n in range(start, start + lines)
    )


def flag_sentences(monkeypatch: pytest.MonkeyPatch, flags: dict[int, list[tuple[str, str]]]) -> None:
    """The model replaced: comment N is flagged with each (label, sentence) given, the sentence its evidence;
    every other comment scores nothing."""
    import moderator.scoring.background as background

    def scores_of(scorer, thread, **kwargs):  # type: ignore[no-untyped-def]
        result = []
        for comment in thread.comments:
            given = flags.get(comment.number or 0, [])
            evidence: dict[str, list[Span]] = {}
            for label, sentence in given:
                start = comment.own_text.index(sentence)
                evidence.setdefault(label, []).append(Span(start, start + len(sentence), sentence))
            scores = {label: 0.0 for label in LABELS}
            scores.update({label: 0.95 for label, _ in given})
            result.append(
                CommentScore(comment.number, comment.id, scores, sorted(evidence), 0.95 if given else 0.0, evidence)
            )
        return result

    monkeypatch.setattr(background, "score_thread", scores_of)


async def until(pilot, condition: Callable[[], bool]) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition`` holds (a machine under load takes more refreshes); a hang guard, not a
    measure of time: the test's own assertion then says what did not happen."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.02)


async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
    """The app started and, when it scores, its scores arrived (the comments open with their evidence)."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await until(pilot, lambda: app.session.scored or getattr(app.get_default_screen(), "scoring", None) is None)
    await until(pilot, lambda: comment_view(app).opened)
    await pilot.pause()


def comment_view(app: ReviewApp) -> CommentView:
    return app.get_default_screen().query_one(CommentView)


def body_lines(app: ReviewApp) -> list[str]:
    return str(app.get_default_screen().query_one("#comment-body", Static).render()).split("\n")


def screen_lines(app: ReviewApp) -> list[str]:
    """The text of each line of the terminal as drawn (the compositor's own rendering of the screen)."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def help_text(screen: HelpScreen) -> str:
    """The help as the box draws it, at the box's width."""
    console = Console(width=screen.query_one("#help-text", Static).content_size.width, file=io.StringIO())
    with console.capture() as captured:
        console.print(screen.contents())
    return captured.get()


def on_help(app: ReviewApp) -> bool:
    return isinstance(app.screen, HelpScreen)


def scroll_of(app: ReviewApp) -> VerticalScroll:
    return app.get_default_screen().query_one("#comment-scroll", VerticalScroll)


async def opened(pilot, app: ReviewApp) -> CommentView:  # type: ignore[no-untyped-def]
    view = comment_view(app)
    await until(pilot, lambda: view.opened)
    assert view.opened
    return view


async def go_to(pilot, app: ReviewApp, position: int, search: str | None = None) -> CommentView:  # type: ignore[no-untyped-def]
    """Open the comment at ``position`` of the queue as the screen does, then let it lay out."""
    app.session.go_to_position(position)
    comment_view(app).show(app.session, search)
    return await opened(pilot, app)


def visible(app: ReviewApp, line: int) -> bool:
    scroll = scroll_of(app)
    return scroll.scroll_y <= line < scroll.scroll_y + scroll.scrollable_content_region.height


# -- the thread header --------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_header_is_two_lines_and_its_progress_line_is_on_screen(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_review_app(tmp_path / "log.yaml")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        header = app.get_default_screen().query_one(ThreadHeader)
        assert header.region.height == 2
        shown = screen_lines(app)
        assert "bugzilla 4127" in shown[0]
        assert "decided 0/" in shown[1] and "flagged left" in shown[1]


@pytest.mark.parametrize("size", SIZES)
async def test_a_5000_character_title_is_cut_not_wrapped(tmp_path: Path, size: tuple[int, int]) -> None:
    # Wide characters, a line break and markup in it: still one line, cut by cells, the source still shown.
    title = "[b]漢字の題名[/b]\nsecond line " + "very long title " * 320
    assert len(title) > 5000
    app = make_review_app(
        tmp_path / "log.yaml", write_thread(tmp_path / "t.jsonl", ["one", "two"], title), scored=False
    )
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        header = app.get_default_screen().query_one(ThreadHeader)
        rendered = str(header.render()).split("\n")
        assert len(rendered) == 2
        assert rendered[0].startswith("[b]漢字の題名[/b]\\x0asecond line") and "…" in rendered[0]
        assert rendered[0].endswith("jsonl t")
        assert cell_len(rendered[0]) <= header.content_size.width
        shown = screen_lines(app)
        assert "jsonl t" in shown[0] and "decided 0/2" in shown[1]


async def test_progress_counts_drafts_and_skipped_when_the_session_offers_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_review_app(tmp_path / "log.yaml", write_thread(tmp_path / "t.jsonl", ["a", "b"]), scored=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        monkeypatch.setattr(ReviewSession, "drafts_count", lambda self: 3, raising=False)
        monkeypatch.setattr(ReviewSession, "skipped_count", lambda self: 1, raising=False)
        header = app.get_default_screen().query_one(ThreadHeader)
        header.show(app.session)
        progress = str(header.render()).split("\n")[1]
        assert "3 drafts" in progress and "1 skipped" in progress


# -- the comment: pinned header, scrolling ------------------------------------------------------------------
async def test_the_comment_header_stays_while_the_body_scrolls(tmp_path: Path) -> None:
    source = write_thread(tmp_path / "t.jsonl", ["short", filler(200)], author_role="maintainer")
    app = make_review_app(tmp_path / "log.yaml", source, scored=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        view = await go_to(pilot, app, 1)
        header = app.get_default_screen().query_one("#comment-header", Static)
        where = header.region
        scroll = scroll_of(app)
        height = scroll.scrollable_content_region.height
        view.page_down()
        assert scroll.scroll_y == height - 1
        view.half_page_down()
        assert scroll.scroll_y == height - 1 + height // 2
        view.half_page_up()
        view.page_up()
        assert scroll.scroll_y == 0
        view.to_bottom()
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y > 100
        assert header.region == where
        pinned = str(header.render())
        assert "Comment 1" in pinned and "2/2 in queue" in pinned and "author 1 (maintainer)" in pinned
        assert any("Comment 1" in line for line in screen_lines(app))
        assert any("Line 199" in line for line in screen_lines(app))
        view.to_top()
        assert scroll.scroll_y == 0


async def test_other_moderators_decisions_are_in_the_pinned_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    others = [
        SimpleNamespace(key=SimpleNamespace(moderator="ana\x1b[31m"), action="ok", labels=()),
        SimpleNamespace(key=SimpleNamespace(moderator="li"), action="flag", labels=("demand", "threat")),
    ]
    monkeypatch.setattr(ReviewSession, "others_decisions", lambda self, index: others, raising=False)
    app = make_review_app(tmp_path / "log.yaml", write_thread(tmp_path / "t.jsonl", ["a", "b"]), scored=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        pinned = str(app.get_default_screen().query_one("#comment-header", Static).render()).split("\n")
        assert pinned[2] == "Others: ana\\x1b[31m ok  ·  li flag demand,threat"


async def test_a_hostile_author_stays_one_literal_line_of_the_pinned_header(tmp_path: Path) -> None:
    source = tmp_path / "t.jsonl"
    author = "[red]Mallory[/red]\nsecond line\x1b[2J" + "x" * 10_000
    source.write_text(json.dumps({"thread": "t", "title": "T", "text": "hello", "author": author}) + "\n", "utf-8")
    app = make_review_app(tmp_path / "log.yaml", source, scored=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        header = app.get_default_screen().query_one("#comment-header", Static)
        pinned = str(header.render()).split("\n")
        assert len(pinned) == 2 and pinned[1].startswith("[red]Mallory[/red]\\x0asecond line\\x1b[2J")
        assert "\x1b" not in pinned[1] and len(pinned[1]) < 2100
        assert header.content_size.height == 2


# -- evidence ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_a_flagged_comment_opens_on_its_first_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    flag_sentences(monkeypatch, {1: [("personal-attack", INSULT)]})
    source = write_thread(tmp_path / "t.jsonl", ["short", filler(150) + "\n" + INSULT + "\n" + filler(50, 150)])
    app = make_review_app(tmp_path / "log.yaml", source)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("j")
        view = await opened(pilot, app)
        line = view.first_evidence_line()
        assert line is not None and line > 150
        assert visible(app, line) and scroll_of(app).scroll_y > 0
        key = LABELS["personal-attack"].key
        rows = body_lines(app)
        marked = [number for number, row in enumerate(rows) if row.startswith(GUTTER_GLYPH)]
        # the glyph and the key on each line of the sentence, and on no other line
        assert marked[0] == line and marked == list(range(line, line + len(marked)))
        assert all(rows[number].startswith(f"{GUTTER_GLYPH}{key} ") for number in marked)
        assert " ".join(rows[number][3:].strip() for number in marked) == INSULT
        # not colour alone: the sentence is underlined too
        text = view.body_layout.text  # type: ignore[union-attr]
        underlined = [
            text.plain[span.start : span.end]
            for span in text.spans
            if isinstance(span.style, Style) and span.style.underline
        ]
        assert " ".join(underlined).split() == INSULT.split()


def test_two_labels_on_one_sentence_show_both_keys_and_a_wrapped_sentence_is_marked_on_every_line() -> None:
    body = Text("First line.\n" + INSULT + " " + "and more words " * 10)
    start = body.plain.index(INSULT)
    evidence = [
        Evidence(start, start + len(INSULT), "1", "red"),
        Evidence(start + 4, start + 15, "3", "blue"),
        Evidence(start, start + 10, "1", "red"),  # a term inside the sentence: the same key once
    ]
    layout = lay_out(body, 24, evidence)
    rows = layout.text.plain.split("\n")
    assert rows[0] == "    First line."  # a gutter of blanks where there is no evidence
    assert rows[1].startswith(f"{GUTTER_GLYPH}13 You are")
    sentence_lines = {layout.line_of(offset) for offset in range(start, start + len(INSULT))}
    assert len(sentence_lines) >= 2
    for line in sentence_lines:
        assert rows[line].startswith(GUTTER_GLYPH + "1")
    assert all(cell_len(row) <= 24 for row in rows)


# -- quotes, wide characters, wrapping ----------------------------------------------------------------------
def test_every_screen_line_of_a_wrapped_quote_keeps_its_bar() -> None:
    long_quote = "the release team is asleep at the wheel and nobody cares " * 6
    comment = Comment(
        number=1,
        text="",
        segments=(Segment("quote", long_quote + "\nsecond quoted line", 0), Segment("own", "My answer.")),
    )
    layout = lay_out(comment_body(comment), 30)
    rows = layout.text.plain.split("\n")
    quoted = rows[: rows.index("My answer.")]
    assert len(quoted) > 8
    assert all(row[:2] in BARS for row in quoted)
    assert all(cell_len(row) <= 30 for row in rows)
    # the words of the quote all survive the wrapping, in order
    words = " ".join(row[2:].strip() for row in quoted[1:]).split()
    assert words == (long_quote + " second quoted line").split()


def test_wide_characters_wrap_by_cells_and_offsets_add_up() -> None:
    line = "漢字" * 40 + " word " + "x" * 50 + " ok"
    cuts = break_offsets(line, 21)
    pieces = [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)])]
    assert "".join(pieces) == line
    assert all(cell_len(piece.rstrip()) <= 21 for piece in pieces)
    assert break_offsets("short line", 21) == [] and break_offsets("", 5) == []
    assert break_offsets("aaa bbb ccc", 7) == [8] and break_offsets("aaa bbb ccc", 6) == [4, 8]


def test_literal_highlights_land_after_many_escaped_characters() -> None:
    text = "\x1b" * 1000 + "target" + "\x07" * 1000 + "second"
    start = text.index("target")
    later = text.index("second")
    shown = literal(text, "", [(start, start + 6, "bold"), (later, later + 6, "italic")])
    marked = [shown.plain[s.start : s.end] for s in shown.spans]
    assert marked == ["target", "second"] and "\x1b" not in shown.plain


# -- search -----------------------------------------------------------------------------------------------
async def test_search_marks_every_match_and_steps_through_them(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "Popcorn at the start. [b]POPCORN[/b] twice on a line.",
            filler(80),
            "Then popcorn in the middle.",
            filler(80, 80),
            "And popCORN at the end.",
        ]
    )
    source = write_thread(tmp_path / "t.jsonl", ["nothing here", text])
    app = make_review_app(tmp_path / "log.yaml", source, scored=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        view = await go_to(pilot, app, 1, "popcorn")
        assert view.match_count == 4
        layout = view.body_layout
        assert layout is not None
        marked = [layout.text.plain[s.start : s.end] for s in layout.text.spans if s.style == MATCH_STYLE]
        assert [m.lower() for m in marked] == ["popcorn"] * 4  # reversed: seen without colour
        assert view.current_match_line() == 0 and scroll_of(app).scroll_y == 0
        assert view.next_match()  # the two on the first line count as one stop
        middle = view.current_match_line()
        assert middle is not None and middle > 80 and visible(app, middle)
        assert view.next_match()
        assert visible(app, view.current_match_line())  # type: ignore[arg-type]
        assert not view.next_match()  # the last: the screen goes on to the next comment with a match
        assert view.previous_match() and view.current_match_line() == middle and visible(app, middle)
        assert view.previous_match() and not view.previous_match()
        assert view.to_last_match() and view.current_match_line() == layout.line_of(layout.text.plain.rfind("popCORN"))


async def test_a_comment_opened_on_a_search_shows_its_first_match(tmp_path: Path) -> None:
    text = filler(120) + "\nHere is the needle (.*[ regex characters taken literally.\n" + filler(20)
    source = write_thread(tmp_path / "t.jsonl", ["first", text])
    app = make_review_app(tmp_path / "log.yaml", source, scored=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        view = await go_to(pilot, app, 1, "NEEDLE (.*[")
        line = view.current_match_line()
        assert view.match_count == 1 and line is not None and line > 100 and visible(app, line)
        assert scroll_of(app).scroll_y > 0
        await go_to(pilot, app, 1)  # the search given up: no marks, from the top
        assert view.match_count == 0 and not view.next_match() and scroll_of(app).scroll_y == 0


# -- a megabyte comment -----------------------------------------------------------------------------------
async def test_a_megabyte_comment_opens_on_its_evidence_far_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bundled model flags the filler off-topic and not the insult in a megabyte of it: the scores are given.
    flag_sentences(monkeypatch, {1: [("personal-attack", INSULT)]})
    big = filler(16000) + "\n" + INSULT + "\n" + filler(100, 16000)
    assert len(big) > 1_000_000
    app = make_review_app(tmp_path / "log.yaml", write_thread(tmp_path / "t.jsonl", ["first", big]))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("j")
        view = await opened(pilot, app)
        line = view.first_evidence_line()
        assert line is not None and line > 16000
        assert visible(app, line)
        assert any(INSULT[:15] in row for row in screen_lines(app))
        top = scroll_of(app).scroll_y
        view.page_down()
        assert scroll_of(app).scroll_y > top
        view.to_bottom()
        assert scroll_of(app).scroll_y == scroll_of(app).max_scroll_y


# -- the score panel --------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_panels_keep_to_a_third_of_the_height(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    flag_sentences(monkeypatch, {1: [("personal-attack", INSULT), ("demand", "Fix it now.")]})
    source = write_thread(tmp_path / "t.jsonl", ["first", INSULT + " Fix it now.", "third"])
    app = make_review_app(tmp_path / "log.yaml", source)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("j")
        await opened(pilot, app)
        screen = app.get_default_screen()
        panels = screen.query_one("#panels")
        panel = screen.query_one(ScorePanel)
        width, height = size
        if (width, height) in SMALL:
            assert panels.outer_size.height <= height // 3 + 1
        assert panel.is_compact() == (height < 40)
        shown = str(panel.render())
        assert "personal-attack" in shown and "demand" in shown
        if panel.is_compact():
            assert shown.split("\n")[-1] == f"+{len(LABELS) - 2} more (c)" and "threat" not in shown
        panel.toggle_compact()
        await pilot.pause()
        again = str(panel.render())
        assert ("more (c)" in again) == (height >= 40) and ("threat" in again) == (height < 40)
        if (width, height) in SMALL:
            assert panels.outer_size.height <= height // 3 + 1  # the full panel scrolls in the same room
        panel.toggle_compact()
        assert str(panel.render()) == shown


async def test_a_resize_wraps_again_keeps_the_place_and_stacks_the_panels(tmp_path: Path) -> None:
    source = write_thread(tmp_path / "t.jsonl", ["first", filler(300)])
    app = make_review_app(tmp_path / "log.yaml", source, scored=False)
    async with app.run_test(size=(200, 60)) as pilot:
        await ready(pilot)
        view = await go_to(pilot, app, 1)
        panels = app.get_default_screen().query_one("#panels")
        assert not panels.has_class("-stacked")
        for _ in range(5):
            view.page_down()
        wide = view.body_layout
        assert wide is not None
        top = wide.starts[int(scroll_of(app).scroll_y)]
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: view.body_layout is not wide and panels.has_class("-stacked"))
        narrow = view.body_layout
        assert narrow is not None and narrow.width < wide.width and len(narrow.rows) > len(wide.rows)
        assert all(cell_len(row) <= narrow.width for row in narrow.rows)
        await until(pilot, lambda: narrow.line_of(top) == int(scroll_of(app).scroll_y))
        assert narrow.line_of(top) == int(scroll_of(app).scroll_y)  # the same words at the top
        assert panels.has_class("-stacked")
        assert app.get_default_screen().query_one(ScorePanel).is_compact()


# -- the help screen --------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_help_fits_80_columns_and_scrolls(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_review_app(tmp_path / "log.yaml", scored=False)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: on_help(app))
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box", VerticalScroll)
        assert box.outer_size.width <= 76
        text = " ".join(help_text(app.screen).split())
        for key, meaning in KEYS[2:]:
            assert key in text and " ".join(meaning.split()) in text
        assert "1-7 toggle the label" in text and " ".join(PENDING_WORK.split()) in text
        if size == (80, 24):
            assert box.max_scroll_y > 0
            await pilot.press("down")
            assert box.scroll_y == 1
            await pilot.press("pagedown")
            assert box.scroll_y > 1
            await pilot.press("end")
            assert box.scroll_y == box.max_scroll_y
            await pilot.press("pageup", "home")
            assert box.scroll_y == 0
            await pilot.press("space")
            assert box.scroll_y > 1
        await pilot.press("escape")
        assert not on_help(app)
        for close in ("q", "question_mark"):
            await pilot.press("question_mark")
            assert on_help(app)
            await pilot.press(close)
            assert not on_help(app)
        assert app.is_running
