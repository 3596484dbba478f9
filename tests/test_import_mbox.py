"""mbox import: threads rebuilt from Message-ID / In-Reply-To / References, body decoding, mail quotes, errors.

Every archive is built here with Python's ``email`` package; all names and text are invented for these tests.
"""

from __future__ import annotations

import email.policy
import io
from email.generator import BytesGenerator
from email.message import EmailMessage
from pathlib import Path

import pytest

from moderation_core.errors import SourceError
from moderation_core.thread import Thread
from moderator.sources import detect_format, load_threads
from moderator.sources.reading import read_source

_POLICY = email.policy.default.clone(linesep="\n")


def _message(
    message_id: str,
    subject: str,
    sender: str,
    date: str,
    body: str | None = None,
    *,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    **content: object,
) -> EmailMessage:
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = sender
    msg["To"] = "lantern-dev@lists.saltmarsh.example"
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    if body is not None:
        msg.set_content(body, **content)  # type: ignore[arg-type]
    return msg


def _mbox(tmp_path: Path, messages: list[EmailMessage], name: str = "archive.mbox") -> Path:
    out = io.BytesIO()
    for msg in messages:
        out.write(b"From lantern-dev-bounces@saltmarsh.example Mon Jan  5 08:00:00 2032\n")
        BytesGenerator(out, mangle_from_=True, policy=_POLICY).flatten(msg)
        out.write(b"\n")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    assert detect_format(read_source(path)) == "mbox"
    return path


def _thread_titled(threads: list[Thread], title: str) -> Thread:
    matches = [t for t in threads if t.title == title]
    assert len(matches) == 1, [t.title for t in threads]
    return matches[0]


ROOT_A = "Proposal: drop the legacy wick parser in release 4.\nIt has had no maintainer since 2029."
REPLY_A = "I still use it for the harbour importer.\nCan we keep it one more release?"


def _two_threads() -> list[EmailMessage]:
    a1 = _message(
        "<a1@saltmarsh.example>",
        "Legacy wick parser",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Mon, 05 Jan 2032 09:00:00 +0000",
        ROOT_A,
    )
    a2 = _message(
        "<a2@saltmarsh.example>",
        "Re: Legacy wick parser",
        "Olek Brandt <olek@fjordlamp.example>",
        "Mon, 05 Jan 2032 11:30:00 +0000",
        REPLY_A,
        in_reply_to="<a1@saltmarsh.example>",
        references=["<a1@saltmarsh.example>"],
    )
    # Only References, no In-Reply-To: still the child of a2.
    a3 = _message(
        "<a3@saltmarsh.example>",
        "Re: Legacy wick parser",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Tue, 06 Jan 2032 08:15:00 +0100",
        "Fine by me, we will keep it until release 5.",
        references=["<a1@saltmarsh.example>", "<a2@saltmarsh.example>"],
    )
    b1 = _message(
        "<b1@saltmarsh.example>",
        "Mirror outage on Saturday",
        "ops@saltmarsh.example",
        "Mon, 05 Jan 2032 10:00:00 +0000",
        "The north mirror will be down for two hours on Saturday.",
    )
    b2 = _message(
        "<b2@saltmarsh.example>",
        "RE: Mirror outage on Saturday",
        "Pia Ruud <pia@kelpworks.example>",
        "Mon, 05 Jan 2032 12:00:00 +0000",
        "Which hours, in UTC?",
        in_reply_to="<b1@saltmarsh.example>",
    )
    # Written out of date order: numbering and thread order follow the Date header.
    return [a3, b2, a1, b1, a2]


