"""Every table the commands print, as plain text for the terminal: the thread, scores, evaluation and training
figures, decision-log statistics, trusted models and a model's card. Each takes what its command computed and
returns the text without the final line break; every value from a file or the user goes through one_line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation_core.textsafe import one_line
from moderation_core.thread import NOT_PROSE, Comment, Thread

if TYPE_CHECKING:  # types only: rendering never loads scikit-learn
    from classifiers.persist import ModelFile
    from moderator.scoring import CommentScore


def _quote_summary(comment: Comment) -> str:
    if not comment.quotes:
        return "-"
    sources = [f"#{q.comment}" if q.comment is not None else "?" for q in comment.quotes]
    return ",".join(dict.fromkeys(sources))


def _no_own_text(comment: Comment) -> str:
    """What stands in the own-text column of a comment with no own words: quotes only, only parts that are not
    prose (a bare patch, a signature), or nothing at all."""
    if comment.quotes:
        return "(quotes only)"
    parts = dict.fromkeys(
        "trailers" if s.kind == "trailer" else s.kind for s in comment.segments if s.kind in NOT_PROSE
    )
    return f"({', '.join(parts)} only)" if parts else "(empty)"


def thread_table(thread: Thread, width: int = 120) -> str:
    """A header naming the thread, then one line per comment; every field is made safe for a terminal."""
    out: list[str] = [one_line(thread.title or "(untitled thread)", width)]
    facts = [thread.source]
    if thread.id:
        facts.append(thread.id)
    if thread.product or thread.component:
        facts.append(" :: ".join(p for p in (thread.product, thread.component) if p))
    if thread.url:
        facts.append(thread.url)
    out.append(one_line(" · ".join(facts), width))
    people = []
    if thread.reporter:
        people.append(f"reporter {thread.reporter}")
    if thread.assignee:
        people.append(f"assignee {thread.assignee}")
    count = len(thread.comments)
    summary = f"{count} comment{'s' if count != 1 else ''}"
    out.append(one_line(", ".join([summary, *people]), width))
    for note in thread.notes:  # what the importer could not know or left out
        out.append(one_line(f"note: {note}", width))
    out.append("")
    rows = []
    for comment in thread.comments:
        number = str(comment.number) if comment.number is not None else "?"
        if comment.missing_markers:
            number += "+"
        rows.append(
            (
                number,
                one_line(comment.author or "-", 22),
                one_line(comment.author_role or "", 10),
                one_line(comment.created or "", 20),
                _quote_summary(comment),
                comment.own_text or _no_own_text(comment),
            )
        )
    headers = ("#", "author", "role", "created", "quotes", "own text")
    widths = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(5)]
    fixed = sum(widths) + 2 * 5
    text_width = max(width - fixed, 20)
    out.append("  ".join(h.ljust(w) for h, w in zip(headers[:5], widths)) + "  " + headers[5])
    for row in rows:
        cells = [row[0].rjust(widths[0])] + [cell.ljust(w) for cell, w in zip(row[1:5], widths[1:])]
        out.append("  ".join(cells) + "  " + one_line(row[5], text_width))
    if any(c.missing_markers for c in thread.comments):
        out.append("")
        out.append("+ markers of the following comments were missing in the page copy; their text is kept here:")
        for comment in thread.comments:
            if comment.missing_markers:
                out.append(f"  {comment.label}")
    return "\n".join(out)


def score_table(thread: Thread, results: Sequence[CommentScore], model_id: str) -> str:
    """The thread's title, how many comments the model flags (and marks for review, when it marks any), then one
    line per comment: concern, flags (or "review?" and the suggested labels), words."""
    flagged = sum(1 for r in results if r.flags)
    review = sum(1 for r in results if _marked_for_review(r))
    counts = f"{flagged} flagged" + (f", {review} marked for review" if review else "")
    lines = [
        one_line(thread.title or "(untitled thread)", 120),
        f"{len(results)} comments, {counts} · model {model_id}",
        f"{'#':>4}  {'concern':>7}  {'flags':28}  own text",
    ]
    for comment, result in zip(thread.comments, results):
        number = str(comment.number) if comment.number is not None else "?"
        flags = _flags_cell(result)
        lines.append(f"{number:>4}  {result.concern:7.2f}  {one_line(flags, 28):28}  {one_line(comment.own_text, 70)}")
    return "\n".join(lines)


def _marked_for_review(result: CommentScore) -> bool:
    """Marked for review and flagged by no label (a flag says more than a mark)."""
    return result.review and not result.flags


def _flags_cell(result: CommentScore) -> str:
    """The flags, or for a comment marked for review "review?" and the labels suggested (not flags), or "-"."""
    if _marked_for_review(result):
        return " ".join(["review?", ",".join(result.suggested)]).strip()
    return ",".join(result.flags) or "-"


def evaluation_table(model_id: str, results: Sequence[Mapping[str, Any]]) -> str:
    """One line of figures per labeled file, then one per category of uncivil comment the file names."""
    lines = [
        f"model {model_id}",
        f"{'file':36} {'comments':>8} {'uncivil':>7} {'AUC':>6} {'AP':>6} {'flagged':>8}",
    ]
    for r in results:
        auc = f"{r['concern_roc_auc']:.3f}" if "concern_roc_auc" in r else "-"
        ap = f"{r['concern_average_precision']:.3f}" if "concern_average_precision" in r else "-"
        name = one_line(Path(r["file"]).name, 36)
        lines.append(f"{name:36} {r['comments']:8d} {r['uncivil']:7d} {auc:>6} {ap:>6} {r['flag_rate']:8.2%}")
        for category, figures in r.get("categories", {}).items():
            # Every comment of a category is uncivil: its count fills both columns.
            lines.append(
                f"  {one_line(category, 34):34} {figures['comments']:8d} {figures['comments']:7d} "
                f"{figures['concern_roc_auc']:6.3f} {'':>6} {figures['flagged']:8.2%}"
            )
    return "\n".join(lines)


def training_table(output: str, card: Mapping[str, Any]) -> str:
    """Where the model went, then each label's cross-validated threshold and figures."""
    metrics = card["cross_validated_metrics"]
    lines = [
        f"model written to {output} ({card['artifact']['bytes'] / 1e6:.1f} MB, {card['training_seconds']} s)",
        f"{'label':16} {'threshold':>9} {'precision':>9} {'recall':>7} {'AUC':>6}",
    ]
    for label in card["taxonomy"]["labels"]:
        m = metrics[label]
        lines.append(
            f"{label:16} {m['threshold']:9.3f} {m['precision']:9.3f} {m['recall']:7.3f} {m['roc_auc'] or 0:6.3f}"
        )
    lines.append(f"concern ROC-AUC {metrics['concern']['roc_auc']:.3f} (cross-validated)")
    return "\n".join(lines)


