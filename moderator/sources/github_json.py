"""GitHub issue and pull-request comments, in the shapes the REST API and the ``gh`` command save them.

Told apart by their content:

- the REST list of comments (``GET /repos/{o}/{r}/issues/{n}/comments``; pull-request review comments from
  ``.../pulls/{n}/comments`` carry ``pull_request_url`` instead of ``issue_url``; older responses have neither),
  optionally after the issue object (``GET /repos/{o}/{r}/issues/{n}``) as a JSON list ``[issue, comments]`` or
  written one after the other;
- ``gh api --paginate``: pages written one after the other (``[...][...]``), ``--slurp`` (a list of pages) and
  ``--jq '.[]'`` (one comment object per line), each optionally after the issue object;
- ``gh issue view --json ...`` and ``gh pr view --json ...``: camelCase keys, ``author: {"login": ...}`` and the
  comments embedded as ``comments: [...]`` (``--json comments`` alone gives ``{"comments": [...]}``); a list of such
  objects (``gh issue list --json ...,comments``, or one per line with ``--jq '.[]'``) holds one thread each.

Comments belong to the issue their URL names (``issue_url``, ``pull_request_url``, ``html_url`` or ``url``): a
repository-wide list (``GET /repos/{o}/{r}/issues/comments``) becomes one thread per issue, ``owner/repo#N``, and an
issue object followed by a comment of another issue is an error naming the comment, never one mixed thread. The
issue body is comment 0; comments are numbered from 1 in file order, so numbers do not shift when the issue object
is added later.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moderation_core.errors import SourceError
from moderation_core.segmentation import segment_thread
from moderation_core.textsafe import one_line
from moderation_core.thread import Comment, Thread
from moderator.sources import reading
from moderator.sources.jsondocs import describe, located_documents
from moderator.sources.reading import SourceText, too_many_comments

FORMAT = "github-json"

# The issue or pull request an API or web URL names: https://api.github.com/repos/o/r/issues/5,
# https://github.com/o/r/pull/5#issuecomment-1, https://ghe.example/api/v3/repos/o/r/pulls/5. A comment's own API
# URL (.../issues/comments/77) names no issue and does not match.
_ISSUE_URL = re.compile(
    r"https?://(?P<host>[^/#?]+)/(?:[^#?]*/)?(?P<owner>[^/#?]+)/(?P<repo>[^/#?]+)"
    r"/(?:issues|pulls|pull)/(?P<number>\d{1,18})(?:[/#?]|$)"
)
# (No issue has a number of more than 18 digits: a longer one names no issue, and would not even convert.)
_COMMENT_URL_KEYS = ("issue_url", "pull_request_url", "html_url", "url")
# Keys a `gh ... view --json` object never has: REST objects, generic comment records, Bugzilla bugs.
_NOT_GH_VIEW = ("user", "text", "thread", "bugs", "summary", "issue_url", "html_url")
UNKNOWN_ISSUE_NOTE = (
    "no URL in these comments names their issue or pull request: which thread they belong to cannot be known"
)


@dataclass(frozen=True, slots=True)
class _IssueRef:
    """An issue or pull request named by a URL; API and web URLs of the same issue compare equal."""

    host: str
    owner: str
    repo: str
    number: int

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.host, self.owner.casefold(), self.repo.casefold(), self.number)

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"


@dataclass(slots=True)
class _Item:
    """A comment (or issue) object and how an error names it: ``comment [3]``, ``page 2 item [5]``,
    ``comments[3]``, and the line of a one-object-per-line file."""

    raw: Any
    where: str
    line: int | None = None

    @property
    def label(self) -> str:
        return self.where or f"line {self.line}"

    def error(self, source: SourceText, problem: str) -> SourceError:
        return source.error(f"{self.where}: {problem}" if self.where else problem, line=self.line)


@dataclass(slots=True)
class _Export:
    """The issue object (REST or ``gh``), if any, and the comment objects around it, in file order. ``where``
    names the issue among several (``gh issue list --json ...``)."""

    issue: dict[str, Any] | None
    items: list[_Item]
    where: str = ""
    line: int | None = None

    def issue_item(self) -> _Item:
        return _Item(self.issue, self.where.strip() or "issue", self.line)


def is_comment(value: Any) -> bool:
    """A REST comment (``user``) or a ``gh`` one (``author``): an issue has a title, a generic record a text."""
    return (
        isinstance(value, dict)
        and "body" in value
        and ("user" in value or "author" in value)
        and "title" not in value
        and "text" not in value
    )


def is_issue(value: Any) -> bool:
    """A REST issue or pull-request object."""
    return isinstance(value, dict) and "title" in value and "number" in value and "user" in value


def is_gh_view(value: Any) -> bool:
    """The output of ``gh issue view --json ...`` or ``gh pr view --json ...`` (any choice of fields)."""
    if not isinstance(value, dict) or any(key in value for key in _NOT_GH_VIEW):
        return False
    if isinstance(value.get("comments"), list):
        return True
    if "number" in value and "title" in value:
        return True
    return "comments" in value and ("author" in value or "url" in value)


def looks_like(documents: list[Any]) -> bool:
    return _shape([(None, value) for value in documents]) is not None


def _shape(documents: Sequence[tuple[int | None, Any]]) -> list[_Export] | None:
    """The issues and comment items when ``documents`` have the shape of a GitHub export, else None."""
    if not documents:
        return None
    if len(documents) == 1 and isinstance(documents[0][1], list):
        return _shape_of_list(documents[0][1])
    if len(documents) > 1 and all(is_gh_view(value) for _, value in documents):  # gh issue list ... --jq '.[]'
        return [_Export(value, [], "", line) for line, value in documents]
    head = documents[0][1]
    issue = head if is_issue(head) or is_gh_view(head) else None
    rest = documents[1:] if issue is not None else documents
    values = [value for _, value in rest]
    if all(isinstance(value, list) for value in values):
        items = _page_items(values)
    elif all(isinstance(value, dict) for value in values):
        # One object per line (`gh api ... --jq '.[]'`): an error names the line.
        items = [_Item(value, "", line) for line, value in rest]
    else:
        return None
    if issue is None and not _first_is_comment(items):
        return None
    return [_Export(issue, items)]


def _shape_of_list(values: list[Any]) -> list[_Export] | None:
    if not values:
        return None
    if len(values) > 1 and all(is_gh_view(value) for value in values):  # gh issue list --json ...,comments
        return [_Export(value, [], f"issue [{index}] ") for index, value in enumerate(values)]
    if is_issue(values[0]) or is_gh_view(values[0]):
        pages = values[1:]
        if not all(isinstance(page, list) for page in pages):
            return None
        return [_Export(values[0], _page_items(pages))]
    if all(isinstance(value, list) for value in values):  # --slurp: a list of pages
        items = _page_items([values])
    elif is_comment(values[0]):
        items = _page_items([values])
    else:
        return None
    return [_Export(None, items)] if _first_is_comment(items) else None


def _page_items(pages: list[Any]) -> list[_Item]:
    """The comment items of one or more pages; a single page holding only lists is a ``--slurp`` of pages."""
    if len(pages) == 1 and pages[0] and all(isinstance(page, list) for page in pages[0]):
        pages = pages[0]
    if len(pages) == 1:
        return [_Item(raw, f"comment [{index}]") for index, raw in enumerate(pages[0])]
    return [
        _Item(raw, f"page {page_number} item [{index}]")
        for page_number, page in enumerate(pages, start=1)
        for index, raw in enumerate(page)
    ]


def _first_is_comment(items: list[_Item]) -> bool:
    return bool(items) and is_comment(items[0].raw)


def parse(source: SourceText) -> list[Thread]:
    documents = located_documents(source)
    exports = _shape(documents)
    if exports is None:
        found = describe(documents[0][1]) if documents else "nothing"
        raise source.error(
            "not a GitHub issue comments export: expected a list of comments with body and user (or author), "
            f"optionally after the issue object, or the output of 'gh issue view --json', found {found}"
        )
    threads: list[Thread] = []
    count = 0
    for export in exports:
        items = _embedded_comments(source, export) + export.items
        count += len(items) + (export.issue is not None)
        if count > reading.MAX_COMMENTS:
            raise source.error(too_many_comments(reading.MAX_COMMENTS))
        for item in items:
            if not is_comment(item.raw):
                raise item.error(source, f"expected a GitHub comment object, found {describe(item.raw)}")
        _check_unique_ids(source, items)
        if export.issue is not None:
            threads.append(_issue_thread(source, export, items))
        else:
            threads.extend(_thread(source, None, members, ref) for ref, members in _by_issue(items))
    return threads


def _embedded_comments(source: SourceText, export: _Export) -> list[_Item]:
    """The comments a ``gh ... view --json`` object holds (a REST issue's ``comments`` is only their count, unless
    a script put the comment list there)."""
    issue = export.issue
    if issue is None or "comments" not in issue:
        return []
    comments = issue["comments"]
    if is_issue(issue) and not isinstance(comments, list):
        return []
    if not isinstance(comments, list):
        problem = f"{export.where}'comments' must be a list of comment objects, found {describe(comments)}"
        raise source.error(problem, line=export.line)
    return [_Item(raw, f"{export.where}comments[{index}]", export.line) for index, raw in enumerate(comments)]


def _check_unique_ids(source: SourceText, items: list[_Item]) -> None:
    seen: dict[str, str] = {}
    for item in items:
        key = _comment_id(source, item)
        if key is None:
            continue
        if key in seen:
            raise item.error(source, f"duplicate comment id {one_line(key, 80)} (first at {seen[key]})")
        seen[key] = item.label


def _id_text(value: Any) -> str | None:
    """A comment id as text: REST ids are numbers, ``gh`` ids strings; anything else is no id."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _comment_id(source: SourceText, item: _Item) -> str | None:
    value = item.raw.get("id")
    if value is None or value == "":
        return None
    text = _id_text(value)
    if text is None:
        raise item.error(source, f"'id' must be a number or a string, found {describe(value)}")
    return text


