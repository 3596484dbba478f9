"""Talking to live trackers over HTTP: the client (timeouts, retries, rate limits, conditional requests), the
source forms a moderator types (URLs, ``bugzilla:ID``, ``OWNER/REPO#N``), and fetching a thread in the shape the
importers read. No importer, log or interface code here: the CLI hands what is fetched to ``moderator.sources``."""