def test_two_threads_in_one_archive(tmp_path: Path) -> None:
    path = _mbox(tmp_path, _two_threads())
    threads = load_threads(path)
    assert [t.title for t in threads] == ["Legacy wick parser", "Mirror outage on Saturday"]
    wick, mirror = threads
    assert wick.source == "mail"
    assert wick.id == "<a1@saltmarsh.example>"
    assert wick.path == str(path)
    assert wick.reporter == "Ines Dorrow"
    assert [c.number for c in wick.comments] == [0, 1, 2]
    assert [c.id for c in wick.comments] == [
        "<a1@saltmarsh.example>",
        "<a2@saltmarsh.example>",
        "<a3@saltmarsh.example>",
    ]
    assert [c.author for c in wick.comments] == ["Ines Dorrow", "Olek Brandt", "Ines Dorrow"]
    assert wick.comments[0].text == ROOT_A
    assert wick.comments[1].text == REPLY_A
    assert wick.comments[0].created == "2032-01-05T09:00:00+00:00"
    assert wick.comments[2].created == "2032-01-06T08:15:00+01:00"
    # Replies point at their parent message.
    assert wick.comments[1].reply_to == (0,)
    assert wick.comments[2].reply_to == (1,)
    assert mirror.id == "<b1@saltmarsh.example>"
    assert [c.id for c in mirror.comments] == ["<b1@saltmarsh.example>", "<b2@saltmarsh.example>"]
    assert [c.author for c in mirror.comments] == ["ops@saltmarsh.example", "Pia Ruud"]
    assert mirror.comments[1].text == "Which hours, in UTC?"
    assert mirror.comments[1].reply_to == (0,)


def test_numbered_by_date_not_file_order(tmp_path: Path) -> None:
    early = _message(
        "<e1@saltmarsh.example>",
        "Ordering",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Wed, 07 Jan 2032 09:00:00 +0000",
        "first written",
    )
    late = _message(
        "<e2@saltmarsh.example>",
        "Re: Ordering",
        "Olek Brandt <olek@fjordlamp.example>",
        "Wed, 07 Jan 2032 10:00:00 +0000",
        "second written",
        in_reply_to="<e1@saltmarsh.example>",
    )
    later = _message(
        "<e3@saltmarsh.example>",
        "Re: Ordering",
        "Pia Ruud <pia@kelpworks.example>",
        "Wed, 07 Jan 2032 09:30:00 -0200",
        "third written",
        in_reply_to="<e1@saltmarsh.example>",
    )
    thread = load_threads(_mbox(tmp_path, [later, late, early]))[0]
    # 09:30 -0200 is 11:30 UTC, after 10:00 UTC.
    assert [c.text for c in thread.comments] == ["first written", "second written", "third written"]


def test_quoted_printable_body(tmp_path: Path) -> None:
    body = "Caf\u00e9 meeting moved to Thursday \u2014 the na\u00efve schedule = broken.\n" + "x" * 120
    msg = _message(
        "<qp@saltmarsh.example>",
        "QP",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Thu, 08 Jan 2032 09:00:00 +0000",
        body,
        cte="quoted-printable",
    )
    path = _mbox(tmp_path, [msg])
    raw = path.read_bytes()
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    assert b"Caf=C3=A9" in raw
    assert load_threads(path)[0].comments[0].text == body


def test_base64_body(tmp_path: Path) -> None:
    body = "Base64 body with an accent: s\u00f8ndag, and a second line.\nSecond line here."
    msg = _message(
        "<b64@saltmarsh.example>",
        "B64",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Thu, 08 Jan 2032 09:00:00 +0000",
        body,
        cte="base64",
    )
    path = _mbox(tmp_path, [msg])
    raw = path.read_bytes()
    assert b"Content-Transfer-Encoding: base64" in raw
    assert b"Second line here" not in raw
    assert load_threads(path)[0].comments[0].text == body


