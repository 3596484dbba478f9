"""Property-based fuzzing of the two readers of untrusted files (issue 10): the importers and the decision log.

* ``load_threads`` on any bytes, with the format detected or forced, and on inputs shaped like each format (JSON
  trees with the importers' field names, page-copy lines with markers, mbox headers, YAML): it returns threads
  that render, or raises one of our ``ModeratorError`` types with one line naming the file; nothing else.
* ``read_log`` on any bytes and on valid logs mutated (bytes cut, inserted, lines swapped, numbers grown): it
  never raises for content it can decode, whatever the file holds (every problem is a line of the result); a
  file that is not UTF-8 text is refused with one line naming the line and the byte.

Reproducible in CI: ``derandomize=True`` and no example database, so every run tries the same few hundred inputs
(``HYPOTHESIS_PROFILE`` is not consulted). A failure prints the minimal example Hypothesis shrank it to.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from moderation_core.errors import ModeratorError
from moderation_core.textsafe import dumps
from moderator.cli.render import thread_table
from moderator.log import (
    DecisionLog,
    Entry,
    LogError,
    decision_document,
    read_log,
    render,
    retraction_document,
    stats,
)
from moderator.sources import FORMATS, load_threads


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,  # CI machines differ; the table test's CPU limit is the guard against slowness
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


LABEL_IDS = ("personal-attack", "accusation", "inflammatory", "off-topic", "demand", "threat", "derogatory")
SUFFIXES = ("", ".json", ".jsonl", ".csv", ".yaml", ".txt", ".mbox", ".eml")


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    # Module-scoped: Hypothesis runs many examples in one test call, and a function-scoped tmp_path would be shared.
    with tempfile.TemporaryDirectory(prefix="moderator-fuzz-") as name:
        yield Path(name)


def _written(folder: Path, data: bytes, suffix: str = "") -> Path:
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    return path


def assert_imports_or_refuses(path: Path, format: str | None) -> None:
    """Threads that render as a table and as JSON, or one of our errors: one line that names the file."""
    try:
        threads = load_threads(path, format)
    except ModeratorError as error:
        assert "\n" not in error.message, error.message
        assert str(path) in error.message, error.message
        return
    assert threads
    for thread in threads:
        thread_table(thread, 100)
        dumps(thread.to_dict())


# -- importers: any bytes ----------------------------------------------------------------------------------------
@fuzz(120)
@given(data=st.binary(max_size=600), format=st.sampled_from((None, *FORMATS)), suffix=st.sampled_from(SUFFIXES))
@example(data=b"[" * 5000, format=None, suffix=".json")
@example(data=b'{"a": ' * 5000, format=None, suffix=".json")
@example(data=b"\xef\xbb\xbf", format=None, suffix="")
@example(data=b"\xff\xfe", format=None, suffix="")
def test_importers_on_any_bytes(folder: Path, data: bytes, format: str | None, suffix: str) -> None:
    assert_imports_or_refuses(_written(folder, data, suffix), format)


@fuzz(60)
@given(text=st.text(max_size=400), format=st.sampled_from((None, *FORMATS)), suffix=st.sampled_from(SUFFIXES))
def test_importers_on_any_text(folder: Path, text: str, format: str | None, suffix: str) -> None:
    # surrogatepass: a lone surrogate drawn here is written as the bytes a careless exporter would write
    assert_imports_or_refuses(_written(folder, text.encode("utf-8", "surrogatepass"), suffix), format)


# -- importers: inputs shaped like the formats -------------------------------------------------------------------
FIELD_NAMES = (
    "assigned_to",
    "assignee",
    "assignees",
    "author",
    "author_association",
    "body",
    "bugs",
    "comments",
    "component",
    "count",
    "created_at",
    "creation_time",
    "creator",
    "email",
    "format",
    "html_url",
    "id",
    "in_reply_to_id",
    "issue_url",
    "labels",
    "login",
    "name",
    "notes",
    "number",
    "product",
    "raw_text",
    "reporter",
    "source",
    "summary",
    "tags",
    "text",
    "thread",
    "time",
    "title",
    "url",
    "user",
    "uncivil",
    "category",
)
HUGE_DIGITS = "9" * 4400
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(
        (
            "2024-13-45",
            "2026-02-03T14:05:00Z",
            "https://github.com/o/r/issues/7",
            "https://api.github.com/repos/o/r/issues/7",
            "\ud800",
            "\x1b[31m",
        )
    )
)
_keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=8)
json_trees = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_keys, children, max_size=6),
    max_leaves=40,
)


# The exporters' own shapes with fuzzed values: these get past format detection into each importer's code.
_comment_fields = st.fixed_dictionaries(
    {"text": _scalars},
    optional={
        name: _scalars
        for name in (
            "count",
            "id",
            "creator",
            "creation_time",
            "time",
            "author",
            "number",
            "thread",
            "title",
            "created",
            "tags",
            "raw_text",
        )
    },
)
_github_comment = st.fixed_dictionaries(
    {"body": _scalars},
    optional={
        "user": st.fixed_dictionaries({}, optional={"login": _scalars}) | _scalars,
        "id": _scalars,
        "created_at": _scalars,
        "html_url": _scalars,
        "author_association": _scalars,
        "issue_url": st.sampled_from(
            ("https://api.github.com/repos/o/r/issues/7", "https://api.github.com/repos/o/q/issues/8")
        )
        | _scalars,
    },
)
json_shapes = st.one_of(
    json_trees,
    st.builds(
        lambda bug, comments: {"bugs": {bug: {"comments": comments}}, "comments": {}},
        st.sampled_from(("7", "0", "-1", "x", "\x1b")),
        st.lists(_comment_fields, max_size=6),
    ),
    st.builds(
        lambda bug, comments: {"bugs": [{"id": bug, "summary": "s", "comments": comments}]},
        _scalars,
        st.lists(_comment_fields, max_size=6),
    ),
    st.lists(_github_comment, min_size=1, max_size=6),
    st.lists(_comment_fields, min_size=1, max_size=8),  # JSONL records when written one per line
)


def _json_text(value: object, huge_number: bool) -> str:
    text = json.dumps(value)
    # json.dumps never writes an integer too long for int(); an exporter can: swap one in for a plain number.
    return text.replace(": 0", f": {HUGE_DIGITS}", 1) if huge_number else text


@fuzz(80)
@given(tree=json_shapes, as_lines=st.booleans(), huge_number=st.booleans(), format=st.sampled_from((None, *FORMATS)))
@example(tree={"bugs": [{"id": 7, "summary": "s", "comments": []}]}, as_lines=False, huge_number=False, format=None)
@example(
    tree={"bugs": {"7": {"comments": [{"count": 0, "text": "a"}]}}, "comments": {}},
    as_lines=False,
    huge_number=True,
    format=None,
)
def test_importers_on_json_trees(
    folder: Path, tree: object, as_lines: bool, huge_number: bool, format: str | None
) -> None:
    if as_lines and isinstance(tree, list):
        text = "\n".join(_json_text(item, huge_number) for item in tree) + "\n"
    else:
        text = _json_text(tree, huge_number)
    assert_imports_or_refuses(_written(folder, text.encode("utf-8", "surrogatepass"), ".json"), format)


_numbers = st.integers(0, 400) | st.sampled_from((300_000_000, 10**9, 10**12)) | st.just(int(HUGE_DIGITS[:200]))
page_copy_lines = st.one_of(
    st.builds("Comment {}•{}".format, _numbers, st.sampled_from(("1 year ago", "9 months ago", "", "x" + " " * 50))),
    st.builds("(In reply to {} from comment #{})".format, st.sampled_from(("Ana", "", "a (b)", "x" * 40)), _numbers),
    st.sampled_from(
        (
            "Categories",
            "Tracking",
            "People",
            "Details",
            "Attachments",
            "(1 file)",
            "(Not tracked)",
            "(Toolkit :: Importers, task)",
            "(" + "a::" * 50,
            "(Reporter: ana@example.org, Assigned: ben@example.org)",
            "Updated•1 year ago",
            "| Assignee | ||",
            "| Reporter | ||",
            "|",
            "||",
            "•",
            "",
            "Ana wrote:",
            "> quoted",
            "Bug 1234 - title",
            "Comment 1 - x" + " " * 200 + "y",
            "Description",
        )
    ),
    st.text(max_size=60).map(lambda text: text.replace("\n", " ")),
)


@fuzz(80)
@given(lines=st.lists(page_copy_lines, min_size=1, max_size=30), format=st.sampled_from((None, "bugzilla-text")))
@example(lines=["Release", "Comment 1•now", "First.", "Comment 300000000•now", "Last."], format=None)
def test_importers_on_page_copy_lines(folder: Path, lines: list[str], format: str | None) -> None:
    text = "\n".join(lines) + "\n"
    assert_imports_or_refuses(_written(folder, text.encode("utf-8", "surrogatepass"), ".txt"), format)


_header_values = st.sampled_from(
    (
        "<",
        "a@",
        "a@[",
        "<a@example.org>",
        "Ana <ana@example.org>",
        "=?utf-8?q?=E2=80?= <a@b>",
        "<m1@example.org>",
        "<m2@example.org> <m1@example.org>",
        "Mon, 05 Jan 2032 09:00:00 +0000",
        "not a date",
        "Re: Release",
        "text/plain; charset=utf-7",
        "text/plain; charset=no-such-charset",
        "text/html",
        "multipart/mixed; boundary=b",
        "base64",
        "quoted-printable",
        "",
    )
) | st.text(max_size=30).map(lambda text: " ".join(text.split()))
_header_names = st.sampled_from(
    (
        "From",
        "Subject",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Date",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    )
)
_bodies = st.sampled_from(("Body.", "> quoted\nOwn words.", "+2AA- utf-7", "=E2=80=\n", "--b\n\nPart.\n--b--", "PGI+"))
mail_messages = st.builds(
    lambda headers, body: "".join(f"{name}: {value}\n" for name, value in headers) + "\n" + body + "\n",
    st.lists(st.tuples(_header_names, _header_values), min_size=1, max_size=8),
    _bodies | st.text(max_size=80),
)


@fuzz(60)
@given(
    messages=st.lists(mail_messages, min_size=1, max_size=5),
    archive=st.booleans(),
    format=st.sampled_from((None, "mbox")),
)
@example(messages=["From: <\nSubject: s\nMessage-ID: <a@x>\n\nBody.\n"], archive=False, format=None)
def test_importers_on_mail(folder: Path, messages: list[str], archive: bool, format: str | None) -> None:
    if archive:
        text = "".join(f"From someone@example.org Mon Jan  5 09:00:00 2032\n{message}\n" for message in messages)
    else:
        text = messages[0]
    assert_imports_or_refuses(
        _written(folder, text.encode("utf-8", "surrogatepass"), ".mbox" if archive else ".eml"), format
    )


@fuzz(40)
@given(tree=json_trees, header=st.booleans())
@example(tree={"thread": {"id": "7"}, "comments": [{"number": 0, "created": "2024-13-45", "text": "x"}]}, header=True)
def test_importers_on_yaml(folder: Path, tree: object, header: bool) -> None:
    text = yaml.safe_dump(tree, allow_unicode=True).replace("'2024-13-45'", "2024-13-45")  # unquoted: a bad date
    if header:
        text = "format: moderator-thread/1\n" + (text if isinstance(tree, dict) else "comments:\n" + text)
    assert_imports_or_refuses(_written(folder, text.encode("utf-8", "surrogatepass"), ".yaml"), None)


_cells = st.sampled_from(
    ("", "0", "1", "-1", HUGE_DIGITS, "2024-13-45", "a,b", '"quoted ""x"""', "\x1b[31m", "\ud800", "\n", "line\nbreak")
) | st.text(max_size=20)
csv_tables = st.builds(
    lambda header, rows: [header, *rows],
    st.lists(
        st.sampled_from(("thread", "title", "number", "id", "author", "created", "text", "tags", "")),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.lists(_cells, max_size=7), max_size=6),
)


