"""Score a thread in a separate process: ``python -m moderator.scoring_worker MODEL_DIR TAXONOMY``.

The review screen hands a long thread to this process (pickled on standard input, scores pickled on standard
output) so that scoring takes the machine's other core instead of the interpreter that answers the moderator's
keys. Both ends are this program; nothing else is ever unpickled.
"""

from __future__ import annotations

import pickle
import sys

from classifiers.taxonomy import load_taxonomy
from moderator.scoring import load_scorer, score_thread


def main() -> int:
    model_dir, taxonomy_path = sys.argv[1], sys.argv[2]
    thread = pickle.load(sys.stdin.buffer)
    scorer = load_scorer(model_dir, load_taxonomy(taxonomy_path))
    scores = score_thread(scorer, thread, chunk=1000)  # in batches: the peak memory of one batch
    pickle.dump(scores, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
