"""Own words in mail: attribution lines in every common form, signatures, trailer blocks and patches are set
apart (kept in the text, shown dimmed, never scored), and nothing of the author's prose is swallowed.

The mails are invented, in the shape of kernel mailing-list traffic; names, addresses and code are made up.
"""

from __future__ import annotations

import email.policy
import io
import re
from email.generator import BytesGenerator
from email.message import EmailMessage
from pathlib import Path

import pytest

from moderation_core.segmentation import mailparts, segment_text, segment_thread
from moderation_core.segmentation.mailparts import classify_parts
from moderation_core.segmentation.quoteindex import QuoteIndex
from moderation_core.thread import Comment, Thread
from moderator.cli.render import thread_table
from moderator.sources import load_thread
from moderator.tui.components.comment_view import comment_body, not_prose_label

COVER = (
    "The hwmon core can call ->read() for a channel after the driver has torn\n"
    "down its regmap on unbind. Take the device lock around the read path and\n"
    "bail out early when the device is going away.\n"
    "\n"
    "This was found with KASAN while unbinding the driver in a loop."
)
TRAILERS = "Reported-by: Pia Ruud <pia@kelpworks.example>\nSigned-off-by: Olek Brandt <olek@fjordlamp.example>"
NOTES = "v2: take the lock in the caller instead, as Ines suggested."
DIFFSTAT = " drivers/hwmon/lantern-hwmon.c | 11 +++++++----\n 1 file changed, 7 insertions(+), 4 deletions(-)"
DIFF = (
    "diff --git a/drivers/hwmon/lantern-hwmon.c b/drivers/hwmon/lantern-hwmon.c\n"
    "index 3f2a1b0..8c9d4e2 100644\n"
    "--- a/drivers/hwmon/lantern-hwmon.c\n"
    "+++ b/drivers/hwmon/lantern-hwmon.c\n"
    "@@ -112,10 +112,13 @@ static int lantern_read(struct device *dev, enum hwmon_sensor_types type,\n"
    " {\n"
    " \tstruct lantern_data *data = dev_get_drvdata(dev);\n"
    "-\tint ret;\n"
    "+\tint ret = -ENODEV;\n"
    "\n"  # an empty context line whose space the mail client stripped
    "-\tret = regmap_read(data->regmap, LANTERN_REG_TEMP, &val);\n"
    "-\tif (ret)\n"
    "-\t\treturn ret;\n"
    "+\tmutex_lock(&data->lock);\n"
    "+\tif (data->regmap)\n"
    "+\t\tret = regmap_read(data->regmap, LANTERN_REG_TEMP, &val);\n"
    "+\tmutex_unlock(&data->lock);\n"
    "+\tif (ret)\n"
    "+\t\treturn ret;\n"
    " \t*temp = val * 125;\n"
    " \treturn 0;\n"
    " }"
)
PATCH_MAIL = f"{COVER}\n\n{TRAILERS}\n---\n{NOTES}\n\n{DIFFSTAT}\n\n{DIFF}\n-- \n2.43.0\n"

REVIEW_MAIL = (
    "On Tue, 3 Mar 2026 at 10:12, Olek Brandt\n"
    "<olek@fjordlamp.example> wrote:\n"
    "> The hwmon core can call ->read() for a channel after the driver has torn\n"
    "> down its regmap on unbind.\n"
    "\n"
    "Good catch, and thanks for the KASAN report.\n"
    "\n"
    "> -\tret = regmap_read(data->regmap, LANTERN_REG_TEMP, &val);\n"
    "> +\tmutex_lock(&data->lock);\n"
    "\n"
    "Please use guard(mutex)(&data->lock) here, it reads better\n"
    "-- and it cannot be forgotten on a new error path.\n"
    "\n"
    "Otherwise looks good to me.\n"
    "\n"
    "Reviewed-by: Ines Dorrow <ines@saltmarsh.example>\n"
    "\n"
    "-- \n"
    "All problems are caused by the one who insults the compiler.\n"
)

ACK_MAIL = (
    "* Olek Brandt <olek@fjordlamp.example> [2026-03-03 11:40:02 +0100]:\n"
    "> bail out early when the device is going away.\n"
    "\n"
    "Two things the changelog could say:\n"
    "- the regmap is gone after unbind, not just unused\n"
    "- this is a fix for stable\n"
    "\n"
    'Fixes: 1a2b3c4d5e6f ("hwmon: lantern: add driver")\n'
    "Cc: stable@vger.example.org\n"
    "Link: https://lore.example.org/r/20260303101200.1234-1-olek@fjordlamp.example\n"
    "Acked-by: Pia Ruud <pia@kelpworks.example>\n"
    "--\n"
    "Pia\n"
)


