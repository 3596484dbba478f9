"""Bugzilla REST JSON: the comments of ``GET /rest/bug/{id}/comment`` or embedded in the bug objects of
``GET /rest/bug/{id}?include_fields=_default,comments``.

``GET /rest/bug/{id}`` may come beside the comment response for the title, as a JSON list ``[bug, comments]`` or
written one after the other. Bug dumps hold one bug with its comments per line (JSONL), each line either
``{"bugs": [...]}`` or a bare bug object: many threads in one file, an error names the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moderation_core.errors import SourceError
from moderation_core.segmentation import segment_thread
from moderation_core.thread import MAX_COMMENT_NUMBER, Comment, Thread
from moderator.sources.jsondocs import describe, located_documents
from moderator.sources.reading import MAX_COMMENTS, SourceText, too_many_comments

FORMAT = "bugzilla-json"
# Longer numbers are named by their length in error messages (JSON allows thousands of digits).
_SHOWN_DIGITS = 20


def is_comment_response(value: Any) -> bool:
    bugs = value.get("bugs") if isinstance(value, dict) else None
    return isinstance(bugs, dict) and all(isinstance(v, dict) and "comments" in v for v in bugs.values())


def is_bug_response(value: Any) -> bool:
    bugs = value.get("bugs") if isinstance(value, dict) else None
    return isinstance(bugs, list) and all(isinstance(b, dict) and "id" in b for b in bugs)


def is_bug(value: Any) -> bool:
    """A bare bug object with its comments, as a bug dump holds one per line."""
    return (
        isinstance(value, dict)
        and "id" in value
        and "summary" in value
        and "comments" in value
        and "bugs" not in value
        and "text" not in value
    )


def _has_comments(value: Any) -> bool:
    if is_comment_response(value) or is_bug(value):
        return True
    return is_bug_response(value) and any("comments" in bug for bug in value["bugs"])


def looks_like(documents: list[Any]) -> bool:
    flat = _flatten(documents)
    return any(_has_comments(d) for d in flat) and all(
        is_comment_response(d) or is_bug_response(d) or is_bug(d) for d in flat
    )


def _flatten(documents: list[Any]) -> list[Any]:
    if len(documents) == 1 and isinstance(documents[0], list):
        return list(documents[0])
    return documents


@dataclass(slots=True)
class _Bug:
    """One bug's comments and details, and where the comments are in the file (a JSONL line, if several values)."""

    bug_id: str
    comments: Any
    details: dict[str, Any]
    line: int | None


def parse(source: SourceText) -> list[Thread]:
    located = located_documents(source)
    if len(located) == 1 and isinstance(located[0][1], list):
        documents: list[tuple[int | None, Any]] = [(None, value) for value in located[0][1]]
    else:
        # The line of each value names the record of a bug dump; a single value needs no line.
        documents = [(line if len(located) > 1 else None, value) for line, value in located]
    if not any(_has_comments(value) for _, value in documents):
        found = describe(documents[0][1]) if documents else "nothing"
        raise source.error(
            'not a Bugzilla comment response: expected {"bugs": {"<id>": {"comments": [...]}}} or bugs with their '
            f'"comments" embedded, found {found}'
        )
    for line, value in documents:
        if not (is_comment_response(value) or is_bug_response(value) or is_bug(value)):
            raise source.error(f"unexpected JSON document beside the Bugzilla responses: {describe(value)}", line=line)
    bugs = _bugs(source, documents)
    total = 0
    for bug in bugs:
        total += len(bug.comments) if isinstance(bug.comments, list) else 0
        if total > MAX_COMMENTS:  # before each comment costs its kilobyte or two in segmentation and output
            raise source.error(too_many_comments(MAX_COMMENTS), line=bug.line)
    return [_thread(source, bug) for bug in bugs]


def _bugs(source: SourceText, documents: list[tuple[int | None, Any]]) -> list[_Bug]:
    """Each bug with its comments in order of first appearance; details from a bug response beside them."""
    details: dict[str, dict[str, Any]] = {}
    found: dict[str, _Bug] = {}
    for line, value in documents:
        for bug in _bug_objects(value):
            bug_id = _bug_id(source, bug["id"], line)
            details.setdefault(bug_id, bug)
            if "comments" in bug:
                _add(source, found, _Bug(bug_id, bug["comments"], bug, line))
        if is_comment_response(value):
            for bug_id, entry in value["bugs"].items():
                _add(source, found, _Bug(str(bug_id), entry["comments"], {}, line))
    for bug_id, bug in details.items():
        if bug_id not in found:
            raise source.error(
                f"bug {bug_id}: no comments in the file (fetch them with /rest/bug/{bug_id}/comment or "
                "include_fields=_default,comments)"
            )
        if not found[bug_id].details:
            found[bug_id].details = bug
    return list(found.values())


