"""The review screen's colours: one per taxonomy label and the outline's own, each in a version for Textual's dark
theme and one for its light theme.

Two rules chose them (tests/test_review_colour.py checks both, with the figures):

* Contrast: text in any of these colours has a contrast ratio of at least 4.5:1 (WCAG 2, level AA for ordinary
  text) against the theme's background and against its panel (the header and the help box). textual-dark draws
  on #121212 and #242F38, textual-light on #E0E0E0 and #D0D0D0. On #242F38 a colour needs a relative luminance
  of 0.30 or more, on #D0D0D0 0.10 or less: no colour can serve both themes, hence a version per theme. The
  taxonomy (labels/taxonomy.yaml) keeps the dark version, the one of Textual's default theme, and
  :func:`label_color` maps a label to its version for the theme in use.
* Telling them apart: each label colour started as one of the Okabe-Ito colours (Okabe and Ito 2002, chosen to
  stay apart for the common colour-vision deficiencies) and was moved in lightness and chroma, its hue kept within
  20 degrees, until it met the contrast above while keeping the smallest CIEDE2000 distance between any two
  labels, and between a label and the theme's plain text, as large as we could find under normal vision and under
  simulated protanopia, deuteranopia and tritanopia (Machado et al. 2009, full severity). The smallest distance is
  13.6 for the dark versions and 10.5 for the light ones. The light theme's backgrounds leave only dark colours
  (lightness 15 to 38 of 100), so the light versions lie closer together than the dark ones.

Nothing on the screen is told by colour alone: a flag is its label key, a mark for review a "?", a decision the
word in the state column. The colours only make them quicker to find.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from rich.color import Color, ColorParseError

# Textual 8's built-in themes, as its colour system works them out ($background and $panel); the colour test
# checks these against Textual itself.
DARK_BACKGROUND = "#121212"
DARK_PANEL = "#242F38"
DARK_FOREGROUND = "#E0E0E0"
LIGHT_BACKGROUND = "#E0E0E0"
LIGHT_PANEL = "#D0D0D0"
LIGHT_FOREGROUND = "#1F1F1F"

MIN_CONTRAST = 4.5  # WCAG 2 level AA for ordinary text


class Themed(NamedTuple):
    """One colour in its two versions: for a dark theme and for a light one."""

    dark: str
    light: str

    def on(self, dark: bool) -> str:
        return self.dark if dark else self.light


# The labels of labels/taxonomy.yaml. Comments: the Okabe-Ito colour each began as.
LABEL_COLOURS: dict[str, Themed] = {
    "personal-attack": Themed("#b18bb2", "#83405e"),  # reddish purple #CC79A7
    "accusation": Themed("#d6b004", "#401e00"),  # orange #E69F00
    "inflammatory": Themed("#d3ff78", "#505d34"),  # yellow #F0E442
    "off-topic": Themed("#b3d1ff", "#005992"),  # sky blue #56B4E9
    "demand": Themed("#5899ff", "#02274e"),  # blue #0072B2
    "threat": Themed("#e07963", "#a90000"),  # vermillion #D55E00
    "derogatory": Themed("#50e4a3", "#0f4a36"),  # bluish green #009E73
}

# The outline's rows. Each tells apart by its text too ("?" and keys, the state column); see the module docstring.
# A comment the model flags (its label keys in the flags column): Okabe-Ito orange.
FLAGGED = Themed("#e59c00", "#69560a")
# A comment the model marks for review ("?" in the flags column): a colour of its own, so it never reads as flagged.
REVIEW = Themed("#fbb5ff", "#480050")
# The suggested label keys after the "?": the review colour's hue with less contrast (still 4.5:1 or more) and in
# italics, so a suggestion never reads as a flag.
SUGGESTED = Themed("#b18aaf", "#9a03a9")
# A decided comment (the decision in the state column): Okabe-Ito bluish green.
DECIDED = Themed("#07aa7e", "#0e6452")
# Every colour the outline draws text in (plain rows take the theme's own text colour).
OUTLINE_COLOURS: dict[str, Themed] = {"flagged": FLAGGED, "review": REVIEW, "suggested": SUGGESTED, "decided": DECIDED}

_BY_DARK_VERSION = {colour.dark.lower(): colour for colour in LABEL_COLOURS.values()}


def label_color(label_id_or_taxonomy_color: str, dark: bool) -> str:
    """The colour to draw a label in on a dark or a light theme.

    Give the label's ``color`` from the taxonomy (or its id): a colour of this palette gives its version for the
    theme. A community's own colour is kept if it is readable on the theme, and otherwise moved towards white
    (dark theme) or black (light theme) until it is; text that is no colour gives the theme's plain text colour."""
    return _label_color(label_id_or_taxonomy_color.strip(), dark)


@lru_cache(maxsize=256)
def _label_color(key: str, dark: bool) -> str:
    themed = LABEL_COLOURS.get(key) or _BY_DARK_VERSION.get(key.lower())
    if themed is not None:
        return themed.on(dark)
    return readable(key, dark)


def readable(colour: str, dark: bool) -> str:
    """``colour`` as "#rrggbb", mixed towards white (dark theme) or black (light) just enough for 4.5:1 on the
    theme's background and panel; the theme's text colour if ``colour`` is not a colour Rich can read."""
    try:
        triplet = Color.parse(colour).get_truecolor()
    except ColorParseError:
        return DARK_FOREGROUND if dark else LIGHT_FOREGROUND
    rgb = (triplet.red / 255, triplet.green / 255, triplet.blue / 255)
    backgrounds = (DARK_BACKGROUND, DARK_PANEL) if dark else (LIGHT_BACKGROUND, LIGHT_PANEL)
    target = 1.0 if dark else 0.0
    for step in range(101):  # in steps of 1% of the way: at the end white (21:1 on black) or black always passes
        share = step / 100
        mixed = "#" + "".join(f"{round((channel + (target - channel) * share) * 255):02x}" for channel in rgb)
        if all(contrast_ratio(_rgb(mixed), _rgb(background)) >= MIN_CONTRAST for background in backgrounds):
            return mixed  # checked as the "#rrggbb" it is drawn in, after rounding
    return DARK_FOREGROUND if dark else LIGHT_FOREGROUND  # not reached: pure white or black passes


def _rgb(hex_colour: str) -> tuple[float, ...]:
    digits = hex_colour.lstrip("#")
    return tuple(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))


def relative_luminance(rgb: tuple[float, ...]) -> float:
    """WCAG 2's relative luminance of an sRGB colour given as three channels from 0 to 1."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
