"""Reading a big decision log fast reads exactly what the line-by-line reading read.

``scan.documents`` reads the file a block at a time and takes an ordinary document whole, ``codec.parse_fast``
makes its JSON text without a pattern per line, and the check and the decoding of a document take short paths
for plain values. Each must give what the earlier code gave, for every log: the earlier ``documents()`` and
``parse_fast()`` (and the checks and readings of a document) are kept here, verbatim, as the reference, and
generated logs mixing rendered documents with everything the package docstring's rules are about (CRLF, a BOM,
blank lines, stray text, torn tails, overlong lines, invalid UTF-8, markers with trailing blanks) must read the
same with both, whatever the block size and however short the reads.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderator.log import (
    Action,
    CommentRef,
    DecidedComment,
    Decision,
    Entry,
    LogError,
    ModelView,
    Retraction,
    ThreadRef,
    codec,
    decision_document,
    read_log,
    render,
    scan,
)
from moderator.log.codec import ACTIONS, END, KINDS, SCHEMA_VERSION, START, TOP_KEYS
from moderator.log.records import Record, Verdict, own_text_digest, text_of
from moderator.log.scan import BOM, Item, State, Undecodable
from moderator.log.state import Shared

LABELS = ("personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory")
QUICK = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the reference: the reading as it was before its short paths (verbatim) ---------------------------------------
_BLANK = " \t\r"
_MARKERS = (START, END)
_BLANK_LINE = _BLANK + "\n"
_KEY_LINE = re.compile(r"^([a-z_]+): (.*)$")
_MAX_COMMENT_NUMBER = 2**63


def _reference_skip_rest_of_line(handle: BinaryIO, limit: int) -> tuple[int, bool]:
    skipped = 0
    while True:
        part = handle.readline(limit)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped, part.endswith(b"\n")


def _reference_undecodable(raw: bytes, ended: bool, error: UnicodeDecodeError, number: int, offset: int) -> str:
    if not ended and error.reason == "unexpected end of data":
        return raw[: error.start].decode("utf-8") + "\ufffd"
    raise Undecodable(number, offset + error.start) from None


def _reference_is_torn_fragment(text: str) -> bool:
    trimmed = text.strip(_BLANK)
    return trimmed in ("-", "--") or (trimmed != "" and not trimmed.strip("\0"))


def reference_documents(handle: BinaryIO, *, limit: int, offset: int = 0) -> Iterator[Item]:
    line_limit = limit + 1
    readline = handle.readline
    body: list[str] | None = None
    start_line = start_offset = number = 0
    raw = readline(line_limit)
    if offset == 0 and raw.startswith(BOM):
        raw, offset = raw[len(BOM) :], len(BOM)
    while raw:
        number += 1
        line_offset = offset
        offset += len(raw)
        text: str | None
        if raw[-1] == 10:
            ended = True
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = _reference_undecodable(raw, ended, error, number, line_offset)
        elif len(raw) == line_limit:
            more, ended = _reference_skip_rest_of_line(handle, line_limit)
            offset += more
            text = None
        else:
            ended = False
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                text = _reference_undecodable(raw, ended, error, number, line_offset)
        raw = readline(line_limit)
        if body is not None and text is not None and not text.startswith(_MARKERS):
            if offset - start_offset <= limit:
                body.append(text[:-2] if text.endswith("\r\n") else text[:-1] if ended else text)
            continue
        marker = text.rstrip(_BLANK_LINE) if text is not None else None
        if body is None:
            if marker == START:
                body, start_line, start_offset = [], number, line_offset
            elif marker:
                fragment = not ended and _reference_is_torn_fragment(marker)
                yield Item(number, line_offset, offset - line_offset, [], "fragment" if fragment else "stray", number)
            elif text is None:
                yield Item(number, line_offset, offset - line_offset, [], "stray", number)
        elif marker == END:
            state: State = "complete" if ended else "unfinished"
            yield Item(start_line, start_offset, offset - start_offset, body, state, number)
            body = None
        elif marker == START:
            yield Item(start_line, start_offset, line_offset - start_offset, body, "unended", number - 1)
            body, start_line, start_offset = [], number, line_offset
        elif text is not None and offset - start_offset <= limit:
            body.append(text[:-2] if text.endswith("\r\n") else text[:-1] if ended else text)
    if body is not None:
        yield Item(start_line, start_offset, offset - start_offset, body, "unfinished", number)


def reference_parse_fast(lines: list[str]) -> dict[str, Any] | None:
    parts = []
    for line in lines:
        match = _KEY_LINE.match(line)
        if match is None:
            return None
        parts.append(f'"{match.group(1)}":{match.group(2)}')
    try:
        value = json.loads("{" + ",".join(parts) + "}")
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _shown(value: Any, width: int = 80) -> str:
    return codec.shown(value, width)


def _listed(values: Any, limit: int = 5) -> str:
    values = list(values)
    text = ", ".join(_shown(v, 40) for v in values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


def reference_problem(data: Any, labels: Collection[str]) -> str | None:  # noqa: C901 - verbatim
    if not isinstance(data, dict):
        return "a decision document must be a mapping"
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        return "missing schema version"
    if schema > SCHEMA_VERSION:
        return (
            f"schema version {_shown(schema, 40)} is newer than this moderator reads ({SCHEMA_VERSION}); "
            "upgrade moderator"
        )
    unknown = set(data) - set(TOP_KEYS)
    if unknown:
        return f"unknown keys {_listed(sorted(map(text_of, unknown)))}"
    kind = data.get("kind")
    if kind not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}"
    for key in ("id", "when", "moderator"):
        if not isinstance(data.get(key), str) or not data[key]:
            return f"missing {key}"
    try:
        dt.datetime.fromisoformat(data["when"])
    except (ValueError, TypeError):
        return f"when is not an ISO 8601 time: '{_shown(data['when'], 40)}'"
    thread, comment = data.get("thread"), data.get("comment")
    if not isinstance(thread, dict) or not isinstance(comment, dict):
        return "thread and comment must be mappings"
    number = comment.get("number")
    if number is not None and (
        not isinstance(number, int) or isinstance(number, bool) or abs(number) >= _MAX_COMMENT_NUMBER
    ):
        return f"comment number must be a whole number or null, not {_shown(number, 40)}"
    if kind == "retraction":
        return None if isinstance(data.get("retracts"), str) else "a retraction needs 'retracts'"
    decision = data.get("decision")
    if not isinstance(decision, dict):
        return "missing decision"
    chosen = decision.get("labels")
    if not isinstance(chosen, list) or not all(isinstance(l, str) for l in chosen):  # noqa: E741 - verbatim
        return "decision labels must be a list of label ids"
    foreign = [l for l in chosen if l not in labels]  # noqa: E741 - verbatim
    if foreign:
        return f"labels not in the taxonomy: {_listed(foreign)}"
    if decision.get("action") not in ACTIONS:
        return f"action must be one of {', '.join(ACTIONS)}"
    own_text = comment.get("own_text")
    if not isinstance(own_text, str):
        return "comment own_text missing"
    if comment.get("own_text_sha256") != own_text_digest(own_text):
        return "comment own_text does not match its sha256"
    return None


def _optional_text(value: object) -> str | None:
    return value if value is None or isinstance(value, str) else text_of(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def reference_model_flags(model: object) -> tuple[str, ...] | None:
    flags = model.get("flags") if isinstance(model, dict) else None
    if not isinstance(flags, list):
        return None
    return tuple(flag if isinstance(flag, str) else text_of(flag) for flag in flags)


def reference_model_view(model: object) -> ModelView | None:
    flags = reference_model_flags(model)
    if flags is None or not isinstance(model, dict):
        return None
    scores = model.get("scores")
    kept = (
        {text_of(label): score for label, score in scores.items() if _is_number(score)}
        if isinstance(scores, dict)
        else {}
    )
    concern = model.get("concern")
    return ModelView(
        _optional_text(model.get("id")), MappingProxyType(kept), flags, concern if _is_number(concern) else None
    )


def _note_of(value: object) -> str:
    if isinstance(value, str):
        return value
    return text_of(value) if value else ""


def reference_decode(document: dict[str, Any]) -> Record:
    get = document["thread"].get
    thread = ThreadRef(
        _optional_text(get("source")),
        _optional_text(get("id")),
        _optional_text(get("title")),
        _optional_text(get("url")),
    )
    comment = document["comment"]
    if document["kind"] == "retraction":
        ref = CommentRef(comment.get("number"), _optional_text(comment.get("id")))
        return Retraction(document["id"], document["when"], document["moderator"], thread, ref, document["retracts"])
    decided = DecidedComment(
        comment.get("number"),
        _optional_text(comment.get("id")),
        _optional_text(comment.get("author")),
        comment["own_text"],
        comment["context"] if isinstance(comment.get("context"), str) else "",
        comment["node_id"] if isinstance(comment.get("node_id"), str) else None,
    )
    verdict = document["decision"]
    return Decision(
        document["id"],
        document["when"],
        document["moderator"],
        thread,
        decided,
        reference_model_view(document.get("model")),
        Verdict(tuple(verdict["labels"]), Action(verdict["action"]), _note_of(verdict.get("note"))),
    )


def reference_entry_fields(document: dict[str, Any], line: int) -> tuple[object, ...]:
    """The fields Entry.__new__ read from a document before it could take them from the record."""
    thread = document["thread"]
    number = document["comment"].get("number")
    key = ThreadRef(*(_optional_text(thread.get(name)) for name in ("source", "id", "title", "url"))).key(
        document["moderator"], number
    )
    if document["kind"] == "retraction":
        return (line, "retraction", document["id"], key, document["retracts"], (), None, "", None)
    verdict = document["decision"]
    return (
        line,
        "decision",
        document["id"],
        key,
        None,
        tuple(verdict["labels"]),
        Action(verdict["action"]),
        _note_of(verdict.get("note")),
        reference_model_flags(document.get("model")),
    )


# -- generated logs ----------------------------------------------------------------------------------------------
TEXTS = st.sampled_from(["plain words", "Grüße aus Köln 🤡", "日本語 ✓", "", "a\nb", "--- no marker", "\ud800 half"])


@st.composite
def rendered_documents(draw: st.DrawFn) -> bytes:
    """A document as the writer renders it, sometimes with the changes a hand or a crash makes."""
    number = draw(st.integers(0, 5))
    document = decision_document(
        moderator=draw(st.sampled_from(["dana", "ravi", "mei"])),
        thread={"source": "bugzilla", "id": str(4000 + number), "title": f"Incident {number}", "url": None},
        comment={"number": number, "id": str(number), "author": "someone", "own_text": draw(TEXTS)},
        model=draw(
            st.sampled_from(
                [None, {"id": "m", "scores": {"demand": 0.5, "threat": 1}, "flags": ["demand"], "concern": 0.2}]
            )
        ),
        labels=draw(st.sampled_from([[], ["demand"], ["threat", "demand"]])),
        action=draw(st.sampled_from(["ok", "flag"])),
        note=draw(st.sampled_from(["", "a note"])),
    )
    data = render(document)
    change = draw(
        st.sampled_from(
            ["none", "none", "crlf", "blank-markers", "unended", "marker-like", "bad-utf8", "yaml", "foreign-key"]
        )
    )
    if change == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif change == "blank-markers":
        data = data.replace(b"---\n", b"--- \t\n", 1).replace(b"\n...\n", b"\n...  \r\n")
    elif change == "unended":
        data = data[: data.rindex(b"...\n")]
    elif change == "marker-like":
        data = data.replace(b"\nkind:", draw(st.sampled_from([b"\n---x\nkind:", b"\n....\nkind:", b"\n-- -\nkind:"])))
    elif change == "bad-utf8":
        data = data.replace(b"\nkind:", b"\n\xff\xfekind:")
    elif change == "yaml":
        data = data.replace(b"schema: 1", b"schema:   1")
    elif change == "foreign-key":
        data = data.replace(b"\nkind:", b"\nextra_key: 1\nkind:")
    return data


LINES = st.sampled_from(
    [
        b"\n",
        b"  \n",
        b"\r\n",
        b"junk\n",
        b"-\n",
        b"---\n",
        b"...\n",
        b"--- \t\n",
        b"...  \r\n",
        b"---x\n",
        b"schema: 1\n",
        b"\xff\n",
        b"\xed\xa0\x80\n",
        b"\xef\xbb\xbf---\n",
    ]
)
CUT_SHORT = st.sampled_from([b"\t", b"junk", b"-", b"--", b"\0\0", b"---", b"...", b"\xc3"])  # no line break
LONG_LINES = st.integers(1, 300).map(lambda n: b"x" * n + b"\n")  # overlong for the small limits
PIECES = st.one_of(
    rendered_documents(), rendered_documents(), rendered_documents(), LINES, LINES, CUT_SHORT, LONG_LINES
)


@st.composite
def logs(draw: st.DrawFn) -> bytes:
    data = (BOM if draw(st.booleans()) else b"") + b"".join(draw(st.lists(PIECES, max_size=12)))
    if draw(st.integers(0, 4)) == 0:
        data = data.replace(b"\n", b"\r\n")
    if data and draw(st.integers(0, 3)) == 0:  # a torn tail: the file cut anywhere
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data


class ShortReads(io.BytesIO):
    """A file whose reads return at most ``most`` bytes, as a pipe or a raw file may."""

    def __init__(self, data: bytes, most: int) -> None:
        super().__init__(data)
        self.most = most

    def read(self, size: int | None = -1, /) -> bytes:
        return super().read(self.most if size is None or size < 0 else min(size, self.most))


def reading(
    documents: Callable[..., Iterator[Item]], handle: BinaryIO, limit: int, offset: int
) -> tuple[list[tuple[type, tuple[object, ...]]], tuple[int, int] | None]:
    """Every item (with its type), and where reading stopped as not UTF-8."""
    items: list[tuple[type, tuple[object, ...]]] = []
    try:
        for item in documents(handle, limit=limit, offset=offset):
            items.append((type(item), tuple(item)))
    except Undecodable as error:
        return items, (error.line, error.offset)
    return items, None


LIMITS = st.one_of(st.sampled_from([1, 4, 9, 40, 120, 400, 700]), st.sampled_from([2000, 8 * 1024 * 1024]))
CHUNKS = st.one_of(st.sampled_from([1, 2, 3, 5, 8, 64, 1024]), st.just(64 * 1024))  # small: cut everywhere


def assert_read_as_line_by_line(data: bytes, limit: int, chunk: int, most: int | None = None, offset: int = 0) -> None:
    handle = io.BytesIO(data) if most is None else ShortReads(data, most)
    expected = reading(reference_documents, io.BytesIO(data), limit, offset)
    block = scan._CHUNK
    scan._CHUNK = chunk
    try:
        assert reading(scan.documents, handle, limit, offset) == expected
    finally:
        scan._CHUNK = block
    for _, (_, _, _, body, state, _) in expected[0]:
        if state == "complete":
            assert codec.parse_fast(body) == reference_parse_fast(body)  # type: ignore[arg-type]


@QUICK
@given(
    data=logs(),
    limit=LIMITS,
    chunk=CHUNKS,
    most=st.sampled_from([None, None, 1, 7, 100]),
    offset=st.sampled_from([0, 0, 3, 1000]),
)
def test_documents_reads_every_log_as_the_line_by_line_reading(
    data: bytes, limit: int, chunk: int, most: int | None, offset: int
) -> None:
    assert_read_as_line_by_line(data, limit, chunk, most, offset)


ODDITIES = [
    b"--- \n",  # a start line with a trailing blank: the next document is no ordinary one
    b"...\n",
    b"...\t\n",
    b"\n",
    b"stray\n",
    b"---\n...\n",  # a document without a body line
    b"---\n\n...\n",  # a document with one empty body line
    b"---\nschema: 1\n",  # a document without its end line
    b"---\nschema: 1\n---\n",
    b"---\n---x\n....\nschema: 1\n...\n",  # body lines starting with a marker
    b"---\r\nschema: 1\r\n...\r\n",
    b"---\nschema: 1\r\n...\n",
    b"---\nschema: \xff\n...\n",
    b"---\nnote: " + b"n" * 3000 + b"\n...\n",  # over the limit
]


@pytest.mark.parametrize("oddity", ODDITIES)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    documents=st.lists(rendered_documents().filter(lambda data: data.endswith(b"\n...\n")), min_size=1, max_size=12),
    place=st.integers(0, 12),
    limit=st.sampled_from([2000, 8 * 1024 * 1024]),
    chunk=st.sampled_from([700, 1024, 4096, 64 * 1024]),
)
def test_runs_of_rendered_documents_with_an_oddity_read_as_line_by_line(
    oddity: bytes, documents: list[bytes], place: int, limit: int, chunk: int
) -> None:
    """Rendered documents one after the other are split apart together; one that is not ordinary, or whatever
    stands between them, ends the run there and is read line by line."""
    place = min(place, len(documents))
    data = b"".join(documents[:place]) + oddity + b"".join(documents[place:])
    assert_read_as_line_by_line(data, limit, chunk)
    assert_read_as_line_by_line(data[:-1], limit, chunk)  # torn


def test_documents_around_the_size_limit_read_as_line_by_line() -> None:
    documents = [log_of(1), log_of(1).replace(b"comment 0", b"comment 0 and some"), b"---\n\n...\n"]
    documents.append(log_of(1).replace(b"---\n", b"--- \t  \n"))  # a longer '---' line leaves less room
    data = b"".join(documents) * 2
    for size in {len(document) for document in documents}:
        for limit in range(max(size - 10, 1), size + 3):
            for chunk in (64, 64 * 1024):
                assert_read_as_line_by_line(data, limit, chunk)
                assert_read_as_line_by_line(data.replace(b"\n", b"\r\n"), limit, chunk)


# JSON values, a few of them spread over lines (which the pattern refuses unless the break ends the line)
VALUES = [
    "1",
    "1}",
    "{}} ",
    '"x"',
    "",
    " 2",
    "{",
    '1, "id": "y"',
    "[1]\n",
    "[1,\n2]",
    '{\n"a": 1}',
    "1\r",
    "null",
    "\t[]",
]
KEY_LINES = st.one_of(
    st.sampled_from([f"{key}: " for key in TOP_KEYS]).flatmap(
        lambda prefix: st.sampled_from(VALUES).map(lambda value: prefix + value)
    ),
    st.sampled_from(["schema:1", "schema:  1", "Schema: 1", "extra_key: 1", "a-b: 1", "kind:: 1", "", ": 1", "kind"]),
    st.text(max_size=12),
)


@QUICK
@given(lines=st.lists(KEY_LINES, max_size=6))
def test_parse_fast_reads_every_body_as_the_pattern_did(lines: list[str]) -> None:
    assert codec.parse_fast(lines) == reference_parse_fast(lines)


ODD_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, 1, -1, 2**63 - 1, 2**63, -(2**63), 2**70, 0.5, 1.0, float("inf")]),
    st.sampled_from(["", "demand", "ok", "flag", "x", "2026-11-27T10:31:02Z"]),
    st.lists(st.sampled_from(["demand", "threat", 7, True, None]), max_size=3),
    st.dictionaries(st.sampled_from(["demand", "threat", 7, "id"]), st.sampled_from([0.5, 1, True, "high", None])),
)


FIELDS: dict[tuple[str, ...], list[Any]] = {  # where a hand edits, and what
    (): ["schema", "kind", "id", "when", "moderator", "thread", "comment", "model", "decision", "retracts", "extra"],
    ("thread",): ["source", "id", "title", "url"],
    ("comment",): ["number", "id", "author", "own_text", "own_text_sha256", "context", "node_id"],
    ("model",): ["id", "scores", "flags", "concern"],
    ("model", "scores"): ["demand", "threat", 7, True],
    ("decision",): ["labels", "action", "note"],
}


def plain_document(kind: str = "decision", labels: list[str] | None = None, note: str = "") -> dict[str, Any]:
    document = decision_document(
        moderator="dana",
        thread={"source": "bugzilla", "id": "4127", "title": "Incident", "url": None},
        comment={"number": 3, "id": "88", "author": "ana", "own_text": "words", "context": "before"},
        model={"id": "m", "scores": {"demand": 0.5, "threat": 1}, "flags": ["demand"], "concern": 0.2},
        labels=labels or [],
        action="flag",
        note=note,
    )
    document = json.loads(json.dumps(document))  # plain containers, as the reader makes them
    if kind == "retraction":
        kept = ("schema", "kind", "id", "when", "moderator", "thread", "comment")
        document = {key: document[key] for key in kept} | {"kind": "retraction", "retracts": "abc"}
    return document


@st.composite
def documents_as_read(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document, or one a hand edited: fields of it replaced or removed."""
    document = plain_document(
        draw(st.sampled_from(["decision", "decision", "retraction"])),
        draw(st.sampled_from([[], ["demand"], ["threat", "demand"]])),
        draw(st.sampled_from(["", "a note"])),
    )
    for _ in range(draw(st.integers(0, 3))):
        place, names = draw(st.sampled_from(list(FIELDS.items())))
        target: Any = document
        for key in place:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            name = draw(st.sampled_from(names))
            if draw(st.integers(0, 4)) == 0:
                target.pop(name, None)
            else:
                target[name] = draw(ODD_VALUES)
    return document


