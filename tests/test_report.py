"""``moderator report`` (issue 15): what each section counts, on a log written here through the log writer, the four
formats, pseudonyms, and every bad input the issue lists."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path
from types import MappingProxyType

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation_core.taxonomy import load_taxonomy
from moderator import config
from moderator.log import Action, DecidedComment, Decision, DecisionLog, ModelView, ThreadRef
from moderator.reports.data import Filters, build, comment_link, safe_url
from moderator.reports.pseudonym import EMAIL_REMOVED, Pseudonymizer, load_or_create_secret
from moderator.reports.render import CSV_COLUMNS, md_text, report_dict, to_csv, to_json, to_markdown

IDS = list(load_taxonomy().ids)
BUG = ThreadRef("bugzilla", "4127", "Quillstone report overdue", "https://bugs.example/show_bug.cgi?id=4127")
ISSUE = ThreadRef("github", "acme/widgets#7", "Crash on start", "https://github.com/acme/widgets/issues/7")
TEXTS = {
    1: "This patch is fine, thanks.",
    2: "(In reply to Lena Okafor from comment #1)\nYou clearly never read the spec, Lena. Write to me at rick@example.org",
    3: "Any update? Any update? It has been a week.",
    4: '=HYPERLINK("http://evil.example") | pipes | and <b>tags</b>',
}
AUTHORS = {1: "Lena Okafor", 2: "Rick Tallow", 3: "Rick Tallow", 4: "Mallory"}


def model(flags: tuple[str, ...], concern: float = 0.5) -> ModelView:
    return ModelView("guideline-classifier@aaaaaaaaaaaa", MappingProxyType({}), flags, concern)


def decide(
    log: DecisionLog,
    moderator: str,
    number: int,
    labels: tuple[str, ...] = (),
    action: Action = Action.OK,
    *,
    thread: ThreadRef = BUG,
    flags: tuple[str, ...] | None = (),
    when: str = "2026-11-02T10:00:00.000000Z",
    note: str = "",
) -> Decision:
    comment = DecidedComment(number, str(88000 + number), AUTHORS[number], TEXTS[number])
    decision = Decision.new(
        moderator=moderator,
        thread=thread,
        comment=comment,
        model=None if flags is None else model(flags),
        labels=labels,
        action=action,
        note=note,
        when=when,
    )
    log.append(decision)
    return decision


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """Two threads, two moderators (dana, ravi), an undo, a skip, and decisions in two ISO weeks."""
    path = tmp_path / "decisions.yaml"
    log = DecisionLog(path, IDS)
    decide(log, "dana", 1, flags=())
    wrong = decide(log, "dana", 2, ("demand",), Action.FLAG, flags=("personal-attack",))
    log.retract(log._by_id[wrong.id], "dana")  # undone: not in any section
    decide(log, "dana", 2, ("personal-attack",), Action.HIDE, flags=("personal-attack",), note="belittles Lena")
    decide(log, "ravi", 2, ("personal-attack",), Action.FLAG, flags=("personal-attack",))
    decide(log, "dana", 3, ("demand",), Action.REMIND, flags=())
    decide(log, "ravi", 3, (), Action.SKIP, flags=("demand",))
    decide(log, "dana", 4, ("inflammatory",), Action.FLAG, thread=ISSUE, flags=None, when="2026-11-10T09:00:00.000000Z")
    return path


def test_sections_count_the_effective_decisions(log_path: Path) -> None:
    report = build([str(log_path)], IDS)
    assert len(report.rows) == 6  # 7 decisions, one undone
    assert report.by_action == {"ok": 1, "hide": 1, "flag": 2, "remind": 1, "skip": 1}
    bug, issue = report.threads
    assert (bug.source, bug.id, bug.decisions) == ("bugzilla", "4127", 5)
    assert dict(bug.by_label) == {"personal-attack": 2, "demand": 1}
    # only the comments labeled or acted on: not the fine one, not the skip
    assert [(r.comment_number, r.moderator, r.action) for r in bug.rows] == [
        (2, "dana", "hide"),
        (2, "ravi", "flag"),
        (3, "dana", "remind"),
    ]
    assert bug.rows[0].link == "https://bugs.example/show_bug.cgi?id=4127#c2"
    assert issue.rows[0].link == "https://github.com/acme/widgets/issues/7#issuecomment-88004"
    # per author, per comment: two moderators labeling comment 2 are one labeled comment
    authors = {a.author: a for a in report.authors}
    assert authors["Rick Tallow"].comments == 2 and authors["Rick Tallow"].by_label == {
        "personal-attack": 1,
        "demand": 1,
    }
    assert authors["Rick Tallow"].threads == 1 and "Lena Okafor" not in authors
    assert [(w.week, w.decisions) for w in report.timeline] == [("2026-W45", 5), ("2026-W46", 1)]


def test_model_versus_moderators_counts_each_judged_decision(log_path: Path) -> None:
    model_section = build([str(log_path)], IDS).model
    # the skip is no judgement; the GitHub decision recorded no model view
    assert (model_section.decisions, model_section.without_model) == (4, 1)
    assert model_section.model_ids == {"guideline-classifier@aaaaaaaaaaaa": 4}
    by_label = {m.label: m for m in model_section.labels}
    attack = by_label["personal-attack"]
    assert (attack.true_positive, attack.false_positive, attack.false_negative, attack.true_negative) == (2, 0, 0, 2)
    assert (attack.precision, attack.recall) == (1.0, 1.0)
    demand = by_label["demand"]
    assert (demand.true_positive, demand.false_negative, demand.precision, demand.recall) == (0, 1, None, 0.0)


def test_agreement_rests_on_comments_decided_by_two_moderators(log_path: Path) -> None:
    agreement = {a.label: a for a in build([str(log_path)], IDS).agreement}
    # comment 2 only: ravi's skip on comment 3 is no judgement
    assert agreement["personal-attack"].comments == 1
    assert agreement["personal-attack"].too_little_overlap
    assert "not enough overlap (1 comment)" in to_markdown(build([str(log_path)], IDS))


def test_filters(log_path: Path) -> None:
    paths = [str(log_path)]
    assert {r.moderator for r in build(paths, IDS, Filters(moderator="ravi")).rows} == {"ravi"}
    assert {r.thread_id for r in build(paths, IDS, Filters(thread="acme/widgets#7")).rows} == {"acme/widgets#7"}
    import datetime as dt

    late = build(paths, IDS, Filters(since=dt.date(2026, 11, 10))).rows
    assert [r.comment_number for r in late] == [4]
    early = build(paths, IDS, Filters(until=dt.date(2026, 11, 9))).rows
    assert len(early) == 5
    nothing = build(paths, IDS, Filters(moderator="nobody"))
    assert nothing.rows == [] and nothing.empty_reason == "no decision matches the filters"


def test_csv_one_row_per_effective_decision_and_no_formula_runs(log_path: Path) -> None:
    text = to_csv(build([str(log_path)], IDS))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 6
    mallory = next(r for r in rows if r["author"] == "Mallory")
    assert mallory["excerpt"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert mallory["labels"] == "inflammatory" and mallory["model_flags"] == ""


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.sampled_from("=+-@\t\r'a ;,\"\n"), max_size=6), min_size=3, max_size=3))
def test_csv_cells_are_each_fields_cell(texts: list[str]) -> None:
    """The CSV writes text that starts no formula as it is and everything else through its cell rule: every cell
    as that rule makes it, whatever text starts with."""
    from moderator.reports.data import Row
    from moderator.reports.render import _cell

    report = build([], IDS)
    author, note, title = texts
    row = Row("bugzilla", "7", title, 3, None, author, "-1 " + note, ("a", "=b"), "flag", note, "=m", "2026-11-02T10:00:00Z",
              None, None, 0.25, None, "d1")  # fmt: skip
    report.rows.append(row)
    rows = list(csv.reader(io.StringIO(to_csv(report), newline="")))
    assert rows[1:] == [[_cell(getattr(row, column)) for column in CSV_COLUMNS]]


def test_the_csv_of_a_report_without_sections_is_the_whole_reports(log_path: Path) -> None:
    """The CLI builds a CSV report without its sections (the CSV shows only rows): the same text, and the sections
    it left out are empty rather than wrong."""
    whole, rows_only = build([str(log_path)], IDS), build([str(log_path)], IDS, sections=False)
    assert to_csv(rows_only) == to_csv(whole) and len(whole.rows) == 6
    assert whole.threads and whole.agreement and not rows_only.threads and not rows_only.agreement


def test_markdown_keeps_text_inert_and_tables_whole(log_path: Path) -> None:
    text = to_markdown(build([str(log_path)], IDS))
    line = next(line for line in text.splitlines() if "HYPERLINK" in line)
    assert "<b>" not in line and "&lt;b&gt;" in line
    assert line.count("|") - line.count("\\|") == 9  # 8 cells: the pipes of the text are escaped
    assert md_text("a*b_c`d[e]") == "a\\*b\\_c\\`d\\[e\\]"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("&<>\\`*_[]|~ab \n\t\u2028\"'"), max_size=40))
def test_markdown_escaping_is_html_escaping_then_markup_escaping(text: str) -> None:
    """md_text's one-pass table against the two steps it stands for."""
    import html

    escaped = html.escape(" ".join(text.split()), quote=False)
    assert md_text(text) == "".join("\\" + c if c in "\\`*_[]|~" else c for c in escaped)


