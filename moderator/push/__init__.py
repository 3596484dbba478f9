"""Pushing decisions back to the trackers: what ``export-tags`` computes, previewed (dry-run) or applied, every
applied change recorded in an append-only ledger beside the log so it can be audited and undone."""