def assert_read_as_before(document: dict[str, Any], labels: Collection[str]) -> None:
    assert codec.problem(document, labels) == reference_problem(document, labels)
    assert codec.model_view(document.get("model")) == reference_model_view(document.get("model"))
    assert codec.model_flags(document.get("model")) == reference_model_flags(document.get("model"))
    if reference_problem(document, labels) is not None:
        return
    record = reference_decode(document)
    shared = Shared()
    assert codec.decode(document) == record
    assert codec.decode(document, shared.parts) == record
    assert codec.decode(document, shared.parts) == record  # the second one from the shared parts
    expected = reference_entry_fields(document, 7)
    for given_record in (None, codec.decode(document, shared.parts)):
        entry = Entry(document, 7, keep=False, shared=shared, record=given_record)
        assert tuple(entry)[:9] == expected


@QUICK
@given(document=documents_as_read(), labels=st.sampled_from([set(LABELS), {"demand"}, frozenset()]))
def test_checking_and_decoding_read_every_document_as_before(document: dict[str, Any], labels: set[str]) -> None:
    assert_read_as_before(document, labels)


def test_every_field_edited_to_every_odd_value_reads_as_before() -> None:
    values: list[Any] = [None, True, 0, 1, 2**63 - 1, 2**63, -(2**63), 2**70, 0.5, float("inf"), float("nan")]
    values += ["", "demand", "x", [], ["demand", 7], [None], {}, {"demand": 0.5, 7: True, "threat": "high"}]
    for kind in ("decision", "retraction"):
        for place, names in FIELDS.items():
            for name in names:
                for value in values:
                    document = plain_document(kind)
                    target: Any = document
                    for key in place:
                        target = target.setdefault(key, {})  # a retraction has no model nor decision: added
                    target[name] = value
                    assert_read_as_before(document, set(LABELS))
                    target.pop(name)
                    assert_read_as_before(document, set(LABELS))