def test_json_is_the_whole_report(log_path: Path, tmp_path: Path) -> None:
    result = run_cli("report", str(log_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "moderator-report/1"
    assert set(data) >= {
        "generated", "filters", "logs", "left_out", "totals", "threads", "authors",
        "model_versus_moderators", "agreement", "timeline", "decisions",
    }  # fmt: skip
    assert data["totals"]["decisions"] == 6 and data["logs"][0]["path"] == str(log_path)
    assert data["threads"][0]["comments"][0]["excerpt"].startswith("(In reply to Lena Okafor")


def test_json_text_is_the_report_dict_in_its_order(log_path: Path) -> None:
    """to_json writes each row once and puts the document together around it: it must decode to exactly
    report_dict, members in the same order, and stay one line."""
    report = build([str(log_path)], IDS)
    text = to_json(report)
    assert text.endswith("}\n") and text.count("\n") == 1
    decoded, expected = json.loads(text), report_dict(report)
    assert decoded == expected and list(decoded) == list(expected)
    assert [list(thread) for thread in decoded["threads"]] == [list(thread) for thread in expected["threads"]]
    assert decoded["threads"] and all(thread["comments"] for thread in decoded["threads"])


def test_json_rows_with_a_lone_surrogate_or_odd_numbers_read_back_the_same() -> None:
    """Rows are encoded by orjson, which refuses a lone surrogate (a hand-edited log can hold one): the standard
    library then writes that row. Numbers read back as they were, however each encoder writes them."""
    from moderator.reports.data import Row

    report = build([], IDS)
    for number, (author, concern) in enumerate([("\ud800 Mallory", 1e-07), ("Lena", 0.1 + 0.2), ("Ana", None)]):
        report.rows.append(
            Row(
                "github",
                "o/r#1",
                "t",
                number,
                None,
                author,
                "x",
                (),
                "ok",
                "",
                "m",
                "2026-11-02T10:00:00Z",
                "m@1",
                (),
                concern,
                None,
                f"d{number}",
            )  # fmt: skip
        )
    decoded = json.loads(to_json(report))
    assert decoded == report_dict(report)
    assert [row["concern"] for row in decoded["decisions"]] == [1e-07, 0.1 + 0.2, None]


@pytest.mark.parametrize(("suffix", "starts"), [(".md", "# Moderation report"), (".html", "<!DOCTYPE html>"),
                                                 (".csv", "thread_source,"), (".json", "{")])  # fmt: skip
def test_the_format_comes_from_the_output_suffix(log_path: Path, tmp_path: Path, suffix: str, starts: str) -> None:
    output = tmp_path / f"report{suffix}"
    result = run_cli("report", str(log_path), "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8").startswith(starts) and result.stdout == ""


def test_pseudonyms_are_stable_keyed_and_cover_names_in_text(log_path: Path, tmp_path: Path) -> None:
    secret_path = config.pseudonym_secret_path()
    assert not secret_path.exists()
    result = run_cli("report", str(log_path), "--pseudonymize", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(secret_path.stat().st_mode) == 0o600
    again = run_cli("report", str(log_path), "--pseudonymize", "--format", "json")
    assert json.loads(result.stdout)["decisions"] == json.loads(again.stdout)["decisions"]  # stable
    text = result.stdout
    for name in ("Lena", "Okafor", "Rick", "Tallow", "dana", "ravi", "Mallory", "rick@example.org"):
        assert name not in text, name
    assert EMAIL_REMOVED in text and "person-" in text
    secret = load_or_create_secret(secret_path)
    ours, other = Pseudonymizer(secret), Pseudonymizer(b"x" * 32)
    assert ours.pseudonym("Rick Tallow") in text and other.pseudonym("Rick Tallow") not in text
    assert ours.pseudonym("Rick Tallow") == ours.pseudonym("rick tallow ")  # the same person however written
    # the reply header and the first name in the text take the pseudonym of the thread's author Lena Okafor
    excerpt = json.loads(text)["threads"][0]["comments"][0]["excerpt"]
    assert excerpt.startswith(f"(In reply to {ours.pseudonym('Lena Okafor')} from comment #1)")


def test_pseudonyms_replace_the_names_in_thread_titles(tmp_path: Path) -> None:
    """A title that names a person known in the thread ("Lena Okafor's patch ...") is pseudonymized as an excerpt
    is, in the rows and the thread sections; a title without a known name is kept."""
    path = tmp_path / "decisions.yaml"
    log = DecisionLog(path, IDS)
    named = ThreadRef("bugzilla", "5120", "Lena Okafor's patch breaks the mirror", "https://bugs.example/5120")
    decide(log, "dana", 1, thread=named)
    decide(log, "dana", 2, ("personal-attack",), Action.HIDE, thread=named)
    decide(log, "dana", 4, ("inflammatory",), Action.FLAG, thread=ISSUE)
    pseudonyms = Pseudonymizer(b"k" * 32)
    report = build([str(path)], IDS, pseudonyms=pseudonyms)
    renamed = f"{pseudonyms.pseudonym('Lena Okafor')}'s patch breaks the mirror"
    assert {row.thread_title for row in report.rows} == {renamed, "Crash on start"}
    assert sorted(str(section.title) for section in report.threads) == sorted([renamed, "Crash on start"])
    assert "Lena" not in to_json(report) and "Okafor" not in to_markdown(report)
    assert build([str(path)], IDS).threads[0].title == "Lena Okafor's patch breaks the mirror"  # without: as it is


def test_a_damaged_secret_is_refused(tmp_path: Path) -> None:
    path = config.pseudonym_secret_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"short")
    result = run_cli("report", str(tmp_path / "none.yaml"), "--pseudonymize")
    assert result.returncode == 2


# -- bad input ----------------------------------------------------------------------------------------------------
def test_a_torn_log_is_refused_naming_its_line(log_path: Path) -> None:
    with log_path.open("a", encoding="utf-8") as handle:
        handle.write('---\nschema: 1\nkind: "decision"\n')
    before = log_path.read_bytes()
    result = run_cli("report", str(log_path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{log_path}:" in result.stderr and "no report was written" in result.stderr
    assert log_path.read_bytes() == before


def test_a_newer_schema_is_refused(log_path: Path) -> None:
    text = log_path.read_text(encoding="utf-8").replace("schema: 1", "schema: 7", 1)
    log_path.write_text(text, encoding="utf-8")
    result = run_cli("report", str(log_path))
    assert result.returncode == 2 and "schema version 7 is newer" in result.stderr and f"{log_path}:1:" in result.stderr


@pytest.mark.parametrize("kind", ["md", "html", "csv", "json"])
def test_an_empty_log_gives_an_empty_report_that_says_so(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    result = run_cli("report", str(path), "--format", kind)
    assert result.returncode == 0, result.stderr
    assert "empty report: the logs hold no decisions" in result.stderr
    if kind != "csv":
        assert "the logs hold no decisions" in result.stdout
    else:
        assert result.stdout.strip() == ",".join(CSV_COLUMNS)


def test_a_log_of_retractions_only_says_every_decision_was_undone(tmp_path: Path) -> None:
    path = tmp_path / "undone.yaml"
    log = DecisionLog(path, IDS)
    first = decide(log, "dana", 1)
    log.retract(log._by_id[first.id], "dana")
    result = run_cli("report", str(path))
    assert result.returncode == 0 and "every decision in the logs was retracted" in result.stdout


def test_a_report_never_writes_into_a_log(log_path: Path) -> None:
    before = log_path.read_bytes()
    result = run_cli("report", str(log_path), "-o", str(log_path), "--format", "md")
    assert result.returncode == 2 and "a report never writes into a log" in result.stderr
    assert log_path.read_bytes() == before


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--since", "2026-13-01"], "--since: '2026-13-01' is not a date"),
        (["--since", "2026-12-01", "--until", "2026-11-01"], "is after --until"),
        (["-o", "report.pdf"], "unknown suffix '.pdf'"),
        (["-o", "/nonexistent-folder/r.md"], "no such folder"),
    ],
)
def test_bad_options_are_one_line_exit_2(log_path: Path, arguments: list[str], says: str) -> None:
    result = run_cli("report", str(log_path), *arguments)
    assert result.returncode == 2 and says in result.stderr and result.stderr.count("\n") == 1


def test_a_missing_log_is_named(tmp_path: Path) -> None:
    result = run_cli("report", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2 and f"{tmp_path / 'nope.yaml'}: no such file" in result.stderr


def test_links_only_for_plain_web_addresses() -> None:
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url("https://bugs.example/show_bug.cgi?id=1") is not None
    assert safe_url('https://x.example/"onmouseover="alert(1)') is None
    hostile = ThreadRef("bugzilla", "1", "t", "javascript:alert(1)//show_bug.cgi")
    comment = DecidedComment(2, "5", "a", "text")
    decision = Decision.new(moderator="m", thread=hostile, comment=comment, model=None, labels=(), action=Action.OK)
    assert comment_link(decision) is None


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab \u00a0\u3000\n\t\r\u2028\x0b"), max_size=60),
    limit=st.integers(min_value=2, max_value=12),
)
def test_an_excerpt_is_the_start_of_the_flattened_text(text: str, limit: int) -> None:
    """excerpt flattens only the start of a long comment, and the start only by stripping when its white space
    is single ASCII spaces: always what flattening the whole text and cutting it gives."""
    from moderator.reports.data import excerpt

    flat = " ".join(text.split())
    expected = flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
    assert excerpt(text, limit) == expected