@pytest.mark.parametrize("cte", ["8bit", "quoted-printable"])
def test_iso_8859_1_body(tmp_path: Path, cte: str) -> None:
    body = "Gr\u00fc\u00dfe aus M\u00e1laga: the d\u00e9j\u00e0-vu ni\u00f1o patch is ready."
    msg = _message(
        "<latin@saltmarsh.example>",
        "Latin-1",
        "J\u00f6rg Ek <jorg@saltmarsh.example>",
        "Thu, 08 Jan 2032 09:00:00 +0000",
        body,
        charset="iso-8859-1",
        cte=cte,
    )
    path = _mbox(tmp_path, [msg])
    raw = path.read_bytes()
    assert b"iso-8859-1" in raw
    if cte == "8bit":
        assert "d\u00e9j\u00e0".encode("iso-8859-1") in raw  # raw Latin-1 bytes: not UTF-8
    comment = load_threads(path)[0].comments[0]
    assert comment.text == body
    assert comment.author == "J\u00f6rg Ek"


def test_multipart_alternative_uses_text_part(tmp_path: Path) -> None:
    msg = _message(
        "<alt@saltmarsh.example>",
        "Alternative",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Thu, 08 Jan 2032 09:00:00 +0000",
        "The plain version of the release notes.",
    )
    msg.add_alternative("<html><body><p>The <b>HTML</b> version.</p></body></html>", subtype="html")
    path = _mbox(tmp_path, [msg])
    assert b"multipart/alternative" in path.read_bytes()
    comment = load_threads(path)[0].comments[0]
    assert comment.text == "The plain version of the release notes."


def test_html_only_message_is_stripped_of_tags(tmp_path: Path) -> None:
    html_body = "<html><body><p>Ship it on <b>Friday</b> &amp; tell the <i>docs</i> team.</p></body></html>"
    msg = _message(
        "<html@saltmarsh.example>",
        "HTML",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Thu, 08 Jan 2032 09:00:00 +0000",
        html_body,
        subtype="html",
    )
    path = _mbox(tmp_path, [msg])
    assert b"text/html" in path.read_bytes()
    comment = load_threads(path)[0].comments[0]
    assert comment.text == "Ship it on Friday & tell the docs team."
    assert "<" not in comment.text


def test_escaped_from_line_is_unescaped(tmp_path: Path) -> None:
    body = "Quick note.\n\nFrom the next release on, the wick parser is gone.\nThanks."
    first = _message(
        "<from1@saltmarsh.example>",
        "From lines",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Thu, 08 Jan 2032 09:00:00 +0000",
        body,
    )
    second = _message(
        "<from2@saltmarsh.example>",
        "Re: From lines",
        "Olek Brandt <olek@fjordlamp.example>",
        "Thu, 08 Jan 2032 10:00:00 +0000",
        "Noted.",
        in_reply_to="<from1@saltmarsh.example>",
    )
    path = _mbox(tmp_path, [first, second])
    raw = path.read_bytes()
    assert b"\n>From the next release on" in raw
    threads = load_threads(path)
    # The escaped line neither splits the message nor keeps its '>'.
    assert len(threads) == 1
    assert [c.text for c in threads[0].comments] == [body, "Noted."]
    assert threads[0].comments[0].quotes == ()


