"""``moderator scan``: many threads into one triage queue (moderator.scan).

The queue must say of each comment exactly what scoring its thread alone says, whatever the route (one process,
worker processes, a Dask cluster, an archive read in parts); a file that cannot be imported must stop the scan
with one line naming it and nothing written; the queue reader must refuse what it cannot trust, naming the line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli, run_moderator

from moderation_core.errors import ModelError, SourceError
from moderator.scan import runner
from moderator.scan.queue import (
    FORMAT,
    QueueError,
    QueueHeader,
    queue_bytes,
    queue_order,
    read_queue,
    write_queue,
)
from moderator.scan.runner import FileLoader, ScanProgress, ThreadSourceError, file_sources, scan

CIVIL = [
    "The build passes on arm64 after the cache fix, thanks for the quick turnaround.",
    "Could you attach the full log from the failing run and the exact compiler version?",
    "I can reproduce this on Fedora 41 with the nightly build; bisecting now.",
    "The patch in the previous comment works for me too, marking as verified.",
]
HOSTILE = [
    "You clueless idiot, any update on this garbage??",
    "Whoever wrote this code should be fired, it is pathetic.",
    "Shut up and fix your broken code, nobody cares about your excuses.",
]


def thread_lines(thread: int, comments: int = 5) -> list[str]:
    """One fictional thread as JSONL records: civil comments with a hostile one in some threads."""
    lines = []
    for number in range(comments):
        pool = HOSTILE if (thread + number) % 4 == 3 else CIVIL
        text = f"{pool[(thread + number) % len(pool)]} (report {thread}, note {number})"
        record = {
            "thread": f"t{thread}",
            "title": f"Crash report {thread}",
            "number": number,
            "author": f"user{number}",
        }
        lines.append(json.dumps({**record, "id": f"c{thread}-{number}", "text": text}))
    return lines


def write_thread_files(folder: Path, count: int, first: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for thread in range(first, first + count):
        path = folder / f"thread-{thread:03d}.jsonl"
        path.write_text("\n".join(thread_lines(thread)) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def scorer() -> Any:
    from moderator.scoring import load_scorer

    return load_scorer()


@pytest.fixture
def folder(tmp_path: Path, samples: Path) -> Path:
    """Twelve small threads and the sample thread in three formats, in a folder and a subfolder."""
    root = tmp_path / "threads"
    write_thread_files(root, 8)
    write_thread_files(root / "more", 4, first=8)
    for name in ("bug-4127.yaml", "bug-4127.github.json", "bug-4127.mbox"):
        (root / "more" / name).write_bytes((samples / name).read_bytes())
    return root


def entry_key(entry: Any) -> tuple[str, int, int]:
    return (entry.thread.origin.path, entry.thread.origin.index, entry.position)


def without_created(queue_text: str) -> list[dict[str, Any]]:
    values = [json.loads(line) for line in queue_text.splitlines()]
    del values[0]["created"]
    return values


def test_queue_equals_scoring_each_thread_alone(folder: Path, scorer: Any) -> None:
    from moderator.scoring import score_thread
    from moderator.sources import load_threads

    sources = file_sources([str(folder)])
    result = scan(sources.loaders, scorer)
    expected = {}
    comments = threads = 0
    for loader in sources.loaders:
        for index, thread in enumerate(load_threads(loader.path)):
            threads += 1
            comments += len(thread.comments)
            for position, score in enumerate(score_thread(scorer, thread)):
                if score.flags or score.review:
                    expected[(str(loader.path), index, position)] = score
    assert len(expected) > 10  # the fixture flags or marks comments of several threads
    got = {entry_key(entry): entry for entry in result.entries}
    assert set(got) == set(expected)
    for key, score in expected.items():
        entry = got[key]
        assert entry.concern == score.concern
        assert list(entry.flags) == score.flags
        assert entry.review == score.review
        assert list(entry.suggested) == score.suggested
    assert (result.header.threads, result.header.comments, result.header.entries) == (threads, comments, len(got))
    assert result.header.model == scorer.model_id


def test_entries_name_their_comment_and_evidence(folder: Path, scorer: Any) -> None:
    from moderator.log.records import own_text_digest
    from moderator.sources import load_threads

    result = scan(file_sources([str(folder)]).loaders, scorer)
    for entry in result.entries:
        origin = entry.thread.origin
        thread = load_threads(origin.path, origin.format)[origin.index]
        comment = thread.comments[entry.position]
        assert (entry.number, entry.comment_id, entry.author) == (comment.number, comment.id, comment.author)
        assert (entry.thread.id, entry.thread.title, entry.thread.source) == (thread.id, thread.title, thread.source)
        assert entry.own_text_sha256 == own_text_digest(comment.own_text)
        assert entry.evidence is not None
        assert entry.evidence.label in (*entry.flags, *entry.suggested)
        assert comment.own_text[entry.evidence.start : entry.evidence.end] == entry.evidence.text


def test_queue_is_sorted_by_concern_then_thread_and_number(folder: Path, scorer: Any) -> None:
    entries = scan(file_sources([str(folder)]).loaders, scorer).entries
    assert entries == sorted(entries, key=queue_order)
    concerns = [entry.concern for entry in entries]
    assert concerns == sorted(concerns, reverse=True) and concerns[0] > concerns[-1]


def test_queue_file_round_trip(folder: Path, scorer: Any, tmp_path: Path) -> None:
    result = scan(file_sources([str(folder)]).loaders, scorer)
    path = tmp_path / "queue.jsonl"
    write_queue(path, result.header, result.entries)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["format"] == FORMAT and header["entries"] == len(lines) - 1 == len(result.entries)
    queue = read_queue(path)
    assert queue.header == result.header
    assert queue.entries == result.entries


def test_progress_is_reported_per_task(folder: Path, scorer: Any) -> None:
    seen: list[ScanProgress] = []
    loaders = file_sources([str(folder)]).loaders
    result = scan(loaders, scorer, progress=seen.append)
    assert len(seen) >= 2
    assert [p.sources_done for p in seen] == sorted(p.sources_done for p in seen)
    last = seen[-1]
    assert (last.sources_done, last.sources_total) == (len(loaders), len(loaders))
    assert (last.threads, last.comments) == (result.header.threads, result.header.comments)


def test_archive_read_here_in_parts_gives_the_same_queue(
    tmp_path: Path, scorer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive.jsonl"
    archive.write_text("\n".join(line for t in range(20) for line in thread_lines(t)) + "\n", encoding="utf-8")
    whole = scan([FileLoader(str(archive))], scorer)
    monkeypatch.setattr(runner, "ARCHIVE_BYTES", 100)  # read here, streamed
    monkeypatch.setattr(runner, "TASK_COMMENTS", 12)  # in parts of a few threads
    seen: list[ScanProgress] = []
    parts = scan([FileLoader(str(archive))], scorer, progress=seen.append)
    assert len(seen) > 5  # several tasks, the source finished by the last
    assert [p.sources_done for p in seen] == [0] * (len(seen) - 1) + [1]
    assert parts.entries == whole.entries
    assert (parts.header.threads, parts.header.comments) == (whole.header.threads, whole.header.comments) == (20, 100)


def test_jobs_2_gives_the_queue_of_jobs_1(folder: Path, scorer: Any, tmp_path: Path) -> None:
    """Whole process, worker processes: the same queue as scoring here (only the creation time differs)."""
    result = scan(file_sources([str(folder)]).loaders, scorer)
    output = tmp_path / "queue.jsonl"
    run = run_moderator("scan", str(folder), "--jobs", "2", "-o", str(output))
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    here = queue_bytes(result.header, result.entries).decode("utf-8")
    assert without_created(output.read_text(encoding="utf-8")) == without_created(here)


def test_dask_local_cluster_gives_the_queue_of_the_local_run(folder: Path, scorer: Any) -> None:
    from distributed import LocalCluster

    loaders = file_sources([str(folder)]).loaders
    local = scan(loaders, scorer)
    with LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None, worker_dashboard_address=None
    ) as cluster:
        on_dask = scan(loaders, scorer, dask_address=cluster.scheduler_address)
    assert on_dask.entries == local.entries
    assert on_dask.header.threads == local.header.threads and on_dask.header.comments == local.header.comments


def test_dask_worker_processes_give_the_queue_and_the_client_never_imports_scikit_learn(
    folder: Path, scorer: Any
) -> None:
    """Worker processes as Dask's nanny starts them (MALLOC_TRIM_THRESHOLD_ set, the model crossing as bytes): the
    queue of the local run, and the scanning process ships the checked model file without importing scikit-learn."""
    import subprocess
    import sys

    from distributed import LocalCluster

    local = scan(file_sources([str(folder)]).loaders, scorer)
    script = "\n".join(
        [
            "import sys",
            "from moderator.modelstore import model_in_use",
            "from moderator.scan.queue import queue_bytes",
            "from moderator.scan.runner import file_sources, scan",
            "result = scan(file_sources([sys.argv[2]]).loaders, model_in_use(None), dask_address=sys.argv[1])",
            "sys.stdout.buffer.write(queue_bytes(result.header, result.entries))",
            "print('sklearn' in sys.modules)",
        ]
    )
    with LocalCluster(
        n_workers=1, processes=True, threads_per_worker=2, dashboard_address=None, worker_dashboard_address=None
    ) as cluster:
        run = subprocess.run(
            [sys.executable, "-c", script, cluster.scheduler_address, str(folder)],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    assert run.returncode == 0, run.stderr
    *queue_lines, imported = run.stdout.splitlines()
    assert imported == "False"
    here = queue_bytes(local.header, local.entries).decode("utf-8")
    assert without_created("\n".join(queue_lines) + "\n") == without_created(here)


def test_a_dask_worker_checks_its_own_libraries_against_the_model_card(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model crosses to the workers as its checked file, and each worker unpickles it only if its libraries are
    the card's: here the card names another scikit-learn series, which only a worker checks now."""
    import shutil

    from distributed import LocalCluster

    from classifiers import trust
    from classifiers.persist import CARD_FILE, DEFAULT_MODEL_DIR, read_card

    model = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, model)
    card_text = (model / CARD_FILE).read_text(encoding="utf-8")
    installed = str(read_card(model)["libraries"]["scikit-learn"])
    (model / CARD_FILE).write_text(card_text.replace(f"scikit-learn: {installed}", "scikit-learn: 0.1.0"), "utf-8")
    assert read_card(model)["libraries"]["scikit-learn"] == "0.1.0"
    card = read_card(model)
    trust.add(card["artifact"]["sha256"], source="trusted", folder=model, model=str(card["model"]))
    with LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None, worker_dashboard_address=None
    ) as cluster:
        with pytest.raises(ModelError, match="built with scikit-learn 0.1.0, this is scikit-learn") as raised:
            scan(file_sources([str(folder)]).loaders, model, dask_address=cluster.scheduler_address)
    assert "\n" not in str(raised.value)


