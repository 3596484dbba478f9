"""The hostile-input table (issue 10): every row is a file or an argument built to break the importers, the decision
log, the model loader, the labeled-data reader or the terminal, run through the real ``moderator`` command.

Each row runs in a subprocess under resource limits, not a stopwatch (CI machines differ):

* address space (``RLIMIT_AS``): 1 GiB, the issue's target. Measured on 2026-11-29: ``moderator thread`` on the
  sample page copy runs in 25 MiB of address space; the commands that load the classifier (numpy, scipy,
  scikit-learn) need about 320 MiB with ``OPENBLAS_NUM_THREADS=1``, set here (each OpenBLAS thread reserves
  buffers of its own, so the figure grows with the cores);
* CPU time (``RLIMIT_CPU``): 30 s, about ten times what the slowest legitimate row (a command that loads the
  classifier) spends; a super-linear importer on the rows of item 15 needs far more and is killed by SIGXCPU;
* a wall-clock timeout of 120 s only guards against a hang (a FIFO opened for reading blocks forever).

Except the rows marked ``tiny``: a record or a model card of a few kilobytes at most, refused by a command that loads
the classifier. No limit is at stake there, and a process of its own would cost each seconds (importing scikit-learn), so
they run through ``moderator.cli.main`` in the test's process (:func:`run_in_process`), under the same checks, the
warnings Python would print counted as lines on stderr. The rows that score with the classifier (decide), read
deep nesting (recursion), devices, FIFOs or raw bytes on the command line stay in a process under limits, as do all
rows in ``scripts/bench_hostile.py``.

A row that is refused must exit 2 with exactly one line on stderr that names the file (or the option), nothing on
stdout, no traceback, and, where a decision log is given, leave the log's bytes as they were. ``log validate``
reports the problems of a readable log on stdout with exit 1, one line per problem. Rows whose documented
behaviour is success (a lone surrogate imports; a quote of 100,000 lines is recognised) must exit 0. No row may
put a raw ESC, C1 control or BEL on the terminal.

The inputs are built here at CI scale; ``scripts/bench_hostile.py`` runs the same rows at the issue's full sizes
and prints exit code, seconds and peak memory for each.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import MODERATOR_BIN, ROOT, SAMPLES, run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="resource limits, FIFOs and /dev/zero are POSIX")

MEMORY_LIMIT_BYTES = 2**30
CPU_LIMIT_SECONDS = 30
HANG_GUARD_SECONDS = 120
EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED = 0, 1, 2
# Python refuses to turn a decimal string of more than 4,300 digits into an int (CVE-2020-10735) with a ValueError.
HUGE_NUMBER = "9" * 5000
# What must never reach a terminal raw: C0 controls but tab and newline, DEL, C1 controls (0x9b is a CSI).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ESCAPES = "\x1b[31m\x9b\x07"
ESCAPES_JSON = "\\u001b[31m\\u009b\\u0007"  # the same, as JSON escapes (raw controls are not valid JSON strings)
SOURCE = SAMPLES / "bug-4127.csv"  # a valid thread, for the rows about a log, a name or an option
LABEL_IDS = ("personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory")


@dataclass(frozen=True)
class Sizes:
    """How big the rows that cost memory or time are built (CI scale here; the benchmark uses the issue's)."""

    many_rows_bytes: int  # item 14: a CSV of `a,` rows, a JSONL of {"text": ""}
    spaces: int  # item 15: spaces on one page-copy line
    category_parts: int  # item 15: `a::` repeated on the Categories line
    chain_messages: int  # item 15: an mbox reply chain
    quoted_lines: int  # item 15: a comment quoting a long comment line by line


CI_SIZES = Sizes(
    many_rows_bytes=3 * 2**20, spaces=150_000, category_parts=30_000, chain_messages=5_000, quoted_lines=20_000
)
FULL_SIZES = Sizes(
    many_rows_bytes=250 * 2**20, spaces=150_000, category_parts=30_000, chain_messages=20_000, quoted_lines=100_000
)


@dataclass
class Run:
    """One command line of a row and what its outcome must be."""

    args: list[str | bytes]
    names: str  # what the one error line must name: the file, or the option
    exits: tuple[int, ...] = (EXIT_REFUSED,)
    says: str = ""  # words the error line must also hold ("a FIFO", "a directory")
    log: Path | None = None  # a decision log whose bytes must not change
    absent: Path | None = None  # what a refused command must not have created (a model folder)
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[[subprocess.CompletedProcess[bytes]], None] | None = None  # more checks after a success
    forbidden: str = ""  # a regular expression the output must not match ("nan" for a score of nothing)


@dataclass(frozen=True)
class Row:
    id: str
    build: Callable[[Path, Sizes], Run]
    big: bool = False  # a row whose full size is hundreds of megabytes (the benchmark can skip them)
    tiny: bool = False  # a few kilobytes, nothing at stake for a limit: the test runs it in its own process


ROWS: list[Row] = []


def row(
    id: str, *, big: bool = False, tiny: bool = False
) -> Callable[[Callable[[Path, Sizes], Run]], Callable[[Path, Sizes], Run]]:
    def register(build: Callable[[Path, Sizes], Run]) -> Callable[[Path, Sizes], Run]:
        ROWS.append(Row(id, build, big, tiny))
        return build

    return register


# -- running under limits ----------------------------------------------------------------------------------------
def _apply_limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    # SIGXCPU at the soft limit names the cause; the hard limit (SIGKILL) only backs it up.
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_SECONDS, CPU_LIMIT_SECONDS + 5))


