"""Time and peak memory of the real CLI on big and hostile structured files (JSONL, CSV, JSON).

    .venv/bin/python scripts/bench_hostile_structured.py [--size-mb 60] [--scales 1 2 4] [--cases ...]
        [--commands thread score] [--model DIR] [--folder /tmp]

Each case is generated at ``size-mb`` times each scale, run as ``moderator COMMAND FILE --json`` under
``/usr/bin/time -v`` (output thrown away), and deleted before the next one. One line per run: the case, the size,
the command, the exit status, wall-clock seconds, maximum resident set size, and the first line of the error if
the file was refused. The target (issue 10): a 250 MB file imports within 2 GB, or is refused up front with the
reason; sizes over the 256 MiB source limit show that refusal.

Cases:
  jsonl-empty   {"text":""} per line: 21 million comments at 250 MB (refused by the comment limit)
  csv-a         a header, then "a," rows: 83 million rows at 250 MB (refused by the comment limit)
  jsonl-real    comments of ~270 bytes with thread, number and author fields (imports while under the limit)
  json-github   a GitHub REST comment list of ~600-byte comments (imports while under the limit)
  json-empties  [{},{},...]: 80 million objects at 250 MB (refused by the JSON value limit)
  json-deep     "[" repeated: nesting far past the decoder's depth (refused naming the position)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODERATOR = Path(sys.executable).with_name("moderator")
_CHUNK = 4 * 1024 * 1024
_BODY = (
    "We measured the cache hit rate again and it is still below target, so please look at the numbers before "
    "you merge anything else into the release branch today. Thanks, and sorry for the noise."
)


def _repeat_unit(path: Path, size: int, head: bytes, unit: bytes, tail: bytes = b"") -> None:
    """``head``, then ``unit`` repeated up to ``size`` bytes in all, then ``tail``."""
    with path.open("wb") as out:
        out.write(head)
        written = len(head) + len(tail)
        block = unit * max(1, _CHUNK // len(unit))
        while written + len(block) <= size:
            out.write(block)
            written += len(block)
        out.write(unit * ((size - written) // len(unit)))
        out.write(tail)


def _records(path: Path, size: int, record: Callable[[int], bytes], head: bytes = b"", tail: bytes = b"") -> None:
    """Numbered records written until the file reaches ``size`` bytes."""
    with path.open("wb") as out:
        out.write(head)
        written = len(head) + len(tail)
        number = 0
        batch: list[bytes] = []
        while written < size:
            line = record(number)
            batch.append(line)
            written += len(line)
            number += 1
            if len(batch) == 10_000:
                out.write(b"".join(batch))
                batch = []
        out.write(b"".join(batch))
        out.write(tail)


def jsonl_empty(path: Path, size: int) -> None:
    _repeat_unit(path, size, b"", b'{"text":""}\n')


def csv_a(path: Path, size: int) -> None:
    _repeat_unit(path, size, b"text,x\n", b"a,\n")


def jsonl_real(path: Path, size: int) -> None:
    def record(n: int) -> bytes:
        fields = {"thread": f"t{n // 1000}", "number": n % 1000, "author": f"user{n % 97}", "text": f"{n}: {_BODY}"}
        return (json.dumps(fields) + "\n").encode()

    _records(path, size, record)


def json_github(path: Path, size: int) -> None:
    url = "https://api.github.com/repos/tarnwick/kettle-sync/issues/58"

    def comment(n: int) -> bytes:
        value = {
            "id": n + 1,
            "issue_url": url,
            "html_url": f"https://github.com/tarnwick/kettle-sync/issues/58#c{n}",
            "user": {"login": f"user{n % 97}", "id": n % 97, "type": "User"},
            "author_association": "MEMBER",
            "created_at": "2026-02-03T14:05:00Z",
            "body": f"{n}: {_BODY}",
        }
        return (("," if n else "") + json.dumps(value)).encode()

    _records(path, size, comment, head=b"[", tail=b"]\n")


def json_empties(path: Path, size: int) -> None:
    _repeat_unit(path, size, b"[{}", b",{}", b"]")


def json_deep(path: Path, size: int) -> None:
    _repeat_unit(path, size, b"", b"[")


CASES: dict[str, tuple[str, Callable[[Path, int], None]]] = {
    "jsonl-empty": ("jsonl", jsonl_empty),
    "csv-a": ("csv", csv_a),
    "jsonl-real": ("jsonl", jsonl_real),
    "json-github": ("json", json_github),
    "json-empties": ("json", json_empties),
    "json-deep": ("json", json_deep),
}


def measure(command: str, path: Path, model: str | None) -> tuple[int, float, float, str]:
    """(exit status, wall-clock seconds, max RSS in MB, first error line) of one CLI run under /usr/bin/time -v."""
    args = [str(MODERATOR), command, str(path), "--json"]
    if command == "score" and model:
        args += ["--model", model]
    result = subprocess.run(
        ["/usr/bin/time", "-v", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
    )
    report = result.stderr
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", report)
    seconds = 0.0
    if wall:
        hours, minutes, secs = wall.groups()
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    error = next((line for line in report.splitlines() if line.startswith("moderator: error:")), "")
    status = re.search(r"Exit status: (\d+)", report)
    return (
        int(status.group(1)) if status else result.returncode,
        seconds,
        int(rss.group(1)) / 1024 if rss else 0.0,
        error,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=float, default=60.0, help="size of the 1x files in MB (default 60)")
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 2, 4])
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--commands", nargs="+", choices=["thread", "score"], default=["thread", "score"])
    parser.add_argument("--model", help="model folder for 'score' (default: the bundled model)")
    parser.add_argument("--folder", default=tempfile.gettempdir(), help="where the files are written (and deleted)")
    args = parser.parse_args()
    print(f"{'case':13} {'MB':>6} {'command':7} {'exit':>4} {'seconds':>8} {'max RSS MB':>10}  error")
    for name in args.cases:
        suffix, generate = CASES[name]
        for scale in args.scales:
            size = int(args.size_mb * scale * 1_000_000)
            with tempfile.TemporaryDirectory(dir=args.folder) as folder:
                path = Path(folder) / f"{name}.{suffix}"
                generate(path, size)
                megabytes = path.stat().st_size / 1_000_000
                for command in args.commands:
                    status, seconds, rss, error = measure(command, path, args.model)
                    shown = error.removeprefix("moderator: error: ").replace(str(path), path.name)[:110]
                    print(
                        f"{name:13} {megabytes:6.0f} {command:7} {status:4} {seconds:8.1f} {rss:10.0f}  {shown}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
