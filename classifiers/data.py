"""Labeled examples for training and evaluation: the starter corpus, JSONL corpora such as
``../shared/data``, and (later) decision logs, all turned into :class:`Example` items of one shape."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.features import CommentInput
from labels import data_path
from moderation_core.errors import DataError
from moderation_core.files import open_regular
from moderation_core.segmentation import QuoteIndex, segment_text

STARTER_CORPUS = data_path("starter")
CONTEXT_CHARS = 2000

# Source categories (TbDF incivility classes and the like) mapped onto the taxonomy. A category mapped to no
# label still marks the comment as a concern ("bitter frustration" needs a moderator's eye but breaks no single
# guideline).
CATEGORY_LABELS: dict[str, tuple[str, ...]] = {
    "insulting": ("personal-attack",),
    "identity attack/name-calling": ("personal-attack",),
    "name_calling": ("personal-attack",),
    "name-calling": ("personal-attack",),
    "identity attack": ("derogatory",),
    "mocking": ("inflammatory",),
    "irony": ("inflammatory",),
    "vulgarity": ("inflammatory",),
    "threat": ("threat",),
    "entitlement": ("demand",),
    "impatience": ("demand",),
    "bitter frustration": (),
    "bitter_frustration": (),
}


@dataclass(frozen=True, slots=True)
class Example:
    """One labeled comment: own words, thread context, taxonomy labels and whether it needs a moderator."""

    input: CommentInput
    labels: frozenset[str]
    concern: bool
    source: str
    group: str
    id: str = ""
    known_labels: bool = True
    extra: dict[str, object] = field(default_factory=dict)


def own_words(text: str) -> str:
    """The author's own words of a standalone comment: quotes and reply headers removed."""
    if ">" not in text and "In reply to" not in text and "wrote" not in text:
        return text
    segments, _ = segment_text(text, index=QuoteIndex())
    return "\n".join(s.text for s in segments if s.kind == "own").strip("\n")


# The size limit of a labeled file (the error message states it): the largest real one is under 5 MiB. A bigger
# file is refused before it is read, as thread sources over 256 MiB are, instead of exhausting memory; up to the
# limit, evaluation runs in well under 2 GB (measured: 1.1 GB for 64 MiB of two-word lines, 2.3 million comments).
MAX_LABELED_BYTES = 64 * 2**20
_UTF8_BOM = b"\xef\xbb\xbf"


