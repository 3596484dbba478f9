"""Write the bundled sample thread in every supported format from its canonical YAML document.

    python scripts/make_sample_formats.py          # rewrite moderator/samples/bug-4127.*
    python scripts/make_sample_formats.py --check  # exit 1 if a committed file differs from what it would write

The page copy carries the traps of a real one: comment 15's marker is missing after an ``Updated•`` line, and
comment 36's marker is missing with no line at all, so its text runs into comment 35.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from moderation_core.yamlsafe import load_one
from moderator.sources import load_thread

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the format writers are a test helper, not part of the package

import exporters  # noqa: E402

SAMPLES = ROOT / "moderator" / "samples"
CANONICAL = SAMPLES / "bug-4127.yaml"
PAGE_COPY_NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PAGE_COPY_MISSING_MARKERS = (15, 36)
PAGE_COPY_UPDATED_BEFORE = (15, 30, 42)


def sample_files() -> dict[str, str]:
    thread = load_thread(CANONICAL)
    raw = load_one(CANONICAL.read_text(encoding="utf-8"))
    logins = {c["author"]: c["login"] for c in raw["comments"] if c.get("login")}
    return {
        "bug-4127.rest.json": exporters.to_bugzilla_rest(thread, logins=logins),
        "bug-4127.txt": exporters.to_page_copy(
            thread,
            now=PAGE_COPY_NOW,
            missing_markers=PAGE_COPY_MISSING_MARKERS,
            updated_before=PAGE_COPY_UPDATED_BEFORE,
        ),
        "bug-4127.github.json": exporters.to_github(thread, logins=logins),
        "bug-4127.mbox": exporters.to_mbox(thread, logins=logins),
        "bug-4127.jsonl": exporters.to_jsonl([thread]),
        "bug-4127.csv": exporters.to_csv([thread]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    args = parser.parse_args()
    stale = []
    for name, content in sample_files().items():
        path = SAMPLES / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                stale.append(name)
        else:
            path.write_text(content, encoding="utf-8", newline="\n")
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run scripts/make_sample_formats.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
