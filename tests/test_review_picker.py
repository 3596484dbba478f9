"""``moderator review`` on a file of many threads: the thread picker, filtering, opening a thread and coming back.

The archives are built here (a 19-thread mbox with Python's ``email`` package, a 10,000-thread JSONL file); all
names and text are invented for these tests. Assertions are on the rows the picker draws and on the decision log.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Callable, Sequence
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pexpect
import pytest
from conftest import MODERATOR_BIN, run_cli, run_moderator
from rich.cells import cell_len

import moderator.review.catalog as catalog_module
import moderator.tui.app as app_module
from moderation_core.taxonomy import load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.cli.review import thread_with_id
from moderator.log import DecisionLog, read_log
from moderator.review import ReviewSession
from moderator.review.catalog import (
    NO_TITLE,
    ThreadCounts,
    catalog,
    filter_summaries,
    title_of,
    with_scores,
)
from moderator.scoring import load_scorer
from moderator.sources import load_threads
from moderator.tui.app import ReviewApp, make_app, make_picker_app
from moderator.tui.components.review_screen import ReviewScreen
from moderator.tui.components.thread_picker import ThreadList, ThreadPicker, fit_cells, row_text

TAXONOMY = load_taxonomy()
SIZE = (150, 45)
_POLICY = default_policy.clone(linesep="\n")
SUBJECTS = (
    "Legacy wick parser",
    "Mirror outage on Saturday",
    "Quorum for the steering vote",
    "Release checklist for 4.2",
    "Signing keys rotation",
    "Harbour importer crashes on empty files",
    "Code of conduct committee nominations",
    "Translation workflow proposal",
    "Nightly build artefacts missing",
    "Deprecating the XML config",
    "Mentoring programme for new contributors",
    "Budget for the spring sprint",
    "Documentation site redesign",
    "Security disclosure policy draft",
    "CI runners share a corrupted cache",
    "Naming of the new storage module",
    "Licence headers in generated files",
    "Ünïcödé titles and 日本語の件名 in a subject that is far too long to fit in any column of the list at all",
    "Meeting notes: January",
)
REPLIES = (
    "Thanks for raising this, I can look at it on Thursday.",
    "Could you attach the exact command line and the output of the failing step?",
)


def _message(thread: int, number: int) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = f"Person {thread + number} <person{thread + number}@saltmarsh.example>"
    message["To"] = "lantern-dev@lists.saltmarsh.example"
    subject = SUBJECTS[thread]
    message["Subject"] = subject if number == 0 else f"Re: {subject}"
    message["Date"] = f"Mon, {1 + thread:02d} Feb 2032 {9 + number:02d}:00:00 +0000"
    message["Message-ID"] = f"<t{thread}.m{number}@saltmarsh.example>"
    if number:
        message["In-Reply-To"] = f"<t{thread}.m{number - 1}@saltmarsh.example>"
        message["References"] = " ".join(f"<t{thread}.m{n}@saltmarsh.example>" for n in range(number))
    body = f"A note about {subject.lower()}; it needs a decision this month." if number == 0 else REPLIES[number - 1]
    message.set_content(body)
    return message


def write_archive(folder: Path) -> Path:
    """An mbox of 19 threads of three messages each (a root and two replies)."""
    out = io.BytesIO()
    for thread in range(len(SUBJECTS)):
        for number in range(3):
            out.write(b"From lantern-dev-bounces@saltmarsh.example Mon Feb  2 08:00:00 2032\n")
            BytesGenerator(out, mangle_from_=True, policy=_POLICY).flatten(_message(thread, number))
            out.write(b"\n")
    path = folder / "lantern-dev.mbox"
    path.write_bytes(out.getvalue())
    return path


def write_many_threads(folder: Path, count: int = 10_000) -> Path:
    """A JSONL file of ``count`` one-comment threads; only thread 4242's title holds the word "zeppelin"."""
    lines = []
    for i in range(count):
        title = "Zeppelin hangar permits" if i == 4242 else f"Routine report number {i}"
        record = {"thread": f"t{i}", "title": title, "number": 0, "author": f"user{i % 97}", "text": "All fine."}
        lines.append(json.dumps(record))
    path = folder / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path)


