"""The parts of a message that are not the author's prose: signatures, trailer blocks and patches.

A kernel patch mail is cover prose, then ``Signed-off-by:`` trailers, a ``---`` line, a diffstat and the diff,
and often a ``-- `` signature; replies end in trailers (``Reviewed-by:``) and signatures too, and GitHub
comments sent from a mail client carry the signature along. None of that is what the author *said*: a patch's
removed lines, a quip under ``-- `` or a maintainer's address must never flag anyone. :func:`classify_parts`
marks those lines so the segmenter can set them apart (kept in the text, shown dimmed, never scored).

Every rule is anchored on a form that prose does not take by chance, because swallowing prose would hide it
from the moderator:

* **patch**: a ``diff --git``/``diff -u`` line, ``Index:`` over a ``====`` line, or ``--- `` / ``+++ `` / ``@@``
  on three consecutive lines start one; hunks are then consumed by the line counts in their ``@@ -a,b +c,d @@``
  header, so the prose after the last hunk ("Otherwise looks good to me.") is prose again, and a list item
  that starts with ``-`` is never mistaken for a removed line (there is no hunk header above it). A diffstat
  (`` path | 3 ++-`` lines ending in `` 1 file changed, ...``) and the ``---`` line above it are patch too. A
  fenced code block marked ```` ```diff ```` or ```` ```patch ```` is a patch as a whole; other fences are left
  alone (their content is code the author chose to show, and nothing inside them is taken for a signature).
* **trailer**: consecutive ``Key-Words: value`` lines holding at least one known trailer whose value has the
  expected shape (``Signed-off-by: Name <addr>``, ``Fixes: <sha> ("...")``, ``Link: <url>``, ``Cc: <addr>``).
  "Fixes: the crash on resume." in prose is not one (no commit id).
* **signature**: in mail, a line that is exactly ``-- `` (dash dash space, the standard separator) followed
  by at most 20 lines up to the end of the message or to the quote a top-poster put under it, or a ``--``
  line followed by 1 to 6 short lines (at most 100 characters each). Elsewhere (a GitHub comment sent from a
  mail client) only a ``-- `` line with 1 to 6 short lines after it, up to the very end of the comment: a
  bare ``--`` there is as often an afterthought ("--\nEdit: fixed the link") as a signature. A ``--`` used as
  a dash inside a line ("fine -- for now") or at the start of one ("-- and that is final") is prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import accumulate

SIGNATURE = "signature"
TRAILER = "trailer"
PATCH = "patch"

QUOTED = re.compile(r"^ {0,3}>")
# Bounded repetitions everywhere: these run on every line of every comment, including hostile 1 MB lines.
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\s`]{0,40})")
_DIFF_START = re.compile(r"^diff (?:--git |-[A-Za-z]{1,10}\b)")
_INDEX_LINE = re.compile(r"^Index: \S")
_INDEX_RULE = re.compile(r"^={10,}\s*$")
_OLD_FILE = re.compile(r"^--- \S")
_NEW_FILE = re.compile(r"^\+\+\+ \S")
_HUNK = re.compile(
    r"^@@ -(?P<old>\d{1,9})(?:,(?P<old_count>\d{1,9}))? \+(?P<new>\d{1,9})(?:,(?P<new_count>\d{1,9}))? @@"
)
# Lines between ``diff --git`` and the first hunk.
_EXTENDED_HEADER = re.compile(
    r"^(?:index [0-9a-f]{4,64}\.\.[0-9a-f]{4,64}|(?:new|deleted) file mode \d|old mode \d|new mode \d"
    r"|(?:dis)?similarity index \d|rename (?:from|to) |copy (?:from|to) |Binary files |GIT binary patch)"
)
_BINARY_LINE = re.compile(r"^(?:literal|delta) \d{1,12}$|^[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]{1,90}$")
_DIFFSTAT_LINE = re.compile(r"^ \S.{0,200}? \| {1,8}(?:\d{1,9} ?[+-]{0,200}|Bin(?: \d{1,12} -> \d{1,12} bytes)?)\s*$")
_DIFFSTAT_SUMMARY = re.compile(
    r"^ \d{1,9} files? changed(?:, \d{1,9} insertions?\(\+\))?(?:, \d{1,9} deletions?\(-\))?\s*$"
)
_DIFFSTAT_MODE = re.compile(r"^ (?:create|delete) mode \d{6} \S|^ rename \S.{0,300}\(\d{1,3}%\)\s*$|^ mode change \d")
_CUT_LINE = re.compile(r"^---\s*$")

# The start of a line that every fence, patch, diffstat, trailer block or signature has one of; the group
# that matched names the rule that may apply.
_HINT = re.compile(
    r"(?P<fence> {0,3}(?:```|~~~))|(?P<signature>--\s*$)"
    r"|(?P<patch>diff |Index: |@@ -|--- | \d{1,9} files? changed)"
    r"|(?P<trailer>(?:[A-Za-z0-9]{1,30}-){1,6}by:|(?:Cc|CC|cc|Fixes|Link|Closes|Bug|BugLink|Change-Id|Message-ID):)"
)
# The same, at the start of any line of a whole text with a line end put before it: one search in C, which jumps
# from line end to line end, instead of a match call per line. It finds a match wherever _HINT matches a line
# (``$`` holds before every line end), so a text where it finds none has no part. The signature's ``\s*`` may
# run past a line end, but only along one line before it gives up, so the search stays linear.
_HINT_AFTER_LINE_END = re.compile(f"\n(?:{_HINT.pattern})", re.MULTILINE)
_TRAILER_LINE = re.compile(
    r"^(?P<key>[A-Za-z][A-Za-z0-9]{0,30}(?:-[A-Za-z0-9]{1,30}){0,6}):[ \t]+(?P<value>\S.{0,500})$"
)
_TRAILER_NOTE = re.compile(r"^\[.{1,300}\]\s*$")  # "[ bp: Massage commit message. ]" in a maintainer's block
_SHA = re.compile(r"^(?:commit )?[0-9a-f]{8,40}\b")
_URL = re.compile(r"^<?https?://\S{1,500}$")
_ADDRESS = re.compile(r"\S@\S")
_NAME = re.compile(r"^[^.,;!?]{1,80}$")
_TOKEN_VALUE = re.compile(r"^\S{1,200}(?:\s+#.{0,200})?$")

_KNOWN_PLAIN_KEYS = frozenset({"cc", "fixes", "link", "closes", "bug", "buglink"})

# How a line that starts a diff, a diffstat or the "---" cut line above one begins.
_PATCH_STARTS = ("diff ", "Index: ", "--- ", "---", " ")

MAX_MAIL_SIGNATURE_LINES = 20
MAX_SHORT_SIGNATURE_LINES = 6
MAX_SHORT_SIGNATURE_CHARS = 100


def may_have_parts(text: str) -> bool:
    """Whether :func:`classify_parts` may find a part in the lines of ``text``: False when no line starts as a
    fence, patch, diffstat, trailer or signature can (most comments), so that nothing needs classifying."""
    return _HINT_AFTER_LINE_END.search("\n" + text) is not None


def classify_parts(lines: Sequence[str], *, mail: bool = False) -> list[str | None]:
    """Per line: ``"patch"``, ``"trailer"``, ``"signature"``, or None for everything else (prose, quotes,
    attribution lines, code in other fences).

    ``mail`` says the text is a mail body, where a ``-- `` line is the signature separator by convention and
    may stand above a long block; elsewhere only a short block at the very end counts.
    """
    parts: list[str | None] = [None] * len(lines)
    # Every rule needs a line that starts in a way most comments have none of; looking for one first (one
    # anchored match per line, in C) keeps the per-line work for the few comments that have one.
    hints = {match.lastgroup for match in filter(None, map(_HINT.match, lines))}
    if not hints:
        return parts
    if "fence" in hints:
        open_text = _mark_fences(lines, parts)
    else:
        open_text = [not QUOTED.match(line) for line in lines]
    if "patch" in hints:
        _mark_patches(lines, parts, open_text)
    if "trailer" in hints:
        _mark_trailers(lines, parts, open_text)
    if "signature" in hints:
        _mark_signature(lines, parts, open_text, mail=mail)
    return parts


def _mark_fences(lines: Sequence[str], parts: list[str | None]) -> list[bool]:
    """Mark ```` ```diff ```` fences as patch; return, per line, whether the other rules may look at it (not
    inside any fence, not quoted)."""
    open_text = [True] * len(lines)
    i, count = 0, len(lines)
    while i < count:
        line = lines[i]
        match = _FENCE.match(line) if ("`" in line[:8] or "~" in line[:8]) else None
        if match is None:
            open_text[i] = not QUOTED.match(line)
            i += 1
            continue
        fence = match.group("fence")
        is_diff = match.group("info").casefold() in ("diff", "patch", "udiff")
        # An unclosed fence runs to the end of the text, as Markdown renders it. A line without the fence in it
        # cannot close it: that test, in C, spares a call for each line of the block.
        end = next((j for j in range(i + 1, count) if fence in lines[j] and _closes(lines[j], fence)), count)
        last = min(end, count - 1)
        for j in range(i, last + 1):
            open_text[j] = False
            if is_diff:
                parts[j] = PATCH
        i = last + 1
    return open_text


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and not stripped.strip(fence[0])


