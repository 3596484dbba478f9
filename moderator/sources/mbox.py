"""mbox mailing-list archives and single messages (``.eml``): messages decoded, threads rebuilt from Message-ID /
In-Reply-To / References.

Archives merged from several sources hold the same mail twice: a copy identical to an earlier message (same
Message-ID, same headers and body) is dropped and counted in the thread's notes; two different messages under one
Message-ID are an error naming both. A single message without the mbox ``From `` line is a thread of one.

Bodies come from the text/plain part (text/html stripped of tags when a message has nothing else), decoded from
quoted-printable or base64 and from their declared charset. ``> `` quotes are attributed to the message replied
to (``> > `` to the one before it).

Mail is hostile input, so every header is read leniently and every step is linear in the size of the file:

* Headers are read raw (Python's ``email`` package with the ``compat32`` policy, which never parses a header
  itself) and decoded here: raw 8-bit bytes as UTF-8, else Latin-1; RFC 2047 encoded-words in one pass
  (adjacent words of one charset joined before decoding, as a character may be split between them); a word
  that does not decode stays as written. A From header that is not an address (``<``, ``a@[``) is its own text
  as the author; a Date that does not parse is kept as written; a Message-ID, In-Reply-To or References
  without an ``<id>`` in it is ignored. No header is cut or refused for its size: decoding one costs memory
  in proportion to its length.
* Charsets: the declared one when Python knows it as a text encoding (undecodable bytes become U+FFFD); a
  missing, unknown or US-ASCII charset (8-bit text labelled ASCII is mislabelled) reads as UTF-8 when the bytes
  are valid UTF-8, else as Latin-1, which never fails and loses no byte. Escape schemes that are not charsets
  (``punycode``, ``idna``, ``unicode-escape``) count as unknown. A charset such as UTF-7 may yield lone
  surrogates; they are kept (``moderation_core.textsafe`` escapes them on output).
* A Content-Transfer-Encoding other than base64, quoted-printable or uuencode (garbage included) leaves the body
  as sent; broken base64 is decoded as far as it goes.
* MIME parts nested more than :data:`MAX_MIME_DEPTH` deep are an error naming the message: the parser checks
  every line against the boundary of every open level, so depth multiplies the work.
* Threads: each message's root is found once (a walk up the reply links stops at the first message whose root
  is known); a reply cycle (A answers B, B answers A) is cut above its earliest message, which heads the thread.
"""

from __future__ import annotations

import binascii
import codecs
import email.errors
import email.parser
import email.policy
import email.utils
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import unquote_to_bytes

from moderation_core.segmentation import segment_thread
from moderation_core.thread import Comment, Thread
from moderator.sources.reading import SourceText

FORMAT = "mbox"

# Real mail nests a handful of levels (a list footer around an alternative around related parts, a forward or
# two); 32 is far beyond that and keeps the parser's per-line boundary checks to at most 32.
MAX_MIME_DEPTH = 32

