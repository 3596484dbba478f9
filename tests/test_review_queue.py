"""``moderator review --queue-file``: walking a triage queue across threads.

The threads are two small JSONL files written here (all names and text invented for these tests), and the queue is
written by hand with ``moderator.scan.queue``'s writer, from the threads as the importer reads them: no model is
loaded (the review screens run without one), so every test is quick. Assertions are on what the screens draw and
on the decision log.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import re
import sys
from collections.abc import Sequence
from html import unescape
from pathlib import Path
from typing import Any

import pexpect
import pytest
from conftest import MODERATOR_BIN, run_cli, run_moderator
from rich.cells import cell_len
from rich.console import Console
from textual.widgets import Footer, Static

from moderation_core.taxonomy import load_taxonomy
from moderation_core.thread import Thread
from moderator.cli.review import load_queued_source
from moderator.log import DecisionLog, own_text_digest, read_log
from moderator.review import ReviewSession
from moderator.review.queue_walk import GONE_FILE, Opened, QueueWalk, ThreadSource, Unloadable
from moderator.scan.queue import (
    Evidence,
    QueueEntry,
    QueueHeader,
    QueueThread,
    ThreadOrigin,
    read_queue,
    sorted_entries,
    write_queue,
)
from moderator.sources import load_threads
from moderator.tui.app import ReviewApp, make_queue_app
from moderator.tui.components.help_screen import HelpScreen
from moderator.tui.components.queue_review_screen import QueueReviewScreen
from moderator.tui.components.queue_screen import QueueList, QueueScreen
from moderator.tui.components.summary_screen import SummaryScreen

TAXONOMY = load_taxonomy()
SIZE = (120, 36)

HARBOUR = [
    "Proposal: move the harbour importer to the new storage API before the spring release.",
    "Sounds reasonable, I can review the first patch next week.",
    "Only an idiot would ship the importer in this state, and you clearly are one.",
    "Please stop blocking this, or I will make sure everyone knows who you are.",
]
LANTERN = [
    "The lantern build fails on the mirror since Tuesday; logs attached.",
    "You people never test anything before you merge, it is pathetic and lazy.",
    "Reverting the cache change fixes it here.",
    "Whoever wrote this should be kept away from the repository for good.",
]


AUTHORS = ("Ines Varga", "Tomas Brandt", "Rafe Okoro", "Odile Marchetti-Lindqvist")


def write_thread(path: Path, thread_id: str, title: str, texts: Sequence[str]) -> Path:
    records = [
        {"thread": thread_id, "title": title, "number": n, "author": AUTHORS[n], "text": text}
        for n, text in enumerate(texts)
    ]
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n", encoding="utf-8")
    return path


def queue_entry(thread: Thread, path: Path, number: int, concern: float, flags: Sequence[str]) -> QueueEntry:
    """The entry ``moderator scan`` writes for comment ``number`` of ``thread`` (the only thread of ``path``)."""
    comment = thread.comment(number)
    origin = ThreadOrigin(path=str(path.resolve()), format=None, index=0)
    sentence = comment.own_text.split(",")[0]
    return QueueEntry(
        thread=QueueThread(thread.source, thread.id, thread.title, thread.url, origin),
        number=number,
        position=number,
        comment_id=comment.id,
        author=comment.author,
        concern=concern,
        flags=tuple(flags),
        review=not flags,
        suggested=() if flags else ("threat",),
        evidence=Evidence((list(flags) or ["threat"])[0], 0, len(sentence), sentence),
        own_text_sha256=own_text_digest(comment.own_text),
    )


class Files:
    """Two thread files and a queue over them: harbour #2 (0.95), lantern #1 (0.90), harbour #3 (0.80),
    harbour #0 (0.30: marked for review)."""

    def __init__(self, folder: Path) -> None:
        self.harbour = write_thread(folder / "harbour.jsonl", "harbour-17", "Harbour importer storage API", HARBOUR)
        self.lantern = write_thread(folder / "lantern.jsonl", "lantern-4", "Lantern build fails on the mirror", LANTERN)
        self.queue = folder / "queue.jsonl"
        self.log = folder / "decisions.yaml"
        [harbour] = load_threads(self.harbour)
        [lantern] = load_threads(self.lantern)
        entries = [
            queue_entry(harbour, self.harbour, 2, 0.95, ["personal-attack"]),
            queue_entry(lantern, self.lantern, 1, 0.90, ["inflammatory", "derogatory"]),
            queue_entry(harbour, self.harbour, 3, 0.80, ["threat"]),
            queue_entry(harbour, self.harbour, 0, 0.30, []),
        ]
        header = QueueHeader("guideline-classifier@test", "2032-02-02T10:00:00Z", threads=2, comments=8, entries=4)
        write_queue(self.queue, header, entries)


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return Files(tmp_path)


