"""The typed decision log (issue 11): schema 1 byte for byte, proven with logs the earlier writer wrote.

``tests/fixtures/logs`` holds logs written, and ``expected.json`` what was read from them, by the decision log of
commit 8b7e1e6 (one untyped module), from the decisions in ``inputs.json``. The typed log must read them to the
same entries, problems, effective decisions and stats, re-render every document to the same bytes, and write
the same decisions to the same bytes, whether they come as records or as documents."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from moderation_core.taxonomy import load_taxonomy
from moderation_core.thread import Comment, Thread
from moderator.log import (
    ACTIONS,
    Action,
    DecidedComment,
    Decision,
    DecisionLog,
    Entry,
    LogError,
    ModelView,
    Retraction,
    ThreadRef,
    codec,
    decision_document,
    read_log,
    render,
    retraction_document,
    stats,
)
from moderator.review import ReviewSession
from moderator.scoring import CommentScore

FIXTURES = Path(__file__).parent / "fixtures" / "logs"
LABELS = ("personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory")
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
INPUTS: dict[str, list[dict[str, Any]]] = json.loads((FIXTURES / "inputs.json").read_text(encoding="utf-8"))
WRITTEN = sorted(INPUTS)  # the logs the writer wrote (the others are hand-edited or damaged on purpose)


def test_every_fixture_log_has_its_expected_reading() -> None:
    assert sorted(EXPECTED) == sorted(path.name for path in FIXTURES.glob("*.yaml"))
    assert WRITTEN == ["reviews.yaml"]


def reading(path: Path) -> dict[str, Any]:
    """Everything the earlier reader recorded in expected.json, from the typed reader."""
    contents = read_log(path, LABELS)
    return {
        "entries": [
            {
                "line": e.line,
                "kind": e.kind,
                "id": e.id,
                "key": list(e.key),
                "retracts": e.retracts,
                "labels": list(e.labels),
                "action": e.action,
                "note": e.note,
                "model_flags": None if e.model_flags is None else list(e.model_flags),
                "data": e.data,
            }
            for e in contents.entries
        ],
        "effective": [[list(key), entry.id] for key, entry in contents.effective().items()],
        "problems": [[p.line, p.message] for p in contents.problems],
        "torn_tail": contents.torn_tail,
        "foreign_line": contents.foreign_line,
        "stats": stats(contents),
    }


# A retraction's entry no longer carries the labels, action and model flags of a "decision" mapping a hand-made
# retraction may hold (with-problems.yaml has one): no reader used them, and they never counted in the state.
_DECISION_ONLY = ("labels", "action", "note", "model_flags")


def without_decision_fields_of_retractions(reading: dict[str, Any]) -> dict[str, Any]:
    entries = [
        {k: v for k, v in entry.items() if entry["kind"] == "decision" or k not in _DECISION_ONLY}
        for entry in reading["entries"]
    ]
    return {**reading, "entries": entries}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_logs_of_the_earlier_writer_read_the_same(name: str) -> None:
    """Entries, problems (same lines, same messages), effective decisions and stats, and stats in the same
    key order as ``log stats --json`` printed them."""
    got = reading(FIXTURES / name)
    assert without_decision_fields_of_retractions(got) == without_decision_fields_of_retractions(EXPECTED[name])
    assert got["effective"] == EXPECTED[name]["effective"] and got["stats"] == EXPECTED[name]["stats"]
    assert list(got["stats"]) == list(EXPECTED[name]["stats"])


def documents_of(path: Path) -> list[bytes]:
    """The file's documents as written: each from its '---' line through its '...' line."""
    raw = path.read_bytes()
    parts = raw.split(b"\n...\n")
    assert parts[-1] == b""
    return [part + b"\n...\n" for part in parts[:-1]]


@pytest.mark.parametrize("name", WRITTEN)
def test_every_document_re_renders_to_its_own_bytes(name: str) -> None:
    path = FIXTURES / name
    entries = read_log(path, LABELS).entries
    originals = documents_of(path)
    assert len(entries) == len(originals)
    for entry, original in zip(entries, originals):
        record = entry.load()  # the typed record, read again from the file
        assert render(codec.encode(record)) == original
        assert render(entry.data) == original
        assert codec.decode(codec.encode(record)) == record


