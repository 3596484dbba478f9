"""Schema 1: records to documents and back, a document's bytes, and what makes a document valid.

A document is the one untyped form of a record (a mapping as JSON or YAML gives it); it exists only here, at the
edge of the file. Every top-level key is written as a block-style line whose value is JSON (which is YAML too),
between a ``---`` line and a ``...`` line, in the order of :data:`TOP_KEYS`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from types import MappingProxyType
from typing import Any, cast

import orjson

from moderation_core.textsafe import dumps, one_line
from moderation_core.yamlsafe import load_one
from moderator.log.records import (
    Action,
    CommentRef,
    DecidedComment,
    Decision,
    ModelView,
    Record,
    Retraction,
    ThreadRef,
    Verdict,
    new_id,
    now,
    own_text_digest,
    text_of,
)

Document = dict[str, Any]

SCHEMA_VERSION = 1
ACTIONS: tuple[str, ...] = tuple(action.value for action in Action)
KINDS = ("decision", "retraction")
START = "---"
END = "..."
TOP_KEYS = ("schema", "kind", "id", "when", "moderator", "thread", "comment", "model", "decision", "retracts")
_KEY_LINE = re.compile(r"^([a-z_]+): (.*)$")
_TOP_KEY_SET = frozenset(TOP_KEYS)
_KEY_PREFIXES = tuple(f"{key}: " for key in TOP_KEYS)  # each key matches _KEY_LINE's key pattern
# Comment numbers are small integers; bounding them keeps every key printable and hashable.
_MAX_COMMENT_NUMBER = 2**63


# -- bytes -----------------------------------------------------------------------------------------------------
def render(document: Document) -> bytes:
    lines = [START]
    for key, value in document.items():
        lines.append(f"{key}: {dumps(value)}")  # JSON, readable, with YAML-unsafe characters escaped
    lines.append(END)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _rendered_json(lines: list[str]) -> str | None:
    """The JSON object of body lines that are each "key: JSON" for a key of the schema, as :func:`render` writes
    them; None when a line is not. The first ': ' of such a line is the one after the key, so the same text is
    made as the key pattern of :func:`parse_fast` would make, without running it on every line."""
    if not lines:
        return None
    for line in lines:
        if not line.startswith(_KEY_PREFIXES):
            return None
    text = '{"' + ',"'.join([line.replace(": ", '":', 1) for line in lines]) + "}"
    return None if "\n" in text else text  # a line holding a line break: only the pattern knows what it makes of it


def parse_fast(lines: list[str]) -> Document | None:
    """The document as written by :func:`render`, or None when it is not in that form."""
    text = _rendered_json(lines)
    if text is not None:
        return _json_mapping(text)
    parts = []
    for line in lines:
        match = _KEY_LINE.match(line)
        if match is None:
            return None
        parts.append(f'"{match.group(1)}":{match.group(2)}')
    return _json_mapping("{" + ",".join(parts) + "}")


def parse_usable(lines: list[str], labels: Collection[str]) -> Document | None:
    """A document as :func:`render` writes it, read by orjson (twice as quick as the standard library on a big
    log) and returned only when it is valid (:func:`problem` finds nothing) and every value the log reads from
    it is one orjson reads exactly as :func:`parse` does; None otherwise: the caller then reads it with
    :func:`parse` and :func:`problem`, as it always did.

    Where the two parsers differ: what orjson refuses (NaN, a lone surrogate, a number beyond a double) raises;
    an integer literal beyond 64 bits, which orjson reads as the nearest float, is the one silent difference.
    So every value read from a valid document must be text (or absent) where it is named text, and a number only
    where a number is expected and below 2**63 if it is a float (schema and comment number must be integers:
    a float there fails the check)."""
    text = _rendered_json(lines)
    if text is None:
        return None
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not (_plainly_valid(data, labels) and _read_alike(data)):
        return None
    return cast(Document, data)


# orjson reads an integer literal beyond 64 bits as the nearest float: at or beyond 2**63 a float may be one.
_BEYOND_64_BITS = float(2**63)
_TEXT_TYPES = frozenset({str, type(None)})


def _read_alike(data: dict[str, Any]) -> bool:
    """For a valid document: whether every value :func:`decode` and the log's entries read from it is text where
    text is read (or absent), and no number read is 2**63 or more in size (a float there may stand for an
    integer literal beyond 64 bits). Written for speed: it runs once per document of a big log."""
    thread, comment, decision = data["thread"], data["comment"], data.get("decision")
    get, at = thread.get, comment.get
    types = {type(get("source")), type(get("id")), type(get("title")), type(get("url"))}
    types.update((type(at("id")), type(at("author")), type(at("node_id")), type(at("context"))))
    if type(decision) is dict:
        types.add(type(decision.get("note")))
    model = data.get("model")
    if type(model) is not dict:
        return types <= _TEXT_TYPES  # no model view, however it was read
    types.add(type(model.get("id")))
    flags = model.get("flags")
    if not types <= _TEXT_TYPES or type(flags) is list and not set(map(type, flags)) <= {str}:
        return False  # a flag is text, never None: the model view would write None as "None"
    scores, concern = model.get("scores"), model.get("concern")
    numbers = list(scores.values()) if type(scores) is dict else []
    if type(concern) is float or type(concern) is int:
        numbers.append(concern)
    # decode_plain keeps scores as they are: each an int or a float (never a bool, which the model view leaves out)
    return set(map(type, numbers)) <= _NUMBER_TYPES and max(map(abs, numbers), default=0) < _BEYOND_64_BITS


_NUMBER_TYPES = frozenset({int, float})


def decode_plain(document: Document, shared: SharedParts) -> Record:
    """:func:`decode` for a document :func:`parse_usable` returned, whose values are all of the plain types
    decode would keep as they are (text or None, lists of text, numbers): the same record, without checking
    each value again (a test compares the two on every kind of value)."""
    thread, comment = document["thread"], document["comment"]
    get = thread.get
    fields = (get("source"), get("id"), get("title"), get("url"))
    ref = shared.threads.get(fields)
    if ref is None:
        ref = shared.threads[fields] = ThreadRef(*fields)
    get = comment.get
    if document["kind"] == "retraction":
        return Retraction(
            document["id"], document["when"], document["moderator"], ref, CommentRef(get("number"), get("id")),
            document["retracts"],
        )  # fmt: skip
    decided = DecidedComment(
        get("number"), get("id"), get("author"), comment["own_text"], get("context") or "", get("node_id")
    )
    verdict = document["decision"]
    labels, action, note = tuple(verdict["labels"]), verdict["action"], verdict.get("note") or ""
    known = None if note else shared.verdicts.get((labels, action))
    if known is None:
        known = Verdict(labels, _ACTION_OF_VALUE[action], note)
        if not note:
            shared.verdicts[labels, action] = known
    model, view = document.get("model"), None
    if type(model) is dict:
        flags = model.get("flags")
        if type(flags) is list:
            scores, concern = model.get("scores"), model.get("concern")
            view = ModelView(
                model.get("id"),
                MappingProxyType(dict(scores) if type(scores) is dict else {}),
                tuple(flags),
                concern if type(concern) is float or type(concern) is int else None,
            )
    return Decision(document["id"], document["when"], document["moderator"], ref, decided, view, known)


def _json_mapping(text: str) -> Document | None:
    """``json.loads(text)`` when it is a mapping, else None, for a ``text`` made here: starting with '{' and
    ending with '}', so json.loads's checks of the ends (a BOM, white space, extra data) come down to this end
    test, and the scanner json.loads would run is called directly."""
    try:
        value, end = _scan_json(text, 0)
    except (ValueError, RecursionError, StopIteration):  # JSONDecodeError; an integer over the 4,300-digit limit
        return None
    return value if end == len(text) and isinstance(value, dict) else None


# json.loads's own scanner: the decoder json.loads uses is a default one too (typeshed leaves the attribute out)
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def parse(lines: list[str]) -> Any:
    """A document's body lines (between its ``---`` and ``...`` lines) as data: the JSON fast path for what
    :func:`render` wrote, the safe YAML loader for anything hand-edited. Raises what the YAML loader raises
    (YAMLProblem; ValueError or RecursionError from its own conversions)."""
    return parse_fast(lines) or load_one("\n".join(lines))


# -- validity --------------------------------------------------------------------------------------------------
def shown(value: Any, width: int = 80) -> str:
    """A value from the file as one short, terminal-safe line for a problem message."""
    return one_line(text_of(value), width)


def _listed(values: Iterable[Any], limit: int = 5) -> str:
    values = list(values)
    text = ", ".join(shown(v, 40) for v in values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


def problem(data: Any, labels: Collection[str]) -> str | None:
    """What is wrong with a document, as a one-line, terminal-safe message; None when it is a valid one."""
    if _plainly_valid(data, labels):  # the usual document, checked the short way
        return None
    if not isinstance(data, dict):
        return "a decision document must be a mapping"
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        return "missing schema version"
    if schema > SCHEMA_VERSION:
        return (
            f"schema version {shown(schema, 40)} is newer than this moderator reads ({SCHEMA_VERSION}); "
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
        return f"when is not an ISO 8601 time: '{shown(data['when'], 40)}'"
    thread, comment = data.get("thread"), data.get("comment")
    if not isinstance(thread, dict) or not isinstance(comment, dict):
        return "thread and comment must be mappings"
    number = comment.get("number")
    if number is not None and (
        not isinstance(number, int) or isinstance(number, bool) or abs(number) >= _MAX_COMMENT_NUMBER
    ):
        return f"comment number must be a whole number or null, not {shown(number, 40)}"
    if kind == "retraction":
        return None if isinstance(data.get("retracts"), str) else "a retraction needs 'retracts'"
    decision = data.get("decision")
    if not isinstance(decision, dict):
        return "missing decision"
    chosen = decision.get("labels")
    if not isinstance(chosen, list) or not all(isinstance(l, str) for l in chosen):
        return "decision labels must be a list of label ids"
    foreign = [l for l in chosen if l not in labels]
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


def _plainly_valid(data: Any, labels: Collection[str]) -> bool:
    """True only for a document :func:`problem` finds nothing wrong with, checked with item look-ups and exact
    types (each check implies problem's); False says nothing: problem then checks it its own way, names what
    is wrong, or finds nothing (a str subclass, say)."""
    try:
        if type(data) is not dict or not data.keys() <= _TOP_KEY_SET:
            return False
        schema, kind, identifier, when, moderator = (
            data["schema"],
            data["kind"],
            data["id"],
            data["when"],
            data["moderator"],
        )
        if type(schema) is not int or schema > SCHEMA_VERSION or type(kind) is not str or kind not in KINDS:
            return False
        if type(identifier) is not str or type(when) is not str or type(moderator) is not str:
            return False
        if not (identifier and when and moderator):
            return False
        _from_iso_format(when)
        thread, comment = data["thread"], data["comment"]
        if type(thread) is not dict or type(comment) is not dict:
            return False
        number = comment.get("number")
        if number is not None and (type(number) is not int or not -_MAX_COMMENT_NUMBER < number < _MAX_COMMENT_NUMBER):
            return False
        if kind == "retraction":
            return type(data.get("retracts")) is str
        decision = data["decision"]
        if type(decision) is not dict:
            return False
        chosen, action, own_text = decision["labels"], decision["action"], comment["own_text"]
        if type(chosen) is not list or type(action) is not str or action not in ACTIONS or type(own_text) is not str:
            return False
        for label in chosen:
            if type(label) is not str or label not in labels:
                return False
        return bool(comment.get("own_text_sha256") == own_text_digest(own_text))
    except (KeyError, ValueError):  # a key missing, a time that is none
        return False


_from_iso_format = dt.datetime.fromisoformat


def size_story(document: Document, size: int, limit: int) -> str:
    """Why a document is too big, naming the parts a moderator controls: the comment's text and the note."""
    comment = _mapping(document.get("comment"))
    note = _mapping(document.get("decision")).get("note")
    parts = []
    if isinstance(comment.get("own_text"), str):
        number = shown(comment.get("number"), 20)
        parts.append(f"comment {number} has {_utf8_size(comment['own_text']):,} bytes of text")
    if isinstance(note, str) and note:
        parts.append(f"the note {_utf8_size(note):,} bytes")
    held = f" ({', '.join(parts)})" if parts else ""
    return f"its document would be {size:,} bytes{held}, over the decision log's limit of {limit:,} bytes per document"


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


# -- records to documents --------------------------------------------------------------------------------------
def decision_document(
    *,
    moderator: str,
    thread: Mapping[str, Any],
    comment: Mapping[str, Any],
    model: Mapping[str, Any] | None,
    labels: Iterable[str],
    action: str,
    note: str = "",
) -> Document:
    """The document for one decision from mappings (a thread's ``header_dict``, a comment's ``to_dict``), for
    callers that have no records. Nothing is checked here: :meth:`DecisionLog.record` refuses an invalid one."""
    return _decision_layout(
        id=new_id(),
        when=now(),
        moderator=moderator,
        thread={k: thread.get(k) for k in _THREAD_KEYS},
        comment=_comment_layout(
            comment.get("number"),
            comment.get("id"),
            comment.get("author"),
            str(comment.get("own_text", "")),
            str(comment.get("context") or ""),
            _optional_text(comment.get("node_id")),
        ),
        model=model,
        decision=_verdict_layout(list(labels), action, note),
    )


def _decision_layout(
    *, id: str, when: str, moderator: str, thread: object, comment: object, model: object, decision: object
) -> Document:
    """The one layout of a decision document: its keys, in the order written (and those of its parts below)."""
    return {
        "schema": SCHEMA_VERSION,
        "kind": "decision",
        "id": id,
        "when": when,
        "moderator": moderator,
        "thread": thread,
        "comment": comment,
        "model": model,
        "decision": decision,
    }


def encode(record: Record) -> Document:
    if isinstance(record, Decision):
        return _encode_decision(record)
    return {
        "schema": SCHEMA_VERSION,
        "kind": "retraction",
        "id": record.id,
        "when": record.when,
        "moderator": record.moderator,
        "thread": _encode_thread(record.thread),
        "comment": {"number": record.comment.number, "id": record.comment.id},
        "retracts": record.retracts,
    }


def _encode_decision(decision: Decision) -> Document:
    comment, model, verdict = decision.comment, decision.model, decision.verdict
    return _decision_layout(
        id=decision.id,
        when=decision.when,
        moderator=decision.moderator,
        thread=_encode_thread(decision.thread),
        comment=_comment_layout(
            comment.number, comment.id, comment.author, comment.own_text, comment.context, comment.node_id
        ),
        model=None
        if model is None
        else {"id": model.id, "scores": dict(model.scores), "flags": list(model.flags), "concern": model.concern},
        decision=_verdict_layout(list(verdict.labels), verdict.action.value, verdict.note),
    )


_THREAD_KEYS = ("source", "id", "title", "url")


def _encode_thread(thread: ThreadRef) -> Document:
    return {"source": thread.source, "id": thread.id, "title": thread.title, "url": thread.url}


def _comment_layout(
    number: object, id: object, author: object, own_text: str, context: str = "", node_id: str | None = None
) -> Document:
    layout: Document = {
        "number": number,
        "id": id,
        "author": author,
        "own_text_sha256": own_text_digest(own_text),
        "own_text": own_text,
    }
    if context:  # written only where there is some: an opening post's decision reads as it always did
        layout["context"] = context
    if node_id is not None:  # written only where the source has one (GitHub): other decisions read as they always did
        layout["node_id"] = node_id
    return layout


def _verdict_layout(labels: list[str], action: str, note: str) -> Document:
    return {"labels": labels, "action": action, "note": note}


# -- documents to records --------------------------------------------------------------------------------------
# Only for documents :func:`problem` found valid. Schema 1 never constrained the types of the thread's fields, of
# the comment's id and author, of the model view or of the note: a hand-edited value there is read as text (a
# number, say), or left out (a score that is not a number; a model view without its list of flags).


class SharedParts:
    """The parts the records of one log may share, for :func:`decode`: one :class:`ThreadRef` per thread and one
    :class:`Verdict` per (labels, action) without a note, instead of a copy each. They are frozen and compare
    by value, so a shared one reads exactly as a copy would; building them is a good part of decoding."""

    __slots__ = ("threads", "verdicts")

    def __init__(self) -> None:
        self.threads: dict[tuple[str | None, str | None, str | None, str | None], ThreadRef] = {}
        self.verdicts: dict[tuple[tuple[str, ...], str], Verdict] = {}


def decode(document: Document, shared: SharedParts | None = None) -> Record:
    """The record a valid document holds. ``shared``: what the records decoded from the same log share."""
    thread = thread_ref(document["thread"]) if shared is None else _shared_thread_ref(document["thread"], shared)
    comment = document["comment"]
    get = comment.get
    if document["kind"] == "retraction":
        ref = CommentRef(get("number"), _optional_text(get("id")))
        return Retraction(document["id"], document["when"], document["moderator"], thread, ref, document["retracts"])
    comment_id, author, context, node_id = get("id"), get("author"), get("context"), get("node_id")
    decided = DecidedComment(
        get("number"),
        comment_id if comment_id is None or type(comment_id) is str else _optional_text(comment_id),
        author if author is None or type(author) is str else _optional_text(author),
        comment["own_text"],
        context if isinstance(context, str) else "",
        node_id if isinstance(node_id, str) else None,
    )
    verdict = document["decision"]
    note = verdict.get("note")
    if type(note) is not str:
        note = note_of(note)
    labels, action = tuple(verdict["labels"]), verdict["action"]
    if shared is None or note:
        chosen = Verdict(labels, _ACTION_OF_VALUE[action], note)
    else:
        known = shared.verdicts.get((labels, action))
        if known is None:
            known = shared.verdicts[labels, action] = Verdict(labels, _ACTION_OF_VALUE[action], note)
        chosen = known
    return Decision(
        document["id"],
        document["when"],
        document["moderator"],
        thread,
        decided,
        model_view(document.get("model")),
        chosen,
    )


def _shared_thread_ref(value: Mapping[str, Any], shared: SharedParts) -> ThreadRef:
    get = value.get
    source, thread_id, title, url = get("source"), get("id"), get("title"), get("url")
    if not (
        (source is None or type(source) is str)
        and (thread_id is None or type(thread_id) is str)
        and (title is None or type(title) is str)
        and (url is None or type(url) is str)
    ):
        return thread_ref(value)  # hand-edited (a number, say): read as text each time, as thread_ref does
    fields = (source, thread_id, title, url)
    known = shared.threads.get(fields)
    if known is None:
        known = shared.threads[fields] = ThreadRef(source, thread_id, title, url)
    return known


def thread_ref(value: Mapping[str, Any]) -> ThreadRef:
    get = value.get
    return ThreadRef(
        _optional_text(get("source")),
        _optional_text(get("id")),
        _optional_text(get("title")),
        _optional_text(get("url")),
    )


_ACTION_OF_VALUE = {action.value: action for action in Action}


def action_of(value: str) -> Action:
    return _ACTION_OF_VALUE[value]  # a dictionary look-up: Action(value) costs a microsecond per document


def note_of(value: object) -> str:
    if isinstance(value, str):
        return value
    return text_of(value) if value else ""


def _optional_text(value: object) -> str | None:
    return value if value is None or isinstance(value, str) else text_of(value)


def model_flags(model: object) -> tuple[str, ...] | None:
    """The flags of a document's model view; None when it has no model view (or one without its list of
    flags): such a decision does not count towards agreement with the model."""
    flags = model.get("flags") if isinstance(model, dict) else None
    if not isinstance(flags, list):
        return None
    for flag in flags:
        if type(flag) is not str:
            return tuple(flag if isinstance(flag, str) else text_of(flag) for flag in flags)
    return tuple(flags)


def model_view(model: object) -> ModelView | None:
    """The model view of a document, or None as for :func:`model_flags`."""
    flags = model_flags(model)
    if flags is None or not isinstance(model, dict):
        return None
    scores = model.get("scores")
    if type(scores) is dict and _plain_scores(scores):
        kept = dict(scores)
    elif isinstance(scores, dict):
        kept = {text_of(label): score for label, score in scores.items() if _is_number(score)}
    else:
        kept = {}
    model_id, concern = model.get("id"), model.get("concern")
    return ModelView(
        model_id if model_id is None or type(model_id) is str else _optional_text(model_id),
        MappingProxyType(kept),
        flags,
        concern if type(concern) is float or _is_number(concern) else None,
    )


def _plain_scores(scores: dict[Any, Any]) -> bool:
    """Whether every label is text and every score a number (not a bool): then all are kept as they are."""
    for label, score in scores.items():
        if type(label) is not str or (type(score) is not float and type(score) is not int):
            return False
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