def _mark_patches(lines: Sequence[str], parts: list[str | None], open_text: list[bool]) -> None:
    """Mark diffs, diffstats and the ``---`` cut line above them."""
    count = len(lines)
    first_patch_line: int | None = None
    i = 0
    while i < count:
        line = lines[i]
        if not open_text[i] or parts[i] is not None or not line.startswith(_PATCH_STARTS):
            i += 1
            continue
        end = searched = _patch_end(lines, i)
        if end == i:
            end, searched = _diffstat_end(lines, i)
        if end > i:
            for j in range(i, end):
                parts[j] = PATCH
            first_patch_line = i if first_patch_line is None else first_patch_line
            i = end
        else:
            # No line of a run of diffstat-shaped lines without its summary starts a diffstat (each would reach
            # the same missing summary) or a patch (those never start with a space): skipping the run keeps a
            # hundred thousand " a | 1 +" lines linear.
            i = max(i + 1, searched)
    if first_patch_line is None:
        return
    # git format-patch puts a "---" line between the commit message and the diffstat; notes written under it
    # ("v2: rebased") stay prose, the line itself is the patch's furniture. The last one above the diff is it.
    for i in range(first_patch_line - 1, -1, -1):
        if open_text[i] and parts[i] is None and _CUT_LINE.match(lines[i]):
            parts[i] = PATCH
            break