def pinned_decision_document(operation: dict[str, Any]) -> dict[str, Any]:
    document = decision_document(
        moderator=operation["moderator"],
        thread=operation["thread"],
        comment=operation["comment"],
        model=operation["model"],
        labels=operation["labels"],
        action=operation["action"],
        note=operation["note"],
    )
    document["id"], document["when"] = operation["id"], operation["when"]
    return document


def write_with_documents(path: Path, operations: list[dict[str, Any]]) -> None:
    """As the generator of the fixtures did, through the document API (which the CLI uses today)."""
    log = DecisionLog(path, LABELS)
    entries: dict[str, Entry] = {}
    for operation in operations:
        if operation["op"] == "decide":
            document = pinned_decision_document(operation)
        else:
            document = retraction_document(entries[operation["decision"]], operation["moderator"])
            document["id"], document["when"] = operation["id"], operation["when"]
        entries[operation["ref"]] = log.record(document)


def model_view(model: dict[str, Any] | None) -> ModelView | None:
    if model is None:
        return None
    score = CommentScore(None, None, model["scores"], model["flags"], model["concern"])
    return ModelView.from_score(score, model["id"])


def write_with_records(path: Path, operations: list[dict[str, Any]]) -> None:
    """As the review session does, through typed records."""
    log = DecisionLog(path, LABELS)
    entries: dict[str, Entry] = {}
    for operation in operations:
        if operation["op"] == "decide":
            thread, comment = operation["thread"], operation["comment"]
            record: Decision | Retraction = Decision.new(
                moderator=operation["moderator"],
                thread=ThreadRef(thread["source"], thread["id"], thread["title"], thread["url"]),
                comment=DecidedComment(comment["number"], comment["id"], comment["author"], comment["own_text"]),
                model=model_view(operation["model"]),
                labels=operation["labels"],
                action=Action(operation["action"]),
                note=operation["note"],
                id=operation["id"],
                when=operation["when"],
            )
        else:
            decision = entries[operation["decision"]].load()
            assert isinstance(decision, Decision)
            record = Retraction.of(decision, operation["moderator"], id=operation["id"], when=operation["when"])
        entries[operation["ref"]] = log.append(record)


@pytest.mark.parametrize("name", WRITTEN)
@pytest.mark.parametrize("write", [write_with_documents, write_with_records])
def test_recording_the_same_decisions_writes_the_same_bytes(tmp_path: Path, name: str, write: Any) -> None:
    path = tmp_path / name
    write(path, INPUTS[name])
    assert path.read_bytes() == (FIXTURES / name).read_bytes()


def test_records_from_a_thread_and_a_score_are_the_documents_of_their_dicts() -> None:
    """The review session builds records from the thread, the comment and the score; ``moderator decide`` built
    the document from their dicts: the same decision, the same bytes."""
    comment = Comment(21, "Lena, with respect, you did not read it.", id="88122", author="Ilse Brandt")
    thread = Thread("bugzilla", [comment], id="4127", title="Quillstone", url=None, product="CA")
    score = CommentScore(21, "88122", {"personal-attack": 0.91, "demand": 0.1}, ["personal-attack"], 0.93)
    as_dicts = decision_document(
        moderator="dana",
        thread=thread.header_dict(),
        comment=comment.to_dict(),
        model={"id": "m@1", "scores": score.scores, "flags": score.flags, "concern": score.concern},
        labels=["personal-attack"],
        action="hide",
        note="see guideline 2",
    )
    as_records = Decision.new(
        moderator="dana",
        thread=ThreadRef.from_thread(thread),
        comment=DecidedComment.from_comment(comment),
        model=ModelView.from_score(score, "m@1"),
        labels=["personal-attack"],
        action=Action.HIDE,
        note="see guideline 2",
        id=as_dicts["id"],
        when=as_dicts["when"],
    )
    assert render(codec.encode(as_records)) == render(as_dicts)