def kinds(comment: Comment) -> list[str]:
    return [segment.kind for segment in comment.segments]


def mail_thread(*bodies: str, parents: dict[int, int] | None = None) -> list[Comment]:
    """Mail as the mbox importer hands it over: messages known by their Message-ID."""
    comments = [
        Comment(number=n, id=f"<m{n}@fjordlamp.example>", text=body, author=f"Person {n}")
        for n, body in enumerate(bodies)
    ]
    segment_thread(comments, parents=parents if parents is not None else {n: n - 1 for n in range(1, len(bodies))})
    return comments


def test_patch_mail_is_judged_by_its_cover_prose() -> None:
    patch = mail_thread(PATCH_MAIL)[0]
    assert kinds(patch) == ["own", "trailer", "patch", "own", "patch", "signature"]
    assert patch.own_text == f"{COVER}\n{NOTES}"
    by_kind = {segment.kind: segment.text for segment in patch.segments}
    assert by_kind["trailer"] == TRAILERS
    assert by_kind["signature"] == "-- \n2.43.0"
    diff = patch.segments[4].text
    assert diff == f"{DIFFSTAT}\n\n{DIFF}"
    assert not_prose_label(patch.segments[4]) == f"patch: {diff.count(chr(10)) + 1} lines"
    assert patch.text == PATCH_MAIL  # the text itself is never changed


def test_review_reply_keeps_its_prose_and_drops_quotes_trailers_and_the_quip() -> None:
    review = mail_thread(PATCH_MAIL, REVIEW_MAIL)[1]
    assert kinds(review) == ["attribution", "quote", "own", "quote", "own", "trailer", "signature"]
    assert review.own_text == (
        "Good catch, and thanks for the KASAN report.\n"
        "Please use guard(mutex)(&data->lock) here, it reads better\n"
        "-- and it cannot be forgotten on a new error path.\n"
        "\n"
        "Otherwise looks good to me."
    )
    assert review.segments[0].text == "On Tue, 3 Mar 2026 at 10:12, Olek Brandt\n<olek@fjordlamp.example> wrote:"
    assert [q.comment for q in review.quotes] == [0, 0]
    assert review.segments[-1].text == "-- \nAll problems are caused by the one who insults the compiler."
    assert "insults" not in review.own_text


def test_mutt_attribution_fixes_link_and_a_short_signature() -> None:
    comments = mail_thread(PATCH_MAIL, REVIEW_MAIL, ACK_MAIL, parents={1: 0, 2: 0})
    ack = comments[2]
    assert kinds(ack) == ["attribution", "quote", "own", "trailer", "signature"]
    assert ack.own_text == (
        "Two things the changelog could say:\n"
        "- the regmap is gone after unbind, not just unused\n"
        "- this is a fix for stable"
    )
    assert ack.segments[3].text.startswith("Fixes: 1a2b3c4d5e6f") and ack.segments[3].text.endswith(
        "kelpworks.example>"
    )
    assert ack.segments[4].text == "--\nPia"
    assert [q.comment for q in ack.quotes] == [0]


@pytest.mark.parametrize(
    "attribution",
    [
        "Jane Doe <jane@example.org> wrote:",
        "On Tue, 3 Mar 2026 at 10:12, Jane Doe\n<jane@example.org> wrote:",
        "On Tue, Mar 3, 2026 at 10:12 AM Jane Doe\nwrote:",
        "In message <20260303101200.GA1234@example.org> you wrote:",
        "Yesterday at 15:02, Jane Doe wrote:",
        "Quoting Jane Doe (2026-03-03 10:12:00):",
        "* Jane Doe <jane@example.org> [2026-03-03 10:12:00 +0100]:",
        "On Tue, Mar 3, 2026 at 10:12 AM Jane Doe <jane@example.org> wrote:",
        "On 03/03/2026 10:12, Jane Doe wrote:",
        "Am 03.03.2026 um 10:12 schrieb Jane Doe:",
        "Le 03/03/2026 à 10:12, Jane Doe a écrit :",
    ],
)
def test_attribution_forms(attribution: str) -> None:
    earlier = "The scheduler tick is stopped before the last timer fires."
    reply = mail_thread(earlier, f"{attribution}\n> {earlier}\n\nThen the timer needs its own wakeup.")[1]
    lines = attribution.count("\n") + 1
    assert kinds(reply) == ["attribution", "quote", "own"]
    assert reply.segments[0].text == attribution
    assert reply.own_text == "Then the timer needs its own wakeup."
    assert [(q.comment, q.text) for q in reply.quotes] == [(0, earlier)]
    assert lines == reply.segments[0].text.count("\n") + 1


