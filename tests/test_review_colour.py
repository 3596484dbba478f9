"""The review screen's colours (moderator/tui/palette.py) and the outline's columns.

Colours: every colour is readable on both of Textual's built-in themes (WCAG 2 contrast, 4.5:1 or more) and the
label colours stay apart for the common colour-vision deficiencies. The measures are computed here with numpy,
independently of the palette module: WCAG relative luminance; Machado, Oliveira and Fernandes (2009) simulation
of protanopia, deuteranopia and tritanopia at severity 1.0, applied in linear RGB; CIEDE2000 in CIELAB (D65).

Why a CIEDE2000 distance of 10: a distance of about 1 is just noticeable between two large patches side by side.
A label colour is a few letters in one terminal cell, seen apart from the colour it could be mistaken for, which
needs a far larger difference. The Okabe-Ito set, the usual reference for colours safe for colour-vision
deficiencies, has a smallest pairwise distance of 10.9 under these same simulations (tritanopia; 11.6 under
deuteranopia, 12.2 under protanopia). So 10 asks for "as far apart as the reference set", with no more than
rounding given away. The colours before this test fell to 3.5 under deuteranopia (two reds).

Columns: a thread whose authors have CJK names (two cells a character) keeps the concern, flags and state columns
at the same cell for every row, measured with rich.cells.cell_len on what the outline draws."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import make_review_app
from rich.cells import cell_len
from textual.theme import BUILTIN_THEMES
from textual.widgets import Static

from moderation_core.taxonomy import load_taxonomy
from moderator.tui import palette
from moderator.tui.components.outline import DRAFT_MARK, HEADER, WIDTH, Outline, concern_text, fit_cells

MIN_CONTRAST = 4.5
MIN_DISTANCE = 10.0  # CIEDE2000; see the module docstring

MACHADO_2009 = {  # severity 1.0, for linear RGB
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
VISIONS = ("normal", *MACHADO_2009)

THEMES = {True: "textual-dark", False: "textual-light"}


def theme_colours(dark: bool) -> dict[str, str]:
    """Textual's own $background, $panel and $foreground of the theme."""
    generated = BUILTIN_THEMES[THEMES[dark]].to_color_system().generate()
    return {name: generated[name] for name in ("background", "panel", "foreground")}


# -- the measures -----------------------------------------------------------------------------------------------
def srgb(hex_colours: list[str]) -> np.ndarray:
    return np.array([[int(h.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)] for h in hex_colours])


def linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def contrast(first: str, second: str) -> float:
    luminance = linear(srgb([first, second])) @ np.array([0.2126, 0.7152, 0.0722])
    return float((luminance.max() + 0.05) / (luminance.min() + 0.05))


SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)


def lab(hex_colours: list[str], vision: str) -> np.ndarray:
    """CIELAB (D65) of the colours as seen with ``vision``."""
    rgb = linear(srgb(hex_colours))
    if vision != "normal":
        rgb = np.clip(rgb @ MACHADO_2009[vision].T, 0.0, 1.0)
    xyz = (rgb @ SRGB_TO_XYZ.T) / SRGB_TO_XYZ.sum(axis=1)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=-1)