def test_mail_quotes_attributed_to_parent_and_grandparent(tmp_path: Path) -> None:
    grand = "Release 4 should drop the legacy wick parser entirely."
    parent = f"On Mon, 05 Jan 2032, Ines Dorrow wrote:\n> {grand}\n\nThe harbour importer still depends on it."
    child = (
        "On Mon, 05 Jan 2032 at 11:30, Olek Brandt wrote:\n"
        "> On Mon, 05 Jan 2032, Ines Dorrow wrote:\n"
        f"> > {grand}\n"
        ">\n"
        "> The harbour importer still depends on it.\n"
        "\n"
        "Then the harbour importer should move to the new parser."
    )
    m0 = _message(
        "<q0@saltmarsh.example>",
        "Wick parser",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Mon, 05 Jan 2032 09:00:00 +0000",
        grand,
    )
    m1 = _message(
        "<q1@saltmarsh.example>",
        "Re: Wick parser",
        "Olek Brandt <olek@fjordlamp.example>",
        "Mon, 05 Jan 2032 11:30:00 +0000",
        parent,
        in_reply_to="<q0@saltmarsh.example>",
        references=["<q0@saltmarsh.example>"],
    )
    m2 = _message(
        "<q2@saltmarsh.example>",
        "Re: Wick parser",
        "Pia Ruud <pia@kelpworks.example>",
        "Mon, 05 Jan 2032 14:00:00 +0000",
        child,
        in_reply_to="<q1@saltmarsh.example>",
        references=["<q0@saltmarsh.example>", "<q1@saltmarsh.example>"],
    )
    thread = load_threads(_mbox(tmp_path, [m0, m1, m2]))[0]
    first_reply = thread.comment(1)
    assert first_reply.own_text == "The harbour importer still depends on it."
    assert [(q.comment, q.text) for q in first_reply.quotes] == [(0, grand)]
    second_reply = thread.comment(2)
    assert second_reply.own_text == "Then the harbour importer should move to the new parser."
    assert [(q.comment, q.text) for q in second_reply.quotes] == [
        (1, "On Mon, 05 Jan 2032, Ines Dorrow wrote:"),
        (0, grand),
        (1, "The harbour importer still depends on it."),
    ]
    assert second_reply.reply_to == (1, 0)
    assert second_reply.segments[0].kind == "attribution"
    assert second_reply.segments[0].text == "On Mon, 05 Jan 2032 at 11:30, Olek Brandt wrote:"
    assert second_reply.segments[0].quoted_comment == 1


def test_edited_mail_quotes_still_attributed_by_depth(tmp_path: Path) -> None:
    # Quoted lines that were trimmed by the replier match no earlier text verbatim: the quote depth decides.
    m0 = _message(
        "<d0@saltmarsh.example>",
        "Lamp colours",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Mon, 05 Jan 2032 09:00:00 +0000",
        "Amber should be the default lamp colour for every new map.",
    )
    m1 = _message(
        "<d1@saltmarsh.example>",
        "Re: Lamp colours",
        "Olek Brandt <olek@fjordlamp.example>",
        "Mon, 05 Jan 2032 10:00:00 +0000",
        "On Mon, 05 Jan 2032, Ines Dorrow wrote:\n> Amber [...] default\n\nTeal reads better at night.",
        in_reply_to="<d0@saltmarsh.example>",
    )
    m2 = _message(
        "<d2@saltmarsh.example>",
        "Re: Lamp colours",
        "Pia Ruud <pia@kelpworks.example>",
        "Mon, 05 Jan 2032 11:00:00 +0000",
        "On Mon, 05 Jan 2032, Olek Brandt wrote:\n> > Amber [...]\n> Teal [...]\n\nLet users pick.",
        in_reply_to="<d1@saltmarsh.example>",
        references=["<d0@saltmarsh.example>", "<d1@saltmarsh.example>"],
    )
    thread = load_threads(_mbox(tmp_path, [m0, m1, m2]))[0]
    assert [(q.comment, q.text) for q in thread.comment(1).quotes] == [(0, "Amber [...] default")]
    assert thread.comment(1).own_text == "Teal reads better at night."
    assert [(q.comment, q.text) for q in thread.comment(2).quotes] == [(0, "Amber [...]"), (1, "Teal [...]")]
    assert thread.comment(2).own_text == "Let users pick."
    assert thread.comment(2).reply_to == (1, 0)


