"""The decision log's guarantees, proven with real files and real processes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from moderator.log import (
    DecisionLog,
    LogError,
    append_document,
    decision_document,
    read_log,
    render,
    repair,
)

LABELS = ("personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory")
WRITER = Path(__file__).with_name("log_writer.py")
THREAD = {"source": "bugzilla", "id": "77", "title": "Release process", "url": None}


def document(number: int, labels: list[str] | None = None, moderator: str = "dana", text: str | None = None) -> dict:
    return decision_document(
        moderator=moderator,
        thread=THREAD,
        comment={"number": number, "id": str(number), "author": "ana", "own_text": text or f"comment {number}"},
        model={"id": "m", "scores": {"demand": 0.25}, "flags": [], "concern": 0.25},
        labels=labels or [],
        action="flag" if labels else "ok",
    )


def test_round_trip_and_effective_state(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    log = DecisionLog(path, LABELS)
    first = log.record(document(1, ["demand"]))
    log.record(document(2))
    log.record(document(1, ["personal-attack"]))
    log.record(document(1, moderator="lee"))
    contents = read_log(path, LABELS)
    assert contents.problems == [] and len(contents.entries) == 4
    effective = contents.effective()
    assert effective[("dana", "bugzilla", "77", 1)].data["decision"]["labels"] == ["personal-attack"]
    assert effective[("lee", "bugzilla", "77", 1)].data["decision"]["labels"] == []
    assert first.data["comment"]["own_text"] == "comment 1"
    assert len(first.data["comment"]["own_text_sha256"]) == 64


def test_undo_appends_a_retraction_and_restores_the_previous_decision(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    log = DecisionLog(path, LABELS)
    log.record(document(1, ["demand"]))
    later = log.record(document(1, ["threat"]))
    size = path.stat().st_size
    before = path.read_bytes()
    log.retract(later, "dana")
    assert path.read_bytes()[:size] == before  # nothing rewritten
    contents = read_log(path, LABELS)
    assert [e.kind for e in contents.entries] == ["decision", "decision", "retraction"]
    assert contents.effective()[("dana", "bugzilla", "77", 1)].data["decision"]["labels"] == ["demand"]


def test_text_is_kept_exactly(tmp_path: Path) -> None:
    hostile = 'Grüße 🤡 \x1b[31mred\x1b[0m \x85 \u2028 \u202e --- \n...\n---\n[bold]x[/bold] "q" \\ tab\t'
    path = tmp_path / "log.yaml"
    DecisionLog(path, LABELS).record(document(5, text=hostile))
    [entry] = read_log(path, LABELS).entries
    assert entry.data["comment"]["own_text"] == hostile
    raw = path.read_text(encoding="utf-8")
    assert "\x1b" not in raw and "\u2028" not in raw and "\x85" not in raw
    import yaml

    [via_yaml] = list(yaml.safe_load_all(raw))
    assert via_yaml["comment"]["own_text"] == hostile  # any YAML reader gets the same


def test_every_torn_write_is_detected_and_repaired(tmp_path: Path) -> None:
    complete = b"".join(render(document(n, ["demand"] if n % 2 else None)) for n in range(3))
    boundaries = {len(b"".join(render(document(n)) for n in range(k))) for k in range(4)}
    full = tmp_path / "full.yaml"
    full.write_bytes(complete)
    kept = read_log(full, LABELS).entries
    cuts = sorted(set(random.Random(3).sample(range(1, len(complete)), 60)) | {len(complete) - 1, len(complete) - 2})
    for cut in cuts:
        path = tmp_path / f"cut-{cut}.yaml"
        path.write_bytes(complete[:cut])
        contents = read_log(path, LABELS)
        if cut in boundaries:
            assert contents.problems == []
            continue
        assert contents.torn_tail is not None, cut
        assert "incomplete last document" in contents.problems[-1].message
        with pytest.raises(LogError, match="log repair"):
            DecisionLog(path, LABELS)
        side = repair(path, LABELS)
        assert side is not None and side.read_bytes() == complete[contents.torn_tail : cut]
        repaired = read_log(path, LABELS)
        assert repaired.problems == []
        assert [e.id for e in repaired.entries] == [e.id for e in kept[: len(repaired.entries)]]
        assert len(path.read_bytes()) + len(side.read_bytes()) == cut


def test_append_refuses_a_torn_log(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    torn = render(document(1))[:-7]
    path.write_bytes(torn)
    with pytest.raises(LogError, match="log repair"):
        append_document(path, document(2))
    assert path.read_bytes() == torn  # nothing appended after the torn document


def test_failed_write_is_not_reported_as_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.yaml"
    log = DecisionLog(path, LABELS)
    log.record(document(1))

    def full_disk(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(LogError, match="not saved .No space left"):
        log.record(document(2))
    monkeypatch.undo()
    assert len(read_log(path, LABELS).entries) == 1


def test_fsync_happens_before_the_decision_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_fsync, real_write = os.fsync, os.write
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "write", lambda fd, data: (calls.append("write"), real_write(fd, data))[1])
    DecisionLog(tmp_path / "log.yaml", LABELS).record(document(1))
    assert calls[-1] == "fsync" and "write" in calls


def test_kill_9_never_loses_a_reported_decision(tmp_path: Path) -> None:
    rng = random.Random(11)
    path = tmp_path / "log.yaml"
    reported: list[str] = []
    for round_ in range(6):
        process = subprocess.Popen(
            [sys.executable, str(WRITER), str(path), f"m{round_}", "100000"],
            stdout=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + rng.uniform(0.3, 1.2)
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            reported.append(line.split()[1])
        process.send_signal(signal.SIGKILL)
        rest = process.stdout.read()
        reported.extend(l.split()[1] for l in rest.splitlines() if l.startswith("saved "))
        process.wait()
        contents = read_log(path, LABELS)
        if contents.torn_tail is not None:
            repair(path, LABELS)
            contents = read_log(path, LABELS)
        assert contents.problems == []
        present = {e.id for e in contents.entries}
        assert set(reported) <= present
    assert len(reported) > 20


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    writers = [
        subprocess.Popen([sys.executable, str(WRITER), str(path), f"mod{i}", "60"], stdout=subprocess.PIPE, text=True)
        for i in range(4)
    ]
    outputs = [w.communicate(timeout=120)[0] for w in writers]
    assert all(w.returncode == 0 for w in writers)
    contents = read_log(path, LABELS)
    assert contents.problems == []
    assert len(contents.entries) == 240
    reported = {line.split()[1] for out in outputs for line in out.splitlines()}
    assert reported == {e.id for e in contents.entries}
    for name in (f"mod{i}" for i in range(4)):
        numbers = [e.data["comment"]["number"] for e in contents.entries if e.data["moderator"] == name]
        assert numbers == list(range(60))


HOSTILE = {
    "python tag": "---\nschema: 1\nkind: !!python/object/apply:os.system ['touch /tmp/pwned']\n...\n",
    "alias bomb": "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n...\n",
    "foreign label": None,
    "newer schema": None,
}


def hostile_log(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind.replace(' ', '-')}.yaml"
    good = render(document(1)).decode()
    if kind == "foreign label":
        text = (
            good + render({**document(2), "decision": {"labels": ["rudeness"], "action": "flag", "note": ""}}).decode()
        )
    elif kind == "newer schema":
        text = good + render({**document(2), "schema": 7}).decode()
    else:
        text = good + HOSTILE[kind]
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("python tag", "unsupported YAML tag"),
        ("alias bomb", "anchors are not allowed"),
        ("foreign label", "labels not in the taxonomy: rudeness"),
        ("newer schema", "schema version 7 is newer"),
    ],
)
def test_hostile_logs_are_refused_and_left_untouched(tmp_path: Path, kind: str, problem: str) -> None:
    path = hostile_log(tmp_path, kind)
    before = path.read_bytes()
    contents = read_log(path, LABELS)
    assert any(problem in p.message for p in contents.problems), contents.problems
    with pytest.raises(LogError, match=problem.split(":")[0]):
        DecisionLog(path, LABELS)
    result = run_cli("log", "validate", str(path))
    assert result.returncode == 1 and problem.split(":")[0] in result.stdout
    assert f"{path}:" in result.stdout
    result = run_cli(
        "decide",
        str(Path(__file__).parent.parent / "moderator/samples/bug-4127.csv"),
        "--comment",
        "2",
        "--ok",
        "--log",
        str(path),
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert path.read_bytes() == before
    assert not Path("/tmp/pwned").exists() or kind != "python tag"


def test_validate_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    parts = [
        render(document(1)).decode(),
        "stray words\n",
        render({**document(2), "schema": 9}).decode(),
        render(document(3)).decode(),
        '---\nschema: 1\nkind: "decision"\n',
    ]
    path.write_text("".join(parts), encoding="utf-8")
    result = run_cli("log", "validate", str(path))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    starts = [1 + sum(p.count("\n") for p in parts[:i]) for i in range(len(parts))]
    assert lines[0].startswith(f"{path}:{starts[1]}: text outside")
    assert lines[1].startswith(f"{path}:{starts[2]}: schema version 9")
    assert lines[2].startswith(f"{path}:{starts[4]}: incomplete last document")


def test_validate_and_stats_and_repair_commands(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    log = DecisionLog(path, LABELS)
    log.record(document(1, ["demand"]))
    log.record(document(2))
    assert run_cli("log", "validate", str(path)).returncode == 0
    stats = run_cli("log", "stats", str(path), "--json")
    assert stats.returncode == 0
    import json

    summary = json.loads(stats.stdout)
    assert (
        summary["decisions"] == 2 and summary["labels"] == {"demand": 1} and summary["actions"] == {"flag": 1, "ok": 1}
    )
    with path.open("ab") as handle:
        handle.write(b'---\nschema: 1\nkind: "deci')
    assert run_cli("log", "validate", str(path)).returncode == 1
    repaired = run_cli("log", "repair", str(path))
    assert repaired.returncode == 0 and "moved the torn last document" in repaired.stdout
    assert run_cli("log", "validate", str(path)).returncode == 0
    assert run_cli("log", "validate", str(tmp_path / "missing.yaml")).returncode == 2


def test_decide_appends_what_the_review_screen_would(tmp_path: Path, samples: Path) -> None:
    path = tmp_path / "decisions.yaml"
    result = run_cli(
        "decide",
        str(samples / "bug-4127.yaml"),
        "--comment",
        "21",
        "--labels",
        "personal-attack",
        "--action",
        "hide",
        "--note",
        "belittles Lena",
        "--moderator",
        "tomasz",
        "--log",
        str(path),
    )
    assert result.returncode == 0, result.stderr
    [entry] = read_log(path, LABELS).entries
    data = entry.data
    assert data["moderator"] == "tomasz" and data["thread"]["id"] == "4127"
    assert data["comment"]["number"] == 21 and data["comment"]["own_text"].startswith("Lena, with respect")
    assert data["decision"] == {"labels": ["personal-attack"], "action": "hide", "note": "belittles Lena"}
    assert set(data["model"]["scores"]) == set(LABELS) and data["model"]["id"].startswith("guideline-classifier@")


def test_decide_defaults_from_environment(tmp_path: Path, samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.yaml"
    monkeypatch.setenv("MODERATOR_LOG", str(path))  # read when the command runs, so in this process too
    monkeypatch.setenv("MODERATOR_NAME", "from-env")
    result = run_cli("decide", str(samples / "bug-4127.csv"), "--comment", "3", "--ok")
    assert result.returncode == 0, result.stderr
    [entry] = read_log(path, LABELS).entries
    assert entry.data["moderator"] == "from-env" and entry.data["decision"]["action"] == "ok"


def test_default_log_lives_in_the_per_user_data_folder(tmp_path: Path, samples: Path) -> None:
    """Without --log or $MODERATOR_LOG a decision goes to the per-user data folder (platformdirs), never into
    the checkout or the working folder; the log commands find the same file without being told."""
    home = Path(os.environ["HOME"])  # a home folder of this test's own (conftest)
    expected = home / ".local" / "share" / "moderator" / "decisions.yaml"
    assert not expected.exists()
    result = run_cli(
        "decide", str(samples / "bug-4127.csv"), "--comment", "4", "--ok", "--moderator", "dana", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert str(expected) in result.stdout
    [entry] = read_log(expected, LABELS).entries
    assert entry.data["comment"]["number"] == 4
    assert not list(tmp_path.iterdir()) and not (ROOT / "labels" / "decisions.yaml").exists()
    stats = run_cli("log", "stats", "--json", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["decisions"] == 1
    validate = run_cli("log", "validate", cwd=tmp_path)
    assert validate.returncode == 0 and str(expected) in validate.stdout


def test_log_commands_without_a_default_log_say_so(tmp_path: Path) -> None:
    result = run_cli("log", "validate", cwd=tmp_path)
    assert result.returncode == 2 and "no decision has been saved to the default log yet" in result.stderr


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--comment", "999", "--ok"], "no comment 999"),
        (["--comment", "2", "--labels", "rudeness"], "not in the taxonomy"),
        (["--comment", "2", "--labels", "demand", "--action", "ok"], "contradicts"),
        (["--comment", "2", "--ok", "--log", "/nonexistent/folder/log.yaml"], "folder does not exist"),
    ],
)
def test_decide_bad_input(tmp_path: Path, samples: Path, args: list[str], problem: str) -> None:
    if "--log" not in args:
        args = [*args, "--log", str(tmp_path / "log.yaml")]
    result = run_cli("decide", str(samples / "bug-4127.csv"), *args)
    assert result.returncode == 2 and problem in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "log.yaml").exists() or (tmp_path / "log.yaml").stat().st_size == 0


def test_a_huge_document_is_refused_with_bounded_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moderator.log import store as decisions

    monkeypatch.setattr(decisions, "MAX_DOCUMENT_BYTES", 10_000)
    path = tmp_path / "log.yaml"
    path.write_bytes(render(document(1)) + b"---\n" + b'note: "' + b"x" * 50_000 + b'"\n...\n' + render(document(3)))
    contents = read_log(path, LABELS)
    assert [p.message.split(" is over")[0] for p in contents.problems] == [
        "document of 50017 bytes"
    ]  # "---\\n" + note line + "...\\n"
    assert len(contents.entries) == 2