def limited_environment(extra: dict[str, str]) -> dict[str, str]:
    threads = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    return {**os.environ, **threads, "PYTHONUTF8": "1", **extra}


def run_limited(run: Run, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(MODERATOR_BIN), *run.args],
        capture_output=True,
        cwd=cwd,
        env=limited_environment(run.env),
        preexec_fn=_apply_limits,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )


# Warnings the interpreter hides unless told (its default filters); every other one would reach stderr.
_HIDDEN_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
TINY_BYTES = 16_384  # the most a file built by a tiny row may hold (a 5,000-digit number fits)


def run_in_process(run: Run, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """A tiny row through ``moderator.cli.main`` here, seen as :func:`run_limited` sees it. A warning is added to
    stderr as the interpreter prints it (pytest would otherwise catch it), so that it still counts as a line."""
    assert not run.env and all(isinstance(arg, str) for arg in run.args), "a tiny row runs with this environment"
    args = [str(arg) for arg in run.args]
    for arg in args:
        built = Path(arg)
        assert not (built.is_file() and built.is_relative_to(cwd)) or built.stat().st_size <= TINY_BYTES, arg
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # "default" shows each warning once per process: this one has seen many
        for category in _HIDDEN_WARNINGS:
            warnings.simplefilter("ignore", category)
        result = run_cli(*args, cwd=cwd)
    printed = "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line) for w in caught)
    return subprocess.CompletedProcess(
        args, result.returncode, result.stdout.encode(), (result.stderr + printed).encode()
    )


def problems_of(run: Run, result: subprocess.CompletedProcess[bytes], log_before: bytes | None) -> list[str]:
    """Everything wrong with ``result`` for ``run`` (empty when the row holds), for the test and the benchmark."""
    try:
        stdout, stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    except UnicodeDecodeError as error:
        return [f"output is not UTF-8 ({error})"]
    found: list[str] = []
    if result.returncode < 0:
        cause = " (over the CPU time limit)" if -result.returncode == signal.SIGXCPU else ""
        found.append(f"killed by signal {-result.returncode}{cause}")
    elif result.returncode not in run.exits:
        found.append(f"exit {result.returncode}, expected {' or '.join(map(str, run.exits))}")
    if "Traceback" in stderr or "Traceback" in stdout:
        found.append("a traceback")
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        control = RAW_CONTROL.search(text)
        if control:
            found.append(f"raw control {control.group()!r} on {name}")
        if run.forbidden and re.search(run.forbidden, text):
            found.append(f"{run.forbidden!r} on {name}")
    if result.returncode == EXIT_REFUSED:
        found.extend(_one_line_problems("stderr", stderr, run))
        if stdout:
            found.append("output on stdout besides the error")
    elif result.returncode == EXIT_PROBLEMS:
        found.extend(_one_line_problems("stdout", stdout, run))
    if run.log is not None and log_before is not None and run.log.read_bytes() != log_before:
        found.append(f"{run.log.name} was changed")
    if run.absent is not None and result.returncode != EXIT_OK and run.absent.exists():
        found.append(f"{run.absent.name} was created by a refused command")
    return found


def _one_line_problems(stream: str, text: str, run: Run) -> list[str]:
    lines = text.splitlines()
    if len(lines) != 1:
        return [f"{len(lines)} lines on {stream}: {text[-600:]!r}"]
    found = []
    if run.names not in lines[0]:
        found.append(f"the line does not name {run.names}: {lines[0][:300]!r}")
    if run.says and run.says not in lines[0]:
        found.append(f"the line does not say {run.says!r}: {lines[0][:300]!r}")
    return found


# -- building inputs ---------------------------------------------------------------------------------------------
def _write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    return path


def _jsonl(path: Path, *records: str) -> Path:
    """JSONL written from raw record texts, so a row can hold what json.dumps never writes (a 5,000-digit int)."""
    return _write(path, "".join(record + "\n" for record in records))


_PAGE_HEAD = (
    "Hostile input in the importer\nCategories\n(Toolkit :: Importers, task)\nTracking\n(Not tracked)\nPeople\n"
    "(Reporter: ana@example.org, Assigned: ben@example.org)\nDetails\n"
)


def _page_copy(path: Path, body: str, head: str = _PAGE_HEAD) -> Path:
    return _write(path, head + "The description of the bug.\n" + body)


def _mail(path: Path, sender: str, body: str = "A message body.\n", extra: str = "") -> Path:
    return _write(
        path,
        f"From: {sender}\nSubject: Release\nMessage-ID: <one@example.org>\n"
        f"Date: Mon, 05 Jan 2032 09:00:00 +0000\n{extra}\n{body}",
    )


def _valid_log(path: Path) -> Path:
    """A log holding one valid decision: a refusal must leave it byte for byte."""
    from moderator.log import decision_document, render

    document = decision_document(
        moderator="dana",
        thread={"source": "bugzilla", "id": "4127", "title": "Release", "url": None},
        comment={"number": 2, "id": "2", "author": "ana", "own_text": "Fine words."},
        model=None,
        labels=[],
        action="ok",
    )
    return _write(path, render(document))


def _hostile_log(path: Path, old: str, new: str) -> Path:
    """The valid log with the first match of the regular expression ``old`` replaced."""
    text = _valid_log(path).read_text(encoding="utf-8")
    assert re.search(old, text, re.MULTILINE), old
    return _write(path, re.sub(old, lambda _: new, text, count=1, flags=re.MULTILINE))


def _model_copy(folder: Path, old: str, new: str) -> Path:
    """The bundled model with its card edited: the card is read, and refused, before any trust or unpickling."""
    shutil.copytree(ROOT / "classifiers" / "default_model", folder)
    card = folder / "model-card.yaml"
    text = card.read_text(encoding="utf-8")
    assert re.search(old, text, re.MULTILINE), old
    card.write_text(re.sub(old, new, text, count=1, flags=re.MULTILINE), encoding="utf-8")
    return folder


def _decide(
    source: Path,
    log: Path,
    *options: str | bytes,
    names: str | None = None,
    exits: tuple[int, ...] = (EXIT_REFUSED,),
    env: dict[str, str] | None = None,
    check: Callable[[subprocess.CompletedProcess[bytes]], None] | None = None,
) -> Run:
    """``moderator decide`` on comment 2 (unless told) with --ok (unless --labels), into ``log``."""
    if not any(o in ("--ok", "--labels") for o in options):
        options = (*options, "--ok")
    if "--comment" not in options:
        options = ("--comment", "2", *options)
    return Run(
        ["decide", str(source), *options, "--log", str(log)],
        names or str(source),
        exits,
        log=log,
        env=env or {},
        check=check,
    )


def _train(corpus: Path, tmp: Path) -> Run:
    output = tmp / "trained-model"
    return Run(["train", "--corpus", str(corpus), "-o", str(output)], str(corpus), absent=output)


def _evaluate(data: Path) -> Run:
    return Run(["evaluate", "--data", str(data)], str(data))


# -- 7. integers over 4,300 digits --------------------------------------------------------------------------------
def _huge_number_jsonl(tmp: Path) -> Path:
    return _jsonl(
        tmp / "huge-number.jsonl",
        '{"thread": "t", "number": 0, "text": "first"}',
        f'{{"thread": "t", "number": {HUGE_NUMBER}, "text": "second"}}',
    )


@row("7-jsonl-number-thread")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _huge_number_jsonl(tmp)
    return Run(["thread", str(path)], str(path))


@row("7-jsonl-number-score", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _huge_number_jsonl(tmp)
    return Run(["score", str(path)], str(path))


@row("7-jsonl-number-decide")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(_huge_number_jsonl(tmp), _valid_log(tmp / "log.yaml"), "--comment", "0")


@row("7-page-copy-marker")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _page_copy(tmp / "marker.txt", f"Comment 1•1 year ago\nFirst.\nComment {HUGE_NUMBER}•1 year ago\nSecond.\n")
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK, EXIT_REFUSED))


