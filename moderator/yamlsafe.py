"""Safe YAML loading for files moderators are handed (thread documents, decision logs, taxonomies).

Only the safe loader is ever used (the C one where PyYAML has it). Anchors and aliases are refused outright before
anything is constructed, because a handful of nested aliases ("billion laughs") expands into gigabytes even
through the safe loader; none of our formats needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YAMLProblem(Exception):
    """A YAML text we refuse to load: ``line`` is 1-based where known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def _mark_line(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def _refuse_aliases(text: str) -> None:
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise YAMLProblem("YAML aliases are not allowed", event.start_mark.line + 1)
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise YAMLProblem("YAML anchors are not allowed", event.start_mark.line + 1)
    except yaml.YAMLError as error:
        raise YAMLProblem(_describe(error), _mark_line(error)) from None


def _describe(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if isinstance(error, yaml.constructor.ConstructorError):
        return f"unsupported YAML tag or value ({problem})"
    return f"invalid YAML ({problem})"


def load_one(text: str) -> Any:
    """The single document of ``text``."""
    _refuse_aliases(text)
    try:
        return yaml.load(text, Loader=SafeLoader)  # safe loader only (C or pure Python)
    except yaml.YAMLError as error:
        raise YAMLProblem(_describe(error), _mark_line(error)) from None


def load_all(text: str) -> Iterator[Any]:
    """Every document of a YAML stream, in order."""
    _refuse_aliases(text)
    try:
        yield from yaml.load_all(text, Loader=SafeLoader)  # safe loader only
    except yaml.YAMLError as error:
        raise YAMLProblem(_describe(error), _mark_line(error)) from None
