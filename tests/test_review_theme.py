"""The review screen in Textual's light theme: every colour it draws is the palette's version for the theme in use
(moderator/tui/palette.py), read from what the screen actually draws (the compositor's segments), and it is drawn
again when the theme changes while the screen is up.

The taxonomy keeps each label's dark-theme colour; drawn as it is on the light theme, it falls to about 2:1 on
the light background. So each test here asserts the light version and its contrast, 4.5:1 or more on the light
theme's background and panel (WCAG 2 level AA), and fails with the raw taxonomy colours."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import make_review_app
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from test_review_reading import until
from textual.widget import Widget

from classifiers.evidence import Span
from moderation_core.taxonomy import load_taxonomy
from moderator.review.catalog import ThreadSummary
from moderator.scoring import CommentScore
from moderator.tui import palette
from moderator.tui.app import ReviewApp
from moderator.tui.components.comment_view import QUOTE, WARNING, CommentBody, comment_text
from moderator.tui.components.decision_panel import ERROR, DecisionPanel, decision_text
from moderator.tui.components.help_screen import OUTLINE_COLUMNS, HelpScreen, help_contents
from moderator.tui.components.score_panel import ScorePanel, compact_lines, full_lines
from moderator.tui.components.thread_header import ThreadHeader, progress_line
from moderator.tui.components.thread_picker import row_style

LIGHT = "textual-light"
SIZE = (160, 60)  # tall enough for the full score panel, the whole help box and the comment
LABELS = {label.id: label for label in load_taxonomy().labels}
INSULT = "You are incompetent and everyone knows it."
ORDER = "Merge it tonight or you will regret it."
QUOTED = "The nightly build is green again."
# Comment 0: flagged for two labels, each with its sentence as evidence. Comment 1: quotes a line and is marked
# for review, suggesting two labels (no flag).
FLAGGED_LABELS = ("personal-attack", "threat")
SUGGESTED_LABELS = ("demand", "inflammatory")
TEXTS = [f"{INSULT} {ORDER}", f"> {QUOTED}\n\nFine, but this is the last time I ask nicely."]


def light(label_id: str) -> str:
    return palette.label_color(LABELS[label_id].color, False)


def write_thread(path: Path) -> Path:
    records = [
        {"thread": "t", "title": "Theme test", "text": text, "author": f"author {n}"} for n, text in enumerate(TEXTS)
    ]
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def scored_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReviewApp:
    """The review app on TEXTS with the model replaced by the scores described there."""
    import moderator.scoring.background as background

    def scores_of(scorer, thread, **kwargs):  # type: ignore[no-untyped-def]
        result = []
        for position, comment in enumerate(thread.comments):
            scores = {label: 0.0 for label in LABELS}
            if position == 0:
                evidence: dict[str, list[Span]] = {}
                for label, sentence in zip(FLAGGED_LABELS, (INSULT, ORDER)):
                    start = comment.own_text.index(sentence)
                    evidence[label] = [Span(start, start + len(sentence), sentence)]
                    scores[label] = 0.95
                result.append(CommentScore(comment.number, comment.id, scores, list(FLAGGED_LABELS), 0.95, evidence))
            else:
                result.append(
                    CommentScore(
                        comment.number, comment.id, scores, [], 0.6, review=True, suggested=list(SUGGESTED_LABELS)
                    )
                )
        return result

    monkeypatch.setattr(background, "score_thread", scores_of)
    app: ReviewApp = make_review_app(tmp_path / "log.yaml", write_thread(tmp_path / "thread.jsonl"))
    return app


# -- reading what is drawn ----------------------------------------------------------------------------------
def colour_of(segment: Segment) -> str | None:
    style = segment.style
    if style is None or style.color is None:
        return None
    return style.color.get_truecolor().hex.lower()


def drawn(app: ReviewApp, widget: Widget) -> list[Segment]:
    """The segments the screen draws in ``widget``'s content region (Textual's compositor, as on the terminal)."""
    strips = app.screen._compositor.render_strips()
    region = widget.content_region.intersection(app.screen.region)
    segments: list[Segment] = []
    for y in range(region.y, region.bottom):
        segments.extend(strips[y].crop(region.x, region.right))
    return segments


def text_colours(*texts: Text) -> set[str]:
    """The colours of the spans of Rich texts (what the widgets are given to draw)."""
    found: set[str] = set()
    for text in texts:
        for span in text.spans:
            style = span.style if isinstance(span.style, Style) else Style.parse(span.style)
            if style.color is not None:
                found.add(style.color.get_truecolor().hex.lower())
    return found


def colours_drawn(app: ReviewApp, widget: Widget, text: str) -> set[str | None]:
    """The colours of the segments of ``widget`` that hold ``text``."""
    return {colour_of(segment) for segment in drawn(app, widget) if text in segment.text}


def assert_readable_on_light(colour: str | None) -> None:
    assert colour is not None
    for background in (palette.LIGHT_BACKGROUND, palette.LIGHT_PANEL):
        ratio = palette.contrast_ratio(palette._rgb(colour), palette._rgb(background))
        assert ratio >= palette.MIN_CONTRAST, f"{colour} on {background}: {ratio:.2f}:1"


async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await app.workers.wait_for_complete()
    await until(pilot, lambda: app.session.scored)
    await pilot.pause()


def review_widget(app: ReviewApp, kind: type[Widget]) -> Widget:
    return app.get_default_screen().query_one(kind)


# -- the review screen --------------------------------------------------------------------------------------
async def test_light_theme_draws_the_palette_label_colours(scored_app: ReviewApp) -> None:
    app = scored_app
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        scores = review_widget(app, ScorePanel)
        attack = LABELS["personal-attack"]
        # Dark first: the taxonomy's colour is the dark version.
        assert colours_drawn(app, scores, attack.id) == {attack.color.lower()}

        app.theme = LIGHT
        await until(pilot, lambda: colours_drawn(app, scores, attack.id) == {light(attack.id)})
        assert not app.current_theme.dark

        decision = review_widget(app, DecisionPanel)
        body = review_widget(app, CommentBody)
        for label_id, sentence in zip(FLAGGED_LABELS, (INSULT, ORDER)):
            label = LABELS[label_id]
            expected = light(label_id)
            assert expected != label.color.lower()  # the raw colour would fail here
            assert_readable_on_light(expected)
            # The score panel: the label's name, and its ⚑, on the label's line.
            assert colours_drawn(app, scores, label_id) == {expected}
            line = next(segment for segment in drawn(app, scores) if label_id in segment.text)
            assert line.style is not None and line.style.bold
            # The decision panel: the pending labels (the model's flags).
            assert colours_drawn(app, decision, f"[{label.key}] {label_id}") == {expected}
            # The comment: the evidence underlined in the label's colour, and its key in the gutter.
            evidence = [s for s in drawn(app, body) if s.style is not None and s.style.underline]
            assert {colour_of(s) for s in evidence if s.text in sentence} == {expected}
            gutter = [s for s in drawn(app, body) if s.text == label.key and s.style is not None and s.style.bold]
            assert gutter and {colour_of(s) for s in gutter} == {expected}
        assert colours_drawn(app, scores, "⚑") == {light(label) for label in FLAGGED_LABELS}

        # The help box: each label's key in the label's colour.
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box")
        coloured = [s for s in drawn(app, box) if colour_of(s) is not None and s.text.strip()]
        await pilot.press("end")  # the labels are at the end of the help
        await pilot.pause()
        coloured += [s for s in drawn(app, box) if colour_of(s) is not None and s.text.strip()]
        for label in LABELS.values():
            keys = {colour_of(s) for s in coloured if s.text.strip() == label.key}
            assert keys == {light(label.id)}, label.id
            assert_readable_on_light(light(label.id))


async def test_marked_for_review_and_quotes_in_the_light_theme(scored_app: ReviewApp) -> None:
    app = scored_app
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.theme = LIGHT
        await pilot.press("j")  # the comment marked for review
        scores, decision, body = (review_widget(app, kind) for kind in (ScorePanel, DecisionPanel, CommentBody))
        first = SUGGESTED_LABELS[0]
        await until(pilot, lambda: colours_drawn(app, scores, first) == {light(first)})
        for label_id in SUGGESTED_LABELS:
            expected = light(label_id)
            assert expected != LABELS[label_id].color.lower()  # the raw colour would fail here
            assert_readable_on_light(expected)
            assert colours_drawn(app, scores, label_id) == {expected}
            assert colours_drawn(app, decision, label_id) == {expected}
            suggested = [s for s in drawn(app, decision) if label_id in s.text]
            assert all(s.style is not None and s.style.italic for s in suggested)  # a suggestion, not a flag
        assert colours_drawn(app, scores, "? suggested") == {light(label) for label in SUGGESTED_LABELS}
        # The verdict over the comment in the outline's colour of a comment marked for review; the quote in grey.
        assert colours_drawn(app, body, "marked for review") == {palette.REVIEW.light}
        assert colours_drawn(app, body, QUOTED) == {QUOTE.light}
        for colour in (palette.REVIEW.light, QUOTE.light):
            assert_readable_on_light(colour)


async def test_theme_switch_back_draws_dark_again(scored_app: ReviewApp) -> None:
    app = scored_app
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        scores = review_widget(app, ScorePanel)
        label = LABELS[FLAGGED_LABELS[0]]
        app.theme = LIGHT
        await until(pilot, lambda: colours_drawn(app, scores, label.id) == {light(label.id)})
        app.theme = "textual-dark"
        await until(pilot, lambda: colours_drawn(app, scores, label.id) == {label.color.lower()})
        assert colours_drawn(app, scores, label.id) == {label.color.lower()}
        body = review_widget(app, CommentBody)
        evidence = {colour_of(s) for s in drawn(app, body) if s.style is not None and s.style.underline}
        assert evidence == {LABELS[label_id].color.lower() for label_id in FLAGGED_LABELS}


async def test_header_and_decision_errors_follow_the_theme(tmp_path: Path) -> None:
    app = make_review_app(tmp_path / "log.yaml", scored=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.get_default_screen()
        header, decision = screen.query_one(ThreadHeader), screen.query_one(DecisionPanel)
        app.session.scoring_error = "model gone"
        header.show(app.session)
        decision.show(app.session, "disk full")
        await pilot.pause()
        assert colours_drawn(app, header, "model gone") == {ERROR.dark}
        app.theme = LIGHT
        await until(pilot, lambda: colours_drawn(app, header, "model gone") == {ERROR.light})
        assert colours_drawn(app, header, "model gone") == {ERROR.light}
        assert colours_drawn(app, decision, "disk full") == {ERROR.light}
        assert text_colours(progress_line(app.session, 0)) == {ERROR.dark}  # called as before: dark


# -- the pure functions: dark by default (earlier callers unchanged), light on request -------------------------
async def test_text_builders_take_the_theme(scored_app: ReviewApp) -> None:
    app = scored_app
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        session = app.session
        for dark in (True, False):
            expected = {palette.label_color(LABELS[label].color, dark) for label in FLAGGED_LABELS}
            assert text_colours(*full_lines(session, dark)) == expected
            assert text_colours(*compact_lines(session, dark)) == expected
            _, _, evidence = comment_text(session, dark)
            assert {span.color for span in evidence} == expected
            assert text_colours(decision_text(session, None, dark)) == expected
            assert ERROR.on(dark) in text_colours(decision_text(session, "disk full", dark))
        # Called as before (no theme): the dark versions, the taxonomy's own colours.
        assert text_colours(*full_lines(session)) == {LABELS[label].color.lower() for label in FLAGGED_LABELS}
        assert {span.color for span in comment_text(session)[2]} == {LABELS[label].color for label in FLAGGED_LABELS}


def test_help_names_the_outline_columns_within_the_box() -> None:
    text = " ".join(OUTLINE_COLUMNS)
    for word in ("conc", "0-99", "…", "flags", '"?"', "✎", "later", "ok", "flag 12"):
        assert word in text
    # The help box is 76 columns: 68 cells of text inside its border, padding and scroll bar.
    assert len(OUTLINE_COLUMNS) <= 3 and all(cell_len(line) <= 68 for line in OUTLINE_COLUMNS)
    console = Console(width=68, file=io.StringIO(), color_system="truecolor")
    with console.capture() as captured:
        console.print(help_contents(load_taxonomy(), None, dark=False))
    assert "\n".join(OUTLINE_COLUMNS) in captured.get()
    # The label keys in their light versions.
    table_segments = list(console.render(help_contents(load_taxonomy(), None, dark=False)))
    for label in LABELS.values():
        keys = {colour_of(s) for s in table_segments if s.text.strip() == label.key and colour_of(s) is not None}
        assert keys == {light(label.id)}


def test_other_colours_are_readable_on_both_themes() -> None:
    """The error, warning, quote and picker colours: 4.5:1 or more on each theme's background and panel."""
    summaries = {
        "decided": ThreadSummary(0, "a", "t", "s", comments=2, decided=2),
        "flagged": ThreadSummary(1, "b", "t", "s", comments=2, flagged=1),
        "review": ThreadSummary(2, "c", "t", "s", comments=2, review=1),
    }
    for dark in (True, False):
        backgrounds = (
            (palette.DARK_BACKGROUND, palette.DARK_PANEL) if dark else (palette.LIGHT_BACKGROUND, palette.LIGHT_PANEL)
        )
        colours = [ERROR.on(dark), WARNING.on(dark), QUOTE.on(dark)]
        for state, summary in summaries.items():
            style = row_style(summary, dark)
            assert style.color is not None
            assert style.color.get_truecolor().hex.lower() == palette.OUTLINE_COLOURS[state].on(dark).lower()
            colours.append(style.color.get_truecolor().hex)
        for colour in colours:
            for background in backgrounds:
                ratio = palette.contrast_ratio(palette._rgb(colour), palette._rgb(background))
                assert ratio >= palette.MIN_CONTRAST, f"{colour} on {background}: {ratio:.2f}:1"