def test_reply_with_missing_parent_joins_thread_of_same_subject(tmp_path: Path) -> None:
    root = _message(
        "<m0@saltmarsh.example>",
        "Lantern 4.2 freeze",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Fri, 09 Jan 2032 09:00:00 +0000",
        "Feature freeze for 4.2 starts Monday.",
    )
    orphan = _message(
        "<m9@saltmarsh.example>",
        "Re: Re: Lantern 4.2 freeze",
        "Pia Ruud <pia@kelpworks.example>",
        "Fri, 09 Jan 2032 15:00:00 +0000",
        "Does the freeze include translations?",
        in_reply_to="<not-archived@saltmarsh.example>",
        references=["<not-archived@saltmarsh.example>"],
    )
    stranger = _message(
        "<s0@saltmarsh.example>",
        "Re: Something else",
        "Olek Brandt <olek@fjordlamp.example>",
        "Fri, 09 Jan 2032 16:00:00 +0000",
        "A reply to a thread we do not have.",
        in_reply_to="<elsewhere@saltmarsh.example>",
    )
    threads = load_threads(_mbox(tmp_path, [orphan, stranger, root]))
    assert [t.title for t in threads] == ["Lantern 4.2 freeze", "Something else"]
    freeze = _thread_titled(threads, "Lantern 4.2 freeze")
    assert [c.id for c in freeze.comments] == ["<m0@saltmarsh.example>", "<m9@saltmarsh.example>"]
    assert [c.number for c in freeze.comments] == [0, 1]
    assert freeze.comments[1].text == "Does the freeze include translations?"
    other = _thread_titled(threads, "Something else")
    assert [c.id for c in other.comments] == ["<s0@saltmarsh.example>"]


def test_message_without_message_id_gets_a_position_id(tmp_path: Path) -> None:
    msg = _message(
        "<x@saltmarsh.example>",
        "No id",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Fri, 09 Jan 2032 09:00:00 +0000",
        "Sent by a very old client.",
    )
    del msg["Message-ID"]
    thread = load_threads(_mbox(tmp_path, [msg]))[0]
    assert thread.comments[0].id == "<message-1@mbox>"
    assert thread.comments[0].text == "Sent by a very old client."


def test_bare_message_without_from_line_is_a_thread_of_one(tmp_path: Path) -> None:
    msg = _message(
        "<nf@saltmarsh.example>",
        "No separator",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Fri, 09 Jan 2032 09:00:00 +0000",
        "A bare message without the mbox From line.",
    )
    path = tmp_path / "bare.eml"
    path.write_bytes(msg.as_bytes(policy=_POLICY))
    assert detect_format(read_source(path)) == "mbox"
    for forced in (None, "mbox"):
        [thread] = load_threads(path, forced)
        assert thread.id == "<nf@saltmarsh.example>"
        assert thread.title == "No separator"
        assert [(c.number, c.author, c.text) for c in thread.comments] == [
            (0, "Ines Dorrow", "A bare message without the mbox From line.")
        ]