def picker_app(source: Path, log: Path, *, scored: bool = True) -> ReviewApp:
    """The app exactly as ``moderator review`` builds it for a file of many threads."""
    threads = load_threads(source)
    scorer = load_scorer(None, TAXONOMY) if scored else None
    return make_picker_app(threads, TAXONOMY, log, "tester", scorer=scorer, source_name=str(source))


def shown_rows(app: ReviewApp) -> list[str]:
    threads = app.screen.query_one(ThreadList)
    return [threads.text_of_row(row) for row in range(len(threads.rows))]


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


# -- the catalog, without any screen -------------------------------------------------------------------------------
def test_catalog_has_one_summary_per_thread_titled_by_subject(archive: Path, tmp_path: Path) -> None:
    threads = load_threads(archive)
    summaries = catalog(threads, DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids), "tester")
    assert [s.title for s in summaries] == list(SUBJECTS)
    assert [s.position for s in summaries] == list(range(19))
    assert all(s.thread_id == f"<t{i}.m0@saltmarsh.example>" for i, s in enumerate(summaries))
    assert {(s.comments, s.decided, s.flagged, s.review) for s in summaries} == {(3, 0, None, None)}


def test_catalog_counts_decided_comments_as_the_session_does(archive: Path, tmp_path: Path) -> None:
    threads = load_threads(archive)
    log = DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids)
    session = ReviewSession(threads[4], TAXONOMY, log, "tester")
    session.accept()
    session.skip()  # "later": not decided
    decided = [s.decided for s in catalog(threads, DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids), "tester")]
    assert decided[4] == session.decided_count() >= 1 and sum(decided) == decided[4]


def test_title_falls_back_to_the_first_line_never_the_id() -> None:
    untitled = Thread("mail", [Comment(0, "\n\n  First words of the mail  \nsecond line")], id="<x@y.example>")
    assert title_of(untitled) == "First words of the mail"
    assert title_of(Thread("mail", [], id="<x@y.example>", title="  ")) == NO_TITLE


def test_filter_matches_every_word_in_title_id_or_author(archive: Path, tmp_path: Path) -> None:
    summaries = catalog(load_threads(archive), DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids), "tester")
    assert filter_summaries(summaries, "") == list(range(19))
    assert filter_summaries(summaries, "WICK") == [0]
    assert filter_summaries(summaries, "t3.m0@") == [3]  # the thread id
    assert filter_summaries(summaries, "person 20") == [18]  # an author of thread 18 only
    assert filter_summaries(summaries, "release checklist") == [3]
    assert filter_summaries(summaries, "checklist wick") == []
    assert filter_summaries(summaries, "日本語") == [17]


