"""Writers for every importable format, from a :class:`Thread`: a test helper (like log_writer.py), not part of
the installed package. Scripts import it with the tests folder on ``sys.path``.

They make the bundled sample available in every format from one canonical YAML document, and let tests and
benchmarks build threads of any size in any format. Each writer produces what the real source would: the REST
responses of Bugzilla and GitHub, a mailing-list mbox with encoded bodies, a Bugzilla page copy with its layout
and traps.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import yaml

from moderation_core.segmentation import REPLY_HEADER
from moderation_core.thread import Comment, Thread

_QUOTE_PREFIX = re.compile(r"^(?:> ?)+", re.MULTILINE)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def relative_age(created: str | None, now: datetime) -> str:
    """What Bugzilla shows next to a comment: "3 days ago", "11 months ago", "1 year ago"."""
    moment = _parse_time(created)
    if moment is None:
        return "1 year ago"
    days = (now - moment).days
    for size, unit in ((365, "year"), (30, "month"), (7, "week"), (1, "day")):
        if days >= size:
            count = days // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "1 hour ago"


def _numeric_id(text: str | None, default: int) -> int:
    """An id the REST formats write as a number: ``text`` when it is one (ASCII digits: ``"²".isdigit()`` is true
    but int() refuses it; at most 18 of them: JSON readers take 64-bit ids), else ``default``."""
    if text and text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return default


def _login(author: str | None, logins: Mapping[str, str]) -> str:
    if author is None:
        return "nobody@example.invalid"
    return logins.get(author) or re.sub(r"[^a-z0-9]+", "-", author.casefold()).strip("-") + "@example.invalid"


def _handle(author: str | None, logins: Mapping[str, str]) -> str:
    return _login(author, logins).split("@", 1)[0].replace(".", "-")


def to_bugzilla_rest(thread: Thread, *, logins: Mapping[str, str] | None = None, first_id: int = 1) -> str:
    """``[GET /rest/bug/{id}, GET /rest/bug/{id}/comment]`` as one JSON list."""
    logins = logins or {}
    bug_id = _numeric_id(thread.id, 1)
    comments = []
    for position, comment in enumerate(thread.comments):
        creator = _login(comment.author, logins)
        comment_id = _numeric_id(comment.id, first_id + position)
        comments.append(
            {
                "id": comment_id,
                "bug_id": bug_id,
                "count": comment.number,
                "creator": creator,
                "author": creator,
                "time": comment.created,
                "creation_time": comment.created,
                "text": comment.text,
                "raw_text": comment.text,
                "is_private": False,
                "attachment_id": None,
                "tags": list(comment.tags),
            }
        )
    bug = {
        "bugs": [
            {
                "id": bug_id,
                "summary": thread.title,
                "product": thread.product,
                "component": thread.component,
                "creator": thread.reporter,
                "assigned_to": thread.assignee,
                "status": "RESOLVED",
            }
        ],
        "faults": [],
    }
    response = {"bugs": {str(bug_id): {"comments": comments}}, "comments": {}}
    return json.dumps([bug, response], indent=1, ensure_ascii=False) + "\n"


def _page_text(comment: Comment) -> str:
    """A comment as a bug page shows it: quotes lose their ``> `` prefix."""
    return _QUOTE_PREFIX.sub("", comment.text)


def to_page_copy(
    thread: Thread,
    *,
    now: datetime,
    missing_markers: Collection[int] = (),
    updated_before: Collection[int] = (),
    attachment: bool = True,
) -> str:
    """The text of the bug page selected in a browser, as described in ``shared/docs/bugzilla-page-copy.md``.

    ``missing_markers``: comments whose ``Comment N•`` line the copy lacks; ``updated_before``: comments
    preceded by a field-change ``Updated•`` line (with a missing marker too, their text follows that line).
    """
    out = [thread.title or "", "Categories", f"({thread.product} :: {thread.component}, task)", "Tracking"]
    out += ["(Not tracked)", "People", f"(Reporter: {thread.reporter}, Assigned: {thread.assignee})", "Details"]
    if attachment:
        out += ["Attachments", "(1 file)", "|", "120.5 KB,", "application/pdf", "|", "Details |"]
    for comment in thread.comments:
        number = comment.number or 0
        if number > 0:
            if number in updated_before:
                out += [f"Updated•{relative_age(comment.created, now)}", "|"]
            if comment.author_role == "assignee":
                out.append("| Assignee | ||")
            if number not in missing_markers:
                out += [f"Comment {number}•{relative_age(comment.created, now)}", "|", "||"]
        out.append(_page_text(comment))
    out += [f"Updated•{relative_age(thread.comments[-1].created, now)}", "Description"]
    return "\n".join(out) + "\n"


def to_github(thread: Thread, *, logins: Mapping[str, str] | None = None, repo: str = "larchwood/root-store") -> str:
    """``[GET /repos/{repo}/issues/{n}, GET /repos/{repo}/issues/{n}/comments]`` as one JSON list.

    GitHub has no reply headers: ``(In reply to ...)`` lines are dropped and the ``> `` quotes stay.
    """
    logins = logins or {}
    number = _numeric_id(thread.id, 1)
    issue_url = f"https://api.github.example/repos/{repo}/issues/{number}"

    def body(comment: Comment) -> str:
        lines = [line for line in comment.text.split("\n") if not REPLY_HEADER.match(line)]
        return "\r\n".join(lines).lstrip("\r\n")

    def association(comment: Comment) -> str:
        return {"assignee": "MEMBER", "reporter": "CONTRIBUTOR"}.get(comment.author_role or "", "NONE")

    opening = thread.comments[0]
    issue = {
        "number": number,
        "title": thread.title,
        "html_url": f"https://github.example/{repo}/issues/{number}",
        "url": issue_url,
        "user": {"login": _handle(opening.author, logins)},
        "author_association": association(opening),
        "created_at": opening.created,
        "body": body(opening),
        "labels": [{"name": "governance"}],
        "state": "closed",
    }
    comments = [
        {
            "id": _numeric_id(c.id, 1000 + (c.number or 0)),
            "html_url": f"https://github.example/{repo}/issues/{number}#issuecomment-{c.id}",
            "issue_url": issue_url,
            "user": {"login": _handle(c.author, logins)},
            "author_association": association(c),
            "created_at": c.created,
            "updated_at": c.created,
            "body": body(c),
        }
        for c in thread.comments[1:]
    ]
    return json.dumps([issue, comments], indent=1, ensure_ascii=False) + "\n"


def to_mbox(thread: Thread, *, logins: Mapping[str, str] | None = None, list_name: str = "governance") -> str:
    """A mailing-list archive of the thread: one message per comment, replies linked by In-Reply-To and
    References, ``On DATE, NAME wrote:`` before quotes, bodies in a mix of encodings (quoted-printable,
    base64, Latin-1, and multipart/alternative with an HTML part) as real archives have."""
    logins = logins or {}
    domain = "lists.example.invalid"
    ids = {c.number: f"<{list_name}.{c.id or c.number}@{domain}>" for c in thread.comments}
    parents: dict[int, int] = {}
    chunks = []
    for position, comment in enumerate(thread.comments):
        number = comment.number or 0
        parent = comment.reply_to[0] if comment.reply_to else (0 if number else None)
        if parent is not None:
            parents[number] = parent
        moment = _parse_time(comment.created) or datetime(2026, 1, 1, tzinfo=UTC)
        body = _mail_body(comment, thread)
        message = EmailMessage()
        message["From"] = f"{comment.author or 'Unknown'} <{_login(comment.author, logins)}>"
        message["To"] = f"{list_name}@{domain}"
        subject = f"[{list_name}] {thread.title}"
        message["Subject"] = subject if number == 0 else f"Re: {subject}"
        message["Date"] = format_datetime(moment)
        message["Message-ID"] = ids[number]
        if parent is not None:
            message["In-Reply-To"] = ids[parent]
            chain: list[str] = []
            walk: int | None = parent
            while walk is not None and len(chain) < 20:
                chain.append(ids[walk])
                walk = parents.get(walk)
            message["References"] = " ".join(reversed(chain))
        style = position % 4
        if style == 0:
            message.set_content(body, charset="utf-8", cte="quoted-printable")
        elif style == 1:
            message.set_content(body, charset="utf-8", cte="base64")
        elif style == 2 and _latin1(body):
            message.set_content(body, charset="iso-8859-1", cte="quoted-printable")
        else:
            message.set_content(body, charset="utf-8", cte="quoted-printable")
            escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            message.add_alternative(f"<html><body><pre>{escaped}</pre></body></html>", subtype="html")
            message.set_boundary(f"=-part-{comment.id or number}-=")  # reproducible output
        raw = message.as_bytes(policy=message.policy.clone(linesep="\n")).decode("ascii")
        raw = re.sub(r"^(>*From )", r">\1", raw, flags=re.MULTILINE)
        envelope = moment.strftime("%a %b %d %H:%M:%S %Y")
        chunks.append(f"From {_login(comment.author, logins)} {envelope}\n{raw.rstrip()}\n")
    return "\n".join(chunks) + "\n"


def _latin1(text: str) -> bool:
    try:
        text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return False
    return True


def _mail_body(comment: Comment, thread: Thread) -> str:
    lines = []
    for line in comment.text.split("\n"):
        header = REPLY_HEADER.match(line)
        if header:
            quoted_number = int(header.group("number"))
            quoted = next((c for c in thread.comments if c.number == quoted_number), None)
            moment = _parse_time(quoted.created if quoted else None)
            when = moment.strftime("%a, %d %b %Y at %H:%M") if moment else "an earlier date"
            lines.append(f"On {when}, {header.group('name')} wrote:")
        else:
            lines.append(line)
    return "\n".join(lines)


def _record(thread: Thread, comment: Comment) -> dict[str, object]:
    return {
        "thread": thread.id,
        "title": thread.title,
        "number": comment.number,
        "id": comment.id,
        "author": comment.author,
        "author_role": comment.author_role,
        "created": comment.created,
        "text": comment.text,
    }


def to_jsonl(threads: list[Thread]) -> str:
    lines = [json.dumps(_record(t, c), ensure_ascii=False) for t in threads for c in t.comments]
    return "\n".join(lines) + "\n"


def to_csv(threads: list[Thread]) -> str:
    buffer = io.StringIO()
    fields = ["thread", "title", "number", "id", "author", "author_role", "created", "text"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for thread in threads:
        for comment in thread.comments:
            writer.writerow({k: ("" if v is None else v) for k, v in _record(thread, comment).items()})
    return buffer.getvalue()


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BlockDumper.add_representer(str, _str_presenter)


def to_yaml(thread: Thread) -> str:
    """The moderator thread document (``format: moderator-thread/1``)."""
    header = {k: v for k, v in thread.header_dict().items() if v is not None}
    comments = []
    for comment in thread.comments:
        item = {k: v for k, v in _record(thread, comment).items() if v is not None and k not in ("thread", "title")}
        comments.append(item)
    document = {"format": "moderator-thread/1", "thread": header, "comments": comments}
    return yaml.dump(document, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100000)
