"""The current comment: a header pinned above a scrolling body; quotes set apart and attributed, own words with
evidence marked (underlined, and the label's key in a gutter: never colour alone), and the parts that are not prose
(signature, trailers, patch) dimmed under a label.

The body is word-wrapped here rather than by Textual, so this view knows which screen line holds which character:
a flagged comment opens on its first evidence, a search on its first match, a wrapped quote line keeps its bar,
and each line says which labels' evidence it carries.

Every colour is the palette's version for the theme in use (moderator.tui.palette): the functions take ``dark``
(True for a dark theme, the default), and the view draws again when the theme changes."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from rich.cells import cell_len
from rich.errors import StyleSyntaxError
from rich.style import Style, StyleType
from rich.text import Span, Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.strip import Strip
from textual.theme import Theme
from textual.widgets import Static

from moderation_core.thread import Comment, Segment, number_runs
from moderator.review import ReviewSession
from moderator.tui import palette
from moderator.tui.text import break_offsets, literal, literal_line

# Quoted text, in italics: a grey that reads 4.5:1 or more on the theme's background and panel (the grey it was,
# #8a8f98, gave 4.2:1 on the dark panel and 2.5:1 on the light background; palette.readable moved it).
QUOTE = palette.Themed("#90959d", "#56595e")
# A page copy that lost comment markers: an amber readable on each theme (palette.readable of #d4a017).
WARNING = palette.Themed("#d4a017", "#70550c")
NOT_PROSE_STYLE = "dim"
# A search match: reversed, so it shows without colour (and on any label's colour).
MATCH_STYLE = Style(reverse=True, bold=True)
GUTTER_GLYPH = "▍"
# The bars of quote and not-prose blocks (see _barred_block): a screen line continuing such a line gets the bar too.
BARS = ("▌ ", "┆ ")
# Screen lines kept drawn (a megabyte comment has tens of thousands: they are drawn again when scrolled back to).
STRIPS_KEPT = 2000
# Lines kept above evidence or a match scrolled to, so it is read in its context.
CONTEXT_LINES = 2
# How many refreshes the opening scroll waits for the scroll view to learn the body's height (a dialog closing over
# the screen delays its layout by one or two).
MAX_REVEAL_TRIES = 5


@dataclass(frozen=True)
class Evidence:
    """Where one label's evidence lies in the text of the body, and the label's key and colour."""

    start: int
    end: int
    key: str
    color: str


@dataclass(frozen=True)
class BodyLayout:
    """The body word-wrapped to ``width`` cells: each screen line's text (gutter and bar included) and spans
    (offsets into that line), and the offset in the unwrapped body where each screen line's piece of it begins."""

    rows: list[str]
    row_spans: list[list[Span]]
    starts: list[int]
    width: int
    style: StyleType = ""

    def line_of(self, offset: int) -> int:
        """The screen line holding character ``offset`` of the unwrapped body."""
        return max(bisect_right(self.starts, offset) - 1, 0)

    def row_text(self, line: int) -> Text:
        return Text(self.rows[line], style=self.style, no_wrap=True, overflow="crop", spans=self.row_spans[line])

    @cached_property
    def text(self) -> Text:
        """Every screen line as one text (for what reads the whole: tests, text selection); drawing takes the lines
        on screen one at a time instead."""
        spans: list[Span] = []
        position = 0
        for row, row_spans in zip(self.rows, self.row_spans):
            spans.extend(Span(start + position, end + position, style) for start, end, style in row_spans)
            position += len(row) + 1
        return Text("\n".join(self.rows), style=self.style, no_wrap=True, overflow="crop", spans=spans)


