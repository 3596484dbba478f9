"""Labeled examples for training and evaluation: the starter corpus, JSONL corpora such as
``../shared/data``, and (later) decision logs, all turned into :class:`Example` items of one shape.

A labeled comment reaches the model exactly as a comment of an imported thread does: its lines are grouped into
threads (by ``thread``, in order of ``number``), each thread is segmented with
:func:`moderation_core.segmentation.segment_thread` (the quote attribution every importer uses), and each
comment's input is built by :func:`moderation_core.model_inputs.thread_inputs`, the function scoring uses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from labels import data_path
from moderation_core.errors import DataError
from moderation_core.files import open_regular
from moderation_core.model_inputs import CommentInput, thread_inputs
from moderation_core.segmentation import segment_thread
from moderation_core.thread import Comment, Thread

STARTER_CORPUS = data_path("starter")

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


# The size limit of a labeled file (the error message states it): the largest real one is under 5 MiB. A bigger
# file is refused before it is read, as thread sources over 256 MiB are, instead of exhausting memory; up to the
# limit, evaluation runs in well under 2 GB (measured: 1.1 GB for 64 MiB of two-word lines, 2.3 million comments;
# 1.1 GB for 64 MiB as ONE thread of 850,000 comments, which is segmented whole, as an importer would).
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
    thread: str | None  # as text: the importers read the thread ids 5 and "5" as one thread, and so does this
    position: int | None
    id: str | int | None  # made text only for the comments built: most lines of a long file are never kept
    author: str | None = None  # segmentation tells quotes from an author repeating their own words by it
    labels: frozenset[str] = frozenset()  # the starter corpus names its taxonomy labels; other files, categories


def _optional_field(path: Path, line: int, record: dict[str, object], name: str, kinds: tuple[type, ...]) -> Any:
    """``record[name]`` when it is null, missing or one of ``kinds`` (true/false is never a number here)."""
    value = record.get(name)
    if value is None or (isinstance(value, kinds) and not isinstance(value, bool)):
        return value
    wanted = ", ".join({str: "a string", int: "an integer"}[kind] for kind in kinds)
    raise DataError(f"{path}:{line}: '{name}' must be {wanted} or null, not {_json_kind(value)}")


def _thread_fields(
    path: Path, line: int, record: dict[str, object], shared: dict[object, Any]
) -> tuple[str | None, int | None]:
    """The ``thread`` (as text; an empty one is none, as for the importers) and ``number`` of a line, checked."""
    position = _optional_field(path, line, record, "number", (int,))
    if position is not None and not 0 <= position <= MAX_POSITION:
        raise DataError(f"{path}:{line}: 'number' must be a position in the thread, 0 to {MAX_POSITION:,}")
    thread = _optional_field(path, line, record, "thread", (str, int))
    key = None if thread is None or thread == "" else str(thread)
    return shared.setdefault(key, key), position


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
    thread, position = _thread_fields(path, line, record, shared)
    identifier = _optional_field(path, line, record, "id", (str, int))
    category, title, author = (
        _optional_field(path, line, record, "category", (str,)),
        _optional_field(path, line, record, "title", (str,)),
        _optional_field(path, line, record, "author", (str,)),
    )
    return _LabeledLine(
        line=line,
        text=text,
        uncivil=uncivil,
        category=shared.setdefault(category, category),
        title=shared.setdefault(title, title),
        thread=thread,
        position=position,
        id=identifier,
        author=shared.setdefault(author, author),
    )


# -- lines into threads, threads into model inputs ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Threads:
    """The lines of a file grouped into threads: ``order`` holds line indices thread by thread (threads in order
    of their first line; a thread's lines in order of ``number``, file order among equal numbers), and thread
    ``k`` is ``order[starts[k]:starts[k + 1]]``. A line without a ``thread`` or a ``number`` is a thread of its
    own: where it stood in a conversation is not known."""

    order: np.ndarray
    starts: np.ndarray

    def __len__(self) -> int:
        return len(self.starts) - 1

    def members(self, k: int) -> list[int]:
        members: list[int] = self.order[int(self.starts[k]) : int(self.starts[k + 1])].tolist()
        return members


def _group_threads(lines: Sequence[_LabeledLine]) -> _Threads:
    """The threads of ``lines`` (see :class:`_Threads`), as index arrays: a long file is not held twice over as
    lists of lines."""
    codes: dict[str, int] = {}
    thread_code = np.empty(len(lines), dtype=np.int64)
    position = np.zeros(len(lines), dtype=np.int64)
    next_code = 0
    for index, item in enumerate(lines):
        if item.thread is not None and item.position is not None:
            code = codes.setdefault(item.thread, next_code)
            position[index] = item.position
        else:
            code = next_code
        thread_code[index] = code
        if code == next_code:  # a thread seen first here
            next_code += 1
    codes.clear()
    order = np.lexsort((np.arange(len(lines)), position, thread_code))
    boundaries = np.flatnonzero(np.diff(thread_code[order])) + 1
    return _Threads(order, np.concatenate([[0], boundaries, [len(lines)]]).astype(np.int64))


def _thread(source: str, lines: Sequence[_LabeledLine], members: list[int]) -> Thread:
    """The lines ``members`` (in thread order) as an imported thread would be: comments numbered and segmented
    together, titled by the first title in file order (as the importers take it), a line without text an
    empty comment that still counts as the opening post or the previous comment."""
    comments = [
        Comment(
            number=lines[i].position if lines[i].position is not None else 0,
            text=lines[i].text or "",
            id=None if lines[i].id is None or lines[i].id == "" else str(lines[i].id),
            author=lines[i].author or None,
        )
        for i in members
    ]
    segment_thread(comments)
    title = next((lines[i].title for i in sorted(members) if lines[i].title), None)
    return Thread(source=source, comments=comments, id=lines[members[0]].thread, title=title)


def _inputs(source: str, lines: Sequence[_LabeledLine], threads: _Threads) -> Iterator[tuple[int, CommentInput]]:
    """(line index, model input) of every line with text, thread by thread; one thread is built at a time."""
    for k in range(len(threads)):
        members = threads.members(k)
        for index, model_input in zip(members, thread_inputs(_thread(source, lines, members))):
            if lines[index].text is not None:
                yield index, model_input


def load_starter_corpus(folder: Path = STARTER_CORPUS, taxonomy_ids: Iterable[str] | None = None) -> list[Example]:
    """The starter corpus: each line a comment with its taxonomy ``labels`` and its thread's ``title``, a thread of
    its own (or of the lines sharing its ``thread``, where lines have ``thread`` and ``number``)."""
    allowed = set(taxonomy_ids) if taxonomy_ids is not None else None
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise DataError(f"{folder}: no starter corpus files (*.jsonl)")
    examples: list[Example] = []
    for path in files:
        lines, groups = _starter_lines(path, allowed)
        built = dict(_inputs(f"starter:{path.stem}", lines, _group_threads(lines)))
        examples.extend(
            Example(
                input=built[index],
                labels=item.labels,
                concern=bool(item.labels),
                source=f"starter:{path.stem}",
                group=groups[index],
                id=str(item.id),
            )
            for index, item in enumerate(lines)
        )
    return examples


def _starter_lines(path: Path, allowed: set[str] | None) -> tuple[list[_LabeledLine], list[str]]:
    """The checked lines of one starter corpus file, and the cross-validation group of each (its thread)."""
    lines = []
    groups = []
    shared: dict[object, Any] = {}
    for number, record in read_jsonl(path):
        text, labels = record.get("text"), record.get("labels")
        if not isinstance(text, str) or not isinstance(labels, list) or not all(isinstance(l, str) for l in labels):
            raise DataError(f"{path}:{number}: a corpus line needs 'text' and a 'labels' list of strings")
        if allowed is not None and not set(labels) <= allowed:
            unknown = ", ".join(_shown(label) for label in sorted(set(labels) - allowed)[:3])
            raise DataError(f"{path}:{number}: labels {unknown} are not in the taxonomy")
        thread, position = _thread_fields(path, number, record, shared)
        title = record.get("title")
        lines.append(
            _LabeledLine(
                line=number,
                text=text,
                uncivil=bool(labels),
                category=None,
                title=title if isinstance(title, str) else None,
                thread=thread,
                position=position,
                id=str(record.get("id", f"{path.stem}-{number}")),
                labels=frozenset(labels),
            )
        )
        in_thread = thread is not None and position is not None
        groups.append(f"starter:{thread if in_thread else record.get('id', number)}")
    return lines, groups


def _example(source: str, item: _LabeledLine, model_input: CommentInput) -> Example:
    category = item.category
    mapped = CATEGORY_LABELS.get(category.casefold(), None) if category else ()
    thread = item.thread
    return Example(
        input=model_input,
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
    """A labeled JSONL file, read and checked: its comments become :class:`Example` items on demand, a thread at a
    time, so evaluating a long file never holds every comment's features and thread context at once."""

    path: Path
    lines: list[_LabeledLine]
    threads: _Threads
    comment_count: int  # the lines with text: the comments to train or score on

    def __len__(self) -> int:
        return self.comment_count

    def batches(self, size: int) -> Iterator[list[Example]]:
        """Every comment as an example, ``size`` at a time, thread by thread (a thread's comments in order)."""
        source = self.path.stem
        batch: list[Example] = []
        for index, model_input in _inputs(source, self.lines, self.threads):
            batch.append(_example(source, self.lines[index], model_input))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def examples(self) -> list[Example]:
        """Every comment as an example, in file order, all at once (as training needs them)."""
        source = self.path.stem
        built = sorted(_inputs(source, self.lines, self.threads), key=lambda pair: pair[0])
        return [_example(source, self.lines[index], model_input) for index, model_input in built]


def read_labeled_file(path: str | Path, max_comments: int | None = None) -> LabeledFile:
    """A JSONL file with the fields of ``../shared/data/README.md``: ``uncivil`` and ``category`` give the labels;
    the thread's title, opening post and previous comment give the context.

    Every line needs ``text`` (a string, or null for a comment without text: skipped, but still the thread's
    context) and, where there is text, ``uncivil`` (true or false). ``category``, ``title``, ``thread`` (string or
    integer), ``number`` (0 = opening post), ``id`` and ``author`` are optional; a field of another type is an
    error naming the line and the field. More than ``max_comments`` comments (where given) are refused at the line
    that passes the limit, before the rest of the file is read."""
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
    if not comment_count:
        raise DataError(f"{path}: no labeled comments (every line is blank or has a null 'text')")
    return LabeledFile(path, lines, _group_threads(lines), comment_count)


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