@row("7-page-copy-reply-header")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _page_copy(
        tmp / "reply.txt",
        f"Comment 1•1 year ago\n(In reply to Ana from comment #{HUGE_NUMBER})\n"
        "The description of the bug.\nMy own answer.\n",
    )
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK, EXIT_REFUSED))


@row("7-log-schema-validate")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _hostile_log(tmp / "log.yaml", "^schema: 1$", f"schema: {HUGE_NUMBER}")
    return Run(["log", "validate", str(log)], str(log), exits=(EXIT_PROBLEMS,), log=log)


@row("7-log-schema-decide")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _hostile_log(tmp / "log.yaml", "^schema: 1$", f"schema: {HUGE_NUMBER}")
    return _decide(SOURCE, log, names=str(log))


@row("7-model-card-score", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    model = _model_copy(tmp / "model", r"^training_seconds: .*$", f"training_seconds: {HUGE_NUMBER}")
    return Run(["score", str(SOURCE), "--model", str(model)], str(model / "model-card.yaml"))


@row("7-evaluate-data", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    return _evaluate(_jsonl(tmp / "data.jsonl", f'{{"text": "fine", "uncivil": false, "number": {HUGE_NUMBER}}}'))


@row("7-train-corpus", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    return _train(_jsonl(tmp / "corpus.jsonl", f'{{"text": "fine", "uncivil": false, "number": {HUGE_NUMBER}}}'), tmp)


# -- 8. lone surrogates -------------------------------------------------------------------------------------------
def _surrogate_jsonl(tmp: Path) -> Path:
    return _jsonl(
        tmp / "surrogate.jsonl",
        '{"thread": "t", "number": 0, "text": "opening"}',
        '{"thread": "t", "number": 1, "text": "half a pair \\ud800 here"}',
    )


@row("8-json-surrogate-thread")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _surrogate_jsonl(tmp)

    def shown_as_escape(result: subprocess.CompletedProcess[bytes]) -> None:
        assert json.loads(result.stdout)["comments"][1]["text"] == "half a pair \ud800 here"

    return Run(["thread", str(path), "--json"], str(path), exits=(EXIT_OK,), check=shown_as_escape)


@row("8-json-surrogate-decide")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = tmp / "new-log.yaml"

    def saved_as_escape(result: subprocess.CompletedProcess[bytes]) -> None:
        from moderator.log import read_log

        contents = read_log(log, LABEL_IDS)
        assert not contents.problems and len(contents.entries) == 1
        assert "\\ud800" in log.read_text(encoding="utf-8")

    return _decide(_surrogate_jsonl(tmp), log, "--comment", "1", exits=(EXIT_OK,), check=saved_as_escape)


@row("8-utf7-mail")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _mail(
        tmp / "utf7.eml",
        "Ana <ana@example.org>",
        "Half a pair +2AA- here.\n",
        "Content-Type: text/plain; charset=utf-7\n",
    )
    return Run(["thread", str(path), "--json"], str(path), exits=(EXIT_OK, EXIT_REFUSED))


@row("8-moderator-not-utf8")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(SOURCE, _valid_log(tmp / "log.yaml"), "--moderator", b"dana\xff", names="--moderator")


# -- 9. nesting 100,000 levels deep -------------------------------------------------------------------------------
DEPTH = 100_000


@row("9-nested-objects")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "objects.json", '{"a": ' * DEPTH)
    return Run(["thread", str(path)], str(path))


@row("9-nested-arrays")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "arrays.json", "[" * DEPTH)
    return Run(["thread", str(path)], str(path))


@row("9-nested-closed-arrays")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "closed.json", "[" * DEPTH + "]" * DEPTH)
    return Run(["thread", str(path)], str(path))