# -- the short paths are taken, memory stays bounded, the collector is left as found ------------------------------
def log_of(count: int) -> bytes:
    return b"".join(
        render(
            decision_document(
                moderator="dana",
                thread={"source": "bugzilla", "id": "77", "title": "Release", "url": None},
                comment={"number": n, "id": str(n), "author": "ana", "own_text": f"comment {n} " * 40},
                model={"id": "m", "scores": {"demand": 0.5}, "flags": [], "concern": 0.5},
                labels=["demand"] if n % 3 else [],
                action="flag" if n % 3 else "ok",
            )
        )
        for n in range(count)
    )


def test_ordinary_documents_are_taken_whole_not_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"readline": 0}
    readline = scan._Lines.readline

    def counted(self: Any) -> bytes:
        calls["readline"] += 1
        return readline(self)

    monkeypatch.setattr(scan._Lines, "readline", counted)
    data = log_of(500)  # about 300 KB: several blocks
    items = list(scan.documents(io.BytesIO(data), limit=8 * 1024 * 1024))
    assert [item.state for item in items] == ["complete"] * 500
    assert items == list(reference_documents(io.BytesIO(data), limit=8 * 1024 * 1024))
    assert calls["readline"] <= 3  # the first '---' and the end of the file; line by line it was 6,000 lines


