"""House rules of the code base, enforced: the layers of pyproject.toml's [tool.importlinter] contracts.

The contracts are the one list of what may import what (no hand-kept module list here to go stale). These tests
run import-linter on the checkout, and prove the contracts can fail by breaking each rule in a copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("moderation_core", "classifiers", "moderator", "labels")


def lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on ``folder``'s pyproject.toml, importing the packages found in ``folder`` first."""
    script = (
        "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    )
    environment = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=folder, env=environment, capture_output=True, text=True, timeout=300
    )


def copy_of_the_code(destination: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, destination / package, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def test_the_layers_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_package_is_in_a_layer() -> None:
    """A new package of moderator/ must be placed in the layers, or the contract would not see it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    subpackages = {
        f"moderator.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "moderator").iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and not path.stem.startswith("_"))
    }
    assert subpackages, "moderator/ has no modules to check"
    assert subpackages - layered == set()
    assert {"classifiers", "moderation_core", "labels"} <= layered


def contract_names() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["id"]: contract["name"] for contract in config["tool"]["importlinter"]["contracts"]}


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        ("classifiers/model.py", "import moderator.log", "ml-core"),
        ("moderation_core/thread.py", "import textual", "ml-core"),
        ("moderator/log/__init__.py", "import moderator.review", "layers"),
        ("moderator/sources/__init__.py", "import moderator.scoring", "layers"),
        ("moderator/scoring/__init__.py", "import moderator.tui", "layers"),
        ("moderator/review/__init__.py", "import textual.app", "only-interfaces-draw"),
    ],
)
def test_a_broken_rule_is_caught(tmp_path: Path, module: str, bad_import: str, broken: str) -> None:
    copy = copy_of_the_code(tmp_path)
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{bad_import}  # noqa\n", encoding="utf-8")
    result = lint_imports(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    # import-linter reports each contract as "<name> KEPT" or "<name> BROKEN", wrapping long names.
    report = " ".join(result.stdout.split())
    assert f"{contract_names()[broken]} BROKEN" in report, result.stdout
    assert f"-> {bad_import.split()[1].split('.')[0]}" in report  # the offending import is named
