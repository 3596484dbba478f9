"""The errors of pushing: one line each, naming the ledger and its line, or the server and the comment."""

from __future__ import annotations

from moderation_core.errors import ModeratorError


class PushError(ModeratorError):
    """A push that cannot start or go on: a ledger that cannot be read or appended to, an undo of an unknown
    entry, a server answer that is no answer to the request. The CLI shows it on one line and exits 2."""

    title = "Push error"


class LedgerError(PushError):
    """The push ledger cannot be read (a damaged or torn line, named by its number) or appended to."""

    title = "Push ledger error"