@row("9-nested-yaml")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "nested.yaml", "format: moderator-thread/1\nthread: " + "[" * DEPTH + "\n")
    return Run(["thread", str(path)], str(path))


@row("9-nested-evaluate-data")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _evaluate(_write(tmp / "data.jsonl", "[" * DEPTH + "\n"))


@row("9-nested-train-corpus")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _train(_write(tmp / "corpus.jsonl", '{"a": ' * DEPTH + "\n"), tmp)


@row("9-nested-log")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _hostile_log(tmp / "log.yaml", "^model: null$", "model: " + "[" * DEPTH + "]" * DEPTH)
    return Run(["log", "validate", str(log)], str(log), exits=(EXIT_PROBLEMS,), log=log)


# -- 10. broken mail addresses ------------------------------------------------------------------------------------
for _name, _sender in (("angle", "<"), ("at", "a@"), ("bracket", "a@[")):

    @row(f"10-mail-from-{_name}")
    def _(tmp: Path, sizes: Sizes, sender: str = _sender, name: str = _name) -> Run:
        path = _mail(tmp / f"from-{name}.eml", sender)
        return Run(["thread", str(path)], str(path), exits=(EXIT_OK, EXIT_REFUSED))


# -- 11. values of the wrong kind ---------------------------------------------------------------------------------
@row("11-yaml-created-month-13")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(
        tmp / "thread.yaml",
        'format: moderator-thread/1\nthread:\n  source: bugzilla\n  id: "7"\n'
        "comments:\n  - number: 0\n    created: 2024-13-45\n    text: hello\n",
    )
    return Run(["thread", str(path)], str(path))