def _json_kind(value: object) -> str:
    """What a JSON value is, in words: error messages name the type, never echo a value from the data."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _shown(value: str, width: int = 40) -> str:
    """A value from the data quoted for an error message, cut to ``width`` characters."""
    return repr(value if len(value) <= width else value[:width] + "...")


def _parse_line(path: Path, number: int, raw: bytes) -> dict[str, object] | None:
    """The JSON object of one line, None for a blank line, or a DataError naming the line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}:{number}: not UTF-8 text (byte {error.start + 1} of the line)") from None
    if not line.strip():
        return None
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{path}:{number}: invalid JSON ({error.msg}, column {error.colno})") from None
    except ValueError:  # an integer of over 4,300 digits: Python refuses to convert it
        raise DataError(f"{path}:{number}: invalid JSON (a number too long to read)") from None
    except RecursionError:
        raise DataError(f"{path}:{number}: invalid JSON (nested too deeply)") from None
    if not isinstance(value, dict):
        raise DataError(f"{path}:{number}: expected a JSON object, found {_json_kind(value)}")
    return value


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, object) for each non-blank line of a JSONL file, read one line at a time: a file is never
    held whole, and one that is not a regular file or is over :data:`MAX_LABELED_BYTES` is refused unread."""
    path = Path(path)
    with open_regular(path, "labeled JSONL file", MAX_LABELED_BYTES) as handle:
        seen = 0
        number = 0
        try:
            for number, raw in enumerate(handle, start=1):
                seen += len(raw)
                if seen > MAX_LABELED_BYTES:  # the file grew after its size was checked
                    raise DataError(f"{path}:{number}: file over the {MAX_LABELED_BYTES // 2**20} MiB limit")
                if number == 1 and raw.startswith(_UTF8_BOM):
                    raw = raw[len(_UTF8_BOM) :]
                value = _parse_line(path, number, raw)
                if value is not None:
                    yield number, value
        except OSError as error:
            raise DataError(f"{path}:{number + 1}: cannot read ({error.strerror or type(error).__name__})") from None


def load_starter_corpus(folder: Path = STARTER_CORPUS, taxonomy_ids: Iterable[str] | None = None) -> list[Example]:
    allowed = set(taxonomy_ids) if taxonomy_ids is not None else None
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise DataError(f"{folder}: no starter corpus files (*.jsonl)")
    examples = []
    for path in files:
        for number, record in read_jsonl(path):
            text, labels = record.get("text"), record.get("labels")
            if not isinstance(text, str) or not isinstance(labels, list) or not all(isinstance(l, str) for l in labels):
                raise DataError(f"{path}:{number}: a corpus line needs 'text' and a 'labels' list of strings")
            if allowed is not None and not set(labels) <= allowed:
                unknown = ", ".join(_shown(label) for label in sorted(set(labels) - allowed)[:3])
                raise DataError(f"{path}:{number}: labels {unknown} are not in the taxonomy")
            title = record.get("title") if isinstance(record.get("title"), str) else ""
            examples.append(
                Example(
                    input=CommentInput(own_words(text), title or ""),
                    labels=frozenset(labels),
                    concern=bool(labels),
                    source=f"starter:{path.stem}",
                    group=f"starter:{record.get('id', number)}",
                    id=str(record.get("id", f"{path.stem}-{number}")),
                )
            )
    return examples


# Limits of a labeled file beyond its size, stated by their error messages. The real files have at most 6,000
# comments and a dozen categories. Training holds every comment of its corpora, with its features, at once (16,000
# comments take 390 MB); evaluation streams, so only training has a cap on comments. Each category of a file gets
# its own ranking figure, computed over the whole file: thousands of distinct categories would take hours.
MAX_TRAINING_COMMENTS = 100_000
MAX_CATEGORIES = 100
# "number" is a comment's position in its thread; anything past this is not one (and would not fit an int64).
MAX_POSITION = 10**9


@dataclass(slots=True)
class _LabeledLine:
    """The fields of one line of a labeled file that training and evaluation use, checked; the parsed JSON
    object itself is not kept (a file is read line by line and only this much stays in memory)."""

    line: int
    text: str | None
    uncivil: bool
    category: str | None
    title: str | None
    thread: str | int | None
    position: int | None
    id: str | int | None  # made text only for the examples built: most lines of a long file are never kept


def _optional_field(path: Path, line: int, record: dict[str, object], name: str, kinds: tuple[type, ...]) -> Any:
    """``record[name]`` when it is null, missing or one of ``kinds`` (true/false is never a number here)."""
    value = record.get(name)
    if value is None or (isinstance(value, kinds) and not isinstance(value, bool)):
        return value
    wanted = ", ".join({str: "a string", int: "an integer"}[kind] for kind in kinds)
    raise DataError(f"{path}:{line}: '{name}' must be {wanted} or null, not {_json_kind(value)}")


def _labeled_line(path: Path, line: int, record: dict[str, object], shared: dict[object, Any]) -> _LabeledLine:
    """One line checked field by field: a wrong type is an error naming the line and the field, never guessed at
    (``"uncivil": "false"`` is a string, and would count as uncivil if it were read as a truth value).
    ``shared`` holds one copy of each thread id, title and category: every line of a thread repeats them."""
    if "text" not in record:
        raise DataError(f"{path}:{line}: no 'text' field (null for a comment without text)")
    text = _optional_field(path, line, record, "text", (str,))
    if "uncivil" not in record and text is not None:
        raise DataError(f"{path}:{line}: no 'uncivil' label")
    uncivil = record.get("uncivil", False)
    if not isinstance(uncivil, bool):
        raise DataError(f"{path}:{line}: 'uncivil' must be true or false, not {_json_kind(uncivil)}")
    position = _optional_field(path, line, record, "number", (int,))
    if position is not None and not 0 <= position <= MAX_POSITION:
        raise DataError(f"{path}:{line}: 'number' must be a position in the thread, 0 to {MAX_POSITION:,}")
    identifier = _optional_field(path, line, record, "id", (str, int))
    category, title, thread = (
        _optional_field(path, line, record, "category", (str,)),
        _optional_field(path, line, record, "title", (str,)),
        _optional_field(path, line, record, "thread", (str, int)),
    )
    return _LabeledLine(
        line=line,
        text=text,
        uncivil=uncivil,
        category=shared.setdefault(category, category),
        title=shared.setdefault(title, title),
        thread=shared.setdefault(thread, thread),
        position=position,
        id=identifier,
    )


def _example(path: Path, source: str, item: _LabeledLine, context: str) -> Example:
    category = item.category
    mapped = CATEGORY_LABELS.get(category.casefold(), None) if category else ()
    thread = item.thread
    return Example(
        input=CommentInput(own_words(item.text or ""), item.title or "", context),
        labels=frozenset(mapped or ()),
        concern=item.uncivil,
        source=source,
        group=f"{source}:{thread if thread is not None else item.line}",
        id=str(item.id) if item.id is not None else str(item.line),
        # Only uncivil lines with a mapped category say which guideline; civil lines say "none".
        known_labels=(not item.uncivil) or mapped is not None and category is not None,
        extra={"category": category} if category else {},
    )


@dataclass(slots=True)
class LabeledFile:
    """A labeled JSONL file, read and checked: its comments become :class:`Example` items on demand, a slice at
    a time, so evaluating a long file never holds every comment's features and thread context at once.

    ``opening_of[i]`` and ``previous_of[i]`` are the lines (indices into ``lines``, -1 for none) whose text is
    line ``i``'s context: its thread's opening post and the comment before it."""

    path: Path
    lines: list[_LabeledLine]
    comments: np.ndarray  # indices into ``lines`` of the lines with text: the comments to train or score on
    opening_of: np.ndarray
    previous_of: np.ndarray

    def __len__(self) -> int:
        return len(self.comments)

    def context(self, index: int) -> str:
        parts = [
            (self.lines[other].text or "")[:CONTEXT_CHARS]
            for other in (int(self.opening_of[index]), int(self.previous_of[index]))
            if other >= 0
        ]
        return "\n".join(parts)

    def examples(self, start: int = 0, stop: int | None = None) -> list[Example]:
        """The comments ``start:stop`` (in file order) as examples with their thread context."""
        source = self.path.stem
        return [
            _example(self.path, source, self.lines[index], self.context(index))
            for index in self.comments[start:stop].tolist()
        ]


def _context_sources(lines: Sequence[_LabeledLine]) -> tuple[np.ndarray, np.ndarray]:
    """(opening_of, previous_of) of :class:`LabeledFile`: the lines of each thread that have a ``number``, in
    order of number (file order among equal numbers), each with the opening post (number 0) and its predecessor."""
    codes: dict[str | int, int] = {}
    thread_code = [
        codes.setdefault(item.thread, len(codes)) if item.thread is not None and item.position is not None else -1
        for item in lines
    ]
    position = [item.position if item.position is not None else -1 for item in lines]
    codes.clear()
    candidates = np.flatnonzero(np.asarray(thread_code, dtype=np.int64) >= 0)
    order = candidates[
        np.lexsort((candidates, np.asarray(position, dtype=np.int64)[candidates], np.asarray(thread_code)[candidates]))
    ]
    opening_of = np.full(len(lines), -1, dtype=np.int64)
    previous_of = np.full(len(lines), -1, dtype=np.int64)
    current, opening, previous = -1, -1, -1
    for index in order.tolist():
        if thread_code[index] != current:  # the first line of the next thread: its lowest number
            current, previous = thread_code[index], -1
            opening = index if position[index] == 0 else -1
        if opening >= 0 and opening != index:
            opening_of[index] = opening
        if previous >= 0 and previous != opening:
            previous_of[index] = previous
        previous = index
    return opening_of, previous_of


def read_labeled_file(path: str | Path, max_comments: int | None = None) -> LabeledFile:
    """A JSONL file with the fields of ``../shared/data/README.md``: ``uncivil`` and ``category`` give the labels;
    the thread's title, opening post and previous comment give the context.

    Every line needs ``text`` (a string, or null for a comment without text: skipped, but still the thread's
    context) and, where there is text, ``uncivil`` (true or false). ``category``, ``title``, ``thread`` (string or
    integer), ``number`` (0 = opening post) and ``id`` are optional; a field of another type is an error naming
    the line and the field. More than ``max_comments`` comments (where given) are refused at the line that
    passes the limit, before the rest of the file is read."""
    path = Path(path)
    shared: dict[object, Any] = {}
    categories: set[str] = set()
    lines = []
    comment_count = 0
    for number, record in read_jsonl(path):
        item = _labeled_line(path, number, record, shared)
        if item.category is not None and item.category not in categories:
            categories.add(item.category)
            if len(categories) > MAX_CATEGORIES:
                raise DataError(f"{path}:{number}: more than {MAX_CATEGORIES} distinct 'category' values in one file")
        if item.text is not None:
            comment_count += 1
            if max_comments is not None and comment_count > max_comments:
                raise DataError(
                    f"{path}:{number}: more than {max_comments:,} comments; training reads at most {max_comments:,} "
                    "per file (evaluation has no such limit)"
                )
        elif item.thread is None or item.position is None:
            continue  # a comment without text matters only as the context of a later one in its thread
        lines.append(item)
    shared.clear()
    comments = np.flatnonzero(np.fromiter((item.text is not None for item in lines), dtype=bool, count=len(lines)))
    if not len(comments):
        raise DataError(f"{path}: no labeled comments (every line is blank or has a null 'text')")
    return LabeledFile(path, lines, comments, *_context_sources(lines))


def load_labeled_jsonl(path: str | Path, max_comments: int = MAX_TRAINING_COMMENTS) -> list[Example]:
    """Every comment of a labeled file (see :func:`read_labeled_file`) as an example, all held at once as
    training needs them; a file of more than ``max_comments`` comments is refused before any is built."""
    return read_labeled_file(path, max_comments).examples()


def label_matrix(examples: Sequence[Example], label_ids: Sequence[str]) -> np.ndarray:
    matrix = np.zeros((len(examples), len(label_ids)), dtype=np.int8)
    column = {label: j for j, label in enumerate(label_ids)}
    for i, example in enumerate(examples):
        for label in example.labels:
            if label in column:
                matrix[i, column[label]] = 1
    return matrix
