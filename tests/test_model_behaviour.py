"""What the bundled model does with the comments issue 12 was about, on text written for these tests (never in the
training data): one breach hidden in a long technical comment, accusations in the polite register and their hard
negatives, texts too short to judge, and the review mark. Every comment goes the product's way: a JSONL file,
imported and segmented, scored by ``score_threads``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderator.scoring import CommentScore, Scorer, load_scorer, score_threads
from moderator.sources import load_threads

BENCHMARK_TALK = [
    "The serializer spends most of its time in the varint encoder according to the flame graph.",
    "With the arena allocator enabled the p99 drops from 41 ms to 29 ms on the large fixture.",
    "I reran the benchmark three times on an idle machine and the numbers are stable within two percent.",
    "Switching the buffer to a preallocated slice removed most of the allocations in the hot loop.",
    "The regression appears after the change that made field lookup go through the reflection cache.",
    "Batching the writes into 64 KiB chunks did not change throughput on NVMe, but helped on spinning disks.",
    "Numbers for the small-message case are in the attached CSV, one row per run.",
]
BREACH = "You are incompetent and everyone knows it."
BLUNT_VERDICT = "This approach is simply wrong: it copies the whole buffer on every call."
TITLE = "Serializer is slow on large messages"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return load_scorer()


def score_texts(scorer: Scorer, tmp_path: Path, texts: list[str], title: str = TITLE) -> list[CommentScore]:
    """Each text as the opening comment of a thread of its own, imported from JSONL and scored."""
    path = tmp_path / "comments.jsonl"
    rows = [{"thread": f"t{i}", "title": title, "id": f"c{i}", "text": text} for i, text in enumerate(texts)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return [scores[0] for _, scores in score_threads(scorer, load_threads(path))]


def hidden(sentence: str, lines: int, position: str) -> str:
    body = [BENCHMARK_TALK[i % len(BENCHMARK_TALK)] for i in range(lines)]
    body.insert({"start": 0, "middle": lines // 2, "end": lines}[position], sentence)
    return "\n".join(body)


PLACES = [(lines, position) for lines in (3, 10, 50, 200) for position in ("start", "middle", "end")]


def test_one_breach_hidden_in_a_long_technical_comment_carries_it(scorer: Scorer, tmp_path: Path) -> None:
    results = score_texts(scorer, tmp_path, [hidden(BREACH, lines, position) for lines, position in PLACES])
    caught = [place for place, result in zip(PLACES, results) if result.needs_review]
    assert len(caught) >= 10, f"caught only at {caught}"
    # The evidence points at the breach, not at the benchmark talk around it.
    for result in results:
        sentences = [span.text for spans in result.evidence.values() for span in spans if span.kind == "sentence"]
        if result.flags:
            assert BREACH in sentences


def test_a_blunt_technical_verdict_in_a_long_civil_comment_is_not_flagged(scorer: Scorer, tmp_path: Path) -> None:
    results = score_texts(scorer, tmp_path, [hidden(BLUNT_VERDICT, lines, position) for lines, position in PLACES])
    assert [place for place, result in zip(PLACES, results) if result.needs_review] == []


def test_the_same_breach_alone_and_in_a_short_comment_is_flagged(scorer: Scorer, tmp_path: Path) -> None:
    alone, short = score_texts(scorer, tmp_path, [BREACH, hidden(BREACH, 2, "middle")])
    assert "personal-attack" in alone.flags
    assert short.flags


VENDOR_TITLE = "Delayed revocation of mis-issued certificates by Harrowfield PKI"
POLITE_ACCUSATIONS = [
    "Odd how every deadline Harrowfield misses lines up with a new contract for the people reviewing it. "
    "I'm sure that is a coincidence.",
    "Many thanks to Ilse for the update, which arrived the very morning after the audit window closed. "
    "Impeccable timing, as always.",
    "We all know why this bug keeps getting pushed to next quarter: the module peer plays golf with their CTO.",
    "With respect, Jonas should not be ruling on this one. His fondness for Harrowfield is hardly a secret and it "
    "shows in every reply.",
    "This is the usual routine from Harrowfield: flood the bug with long status reports so nobody notices the "
    "revocations still haven't happened.",
    "I suspect the 'tooling problem' was discovered precisely when a tooling problem became useful as an explanation.",
    "It is remarkable how the steering group only finds procedural objections when the proposal comes from a "
    "competitor.",
    "Let's not pretend this review was impartial; the outcome was agreed over dinner long before the public "
    "comment period opened.",
]
HARD_NEGATIVES = [
    "Harrowfield's incident report gives 14 March as the revocation date, but crt.sh shows 41 certificates still "
    "valid on 22 March. Please explain the gap.",
    "Jonas, you mentioned in comment 12 that you consult for Harrowfield. Under section 4.2 of the policy, could "
    "you hand this review to another peer?",
    "I disagree with the proposed 30-day extension; the baseline requirements allow five days and the report "
    "gives no reason the limit could not be met.",
    "Thank you for the detailed timeline, Ilse. Could you also attach the revocation logs for the second batch?",
    "> We all know why this keeps getting pushed: they are friends.\n\n"
    "Please keep this bug to the facts. Accusations about motives do not help the review.",
    "This is the third delayed-revocation incident from Harrowfield in two years (bugs 2210 and 2675). I think "
    "the module should consider a formal warning.",
    "The steering group's objection cites section 7 of the charter; I read that section differently, for the "
    "reasons below.",
    "Could the module owners publish the criteria they will use to decide, so that all CAs are judged the same way?",
]


def reaches_accusation(result: CommentScore) -> bool:
    return "accusation" in result.flags or "accusation" in result.suggested


def test_accusations_in_the_polite_register_reach_the_accusation_label(scorer: Scorer, tmp_path: Path) -> None:
    results = score_texts(scorer, tmp_path, POLITE_ACCUSATIONS, VENDOR_TITLE)
    reached = [text[:50] for text, result in zip(POLITE_ACCUSATIONS, results) if reaches_accusation(result)]
    # Measured when the model was bundled: 4 of these 8 (the others rank high on concern, below the flag). The
    # bundled model before it reached 1 of them.
    assert len(reached) >= 4, reached


def test_evidence_based_criticism_and_quoted_accusations_are_not_flagged(scorer: Scorer, tmp_path: Path) -> None:
    results = score_texts(scorer, tmp_path, HARD_NEGATIVES, VENDOR_TITLE)
    assert [text[:50] for text, result in zip(HARD_NEGATIVES, results) if result.needs_review] == []


TOO_SHORT_TO_JUDGE = [
    "a",
    "x",
    "no",
    "ok",
    "yes",
    "lol",
    "the",
    "?",
    "!!!",
    "...",
    "😀",
    "👍",
    "+1",
    "-1",
    "meh",
    "hmm",
]


def test_texts_too_short_to_judge_are_never_flagged(scorer: Scorer, tmp_path: Path) -> None:
    results = score_texts(scorer, tmp_path, TOO_SHORT_TO_JUDGE, "Crash on startup")
    assert {text: result.flags for text, result in zip(TOO_SHORT_TO_JUDGE, results) if result.flags} == {}


@pytest.mark.parametrize("text", ["bump", "+1", "bump!!", "any update???"])
def test_pestering_leans_to_demand(scorer: Scorer, tmp_path: Path, text: str) -> None:
    (result,) = score_texts(scorer, tmp_path, [text], "Crash on startup")
    assert max(result.scores, key=result.scores.__getitem__) == "demand"


def test_high_concern_without_a_label_is_marked_for_review_with_suggestions(scorer: Scorer, tmp_path: Path) -> None:
    (result,) = score_texts(
        scorer,
        tmp_path,
        ["You clearly didn't bother to read the log before closing this. Typical."],
        "Installer fails on a clean machine",
    )
    assert result.flags == []
    assert result.review and result.needs_review
    assert result.suggested and set(result.suggested) <= set(result.scores)
    assert result.evidence and set(result.evidence) == set(result.suggested)


def test_review_mark_follows_the_model_threshold(scorer: Scorer, tmp_path: Path) -> None:
    texts = [*BENCHMARK_TALK, BREACH, *POLITE_ACCUSATIONS, *HARD_NEGATIVES, *TOO_SHORT_TO_JUDGE]
    model = scorer.model
    assert model.review_threshold_ is not None
    results = score_texts(scorer, tmp_path, texts)
    threshold = float(model.review_threshold_)
    for result in results:
        if result.review:  # concern is shown rounded to 4 places
            assert not result.flags and result.concern >= threshold - 1e-4 and result.suggested
        else:
            assert result.flags or result.concern <= threshold + 1e-4
            assert result.suggested == []
