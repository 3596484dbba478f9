"""GitHub issue comments JSON: the REST list of issue comments, optionally with the issue object.

The issue object (``GET /repos/{o}/{r}/issues/{n}``) may come first in a JSON list ``[issue, comments]`` or
written one after the other in the file. The issue body is comment 0; comments are numbered from 1 either way,
so numbers do not shift when the issue object is added later.
"""

from __future__ import annotations

import re
from typing import Any

from moderator.segmentation import segment_thread
from moderator.sources.jsondocs import describe, json_documents
from moderator.sources.reading import SourceText
from moderator.thread import Comment, Thread

FORMAT = "github-json"

_ISSUE_URL = re.compile(r"https?://[^/]+/(?:repos/)?(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)")


def is_comment(value: Any) -> bool:
    return isinstance(value, dict) and "body" in value and "user" in value and "issue_url" in value


def is_issue(value: Any) -> bool:
    return isinstance(value, dict) and "title" in value and "number" in value and "user" in value


def _parts(documents: list[Any]) -> tuple[dict[str, Any] | None, list[Any]] | None:
    """(issue, comments) when ``documents`` have the shape of a GitHub export, else None."""
    if len(documents) == 1 and isinstance(documents[0], list):
        items = documents[0]
        if items and is_issue(items[0]) and (len(items) == 1 or isinstance(items[1], list)):
            return items[0], (items[1] if len(items) > 1 else [])
        if items and all(is_comment(c) for c in items):
            return None, items
        return None
    if len(documents) == 1 and is_issue(documents[0]):
        return documents[0], []
    if len(documents) == 2 and is_issue(documents[0]) and isinstance(documents[1], list):
        return documents[0], documents[1]
    return None


def looks_like(documents: list[Any]) -> bool:
    return _parts(documents) is not None


def parse(source: SourceText, documents: list[Any] | None = None) -> list[Thread]:
    documents = documents if documents is not None else json_documents(source)
    parts = _parts(documents)
    if parts is None:
        found = describe(documents[0]) if documents else "nothing"
        raise source.error(
            "not a GitHub issue comments export: expected a list of comments with body, user and issue_url "
            f"(optionally after the issue object), found {found}"
        )
    issue, raw_comments = parts
    comments: list[Comment] = []
    if issue is not None:
        comments.append(_comment(source, issue, 0, "issue", role_of=issue))
    for position, raw in enumerate(raw_comments, start=1):
        if not is_comment(raw):
            raise source.error(f"comment [{position - 1}]: expected a GitHub comment object, found {describe(raw)}")
        comments.append(_comment(source, raw, position, f"comment [{position - 1}]", role_of=raw))
    seen: set[str] = set()
    for comment in comments:
        if comment.id is not None:
            if comment.id in seen:
                raise source.error(f"duplicate comment id {comment.id}")
            seen.add(comment.id)
    segment_thread(comments)

    repo, number = _repo_and_number(issue, raw_comments)
    return [
        Thread(
            source="github",
            id=f"{repo}#{number}" if repo and number else number,
            title=issue.get("title") if issue and isinstance(issue.get("title"), str) else None,
            url=issue.get("html_url") if issue and isinstance(issue.get("html_url"), str) else None,
            comments=comments,
            reporter=_login(issue.get("user")) if issue else None,
            assignee=_login(issue.get("assignee")) if issue else None,
            path=source.name,
        )
    ]


def _comment(source: SourceText, raw: dict[str, Any], number: int, where: str, role_of: dict[str, Any]) -> Comment:
    body = raw.get("body")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise source.error(f"{where}: 'body' must be a string, found {describe(body)}")
    created = raw.get("created_at")
    association = role_of.get("author_association")
    labels = raw.get("labels") if number == 0 else None
    tags = tuple(
        label["name"] if isinstance(label, dict) else str(label)
        for label in (labels or [])
        if isinstance(label, (dict, str))
    )
    return Comment(
        number=number,
        id=None if raw.get("id") is None else str(raw["id"]),
        author=_login(raw.get("user")),
        author_role=association.lower() if isinstance(association, str) and association != "NONE" else None,
        created=created if isinstance(created, str) else None,
        text=body.replace("\r\n", "\n"),
        tags=tags,
    )


def _login(user: Any) -> str | None:
    if isinstance(user, dict) and isinstance(user.get("login"), str):
        return user["login"]
    return None


def _repo_and_number(issue: dict[str, Any] | None, raw_comments: list[Any]) -> tuple[str | None, str | None]:
    urls = []
    if issue is not None:
        urls += [issue.get("html_url"), issue.get("url")]
    urls += [c.get("issue_url") for c in raw_comments[:1] if isinstance(c, dict)]
    for url in urls:
        if isinstance(url, str) and (match := _ISSUE_URL.match(url)):
            return match.group("repo"), match.group("number")
    if issue is not None and isinstance(issue.get("number"), int):
        return None, str(issue["number"])
    return None, None