class CommentBody(Static):
    """The wrapped body, drawn a screen line at a time (Textual's line API): only the lines in view are drawn, so
    opening or scrolling a megabyte comment costs what its screenful costs. A Static still: ``render()`` gives its
    whole text."""

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        self._layout: BodyLayout | None = None
        self._unwrapped = Text()
        self._strips: dict[int, Strip] = {}

    def show_unwrapped(self, text: Text) -> None:
        """The body before the view has a width: nothing drawn yet, the text kept for ``render()``."""
        self._layout, self._unwrapped = None, text
        self._strips.clear()
        self.refresh(layout=True)

    def show_layout(self, layout: BodyLayout) -> None:
        self._layout = layout
        self._strips.clear()
        self.refresh(layout=True)

    def render(self) -> Text:
        return self._layout.text if self._layout is not None else self._unwrapped

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._layout.rows) if self._layout is not None else 0

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # drawn with the old colours

    def render_line(self, y: int) -> Strip:
        style = self.rich_style
        if self._layout is None or not 0 <= y < len(self._layout.rows):
            return Strip.blank(self.size.width, style)
        strip = self._strips.get(y)
        if strip is None:
            if len(self._strips) > STRIPS_KEPT:
                self._strips.clear()
            text = self._layout.row_text(y)
            text.stylize_before(style)
            strip = self._strips[y] = Strip(text.render(self.app.console), cell_len(text.plain))
        return strip


class _BodyScroll(VerticalScroll):
    """Never takes the keyboard: the review screen's keys (j/k move between comments) drive the review; the screen
    scrolls the body through :class:`CommentView`'s methods."""

    can_focus = False


