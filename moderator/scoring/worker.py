"""Score a thread in a separate process: ``python -m moderator.scoring.worker MODEL_DIR TAXONOMY``.

``moderator.scoring.background`` hands a long thread to this process so that scoring takes the machine's other
core instead of the interpreter that answers the moderator's keys. Both ways the data travel as a pickled list of small
pickled batches, so that neither side holds the interpreter for long in one piece (one pickle of a
10,000-comment thread takes about 100 ms). Both ends are this program; nothing else is ever unpickled.
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from moderation_core.taxonomy import load_taxonomy
from moderation_core.thread import Thread
from moderator.scoring import CommentScore, load_scorer, score_thread

BATCH = 500


def pack(items: Sequence[Any], pause: Callable[[], None] = lambda: None) -> list[bytes]:
    batches = []
    for start in range(0, len(items), BATCH):
        batches.append(pickle.dumps(list(items[start : start + BATCH]), protocol=pickle.HIGHEST_PROTOCOL))
        pause()
    return batches


def unpack(batches: Sequence[bytes], pause: Callable[[], None] = lambda: None) -> list[Any]:
    items: list[Any] = []
    for batch in batches:
        items.extend(pickle.loads(batch))  # our own batches only
        pause()
    return items


def encode_thread(thread: Thread, pause: Callable[[], None] = lambda: None) -> bytes:
    header = dataclasses.replace(thread, comments=[])
    return pickle.dumps((header, pack(thread.comments, pause)), protocol=pickle.HIGHEST_PROTOCOL)


def decode_scores(data: bytes, pause: Callable[[], None] = lambda: None) -> list[CommentScore]:
    return unpack(pickle.loads(data), pause)


def worker_command(model_dir: Path, taxonomy_path: Path) -> list[str]:
    """The command line that runs this module with this interpreter."""
    return [sys.executable, "-m", "moderator.scoring.worker", str(model_dir), str(taxonomy_path)]


def main() -> int:
    model_dir, taxonomy_path = sys.argv[1], sys.argv[2]
    header, batches = pickle.load(sys.stdin.buffer)
    thread = dataclasses.replace(header, comments=unpack(batches))
    scorer = load_scorer(model_dir, load_taxonomy(taxonomy_path))
    scores = score_thread(scorer, thread, chunk=1000)  # in batches: the peak memory of one batch
    pickle.dump(pack(scores), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
