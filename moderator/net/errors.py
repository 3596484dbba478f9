"""The error of a thread that could not be fetched (or a change that could not be pushed): one line naming the
source (``bugzilla:123``, ``octo/repo#5``) and what went wrong, never a traceback, a URL with a token in it or an
exception text of the HTTP library (those can hold both)."""

from __future__ import annotations

from moderation_core.errors import ModeratorError
from moderation_core.textsafe import one_line


class FetchError(ModeratorError):
    """A request to a tracker that failed for good: refused, not found, rate limited for too long, answered with
    something that is not the JSON asked for, or no answer at all. ``status`` is the HTTP status when the server
    answered (a pushing command reports 403 and 404 per comment), else None. The text given has already been
    cleared of secrets by whoever raises it (:meth:`moderator.net.client.HttpClient.redact`)."""

    title = "Cannot fetch"

    def __init__(self, source: str, problem: str, *, status: int | None = None) -> None:
        # One line, always: the problem may quote the server's own message, which is data.
        self.source = one_line(source, 200)
        self.problem = one_line(problem)
        self.status = status
        super().__init__(f"{self.source}: {self.problem}")