def test_a_line_ending_in_a_colon_without_a_quote_under_it_is_prose() -> None:
    reply = mail_thread("First.", "As Jane wrote:\nthe tick is stopped too early.\nSo: fix it.")[1]
    assert kinds(reply) == ["own"]
    assert reply.own_text == reply.text


def test_own_sentence_starting_with_quoting_stays_own() -> None:
    earlier = "The mirror job deletes old tarballs without asking anyone first."
    reply = mail_thread(
        earlier, f"Quoting the post from last night, since it was edited:\n> {earlier}\nPlease keep it."
    )[1]
    assert kinds(reply) == ["own", "quote", "own"]
    assert reply.own_text == "Quoting the post from last night, since it was edited:\nPlease keep it."


def test_top_posted_reply_signature_ends_where_the_quoted_message_starts() -> None:
    earlier = "Can we drop the legacy wick parser in release 4?"
    reply = mail_thread(
        earlier,
        f"Yes, please drop it.\n\n-- \nJane Doe\nLantern maintainers\n\nOn Mon, 2 Mar 2026, Person 0 wrote:\n> {earlier}\n",
    )[1]
    assert kinds(reply) == ["own", "signature", "attribution", "quote"]
    assert reply.own_text == "Yes, please drop it."
    assert reply.segments[1].text == "-- \nJane Doe\nLantern maintainers"


def test_mail_signature_of_twenty_lines_and_no_more() -> None:
    body = "Thanks, applied.\n-- \n" + "\n".join(f"footer line {n}" for n in range(20))
    assert kinds(mail_thread("x", body)[1]) == ["own", "signature"]
    longer = "Thanks, applied.\n-- \n" + "\n".join(f"footer line {n}" for n in range(21))
    assert kinds(mail_thread("x", longer)[1]) == ["own"]


def thread_of(*texts: str) -> list[Comment]:
    """A thread as the GitHub, Bugzilla and JSONL importers segment it: not mail (GitHub review comments have
    parents too, and are not mail either)."""
    comments = [Comment(number=n, id=str(9000 + n), text=t, author=f"Person {n}") for n, t in enumerate(texts)]
    segment_thread(comments, parents={n: n - 1 for n in range(1, len(texts))})
    return comments


def test_github_comment_with_a_signature_from_a_mail_client() -> None:
    comment = thread_of("The release build fails on arm64.\r\n\r\n-- \r\nJane Doe\r\nLantern QA\r\n")[0]
    assert kinds(comment) == ["own", "signature"]
    assert comment.own_text == "The release build fails on arm64.\r"


@pytest.mark.parametrize(
    "text",
    [
        # A bare "--" in Markdown is an afterthought as often as a signature.
        "The link was wrong.\n--\nEdit: fixed the link, sorry for the noise.",
        # Seven lines under the separator are more than a signature outside mail.
        "Done.\n-- \n" + "\n".join(f"line {n}" for n in range(7)),
        # Not at the end of the comment: a quote comes after it.
        "First part.\n-- \nMiddle.\n> quoted from somewhere\nAnd more prose after it, which is the author's.",
        # A dash at the start of a wrapped line is prose.
        "It works\n-- and that is final.",
        "It works -- for now.",
    ],
)
def test_prose_with_dashes_is_not_a_signature(text: str) -> None:
    comment = thread_of(text)[0]
    assert "signature" not in kinds(comment)
    assert comment.own_text == "\n".join(line for line in text.split("\n") if not line.startswith(">"))


def test_fenced_diff_is_a_patch_and_other_fences_are_left_alone() -> None:
    text = (
        "This fixes it for me:\n"
        "```diff\n"
        "-timeout = 5\n"
        "+timeout = 30\n"
        "```\n"
        "Otherwise looks good to me.\n"
        "```python\n"
        "print('--')\n"
        "-- \n"
        "x = 1\n"
        "```"
    )
    comment = thread_of(text)[0]
    assert kinds(comment) == ["own", "patch", "own"]
    assert comment.segments[1].text == "```diff\n-timeout = 5\n+timeout = 30\n```"
    assert (
        comment.own_text
        == "This fixes it for me:\nOtherwise looks good to me.\n```python\nprint('--')\n-- \nx = 1\n```"
    )