def ciede2000(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """CIEDE2000 between rows of CIELAB values (Sharma, Wu and Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = first.T, second.T
    mean_c = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(mean_c**7 / (mean_c**7 + 25**7)))
    a1, a2 = a1 * (1 + g), a2 * (1 + g)
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    achromatic = c1 * c2 == 0
    dh = h2 - h1
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(achromatic, 0, dh)
    d_hue = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    mean_l, mean_c = (l1 + l2) / 2, (c1 + c2) / 2
    total = h1 + h2
    mean_h = np.where(
        achromatic,
        total,
        np.where(np.abs(h1 - h2) <= 180, total / 2, np.where(total < 360, (total + 360) / 2, (total - 360) / 2)),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(mean_h - 30))
        + 0.24 * np.cos(np.radians(2 * mean_h))
        + 0.32 * np.cos(np.radians(3 * mean_h + 6))
        - 0.20 * np.cos(np.radians(4 * mean_h - 63))
    )
    rotation = (
        -np.sin(np.radians(60 * np.exp(-(((mean_h - 275) / 25) ** 2)))) * 2 * np.sqrt(mean_c**7 / (mean_c**7 + 25**7))
    )
    s_l = 1 + 0.015 * (mean_l - 50) ** 2 / np.sqrt(20 + (mean_l - 50) ** 2)
    s_c, s_h = 1 + 0.045 * mean_c, 1 + 0.015 * mean_c * t
    d_l, d_c = (l2 - l1) / s_l, (c2 - c1) / s_c
    d_h = d_hue / s_h
    distance: np.ndarray = np.sqrt(d_l**2 + d_c**2 + d_h**2 + rotation * d_c * d_h)
    return distance


def closest_pair(colours: dict[str, str], vision: str) -> tuple[float, str, str]:
    names = list(colours)
    values = lab(list(colours.values()), vision)
    first, second = np.array(list(itertools.combinations(range(len(names)), 2))).T
    distances = ciede2000(values[first], values[second])
    at = int(distances.argmin())
    return float(distances[at]), names[first[at]], names[second[at]]


# -- the measures themselves can fail --------------------------------------------------------------------------
def test_ciede2000_matches_sharmas_published_pairs() -> None:
    pairs = np.array(  # L1 a1 b1 L2 a2 b2 -> ΔE00, from Sharma, Wu and Dalal's test data
        [
            [50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425],
            [50.0, 2.5, 0.0, 73.0, 25.0, -18.0, 27.1492],
            [50.0, 2.5, 0.0, 50.0, 3.1736, 0.5854, 1.0],
            [2.0776, 0.0795, -1.135, 0.9033, -0.0636, -0.5514, 0.9082],
        ]
    )
    assert ciede2000(pairs[:, :3], pairs[:, 3:6]) == pytest.approx(pairs[:, 6], abs=1e-4)


def test_the_simulations_lose_what_each_deficiency_loses() -> None:
    # A red and a green of like lightness: far apart with normal vision, close without the green-sensitive cones.
    red_green = {"red": "#e5484d", "green": "#46a758"}
    assert closest_pair(red_green, "normal")[0] > 60 and closest_pair(red_green, "deuteranopia")[0] < 5
    # The colours before issue 13 fail: two reds that deuteranopia cannot tell apart, and text below 4.5:1.
    before = ["#e5484d", "#f76b15", "#ffc53d", "#3e63dd", "#8e4ec6", "#ce2c31", "#d6409f"]
    assert closest_pair(dict(zip(before, before)), "deuteranopia")[0] < MIN_DISTANCE
    assert contrast("#ce2c31", theme_colours(True)["background"]) < MIN_CONTRAST
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0) and contrast("#767676", "#ffffff") > MIN_CONTRAST
    assert contrast("#777777", "#ffffff") < MIN_CONTRAST  # the usual grey that just fails on white


# -- the palette -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_palette_knows_textuals_theme_colours(dark: bool) -> None:
    textual = theme_colours(dark)
    ours = (
        (palette.DARK_BACKGROUND, palette.DARK_PANEL, palette.DARK_FOREGROUND)
        if dark
        else (palette.LIGHT_BACKGROUND, palette.LIGHT_PANEL, palette.LIGHT_FOREGROUND)
    )
    assert [c.upper() for c in ours] == [textual[n].upper() for n in ("background", "panel", "foreground")]


def every_text_colour(dark: bool) -> dict[str, str]:
    """Every colour the screen draws text in from the palette, in the theme's version."""
    labels = {f"label {name}": colour.on(dark) for name, colour in palette.LABEL_COLOURS.items()}
    outline = {f"outline {name}": colour.on(dark) for name, colour in palette.OUTLINE_COLOURS.items()}
    return {**labels, **outline, "plain text": theme_colours(dark)["foreground"]}


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_every_colour_reads_at_4_5_to_1_on_the_background_and_the_panel(dark: bool) -> None:
    theme = theme_colours(dark)
    too_low = {
        (name, ground): round(contrast(colour, theme[ground]), 2)
        for name, colour in every_text_colour(dark).items()
        for ground in ("background", "panel")
        if contrast(colour, theme[ground]) < MIN_CONTRAST
    }
    assert too_low == {}


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_label_colours_stay_apart_with_each_colour_vision(dark: bool, vision: str) -> None:
    # Each label against every other label and against plain text (a flagged label must not read as unflagged).
    colours = {name: colour.on(dark) for name, colour in palette.LABEL_COLOURS.items()}
    colours["plain text"] = theme_colours(dark)["foreground"]
    distance, first, second = closest_pair(colours, vision)
    assert distance >= MIN_DISTANCE, (first, second, round(distance, 2))


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_outline_colours_stay_apart_with_each_colour_vision(dark: bool, vision: str) -> None:
    colours = {name: colour.on(dark) for name, colour in palette.OUTLINE_COLOURS.items()}
    colours["plain text"] = theme_colours(dark)["foreground"]
    distance, first, second = closest_pair(colours, vision)
    assert distance >= MIN_DISTANCE, (first, second, round(distance, 2))


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_suggested_is_dimmer_than_review(dark: bool) -> None:
    background = theme_colours(dark)["background"]
    assert contrast(palette.SUGGESTED.on(dark), background) < contrast(palette.REVIEW.on(dark), background)


def test_the_taxonomy_keeps_the_dark_version_and_label_color_gives_each_theme_its_own() -> None:
    for label in load_taxonomy().labels:
        themed = palette.LABEL_COLOURS[label.id]
        assert label.color == themed.dark
        for dark in (True, False):
            assert palette.label_color(label.color, dark) == themed.on(dark)
            assert palette.label_color(label.color.upper(), dark) == themed.on(dark)
            assert palette.label_color(label.id, dark) == themed.on(dark)


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
def test_a_communitys_own_colour_is_made_readable_and_no_colour_gives_plain_text(dark: bool) -> None:
    theme = theme_colours(dark)
    for own in ("#000080", "#ffff00", "#808080", "red", "#3e63dd"):
        shown = palette.label_color(own, dark)
        assert all(contrast(shown, theme[ground]) >= MIN_CONTRAST for ground in ("background", "panel")), own
    assert palette.label_color("#e0e0e0", True) == "#e0e0e0"  # readable already: kept
    assert palette.label_color("not a colour; [bold]", dark).upper() == theme["foreground"].upper()


# -- the outline's columns -------------------------------------------------------------------------------------
def test_cells_are_fitted_not_characters() -> None:
    assert fit_cells("山田太郎さん", 10) == "山田太郎… "  # 12 cells: cut to 8 and the ellipsis, one space to 10
    assert cell_len(fit_cells("a山田太郎さん", 10)) == 10 and fit_cells("a山田太郎さん", 10).endswith("…")
    assert fit_cells("bob", 10) == "bob" + " " * 7
    assert [concern_text(c) for c in (0.87, 0.0, 0.099, 1.0, float("nan"))] == ["87", "00", "09", "99", "?"]


CJK_AUTHORS = [
    "山田太郎",
    "李小龍",
    "김철수",
    "Ｆｕｌｌｗｉｄｔｈ",  # full-width Latin: two cells each
    "長い名前の人がここにいます",  # cut, with an ellipsis
    "José 山本",
    "a山田太郎さん",  # a wide character would straddle the cut
    "plain",
]
CJK_TEXTS = [
    "Thanks, this fixes the crash for me.",
    "You are an idiot and your patch is garbage.",
    "Any update on this? When will it ship???",
    "I will find where you live.",
    "Please stay on topic.",
    "This is fine.",
    "People like you should not be allowed to code.",
    "Ok.",
]


async def test_cjk_author_names_keep_the_concern_flags_and_state_columns_in_line(tmp_path: Path) -> None:
    source = tmp_path / "cjk.jsonl"
    records = [
        {"thread": "t", "title": "CJK", "number": n, "author": a, "text": t}
        for n, (a, t) in enumerate(zip(CJK_AUTHORS, CJK_TEXTS))
    ]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    app = make_review_app(tmp_path / "log.yaml", source)
    async with app.run_test(size=(150, 45)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        # 0 skipped (later), 1 fine (decided), 2 a label toggled and left unsaved (a draft), the rest undecided.
        await pilot.press("s", "a", "4", "j")
        outline = app.query_one(Outline)
        session = app.session
        drawn = ["".join(segment.text for segment in outline.render_line(y)) for y in range(len(session.order))]
        assert all(cell_len(row) == outline.size.width for row in drawn)  # each fills its width, never more
        concern_ends, flags_starts, state_starts = set(), set(), set()
        states = []
        flagged_rows = 0
        for y, row in enumerate(drawn):
            score = session.scores[session.order[y]]
            assert score is not None
            concern = f" {concern_text(score.concern)} "
            at = row.index(concern, _NUMBER_AND_SPACE)  # the authors hold no digits: the first match is the column
            concern_ends.add(cell_len(row[: at + len(concern) - 1]))
            keys = "".join(session.taxonomy.label(label).key for label in score.flags)
            if keys:
                flagged_rows += 1
                flags_starts.add(cell_len(row[: row.index(keys, at + len(concern) - 1)]))
            state = next(word for word in ("later", "ok", "·") if word in row[at:])
            state_starts.add(cell_len(row[: row.index(state, at)]))
            states.append(row[row.index(state, at) - 1 :].strip())
        assert flagged_rows >= 2  # the insults are flagged: the flags column is measured on several rows
        # One position per column, and the header's: "conc" right-aligned over the digits, "flags" and "state"
        # over their columns (the draft mark's cell stands before the state).
        # The header shown over the outline is made for the author column's width there.
        shown = str(app.query_one("#outline-header", Static).render())
        assert concern_ends == {shown.index("conc") + len("conc")}
        assert flags_starts == {shown.index("flags")}
        assert state_starts == {shown.index("state")}
        assert cell_len(HEADER) == WIDTH
        assert states[:4] == ["later", "ok", DRAFT_MARK + "·", "·"]  # told in words and marks, not colour alone

        # The rows' colours are the palette's, in the version of the theme in use.
        flagged = next(y for y in range(3, len(drawn)) if session.scores[session.order[y]].flags)
        for dark in (True, False):
            app.theme = THEMES[dark]
            await pilot.pause()
            assert outline.row_text(1)[1].color.name == palette.DECIDED.on(dark)
            assert outline.row_text(flagged)[1].color.name == palette.FLAGGED.on(dark)
            first = next(iter(outline.render_line(flagged)))  # what is drawn, not only what row_text says
            assert first.style is not None and first.style.color is not None
            assert first.style.color.name == palette.FLAGGED.on(dark)


_NUMBER_AND_SPACE = 6  # the number column (ASCII digits, 5 cells) and its space