@row("11-log-when-month-13-validate")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _hostile_log(tmp / "log.yaml", "^when: .*$", "when: 2024-13-45")
    return Run(["log", "validate", str(log)], str(log), exits=(EXIT_PROBLEMS,), log=log)


@row("11-log-when-month-13-decide")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _hostile_log(tmp / "log.yaml", "^when: .*$", "when: 2024-13-45")
    return _decide(SOURCE, log, names=str(log))


@row("11-model-card-taxonomy", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    model = _model_copy(tmp / "model", r"^taxonomy:\n(  .*\n)+", "taxonomy: x\n")
    return Run(["score", str(SOURCE), "--model", str(model)], str(model / "model-card.yaml"))


@row("11-model-card-libraries", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    model = _model_copy(tmp / "model", r"^libraries:\n(  .*\n)+", "libraries: [x]\n")
    return Run(["score", str(SOURCE), "--model", str(model)], str(model / "model-card.yaml"))


@row("11-bugzilla-no-comments-decide")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "bug.json", '{"bugs": [{"id": 7, "summary": "Release", "comments": []}]}')
    return _decide(path, _valid_log(tmp / "log.yaml"), "--comment", "0")


@row("11-corpus-thread-list-train", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    return _train(_jsonl(tmp / "corpus.jsonl", '{"text": "fine", "uncivil": false, "thread": [1]}'), tmp)


@row("11-data-thread-list-evaluate", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    return _evaluate(_jsonl(tmp / "data.jsonl", '{"text": "fine", "uncivil": false, "thread": [1]}'))


# -- 12. a marker claiming 300 million comments --------------------------------------------------------------------
@row("12-page-copy-300-million")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "tiny.txt", "Release\nComment 1•1 year ago\nFirst.\nComment 300000000•1 year ago\nLast.\n")
    assert path.stat().st_size <= 80
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK, EXIT_REFUSED))


# -- 13. devices and FIFOs where a file is expected ----------------------------------------------------------------
def _irregular(tmp: Path, kind: str) -> tuple[Path, str]:
    if kind == "fifo":
        os.mkfifo(tmp / "pipe")
        return tmp / "pipe", "a FIFO"
    return Path(f"/dev/{kind}"), "a character device"