def page_copy() -> Thread:
    """A thread without an id (a page copy): its title names it in the key."""
    comments = [Comment(n, f"Comment {n} of a page copy.") for n in range(3)]
    return Thread("bugzilla-page", comments, id=None, title="Release process «naming»")


def test_reopening_a_thread_finds_its_earlier_decisions(tmp_path: Path) -> None:
    """The review session and the log key a decision with the same ThreadRef.key, also for a page copy."""
    taxonomy = load_taxonomy()
    path = tmp_path / "log.yaml"
    first = ReviewSession(page_copy(), taxonomy, DecisionLog(path, taxonomy.ids), "dana")
    first.accept()
    first.toggle_label("demand")
    first.save()
    [(key, entry), *_] = read_log(path, taxonomy.ids).effective().items()
    assert key == ("dana", "bugzilla-page", "Release process «naming»", 0) == first._key(first.thread.comments[0])
    again = ReviewSession(page_copy(), taxonomy, DecisionLog(path, taxonomy.ids), "dana")
    assert [d is not None for d in again.decisions] == [True, True, False]
    assert again.decisions[1] is not None and again.decisions[1].labels == ("demand",)
    assert again.position == 2
    other = ReviewSession(page_copy(), taxonomy, DecisionLog(path, taxonomy.ids), "lee")
    assert other.decisions == [None, None, None]  # another moderator's decisions are not this one's


def test_undo_in_a_session_writes_the_retraction_of_its_decision(tmp_path: Path) -> None:
    taxonomy = load_taxonomy()
    path = tmp_path / "log.yaml"
    session = ReviewSession(page_copy(), taxonomy, DecisionLog(path, taxonomy.ids), "dana")
    decided = session.accept()
    assert session.undo() == 0
    decision, retraction = (entry.load() for entry in read_log(path, taxonomy.ids).entries)
    assert isinstance(decision, Decision) and isinstance(retraction, Retraction)
    assert retraction.retracts == decided.id == decision.id
    assert retraction.thread == decision.thread and retraction.comment == decision.comment.ref
    assert retraction.key() == decision.key()


def test_the_typed_log_refuses_what_the_reader_would(tmp_path: Path) -> None:
    path = tmp_path / "log.yaml"
    log = DecisionLog(path, LABELS)
    decision = Decision.new(
        moderator="dana",
        thread=ThreadRef("bugzilla", "77", None, None),
        comment=DecidedComment(1, "1", "ana", "words"),
        model=None,
        labels=["rudeness"],
        action=Action.FLAG,
    )
    with pytest.raises(LogError, match="refusing to write an invalid decision: labels not in the taxonomy: rudeness"):
        log.append(decision)
    with pytest.raises(LogError, match="refusing to write an invalid decision: missing moderator"):
        log.append(dataclasses.replace(decision, moderator="", verdict=decision.verdict))
    assert not path.exists() or path.read_bytes() == b""


def test_a_hand_edited_decision_can_be_retracted(tmp_path: Path) -> None:
    """Schema 1 never typed a thread's fields: an id written as a number is read as text, keyed as before."""
    path = tmp_path / "log.yaml"
    shutil.copyfile(FIXTURES / "hand-edited.yaml", path)
    log = DecisionLog(path, LABELS)
    [hand_3] = [e for e in log.contents.entries if e.id == "hand-3"]
    record = hand_3.load()
    assert isinstance(record, Decision) and record.comment.id == "9" and record.model is None
    assert record == codec.decode(hand_3.data) and record.verdict.note == ""
    log.retract(hand_3, "lee")
    effective = read_log(path, LABELS).effective()
    assert [entry.id for entry in effective.values()] == ["hand-2"]


