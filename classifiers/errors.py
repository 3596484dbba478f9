"""Errors of the machine-learning core, raised as the application's own exception type."""

from __future__ import annotations

from moderator.errors import ModeratorError


class ModelError(ModeratorError):
    """A model that cannot be loaded or used: missing, altered, foreign, or built for another taxonomy."""

    title = "Model error"


class DataError(ModeratorError):
    """Training or evaluation data that cannot be read."""

    title = "Data error"
