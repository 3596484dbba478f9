"""Schema 1: records to documents and back, a document's bytes, and what makes a document valid.

A document is the one untyped form of a record (a mapping as JSON or YAML gives it); it exists only here, at the
edge of the file. Every top-level key is written as a block-style line whose value is JSON (which is YAML too),
between a ``---`` line and a ``...`` line, in the order of :data:`TOP_KEYS`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType
from typing import Any

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
# Comment numbers are small integers; bounding them keeps every key printable and hashable.
_MAX_COMMENT_NUMBER = 2**63


# -- bytes -----------------------------------------------------------------------------------------------------
def render(document: Document) -> bytes:
    lines = [START]
    for key, value in document.items():
        lines.append(f"{key}: {dumps(value)}")  # JSON, readable, with YAML-unsafe characters escaped
    lines.append(END)
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse_fast(lines: list[str]) -> Document | None:
    """The document as written by :func:`render`, or None when it is not in that form."""
    parts = []
    for line in lines:
        match = _KEY_LINE.match(line)
        if match is None:
            return None
        parts.append(f'"{match.group(1)}":{match.group(2)}')
    try:
        value = json.loads("{" + ",".join(parts) + "}")
    except (ValueError, RecursionError):  # JSONDecodeError, and an integer over the 4,300-digit limit
        return None
    return value if isinstance(value, dict) else None


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


def decode(document: Document) -> Record:
    """The record a valid document holds."""
    thread = thread_ref(document["thread"])
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
        model_view(document.get("model")),
        Verdict(tuple(verdict["labels"]), action_of(verdict["action"]), note_of(verdict.get("note"))),
    )


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
    return tuple(flag if isinstance(flag, str) else text_of(flag) for flag in flags)


def model_view(model: object) -> ModelView | None:
    """The model view of a document, or None as for :func:`model_flags`."""
    flags = model_flags(model)
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
        _optional_text(model.get("id")),
        MappingProxyType(kept),
        flags,
        concern if _is_number(concern) else None,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