_FROM_SEPARATOR = re.compile(rb"^From ", re.MULTILINE)
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
_LEADING_NEWLINES = re.compile(rb"\n*")
_LEADING_LINE_BREAKS = re.compile(rb"[\r\n]*")
_MSGID = re.compile(r"<[^<>\s]+>")
# Unambiguous (one way to match any run of spaces), so a subject of "Re" and a million spaces fails in one pass.
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|sv)\s*(?:\[\d+\]\s*)?:\s*)+", re.IGNORECASE)
# No "<" inside a tag: an unclosed "<" then stops at the next one instead of scanning to the end each time.
_TAG = re.compile(r"<[^<>]*>")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_HEADER_NAME = re.compile(rb"[!-9;-~]+:")
_MESSAGE_HEADERS = {b"from", b"subject", b"message-id", b"date"}
_HEADER_PROBE = 256 * 1024
# Headers a mail reader writes into its own mbox copy of a message: copies differing only there are the same mail.
_MBOX_LOCAL_HEADERS = {
    b"status",
    b"x-status",
    b"x-keywords",
    b"x-uid",
    b"x-mozilla-status",
    b"x-mozilla-status2",
    b"content-length",
    b"lines",
}
# RFC 2047: =?charset[*language]?B|Q?text?= ; the text holds no "?" and no space (printable ASCII only).
_ENCODED_WORD = re.compile(r"=\?([^?\s*]{1,64})(?:\*[^?\s]{0,64})?\?([bBqQ])\?([!->@-~]*)\?=")
# Address syntax, one token at a time: a quoted string (its closing quote may be missing), an escaped character,
# a special character, or a run of anything else.
_ADDRESS_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|\\.?|[()<>,]|[^"\\()<>,]+', re.DOTALL)
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
# A Content-Type parameter: "; name = value" with a quoted or bare value.
_PARAMETER = re.compile(r';\s*([^\s;=]+)\s*=\s*("[^"\\]*(?:\\.[^"\\]*)*"?|[^;]*)')
_DATE_CHARS = 300  # longer is no date; it is kept as written
_CHARSET_CHARS = 64
# Codecs Python decodes with that are escape schemes, not charsets (and punycode's decoder is quadratic).
_NOT_CHARSETS = frozenset({"punycode", "idna", "unicode-escape", "raw-unicode-escape"})


class _TooDeep(Exception):
    """Raised while parsing when a MIME part would be nested deeper than MAX_MIME_DEPTH."""


class _MimePart(Message):
    """A compat32 message that knows how deep it is nested and reads its boundary in one pass.

    The ``email`` parser attaches every part to its parent as soon as it starts it, so ``attach`` is where
    depth can be refused before the part's lines are read. ``get_boundary`` is replaced because the standard
    parameter parser copies the rest of the header for every ``;``: quadratic on a hostile Content-Type.
    """

    def __init__(self, policy: Any = email.policy.compat32) -> None:
        super().__init__(policy)
        self.mime_depth = 0

    def attach(self, payload: Any) -> None:
        if isinstance(payload, _MimePart):
            payload.mime_depth = self.mime_depth + 1
            if payload.mime_depth > MAX_MIME_DEPTH:
                raise _TooDeep
        super().attach(payload)

    def get_boundary(self, failobj: Any = None) -> Any:
        boundary = _parameter(self.get("Content-Type"), "boundary")
        return failobj if boundary is None else boundary.rstrip()

    def body_bytes(self) -> bytes:
        """The body of a part that is not a multipart as sent, before any transfer decoding.

        ``get_payload()`` would decode 8-bit text with the declared charset (through the quadratic parameter
        parser) and ``get_payload(decode=True)`` would apply the Content-Transfer-Encoding only when the
        header is spelt exactly; the parser keeps each byte over 0x7f as a surrogate escape, so encoding with
        ``surrogateescape`` gives back the bytes."""
        payload = self._payload  # type: ignore[attr-defined]  # email.message keeps the raw body here, untyped
        return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


class _RawHeaders(email.policy.Compat32):
    """compat32 parsing (it never parses a header's structure, so a malformed one cannot raise), returning each
    header value as it was sent, only unfolded: raw 8-bit bytes stay surrogate escapes for ``_header``."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value.replace("\r", "").replace("\n", "")


_PARSER = email.parser.BytesParser(_MimePart, policy=_RawHeaders())


def looks_like(data: bytes) -> bool:
    """The first line (after blank ones) is an mbox "From " line. Looked at in place: no copy of the file."""
    start = _LEADING_LINE_BREAKS.match(data).end()  # type: ignore[union-attr]
    return data.startswith(b"From ", start) and b"\n" in data


def looks_like_message(data: bytes) -> bool:
    """A single RFC 822 message (``.eml``): only header lines at the top, two or more of From, Subject, Message-ID
    and Date among them, then a blank line. YAML, CSV and page copies fail the first or the second test."""
    start = _LEADING_LINE_BREAKS.match(data).end()  # type: ignore[union-attr]
    head = data[start : start + _HEADER_PROBE].replace(b"\r\n", b"\n")
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
    start: int  # where its raw bytes are in the archive (compared only when a Message-ID repeats)
    end: int


def parse(source: SourceText) -> list[Thread]:
    data = source.data.replace(b"\r\n", b"\n")
    if looks_like(data):
        spans = _split(data)
        escaped = True
    elif looks_like_message(data):
        start = _LEADING_NEWLINES.match(data).end()  # type: ignore[union-attr]
        spans = [(start + 1, start, len(data))]
        escaped = False  # no mbox around it: a ">From " line is the sender's own text
    else:
        raise source.error(
            "not an mbox archive: it does not start with a 'From ' separator line (nor with the headers of a "
            "single mail message)",
            line=1,
        )
    # One message's bytes are copied at a time; the archive is not split into lines or chunks up front.
    messages = [
        _parse_message(source, position, line, data[start:end], escaped, (start, end))
        for position, (line, start, end) in enumerate(spans)
    ]
    if not messages:
        raise source.error("no messages in the mbox archive")
    return _threads(source, data, messages)


def _split(data: bytes) -> list[tuple[int, int, int]]:
    """(line of its "From " line, start, end) of each message's bytes after that line: a "From " line after a
    blank line and before a header line starts one (an unescaped "From time to time" paragraph in a body does
    not). One pass over the "From " lines, counting line breaks as it goes."""
    spans: list[tuple[int, int, int]] = []
    current: tuple[int, int] | None = None  # (line, start) of the message being read
    line, counted_to = 1, 0
    for match in _FROM_SEPARATOR.finditer(data):
        at = match.start()
        if current is not None and not _separates(data, at):
            continue
        line += data.count(b"\n", counted_to, at)
        counted_to = at
        if current is not None:
            spans.append((current[0], current[1], at - 1))  # the line break before "From " is the separator's
        current = (line, _next_line(data, at))
    if current is not None:
        spans.append((current[0], current[1], len(data)))
    return spans


def _next_line(data: bytes, at: int) -> int:
    """Where the line after the one at ``at`` starts (the end of the data after the last line)."""
    newline = data.find(b"\n", at)
    return len(data) if newline == -1 else newline + 1


def _separates(data: bytes, at: int) -> bool:
    """A "From " line at ``at`` (never the first one) separates messages: blank line above, header line below."""
    previous = data.rfind(b"\n", 0, at - 1) + 1
    if data[previous : at - 1].strip():
        return False
    return _HEADER_NAME.match(data, _next_line(data, at)) is not None


def _parse_message(
    source: SourceText, position: int, line: int, raw: bytes, escaped: bool, span: tuple[int, int]
) -> _Message:
    unescaped = _ESCAPED_FROM.sub(rb"\1", raw) if escaped else raw
    message = _parse_mime(source, position, line, unescaped)
    if not message.keys():
        raise source.error(f"message {position + 1} has no mail headers", line=line)
    message_id = _first_id(_header(message, "Message-ID")) or f"<message-{position + 1}@mbox>"
    parent_ids: list[str] = []
    in_reply_to = _first_id(_header(message, "In-Reply-To"))
    references = _MSGID.findall(_header(message, "References"))
    if in_reply_to:
        parent_ids.append(in_reply_to)
    parent_ids.extend(reversed(references))
    created, sort_key = _date(_header(message, "Date"))
    return _Message(
        position=position,
        line=line,
        message_id=message_id,
        parent_ids=parent_ids,
        subject=decode_words(_header(message, "Subject")).strip(),
        author=_author(_header(message, "From")),
        created=created,
        sort_key=sort_key,
        body=_body(message),
        start=span[0],
        end=span[1],
    )


def _parse_mime(source: SourceText, position: int, line: int, raw: bytes) -> _MimePart:
    """The message's MIME tree. The compat32 parser records defects instead of raising; the errors caught here
    are a safety net, so that no input turns into a traceback."""
    try:
        message = _PARSER.parsebytes(raw)
    except _TooDeep:
        raise source.error(
            f"message {position + 1}: MIME parts nested more than {MAX_MIME_DEPTH} levels deep", line=line
        ) from None
    except (email.errors.MessageError, ValueError, TypeError, LookupError, AttributeError) as error:
        raise source.error(
            f"message {position + 1}: unreadable MIME structure ({type(error).__name__})", line=line
        ) from None
    assert isinstance(message, _MimePart)
    return message


# ------------------------------------------------------------------------------------------------------ headers


def _header(message: Message, name: str) -> str:
    """The first ``name`` header as text ("" when absent): raw 8-bit bytes read as UTF-8, else as Latin-1."""
    value = message.get(name)
    return "" if value is None else _eight_bit_text(str(value))


def _eight_bit_text(value: str) -> str:
    if value.isascii():
        return value
    # The parser keeps each byte over 0x7f as a surrogate escape; these are the bytes as sent.
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_words(text: str) -> str:
    """``text`` with its RFC 2047 encoded-words decoded, in one pass: white space between two encoded-words
    is dropped, and adjacent words of one charset are joined as bytes before decoding (a multi-byte character
    may be split between them). A word whose base64 is broken stays as written."""
    if "=?" not in text:
        return text
    pieces: list[str] = []
    pending = bytearray()
    pending_charset: str | None = None
    last_was_word = False
    position = 0
    for match in _ENCODED_WORD.finditer(text):
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:  # not decodable: it stays in the text before the next word
            continue
        between = text[position : match.start()]
        position = match.end()
        if between and not (last_was_word and between.isspace()):
            if pending_charset is not None:
                pieces.append(decode_text(bytes(pending), pending_charset))
                pending_charset = None
            pieces.append(between)
        charset = match.group(1).lower()
        if pending_charset is not None and pending_charset != charset:
            pieces.append(decode_text(bytes(pending), pending_charset))
            pending_charset = None
        if pending_charset is None:
            pending = bytearray()
            pending_charset = charset
        pending += data
        last_was_word = True
    if pending_charset is not None:
        pieces.append(decode_text(bytes(pending), pending_charset))
    pieces.append(text[position:])
    return "".join(pieces)


def _word_bytes(encoding: str, encoded: str) -> bytes | None:
    if encoding in "qQ":
        return binascii.a2b_qp(encoded.encode("ascii"), header=True)
    letters = encoded.rstrip("=")
    if len(letters) % 4 == 1:  # one letter too many for any byte: drop it rather than the whole word
        letters = letters[:-1]
    try:
        return binascii.a2b_base64((letters + "=" * (-len(letters) % 4)).encode("ascii"))
    except binascii.Error:
        return None


def decode_text(data: bytes, charset: str | None) -> str:
    """``data`` in its declared charset (undecodable bytes become U+FFFD); with no usable charset (missing,
    unknown, not a charset, or US-ASCII, which 8-bit text can only claim by mistake) as UTF-8 when it is valid
    UTF-8, else as Latin-1."""
    codec = _codec(charset)
    if codec is not None and codec != "ascii":
        try:
            return data.decode(codec, "replace")
        except (LookupError, UnicodeError, ValueError, TypeError):
            pass  # a codec that cannot decode with replacement: fall back like an unknown charset
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _codec(charset: str | None) -> str | None:
    """Python's name for a mail charset, or None when it is missing or is no text encoding Python has."""
    if not charset or len(charset) > _CHARSET_CHARS:
        return None
    try:
        name = codecs.lookup(charset.strip()).name
        b"".decode(name)  # "rot13", "hex" and the like are codecs but not text encodings: LookupError
    except (LookupError, ValueError, TypeError):
        return None
    return None if name in _NOT_CHARSETS else name


def _author(value: str) -> str | None:
    """The sender's display name, else the address, from a From header; its own text (encoded-words decoded)
    when it holds neither, as in ``<``, ``a@[`` or ``"``. Comments in parentheses are left out (as mail
    readers show ``bbb@ddd.com (John X. Doe)``: by the address); only the first of several mailboxes counts."""
    phrase: list[str] = []
    address: list[str] = []
    comment_depth = 0
    in_angle = seen_angle = False
    for token in _ADDRESS_TOKEN.findall(value):
        if comment_depth:
            comment_depth += {"(": 1, ")": -1}.get(token, 0)
        elif token == "(":
            comment_depth = 1
        elif in_angle:
            if token == ">":
                in_angle = False
            else:
                address.append(token)
        elif token == "<" and not seen_angle:
            in_angle = seen_angle = True
        elif token == ",":
            if seen_angle or "".join(phrase).strip():
                break  # the next mailbox
        elif token.startswith('"'):
            phrase.append(_QUOTED_PAIR.sub(r"\1", token[1:-1] if len(token) > 1 and token.endswith('"') else token[1:]))
        elif token.startswith("\\"):
            phrase.append(token[1:])
        else:
            phrase.append(token)
    name = " ".join(decode_words(" ".join("".join(phrase).split())).split())
    if name:
        return name
    mailbox = "".join("".join(address).split())
    if mailbox:
        return mailbox
    return " ".join(decode_words(value).split()) or None


def _first_id(value: str) -> str | None:
    match = _MSGID.search(value)
    return match.group() if match else None


def _date(value: str) -> tuple[str | None, float]:
    """(ISO 8601 date, timestamp to sort by); an unreadable date is kept as written and sorts last."""
    text = value.strip()
    if not text:
        return None, float("inf")
    if len(text) > _DATE_CHARS:
        return text, float("inf")
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return text, float("inf")
    try:
        return parsed.isoformat(), parsed.timestamp()
    except (ValueError, OverflowError, OSError):  # a date without zone, outside the platform's local time
        return parsed.isoformat(), float("inf")


def _parameter(header: str | None, name: str) -> str | None:
    """The value of parameter ``name`` in a Content-Type (or Content-Disposition) header, unquoted; RFC 2231
    ``name*=charset'lang'%XX`` values decoded. One regular-expression pass over the header."""
    if not header:
        return None
    wanted = name.lower()
    for match in _PARAMETER.finditer(header):
        key = match.group(1).lower()
        value = match.group(2).strip()
        if key == wanted:
            return _unquoted(value)
        if key == wanted + "*":
            return _extended_value(_unquoted(value))
    return None


def _unquoted(value: str) -> str:
    if not value.startswith('"'):
        return value
    inner = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
    return _QUOTED_PAIR.sub(r"\1", inner)


def _extended_value(value: str) -> str:
    """An RFC 2231 value: ``charset'language'percent-encoded``."""
    charset, quote, rest = value.partition("'")
    _, quote2, encoded = rest.partition("'")
    if not (quote and quote2):
        return value
    return decode_text(unquote_to_bytes(encoded), charset or None)


# ------------------------------------------------------------------------------------------------------ bodies


def _body(message: _MimePart) -> str:
    part = _first_text_part(message, "plain")
    if part is not None:
        text = _part_text(part)
    else:
        part = _first_text_part(message, "html")
        text = html.unescape(_TAG.sub("", _part_text(part))) if part is not None else ""
    return text.replace("\r\n", "\n").rstrip("\n")


def _first_text_part(message: _MimePart, subtype: str) -> _MimePart | None:
    """The body ``EmailMessage.get_body`` would choose with ``preferencelist=(subtype,)``: the first text/subtype
    part that is not an attachment, looking inside multiparts (only at the start part of multipart/related)
    but not inside attached messages. Recursion is at most MAX_MIME_DEPTH deep."""
    return next(_text_parts(message, subtype), None)


def _text_parts(part: _MimePart, subtype: str) -> Iterator[_MimePart]:
    if _is_attachment(part):
        return
    maintype, _, part_subtype = part.get_content_type().partition("/")
    if maintype == "text":
        if part_subtype == subtype:
            yield part
        return
    if maintype == "multipart" and not part.is_multipart():
        # Declared multipart, but no boundary or none found: the parser kept the content as one text, which is
        # shown as written rather than dropped.
        if subtype == "plain":
            yield part
        return
    if maintype != "multipart":
        return
    subparts: list[_MimePart] = part.get_payload()  # type: ignore[assignment]
    if part_subtype == "related":
        start = _parameter(part.get("Content-Type"), "start")
        chosen = next((p for p in subparts if start and p.get("Content-ID") == start), None)
        subparts = [chosen] if chosen is not None else subparts[:1]
    for subpart in subparts:
        yield from _text_parts(subpart, subtype)


def _is_attachment(part: Message) -> bool:
    disposition = part.get("Content-Disposition")
    return disposition is not None and disposition.split(";", 1)[0].strip().lower() == "attachment"


def _part_text(part: _MimePart) -> str:
    data = part.body_bytes()
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    return decode_text(_transfer_decoded(data, encoding), _parameter(part.get("Content-Type"), "charset"))


def _transfer_decoded(data: bytes, encoding: str) -> bytes:
    """The body bytes under a Content-Transfer-Encoding; anything but base64, quoted-printable and uuencode
    (7bit, 8bit, binary, garbage) is taken as sent."""
    if encoding == "base64":
        return _lenient_base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    if encoding in ("x-uuencode", "uuencode", "uue", "x-uue"):
        return _uudecoded(data)
    return data


def _lenient_base64(data: bytes) -> bytes:
    """Base64 with stray characters skipped and missing padding added; what cannot be decoded is dropped."""
    letters = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    if len(letters) % 4 == 1:
        letters = letters[:-1]
    try:
        return binascii.a2b_base64(letters + b"=" * (-len(letters) % 4))
    except binascii.Error:  # not reachable with letters of the alphabet only, but never a traceback
        return b""


def _uudecoded(data: bytes) -> bytes:
    """uuencoded lines between ``begin`` and ``end``; a line that does not decode is skipped."""
    decoded: list[bytes] = []
    inside = False
    for line in data.split(b"\n"):
        if not inside:
            inside = line.startswith(b"begin ")
            continue
        if line.strip() == b"end":
            break
        try:
            decoded.append(binascii.a2b_uu(line))
        except binascii.Error:
            continue
    return b"".join(decoded) if inside else data


# ------------------------------------------------------------------------------------------------------ threads


def _drop_duplicates(
    source: SourceText, data: bytes, messages: list[_Message]
) -> tuple[list[_Message], dict[str, int]]:
    """The messages without repeated copies, and how many copies of each Message-ID were dropped."""
    kept: list[_Message] = []
    first: dict[str, _Message] = {}
    dropped: dict[str, int] = {}
    for message in messages:
        earlier = first.get(message.message_id)
        if earlier is None:
            first[message.message_id] = message
            kept.append(message)
        elif _same_mail(data[earlier.start : earlier.end], data[message.start : message.end]):
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
    # A header's lines are collected and joined once: adding each folded line to a growing value is quadratic.
    headers: list[tuple[bytes, list[bytes]]] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1].append(line)
            continue
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower(), [value]))
    kept = [(name, b" ".join(b" ".join(lines).split())) for name, lines in headers if name not in _MBOX_LOCAL_HEADERS]
    return kept, body.rstrip(b"\n")