def test_unfenced_diff_in_a_github_comment_is_a_patch_and_prose_after_it_is_own() -> None:
    text = (
        "Try this:\n"
        "--- a/lantern.conf\n"
        "+++ b/lantern.conf\n"
        "@@ -1,2 +1,2 @@\n"
        " [core]\n"
        "-timeout = 5\n"
        "+timeout = 30\n"
        "Otherwise looks good to me.\n"
        "- a list item is not a removed line\n"
        "+1 from me"
    )
    comment = thread_of(text)[0]
    assert kinds(comment) == ["own", "patch", "own"]
    assert comment.own_text == "Try this:\nOtherwise looks good to me.\n- a list item is not a removed line\n+1 from me"


def test_lists_tables_and_prose_colons_are_not_patches_or_trailers() -> None:
    text = (
        "- first: the regmap\n"
        "- second: the lock\n"
        "\n"
        "Fixes: the crash on resume, hopefully.\n"
        "Note: tested on arm64 only.\n"
        "| a | b |\n"
        " table | 3 ++-\n"
        "---\n"
        "Signed-off-by is required for every commit, please add it."
    )
    comment = thread_of(text)[0]
    assert kinds(comment) == ["own"]
    assert comment.own_text == text


def test_trailer_block_after_prose_without_a_blank_line() -> None:
    comment = thread_of("Looks right to me.\nNote: tested on arm64.\nTested-by: Pia Ruud <pia@kelpworks.example>")[0]
    assert kinds(comment) == ["own", "trailer"]
    assert comment.own_text == "Looks right to me.\nNote: tested on arm64."


def test_signature_and_trailers_alone_leave_no_own_text() -> None:
    comments = thread_of("Reviewed-by: Ines Dorrow <ines@saltmarsh.example>", f"\n{DIFFSTAT}\n\n{DIFF}\n-- \n2.43.0\n")
    assert comments[0].own_text == "" and kinds(comments[0]) == ["trailer"]
    assert comments[1].own_text == "" and kinds(comments[1]) == ["patch", "signature"]
    table = thread_table(Thread(source="mail", comments=comments, title="t"))
    assert "(trailers only)" in table and "(patch, signature only)" in table


def test_classify_parts_marks_line_by_line() -> None:
    lines = PATCH_MAIL.split("\n")
    parts = classify_parts(lines, mail=True)
    assert parts[lines.index("---")] == "patch"
    assert parts[lines.index(NOTES)] is None
    assert parts[lines.index("-- ")] == "signature" and parts[lines.index("2.43.0")] == "signature"
    assert all(
        parts[n] == "trailer" for n, line in enumerate(lines) if line.startswith(("Reported-by", "Signed-off-by"))
    )


def test_standalone_text_loses_its_signature() -> None:
    # A one-comment thread (a starter corpus line) is segmented like this: no earlier comment, not mail.
    segments, _ = segment_text(
        "> you are clueless\nThat is not fair.\n-- \nAll problems are caused by the one who insults the compiler.",
        index=QuoteIndex(),
    )
    assert [(s.kind, s.text) for s in segments] == [
        ("quote", "you are clueless"),
        ("own", "That is not fair."),
        ("signature", "-- \nAll problems are caused by the one who insults the compiler."),
    ]


def test_review_screen_dims_what_is_not_prose() -> None:
    patch, review = mail_thread(PATCH_MAIL, REVIEW_MAIL)
    body = comment_body(patch)
    shown = body.plain
    assert "┆ trailers (not judged)" in shown
    assert "┆ signature (not judged)" in shown
    assert f"┆ {not_prose_label(patch.segments[4])} (not judged)" in shown
    assert "┆ -- \n┆ 2.43.0" in shown
    dimmed = {shown[span.start : span.end] for span in body.spans if span.style == "dim"}
    assert "2.43.0" in dimmed and "Signed-off-by: Olek Brandt <olek@fjordlamp.example>" in dimmed
    # Evidence offsets (into own_text) still land on the own words below the quotes and the trailers.
    start = review.own_text.index("Otherwise")
    review_body = comment_body(review, [(start, start + len("Otherwise"), "bold red")])
    marked = [review_body.plain[s.start : s.end] for s in review_body.spans if s.style == "bold red"]
    assert marked == ["Otherwise"]