def test_actions_and_their_cycle() -> None:
    assert ACTIONS == tuple(Action) == ("ok", "flag", "remind", "hide", "escalate", "skip")
    # the review screen's action key, as the TUI cycled it before: flag, remind, hide, escalate, flag ...
    assert Action.cycle() == ("flag", "remind", "hide", "escalate")
    assert [Action.FLAG.next(), Action.REMIND.next(), Action.HIDE.next(), Action.ESCALATE.next()] == [
        "remind",
        "hide",
        "escalate",
        "flag",
    ]
    assert Action.OK.next() == Action.SKIP.next() == Action.FLAG  # from outside the cycle: its start
    assert Action("hide") is Action.HIDE and f"{Action.HIDE}" == "hide"
    with pytest.raises(ValueError):
        Action("warn")


def test_records_and_entries_are_frozen(tmp_path: Path) -> None:
    scores = {"demand": 0.5}
    view = ModelView.from_score(CommentScore(1, None, scores, ["demand"], 0.5), "m")
    scores["demand"] = 0.9  # the score's own dict: the view kept a copy
    assert view.scores == {"demand": 0.5}
    with pytest.raises(TypeError):
        view.scores["demand"] = 0.1  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.concern = 1.0  # type: ignore[misc]
    path = tmp_path / "log.yaml"
    shutil.copyfile(FIXTURES / "reviews.yaml", path)
    entry = read_log(path, LABELS).entries[0]
    with pytest.raises(AttributeError):
        entry.action = Action.HIDE  # type: ignore[misc]
    record = entry.load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.moderator = "someone else"  # type: ignore[misc]


def test_a_model_view_without_its_flags_is_none() -> None:
    """As the earlier reader's stats did: such a decision does not count towards agreement with the model."""
    assert codec.model_view({"scores": {"demand": 0.5}}) is None
    assert codec.model_view({"flags": "demand"}) is None
    view = codec.model_view({"flags": ["demand", 3], "scores": {"demand": 0.5, "threat": "high", 7: 0.25}})
    assert view is not None and view.flags == ("demand", "3") and dict(view.scores) == {"demand": 0.5, "7": 0.25}


def test_a_comments_node_id_round_trips_and_is_written_only_where_there_is_one(tmp_path: Path) -> None:
    """GitHub's node id (for the tag export) is kept in the comment record; a decision without one is written
    byte for byte as before it existed, and a document from a dict (``moderator decide``'s path) is the same."""
    comment = Comment(3, "You clearly never read the code.", id="9002", author="bo", node_id="IC_kwDOAAA9002")
    thread = Thread("github", [Comment(0, "Issue text."), comment], id="o/r#58", title="Sync")
    path = tmp_path / "log.yaml"
    log = DecisionLog(path, LABELS)
    for decided in (
        DecidedComment.in_thread(thread, 1),
        dataclasses.replace(DecidedComment.in_thread(thread, 1), node_id=None),
    ):
        log.append(
            Decision.new(
                moderator="dana",
                thread=ThreadRef.from_thread(thread),
                comment=decided,
                model=None,
                labels=["personal-attack"],
                action=Action.HIDE,
            )
        )
    with_id, without = (entry.load() for entry in read_log(path, LABELS).entries)
    assert isinstance(with_id, Decision) and with_id.comment.node_id == "IC_kwDOAAA9002"
    assert isinstance(without, Decision) and without.comment.node_id is None
    assert with_id.comment == DecidedComment.in_thread(thread, 1)
    assert codec.encode(with_id)["comment"]["node_id"] == "IC_kwDOAAA9002"
    assert "node_id" not in codec.encode(without)["comment"]
    assert codec.decode(codec.encode(with_id)) == with_id
    as_dict = decision_document(
        moderator="dana",
        thread=thread.header_dict(),
        comment=comment.to_dict(),
        model=None,
        labels=["personal-attack"],
        action="hide",
    )
    assert as_dict["comment"]["node_id"] == "IC_kwDOAAA9002"
    plain = decision_document(
        moderator="dana",
        thread=thread.header_dict(),
        comment=thread.comments[0].to_dict(),
        model=None,
        labels=[],
        action="ok",
    )
    assert "node_id" not in plain["comment"]