class CountedReads(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.largest = 0

    def read(self, size: int | None = -1, /) -> bytes:
        part = super().read(size)
        self.largest = max(self.largest, len(part))
        return part


def test_a_long_line_is_read_in_pieces_never_whole() -> None:
    limit = 10_000
    data = log_of(2) + b"---\nnote: " + b"n" * 3_000_000 + b"\n...\n" + b"x" * 2_000_000 + b"\n" + log_of(1)
    handle = CountedReads(data)
    items = list(scan.documents(handle, limit=limit))
    assert items == list(reference_documents(io.BytesIO(data), limit=limit))
    assert handle.largest <= max(limit + 1, scan._CHUNK)


def test_reading_leaves_the_cyclic_collector_as_it_found_it(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    path.write_bytes(log_of(3))
    assert gc.isenabled()
    assert len(read_log(path, LABELS, records=True).records or []) == 3
    assert gc.isenabled()
    path.write_bytes(log_of(1) + b"\xff\n")
    with pytest.raises(LogError, match="not UTF-8"):
        read_log(path, LABELS)
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(read_log(path.with_name("none.yaml"), LABELS).entries) == 0
        path.write_bytes(log_of(2))
        assert len(read_log(path, LABELS).entries) == 2
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_records_of_one_thread_share_its_reference_and_equal_the_ones_read_alone(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    path.write_bytes(log_of(4))
    contents = read_log(path, LABELS, records=True)
    records = contents.records or []
    assert records == [entry.load() for entry in contents.entries]
    assert len({id(record.thread) for record in records}) == 1
    assert all(isinstance(record, Decision) for record in records)
    assert [entry.model_flags for entry in contents.entries] == [
        record.model.flags if isinstance(record, Decision) and record.model else None for record in records
    ]
    assert isinstance(records[0], Decision) and isinstance(records[0].model, ModelView)
    assert isinstance(records[0].model.scores, Mapping)


def test_records_without_entries_are_the_records_lines_and_problems_of_a_whole_read(tmp_path: Path) -> None:
    """read_log(records=True, entries=False), what reading every record of a big log uses: the same records with
    their entries' lines, and the same problems (a retraction of an unknown decision among them)."""
    path = tmp_path / "log.yaml"
    retraction = render(
        {
            "schema": 1,
            "kind": "retraction",
            "id": "r1",
            "when": "2026-11-02T10:00:00Z",
            "moderator": "dana",
            "thread": {"source": "bugzilla", "id": "1"},
            "comment": {"number": 1},
            "retracts": "nothing-by-this-id",
        }
    )
    path.write_bytes(log_of(3) + retraction + b"stray text\n" + log_of(2))
    whole = read_log(path, LABELS, records=True)
    only = read_log(path, LABELS, records=True, entries=False)
    assert only.entries == [] and only.records == whole.records
    assert only.record_lines == [entry.line for entry in whole.entries]
    assert only.problems == whole.problems and len(only.problems) == 2
    with pytest.raises(ValueError):
        read_log(path, LABELS, entries=False)