_POLICY = email.policy.default.clone(linesep="\n")


def _mbox(tmp_path: Path, bodies: list[tuple[str, str, str | None]]) -> Path:
    out = io.BytesIO()
    for number, (sender, body, parent) in enumerate(bodies):
        msg = EmailMessage(policy=_POLICY)
        msg["From"] = sender
        msg["To"] = "lantern-hwmon@lists.saltmarsh.example"
        msg["Subject"] = (
            "[PATCH v2] hwmon: lantern: take the lock around reads"
            if number == 0
            else "Re: [PATCH v2] hwmon: lantern: take the lock around reads"
        )
        msg["Date"] = f"Tue, 03 Mar 2026 1{number}:00:00 +0000"
        msg["Message-ID"] = f"<m{number}@fjordlamp.example>"
        if parent:
            msg["In-Reply-To"] = parent
            msg["References"] = parent
        msg.set_content(body)
        out.write(b"From lantern-hwmon-bounces@saltmarsh.example Tue Mar  3 10:00:00 2026\n")
        BytesGenerator(out, mangle_from_=True, policy=_POLICY).flatten(msg)
        out.write(b"\n")
    path = tmp_path / "hwmon.mbox"
    path.write_bytes(out.getvalue())
    return path


def test_mbox_import_sets_mail_parts_apart(tmp_path: Path) -> None:
    path = _mbox(
        tmp_path,
        [
            ("Olek Brandt <olek@fjordlamp.example>", PATCH_MAIL, None),
            ("Ines Dorrow <ines@saltmarsh.example>", REVIEW_MAIL, "<m0@fjordlamp.example>"),
            ("Pia Ruud <pia@kelpworks.example>", ACK_MAIL, "<m0@fjordlamp.example>"),
        ],
    )
    thread = load_thread(path)
    patch, review, ack = thread.comments
    assert patch.own_text == f"{COVER}\n{NOTES}"
    assert review.own_text.endswith("Otherwise looks good to me.") and "insults" not in review.own_text
    assert kinds(ack)[-2:] == ["trailer", "signature"]
    assert review.reply_to == (0,) and ack.reply_to == (0,)


def test_hostile_mail_parts_complete() -> None:
    # No time is asserted (machines differ): these must simply finish, fast, without swallowing the text.
    many_separators = "-- \n" * 100_000
    comment = mail_thread("x", many_separators)[1]
    assert comment.text == many_separators
    hunk = "diff --git a/x b/x\n@@ -1,999999999 +1,999999999 @@\n" + "-x\n+y\n" * 50_000
    assert kinds(mail_thread("x", hunk)[1]) == ["patch"]
    trailers = "Signed-off-by: A <a@example.org>\n" * 100_000
    assert kinds(thread_of(trailers)[0]) == ["trailer"]
    quoted_colons = "> a quoted line ending in a colon:\n" * 100_000
    assert kinds(mail_thread("x", quoted_colons)[1]) == ["quote"]
    long_line = "Cc: " + "a" * 1_000_000
    assert kinds(thread_of(long_line)[0]) == ["own"]


class _CountingPattern:
    """A compiled pattern that counts its ``match`` calls (how many lines a rule looked at)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.calls = 0

    def match(self, text: str) -> re.Match[str] | None:
        self.calls += 1
        return self.pattern.match(text)


def test_diffstat_shaped_lines_without_a_summary_are_looked_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each line of such a run used to rescan the run to its end for the missing "N files changed": n * n / 2.
    n = 3_000
    counting = _CountingPattern(mailparts._DIFFSTAT_LINE)
    monkeypatch.setattr(mailparts, "_DIFFSTAT_LINE", counting)
    lines = ["diff x", "---", *([" drivers/hwmon/core.c | 4 ++--"] * n), "Thanks."]
    assert classify_parts(lines, mail=True) == [None] * len(lines)
    assert counting.calls <= 2 * n
    # The same run with its summary is a diffstat, under its cut line.
    counting.calls = 0
    lines[-1] = " 1 file changed, 2 insertions(+), 2 deletions(-)"
    assert classify_parts(lines, mail=True) == [None] + ["patch"] * (n + 2)
    assert counting.calls <= 2 * n
