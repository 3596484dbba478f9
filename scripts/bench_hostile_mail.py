"""Hostile mail through the real CLI: does 4x the input cost at most 5x the time, and how much memory?

    .venv/bin/python scripts/bench_hostile_mail.py [--scale 1] [--repeat 3] [--only NAME ...] [--large]

Each case is a worst-case input for one part of the mbox importer (moderator/sources/mbox.py): a reply chain
whose root walk was quadratic, a Subject of encoded-words that Python's header parser decoded in quadratic time
and memory, a big archive of ordinary mail, a reply cycle, MIME parts nested to the limit, headers built to make
a backtracking regular expression or a parameter parser quadratic, ... Each is written at 1x, 2x and 4x its base
size and imported with ``moderator thread FILE --json > /dev/null`` as a user runs it. For each size the best
wall time of ``--repeat`` runs and the child's peak RSS (from ``wait4``) are printed, then t(4x)/t(1x): the
issue's target is at most 5. Start-up (interpreter and imports, measured on a one-message mbox) is part of every
wall time; the "import" column subtracts it, and its ratio is the one that shows the growth.

``--large`` adds the memory measurement of the issue: an mbox of about 50 MB of ordinary list mail, peak RSS
against file size. Every run gets an empty home folder of its own. Figures depend on the machine; the ratios
much less.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MODERATOR = Path(sys.executable).with_name("moderator")

FROM_LINE = "From bench@lists.example Mon Jan  5 08:00:00 2032\n"
PROSE = (
    "I looked at the patch again this morning and I think the locking change is right,\n"
    "but the error path still leaks the buffer when the second allocation fails.\n"
    "Could you add a test for that case before we merge it?\n"
)


def mail(number: int, body: str = PROSE, *, subject: str = "Locking in the flush path", **headers: str) -> str:
    """One mbox message: From line, headers, blank line, body, blank line."""
    lines = [
        FROM_LINE.rstrip("\n"),
        f"From: Person {number % 97} <p{number % 97}@lists.example>",
        f"Subject: {subject}",
        f"Date: Mon, 05 Jan 2032 {number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d} +0000",
        f"Message-ID: <m{number}@lists.example>",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    return "\n".join(lines) + "\n\n" + body.rstrip("\n") + "\n\n"


@dataclass(frozen=True)
class Case:
    """A hostile input: ``build(n)`` writes it at size ``n``; ``exit_status`` is what the CLI must answer."""

    name: str
    base: int
    build: Callable[[int], str]
    exit_status: int = 0


def reply_chain(n: int) -> str:
    """n messages, each replying to the one before (In-Reply-To and the last References): one thread n deep."""
    parts = [mail(0)]
    for number in range(1, n):
        parent = f"<m{number - 1}@lists.example>"
        parts.append(
            mail(
                number,
                f"> quoted line of {number - 1}\n\nMy answer {number}.",
                subject="Re: Locking",
                In_Reply_To=parent,
                References=f"<m0@lists.example> {parent}",
            )
        )
    return "".join(parts)


def reply_cycle(n: int) -> str:
    """n messages in a ring: each replies to the next, the last to the first."""
    return "".join(
        mail(number, f"Ring {number}.", subject="Re: ring", In_Reply_To=f"<m{(number + 1) % n}@lists.example>")
        for number in range(n)
    )


def encoded_words(n: int) -> str:
    """One message whose Subject is n encoded-words (Python's header parser took 7.8 GB for 100,000)."""
    words = " ".join(f"=?utf-8?q?w=C3=B6rd{i}?=" for i in range(n))
    return mail(0, subject=words)


def encoded_words_split(n: int) -> str:
    """A Subject of n base64 words each holding half of a two-byte character (joined before decoding)."""
    return mail(0, subject=" ".join(["=?utf-8?b?w6k=?=", "=?utf-8?b?w7Y=?="] * (n // 2)))


def many_references(n: int) -> str:
    """Two messages; the second's References lists n ids not in the archive before its parent."""
    refs = " ".join(f"<gone{i}@lists.example>" for i in range(n))
    return mail(0) + mail(1, subject="Re: x", References=f"<m0@lists.example> {refs}")


def folded_duplicate(n: int) -> str:
    """The same Message-ID twice, one copy with a header folded over n lines (compared header by header)."""
    folded = "\n ".join(f"part{i}" for i in range(n))
    return mail(0, X_Long=folded) + mail(0, X_Long=folded.replace("\n ", "\n\t"))


def nested_mime(n: int) -> str:
    """MIME parts nested 32 deep (the limit) around a text part of n lines."""
    depth = 32
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth - 1))
    tail = "".join(f"--b{i}--\n" for i in reversed(range(depth - 1)))
    body = head + "Content-Type: text/plain\n\n" + "a line of the body\n" * n + tail
    message = mail(0, body="")
    headers = message.split("\n\n", 1)[0]
    return headers + "\nMIME-Version: 1.0\n" + body


def content_type_semicolons(n: int) -> str:
    """A multipart Content-Type of n semicolons before its boundary (the standard parser copies per ';')."""
    body = "--xx\nContent-Type: text/plain\n\nhello\n--xx--\n"
    return mail(0, body, Content_Type="multipart/mixed; " + ";" * n + ' boundary="xx"')


def subject_spaces(n: int) -> str:
    """Subject "Re" + n spaces + "x": a prefix pattern with two adjacent \\s* backtracks quadratically."""
    return mail(0, subject="Re" + " " * n + "x")


def html_brackets(n: int) -> str:
    """An HTML-only body of n "<" and no ">": a tag pattern of <[^>]*> rescans to the end from each one."""
    return mail(0, "<" * n, Content_Type="text/html; charset=utf-8")


def from_parentheses(n: int) -> str:
    """A From header of n nested "(" (an address comment that never closes)."""
    return mail(0).replace("From: Person 0 <p0@lists.example>", "From: " + "(" * n + "a@b")


def utf7_bodies(n: int) -> str:
    """n messages in UTF-7 whose text decodes to lone surrogates, and n in a charset nobody knows."""
    return "".join(
        mail(number, "Hello +2AA- there.", Content_Type="text/plain; charset=utf-7")
        + mail(n + number, "Caf\u00e9 au lait.", Content_Type="text/plain; charset=x-nonsense")
        for number in range(n)
    )


def ordinary_archive(n: int) -> str:
    """n messages of list mail: threads of 25 replies each, quoting their parent."""
    parts = []
    for number in range(n):
        root = number - number % 25
        if number == root:
            parts.append(mail(number, subject=f"Topic {root}"))
            continue
        parent = f"<m{number - 1}@lists.example>"
        body = "On Mon, Person wrote:\n> " + PROSE.replace("\n", "\n> ").rstrip("> ") + "\nAgreed, thanks.\n"
        parts.append(
            mail(
                number,
                body,
                subject=f"Re: Topic {root}",
                In_Reply_To=parent,
                References=f"<m{root}@lists.example> {parent}",
            )
        )
    return "".join(parts)


CASES: tuple[Case, ...] = (
    Case("reply chain", 2_500, reply_chain),
    Case("reply cycle", 2_500, reply_cycle),
    Case("Subject of encoded-words", 25_000, encoded_words),
    Case("encoded-words split chars", 25_000, encoded_words_split),
    Case("References of absent ids", 50_000, many_references),
    Case("duplicate, folded header", 50_000, folded_duplicate),
    Case("MIME nested 32 deep", 25_000, nested_mime),
    Case("Content-Type semicolons", 100_000, content_type_semicolons),
    Case("Subject Re + spaces", 200_000, subject_spaces),
    Case("HTML body of '<'", 200_000, html_brackets),
    Case("From of '('", 200_000, from_parentheses),
    Case("utf-7 and unknown charsets", 1_000, utf7_bodies),
    Case("ordinary archive", 2_500, ordinary_archive),
)


def run(path: Path, home: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in KiB and exit status of ``moderator thread PATH --json > /dev/null``."""
    env = {**os.environ, "HOME": str(home), "PYTHONUTF8": "1"}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "MODERATOR_LOG", "MODERATOR_MODEL"):
        env.pop(name, None)
    began = time.perf_counter()
    child = subprocess.Popen(
        [str(MODERATOR), "thread", str(path), "--json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert child.stderr is not None
    error = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - began
    child.stderr.close()
    if b"Traceback" in error:
        raise SystemExit(f"{path.name}: traceback\n{error.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def best_of(path: Path, home: Path, repeat: int) -> tuple[float, int, int]:
    results = [run(path, home) for _ in range(repeat)]
    return min(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def bench_case(case: Case, folder: Path, home: Path, repeat: int, scale: float, startup: float) -> None:
    times: list[float] = []
    for factor in (1, 2, 4):
        size = max(1, int(case.base * scale)) * factor
        path = folder / "case.mbox"
        path.write_text(case.build(size), encoding="utf-8")
        seconds, rss, status = best_of(path, home, repeat)
        if status != case.exit_status:
            raise SystemExit(f"{case.name} at {size}: exit status {status}, expected {case.exit_status}")
        times.append(seconds)
        mb = path.stat().st_size / 1e6
        print(
            f"{case.name:28} {factor}x {size:>9,} {mb:8.2f} MB {seconds:8.3f}s {max(seconds - startup, 0):8.3f}s "
            f"{rss / 1024:8.1f} MiB  exit {status}"
        )
    whole = times[2] / times[0]
    own = max(times[2] - startup, 1e-3) / max(times[0] - startup, 1e-3)
    verdict = "ok" if whole <= 5 else "OVER 5x"
    print(f"{'':28} t(4x)/t(1x) = {whole:.2f} (import alone {own:.2f})  {verdict}")


def bench_large(folder: Path, home: Path) -> None:
    """The issue's memory figure: about 50 MB of ordinary list mail."""
    path = folder / "large.mbox"
    path.write_text(ordinary_archive(105_000), encoding="utf-8")
    seconds, rss, status = run(path, home)
    size = path.stat().st_size
    print(
        f"{'ordinary archive, large':28}    {size / 1e6:8.1f} MB {seconds:8.1f}s  peak RSS {rss / 1024:8.1f} MiB "
        f"= {rss * 1024 / size:.1f}x the file  exit {status}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every base size (default 1)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, help="names (or parts of names) of the cases to run")
    parser.add_argument("--large", action="store_true", help="also the 50 MB archive (peak RSS / file size)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        home = folder / "home"
        home.mkdir()
        tiny = folder / "tiny.mbox"
        tiny.write_text(mail(0), encoding="utf-8")
        startup = best_of(tiny, home, args.repeat)[0]
        print(f"start-up (one-message mbox): {startup:.3f}s")
        print(f"{'case':28} sz {'n':>9} {'file':>11} {'wall':>9} {'import':>9} {'peak RSS':>12}")
        for case in CASES:
            if args.only and not any(part.lower() in case.name.lower() for part in args.only):
                continue
            bench_case(case, folder, home, args.repeat, args.scale, startup)
        if args.large:
            bench_large(folder, home)


if __name__ == "__main__":
    main()
