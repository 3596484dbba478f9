"""mbox mailing-list archives and single messages (``.eml``): messages decoded, threads rebuilt from Message-ID /
In-Reply-To / References.

Archives merged from several sources hold the same mail twice: a copy identical to an earlier message (same
Message-ID, same headers and body) is dropped and counted in the thread's notes; two different messages under one
Message-ID are an error naming both. A single message without the mbox ``From `` line is a thread of one.

Bodies come from the text/plain part (text/html stripped of tags when a message has nothing else), decoded from
quoted-printable or base64 and from their declared charset. ``> `` quotes are attributed to the message replied
to (``> > `` to the one before it).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage

from moderator.segmentation import segment_thread
from moderator.sources.reading import SourceText
from moderator.thread import Comment, Thread

FORMAT = "mbox"

_FROM_LINE = re.compile(rb"^From \S*.*$")
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
_MSGID = re.compile(r"<[^<>\s]+>")
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_MESSAGE_HEADERS = {b"from", b"subject", b"message-id", b"date"}
_HEADER_PROBE = 256 * 1024
# Headers a mail reader writes into its own mbox copy of a message: copies differing only there are the same mail.
_MBOX_LOCAL_HEADERS = {
    b"status", b"x-status", b"x-keywords", b"x-uid", b"x-mozilla-status", b"x-mozilla-status2", b"content-length",
    b"lines",
}


def looks_like(data: bytes) -> bool:
    first_line = data.lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(_FROM_LINE.match(first_line)) and b"\n" in data


def looks_like_message(data: bytes) -> bool:
    """A single RFC 822 message (``.eml``): only header lines at the top, two or more of From, Subject, Message-ID
    and Date among them, then a blank line. YAML, CSV and page copies fail the first or the second test."""
    head = data.lstrip(b"\r\n")[:_HEADER_PROBE].replace(b"\r\n", b"\n")
    block, blank, _ = head.partition(b"\n\n")
    if not blank:
        return False
    names: set[bytes] = set()
    for line in block.split(b"\n"):
        if line[:1] in (b" ", b"\t") and names:  # a folded header continues
            continue
        match = _HEADER_LINE.match(line)
        if match is None:
            return False
        names.add(match.group()[:-1].lower())
    return len(names & _MESSAGE_HEADERS) >= 2


@dataclass(slots=True)
class _Message:
    position: int
    line: int
    message_id: str
    parent_ids: list[str]
    subject: str
    author: str | None
    created: str | None
    sort_key: float
    body: str
    raw: bytes


def parse(source: SourceText) -> list[Thread]:
    data = source.data.replace(b"\r\n", b"\n")
    if looks_like(data):
        chunks = _split(data)
        escaped = True
    elif looks_like_message(data):
        body = data.lstrip(b"\n")
        chunks = [(len(data) - len(body) + 1, body)]
        escaped = False  # no mbox around it: a ">From " line is the sender's own text
    else:
        raise source.error(
            "not an mbox archive: it does not start with a 'From ' separator line (nor with the headers of a "
            "single mail message)",
            line=1,
        )
    messages = [
        _parse_message(source, position, line, chunk, escaped) for position, (line, chunk) in enumerate(chunks)
    ]
    if not messages:
        raise source.error("no messages in the mbox archive")
    return _threads(source, messages)


def _split(data: bytes) -> list[tuple[int, bytes]]:
    """(first line number, raw message) for each message: a "From " line after a blank line and before a header
    line starts one (an unescaped "From time to time" paragraph in a body does not)."""
    chunks: list[tuple[int, bytes]] = []
    lines = data.split(b"\n")
    start: int | None = None
    for index, line in enumerate(lines):
        if line.startswith(b"From ") and (start is None or _separates(lines, index)):
            if start is not None:
                chunks.append((start + 1, b"\n".join(lines[start + 1 : index])))
            start = index
    if start is not None:
        chunks.append((start + 1, b"\n".join(lines[start + 1 :])))
    return chunks


def _separates(lines: list[bytes], index: int) -> bool:
    following = lines[index + 1] if index + 1 < len(lines) else b""
    return not lines[index - 1].strip() and _HEADER_LINE.match(following) is not None


def _parse_message(source: SourceText, position: int, line: int, raw: bytes, escaped: bool) -> _Message:
    unescaped = _ESCAPED_FROM.sub(rb"\1", raw) if escaped else raw
    message = email.message_from_bytes(unescaped, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise source.error(f"message {position + 1} has no mail headers", line=line)
    message_id = _first_id(str(message.get("Message-ID", ""))) or f"<message-{position + 1}@mbox>"
    parent_ids: list[str] = []
    in_reply_to = _first_id(str(message.get("In-Reply-To", "")))
    references = _MSGID.findall(str(message.get("References", "")))
    if in_reply_to:
        parent_ids.append(in_reply_to)
    parent_ids.extend(reversed(references))
    name, address = email.utils.parseaddr(str(message.get("From", "")))
    created, sort_key = _date(str(message.get("Date", "")), position)
    return _Message(
        position=position,
        line=line,
        message_id=message_id,
        parent_ids=parent_ids,
        subject=str(message.get("Subject", "")).strip(),
        author=name or address or None,
        created=created,
        sort_key=sort_key,
        body=_body(message),
        raw=raw,
    )


def _first_id(value: str) -> str | None:
    match = _MSGID.search(value)
    return match.group() if match else None


def _date(value: str, position: int) -> tuple[str | None, float]:
    if not value.strip():
        return None, float("inf")
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return value.strip(), float("inf")
    return parsed.isoformat(), parsed.timestamp()


def _decoded(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        # Unknown or wrong declared charset: Latin-1 never fails and loses no byte.
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("latin-1")
    if isinstance(content, bytes):
        content = content.decode("latin-1")
    return str(content)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        text = _decoded(part)  # type: ignore[arg-type]
    else:
        part = message.get_body(preferencelist=("html",))
        text = html.unescape(_TAG.sub("", _decoded(part))) if part is not None else ""  # type: ignore[arg-type]
    return text.replace("\r\n", "\n").rstrip("\n")


def _drop_duplicates(source: SourceText, messages: list[_Message]) -> tuple[list[_Message], dict[str, int]]:
    """The messages without repeated copies, and how many copies of each Message-ID were dropped."""
    kept: list[_Message] = []
    first: dict[str, _Message] = {}
    dropped: dict[str, int] = {}
    for message in messages:
        earlier = first.get(message.message_id)
        if earlier is None:
            first[message.message_id] = message
            kept.append(message)
        elif _same_mail(earlier.raw, message.raw):
            dropped[message.message_id] = dropped.get(message.message_id, 0) + 1
        else:
            raise source.error(
                f"duplicate Message-ID {message.message_id} with different content: message {message.position + 1} "
                f"(line {message.line}) and message {earlier.position + 1} (line {earlier.line})",
                line=message.line,
            )
    return kept, dropped


def _same_mail(first: bytes, second: bytes) -> bool:
    """Byte-identical after the From_ line, or the same headers (mbox status headers aside, folding and spacing
    ignored) and the same body."""
    return first.rstrip(b"\n") == second.rstrip(b"\n") or _canonical(first) == _canonical(second)


def _canonical(raw: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers unfolded, lower-cased names, spacing collapsed, mbox status headers left out; the body as is."""
    head, _, body = raw.partition(b"\n\n")
    headers: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip())
            continue
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower(), value.strip()))
    kept = [(name, b" ".join(value.split())) for name, value in headers if name not in _MBOX_LOCAL_HEADERS]
    return kept, body.rstrip(b"\n")