def _patch_end(lines: Sequence[str], start: int) -> int:
    """The line after the diff that starts at ``start``, or ``start`` when no diff starts there."""
    count = len(lines)
    line = lines[start]
    i = start
    if _DIFF_START.match(line):
        i = start + 1
        while i < count and (_EXTENDED_HEADER.match(lines[i]) or _binary_continues(lines, i)):
            i += 1
    elif _svn_index_at(lines, start):
        i = start + 2
    elif not _file_headers_at(lines, start):
        return start
    while i < count:
        if _file_headers_at(lines, i):
            i += 2
            continue
        hunk = _HUNK.match(lines[i])
        if hunk:
            i = _hunk_end(lines, i + 1, hunk)
            continue
        if i > start and (_DIFF_START.match(lines[i]) or _svn_index_at(lines, i)):
            return i  # the next file's diff: the caller starts a new patch there
        break
    return i


def _svn_index_at(lines: Sequence[str], i: int) -> bool:
    """``Index: path`` over a line of ``=`` (svn and cvs diffs)."""
    return bool(_INDEX_LINE.match(lines[i])) and i + 1 < len(lines) and bool(_INDEX_RULE.match(lines[i + 1]))


def _file_headers_at(lines: Sequence[str], i: int) -> bool:
    """``--- old`` and ``+++ new`` on consecutive lines with a hunk header right under them."""
    return (
        i + 2 < len(lines)
        and bool(_OLD_FILE.match(lines[i]))
        and bool(_NEW_FILE.match(lines[i + 1]))
        and bool(_HUNK.match(lines[i + 2]))
    )