def queue_app(files: Files) -> ReviewApp:
    """The app as ``moderator review --queue-file`` builds it, without a model."""
    queue = read_queue(files.queue)
    return make_queue_app(
        queue, TAXONOMY, files.log, "tester", loader=load_queued_source, scorer=None, source_name=str(files.queue)
    )


def states(app: ReviewApp) -> list[str]:
    entries = app.query_one(QueueList) if app.screen is app.queue_screen else None
    assert entries is not None, "the queue list is not the screen shown"
    return [entries.state_of(index) for index in range(len(entries.walk.entries))]


def bar(app: ReviewApp) -> str:
    screen = app.screen
    assert isinstance(screen, QueueReviewScreen)
    return screen.bar


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


# -- the walk, without any screen ------------------------------------------------------------------------------
def test_walk_loads_each_file_once_and_finds_each_comment(files: Files) -> None:
    queue = read_queue(files.queue)
    loads: list[ThreadSource] = []

    def counting_loader(source: ThreadSource) -> list[Thread]:
        loads.append(source)
        return load_queued_source(source)

    walk = QueueWalk(queue.entries, counting_loader, "tester", {})
    assert walk.thread_count == 2 and walk.decided == [False] * 4
    opened = [walk.open(index) for index in (0, 2, 3, 1)]
    assert [source.path for source in loads] == [str(files.harbour.resolve()), str(files.lantern.resolve())]
    assert all(isinstance(result, Opened) and result.warning is None for result in opened)
    first, third = opened[0], opened[1]
    assert isinstance(first, Opened) and isinstance(third, Opened)
    assert first.thread is third.thread  # one thread object for the entries of one thread
    assert first.thread.comments[first.comment or 0].number == 2 and third.comment == 3
    assert walk.next_undecided(0) == 1 and walk.next_undecided(3) == 0 and walk.next_undecided(-1) == 0


def test_walk_counts_decided_as_the_session_does_and_wraps(files: Files) -> None:
    queue = read_queue(files.queue)
    log = DecisionLog(files.log, TAXONOMY.ids)
    [harbour] = load_threads(files.harbour)
    session = ReviewSession(harbour, TAXONOMY, log, "tester")
    session.go_to_index(2)
    session.accept()  # harbour #2 decided; the session moves on to #3
    session.skip()  # harbour #3 skipped: "later", so still undecided
    walk = QueueWalk(queue.entries, load_queued_source, "tester", log.effective())
    assert walk.decided == [True, False, False, False] and walk.decided_count() == 1
    assert walk.next_undecided(1) == 2  # the skipped comment is next
    assert walk.next_undecided(3) == 1  # wrapping round, passing the decided entry over
    others = QueueWalk(queue.entries, load_queued_source, "someone-else", log.effective())
    assert others.decided_count() == 0