class CommentView(Vertical):
    """One comment: its header pinned, its body scrolling below."""

    can_focus = False

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._body_text = Text()
        self._body_start = 0  # where the comment's own segments begin in the body (after the model's verdict)
        self._evidence: list[Evidence] = []
        self._matches: list[int] = []  # offsets in the body where a search match begins
        self._layout: BodyLayout | None = None
        self._reveal_tries = 0
        self._match_lines: list[int] = []
        self._match_cursor = 0
        self._reveal_pending = False
        self._session: ReviewSession | None = None
        self._pattern: re.Pattern[str] | None = None

    def on_mount(self) -> None:
        # The colours depend on the theme: draw again when it changes (the command palette can switch it).
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        """The same comment in the new theme's colours, at the same place: the text and its wrapping are the
        same, only the styles change, so the scroll position and the match being walked still hold."""
        if self._session is None:
            return
        self._body_text, self._body_start, self._evidence = comment_text(self._session, theme.dark)
        self._matches = _mark_matches(self._body_text, self._pattern, self._body_start)
        self._lay_out()

    def compose(self) -> ComposeResult:
        yield Static(id="comment-header", markup=False)
        with _BodyScroll(id="comment-scroll"):
            yield CommentBody(id="comment-body")

    # -- what the screen calls ------------------------------------------------------------------------------
    def show(self, session: ReviewSession, search: str | None = None) -> None:
        """Show the current comment of ``session``: scrolled to the first match of ``search`` when it has one, else
        to its first evidence when the model flags it, else from the top."""
        pattern = re.compile(re.escape(search), re.IGNORECASE) if search else None
        self._session, self._pattern = session, pattern
        self.query_one("#comment-header", Static).update(comment_header(session, pattern))
        self._body_text, self._body_start, self._evidence = comment_text(session, self.app.current_theme.dark)
        self._matches = _mark_matches(self._body_text, pattern, self._body_start)
        self._match_cursor = 0
        self._reveal_pending = True
        self._reveal_tries = 0
        self._scroll.scroll_to(y=0, animate=False, immediate=True)
        self._lay_out()

    def page_down(self) -> None:
        self._scroll_by(max(self._viewport_height() - 1, 1))

    def page_up(self) -> None:
        self._scroll_by(-max(self._viewport_height() - 1, 1))

    def half_page_down(self) -> None:
        self._scroll_by(max(self._viewport_height() // 2, 1))

    def half_page_up(self) -> None:
        self._scroll_by(-max(self._viewport_height() // 2, 1))

    def to_top(self) -> None:
        self._scroll.scroll_to(y=0, animate=False, immediate=True)

    def to_bottom(self) -> None:
        self._scroll.scroll_to(y=self._scroll.max_scroll_y, animate=False, immediate=True)

    def next_match(self) -> bool:
        """Scroll to the next line holding a match of the search; False when there is none after this one (the
        screen then goes to the next comment with a match)."""
        if self._match_cursor + 1 >= self._match_count():
            return False
        self._match_cursor += 1
        self._reveal_match()
        return True

    def previous_match(self) -> bool:
        """Scroll to the previous line holding a match; False when there is none before this one."""
        if self._match_cursor <= 0 or not self._match_count():
            return False
        self._match_cursor -= 1
        self._reveal_match()
        return True

    def to_last_match(self) -> bool:
        """Scroll to the last match (the screen calls it after going back to an earlier comment with a match)."""
        if not self._matches:
            return False
        self._match_cursor = max(self._match_count() - 1, 0)
        self._reveal_match()
        return True

    @property
    def match_count(self) -> int:
        """How many matches of the search the comment shows (next_match stops once on a line holding several)."""
        return len(self._matches)

    @property
    def opened(self) -> bool:
        """Whether the comment shown is wrapped and scrolled to where it opens (its first match or evidence): that
        waits for the refresh after ``show``, when the scroll view knows the body's height."""
        return self._layout is not None and not self._reveal_pending

    @property
    def body_layout(self) -> BodyLayout | None:
        """The body as last wrapped (None until the view has a width)."""
        return self._layout

    def first_evidence_line(self) -> int | None:
        """The screen line of the body where the first evidence begins, if the comment has any."""
        if self._layout is None or not self._evidence:
            return None
        return self._layout.line_of(min(span.start for span in self._evidence))

    def current_match_line(self) -> int | None:
        if not self._match_lines:
            return None
        return self._match_lines[min(self._match_cursor, len(self._match_lines) - 1)]

    # -- wrapping and scrolling -------------------------------------------------------------------------------
    @property
    def _scroll(self) -> VerticalScroll:
        return self.query_one("#comment-scroll", VerticalScroll)

    def _viewport_height(self) -> int:
        return self._scroll.scrollable_content_region.height

    def _scroll_by(self, lines: int) -> None:
        scroll = self._scroll
        scroll.scroll_to(y=scroll.scroll_y + lines, animate=False, immediate=True)

    def _body_width(self) -> int:
        return self._scroll.scrollable_content_region.width

    def _lay_out(self) -> None:
        """Wrap the body to the view's width and show it; before the view has a width, keep it for the first
        resize to wrap."""
        body = self.query_one(CommentBody)
        width = self._body_width()
        if width <= 0:
            self._layout = None
            self._match_lines = []
            body.show_unwrapped(self._body_text)
            return
        self._layout = lay_out(self._body_text, width, self._evidence)
        self._match_lines = sorted({self._layout.line_of(start) for start in self._matches})
        body.show_layout(self._layout)
        if self._reveal_pending:
            # The scroll view learns the body's new height at the next refresh: only then can it scroll there.
            self.call_after_refresh(self._reveal_opening)

    def on_resize(self, event: events.Resize) -> None:
        if self._layout is not None and self._layout.width == self._body_width():
            return
        top = self._layout.starts[min(int(self._scroll.scroll_y), len(self._layout.starts) - 1)] if self._layout else 0
        self._lay_out()
        if self._layout is not None and not self._reveal_pending:
            self._scroll.scroll_to(y=self._layout.line_of(top), animate=False)

    def _reveal_opening(self) -> None:
        if not self._reveal_pending or self._layout is None:
            return
        line = self.current_match_line()
        if line is None:
            line = self.first_evidence_line()
        wanted = max((line or 0) - CONTEXT_LINES, 0)
        if wanted > self._scroll.max_scroll_y and self._reveal_tries < MAX_REVEAL_TRIES:
            # The scroll view does not know the body's height yet (the comment was shown under a dialog that is
            # closing, e.g. the search prompt): try again after the next refresh rather than stop at the top.
            self._reveal_tries += 1
            self.call_after_refresh(self._reveal_opening)
            return
        self._reveal_pending = False
        self._reveal_tries = 0
        if line is not None:
            self._reveal(line)

    def _reveal_match(self) -> None:
        if self._reveal_pending:
            return  # the comment has just been shown: the match is scrolled to once it is laid out
        line = self.current_match_line()
        if line is not None:
            self._reveal(line)

    def _reveal(self, line: int) -> None:
        """Scroll so ``line`` is on screen, a few lines below the top, unless it is on screen already."""
        scroll = self._scroll
        top, height = int(scroll.scroll_y), self._viewport_height()
        if top <= line < top + max(height - 1, 1):
            return
        scroll.scroll_to(y=max(line - CONTEXT_LINES, 0), animate=False, immediate=True)

    def _match_count(self) -> int:
        return len(self._match_lines) if self._layout is not None else len(self._matches)


def comment_header(session: ReviewSession, search: re.Pattern[str] | None = None) -> Text:
    """The pinned lines: which comment, its place in the queue, who wrote it when, what it answers, and what the
    other moderators decided on it. Each is one line (cut with an ellipsis, never wrapped)."""
    comment = session.current
    first = Text(no_wrap=True, overflow="ellipsis")
    first.append(comment.label.capitalize(), style="bold")
    first.append(f"   {session.position + 1}/{len(session.order)} in queue", style="dim")
    if comment.reply_to:
        first.append("  ·  replies to " + ", ".join(f"#{n}" for n in comment.reply_to), style="dim")
    second = literal_line(comment.author or "unknown author", "bold")
    if comment.author_role:
        second.append_text(literal_line(f" ({comment.author_role})", "italic"))
    if comment.created:
        second.append("  ·  ")
        second.append_text(literal_line(comment.created, "dim"))
    if search is not None:
        for match in search.finditer(second.plain):
            second.stylize(MATCH_STYLE, match.start(), match.end())
    lines = [first, second]
    others = _others_line(session)
    if others is not None:
        lines.append(others)
    return Text("\n").join(lines)


def _others_line(session: ReviewSession) -> Text | None:
    """ "Others: ana ok · li flag demand", when the session knows other moderators' decisions (older sessions
    do not: asked for with getattr)."""
    others_decisions = getattr(session, "others_decisions", None)
    if others_decisions is None:
        return None
    entries = others_decisions(session.index)
    if not entries:
        return None
    line = Text("Others: ", style="bold", no_wrap=True, overflow="ellipsis")
    for number, entry in enumerate(entries):
        if number:
            line.append("  ·  ", style="dim")
        line.append_text(literal_line(entry.key.moderator, "italic"))
        line.append(f" {entry.action or '?'}")
        if entry.labels:
            line.append(" " + ",".join(entry.labels))
    return line


def comment_text(session: ReviewSession, dark: bool = True) -> tuple[Text, int, list[Evidence]]:
    """The unwrapped body of the current comment (the model's verdict, then the comment), where the comment
    begins in it, and where each label's evidence lies in it; in the colours for a dark theme, or (``dark``
    False) a light one."""
    comment = session.current
    score = session.current_score
    verdict = Text()
    if score is not None and score.review and not score.flags:
        # The outline's colour of a comment marked for review.
        verdict.append(f"marked for review (concern {score.concern:.2f})", style=f"bold {palette.REVIEW.on(dark)}")
    elif score is not None:
        verdict.append(f"concern {score.concern:.2f}", style="bold" if score.flags else "dim")
    keys = {label.id: (label.key, palette.label_color(label.color, dark)) for label in session.taxonomy.labels}
    evidence_styles: dict[Style, tuple[str, str]] = {}
    highlights: list[tuple[int, int, StyleType]] = []
    if score is not None:
        for label, spans in score.evidence.items():
            # A label the taxonomy does not know: "?" in the gutter, the theme's text colour.
            key, color = keys.get(label) or ("?", palette.label_color(label, dark))
            for span in spans:
                style = evidence_style(color, key, term=span.kind == "term")
                evidence_styles[style] = (key, color)
                highlights.append((span.start, span.end, style))
    body = comment_body(comment, highlights, dark)
    parts = [verdict, Text(""), body] if verdict else [body]
    if comment.missing_markers:
        missing = number_runs(comment.missing_markers)
        parts.append(
            Text(f"Page copy: markers of comment {missing} were missing; their text is here.", style=WARNING.on(dark))
        )
    text = Text("\n").join(parts)
    if "\t" in text.plain:
        text.expand_tabs(8)  # before any offset is taken: the wrapping measures what is drawn
    start = len(verdict.plain) + 2 if verdict else 0
    found = [
        Evidence(span.start, span.end, *evidence_styles[span.style])
        for span in text.spans
        if isinstance(span.style, Style) and span.style in evidence_styles
    ]
    return text, start, found


def evidence_style(color: str, key: str, term: bool) -> Style:
    """Evidence is underlined (a term in bold too) in its label's colour; the label's key rides along as meta
    so the gutter can name it."""
    return label_style(color, bold=term, underline=True) + Style(meta={"evidence": key})


def label_style(color: str, *, bold: bool = False, underline: bool = False) -> Style:
    """A label's colour as a style; a colour Rich cannot read (a hand-edited taxonomy) is left out, not fatal."""
    try:
        colored = Style.parse(color)
    except StyleSyntaxError:
        colored = Style()
    return colored + Style(bold=bold or None, underline=underline or None)


def _mark_matches(text: Text, search: re.Pattern[str] | None, start: int) -> list[int]:
    if search is None:
        return []
    found: list[int] = []
    for match in search.finditer(text.plain, start):
        if match.end() > match.start():
            text.stylize(MATCH_STYLE, match.start(), match.end())
            found.append(match.start())
    return found


def lay_out(body: Text, width: int, evidence: Sequence[Evidence] = ()) -> BodyLayout:
    """``body`` word-wrapped to ``width`` cells. A line of a quote or a not-prose block keeps its bar on every
    screen line it takes. When there is evidence, a gutter before each line shows the keys of the labels whose
    evidence the line holds (two labels sharing a sentence: both keys).

    Strings and spans, no Text per screen line: a megabyte comment is tens of thousands of lines, wrapped again
    at every resize."""
    keys = sorted({span.key for span in evidence})
    gutter_width = len(keys) + 2 if keys else 0
    plain = body.plain
    starts, ends, bars = _screen_lines(plain, max(width - gutter_width, 4))
    marks = _gutter_marks(starts, evidence) if keys else {}
    blank = " " * gutter_width
    rows: list[str] = []
    row_spans: list[list[Span]] = []
    prefixes: list[int] = []  # the cells before each screen line's piece of the body (gutter and bar)
    for line, (start, end, bar) in enumerate(zip(starts, ends, bars)):
        found = marks.get(line)
        spans: list[Span] = []
        gutter = blank
        if found:
            ordered = [key for key in keys if key in found]
            gutter = (GUTTER_GLYPH + "".join(ordered)).ljust(gutter_width)
            spans.append(Span(0, 1, label_style(found[ordered[0]], bold=True)))
            spans.extend(Span(1 + n, 2 + n, label_style(found[key], bold=True)) for n, key in enumerate(ordered))
        if bar:
            spans.append(Span(len(gutter), len(gutter) + len(bar), Style(dim=True)))
        prefixes.append(len(gutter) + len(bar))
        rows.append(gutter + bar + plain[start:end])
        row_spans.append(spans)
    for line, span in _spans_by_line(body.spans, starts, ends):
        shift = prefixes[line] - starts[line]
        row_spans[line].append(Span(span.start + shift, span.end + shift, span.style))
    return BodyLayout(rows, row_spans, starts, width, body.style)


def _screen_lines(plain: str, width: int) -> tuple[list[int], list[int], list[str]]:
    """For each screen line: where its piece of ``plain`` starts and ends (spaces at its end left out), and the
    bar drawn before it when it continues a barred line."""
    starts: list[int] = []
    ends: list[int] = []
    bars: list[str] = []
    line_start = 0
    for line in plain.split("\n"):
        bar = line[:2] if line[:2] in BARS else ""
        cuts = [line_start + len(bar) + cut for cut in break_offsets(line[len(bar) :], width - cell_len(bar))]
        for start, end in zip([line_start, *cuts], [*cuts, line_start + len(line)]):
            starts.append(start)
            ends.append(start + len(plain[start:end].rstrip()))
            bars.append(bar if start != line_start else "")
        line_start += len(line) + 1
    return starts, ends, bars


def _spans_by_line(spans: Iterable[Span], starts: list[int], ends: list[int]) -> Iterator[tuple[int, Span]]:
    """The body's spans cut at the end of each screen line they cross, each with its line."""
    count = len(starts)
    for low, high, style in spans:
        line = max(bisect_right(starts, low) - 1, 0)
        while line < count and starts[line] < high:
            start, end = max(low, starts[line]), min(high, ends[line])
            if end > start:
                yield line, Span(start, end, style)
            line += 1


def _gutter_marks(starts: list[int], evidence: Sequence[Evidence]) -> dict[int, dict[str, str]]:
    """For each screen line holding evidence: the keys of the labels whose evidence it holds, and their colours."""
    marks: dict[int, dict[str, str]] = {}
    for span in evidence:
        first = max(bisect_right(starts, span.start) - 1, 0)
        last = max(bisect_right(starts, max(span.end - 1, span.start)) - 1, 0)
        for line in range(first, last + 1):
            marks.setdefault(line, {})[span.key] = span.color
    return marks


def quote_style(dark: bool = True) -> str:
    """Quoted text: grey italics, the grey for a dark theme or a light one."""
    return f"italic {QUOTE.on(dark)}"


def comment_body(comment: Comment, highlights: Sequence[tuple[int, int, StyleType]] = (), dark: bool = True) -> Text:
    """The segments of a comment as the review screen shows them.

    ``highlights`` are (start, end, style) offsets into ``own_text``; ``Comment.own_spans`` tells where each own
    segment lies in it (the joining rule stays with the thread model). A quote cut out of a line stays in its
    line, in grey italics with "quoted from comment N" after it, so the line still reads as written; whole-line
    quotes stand apart as a block. Signatures, trailers and patches are dimmed under a short label: kept in
    view, never judged. ``dark``: the quotes' grey for a dark theme, or a light one.
    """
    if not comment.segments:
        return Text("(empty comment)", style="dim italic")
    rows: list[Text] = []
    own_spans = iter(comment.own_spans())
    segments = comment.segments
    for position, segment in enumerate(segments):
        following = segments[position + 1] if position + 1 < len(segments) else None
        in_line = segment.inline or (following is not None and following.inline)
        if segment.kind == "own":
            piece = literal(segment.text, "", _within(highlights, next(own_spans)))
        elif segment.kind == "quote" and in_line:
            piece = literal(segment.text, quote_style(dark))
            piece.append(f" ⟨{_origin(segment)}⟩", style="dim")
        elif segment.kind == "quote":
            piece = _quote_block(segment, dark)
        elif segment.kind == "attribution":
            piece = literal(segment.text, "dim italic")
        else:
            piece = _not_prose_block(segment)
        if segment.inline and rows:
            rows[-1].append(" ")
            rows[-1].append_text(piece)
        else:
            rows.append(piece)
    return Text("\n").join(rows)


def _within(
    highlights: Iterable[tuple[int, int, StyleType]], span: tuple[int, int]
) -> list[tuple[int, int, StyleType]]:
    """The highlights that fall on one own segment, as offsets into that segment's text."""
    start, end = span
    return [
        (max(low, start) - start, min(high, end) - start, style)
        for low, high, style in highlights
        if low < end and high > start
    ]


def _origin(segment: Segment) -> str:
    return f"quoted from comment {segment.quoted_comment}" if segment.quoted_comment is not None else "quoted"


def _barred_block(heading: str, bar: str, text: str, style: str) -> Text:
    """A heading line, then every line of ``text`` behind a bar: set apart from the comment's own words."""
    # The heading's style on the heading only: as the block's own style it dimmed every line under it too, and a
    # quote dimmed on top of its grey fell under 4.5:1 on the light theme.
    block = Text()
    block.append(f"{bar} {heading}\n", style="italic dim")
    lines = text.split("\n")
    for number, line in enumerate(lines):
        block.append(f"{bar} ", style="dim")
        block.append_text(literal(line, style))
        if number < len(lines) - 1:
            block.append("\n")
    return block


def _quote_block(segment: Segment, dark: bool) -> Text:
    return _barred_block(_origin(segment), "▌", segment.text, quote_style(dark))


def not_prose_label(segment: Segment) -> str:
    """ "signature", "trailers" or "patch: N lines": what the dimmed block is, and why it is not judged."""
    if segment.kind == "patch":
        count = segment.text.count("\n") + 1
        return f"patch: {count} line{'s' if count != 1 else ''}"
    return "trailers" if segment.kind == "trailer" else segment.kind


def _not_prose_block(segment: Segment) -> Text:
    return _barred_block(f"{not_prose_label(segment)} (not judged)", "┆", segment.text, NOT_PROSE_STYLE)