def test_file_neither_mbox_nor_message_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.mbox"
    path.write_text("Meeting notes\n\nSubject: not a header block, just text\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_threads(path, "mbox")
    error = info.value
    assert str(error).startswith(f"{path}:1:")
    assert "not an mbox archive" in error.problem
    assert "'From '" in error.problem
    # Left to detection, it is not taken for mail either.
    with pytest.raises(SourceError) as detected:
        load_threads(path)
    assert "unrecognised thread format" in detected.value.problem


def test_duplicate_message_id_is_an_error(tmp_path: Path) -> None:
    one = _message(
        "<same@saltmarsh.example>",
        "Dup",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Fri, 09 Jan 2032 09:00:00 +0000",
        "One.",
    )
    two = _message(
        "<same@saltmarsh.example>",
        "Dup",
        "Olek Brandt <olek@fjordlamp.example>",
        "Fri, 09 Jan 2032 10:00:00 +0000",
        "Two.",
    )
    path = _mbox(tmp_path, [one, two])
    with pytest.raises(SourceError) as info:
        load_threads(path)
    assert "duplicate Message-ID <same@saltmarsh.example>" in info.value.problem
    assert info.value.line is not None and info.value.line > 1


def _mbox_bytes(chunks: list[tuple[str, bytes]]) -> bytes:
    """An mbox of raw messages, each after its own From_ line (archives merged from several sources)."""
    return b"".join(f"From {sender}\n".encode() + raw + b"\n" for sender, raw in chunks)


def test_identical_copies_are_dropped_and_counted(tmp_path: Path) -> None:
    by_id = {str(m["Message-ID"]): m for m in _two_threads()}
    root, reply = by_id["<a1@saltmarsh.example>"], by_id["<a2@saltmarsh.example>"]
    root_bytes, reply_bytes = root.as_bytes(policy=_POLICY), reply.as_bytes(policy=_POLICY)
    # The same mail from two archives: another From_ line; the second copy also carries a mail reader's Status
    # header and a refolded Subject.
    refolded = root_bytes.replace(b"Subject: Legacy wick parser", b"Subject: Legacy\n  wick parser")
    status_copy = b"Status: RO\n" + refolded
    path = tmp_path / "merged.mbox"
    path.write_bytes(
        _mbox_bytes(
            [
                ("a@saltmarsh.example Mon Jan  5 09:00:00 2032", root_bytes),
                ("a@saltmarsh.example Mon Jan  5 11:30:00 2032", reply_bytes),
                ("archive@fjordlamp.example Tue Jan  6 00:00:00 2032", root_bytes),
                ("archive@fjordlamp.example Tue Jan  6 00:00:00 2032", status_copy),
                ("archive@fjordlamp.example Tue Jan  6 00:00:00 2032", reply_bytes),
            ]
        )
    )
    assert detect_format(read_source(path)) == "mbox"
    [thread] = load_threads(path)
    assert [c.id for c in thread.comments] == ["<a1@saltmarsh.example>", "<a2@saltmarsh.example>"]
    assert [c.text for c in thread.comments] == [ROOT_A, REPLY_A]
    assert thread.notes == (
        "3 duplicate copies of messages in this thread dropped (same Message-ID, same headers and body)",
    )
    assert thread.to_dict()["thread"]["notes"] == list(thread.notes)


def test_different_messages_under_one_message_id_name_both_positions(tmp_path: Path) -> None:
    root = next(m for m in _two_threads() if m["Message-ID"] == "<a1@saltmarsh.example>")
    edited = root.as_bytes(policy=_POLICY).replace(b"release 4.", b"release 5.")
    path = tmp_path / "conflict.mbox"
    path.write_bytes(
        _mbox_bytes(
            [
                ("a@saltmarsh.example Mon Jan  5 09:00:00 2032", root.as_bytes(policy=_POLICY)),
                ("b@saltmarsh.example Mon Jan  5 09:00:00 2032", edited),
            ]
        )
    )
    with pytest.raises(SourceError) as info:
        load_threads(path)
    second_line = path.read_bytes().split(b"\n").index(b"From b@saltmarsh.example Mon Jan  5 09:00:00 2032") + 1
    assert info.value.line == second_line
    assert info.value.problem == (
        f"duplicate Message-ID <a1@saltmarsh.example> with different content: message 2 (line {second_line}) "
        "and message 1 (line 1)"
    )


def test_from_paragraph_in_a_body_is_not_a_separator(tmp_path: Path) -> None:
    body = "The wick parser is gone.\n\nFrom now on the harbour importer reads the new format."
    msg = _message(
        "<fp@saltmarsh.example>",
        "Parser removed",
        "Ines Dorrow <ines@saltmarsh.example>",
        "Fri, 09 Jan 2032 09:00:00 +0000",
        None,
    )
    raw = msg.as_bytes(policy=_POLICY).rstrip(b"\n") + b"\n\n" + body.encode() + b"\n"
    path = tmp_path / "unescaped.mbox"
    path.write_bytes(b"From ines@saltmarsh.example Fri Jan  9 09:00:00 2032\n" + raw)
    [thread] = load_threads(path)
    assert [c.text for c in thread.comments] == [body]
