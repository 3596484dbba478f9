"""Where moderator keeps things and who the moderator is: each setting comes from its command-line flag, then
its environment variable, then the default documented here.

User data (decision logs, trained models) lives in the per-user data folder that platformdirs names for this
system (``~/.local/share/moderator`` on Linux, ``~/Library/Application Support/moderator`` on macOS), never
inside the installed package or a checkout: an upgrade or a ``git clean`` must not take a moderator's work.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import platformdirs

APP_NAME = "moderator"

LOG_ENV = "MODERATOR_LOG"
"""Environment variable naming the decision log file."""

NAME_ENV = "MODERATOR_NAME"
"""Environment variable with the moderator's name, recorded in every decision."""

MODEL_ENV = "MODERATOR_MODEL"
"""Environment variable naming the model folder used instead of the bundled one."""


def user_data_dir() -> Path:
    """The per-user data folder (computed on each call, so a changed ``$HOME`` or ``$XDG_DATA_HOME`` counts)."""
    return platformdirs.user_data_path(APP_NAME)


def default_log() -> Path:
    """The decision log when neither ``--log`` nor ``$MODERATOR_LOG`` names one: ``decisions.yaml`` in the
    per-user data folder."""
    return user_data_dir() / "decisions.yaml"


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
    """``--moderator``, then ``$MODERATOR_NAME``, then the login name."""
    name = flag or os.environ.get(NAME_ENV)
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "moderator"
    return name