def _threads(source: SourceText, messages: list[_Message]) -> list[Thread]:
    messages, dropped = _drop_duplicates(source, messages)
    by_id = {message.message_id: message for message in messages}
    parent_of: dict[str, str] = {}
    for message in messages:
        for parent_id in message.parent_ids:
            if parent_id in by_id and parent_id != message.message_id:
                parent_of[message.message_id] = parent_id
                break

    def root(message_id: str) -> str:
        seen = set()
        while message_id in parent_of and message_id not in seen:
            seen.add(message_id)
            message_id = parent_of[message_id]
        return message_id

    # Messages whose parent is not in the archive join the thread of the same subject (JWZ's subject fallback).
    ordered = sorted(messages, key=lambda m: (m.sort_key, m.position))
    thread_of: dict[str, str] = {}
    by_subject: dict[str, str] = {}
    for message in ordered:
        if message.message_id in parent_of:
            continue
        subject_key = _SUBJECT_PREFIX.sub("", message.subject).strip().casefold()
        if message.parent_ids and subject_key in by_subject:
            thread_of[message.message_id] = by_subject[subject_key]
        else:
            thread_of[message.message_id] = message.message_id
            by_subject.setdefault(subject_key, message.message_id)
    groups: dict[str, list[_Message]] = {}
    for message in ordered:
        top = root(message.message_id)  # a reply cycle ends at some member, which then heads the thread
        groups.setdefault(thread_of.setdefault(top, top), []).append(message)

    threads: list[Thread] = []
    for root_id, members in groups.items():
        numbers = {m.message_id: n for n, m in enumerate(members)}
        comments = [
            Comment(number=n, id=m.message_id, author=m.author, created=m.created, text=m.body)
            for n, m in enumerate(members)
        ]
        parents = {
            numbers[m.message_id]: numbers[parent_of[m.message_id]]
            for m in members
            if m.message_id in parent_of and parent_of[m.message_id] in numbers
        }
        segment_thread(comments, parents=parents)
        first = members[0]
        copies = sum(dropped.get(m.message_id, 0) for m in members)
        threads.append(
            Thread(
                source="mail",
                id=root_id,
                title=_SUBJECT_PREFIX.sub("", first.subject).strip() or None,
                comments=comments,
                reporter=first.author,
                path=source.name,
                notes=(_duplicates_note(copies),) if copies else (),
            )
        )
    return threads


def _duplicates_note(copies: int) -> str:
    counted = "1 duplicate copy" if copies == 1 else f"{copies} duplicate copies"
    return f"{counted} of messages in this thread dropped (same Message-ID, same headers and body)"
