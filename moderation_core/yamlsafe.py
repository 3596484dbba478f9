"""Safe YAML loading for files moderators are handed (thread documents, decision logs, taxonomies).

Only the safe loader is ever used (the C one where PyYAML has it). Anchors and aliases are refused outright before
anything is constructed, because a handful of nested aliases ("billion laughs") expands into gigabytes even
through the safe loader; none of our formats needs them. So is nesting deeper than any of our formats goes: the
pure-Python loader would run out of stack on it. A value YAML recognises but Python cannot build (the date
``2024-13-45``, an integer of more than 4300 digits) is a problem with its line, never a ValueError.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Documented limits. Our documents nest four or five levels (a comment's tags in a thread document). Every value
# (mapping, list, string, number) costs about 500 bytes while PyYAML builds the document: two million is a thread
# document of some 125,000 comments and 1 GB of memory; a 256 MiB file of "- {}" would be 30 million.
MAX_YAML_NESTING = 100
MAX_YAML_VALUES = 2_000_000
_BITS_PER_DIGIT = 3.32  # a little under log2(10): integers past it are tried


class YAMLProblem(Exception):
    """A YAML text we refuse to load: ``line`` is 1-based where known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


class _CheckedLoader(SafeLoader):  # type: ignore[misc]
    """The safe loader, with the scalars whose conversion can fail refused as YAMLProblem with their line."""


def _node_line(node: yaml.Node) -> int | None:
    return node.start_mark.line + 1 if node.start_mark is not None else None


def _construct_timestamp(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as error:  # 2024-13-45 matches YAML's pattern, not the calendar
        shown = repr(str(node.value)[:40])
        raise YAMLProblem(f"invalid date {shown} ({error}); quote it to keep it as text", _node_line(node)) from None


def _construct_int(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> Any:
    # Python converts at most sys.get_int_max_str_digits() decimal digits either way; hexadecimal, octal and
    # binary are read without that limit, and such an integer could then never be printed.
    digits = sys.get_int_max_str_digits()
    try:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        value = None
    if value is not None and value.bit_length() > (digits - 1) * _BITS_PER_DIGIT:  # near the limit: ask Python
        try:
            str(value)
        except ValueError:
            value = None
    if value is None:
        raise YAMLProblem(f"an integer with more than {digits} digits", _node_line(node))
    return value


_CheckedLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_CheckedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _mark_line(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def _event_line(event: yaml.Event) -> int | None:
    """The 1-based line a parser event starts on (PyYAML always sets it; its stubs allow None)."""
    return event.start_mark.line + 1 if event.start_mark is not None else None


def _check_events(text: str) -> None:
    """Refuse aliases, anchors, deep nesting and too many values from the parser's events, before any node is
    built."""
    depth = 0
    values = 0
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise YAMLProblem("YAML aliases are not allowed", _event_line(event))
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise YAMLProblem("YAML anchors are not allowed", _event_line(event))
            if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                values += 1
                if values > MAX_YAML_VALUES:
                    problem = f"more than {MAX_YAML_VALUES:,} YAML values: too many to load (the limit per document)"
                    raise YAMLProblem(problem, _event_line(event))
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_NESTING:
                    raise YAMLProblem(f"nesting deeper than {MAX_YAML_NESTING} levels", _event_line(event))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as error:
        raise YAMLProblem(_describe(error), _mark_line(error)) from None


def _describe(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if isinstance(error, yaml.constructor.ConstructorError):
        return f"unsupported YAML tag or value ({problem})"
    if "maximum nesting depth" in problem:  # libyaml's own limit (1000) is met first when it scans ahead
        return f"nesting deeper than {MAX_YAML_NESTING} levels"
    return f"invalid YAML ({problem})"


def load_one(text: str) -> Any:
    """The single document of ``text``."""
    _check_events(text)
    try:
        return yaml.load(text, Loader=_CheckedLoader)  # safe loader only (C or pure Python)
    except yaml.YAMLError as error:
        raise YAMLProblem(_describe(error), _mark_line(error)) from None
    except RecursionError:  # a last resort: the nesting limit keeps the pure-Python loader well inside the stack
        raise YAMLProblem("nested too deeply to load") from None


def load_all(text: str) -> Iterator[Any]:
    """Every document of a YAML stream, in order."""
    _check_events(text)
    try:
        yield from yaml.load_all(text, Loader=_CheckedLoader)  # safe loader only
    except yaml.YAMLError as error:
        raise YAMLProblem(_describe(error), _mark_line(error)) from None
    except RecursionError:
        raise YAMLProblem("nested too deeply to load") from None