def _binary_continues(lines: Sequence[str], i: int) -> bool:
    """Lines of a ``GIT binary patch`` block (base85 data, ``literal N``), once one has been seen."""
    return (
        i > 0
        and bool(_BINARY_LINE.match(lines[i]))
        and (lines[i - 1].startswith("GIT binary patch") or bool(_BINARY_LINE.match(lines[i - 1])))
    )


def _hunk_end(lines: Sequence[str], i: int, hunk: re.Match[str]) -> int:
    """The line after a hunk whose body starts at ``i``: its header says how many old and new lines it has, so
    the prose under the last hunk is not taken into the patch. A line no hunk can hold (a hand-edited patch)
    ends it early."""
    old = int(hunk.group("old_count") or 1)
    new = int(hunk.group("new_count") or 1)
    count = len(lines)
    while i < count and (old > 0 or new > 0):
        line = lines[i]
        first = line[:1]
        if first == "-":
            old -= 1
        elif first == "+":
            new -= 1
        elif first == " " or not line:  # context; mail clients strip the space of an empty context line
            old -= 1
            new -= 1
        elif first != "\\":  # "\ No newline at end of file"
            break
        i += 1
    while i < count and lines[i].startswith("\\ "):
        i += 1
    return i


def _diffstat_end(lines: Sequence[str], start: int) -> tuple[int, int]:
    """(the line after a diffstat starting at ``start`` (optionally under a ``---`` cut line), else ``start``;
    the line after the diffstat-shaped lines looked at)."""
    count = len(lines)
    i = start + 1 if _CUT_LINE.match(lines[start]) else start
    while i < count and _DIFFSTAT_LINE.match(lines[i]):
        i += 1
    if i >= count or not _DIFFSTAT_SUMMARY.match(lines[i]):
        return start, i
    i += 1
    while i < count and _DIFFSTAT_MODE.match(lines[i]):
        i += 1
    return i, i


def _mark_trailers(lines: Sequence[str], parts: list[str | None], open_text: list[bool]) -> None:
    """Mark runs of ``Key: value`` lines that hold at least one recognisable trailer."""
    count = len(lines)
    i = 0
    while i < count:
        if not (open_text[i] and parts[i] is None and _trailer_shaped(lines[i])):
            i += 1
            continue
        end = i
        known = False
        while end < count and open_text[end] and parts[end] is None and _trailer_shaped(lines[end]):
            known = known or _known_trailer(lines[end])
            end += 1
        if known:
            for j in range(i, end):
                parts[j] = TRAILER
        i = end


def _trailer_shaped(line: str) -> bool:
    """A line that may stand in a trailer block: ``Key: value`` with a known key or a hyphenated one
    (``Tested-on:``), or a bracketed maintainer's note. "Note: ..." is prose and ends the block."""
    if line.startswith("["):
        return bool(_TRAILER_NOTE.match(line))
    if ":" not in line[:80]:
        return False
    match = _TRAILER_LINE.match(line)
    if match is None:
        return False
    key = match.group("key")
    return "-" in key or key.casefold() in _KNOWN_PLAIN_KEYS