@fuzz(40)
@given(table=csv_tables, quote_all=st.booleans())
def test_importers_on_csv(folder: Path, table: list[list[str]], quote_all: bool) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(table)
    assert_imports_or_refuses(_written(folder, out.getvalue().encode("utf-8", "surrogatepass"), ".csv"), None)


# -- the decision log ----------------------------------------------------------------------------------------------
def _documents() -> list[dict[str, object]]:
    decisions = [
        decision_document(
            moderator=name,
            thread={"source": "bugzilla", "id": "4127", "title": "Release", "url": None},
            comment={"number": number, "id": str(number), "author": "ana", "own_text": f"Words of comment {number}."},
            model={"id": "m", "scores": {"demand": 0.5}, "flags": ["demand"], "concern": 0.5},
            labels=["demand"] if number % 2 else [],
            action="flag" if number % 2 else "ok",
            note="",
        )
        for number, name in ((1, "dana"), (2, "dana"), (3, "tomasz"))
    ]
    entry = Entry(decisions[0], 1)
    return [*decisions, retraction_document(entry, "dana")]


VALID_LOG = b"".join(render(document) for document in _documents())


def assert_log_reads(path: Path) -> None:
    """read_log never raises for content it can decode; bytes that are not UTF-8 are the one refusal (a log is
    UTF-8 text; the error names the line and the byte). What it accepts can be used (opened, summarised, re-read)."""
    try:
        contents = read_log(path, LABEL_IDS)
    except LogError as error:
        assert "not UTF-8 text" in error.message and "\n" not in error.message, error.message
        assert not path.read_bytes().decode("utf-8", errors="ignore").encode() == path.read_bytes()
        return
    for problem in contents.problems:
        assert "\n" not in problem.message, problem.message
    stats(contents)
    for entry in contents.entries:
        assert isinstance(entry.data, dict)  # read again from the file at the recorded offset
    try:
        DecisionLog(path, LABEL_IDS)
    except LogError as error:
        assert contents.problems, error.message
        assert "\n" not in error.message