for _kind in ("zero", "urandom", "fifo"):

    @row(f"13-{_kind}-source")
    def _(tmp: Path, sizes: Sizes, kind: str = _kind) -> Run:
        path, says = _irregular(tmp, kind)
        return Run(["thread", str(path)], str(path), says=says)

    @row(f"13-{_kind}-data")
    def _(tmp: Path, sizes: Sizes, kind: str = _kind) -> Run:
        path, says = _irregular(tmp, kind)
        return Run(["evaluate", "--data", str(path)], str(path), says=says)

    @row(f"13-{_kind}-corpus")
    def _(tmp: Path, sizes: Sizes, kind: str = _kind) -> Run:
        path, says = _irregular(tmp, kind)
        run = _train(path, tmp)
        run.says = says
        return run

    @row(f"13-{_kind}-log-decide")
    def _(tmp: Path, sizes: Sizes, kind: str = _kind) -> Run:
        path, says = _irregular(tmp, kind)
        return Run(["decide", str(SOURCE), "--comment", "2", "--ok", "--log", str(path)], str(path), says=says)

    @row(f"13-{_kind}-log-validate")
    def _(tmp: Path, sizes: Sizes, kind: str = _kind) -> Run:
        path, says = _irregular(tmp, kind)
        return Run(["log", "validate", str(path)], str(path), says=says)


# -- 14. memory: many tiny records ---------------------------------------------------------------------------------
def _repeated(path: Path, head: bytes, record: bytes, size: int) -> Path:
    with path.open("wb") as out:
        out.write(head)
        block = record * (2**20 // len(record))
        written = len(head)
        while written < size:
            out.write(block)
            written += len(block)
    return path


@row("14-csv-of-a-rows", big=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _repeated(tmp / "rows.csv", b"text,b\n", b"a,\n", sizes.many_rows_bytes)
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK, EXIT_REFUSED))


@row("14-jsonl-of-empty-texts", big=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _repeated(tmp / "empty.jsonl", b"", b'{"text":""}\n', sizes.many_rows_bytes)
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK, EXIT_REFUSED))


# -- 15. inputs that take super-linear time in a naive importer: these must import --------------------------------
@row("15-page-copy-line-of-spaces")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _page_copy(tmp / "spaces.txt", "Comment 1 - x" + " " * sizes.spaces + "y\nComment 2•1 year ago\nNext.\n")
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK,))


@row("15-page-copy-marker-spaces")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _page_copy(
        tmp / "marker-spaces.txt",
        "Comment 1" + " " * sizes.spaces + "•1 year ago\nFirst.\nComment 2•x" + " " * sizes.spaces + "y\n",
    )
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK,))


@row("15-page-copy-categories")
def _(tmp: Path, sizes: Sizes) -> Run:
    head = _PAGE_HEAD.replace("(Toolkit :: Importers, task)", "(" + "a::" * sizes.category_parts)
    path = _page_copy(tmp / "categories.txt", "Comment 1•1 year ago\nFirst.\n", head)
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK,))


def reply_chain(count: int) -> str:
    """An mbox of ``count`` messages, each replying to the one before and quoting its last line."""
    parts = []
    for number in range(count):
        reply = f"In-Reply-To: <m{number - 1}@example.org>\nSubject: Re: Release\n" if number else "Subject: Release\n"
        quote = f"> Reply number {number - 1} on the release.\n\n" if number else ""
        parts.append(
            f"From person{number % 7}@example.org Mon Jan  5 09:00:00 2032\nFrom: Person {number % 7} "
            f"<person{number % 7}@example.org>\n{reply}Message-ID: <m{number}@example.org>\n"
            f"Date: Mon, 05 Jan 2032 09:00:00 +0000\n\n{quote}Reply number {number} on the release.\n\n"
        )
    return "".join(parts)


@row("15-mbox-reply-chain")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "chain.mbox", reply_chain(sizes.chain_messages))
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK,))


def _long_comment(lines: int) -> list[str]:
    return [f"step {number}: the mirror rotation failed with code {number * 7 % 1000}" for number in range(lines)]


