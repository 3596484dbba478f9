"""The log reader's orjson path (codec.parse_usable): a document it returns must be one the reference path
(parse_fast, then problem) reads as valid, to exactly the same values and types, so the records decoded from it are
the same. orjson reads an integer literal beyond 64 bits as a float, where the standard library keeps the integer:
such documents must be declined, wherever the number sits."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from moderator.log import codec
from moderator.log.codec import decision_document, render
from moderator.log.state import Entry

LABELS = frozenset({"personal-attack", "off-topic"})


def document() -> dict[str, Any]:
    return decision_document(
        moderator="dana",
        thread={"source": "bugzilla", "id": "4127", "title": "Crash on save", "url": "https://bugs.example/4127"},
        comment={"number": 3, "id": "88", "author": "Lena", "own_text": "It crashes again.", "context": "op"},
        model={"id": "m@1", "scores": {"personal-attack": 0.25, "off-topic": 0.5}, "flags": [], "concern": 0.3},
        labels=["off-topic"],
        action="flag",
        note="see the thread",
    )


def body_lines(data: dict[str, Any]) -> list[str]:
    return render(data).decode("utf-8").split("\n")[1:-2]  # between '---' and '...'


def check_alike(lines: list[str]) -> dict[str, Any] | None:
    """parse_usable's document, checked against the reference path: valid there too, and what the log reads from
    it (the record, the entry) the same, compared by repr (1 and 1.0 are equal in Python, not to the log). A
    value nothing reads (a concern that is a list, an extra key) may differ: it is never used."""
    quick = codec.parse_usable(lines, LABELS)
    if quick is not None:
        reference = codec.parse_fast(lines)
        assert reference is not None and codec.problem(reference, LABELS) is None
        assert repr(codec.decode(quick)) == repr(codec.decode(reference))
        assert repr(codec.decode_plain(quick, codec.SharedParts())) == repr(codec.decode(reference))
        assert repr(Entry(quick, 1, keep=False)) == repr(Entry(reference, 1, keep=False))
    return quick


def test_the_usual_document_is_read_quickly() -> None:
    assert check_alike(body_lines(document())) is not None


BEYOND = [2**64, 2**64 + 1, -(2**63) - 1, 10**30, -(10**25)]


def test_integers_beyond_64_bits_are_declined_wherever_they_are_read() -> None:
    places = [
        ("model", "concern"),
        ("model", "scores", "off-topic"),
        ("thread", "id"),
        ("thread", "title"),
        ("comment", "id"),
        ("comment", "author"),
        ("comment", "number"),
        ("decision", "note"),
        ("model", "id"),
    ]
    for place in places:
        for number in BEYOND:
            data = document()
            target = data
            for key in place[:-1]:
                target = target[key]
            target[place[-1]] = number
            assert check_alike(body_lines(data)) is None, (place, number)
    data = document()
    data["model"]["flags"] = [2**64]
    assert check_alike(body_lines(data)) is None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=6,
)
places = st.sampled_from(
    [
        ("model", "concern"),
        ("model", "scores", "off-topic"),
        ("model", "scores", "extra"),
        ("model", "flags"),
        ("model", "id"),
        ("model", "other"),
        ("thread", "id"),
        ("thread", "url"),
        ("thread", "extra"),
        ("comment", "id"),
        ("comment", "author"),
        ("comment", "node_id"),
        ("comment", "context"),
        ("comment", "number"),
        ("decision", "note"),
        ("model",),
    ]
)


@settings(max_examples=400, deadline=None)
@given(place=places, value=json_values)
def test_any_value_anywhere_is_read_alike_or_declined(place: tuple[str, ...], value: Any) -> None:
    data = document()
    target = data
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = value
    check_alike(body_lines(data))


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from('{}[]":,0123456789.eE+-\\ud tnaNulrsf \t'), max_size=40))
def test_hand_edited_values_are_read_alike_or_declined(text: str) -> None:
    """A value line edited by hand into anything (valid JSON or not): never read differently."""
    lines = body_lines(document())
    index = next(i for i, line in enumerate(lines) if line.startswith("model: "))
    lines[index] = "model: " + text
    quick = check_alike(lines)
    if quick is not None:
        json.loads("{" + text.join(['"v":', "}"]))  # the standard library reads the edited value too