def _comment_ref(item: _Item) -> _IssueRef | None:
    for key in _COMMENT_URL_KEYS:
        ref = _issue_ref(item.raw.get(key))
        if ref is not None:
            return ref
    return None


def _issue_ref(url: Any) -> _IssueRef | None:
    if not isinstance(url, str):
        return None
    match = _ISSUE_URL.match(url)
    if match is None:
        return None
    host = match.group("host").lower().removeprefix("api.")
    return _IssueRef(host, match.group("owner"), match.group("repo"), int(match.group("number")))


def _by_issue(items: list[_Item]) -> list[tuple[_IssueRef | None, list[_Item]]]:
    """Comments grouped by the issue their URL names, in order of first appearance (None: no URL names one)."""
    groups: dict[tuple[str, str, str, int] | None, tuple[_IssueRef | None, list[_Item]]] = {}
    for item in items:
        ref = _comment_ref(item)
        key = ref.key if ref is not None else None
        groups.setdefault(key, (ref, []))[1].append(item)
    return list(groups.values())


def _issue_thread(source: SourceText, export: _Export, items: list[_Item]) -> Thread:
    """The issue and its comments; a comment whose URL names another issue is an error, not a mixed thread."""
    issue_item = export.issue_item()
    issue = issue_item.raw
    ref = _issue_ref(issue.get("html_url")) or _issue_ref(issue.get("url"))
    number = _issue_number(source, issue_item)
    given = "the issue holding it" if export.where or export.line else "the issue at the top of the file"
    for item in items:
        other = _comment_ref(item)
        if other is None:
            continue
        if ref is None:
            if number is not None and other.number != number:
                raise item.error(source, f"a comment of {_shown(other)}, not of issue #{number} ({given})")
            ref = other  # the issue object names no repository: the first comment URL does
        elif other.key != ref.key:
            raise item.error(source, f"a comment of {_shown(other)}, not of {_shown(ref)} ({given})")
    return _thread(source, issue_item, items, ref)


