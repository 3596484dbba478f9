from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "moderator" / "samples"
SHARED_DATA = ROOT.parent / "shared" / "data"
MODERATOR_BIN = Path(sys.executable).with_name("moderator")


@pytest.fixture(autouse=True)
def own_user_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test, and every ``moderator`` it runs, sees a home folder of its own and none of the developer's
    settings: a test must neither read nor write the real per-user data folder, nor pass or fail because the
    person running it has ``$MODERATOR_MODEL`` or ``$MODERATOR_LOG`` set."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name in ("MODERATOR_LOG", "MODERATOR_MODEL", "MODERATOR_NAME", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    # Children write UTF-8 whatever the machine's locale, as run_moderator reads them.
    monkeypatch.setenv("PYTHONUTF8", "1")


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def traced_peak(action: Callable[[], object]) -> int:
    """The most memory Python allocated while ``action()`` ran (tracemalloc), in bytes."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run_moderator(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed ``moderator`` command as a user would, in a process of its own: for what only a process
    shows (the exit status after a crash, no traceback at interpreter level, resource limits, what is imported at
    start-up, the entry point itself). Everything else is quicker through :func:`run_cli`."""
    return subprocess.run(
        [str(MODERATOR_BIN), *args], capture_output=True, encoding="utf-8", cwd=cwd, timeout=timeout, check=False
    )


@dataclass(frozen=True)
class CliResult:
    """What :func:`run_cli` saw: the fields of ``subprocess.CompletedProcess`` that tests read."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, stdin: str = "", cwd: Path | None = None) -> CliResult:
    """``moderator ARGS`` through ``moderator.cli.main`` in this process, seen as :func:`run_moderator` sees it: the
    exit status (argparse's ``SystemExit`` included), standard output and error as UTF-8 text (``.buffer``
    writes included), ``stdin`` as standard input (not a terminal), no terminal width. An exception that escapes
    ``main`` is not caught: the test fails with its traceback, as the real command would print one."""
    from moderator.cli import main

    stdout, stderr = _captured_stream("surrogateescape"), _captured_stream("backslashreplace")
    with _standard_streams(io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"), stdout, stderr):
        with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
            try:
                returncode = main(list(args))
            except SystemExit as exit:
                returncode = _exit_status(exit)
    return CliResult(args, returncode, _text_of(stdout), _text_of(stderr))


def _captured_stream(errors: str) -> io.TextIOWrapper:
    # The error handlers of a UTF-8 mode interpreter (the children of run_moderator run with PYTHONUTF8=1).
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors=errors, newline="\n", write_through=True)


@contextlib.contextmanager
def _standard_streams(stdin: io.TextIOWrapper, stdout: io.TextIOWrapper, stderr: io.TextIOWrapper) -> Iterator[None]:
    """The three streams replaced for the block. ``sys.__stdout__`` too: shutil.get_terminal_size asks it, and a
    captured run has no terminal, as a piped command has none."""
    saved = (sys.stdin, sys.stdout, sys.stderr, sys.__stdout__)
    sys.stdin, sys.stdout, sys.stderr, sys.__stdout__ = stdin, stdout, stderr, stdout  # type: ignore[misc]
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr, sys.__stdout__ = saved  # type: ignore[misc]


def _exit_status(exit: SystemExit) -> int:
    """The status an interpreter exits with for ``exit``: None is 0, a number itself, anything else printed and 1."""
    if exit.code is None:
        return 0
    if isinstance(exit.code, int):
        return exit.code
    print(exit.code, file=sys.stderr)
    return 1


def _text_of(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")  # strict, as run_moderator decodes the child's output


@pytest.fixture(scope="session")
def small_model_trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on the starter corpus alone (a few seconds), for tests that must not depend on the
    bundled model or on ../shared. Trained under a home folder of its own: training registers the model in the
    per-user trust store, which must not be the developer's."""
    from classifiers.training import train
    from moderation_core.taxonomy import load_taxonomy

    folder = tmp_path_factory.mktemp("model")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path_factory.mktemp("training-home")))
        patch.delenv("XDG_CONFIG_HOME", raising=False)
        train([], load_taxonomy(), folder)
    return folder


@pytest.fixture
def small_model_dir(small_model_trained: Path, own_user_folders: None) -> Path:
    """The session's small model, trusted in this test's own home folder as if this installation trained it
    there (each test has a new home, and so a new, empty trust store)."""
    from classifiers.persist import read_card
    from classifiers.trust import add

    add(
        read_card(small_model_trained)["artifact"]["sha256"],
        source="trained",
        folder=small_model_trained,
        model="guideline-classifier",
    )
    return small_model_trained


def make_review_app(log_path: Path, source: Path | None = None, *, scored: bool = True, **options: object):
    """The review app exactly as ``moderator review`` builds it, for Pilot and snapshot tests."""
    from moderation_core.taxonomy import load_taxonomy
    from moderator.scoring import load_scorer
    from moderator.sources import load_thread
    from moderator.tui.app import make_app

    taxonomy = load_taxonomy()
    thread = load_thread(source or SAMPLES / "bug-4127.yaml")
    scorer = load_scorer(None, taxonomy) if scored else None
    return make_app(thread, taxonomy, log_path, "tester", scorer=scorer, **options)  # type: ignore[arg-type]


def expect_source_error(path: Path, format: str | None = None):  # type: ignore[no-untyped-def]
    """The SourceError importing ``path`` raises, after checking it is one line that names the file first."""
    from moderation_core.errors import SourceError
    from moderator.sources import load_threads

    with pytest.raises(SourceError) as info:
        load_threads(path, format)
    error = info.value
    assert str(error).startswith(str(path) + ":")
    assert str(error).endswith(error.problem)
    assert "\n" not in str(error)
    return error
