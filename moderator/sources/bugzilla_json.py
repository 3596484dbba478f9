"""Bugzilla REST JSON: ``GET /rest/bug/{id}/comment``, optionally with ``GET /rest/bug/{id}`` for the title.

Both responses may come in one file, as a JSON list ``[bug, comments]`` or written one after the other.
"""

from __future__ import annotations

from typing import Any

from moderator.segmentation import segment_thread
from moderator.sources.jsondocs import describe, json_documents
from moderator.sources.reading import SourceText
from moderator.thread import Comment, Thread

FORMAT = "bugzilla-json"


def is_comment_response(value: Any) -> bool:
    bugs = value.get("bugs") if isinstance(value, dict) else None
    return isinstance(bugs, dict) and all(isinstance(v, dict) and "comments" in v for v in bugs.values())


def is_bug_response(value: Any) -> bool:
    bugs = value.get("bugs") if isinstance(value, dict) else None
    return isinstance(bugs, list) and all(isinstance(b, dict) and "id" in b for b in bugs)


def looks_like(documents: list[Any]) -> bool:
    flat = _flatten(documents)
    return any(is_comment_response(d) for d in flat) and all(
        is_comment_response(d) or is_bug_response(d) for d in flat
    )


def _flatten(documents: list[Any]) -> list[Any]:
    if len(documents) == 1 and isinstance(documents[0], list):
        return list(documents[0])
    return documents


def parse(source: SourceText, documents: list[Any] | None = None) -> list[Thread]:
    documents = _flatten(documents if documents is not None else json_documents(source))
    comment_responses = [d for d in documents if is_comment_response(d)]
    if not comment_responses:
        found = describe(documents[0]) if documents else "nothing"
        raise source.error(
            'not a Bugzilla comment response: expected {"bugs": {"<id>": {"comments": [...]}}}, ' f"found {found}"
        )
    for document in documents:
        if not (is_comment_response(document) or is_bug_response(document)):
            raise source.error(f"unexpected JSON document beside the Bugzilla responses: {describe(document)}")
    bug_info: dict[str, dict[str, Any]] = {}
    for document in documents:
        if is_bug_response(document):
            for bug in document["bugs"]:
                bug_info[str(bug["id"])] = bug
    threads: list[Thread] = []
    for response in comment_responses:
        for bug_id, entry in response["bugs"].items():
            threads.append(_thread(source, str(bug_id), entry["comments"], bug_info.get(str(bug_id), {})))
    return threads


def _text_field(value: Any, source: SourceText, where: str, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise source.error(f"{where}: field {name!r} must be a string, found {describe(value)}")


def _thread(source: SourceText, bug_id: str, raw_comments: Any, bug: dict[str, Any]) -> Thread:
    if not isinstance(raw_comments, list):
        raise source.error(f"bug {bug_id}: 'comments' must be a list, found {describe(raw_comments)}")
    assignee = _login(bug.get("assigned_to"))
    reporter = _login(bug.get("creator"))
    comments: list[Comment] = []
    seen: set[int] = set()
    for position, raw in enumerate(raw_comments):
        where = f"bug {bug_id} comment [{position}]"
        if not isinstance(raw, dict):
            raise source.error(f"{where}: expected an object, found {describe(raw)}")
        text = raw.get("text", raw.get("raw_text"))
        if not isinstance(text, str):
            raise source.error(f"{where}: missing 'text' string")
        number = raw.get("count", position)
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise source.error(f"{where}: 'count' must be a whole number, found {number!r}")
        if number in seen:
            raise source.error(f"bug {bug_id}: duplicate comment number {number}")
        seen.add(number)
        author = _text_field(raw.get("creator", raw.get("author")), source, where, "creator")
        role = None
        if author and assignee and author == assignee:
            role = "assignee"
        elif author and ((reporter and author == reporter) or (number == 0 and not reporter)):
            role = "reporter"
        tags = raw.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise source.error(f"{where}: 'tags' must be a list of strings")
        comments.append(
            Comment(
                number=number,
                id=None if raw.get("id") is None else str(raw["id"]),
                author=author,
                author_role=role,
                created=_text_field(raw.get("creation_time", raw.get("time")), source, where, "creation_time"),
                text=text,
                tags=tuple(tags),
            )
        )
    comments.sort(key=lambda c: c.number or 0)
    segment_thread(comments)
    product = bug.get("product")
    component = bug.get("component")
    return Thread(
        source="bugzilla",
        id=bug_id,
        title=bug.get("summary") if isinstance(bug.get("summary"), str) else None,
        product=product if isinstance(product, str) else None,
        component=component if isinstance(component, str) else None,
        reporter=reporter,
        assignee=assignee,
        comments=comments,
        path=source.name,
    )


def _login(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):  # Bugzilla 5 "assigned_to_detail" style objects
        name = value.get("name") or value.get("email")
        return name if isinstance(name, str) else None
    return None