def test_a_broken_file_among_many_stops_the_scan_naming_it(folder: Path, tmp_path: Path) -> None:
    broken = folder / "more" / "thread-broken.json"
    broken.write_text('{"bugs": [{"id": 7, "comments": [', encoding="utf-8")
    output = tmp_path / "queue.jsonl"
    run = run_moderator("scan", str(folder), "-o", str(output), "--jobs", "1")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith(f"moderator: error: {broken}:")
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert not output.exists() and list(tmp_path.glob(".queue.jsonl*")) == []


def test_the_first_broken_file_is_named_whatever_the_workers(folder: Path, scorer: Any) -> None:
    for name in ("thread-003.jsonl", "thread-005.jsonl"):
        (folder / name).write_text('{"thread": "x", "text": 5}\n', encoding="utf-8")
    with pytest.raises(ThreadSourceError) as info:
        scan(file_sources([str(folder)]).loaders, scorer)
    assert str(info.value).startswith(f"{folder / 'thread-003.jsonl'}:1:")


def test_keep_going_lists_every_broken_file_and_scans_the_rest(folder: Path, tmp_path: Path) -> None:
    broken = [folder / "more" / "thread-009.jsonl", folder / "thread-003.jsonl"]  # in walking order: names sorted
    for path in broken:
        path.write_text("not json at all {\n", encoding="utf-8")
    output = tmp_path / "queue.jsonl"
    run = run_cli("scan", str(folder), "-o", str(output), "--jobs", "1", "--keep-going")
    assert run.returncode == 2
    failed = [line for line in run.stderr.splitlines() if "not scanned:" in line]
    assert [line.split("not scanned: ")[1].split(":")[0] for line in failed] == [str(path) for path in broken]
    queue = read_queue(output)
    assert [failure.source for failure in queue.header.failures] == [str(path) for path in broken]
    assert queue.header.threads == 12 - 2 + 3
    assert not {str(path) for path in broken} & {entry.thread.origin.path for entry in queue.entries}


