from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from moderation_core.textsafe import dumps, json_lines, one_line, visible


def test_visible_escapes_every_control_and_reordering_character() -> None:
    raw = "a\x1b[2Jb\x07c\x9bd\x7fe\u202ef\u2066g\x00h"
    shown = visible(raw)
    assert shown == "a\\x1b[2Jb\\x07c\\x9bd\\x7fe\\u202ef\\u2066g\\x00h"


def test_visible_keeps_ordinary_text_tabs_and_newlines() -> None:
    text = "Grüße, 東京 🎉\tok\nnext [bold]literal[/bold]"
    assert visible(text) == text


def test_one_line_folds_and_cuts() -> None:
    assert one_line("a\n\n b\x1b", 6) == "a b\\x…"
    assert one_line("short") == "short"


def test_dumps_round_trips_and_escapes_c1_and_bidi() -> None:
    value = {"text": "x\x9by\u202ez\x1b Grüße"}
    out = dumps(value)
    assert "\x9b" not in out and "\u202e" not in out and "\x1b" not in out
    assert "Grüße" in out
    assert json.loads(out) == value


def test_one_line_is_one_line_whatever_the_line_breaks() -> None:
    """Error messages go through one_line: every character Python or a terminal treats as a line break is folded
    or escaped, so a message built from a file can never spill onto a second line."""
    breaks = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    shown = one_line("a" + "b".join(breaks) + "c")
    assert len(shown.splitlines()) == 1 and len((shown + "\n").encode().split(b"\n")) == 2
    assert not any(character in shown for character in breaks)


@given(
    st.lists(
        st.dictionaries(st.text(max_size=5), st.one_of(st.text(), st.floats(allow_nan=False), st.none())), max_size=5
    )
)
def test_json_lines_are_the_one_line_dumps_of_each_value(values: list[dict[str, object]]) -> None:
    assert json_lines(values) == "\n".join(dumps(value) for value in values)
    assert json_lines(values).count("\n") == max(len(values) - 1, 0)
