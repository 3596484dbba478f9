"""The thread model every stage of the pipeline shares: importers build it, the classifier scores it, the review
screen shows it, the decision log records it.

A comment keeps its full text exactly as the source had it, and also its *segments*: the author's own words,
quoted text (with the number of the comment it quotes where that can be told), attribution lines such as
``(In reply to Pat from comment #3)``, and the parts of a message that are not prose (a signature, a block of
trailers such as ``Signed-off-by:``, a patch). Everything downstream judges ``own_text``, the author's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SegmentKind = Literal["own", "quote", "attribution", "signature", "trailer", "patch"]
# The largest comment number any importer accepts. Bugzilla's busiest bugs have a few thousand comments; a number
# of ten digits or more is a damaged or hostile file, refused before int() meets it (Python refuses to convert
# more than 4,300 digits, and a 10-digit number is already far past any real thread).
MAX_COMMENT_DIGITS = 9
MAX_COMMENT_NUMBER = 10**MAX_COMMENT_DIGITS - 1
# Kinds kept in the text and shown, but never judged: they are not the author's prose (a signature's quip, a
# patch's removed lines) or not prose at all.
NOT_PROSE: frozenset[str] = frozenset({"signature", "trailer", "patch"})


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text of a comment: own words, a quote, an attribution line introducing a quote, or a signature,
    trailer block or patch.

    ``inline`` is True when the segment starts on the line the previous segment ended on: a quote copied into
    the middle of a line cuts that line into own / quote / own segments, and the own parts of one line are
    then joined with a space in ``own_text`` (a sentence cut in two is still read as one line).
    """

    kind: SegmentKind
    text: str
    quoted_comment: int | None = None
    inline: bool = False


def join_own(segments: tuple[Segment, ...] | list[Segment]) -> str:
    """The own segments as one text: a line break between them, or a space where only inline segments stand
    between two own parts (they were one line before a quote was cut out of it).

    Where each own segment lands in the result is :meth:`Comment.own_spans` (the review screen places evidence
    highlights with it), which asks this function for the separators, so the joining rule lives only here.
    """
    if len(segments) == 1:
        return segments[0].text.strip("\n") if segments[0].kind == "own" else ""
    parts: list[str] = []
    same_line = True
    for segment in segments:
        same_line = same_line and segment.inline
        if segment.kind != "own":
            continue
        if parts:
            parts.append(" " if same_line else "\n")
        parts.append(segment.text)
        same_line = True
    return "".join(parts).strip("\n")


@dataclass(frozen=True, slots=True)
class Quote:
    """Text the comment reproduces from another comment (``comment`` is None where the origin is unknown)."""

    comment: int | None
    text: str