def test_a_reordered_file_still_gives_the_thread_the_scan_saw(files: Files, tmp_path: Path) -> None:
    # The lantern file now holds another thread first: the entry's thread is found by its id, not its old place.
    other = {"thread": "other-1", "title": "Other", "number": 0, "author": "x", "text": "Unrelated."}
    files.lantern.write_text(json.dumps(other) + "\n" + files.lantern.read_text(encoding="utf-8"), encoding="utf-8")
    walk = QueueWalk(read_queue(files.queue).entries, load_queued_source, "tester", {})
    result = walk.open(1)
    assert isinstance(result, Opened) and result.thread.id == "lantern-4" and result.warning is None
    files.lantern.write_text(json.dumps(other) + "\n", encoding="utf-8")  # the thread gone from its file
    fresh = QueueWalk(read_queue(files.queue).entries, load_queued_source, "tester", {})
    gone = fresh.open(1)
    assert isinstance(gone, Unloadable) and "no longer holds the thread lantern-4" in gone.problem


def test_a_remote_origin_is_fetched_as_review_fetches_it_and_a_failed_fetch_marks_it(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    import moderator.cli.review as review_command
    from moderator.net.errors import FetchError

    [lantern] = load_threads(files.lantern)
    remote = queue_entry(lantern, files.lantern, 1, 0.9, ["inflammatory"])
    origin = ThreadOrigin(remote="octo/lantern#4", server="https://ghe.example/api/v3")
    remote = dataclasses.replace(remote, thread=dataclasses.replace(remote.thread, origin=origin))
    asked: list[tuple[str, str | None]] = []

    def fetched(args: argparse.Namespace, **_: object) -> str:
        asked.append((args.source, args.server))
        return str(files.lantern)  # where resolve_source keeps a fetched thread: a file the importers read

    monkeypatch.setattr(review_command, "resolve_source", fetched)
    opened = QueueWalk([remote, remote], load_queued_source, "tester", {}).open(1)
    assert isinstance(opened, Opened) and opened.thread.id == "lantern-4" and opened.warning is None
    assert asked == [("octo/lantern#4", "https://ghe.example/api/v3")]  # once for both entries

    def refused(args: argparse.Namespace, **_: object) -> str:
        raise FetchError(args.source, "401 Unauthorized: the token is expired")

    monkeypatch.setattr(review_command, "resolve_source", refused)
    walk = QueueWalk([remote], load_queued_source, "tester", {})
    assert walk.result(0) is None  # a remote thread is only known once fetched
    failed = walk.open(0)
    assert isinstance(failed, Unloadable) and failed.problem == "octo/lantern#4: 401 Unauthorized: the token is expired"
    assert walk.next_undecided(-1) is None and walk.open_next(-1) is None


def test_a_rate_limit_wait_while_fetching_a_queued_thread_reaches_the_caller(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue list's loader passes its on_wait down to the fetch, instead of the countdown on standard error
    (which the screen covers)."""
    import moderator.net.fetch as fetch_module
    from moderator.net.errors import FetchError

    def rate_limited(target: object, *, settings: Any) -> object:
        settings.on_wait(2.0, "GitHub rate limit")
        settings.on_wait(0.0, "GitHub rate limit")
        raise FetchError("octo/lantern#4", "401 Unauthorized")

    monkeypatch.setattr(fetch_module, "fetch_thread", rate_limited)
    told: list[tuple[float, str]] = []
    source = ThreadSource(remote="octo/lantern#4", server=None)
    with pytest.raises(FetchError):
        load_queued_source(source, on_wait=lambda seconds, reason: told.append((seconds, reason)))
    assert told == [(2.0, "GitHub rate limit"), (0.0, "GitHub rate limit")]


async def test_a_rate_limit_wait_is_shown_on_the_screen_once_per_wait(files: Files) -> None:
    [lantern] = load_threads(files.lantern)
    remote = queue_entry(lantern, files.lantern, 1, 0.9, ["inflammatory"])
    origin = ThreadOrigin(remote="octo/lantern#4", server=None)
    remote = dataclasses.replace(remote, thread=dataclasses.replace(remote.thread, origin=origin))
    header = QueueHeader("guideline-classifier@test", "2032-02-02T10:00:00Z", threads=1, comments=4, entries=1)
    write_queue(files.queue, header, [remote])
    reason = "[b]GitHub[/b] rate limit for octo/lantern#4"

    def fetching(source: ThreadSource) -> list[Thread]:  # runs in the app's loading worker, as a fetch does
        for seconds in (30.0, 29.0, 28.0, 0.0):
            app.report_fetch_wait(seconds, reason)
        return load_threads(files.lantern)

    app = make_queue_app(read_queue(files.queue), TAXONOMY, files.log, "tester", loader=fetching, scorer=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueReviewScreen)  # the thread opened once the wait was over
        shown = [str(n.message) for n in app._notifications if "rate limit" in str(n.message)]
        assert shown == [f"{reason}: retrying in 30 s"]  # once per wait, not once a second


# -- the screens driven by keys ---------------------------------------------------------------------------------
async def test_open_decide_next_in_queue_across_threads_and_back(files: Files) -> None:
    app = queue_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert states(app) == ["·"] * 4
        assert queue.header_text().startswith("4 entries in 2 threads  ·  0 decided")
        first, second = queue.query_one(QueueList).text_of_entry(0)
        assert "#2 Rafe Okoro" in first and "Harbour importer storage API (harbour-17)" in first
        assert second.strip().startswith("personal-attack: Only an idiot would ship the importer in this state")

        await pilot.press("enter")
        await settle(pilot)
        harbour_screen = app.screen
        assert isinstance(harbour_screen, QueueReviewScreen)
        assert app.session.thread.id == "harbour-17" and app.session.current.number == 2
        assert bar(app) == "queue 1/4: comment #2, concern 95 · w: next undecided · esc: queue list"
        await pilot.press("a")  # harbour #2: fine, saved

        await pilot.press("w")  # the next undecided entry: lantern #1, in the other thread
        await settle(pilot)
        lantern_screen = app.screen
        assert isinstance(lantern_screen, QueueReviewScreen) and lantern_screen is not harbour_screen
        assert app.session.thread.id == "lantern-4" and app.session.current.number == 1
        assert app.screen_stack == [queue, lantern_screen]  # the harbour screen replaced, not stacked
        await pilot.press("1", "enter")  # lantern #1: the label keyed 1

        await pilot.press("w")  # harbour #3: back to the first thread
        await settle(pilot)
        harbour_again = app.screen
        assert app.session.thread.id == "harbour-17" and app.session.current.number == 3
        await pilot.press("w")  # harbour #0: the same thread, so the same screen moves to it
        await settle(pilot)
        assert app.screen is harbour_again and app.session.current.number == 0
        assert bar(app).startswith("queue 4/4: comment #0")

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen_stack == [queue] and states(app) == ["decided", "decided", "·", "·"]
        assert queue.cursor == 3  # on the entry last shown
        assert "2 decided" in queue.header_text()
        await pilot.press("q")
    saved = read_log(files.log, TAXONOMY.ids).entries
    assert [(e.data["thread"]["id"], e.key[3], e.action) for e in saved] == [
        ("harbour-17", 2, "ok"),
        ("lantern-4", 1, "flag"),
    ]
    assert saved[1].labels == (TAXONOMY.labels[0].id,)


async def test_w_in_the_list_opens_the_first_undecided_entry_and_help_names_the_keys(files: Files) -> None:
    app = queue_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "a", "escape")  # harbour #2 decided
        await settle(pilot)
        await pilot.press("home", "w")
        await settle(pilot)
        assert app.session.thread.id == "lantern-4" and app.session.current.number == 1
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=76, record=True, file=io.StringIO())
        console.print(app.screen.contents())
        shown = " ".join(console.export_text().split())
        assert "next undecided entry of the triage queue" in shown and "back to the queue list" in shown
        titles = [command.title for command in app.get_system_commands(app.screen_stack[-2])]
        assert "Next undecided entry of the queue" in titles


async def test_a_comment_changed_since_the_scan_is_said_over_the_screen(files: Files) -> None:
    changed = list(HARBOUR)
    changed[2] = "Only an idiot would ship this. (Edited: sorry, that was uncalled for.)"
    write_thread(files.harbour, "harbour-17", "Harbour importer storage API", changed)
    app = queue_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.current.number == 2  # the moderator still decides it, knowing
        assert bar(app).startswith("⚠ comment #2 changed since the scan")
        assert app.screen.query_one("#queue-bar", Static).has_class("-warning")
        await pilot.press("w")  # lantern #1: as scanned, no warning
        await settle(pilot)
        assert not app.screen.query_one("#queue-bar", Static).has_class("-warning")
        await pilot.press("escape")
        await pilot.pause()
        assert states(app)[:3] == ["changed", "·", "·"]  # harbour #3 is unchanged


async def test_the_summary_at_the_end_of_a_queued_thread_leads_back_to_the_queue_list(files: Files) -> None:
    app = queue_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(20):  # past the thread's last comment: its summary
            if isinstance(app.screen, SummaryScreen):
                break
            await pilot.press("j")
            await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        shown = str(app.screen.query_one("#summary-text", Static).render())
        assert "q: back to the queue list" in shown and "thread list" not in shown
        await pilot.press("q")
        await settle(pilot)
        assert app.screen is app.queue_screen


async def test_an_entry_whose_file_is_gone_is_marked_unloadable(files: Files) -> None:
    files.lantern.unlink()
    app = queue_app(files)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert states(app) == ["·", "unloadable", "·", "·"]  # known from the start: no load needed
        assert "1 unloadable" in queue.header_text()
        result = queue.walk.result(1)
        assert isinstance(result, Unloadable) and result.problem.startswith(GONE_FILE)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is queue  # nothing opened, and no crash
        assert any(GONE_FILE in str(n.message) for n in app._notifications)
        await pilot.press("up", "enter", "a", "w")  # from harbour #2, w passes the unloadable entry over
        await settle(pilot)
        assert app.session.current.number == 3


async def test_the_queue_list_fits_80_by_24(files: Files) -> None:
    app = queue_app(files)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        entries = app.query_one(QueueList)
        width = entries.scrollable_content_region.width
        assert 70 <= width <= 80
        for index in range(4):
            assert all(cell_len(line) == width for line in entries.text_of_entry(index))
        svg_text = screen_text(app.export_screenshot())
        assert "4 entries in 2 threads" in svg_text
        assert "Harbour importer storage" in svg_text and "…" in svg_text  # the long lines cut, not wrapped
        shown = visible_footer_actions(app, 80)
        assert {"open", "next_undecided", "quit"} <= shown
        await pilot.press("enter")
        await settle(pilot)
        assert {"help", "leave_to_list", "next_in_queue"} <= visible_footer_actions(app, 80)
        assert "w: next undecided · esc: queue list" in screen_text(app.export_screenshot())
        assert app.screen.query_one("#queue-bar", Static).region.height == 1


def screen_text(svg: str) -> str:
    """The text an SVG screenshot shows (its <text> elements, unescaped), line pieces joined by spaces."""
    return " ".join(unescape(piece).replace("\xa0", " ") for piece in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def visible_footer_actions(app: ReviewApp, columns: int) -> set[str]:
    footer = app.screen.query_one(Footer)
    keys = footer.query("FooterKey")
    return {key.action for key in keys if key.region.width and key.region.right <= columns}  # type: ignore[attr-defined]


# -- the command ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("damage", "line"),
    [
        (lambda text: text[: text.rindex("{") + 20], 5),  # torn: the last entry cut off mid-line
        (lambda text: text.replace('"concern": 0.9,', '"concern": 9,', 1), 3),
        (lambda text: text.replace("moderator-queue/1", "moderator-queue/7", 1), 1),
    ],
)
def test_a_bad_queue_file_is_one_line_naming_file_and_line(files: Files, damage, line: int) -> None:  # type: ignore[no-untyped-def]
    files.queue.write_text(damage(files.queue.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_cli("review", "--queue-file", str(files.queue), "--log", str(files.log))
    assert result.returncode == 2 and result.stdout == ""
    [message] = result.stderr.splitlines()
    assert message.startswith(f"moderator: error: {files.queue}:{line}: ")
    assert not files.log.exists()


def test_a_torn_queue_in_the_installed_command_exits_2_without_a_traceback(files: Files) -> None:
    text = files.queue.read_text(encoding="utf-8")
    files.queue.write_text(text[: len(text) - 30], encoding="utf-8")
    result = run_moderator("review", "--queue-file", str(files.queue), "--log", str(files.log))
    assert result.returncode == 2 and result.stdout == ""
    [message] = result.stderr.splitlines()
    assert message.startswith(f"moderator: error: {files.queue}:5: not JSON")
    assert "Traceback" not in result.stderr and not files.log.exists()


def test_source_and_queue_file_are_one_or_the_other(files: Files) -> None:
    both = run_cli("review", str(files.harbour), "--queue-file", str(files.queue))
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    neither = run_cli("review")
    assert neither.returncode == 2 and "one of the arguments SOURCE --queue-file is required" in neither.stderr
    thread = run_cli("review", "--queue-file", str(files.queue), "--thread", "x", "--log", str(files.log))
    assert thread.returncode == 2
    assert thread.stderr.strip() == (
        "moderator: error: --thread goes with SOURCE, not --queue-file: the queue names each entry's thread"
    )
    assert not files.log.exists()
    help_text = run_cli("review", "--help").stdout
    assert "--queue-file QUEUE" in help_text and "moderator review --queue-file queue.jsonl" in help_text


def test_an_empty_queue_says_so_and_opens_nothing(tmp_path: Path) -> None:
    queue = tmp_path / "empty.jsonl"
    write_queue(queue, QueueHeader("m@x", "2032-02-02T10:00:00Z", threads=3, comments=9, entries=0), [])
    result = run_cli("review", "--queue-file", str(queue), "--log", str(tmp_path / "log.yaml"))
    assert result.returncode == 0 and "the queue has no entry" in result.stdout
    assert not (tmp_path / "log.yaml").exists()


def test_entries_written_by_hand_keep_the_queue_order(files: Files) -> None:
    entries = read_queue(files.queue).entries
    assert sorted_entries(entries) == entries
    assert [(e.thread.id, e.number) for e in entries] == [
        ("harbour-17", 2),
        ("lantern-4", 1),
        ("harbour-17", 3),
        ("harbour-17", 0),
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pseudo-terminal")
def test_review_of_a_queue_in_a_real_terminal_at_80x24(files: Files) -> None:
    child = pexpect.spawn(
        str(MODERATOR_BIN),
        ["review", "--queue-file", str(files.queue), "--log", str(files.log), "--moderator", "pty-tester"],
        dimensions=(24, 80),
        env={"TERM": "xterm-256color", "PATH": str(MODERATOR_BIN.parent), "LANG": "C.UTF-8"},
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect("4 entries in 2 threads")
        child.expect("Next undecided")
        child.send("\r")
        child.expect("queue 1/4: comment #2")
        child.send("a")
        child.expect("decided 1/4")
        child.send("w")
        child.expect("queue 2/4: comment #1")
        child.send("\x1b")  # escape: back to the list
        child.expect("1 decided")
        child.send("q")
        child.expect("decisions are saved in")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    [entry] = read_log(files.log, TAXONOMY.ids).entries
    assert entry.key[0] == "pty-tester" and entry.data["thread"]["id"] == "harbour-17" and entry.key[3] == 2