def _known_trailer(line: str) -> bool:
    """A trailer whose key is one of the kernel's (or git's) and whose value has the shape that key takes."""
    match = _TRAILER_LINE.match(line)
    if match is None:
        return False
    key = match.group("key").casefold()
    value = match.group("value").strip()
    if key.endswith("-by"):
        return bool(_ADDRESS.search(value)) or (bool(_NAME.match(value)) and len(value.split()) <= 6)
    if key == "cc":
        return bool(_ADDRESS.search(value))
    if key == "fixes":
        return bool(_SHA.match(value))
    if key in ("link", "buglink", "closes", "bug", "change-id", "message-id"):
        if _URL.match(value):
            return True
        return key != "link" and bool(_TOKEN_VALUE.match(value)) and any(c.isdigit() for c in value)
    return False


def _mark_signature(lines: Sequence[str], parts: list[str | None], open_text: list[bool], *, mail: bool) -> None:
    """Mark the first signature separator that opens an acceptable block, with the block under it (lines of
    the block that looked like trailers, a "Link:" to a home page, are signature too).

    Everything a separator's block needs is counted once for the whole text (where the next quote starts,
    running counts of filled, long and patch lines), so a text of a hundred thousand "--" lines stays linear.
    """
    count = len(lines)
    separators = [i for i in range(count) if open_text[i] and parts[i] is None and lines[i].rstrip() == "--"]
    if not separators:
        return
    block_end = _block_ends(lines)
    filled = _running_count(bool(line.strip()) for line in lines)
    long_lines = _running_count(len(line.strip()) > MAX_SHORT_SIGNATURE_CHARS for line in lines)
    patch = _running_count(part == PATCH for part in parts)
    for i in separators:
        end = max(i + 1, block_end[i + 1])
        if patch[end] - patch[i + 1]:
            continue
        size = filled[end] - filled[i + 1]
        standard = lines[i].rstrip("\r") == "-- "
        if mail and standard:
            acceptable = size <= MAX_MAIL_SIGNATURE_LINES
        else:
            acceptable = (
                (mail or (standard and end == count))
                and 1 <= size <= MAX_SHORT_SIGNATURE_LINES
                and long_lines[end] == long_lines[i + 1]
            )
        if acceptable:
            for j in range(i, end):
                parts[j] = SIGNATURE
            return


def _running_count(flags: Iterable[bool]) -> list[int]:
    """counts[i]: how many of the first i flags are set (so a range's count is a difference)."""
    return [0, *accumulate(flags)]


def _block_ends(lines: Sequence[str]) -> list[int]:
    """For each line, where a signature block starting there ends: at the end of the text, or (a top-poster's
    reply) at the quoted message under it: the first ``>`` line, or the attribution and blank lines above it.
    One pass from the end (the entry past the last line is the end of the text)."""
    count = len(lines)
    ends = [count] * (count + 1)
    for j in range(count - 1, -1, -1):
        if QUOTED.match(lines[j]):
            ends[j] = _quote_top(lines, j)
        else:
            ends[j] = ends[j + 1]
    return ends


def _quote_top(lines: Sequence[str], quote: int) -> int:
    """The first line of a quoted message that starts at line ``quote``: "On ... wrote:" (one or two lines)
    and blank lines above the ``>`` lines belong to it."""
    top = quote
    while top > 0 and _above_quote(lines[top - 1]):
        top -= 1
    if top > 0 and top < quote and lines[top - 1].strip().startswith("On "):
        top -= 1
    while top > 0 and not lines[top - 1].strip():
        top -= 1
    return top


def _above_quote(line: str) -> bool:
    """A line that may stand between a signature and the quote under it and belong to the quote: blank, or an
    attribution line; never a quoted line (so each gap between quotes is walked once)."""
    return not QUOTED.match(line) and (not line.strip() or _looks_like_attribution(line))


def _looks_like_attribution(line: str) -> bool:
    stripped = line.strip()
    return stripped.endswith(":") and len(stripped) <= 300