def _bug_id(source: SourceText, value: Any, line: int | None) -> str:
    """A bug's id as text: Bugzilla writes a whole number; a string (an alias) is taken as it is."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise source.error(f"a bug's 'id' must be a whole number, found {_shown(value)}", line=line)


def _shown(value: Any, *, literal: bool = False) -> str:
    """A JSON value in an error message, short whatever its size (a number of thousands of digits, a long text):
    as JSON would write it when ``literal`` (Python's repr: True, 1.5, 'two'), else in a few words."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**_SHOWN_DIGITS:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, str) and len(value) > 40:
        return f"a string of {len(value):,} characters"
    if literal and isinstance(value, (int, float, str)):
        return repr(value)
    return describe(value)


def _bug_objects(value: Any) -> list[dict[str, Any]]:
    if is_bug(value):
        return [value]
    if is_bug_response(value):
        return list(value["bugs"])
    return []


def _add(source: SourceText, found: dict[str, _Bug], bug: _Bug) -> None:
    earlier = found.get(bug.bug_id)
    if earlier is not None:
        where = f" (line {earlier.line} and line {bug.line})" if earlier.line and bug.line else ""
        raise source.error(f"bug {bug.bug_id}: its comments appear twice in the file{where}", line=bug.line)
    found[bug.bug_id] = bug


def _error(source: SourceText, bug: _Bug, problem: str) -> SourceError:
    return source.error(problem, line=bug.line)


def _text_field(value: Any, source: SourceText, bug: _Bug, where: str, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _error(source, bug, f"{where}: field {name!r} must be a string, found {_shown(value)}")


def _comment_id(value: Any, source: SourceText, bug: _Bug, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _error(source, bug, f"{where}: field 'id' must be a whole number, found {_shown(value)}")


def _thread(source: SourceText, bug: _Bug) -> Thread:
    bug_id, raw_comments, details = bug.bug_id, bug.comments, bug.details
    if not isinstance(raw_comments, list):
        raise _error(source, bug, f"bug {bug_id}: 'comments' must be a list, found {describe(raw_comments)}")
    if not raw_comments:
        # Bugzilla always returns the description as comment 0: an empty list is a filtered request (new_since)
        # or a damaged export, and a thread without comments has nothing to judge.
        raise _error(source, bug, f"bug {bug_id}: 'comments' is an empty list: no comment to import")
    assignee = _login(details.get("assigned_to"))
    reporter = _login(details.get("creator"))
    comments: list[Comment] = []
    seen: set[int] = set()
    for position, raw in enumerate(raw_comments):
        where = f"bug {bug_id} comment [{position}]"
        if not isinstance(raw, dict):
            raise _error(source, bug, f"{where}: expected an object, found {describe(raw)}")
        text = raw.get("text", raw.get("raw_text"))
        if not isinstance(text, str):
            raise _error(source, bug, f"{where}: missing 'text' string")
        number = raw.get("count", position)
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= MAX_COMMENT_NUMBER:
            expected = f"a whole number from 0 to {MAX_COMMENT_NUMBER:,}"
            raise _error(source, bug, f"{where}: 'count' must be {expected}, found {_shown(number, literal=True)}")
        if number in seen:
            raise _error(source, bug, f"bug {bug_id}: duplicate comment number {number}")
        seen.add(number)
        author = _text_field(raw.get("creator", raw.get("author")), source, bug, where, "creator")
        role = None
        if author and assignee and author == assignee:
            role = "assignee"
        elif author and ((reporter and author == reporter) or (number == 0 and not reporter)):
            role = "reporter"
        tags = raw.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise _error(source, bug, f"{where}: 'tags' must be a list of strings")
        comments.append(
            Comment(
                number=number,
                id=_comment_id(raw.get("id"), source, bug, where),
                author=author,
                author_role=role,
                created=_text_field(raw.get("creation_time", raw.get("time")), source, bug, where, "creation_time"),
                text=text,
                tags=tuple(tags),
            )
        )
    comments.sort(key=lambda c: c.number or 0)
    segment_thread(comments)
    product = details.get("product")
    component = details.get("component")
    return Thread(
        source="bugzilla",
        id=bug_id,
        title=details.get("summary") if isinstance(details.get("summary"), str) else None,
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