def _issue_number(source: SourceText, issue_item: _Item) -> int | None:
    """The issue's ``number``: absent or null is unknown, anything but a whole number (``true``, ``"x"``) an error,
    never a thread id made of it."""
    value = issue_item.raw.get("number")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**18:
        raise issue_item.error(source, f"'number' must be the issue's whole number, found {describe(value)}")
    return value


def _shown(ref: _IssueRef) -> str:
    """An issue as an error names it: the owner and repository come from a URL in the file."""
    return one_line(str(ref), 200)


def _thread(source: SourceText, issue_item: _Item | None, items: list[_Item], ref: _IssueRef | None) -> Thread:
    issue: dict[str, Any] | None = issue_item.raw if issue_item is not None else None
    comments: list[Comment] = []
    if issue_item is not None and "body" in issue_item.raw:
        comments.append(_comment(source, issue_item, 0))
    numbers: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        comment = _comment(source, item, number)
        if comment.id is not None:
            numbers[comment.id] = number
        comments.append(comment)
    segment_thread(comments, parents=_review_parents(items, numbers))
    thread_id = str(ref) if ref is not None else None
    if thread_id is None and issue_item is not None:
        issue_number = _issue_number(source, issue_item)
        thread_id = str(issue_number) if issue_number is not None else None
    notes = (UNKNOWN_ISSUE_NOTE,) if thread_id is None else ()
    return Thread(
        source="github",
        id=thread_id,
        title=_text(issue, "title"),
        url=_issue_page(issue),
        comments=comments,
        reporter=_author(source, issue_item) if issue_item is not None else None,
        assignee=_assignee(issue),
        path=source.name,
        notes=notes,
    )


