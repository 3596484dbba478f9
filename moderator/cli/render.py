"""Plain-text renderings of threads for the terminal (the ``thread`` command's table)."""

from __future__ import annotations

from moderation_core.textsafe import one_line
from moderation_core.thread import NOT_PROSE, Comment, Thread


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
