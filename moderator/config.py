"""Where moderator keeps things and who the moderator is: each setting comes from its command-line flag, then
its environment variable, then the default documented here.

User data (decision logs, trained models) lives in the per-user data folder that platformdirs names for this
system (``~/.local/share/moderator`` on Linux, ``~/Library/Application Support/moderator`` on macOS), never
inside the installed package or a checkout: an upgrade or a ``git clean`` must not take a moderator's work.
"""

from __future__ import annotations

import getpass
import os
import re
from pathlib import Path

import platformdirs

from moderation_core.errors import UsageError
from moderation_core.textsafe import UNSAFE_CHARACTERS, visible

APP_NAME = "moderator"

LOG_ENV = "MODERATOR_LOG"
"""Environment variable naming the decision log file."""

NAME_ENV = "MODERATOR_NAME"
"""Environment variable with the moderator's name, recorded in every decision."""

MODEL_ENV = "MODERATOR_MODEL"
"""Environment variable naming the model folder used instead of the bundled one."""

TRAIN_CORPUS_ENV = "MODERATOR_TRAIN_CORPUS"
"""Environment variable naming labeled JSONL corpora (separated by ``os.pathsep``, ``:`` on Linux and macOS) that
retraining from the review screen adds to the starter corpus and the log."""

JOBS_ENV = "MODERATOR_JOBS"
"""Environment variable with the number of worker processes that score a large file (``--jobs``)."""

MOST_DEFAULT_JOBS = 4
"""At most this many worker processes by default: beyond it, reading the file and writing the results in the main
process is what limits the speed, and each worker holds its own batches in memory."""

BUGZILLA_API_KEY_ENV = "BUGZILLA_API_KEY"
"""Environment variable with the Bugzilla API key that ``moderator fetch`` (and review, thread, score on a bug URL)
sends as the ``X-BUGZILLA-API-KEY`` header, for private bugs; never written to a file or shown."""

GITHUB_TOKEN_ENV = "GITHUB_TOKEN"
"""Environment variable with the GitHub token sent as ``Authorization: Bearer`` (else ``gh auth token`` when the
GitHub CLI is installed); never written to a file or shown."""

GITHUB_API_URL_ENV = "GITHUB_API_URL"
"""Environment variable with the GitHub API base for ``OWNER/REPO#N`` when ``--server`` is not given: GitHub
Enterprise's ``https://HOST/api/v3`` (default ``https://api.github.com``); its issue URLs are then recognised too."""

_LINE_BREAKS = re.compile("[\t\n]")


def user_data_dir() -> Path:
    """The per-user data folder (computed on each call, so a changed ``$HOME`` or ``$XDG_DATA_HOME`` counts)."""
    return platformdirs.user_data_path(APP_NAME)


def user_cache_dir() -> Path:
    """The per-user cache folder (``~/.cache/moderator`` on Linux; computed on each call, as the data folder): the
    fetched threads and the HTTP cache of conditional requests. Deleting it only costs the next fetch its requests."""
    return platformdirs.user_cache_path(APP_NAME)


def default_log() -> Path:
    """The decision log when neither ``--log`` nor ``$MODERATOR_LOG`` names one: ``decisions.yaml`` in the
    per-user data folder."""
    return user_data_dir() / "decisions.yaml"


def pseudonym_secret_path() -> Path:
    """The secret that keys ``moderator report --pseudonymize``'s pseudonyms: in the per-user config folder (not the
    data folder a moderator may share), created on first use."""
    return platformdirs.user_config_path(APP_NAME) / "pseudonym.key"


def default_model_output() -> Path:
    """Where ``moderator train`` writes without ``-o``."""
    return user_data_dir() / "models" / "latest"


def log_path(flag: str | None) -> Path:
    """``--log``, then ``$MODERATOR_LOG``, then :func:`default_log`, whose folder is created on first use."""
    named = flag or os.environ.get(LOG_ENV)
    if named:
        return Path(named)
    path = default_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # opening the log then fails with a one-line error that names the path
    return path


def moderator_name(flag: str | None) -> str:
    """``--moderator``, then ``$MODERATOR_NAME``, then the login name; surrounding spaces are dropped.

    The name goes into every decision and keys the effective state, so a name that is set but unusable (empty,
    only spaces, control characters, bytes that are not UTF-8) is refused with a :class:`UsageError` instead of
    being written to the log or silently replaced by the login name."""
    if flag is not None:
        return _checked_name(flag, "--moderator")
    from_environment = os.environ.get(NAME_ENV)
    if from_environment is not None:
        return _checked_name(from_environment, f"${NAME_ENV}")
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        return "moderator"
    return _checked_name(login, "the login name")


def _checked_name(name: str, origin: str) -> str:
    # argv and the environment reach Python with undecodable bytes as lone surrogates (surrogateescape).
    undecodable = next((c for c in name if "\udc80" <= c <= "\udcff"), None)
    if undecodable is not None:
        raise UsageError(f"{origin}: not UTF-8 text (byte 0x{ord(undecodable) - 0xDC00:02x}); give the name as UTF-8")
    # A line break or tab would break the one-line messages that show the name, and the terminal ones worse.
    unsafe = UNSAFE_CHARACTERS.search(name) or _LINE_BREAKS.search(name)
    if unsafe is not None:
        shown = {"\t": "\\t", "\n": "\\n"}.get(unsafe.group()) or visible(unsafe.group())
        raise UsageError(
            f"{origin}: the name contains {shown} (control and text-reordering characters are not allowed)"
        )
    stripped = name.strip()
    if not stripped:
        raise UsageError(f"{origin}: the name is empty; give the name recorded with each decision")
    return stripped


def jobs(flag: int | None) -> int:
    """``--jobs``, then ``$MODERATOR_JOBS``, then the CPUs this process may run on (at most MOST_DEFAULT_JOBS)."""
    if flag is not None:
        return _checked_jobs(str(flag), "--jobs")
    from_environment = os.environ.get(JOBS_ENV)
    if from_environment is not None:
        return _checked_jobs(from_environment, f"${JOBS_ENV}")
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, MOST_DEFAULT_JOBS))


def _checked_jobs(value: str, origin: str) -> int:
    text = value.strip()
    if not text.isdecimal() or not text.isascii() or int(text) < 1:
        raise UsageError(
            f"{origin}: {visible(value)!r} is not a number of worker processes (a whole number, 1 or more)"
        )
    return int(text)


def train_corpora(flags: list[str] | None) -> tuple[str, ...]:
    """``--train-corpus`` (repeatable), else ``$TRAIN_CORPUS_ENV``, else none; each must be a file, checked now so
    that a typo is said when the command starts rather than a minute into a retraining."""
    named = list(flags or [])
    origin = "--train-corpus"
    if not named:
        named = [part for part in os.environ.get(TRAIN_CORPUS_ENV, "").split(os.pathsep) if part]
        origin = f"${TRAIN_CORPUS_ENV}"
    for name in named:
        if not Path(name).is_file():
            raise UsageError(f"{origin}: {visible(name)}: no such file (a labeled JSONL corpus)")
    return tuple(named)
