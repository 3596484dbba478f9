"""A helper process for the decision-log tests: appends decisions and reports each one once it is saved."""

from __future__ import annotations

import sys

from moderator.log import DecisionLog, decision_document

LABELS = ("personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory")


def main() -> None:
    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    log = DecisionLog(path, LABELS)
    for number in range(count):
        document = decision_document(
            moderator=name,
            thread={"source": "bugzilla", "id": "77", "title": "Release process", "url": None},
            comment={"number": number, "id": str(number), "author": "ana", "own_text": f"comment {number} " * 40},
            model={"id": "test", "scores": {"demand": 0.5}, "flags": [], "concern": 0.5},
            labels=["demand"] if number % 3 else [],
            action="flag" if number % 3 else "ok",
            note=f"{name} decided {number}",
        )
        log.record(document)
        print(f"saved {document['id']}", flush=True)


if __name__ == "__main__":
    main()