def test_an_empty_folder_gives_an_empty_queue(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_cli("scan", str(empty), "--jobs", "1")
    assert run.returncode == 0
    [header] = [json.loads(line) for line in run.stdout.splitlines()]
    assert header["format"] == FORMAT
    assert (header["threads"], header["comments"], header["entries"], header["failures"]) == (0, 0, 0, [])
    assert "found no thread file" in run.stderr


def test_files_that_are_not_threads_are_skipped_and_named(tmp_path: Path, samples: Path) -> None:
    root = tmp_path / "mixed"
    [thread] = write_thread_files(root, 1)
    (root / "README.md").write_text("# notes\n", encoding="utf-8")
    (root / "notes.txt").write_text("Remember to rotate the keys on Friday.\n", encoding="utf-8")
    (root / "package.json").write_text('{"name": "left-pad", "version": "1.0.0"}\n', encoding="utf-8")
    (root / "blank.csv").write_text("\n", encoding="utf-8")
    (root / "table.csv").write_text("name,size\nx,1\n", encoding="utf-8")
    (root / "bug-4127.expected.yaml").write_bytes((samples / "bug-4127.expected.yaml").read_bytes())
    (root / ".hidden.jsonl").write_text("not json\n", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.json").write_text("{", encoding="utf-8")
    run = run_cli("scan", str(root), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    header = json.loads(run.stdout.splitlines()[0])
    assert header["threads"] == 1
    skipped = [line for line in run.stderr.splitlines() if line.startswith("moderator scan: skipped ")]
    named = sorted(line.split("skipped ")[1].split(": ")[0] for line in skipped)
    expected = ["README.md", "blank.csv", "bug-4127.expected.yaml", "notes.txt", "package.json", "table.csv"]
    assert named == sorted(str(root / name) for name in expected)
    assert ".hidden" not in run.stderr and ".git" not in run.stderr
    # Named on its own, a file is imported whatever it is: its error stops the scan.
    alone = run_cli("scan", str(thread), str(root / "notes.txt"), "--jobs", "1")
    assert alone.returncode == 2 and alone.stderr.startswith(f"moderator: error: {root / 'notes.txt'}:")


@pytest.mark.parametrize(
    ("name", "content", "kind", "is_skipped"),
    [
        ("empty.jsonl", "", "NoThreadError", True),
        ("blank.csv", "\n  \n", "NoThreadError", True),
        ("package.json", '{"name": "left-pad", "version": "1.0.0"}', "NoThreadError", True),
        ("table.csv", "name,size\nx,1\n", "NoThreadError", True),
        ("settings.yaml", "retries: 3\n", "NoThreadError", True),
        ("notes.txt", "Remember to rotate the keys on Friday.\n", "UnrecognisedFormatError", True),
        # An export that is no JSON (an error page saved in its place) is broken, though of no format either.
        ("issue-7.json", "<html><body>502 Bad Gateway</body></html>\n", "UnrecognisedFormatError", False),
        ("cut.json", '{"bugs": [{"id": 7, "comments": [', "SourceError", False),
        ("thread.jsonl", '{"thread": "x", "text": 5}\n', "SourceError", False),
    ],
)
def test_importers_say_by_their_error_type_that_a_file_holds_no_thread(
    tmp_path: Path, name: str, content: str, kind: str, is_skipped: bool
) -> None:
    """The scan skips a folder's file by the type of the importer's error, not by the words of its message: a file
    that is no thread at all, or one that is broken (which stops the scan)."""
    from moderator.sources import load_threads

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_threads(path)
    assert type(raised.value).__name__ == kind, raised.value
    skipped = FileLoader(str(path), in_folder=True)._not_a_thread(raised.value)
    assert (skipped is not None) == is_skipped


def test_a_thread_file_that_does_not_parse_is_an_error_not_skipped(tmp_path: Path) -> None:
    """An HTML error page saved as an export is a broken thread file, though it holds no thread either."""
    root = tmp_path / "exports"
    write_thread_files(root, 2)
    page = root / "issue-7.json"
    page.write_text("<html><body>502 Bad Gateway</body></html>\n", encoding="utf-8")
    run = run_cli("scan", str(root), "--jobs", "1")
    assert run.returncode == 2 and run.stderr.startswith(f"moderator: error: {page}:") and run.stdout == ""


def test_folder_suffixes_in_the_help_are_the_scanned_ones() -> None:
    from moderator.cli import scan as scan_command

    assert scan_command._suffixes() == runner.THREAD_SUFFIXES


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "2", "--dask", "tcp://127.0.0.1:1"], "--jobs and --dask"),
        ([], "name at least one SOURCE"),
        (["no-such-folder"], "no-such-folder: no such file or folder"),
        (["-o", "/no/such/folder/queue.jsonl", "."], "does not exist"),
        (["--since", "2026-01-01", "."], "--since goes with --github-repo"),
        (["--dask", "not an address", "."], "not an address: not a Dask scheduler address"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    run = run_cli("scan", *args, cwd=tmp_path)
    assert run.returncode == 2
    assert message in run.stderr and run.stderr.count("\n") == 1 and run.stdout == ""


def header_line(**changes: object) -> str:
    header = {**QueueHeader("m@1", "2026-01-01T00:00:00Z", 1, 1, 0).to_dict(), **changes}
    return json.dumps(header)


def entry_line(**changes: object) -> str:
    entry: dict[str, object] = {
        "thread": {
            "source": "jsonl",
            "id": "t1",
            "title": None,
            "url": None,
            "load": {"path": "/t.jsonl", "format": None, "index": 0},
        },
        "number": 2,
        "position": 2,
        "comment_id": None,
        "author": None,
        "concern": 0.9,
        "flags": ["personal-attack"],
        "review": False,
        "suggested": [],
        "evidence": None,
        "own_text_sha256": "0" * 64,
    }
    return json.dumps({**entry, **changes})


@pytest.mark.parametrize(
    ("lines", "where", "problem"),
    [
        ([], "", "empty file"),
        (["not json"], ":1", "not JSON"),
        (['{"format": "moderator-thread/1"}'], ":1", "not a triage queue"),
        ([header_line(format="moderator-queue/2")], ":1", "newer moderator"),
        ([header_line(threads=-1)], ":1", "'threads' must be a whole number"),
        ([header_line(entries=1), entry_line(concern=1.5)], ":2", "'concern' must be a number from 0 to 1"),
        ([header_line(entries=1), entry_line(flags="insult")], ":2", "'flags' must be a list of texts"),
        ([header_line(entries=1), entry_line(own_text_sha256="abc")], ":2", "own_text_sha256"),
        ([header_line(entries=2), entry_line(), "[1, 2]"], ":3", "must be a JSON object"),
        ([header_line(entries=1), '{"thread": {}}'], ":2", "missing field"),
        ([header_line(entries=2), entry_line()], "", "the header says 2 entries but the file holds 1"),
    ],
)
def test_queue_reader_names_the_file_and_line(tmp_path: Path, lines: list[str], where: str, problem: str) -> None:
    path = tmp_path / "queue.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(QueueError) as info:
        read_queue(path)
    message = str(info.value)
    assert message.startswith(f"{path}{where}: ") and problem in message and "\n" not in message


def test_queue_reader_reads_a_valid_hand_made_queue(tmp_path: Path) -> None:
    path = tmp_path / "queue.jsonl"
    path.write_text(header_line(entries=1) + "\n" + entry_line() + "\n", encoding="utf-8")
    [entry] = read_queue(path).entries
    assert (entry.thread.origin.path, entry.number, entry.flags) == ("/t.jsonl", 2, ("personal-attack",))


def test_queue_reader_refuses_a_folder_and_a_binary_file(tmp_path: Path) -> None:
    with pytest.raises(QueueError, match="directory"):
        read_queue(tmp_path)
    binary = tmp_path / "queue.jsonl"
    binary.write_bytes(header_line().encode() + b"\n\xff\xfe\n")
    with pytest.raises(QueueError) as info:
        read_queue(binary)
    assert str(info.value).startswith(f"{binary}:2: ") and "not UTF-8" in str(info.value)


def fake_bugzilla(server: Any, bugs: dict[int, list[str]], missing: tuple[int, ...] = ()) -> None:
    """A Bugzilla on 127.0.0.1 whose search finds ``bugs`` and ``missing``; the missing ones answer 404."""
    found = [{"id": bug} for bug in sorted([*bugs, *missing])]
    server.expect_request("/rest/bug").respond_with_json({"bugs": found, "faults": []})
    for bug, texts in bugs.items():
        header = {"id": bug, "summary": f"Fictional bug {bug}", "product": "Gadgets", "component": "Tray"}
        comments = [
            {"id": bug * 100 + n, "bug_id": bug, "count": n, "text": text, "creator": f"u{n}@example.org", "tags": []}
            for n, text in enumerate(texts)
        ]
        server.expect_request(f"/rest/bug/{bug}").respond_with_json({"bugs": [header], "faults": []})
        server.expect_request(f"/rest/bug/{bug}/comment").respond_with_json(
            {"bugs": {str(bug): {"comments": comments}}, "comments": {}}
        )
    for bug in missing:
        error = {"error": True, "code": 101, "message": f"Bug #{bug} does not exist."}
        server.expect_request(f"/rest/bug/{bug}").respond_with_json(error, status=404)


def test_a_bugzilla_search_is_fetched_and_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_httpserver import HTTPServer

    monkeypatch.delenv("BUGZILLA_API_KEY", raising=False)
    texts = [CIVIL[0], HOSTILE[0], CIVIL[1], HOSTILE[2]]
    with HTTPServer(host="127.0.0.1", port=0) as server:
        fake_bugzilla(server, {11: texts, 12: texts[::-1]}, missing=(13,))
        base = server.url_for("").rstrip("/")
        stopped = run_cli("scan", "--bugzilla-query", "product=Gadgets", "--server", base, "--jobs", "1")
        output = tmp_path / "queue.jsonl"
        kept = run_cli(
            "scan",
            "--bugzilla-query",
            "product=Gadgets",
            "--server",
            base,
            "--jobs",
            "1",
            "--keep-going",
            "-o",
            str(output),
        )
    assert stopped.returncode == 2 and stopped.stdout == ""
    assert stopped.stderr.startswith("moderator: error: bugzilla:13") and stopped.stderr.count("\n") == 1
    assert kept.returncode == 2
    queue = read_queue(output)
    assert [failure.source for failure in queue.header.failures] == ["bugzilla:13"]
    assert (queue.header.threads, queue.header.comments) == (2, 8)
    origins = {(entry.thread.origin.remote, entry.thread.origin.server, entry.thread.id) for entry in queue.entries}
    assert origins == {("bugzilla:11", base, "11"), ("bugzilla:12", base, "12")}
    assert {entry.comment_id for entry in queue.entries} >= {"1101", "1200"}  # hostile comments of both


def test_a_model_that_does_not_load_in_the_workers_is_one_line(tmp_path: Path) -> None:
    """With --jobs 2 the model is loaded by the workers only: their error reaches the moderator as it would here."""
    from classifiers.persist import DEFAULT_MODEL_DIR

    model = tmp_path / "model"
    model.mkdir()
    (model / "model-card.yaml").write_bytes((DEFAULT_MODEL_DIR / "model-card.yaml").read_bytes())
    (model / "model.joblib").write_bytes(b"not the model")
    threads = tmp_path / "threads"
    write_thread_files(threads, 3)
    here = run_cli("scan", str(threads), "--model", str(model), "--jobs", "1")
    workers = run_cli("scan", str(threads), "--model", str(model), "--jobs", "2")
    assert here.returncode == workers.returncode == 2
    assert workers.stderr == here.stderr and "does not match the model card" in here.stderr
    assert here.stderr.count("\n") == 1 and workers.stdout == ""


def test_scan_help_has_examples() -> None:
    result = run_cli("scan", "--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and "moderator scan threads/ -o queue.jsonl" in result.stdout


def test_with_workers_the_scanning_process_never_imports_scikit_learn(tmp_path: Path) -> None:
    """With --jobs 2 the workers load the model; the process that plans and gathers stays light, so they start at
    once. A process of its own: what is imported is what this checks (no source: no worker is started)."""
    import subprocess
    import sys

    script = "\n".join(
        [
            "import sys",
            "from pathlib import Path",
            "from moderator.modelstore import model_in_use",
            "from moderator.scan.runner import scan",
            "result = scan([], model_in_use(None), jobs=int(sys.argv[1]))",
            "print(result.header.model, 'sklearn' in sys.modules)",
        ]
    )
    light = subprocess.run([sys.executable, "-c", script, "2"], capture_output=True, text=True, check=False)
    here = subprocess.run([sys.executable, "-c", script, "1"], capture_output=True, text=True, check=False)
    model, imported = light.stdout.split()
    assert imported == "False", light.stderr
    assert here.stdout.split() == [model, "True"]  # the same model id, read from the card alone