@row("15-quote-line-by-line-jsonl")
def _(tmp: Path, sizes: Sizes) -> Run:
    lines = _long_comment(sizes.quoted_lines)
    quoting = "\n".join(f"> {line}\nSeen that one." for line in lines)
    path = _jsonl(
        tmp / "quotes.jsonl",
        json.dumps({"thread": "t", "number": 0, "text": "\n".join(lines)}),
        json.dumps({"thread": "t", "number": 1, "text": quoting}),
    )
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK,))


@row("15-quote-line-by-line-page-copy")
def _(tmp: Path, sizes: Sizes) -> Run:
    lines = _long_comment(sizes.quoted_lines)
    quoting = "\n".join(f"{line}\nSeen that one." for line in lines)
    path = _write(
        tmp / "quotes.txt",
        _PAGE_HEAD + "\n".join(lines) + "\nComment 1•1 year ago\n(In reply to Ana from comment #0)\n" + quoting + "\n",
    )
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK,))


# -- 16. terminal escapes from files and arguments -----------------------------------------------------------------
@row("16-escapes-json-keys")
def _(tmp: Path, sizes: Sizes) -> Run:
    # JSON strings may hold a raw C1 control (0x9b), not a raw C0 one: those come as \u escapes.
    path = _write(tmp / "keys.json", f'{{"{ESCAPES_JSON}key": 1, "other\x9b[2J": 2}}')
    return Run(["thread", str(path)], str(path))


@row("16-escapes-csv-header")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "header.csv", f'"{ESCAPES}name",other\nvalue,more\n')
    return Run(["thread", str(path)], str(path))


@row("16-escapes-bug-id-error")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(tmp / "bug.json", f'{{"bugs": [{{"id": "{ESCAPES_JSON}7", "summary": "s", "comments": 7}}]}}')
    return Run(["thread", str(path)], str(path))


@row("16-escapes-bug-id-table")
def _(tmp: Path, sizes: Sizes) -> Run:
    path = _write(
        tmp / "bug.json",
        f'{{"bugs": {{"{ESCAPES_JSON}7": {{"comments": [{{"count": 0, "text": "hi"}}]}}}}, "comments": {{}}}}',
    )
    return Run(["thread", str(path)], str(path), exits=(EXIT_OK,))


def _log_with_escaped_label(tmp: Path) -> Path:
    return _hostile_log(tmp / "log.yaml", re.escape('"labels": []'), f'"labels": ["{ESCAPES_JSON}threat"]')


@row("16-escapes-log-labels-validate")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _log_with_escaped_label(tmp)
    return Run(["log", "validate", str(log)], str(log), exits=(EXIT_PROBLEMS,), log=log)


@row("16-escapes-log-labels-stats")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _log_with_escaped_label(tmp)
    return Run(["log", "stats", str(log)], str(log), exits=(EXIT_OK,), log=log)


@row("16-escapes-log-labels-decide")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _log_with_escaped_label(tmp)
    return _decide(SOURCE, log, names=str(log))


@row("16-escapes-moderator")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(SOURCE, _valid_log(tmp / "log.yaml"), "--moderator", f"dana{ESCAPES}", names="--moderator")


@row("16-escapes-moderator-environment")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(
        SOURCE, _valid_log(tmp / "log.yaml"), names="$MODERATOR_NAME", env={"MODERATOR_NAME": f"dana{ESCAPES}"}
    )


@row("16-escapes-labels-option")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(SOURCE, _valid_log(tmp / "log.yaml"), "--labels", f"threat,{ESCAPES}", names="--labels")


# -- 17. the rest of the issue's list ------------------------------------------------------------------------------
@row("17-log-validate-directory")
def _(tmp: Path, sizes: Sizes) -> Run:
    return Run(["log", "validate", str(tmp)], str(tmp), says="a directory")


@row("17-log-validate-dev-zero")
def _(tmp: Path, sizes: Sizes) -> Run:
    return Run(["log", "validate", "/dev/zero"], "/dev/zero", says="a character device")


