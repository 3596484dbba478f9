"""The package as a user installs it: a wheel built from the tracked files, installed into a fresh virtual
environment, run from a folder that is not the checkout, with a home folder of its own.

An editable install hides packaging mistakes (data read from the checkout, files missing from the wheel), so this
is the only test that sees what ``pip install .`` or ``pipx install`` gives a moderator.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pexpect
import pytest
from conftest import ROOT, SAMPLES

from moderation_core.taxonomy import load_taxonomy
from moderator.log import read_log

# What the installed package reads at run time: each must be inside the wheel.
PACKAGE_DATA = (
    "labels/taxonomy.yaml",
    "labels/starter/clean.jsonl",
    "classifiers/default_model/model.joblib",
    "classifiers/default_model/model-card.yaml",
    "moderator/tui/review.tcss",
    "moderator/reports/templates/report.html.j2",
    "moderator/samples/bug-4127.txt",
)


def _tracked_tree(destination: Path) -> Path:
    """A copy of the files git tracks (plus untracked, unignored ones): what a fresh clone would hold."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listing.returncode != 0:
        pytest.skip("not a git checkout: cannot tell which files a fresh clone holds")
    for name in filter(None, listing.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh virtual environment with the wheel installed; its dependencies come from the test environment's
    site-packages through a ``.pth`` line (a plain path: the editable install's finder there is not run)."""
    work = tmp_path_factory.mktemp("packaging")
    tree = _tracked_tree(work / "src")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work / "dist"),
            str(tree),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("moderator-*.whl")
    environment = work / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    home = work / "home"
    elsewhere = work / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    sample = elsewhere / "bug-4127.txt"
    shutil.copy2(SAMPLES / "bug-4127.txt", sample)
    return {"wheel": wheel, "bin": environment / "bin", "home": home, "cwd": elsewhere, "sample": sample}


def _env(installed: dict[str, Path]) -> dict[str, str]:
    keep = {
        name: os.environ[name]
        for name in ("LANG", "LC_ALL", "TMPDIR", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
        if name in os.environ
    }
    return {**keep, "HOME": str(installed["home"]), "PATH": f"{installed['bin']}:/usr/bin:/bin"}


def _run(installed: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(installed["bin"] / "moderator"), *args],
        cwd=installed["cwd"],
        env=_env(installed),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_wheel_holds_everything_read_at_run_time(installed: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    missing = [name for name in PACKAGE_DATA if name not in names]
    assert not missing, f"missing from the wheel: {missing}"
    assert len([n for n in names if n.startswith("labels/starter/") and n.endswith(".jsonl")]) == len(
        list((ROOT / "labels" / "starter").glob("*.jsonl"))
    )
    # Every layer ships, and nothing that only tests and scripts use does.
    tops = {name.split("/")[0] for name in names if not name.startswith("moderator-")}
    assert tops == {"moderation_core", "moderator", "classifiers", "labels"}
    assert "moderator/sources/exporters.py" not in names


def test_the_installed_package_is_the_one_running(installed: dict[str, Path]) -> None:
    probe = subprocess.run(
        [
            str(installed["bin"] / "python"),
            "-c",
            "import moderation_core, moderator, classifiers, labels; "
            "print(moderation_core.__file__, moderator.__file__, classifiers.__file__, labels.__file__)",
        ],
        cwd=installed["cwd"],
        env=_env(installed),
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    venv_root = str(installed["bin"].parent)
    assert all(path.startswith(venv_root) for path in probe.stdout.split()), probe.stdout


def test_installed_score_works_from_any_folder(installed: dict[str, Path]) -> None:
    result = _run(installed, "score", str(installed["sample"]), "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 48  # one object per comment of the sample thread
    assert any('"flags": ["' in line for line in lines), "the bundled model flags nothing on the sample"


def test_installed_decide_writes_to_the_per_user_data_folder(installed: dict[str, Path]) -> None:
    result = _run(installed, "decide", str(installed["sample"]), "--comment", "3", "--ok", "--moderator", "wheel")
    assert result.returncode == 0, result.stderr
    log = installed["home"] / ".local" / "share" / "moderator" / "decisions.yaml"
    assert str(log) in result.stdout
    entries = read_log(log, load_taxonomy().ids).entries
    assert [(e.key[0], e.key[3], e.action) for e in entries] == [("wheel", 3, "ok")]
    assert not list(installed["cwd"].glob("*.yaml")), "the log must not land in the working folder"
    help_text = _run(installed, "decide", "--help").stdout
    assert str(log) in " ".join(help_text.split()), "--help must name the default log"


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pseudo-terminal")
def test_installed_review_screen_opens_and_quits(installed: dict[str, Path]) -> None:
    child = pexpect.spawn(
        str(installed["bin"] / "moderator"),
        ["review", str(installed["sample"]), "--moderator", "wheel-review"],
        cwd=str(installed["cwd"]),
        dimensions=(45, 150),
        env={**_env(installed), "TERM": "xterm-256color", "LANG": "C.UTF-8"},
        encoding="utf-8",
        timeout=120,
    )
    try:
        child.expect("decided 0/48")
        child.send("q")
        child.expect("decisions are saved in")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