@dataclass(slots=True)
class Comment:
    """One comment (or mail message) of a thread.

    ``number`` is the position in the thread (0 = the bug description or opening post); it is None only for a
    block of text whose comment markers were missing in a page copy, and then ``missing_markers`` lists the
    comment numbers whose text the block holds. ``created`` is an ISO-8601 time where the source has one,
    otherwise the raw relative age the source showed ("11 months ago"), otherwise None. ``node_id`` is the
    comment's GraphQL node id where the source has one (GitHub): what ``minimizeComment`` needs to hide it.
    """

    number: int | None
    text: str
    segments: tuple[Segment, ...] = ()
    id: str | None = None
    author: str | None = None
    author_role: str | None = None
    created: str | None = None
    reply_to: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    missing_markers: tuple[int, ...] = ()
    node_id: str | None = None
    own_text: str = field(default="", init=False)
    quotes: tuple[Quote, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        if not self.segments:
            # One own segment, or none: no quote to look for (importers build every comment so, then segment it).
            if self.text:
                self.segments = (Segment("own", self.text),)
                self.own_text = join_own(self.segments)
            else:
                self.segments = ()
            return
        self._derive()

    def resegment(self, segments: tuple[Segment, ...], reply_to: tuple[int, ...] | None = None) -> None:
        """Replace the segmentation (importers segment after all comments are known)."""
        self.segments = segments
        if reply_to is not None:
            self.reply_to = reply_to
        self._derive()

    def _derive(self) -> None:
        segments = self.segments
        self.own_text = join_own(segments)
        if len(segments) == 1 and segments[0].kind == "own":  # most comments
            self.quotes = ()
        else:
            self.quotes = tuple(Quote(s.quoted_comment, s.text) for s in segments if s.kind == "quote")

    def own_spans(self) -> tuple[tuple[int, int], ...]:
        """For each own segment in order, its (start, end) offsets in ``own_text``: ``own_text[start:end]`` is
        the segment's text. The ends of ``own_text`` lose their line breaks, so the first span can start below 0
        and the last end past ``len(own_text)``, by exactly the line breaks stripped there (offsets into the
        segment are then still ``offset - start``).

        Evidence offsets are into ``own_text``; the review screen places them on the segments with this.
        """
        own = [segment for segment in self.segments if segment.kind == "own"]
        # The separators exactly as join_own chooses them, from one-character stand-ins for the own texts (no
        # line break to strip): the joining rule stays in join_own alone.
        stand_ins = [Segment(s.kind, "x", s.quoted_comment, s.inline) for s in self.segments]
        separators = join_own(stand_ins)[1::2]
        unstripped = "".join(segment.text + separator for segment, separator in zip(own, [*separators, ""]))
        start = len(unstripped.lstrip("\n")) - len(unstripped)  # minus the line breaks join_own strips first
        spans: list[tuple[int, int]] = []
        for segment in own:
            spans.append((start, start + len(segment.text)))
            start += len(segment.text) + 1  # either separator is one character
        return tuple(spans)

    @property
    def label(self) -> str:
        """How the comment is named to a moderator: "comment 5", or the missing numbers of a merged block."""
        numbers = number_runs(self.missing_markers)
        if self.number is not None:
            if self.missing_markers:
                return f"comment {self.number} (with the text of comment {numbers}, whose marker is missing)"
            return f"comment {self.number}"
        if self.missing_markers:
            return f"unnumbered block (markers of comment {numbers} missing)"
        return "unnumbered block"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "number": self.number,
            "id": self.id,
            "node_id": self.node_id,
            "author": self.author,
            "author_role": self.author_role,
            "created": self.created,
            "text": self.text,
            "own_text": self.own_text,
            "quotes": [{"comment": q.comment, "text": q.text} for q in self.quotes],
            "reply_to": list(self.reply_to),
            "tags": list(self.tags),
        }
        if self.missing_markers:
            data["missing_markers"] = list(self.missing_markers)
        return data


def number_runs(numbers: tuple[int, ...] | list[int]) -> str:
    """Comment numbers for a moderator to read: "4, 5", with a run of three or more as "4-9" (a page copy with many
    markers missing in a row is named in a few words, not in a line per number)."""
    parts: list[str] = []
    start = 0
    while start < len(numbers):
        end = start
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{numbers[start]}-{numbers[end]}")
        else:
            parts.extend(str(n) for n in numbers[start : end + 1])
        start = end + 1
    return ", ".join(parts)


@dataclass(slots=True)
class Thread:
    """A discussion thread: a Bugzilla bug, a GitHub issue, a mailing-list thread, or a group of JSONL lines."""

    source: str
    comments: list[Comment]
    id: str | None = None
    title: str | None = None
    url: str | None = None
    product: str | None = None
    component: str | None = None
    reporter: str | None = None
    assignee: str | None = None
    path: str | None = None
    # What the importer could not know or left out, in words for the moderator (e.g. duplicate mails dropped).
    notes: tuple[str, ...] = ()

    def comment(self, number: int) -> Comment:
        for comment in self.comments:
            if comment.number == number:
                return comment
        raise KeyError(number)

    def header_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "product": self.product,
            "component": self.component,
            "reporter": self.reporter,
            "assignee": self.assignee,
            **({"notes": list(self.notes)} if self.notes else {}),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"thread": self.header_dict(), "comments": [c.to_dict() for c in self.comments]}