def _review_parents(items: list[_Item], numbers: dict[str, int]) -> dict[int, int]:
    """Review comments answer one another (``in_reply_to_id``): their ``> `` quotes then quote that comment."""
    parents: dict[int, int] = {}
    for number, item in enumerate(items, start=1):
        parent = item.raw.get("in_reply_to_id")
        parent_id = _id_text(parent)
        if parent_id is not None and parent_id in numbers:
            parents[number] = numbers[parent_id]
    return parents


def _comment(source: SourceText, item: _Item, number: int) -> Comment:
    raw = item.raw
    body = raw.get("body")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise item.error(source, f"'body' must be a string, found {describe(body)}")
    created = raw.get("created_at", raw.get("createdAt"))
    association = raw.get("author_association", raw.get("authorAssociation"))
    comment_id = _comment_id(source, item)
    return Comment(
        number=number,
        id=comment_id,
        author=_author(source, item),
        author_role=association.lower() if isinstance(association, str) and association != "NONE" else None,
        created=created if isinstance(created, str) else None,
        text=body.replace("\r\n", "\n"),
        tags=_labels(raw) if number == 0 else _minimized(raw),
        node_id=_node_id(raw, comment_id),
    )


def _node_id(raw: dict[str, Any], comment_id: str | None) -> str | None:
    """The comment's GraphQL node id, which hiding it (``minimizeComment``) needs: a REST object's ``node_id``; in
    ``gh ... view --json`` output (``author``, no ``user``) the ``id`` itself, which ``gh`` takes from GraphQL (a
    string such as ``IC_kwDO...``; a REST id is a number). None where the export has neither."""
    node_id = raw.get("node_id")
    if isinstance(node_id, str) and node_id:
        return node_id
    if "user" not in raw and isinstance(raw.get("id"), str):
        return comment_id
    return None


def _minimized(raw: dict[str, Any]) -> tuple[str, ...]:
    """``gh`` shows comments GitHub's moderators hid (``isMinimized``): the moderator should know, as with
    Bugzilla's admin tags."""
    if raw.get("isMinimized") is not True:
        return ()
    reason = raw.get("minimizedReason")
    return (f"minimized:{reason.lower()}",) if isinstance(reason, str) and reason else ("minimized",)


def _author(source: SourceText, item: _Item) -> str | None:
    """The login of ``user`` (REST) or ``author`` (``gh``); null is a deleted account, anything else an error."""
    key = "user" if "user" in item.raw else "author"
    value = item.raw.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise item.error(source, f"'{key}' must be an object with a 'login', found {describe(value)}")
    login = value.get("login")
    if login is not None and not isinstance(login, str):
        raise item.error(source, f"'{key}.login' must be a string, found {describe(login)}")
    return login or None


def _labels(raw: dict[str, Any]) -> tuple[str, ...]:
    labels = raw.get("labels")
    if not isinstance(labels, list):
        return ()
    return tuple(
        label["name"] if isinstance(label, dict) else label
        for label in labels
        if (isinstance(label, dict) and isinstance(label.get("name"), str)) or isinstance(label, str)
    )


def _assignee(issue: dict[str, Any] | None) -> str | None:
    if issue is None:
        return None
    people = issue.get("assignees")
    first = people[0] if isinstance(people, list) and people else None
    person = issue.get("assignee") or first
    login = person.get("login") if isinstance(person, dict) else None
    return login if isinstance(login, str) else None


def _issue_page(issue: dict[str, Any] | None) -> str | None:
    """The web page of the issue: REST ``html_url`` (its ``url`` is the API's), ``gh``'s ``url``."""
    if issue is None:
        return None
    return _text(issue, "html_url") if is_issue(issue) else _text(issue, "url")


def _text(value: dict[str, Any] | None, key: str) -> str | None:
    found = value.get(key) if value is not None else None
    return found if isinstance(found, str) else None
