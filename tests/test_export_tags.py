"""``moderator export-tags`` (issue 15, item 9): what the effective decisions imply as Bugzilla comment tags or
GitHub hide reasons, with GitHub node ids kept from the import through the log to the export."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

from moderation_core.taxonomy import load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.log import (
    Action,
    DecidedComment,
    Decision,
    DecisionLog,
    Entry,
    ThreadRef,
    append_document,
    read_log,
    retraction_document,
)
from moderator.reports.tags import FORMAT, TARGETS, export_tags
from moderator.review import ReviewSession
from moderator.sources import load_thread

TAXONOMY = load_taxonomy()
API = "https://api.github.example/repos/tarnwick/kettle-sync"
HTML = "https://github.example/tarnwick/kettle-sync"
TOP_KEYS = {
    "format",
    "target",
    "logs",
    "comments",
    "missing_node_id",
    "not_exportable",
    "conflicts",
    "other_sources",
    "nothing_to_export",
}


def bug(number_of_comments: int = 5) -> Thread:
    comments = [Comment(n, f"Comment {n} of bug 4127.", id=str(88100 + n), author=f"p{n}") for n in range(5)]
    return Thread("bugzilla", comments[:number_of_comments], id="4127", title="Quillstone", url=None)


def page_copy() -> Thread:
    comments = [Comment(n, f"Comment {n} of a page copy.") for n in range(3)]
    return Thread("bugzilla", comments, id=None, title="Release process")


def decide(
    log: DecisionLog, thread: Thread, index: int, moderator: str, labels: Sequence[str], action: Action
) -> Entry:
    return log.append(
        Decision.new(
            moderator=moderator,
            thread=ThreadRef.from_thread(thread),
            comment=DecidedComment.in_thread(thread, index),
            model=None,
            labels=labels,
            action=action,
        )
    )


def exported(paths: Sequence[Path], target: str, **options: Any) -> dict[str, Any]:
    assert target in TARGETS
    result: dict[str, Any] = export_tags([str(p) for p in paths], TAXONOMY, target, **options).to_json()
    return result


def cli_export(*args: str) -> dict[str, Any]:
    result = run_cli("export-tags", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# -- effective decisions, majority --------------------------------------------------------------------------------
def test_effective_decisions_through_undo_and_redo(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    session = ReviewSession(bug(3), TAXONOMY, DecisionLog(path, TAXONOMY.ids), "dana")
    session.toggle_label("personal-attack")
    session.set_action("hide")
    session.save()  # comment 0: hidden as a personal attack ...
    assert session.undo() == 0  # ... undone ...
    session.toggle_label("personal-attack")
    session.toggle_label("off-topic")
    session.set_action("remind")
    session.save()  # ... and decided again: off-topic, remind
    session.toggle_label("demand")
    session.save()  # comment 1: demand (flag)
    assert session.undo() == 1  # undone, not redone: nothing for comment 1
    data = exported([path], "bugzilla")
    assert [(c["comment"], c["body"]) for c in data["comments"]] == [
        (0, {"comment_id": 88100, "add": ["off-topic"], "remove": []})
    ]
    assert data["logs"][0] | {"sha256": "-"} == {
        "path": str(path),
        "sha256": "-",
        "documents": 5,
        "decisions": 3,
        "retractions": 2,
        "effective": 1,
    }
    assert data["conflicts"] == [] and data["nothing_to_export"] is None
    github = exported([path], "github")["nothing_to_export"]
    assert github == "no effective decision is about a github thread (other sources: bugzilla 1)"


def test_majority_of_moderators_across_logs_and_ties_listed_as_conflicts(tmp_path: Path) -> None:
    thread = bug()
    dana, lee, kim = (DecisionLog(tmp_path / f"{name}.yaml", TAXONOMY.ids) for name in ("dana", "lee", "kim"))
    decide(dana, thread, 1, "dana", ["personal-attack"], Action.HIDE)
    decide(lee, thread, 1, "lee", ["inflammatory"], Action.FLAG)
    decide(kim, thread, 1, "kim", ["off-topic"], Action.ESCALATE)  # abuse 2 of 3; off-topic outvoted
    decide(dana, thread, 2, "dana", ["demand"], Action.REMIND)
    decide(lee, thread, 2, "lee", [], Action.OK)  # me-too 1 of 2: a tie, left out
    decide(dana, thread, 3, "dana", ["threat"], Action.FLAG)
    decide(lee, thread, 3, "lee", [], Action.SKIP)  # a skip is no decision: dana alone decided comment 3
    paths = [tmp_path / f"{name}.yaml" for name in ("dana", "lee", "kim")]
    data = exported(paths, "bugzilla")
    assert [(c["comment"], c["body"]["add"], c["moderators"]) for c in data["comments"]] == [
        (1, ["abuse"], ["dana", "kim", "lee"]),
        (3, ["abuse"], ["dana"]),
    ]
    assert [(c["comment"], c["exported"], c["tied"], c["outvoted"]) for c in data["conflicts"]] == [
        (1, ["abuse"], [], ["off-topic"]),
        (2, [], ["me-too"], []),
    ]
    assert data["conflicts"][1]["decisions"] == [
        {"moderator": "dana", "action": "remind", "labels": ["demand"]},
        {"moderator": "lee", "action": "ok", "labels": []},
    ]
    # The same log given twice, or a copy of it: each decision counts once.
    copy = tmp_path / "copy-of-dana.yaml"
    copy.write_bytes(paths[0].read_bytes())
    again = exported([*paths, paths[0], copy], "bugzilla")
    assert (again["comments"], again["conflicts"]) == (data["comments"], data["conflicts"])


def test_one_moderators_latest_decision_counts_across_logs(tmp_path: Path) -> None:
    thread = bug()
    first, second = DecisionLog(tmp_path / "a.yaml", TAXONOMY.ids), DecisionLog(tmp_path / "b.yaml", TAXONOMY.ids)
    decide(second, thread, 1, "dana", ["personal-attack"], Action.HIDE)
    decide(first, thread, 1, "dana", [], Action.OK)  # later, though in the log given first
    data = exported([tmp_path / "a.yaml", tmp_path / "b.yaml"], "bugzilla")
    assert data["comments"] == [] and data["conflicts"] == []
    assert (
        data["nothing_to_export"]
        == "no effective decision implies a Bugzilla tag (a label with flag, remind, hide or escalate)"
    )


def test_github_minimizes_only_hidden_comments_with_one_classifier_by_precedence(tmp_path: Path) -> None:
    thread = Thread(
        "github",
        [Comment(n, f"Comment {n}.", id=str(9000 + n), node_id=f"IC_{n}") for n in range(5)],
        id="tarnwick/kettle-sync#58",
    )
    log = DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids)
    decide(log, thread, 1, "dana", ["off-topic", "personal-attack"], Action.HIDE)  # ABUSE before OFF_TOPIC
    decide(log, thread, 2, "dana", ["off-topic"], Action.REMIND)  # tagged on Bugzilla, not minimized on GitHub
    decide(log, thread, 3, "dana", ["demand"], Action.HIDE)
    decide(log, thread, 3, "lee", ["off-topic"], Action.HIDE)
    decide(log, thread, 3, "kim", ["threat"], Action.HIDE)  # OFF_TOPIC 2 of 3 hiders: OFF_TOPIC
    decide(log, thread, 4, "dana", ["threat"], Action.HIDE)
    decide(log, thread, 4, "lee", ["off-topic"], Action.HIDE)  # 1 each: precedence, ABUSE
    decide(log, thread, 0, "dana", ["threat"], Action.HIDE)  # the issue's own text
    data = exported([tmp_path / "log.yaml"], "github")
    assert [(c["comment"], c["rest_id"], c["node_id"], c["classifier"]) for c in data["comments"]] == [
        (1, 9001, "IC_1", "ABUSE"),
        (3, 9003, "IC_3", "OFF_TOPIC"),
        (4, 9004, "IC_4", "ABUSE"),
    ]
    assert [(c["comment"], c["classifier"]) for c in data["not_exportable"]] == [(0, "ABUSE")]
    assert "issue" in data["not_exportable"][0]["reason"]
    assert [(c["comment"], c["exported"], c["outvoted"]) for c in data["conflicts"]] == [
        (3, ["OFF_TOPIC"], ["ABUSE"]),
        (4, ["ABUSE"], ["OFF_TOPIC"]),
    ]
    assert data["missing_node_id"] == []


# -- node ids: from the import through the log to the export --------------------------------------------------------
def rest_comment(comment_id: int, login: str, body: str, node_id: str | None) -> dict[str, object]:
    comment: dict[str, object] = {
        "url": f"{API}/issues/comments/{comment_id}",
        "html_url": f"{HTML}/issues/58#issuecomment-{comment_id}",
        "issue_url": f"{API}/issues/58",
        "id": comment_id,
        "user": {"login": login, "id": 7, "node_id": "U_kgDOuser", "type": "User"},
        "created_at": "2032-03-14T10:05:00Z",
        "author_association": "NONE",
        "body": body,
    }
    if node_id is not None:
        comment["node_id"] = node_id
    return comment


def rest_export(tmp_path: Path) -> Path:
    issue = {
        "url": f"{API}/issues/58",
        "html_url": f"{HTML}/issues/58",
        "id": 1001,
        "node_id": "I_kwDOissue",
        "number": 58,
        "title": "Sync stops after two pages",
        "user": {"login": "wrenna"},
        "body": "The pager stops after page two.",
    }
    comments = [
        rest_comment(9001, "pim", "Same here.", "IC_kwDOAAA9001"),
        rest_comment(9002, "bastian", "You clearly never read a line of code, idiot.", "IC_kwDOAAA9002"),
        rest_comment(9003, "quill", "Anyone up for lunch?", None),  # an export without node ids
    ]
    path = tmp_path / "issue-58.json"
    path.write_text(json.dumps([issue, comments]), encoding="utf-8")
    return path


def test_node_ids_go_from_a_rest_export_through_the_log_to_the_export(tmp_path: Path) -> None:
    source = rest_export(tmp_path)
    thread = load_thread(source)
    assert [(c.id, c.node_id) for c in thread.comments] == [
        ("1001", "I_kwDOissue"),
        ("9001", "IC_kwDOAAA9001"),
        ("9002", "IC_kwDOAAA9002"),
        ("9003", None),
    ]
    log = tmp_path / "log.yaml"
    # `moderator decide` (the review screen writes the same document) on comment 2 ...
    result = run_cli(
        "decide",
        *(str(source), "--comment", "2", "--labels", "personal-attack", "--action", "hide"),
        *("--log", str(log), "--moderator", "sam"),
    )
    assert result.returncode == 0, result.stderr
    # ... and the review session on comment 3, whose export had no node id
    session = ReviewSession(thread, TAXONOMY, DecisionLog(log, TAXONOMY.ids), "lee")
    session.go_to_number(3)
    session.toggle_label("off-topic")
    session.set_action("hide")
    session.save()
    [decided, without] = [entry.load() for entry in read_log(log, TAXONOMY.ids).entries]
    assert isinstance(decided, Decision) and decided.comment.node_id == "IC_kwDOAAA9002"
    assert isinstance(without, Decision) and without.comment.node_id is None
    assert '"node_id": "IC_kwDOAAA9002"' in log.read_text(encoding="utf-8")
    assert log.read_text(encoding="utf-8").count('"node_id"') == 1  # written only where there is one
    data = cli_export(str(log), "--target", "github")
    assert data["comments"] == [
        {
            "thread": "tarnwick/kettle-sync#58",
            "comment": 2,
            "rest_id": 9002,
            "node_id": "IC_kwDOAAA9002",
            "classifier": "ABUSE",
            "moderators": ["sam"],
        },
        {
            "thread": "tarnwick/kettle-sync#58",
            "comment": 3,
            "rest_id": 9003,
            "node_id": None,
            "classifier": "OFF_TOPIC",
            "moderators": ["lee"],
        },
    ]
    assert data["missing_node_id"] == [{"thread": "tarnwick/kettle-sync#58", "comment": 3, "rest_id": 9003}]


def test_gh_cli_ids_are_node_ids_without_a_rest_id(tmp_path: Path) -> None:
    view = {
        "author": {"login": "wrenna"},
        "body": "The pager stops after page two.",
        "comments": [
            {"id": "IC_kwDOgh1", "author": {"login": "pim"}, "body": "Same here.", "url": f"{HTML}/issues/58#c1"},
            {"id": "IC_kwDOgh2", "author": {"login": "bo"}, "body": "Idiot.", "url": f"{HTML}/issues/58#c2"},
        ],
        "number": 58,
        "title": "Sync stops after two pages",
        "url": f"{HTML}/issues/58",
    }
    source = tmp_path / "view.json"
    source.write_text(json.dumps(view), encoding="utf-8")
    thread = load_thread(source)
    assert [(c.id, c.node_id) for c in thread.comments] == [
        (None, None),
        ("IC_kwDOgh1", "IC_kwDOgh1"),
        ("IC_kwDOgh2", "IC_kwDOgh2"),
    ]
    assert thread.comments[2].to_dict()["node_id"] == "IC_kwDOgh2"
    log = DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids)
    decide(log, thread, 2, "dana", ["derogatory"], Action.HIDE)
    [entry] = exported([tmp_path / "log.yaml"], "github")["comments"]
    assert (entry["rest_id"], entry["node_id"], entry["classifier"]) == (None, "IC_kwDOgh2", "ABUSE")


def test_a_github_comment_with_neither_rest_id_nor_node_id_is_not_exportable(tmp_path: Path) -> None:
    thread = Thread("github", [Comment(0, "Issue."), Comment(1, "Rude.", id="IC_old")], id="o/r#1")
    log = DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids)
    decide(log, thread, 1, "dana", ["inflammatory"], Action.HIDE)  # decided before node ids were kept
    data = exported([tmp_path / "log.yaml"], "github")
    assert data["comments"] == []
    [entry] = data["not_exportable"]
    assert (entry["comment"], entry["classifier"]) == (1, "ABUSE") and "no node id" in entry["reason"]


def test_page_copy_comments_are_listed_as_not_exportable(tmp_path: Path, samples: Path) -> None:
    log = DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids)
    copy = load_thread(samples / "bug-4127.txt")
    decide(log, copy, 3, "dana", ["personal-attack"], Action.FLAG)
    decide(log, page_copy(), 1, "dana", [], Action.OK)  # fine: nothing to export, nothing listed
    decide(log, bug(), 2, "dana", ["off-topic"], Action.HIDE)
    data = cli_export(str(tmp_path / "log.yaml"), "--target", "bugzilla")
    assert [c["path"] for c in data["comments"]] == ["/rest/bug/comment/88102/tags"]
    [entry] = data["not_exportable"]
    assert entry["thread"] == copy.title and entry["comment"] == copy.comments[3].number
    assert entry["add"] == ["abuse"] and "page copy" in entry["reason"]


def test_a_comment_id_that_is_no_whole_number_is_not_exportable_to_bugzilla(tmp_path: Path) -> None:
    thread = Thread("bugzilla", [Comment(0, "x", id="c-17")], id="4127")
    log = DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids)
    decide(log, thread, 0, "dana", ["threat"], Action.ESCALATE)
    [entry] = exported([tmp_path / "log.yaml"], "bugzilla")["not_exportable"]
    assert "'c-17' is not a Bugzilla comment id" in entry["reason"]


# -- the JSON and the command ------------------------------------------------------------------------------------------
def test_json_shape(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "log.yaml", TAXONOMY.ids)
    decide(log, bug(), 4, "dana", ["personal-attack", "demand"], Action.HIDE)
    data = cli_export(str(tmp_path / "log.yaml"), "--target", "bugzilla")
    assert set(data) == TOP_KEYS and data["format"] == FORMAT == "moderator-tags/1"
    assert data["target"] == "bugzilla" and data["other_sources"] == {} and data["nothing_to_export"] is None
    assert set(data["logs"][0]) == {"path", "sha256", "documents", "decisions", "retractions", "effective"}
    assert data["comments"] == [
        {
            "thread": "4127",
            "comment": 4,
            "method": "PUT",
            "path": "/rest/bug/comment/88104/tags",
            "body": {"comment_id": 88104, "add": ["abuse", "me-too"], "remove": []},
            "moderators": ["dana"],
        }
    ]
    github = cli_export(str(tmp_path / "log.yaml"), "--target", "github")
    assert set(github) == TOP_KEYS and github["other_sources"] == {"bugzilla": 1}


def test_help_has_examples() -> None:
    result = run_cli("export-tags", "--help")
    assert result.returncode == 0 and "examples:" in result.stdout and "--target" in result.stdout
    assert "export-tags" in run_cli("--help").stdout


def test_output_file_is_written_atomically_and_never_onto_a_log(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    decide(DecisionLog(path, TAXONOMY.ids), bug(), 1, "dana", ["threat"], Action.HIDE)
    before = path.read_bytes()
    out = tmp_path / "tags.json"
    result = run_cli("export-tags", str(path), "--target", "bugzilla", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["comments"][0]["body"]["comment_id"] == 88101
    assert result.stdout == f"{out}: comments to tag: 1, not exportable: 0, conflicts: 0\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.yaml", "tags.json"]  # no temporary file left
    link, hard = tmp_path / "link.json", tmp_path / "hard.json"
    link.symlink_to(path)
    os.link(path, hard)
    for onto in (str(path), str(tmp_path / "." / "log.yaml"), str(link), str(hard)):
        refused = run_cli("export-tags", str(path), "--target", "bugzilla", "-o", onto)
        assert refused.returncode == 2 and "only reads" in refused.stderr, onto
        assert refused.stdout == "" and "Traceback" not in refused.stderr
    second = tmp_path / "second.yaml"
    refused = run_cli("export-tags", str(second), str(path), "--target", "github", "-o", str(link))
    assert refused.returncode == 2
    assert path.read_bytes() == before and link.is_symlink()
    to_folder = run_cli("export-tags", str(path), "--target", "bugzilla", "-o", str(tmp_path))
    assert to_folder.returncode == 2 and "is a directory" in to_folder.stderr


# -- bad input: one line, exit 2, or an empty export that says why ------------------------------------------------------
def write_log(tmp_path: Path, decisions: int = 1) -> Path:
    path = tmp_path / "log.yaml"
    log = DecisionLog(path, TAXONOMY.ids)
    for number in range(decisions):
        decide(log, bug(), number, "dana", ["threat"], Action.HIDE)
    return path


def refused(*args: str) -> str:
    result = run_cli("export-tags", *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("moderator: error: ") and result.stderr.count("\n") == 1
    return result.stderr


def test_a_torn_log_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = write_log(tmp_path, 2)
    lines = path.read_text(encoding="utf-8").count("\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('---\nschema: 1\nkind: "decision"\n')
    message = refused(str(path), "--target", "bugzilla")
    assert f"{path}:{lines + 1}: incomplete last document" in message and "nothing was exported" in message


def test_a_log_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = write_log(tmp_path)
    text = path.read_text(encoding="utf-8").replace("schema: 1", "schema: 2")
    path.write_text(text, encoding="utf-8")
    message = refused(str(path), "--target", "github")
    assert f"{path}:1: schema version 2 is newer" in message


def test_missing_foreign_and_retraction_only_logs_are_refused(tmp_path: Path) -> None:
    assert "no such file" in refused(str(tmp_path / "none.yaml"), "--target", "bugzilla")
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a log\n", encoding="utf-8")
    assert f"{foreign}:1: not a decision log" in refused(str(foreign), "--target", "bugzilla")
    decision = DecisionLog(write_log(tmp_path), TAXONOMY.ids).contents.entries[0]
    retractions = tmp_path / "retractions.yaml"  # only the retraction of a decision kept in another log
    append_document(retractions, retraction_document(decision, "dana"))
    assert f"{retractions}:1: retracts unknown decision" in refused(str(retractions), "--target", "bugzilla")
    assert "is a directory" in refused(str(tmp_path), "--target", "bugzilla")


def test_empty_and_fully_retracted_logs_give_an_empty_export_that_says_why(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(b"")
    result = run_cli("export-tags", str(empty), "--target", "bugzilla")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["comments"] == [] and data["nothing_to_export"] == "the logs hold no decisions"
    assert result.stderr == "moderator: nothing to export: the logs hold no decisions\n"
    path = tmp_path / "undone.yaml"
    log = DecisionLog(path, TAXONOMY.ids)
    log.retract(decide(log, bug(), 1, "dana", ["threat"], Action.HIDE), "dana")
    log.retract(decide(log, bug(), 2, "lee", ["demand"], Action.FLAG), "lee")
    undone = cli_export(str(path), "--target", "bugzilla")
    assert undone["comments"] == [] and undone["nothing_to_export"] == "every decision in the logs was retracted"
    assert undone["logs"][0]["retractions"] == 2


def test_a_filter_that_matches_nothing_says_so(tmp_path: Path) -> None:
    path = write_log(tmp_path, 2)
    data = cli_export(str(path), "--target", "bugzilla", "--thread", "9999")
    assert data["comments"] == [] and "about thread '9999'" in data["nothing_to_export"]
    assert len(cli_export(str(path), "--target", "bugzilla", "--thread", "4127")["comments"]) == 2
    other = cli_export(str(path), "--target", "github")
    assert other["other_sources"] == {"bugzilla": 2} and "github thread" in other["nothing_to_export"]


@pytest.mark.parametrize("target", ["bugzilla", "github"])
def test_the_export_never_writes_into_the_logs(tmp_path: Path, target: str) -> None:
    path = write_log(tmp_path, 3)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    cli_export(str(path), "--target", target)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