def _parent_links(messages: list[_Message]) -> dict[str, str]:
    """Message-ID -> the Message-ID it replies to: its In-Reply-To, else its nearest Reference in the archive."""
    by_id = {message.message_id for message in messages}
    parent_of: dict[str, str] = {}
    for message in messages:
        for parent_id in message.parent_ids:
            if parent_id in by_id and parent_id != message.message_id:
                parent_of[message.message_id] = parent_id
                break
    return parent_of


def thread_roots(parent_of: dict[str, str], order: Iterable[str]) -> dict[str, str]:
    """The root of every Message-ID in ``order`` (the top of its chain of reply links), each found once: a walk
    up the links stops at the first message whose root is already known, and every message on the way gets
    that root, so the work is one ``parent_of.get`` per message however long the chains are.

    A reply cycle (A answers B, B answers A) is cut above its member that comes first in ``order``: that link
    is deleted from ``parent_of`` and the member heads the thread.
    """
    rank = {message_id: n for n, message_id in enumerate(order)}
    root_of: dict[str, str] = {}
    for start in rank:
        path: dict[str, int] = {}  # the messages of this walk, in order (dicts keep insertion order)
        node = start
        while node not in root_of:
            if node in path:  # back at a message of this walk: a cycle
                cycle = list(path)[path[node] :]
                head = min(cycle, key=lambda message_id: rank.get(message_id, len(rank)))
                del parent_of[head]
                root = head
                break
            path[node] = len(path)
            parent = parent_of.get(node)
            if parent is None:
                root = node
                break
            node = parent
        else:
            root = root_of[node]
        for message_id in path:
            root_of[message_id] = root
    return root_of


def _threads(source: SourceText, data: bytes, messages: list[_Message]) -> list[Thread]:
    messages, dropped = _drop_duplicates(source, data, messages)
    parent_of = _parent_links(messages)
    ordered = sorted(messages, key=lambda m: (m.sort_key, m.position))
    root_of = thread_roots(parent_of, (m.message_id for m in ordered))

    # Messages whose parent is not in the archive join the thread of the same subject (JWZ's subject fallback).
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
        top = root_of[message.message_id]
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