def log_stats_table(path: Path, summary: Mapping[str, Any]) -> str:
    """The decision log's counts, one per line, then who decided, the actions and labels, and model agreement."""
    lines = [f"{path}"]
    for key in ("documents", "decisions", "retractions", "effective_decisions", "threads", "problems"):
        lines.append(f"  {key.replace('_', ' '):20} {summary[key]}")
    for key in ("moderators", "actions", "labels"):
        values = ", ".join(f"{one_line(str(k))} {v}" for k, v in sorted(summary[key].items())) or "-"
        lines.append(f"  {key:20} {values}")
    agreement = summary["model_agreement"]
    lines.append(f"  {'model agreement':20} {'-' if agreement is None else f'{agreement:.1%}'}")
    return "\n".join(lines)


def trusted_models_table(rows: Sequence[Mapping[str, str]], store: Path, *, exists: bool) -> str:
    """One line per trusted digest (the bundled one first), then where the trust store is."""
    lines = [f"{'sha256':64}  {'source':8}  {'added':25}  model  folder"]
    for row in rows:
        lines.append(
            f"{row['sha256']}  {row['source']:8}  {one_line(row['added'], 25):25}  "
            f"{one_line(row['model'], 40)}  {one_line(row['path'], 120)}"
        )
    lines.append(f"trust store: {store}{'' if exists else ' (none yet)'}")
    return "\n".join(lines)


# A card may list any number of corpora: the first ones are enough to judge it.
_CARD_SOURCES_SHOWN = 20


def model_card_lines(checked: ModelFile) -> list[str]:
    """What to know before trusting a model, every value from the card through one_line (the card is data)."""
    card = checked.card

    def field(value: object, width: int = 100) -> str:
        return one_line(str(value), width)

    taxonomy = card["taxonomy"]
    libraries = ", ".join(f"{name} {version}" for name, version in card["libraries"].items())
    lines = [
        "model card (what its author wrote; only the sha256 below is computed here, from the model file):",
        f"model folder  {field(checked.folder)}",
        f"model         {field(card.get('model', '(unnamed)'), 60)}@{checked.sha256[:12]}",
        f"trained       {field(card.get('trained', '(not stated)'), 40)}",
        f"labels        {field(taxonomy.get('name', '?'), 30)} {field(taxonomy.get('version', ''), 10)}: "
        f"{field(', '.join(taxonomy['labels']), 120)}",
        f"libraries     {field(libraries)}",
        f"artifact      {field(checked.artifact)} ({len(checked.data)} bytes)",
        f"sha256        {checked.sha256}",
        "corpora",
    ]
    sources = card.get("data", [])
    for source in sources[:_CARD_SOURCES_SHOWN]:
        details = ", ".join(
            field(f"{key} {source[key]}", 60) for key in ("path", "examples", "licence", "origin") if key in source
        )
        lines.append(f"  - {field(source.get('name', '(unnamed)'), 60)} ({details})")
    if len(sources) > _CARD_SOURCES_SHOWN:
        lines.append(f"  … and {len(sources) - _CARD_SOURCES_SHOWN} more")
    if not sources:
        lines.append("  (none stated)")
    return lines