def test_filter_reads_only_what_the_catalog_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Filtering 10,000 threads never goes back to the threads: one substring test per precomputed text."""
    summaries = catalog(load_threads(write_many_threads(tmp_path)), DecisionLog(tmp_path / "l.yaml", ()), "tester")

    def refused(*args: object) -> str:
        raise AssertionError("filtering must not look at the threads again")

    monkeypatch.setattr(catalog_module, "title_of", refused)
    monkeypatch.setattr(catalog_module, "authors_of", refused)
    assert filter_summaries(summaries, "zeppelin") == [4242]
    assert len(filter_summaries(summaries, "user96")) == len(range(96, 10_000, 97))


def test_with_scores_fills_the_counts_and_refuses_a_wrong_length(archive: Path, tmp_path: Path) -> None:
    summaries = catalog(load_threads(archive), DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids), "tester")
    scored = with_scores(summaries, [ThreadCounts(i % 2, 1) for i in range(19)])
    assert [(s.flagged, s.review) for s in scored[:2]] == [(0, 1), (1, 1)]
    assert scored[0].haystack == summaries[0].haystack
    with pytest.raises(ValueError):
        with_scores(summaries, [])


def test_fit_cells_counts_wide_characters() -> None:
    assert fit_cells("日本語の件名", 7) == "日本語…"  # six cells of text, then the ellipsis
    assert fit_cells("abc", 5) == "abc  "
    row = row_text(SUBJECTS[17], ["3", "…", "…", "0"], 80)
    assert cell_len(row) == 80 and row.endswith("…       0") and "日本語の件名" in row


# -- the picker driven by keys ------------------------------------------------------------------------------------
async def test_picker_filter_open_decide_come_back_and_quit(archive: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = picker_app(archive, log)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ThreadPicker)
        rows = shown_rows(app)
        assert len(rows) == 19
        assert all(subject[:30] in row for subject, row in zip(SUBJECTS, rows))
        assert "…" not in rows[0]  # the quick scoring has filled the model's columns
        assert picker.header_text().startswith("19 threads in ") and archive.name in picker.header_text()
        with pytest.raises(LookupError):
            app.session  # noqa: B018 (no thread open yet)

        await pilot.press("slash", *"quorum")  # a "q" typed into the filter is a letter, not quit
        assert [row.split()[0] for row in shown_rows(app)] == ["Quorum"]
        assert "filter: quorum (1 shown)" in picker.header_text()
        await pilot.press("enter")
        await pilot.pause()
        assert app.review_screen is not None and app.screen_stack[-1] is app.review_screen
        assert app.session.thread.title == SUBJECTS[2]
        await settle(pilot)
        await pilot.press("a")  # the first comment is fine
        await pilot.press("q")
        await pilot.pause()
        assert app.screen_stack == [picker]  # the review screen gone, the picker shown again
        [row] = shown_rows(app)
        assert row.split()[-1] == "1"  # decided
        assert picker.current is not None and picker.current.decided == 1

        await pilot.press("escape")  # the filter cleared (enter left the filter field)
        assert len(shown_rows(app)) == 19
        await pilot.press("q")
    assert app.return_code == 0
    [entry] = read_log(log, TAXONOMY.ids).entries
    assert entry.data["thread"]["id"] == "<t2.m0@saltmarsh.example>" and entry.action == "ok"


async def test_cursor_keys_and_reopening_count_what_the_session_counts(archive: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.yaml"
    app = picker_app(archive, log, scored=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ThreadPicker)
        assert shown_rows(app)[0].split()[-3:-1] == ["-", "-"]  # no model: no counts, and no "…" for ever
        await pilot.press("slash", "x", "slash", "m", "escape")  # a "/" in the filter is text; escape leaves it
        assert picker.filter_text == "x/m" and picker.focused is None and shown_rows(app) == []
        await pilot.press("escape")  # on the list: the filter cleared
        assert picker.filter_text == "" and len(shown_rows(app)) == 19
        await pilot.press("end")
        assert picker.current is not None and picker.current.position == 18
        await pilot.press("home", "down", "down", "j", "up")
        assert picker.current is not None and picker.current.position == 2
        await pilot.press("pagedown")
        assert picker.current is not None and picker.current.position == 18  # the 19 rows fit on one page
        await pilot.press("pageup", "down", "enter")
        await pilot.pause()
        await pilot.press("a", "a", "q")
        await pilot.pause()
        await pilot.press("enter")  # the same thread again: the session starts where the log says
        await pilot.pause()
        assert app.session.decided_count() == 2
        await pilot.press("q")
        await pilot.pause()
        assert picker.current is not None and picker.current.decided == 2
    again = catalog(load_threads(archive), DecisionLog(log, TAXONOMY.ids), "tester")
    assert [s.decided for s in again][:3] == [0, 2, 0]
    other = catalog(load_threads(archive), DecisionLog(log, TAXONOMY.ids), "someone-else")
    assert sum(s.decided for s in other) == 0


async def test_counts_show_an_ellipsis_until_the_quick_scoring_is_done(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_counts(scorer: object, threads: Sequence[Thread], pause: Callable[[], None]) -> list[ThreadCounts]:
        release.wait(30)
        pause()
        return [ThreadCounts(1, 2)] * len(threads)

    monkeypatch.setattr(app_module, "_quick_counts", slow_counts)
    app = picker_app(archive, tmp_path / "log.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [row.split()[-3:-1] for row in shown_rows(app)] == [["…", "…"]] * 19
        assert isinstance(app.screen, ThreadPicker) and "scoring…" in app.screen.header_text()
        release.set()
        await settle(pilot)
        assert [row.split()[-3:-1] for row in shown_rows(app)] == [["1", "2"]] * 19


async def test_ten_thousand_threads_filter_by_drawing_only_the_rows_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = picker_app(write_many_threads(tmp_path), tmp_path / "log.yaml", scored=False)
    drawn = 0
    real_text_of_row = ThreadList.text_of_row

    def counted(self: ThreadList, row: int, width: int | None = None) -> str:
        nonlocal drawn
        drawn += 1
        return real_text_of_row(self, row, width)

    monkeypatch.setattr(ThreadList, "text_of_row", counted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        threads = app.screen.query_one(ThreadList)
        assert len(threads.rows) == 10_000
        await pilot.press("end")
        assert threads.current == 9_999
        await pilot.press("slash", *"zeppelin")
        assert threads.rows == [4242]
        assert "Zeppelin hangar permits" in threads.text_of_row(0)
        await pilot.press(*["backspace"] * len("zeppelin"))
        assert len(threads.rows) == 10_000 and threads.current == 4242  # the cursor stays on its thread
    # A few screens of rows for about twenty repaints: never a row per thread.
    assert drawn < 5_000


# -- the command ---------------------------------------------------------------------------------------------------
def test_unknown_thread_id_is_one_line_naming_the_file(archive: Path, tmp_path: Path) -> None:
    result = run_moderator("review", str(archive), "--thread", "<nope@x>", "--log", str(tmp_path / "log.yaml"))
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"moderator: error: {archive}: no thread with id '<nope@x>' among its 19 threads: ")
    assert "<t0.m0@saltmarsh.example> (Legacy wick parser)" in line and "and 14 more" in line
    assert "<t5.m0@" not in line and "Traceback" not in result.stderr
    assert not (tmp_path / "log.yaml").exists()


def test_thread_id_chooses_one_thread(archive: Path) -> None:
    threads = load_threads(archive)
    assert thread_with_id(threads, "<t7.m0@saltmarsh.example>", str(archive)) is threads[7]


def test_commands_that_take_one_thread_still_refuse_many(archive: Path, tmp_path: Path) -> None:
    result = run_cli("decide", str(archive), "--comment", "0", "--ok", "--log", str(tmp_path / "log.yaml"))
    assert result.returncode == 2
    assert "holds 19 threads" in result.stderr and "this command takes one" in result.stderr


def test_make_app_still_opens_one_thread_on_its_review_screen(archive: Path, tmp_path: Path) -> None:
    app = make_app(load_threads(archive)[0], TAXONOMY, tmp_path / "log.yaml", "tester", scorer=None)
    assert isinstance(app.get_default_screen(), ReviewScreen) and app.picker is None
    assert isinstance(app.session, ReviewSession) and app.session.thread.title == SUBJECTS[0]


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pseudo-terminal")
def test_review_of_an_archive_in_a_real_terminal_shows_the_picker(archive: Path, tmp_path: Path) -> None:
    log = tmp_path / "decisions.yaml"
    child = pexpect.spawn(
        str(MODERATOR_BIN),
        ["review", str(archive), "--log", str(log), "--moderator", "pty-tester"],
        dimensions=(45, 150),
        env={"TERM": "xterm-256color", "PATH": str(MODERATOR_BIN.parent), "LANG": "C.UTF-8"},
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect("19 threads in ")
        child.expect("Mentoring programme for new contributors")
        child.send("/")
        child.send("mirror")
        child.expect(r"\(1 shown\)")
        child.send("\r")
        child.expect("decided 0/3")
        child.send("a")
        child.expect("decided 1/3")
        child.send("q")
        child.expect("19 threads in ")
        child.send("q")
        child.expect("decisions are saved in")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    [entry] = read_log(log, TAXONOMY.ids).entries
    assert entry.data["thread"]["title"] == SUBJECTS[1] and entry.key[0] == "pty-tester"
