from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "moderator" / "samples"
SHARED_DATA = ROOT.parent / "shared" / "data"
MODERATOR_BIN = Path(sys.executable).with_name("moderator")


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def run_moderator(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed ``moderator`` command as a user would."""
    return subprocess.run(
        [str(MODERATOR_BIN), *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on the starter corpus alone (a few seconds), for tests that must not depend on the
    bundled model or on ../shared."""
    from classifiers.taxonomy import load_taxonomy
    from classifiers.training import train

    folder = tmp_path_factory.mktemp("model")
    train([], load_taxonomy(), folder)
    return folder
