"""The one error of the decision log."""

from __future__ import annotations

from moderation_core.errors import ModeratorError


class LogError(ModeratorError):
    """A decision log that cannot be read, trusted or appended to."""

    title = "Decision log error"