@row("17-evaluate-without-text", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    data = _jsonl(tmp / "no-text.jsonl", '{"uncivil": false, "body": "fine"}', '{"uncivil": true, "body": "rude"}')
    run = _evaluate(data)
    run.forbidden = r"(?i)\bnan\b"
    return run


@row("17-evaluate-uncivil-string", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    return _evaluate(
        _jsonl(tmp / "string.jsonl", '{"text": "fine", "uncivil": "false"}', '{"text": "rude", "uncivil": true}')
    )


@row("17-train-uncivil-string", tiny=True)
def _(tmp: Path, sizes: Sizes) -> Run:
    return _train(_jsonl(tmp / "string.jsonl", '{"text": "fine", "uncivil": "false"}'), tmp)


@row("17-ok-with-action-hide")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(SOURCE, _valid_log(tmp / "log.yaml"), "--ok", "--action", "hide", names="--ok")


@row("17-labels-twice")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = tmp / "new-log.yaml"

    def saved_once(result: subprocess.CompletedProcess[bytes]) -> None:
        from moderator.log import read_log

        [entry] = read_log(log, LABEL_IDS).entries
        assert entry.labels == ("threat",)

    return _decide(SOURCE, log, "--labels", "threat,threat", exits=(EXIT_OK,), check=saved_once)


@row("17-moderator-empty")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(SOURCE, _valid_log(tmp / "log.yaml"), "--moderator", "", names="--moderator")


@row("17-moderator-blank")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(SOURCE, _valid_log(tmp / "log.yaml"), "--moderator", " \t ", names="--moderator")


@row("17-moderator-environment-empty")
def _(tmp: Path, sizes: Sizes) -> Run:
    return _decide(SOURCE, _valid_log(tmp / "log.yaml"), names="$MODERATOR_NAME", env={"MODERATOR_NAME": ""})


@row("17-review-moderator-empty")
def _(tmp: Path, sizes: Sizes) -> Run:
    log = _valid_log(tmp / "log.yaml")
    return Run(["review", str(SOURCE), "--moderator", "", "--log", str(log)], "--moderator", log=log)


# Placed after the rows: the ids are read when the decorator runs.
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_hostile_input(row: Row, tmp_path: Path) -> None:
    run = row.build(tmp_path, CI_SIZES)
    log_before = run.log.read_bytes() if run.log is not None and run.log.is_file() else None
    result = run_in_process(run, tmp_path) if row.tiny else run_limited(run, tmp_path)
    found = problems_of(run, result, log_before)
    assert not found, f"{found}\nstderr: {result.stderr[-1500:]!r}\nstdout: {result.stdout[:300]!r}"
    if run.check is not None and result.returncode == EXIT_OK:
        run.check(result)


def test_the_table_has_a_row_for_every_item_of_the_issue() -> None:
    items = {r.id.split("-")[0] for r in ROWS}
    assert items == {str(n) for n in range(7, 18)}
    assert len({r.id for r in ROWS}) == len(ROWS)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The row checks reject a traceback, two lines, a raw escape and a changed log."""
    log = _valid_log(tmp_path / "log.yaml")
    run = Run(["thread", "x"], "x.json", log=log)
    before = log.read_bytes()
    log.write_bytes(before + b"\n")

    def result(code: int, stderr: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess([], code, b"", stderr)

    assert any("traceback" in p for p in problems_of(run, result(1, b"Traceback (most recent call last):\n"), before))
    assert any("2 lines" in p for p in problems_of(run, result(2, b"x.json: a\nb\n"), before))
    assert any("raw control" in p for p in problems_of(run, result(2, b"x.json: \x1b[31m\n"), before))
    assert any("changed" in p for p in problems_of(run, result(2, b"x.json: refused\n"), before))
    assert any("signal" in p for p in problems_of(run, result(-24, b""), before))


def test_a_tiny_row_run_here_still_shows_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In this process pytest would catch a warning the real command prints: run_in_process counts it as a line."""
    import moderator.cli

    def warns_then_refuses(argv: list[str]) -> int:
        warnings.warn("noise before the error", UserWarning, stacklevel=1)
        print("moderator: error: x.json: refused", file=sys.stderr)
        return EXIT_REFUSED

    monkeypatch.setattr(moderator.cli, "main", warns_then_refuses)
    run = Run(["thread", "x.json"], "x.json")
    result = run_in_process(run, tmp_path)
    assert "UserWarning: noise before the error" in result.stderr.decode()
    assert any("lines on stderr" in p for p in problems_of(run, result, None))
    assert any(r.tiny for r in ROWS) and not any(r.tiny and r.big for r in ROWS)
