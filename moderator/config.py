"""Where moderator keeps things and who the moderator is: each setting comes from its command-line flag, then
its environment variable, then the default documented here."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

LOG_ENV = "MODERATOR_LOG"
"""Environment variable naming the decision log file."""

DEFAULT_LOG = REPOSITORY / "labels" / "decisions.yaml"
"""The decision log when neither ``--log`` nor ``$MODERATOR_LOG`` names one: ``labels/decisions.yaml``."""

NAME_ENV = "MODERATOR_NAME"
"""Environment variable with the moderator's name, recorded in every decision."""

MODEL_ENV = "MODERATOR_MODEL"
"""Environment variable naming the model folder used instead of the bundled one."""


def log_path(flag: str | None) -> Path:
    return Path(flag or os.environ.get(LOG_ENV) or DEFAULT_LOG)


def moderator_name(flag: str | None) -> str:
    """``--moderator``, then ``$MODERATOR_NAME``, then the login name."""
    name = flag or os.environ.get(NAME_ENV)
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "moderator"
    return name