@fuzz(60)
@given(data=st.binary(max_size=600))
@example(data=b"---\nschema: " + HUGE_DIGITS.encode() + b"\n...\n")
@example(data=b"---\nwhen: 2024-13-45\n...\n")
@example(data=b"---\nmodel: " + b"[" * 5000 + b"\n...\n")
@example(data=b"\xff\n")
def test_read_log_on_any_bytes(folder: Path, data: bytes) -> None:
    assert_log_reads(_written(folder, data, ".yaml"))


_mutations = st.one_of(
    st.tuples(st.just("cut"), st.integers(0, len(VALID_LOG)), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.integers(0, len(VALID_LOG)), st.binary(min_size=1, max_size=40)),
    st.tuples(
        st.just("insert"),
        st.integers(0, len(VALID_LOG)),
        st.sampled_from(
            (
                b"---\n",
                b"...\n",
                b"\n",
                b"[" * 3000,
                HUGE_DIGITS.encode(),
                b"2024-13-45",
                b"\xff",
                b'"\\ud800"',
                b"!!python/object:os.system",
                b"&a [*a, *a]",
                b"\x1b[31m",
            )
        ),
    ),
    st.tuples(st.just("swap-lines"), st.integers(0, 60), st.integers(0, 60)),
    st.tuples(st.just("truncate"), st.integers(0, len(VALID_LOG)), st.just(b"")),
)


def _mutated(data: bytes, mutation: tuple[str, int, object]) -> bytes:
    kind, position, argument = mutation
    if kind == "cut":
        assert isinstance(argument, int)
        return data[:position] + data[position + argument :]
    if kind == "insert":
        assert isinstance(argument, bytes)
        return data[:position] + argument + data[position:]
    if kind == "truncate":
        return data[:position]
    lines = data.split(b"\n")
    assert isinstance(argument, int)
    first, second = position % len(lines), argument % len(lines)
    lines[first], lines[second] = lines[second], lines[first]
    return b"\n".join(lines)


@fuzz(80)
@given(mutations=st.lists(_mutations, min_size=1, max_size=4))
def test_read_log_on_mutated_logs(folder: Path, mutations: list[tuple[str, int, object]]) -> None:
    data = VALID_LOG
    for mutation in mutations:
        data = _mutated(data, mutation)
    assert_log_reads(_written(folder, data, ".yaml"))


def test_the_valid_log_is_valid(folder: Path) -> None:
    """The mutations start from a log without problems, so every problem found comes from a mutation."""
    contents = read_log(_written(folder, VALID_LOG, ".yaml"), LABEL_IDS)
    assert contents.problems == [] and len(contents.entries) == 4
