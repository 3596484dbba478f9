"""House rules of the code base: the core never imports the UI."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_MODULES = ("textual", "rich", "moderator.tui", "moderator.components", "moderator.app")
# Modules of moderator/ that are plain-Python stages of the pipeline, usable without a terminal.
CORE = [
    "thread.py",
    "segmentation.py",
    "errors.py",
    "textsafe.py",
    "yamlsafe.py",
    "render.py",
    "sources",
    "review.py",
    "scoring_worker.py",
    "decisions.py",
    "scoring.py",
    "config.py",
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def python_files(*places: Path) -> list[Path]:
    files: list[Path] = []
    for place in places:
        files.extend([place] if place.is_file() else sorted(place.rglob("*.py")))
    return files


def offending(files: list[Path]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in imported_modules(path)
        if any(name == ui or name.startswith(ui + ".") for ui in UI_MODULES)
    ]


def test_classifiers_never_import_the_ui() -> None:
    files = python_files(ROOT / "classifiers")
    assert files, "classifiers/ has no Python files to check"
    assert offending(files) == []


def test_core_modules_never_import_the_ui() -> None:
    files = python_files(*(ROOT / "moderator" / name for name in CORE))
    assert len(files) >= 10
    assert offending(files) == []


def test_the_checker_catches_an_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from textual.app import App\nimport rich.text\n", encoding="utf-8")
    assert imported_modules(bad) == {"textual.app", "rich.text"}
