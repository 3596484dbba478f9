"""The decision log: a durable, append-only YAML stream of moderators' decisions.

Every decision is one YAML document, written as block-style top-level keys whose values are JSON (which is
YAML too), between a ``--- `` line and a ``...`` line:

    ---
    schema: 1
    kind: "decision"
    id: "5f0c…"
    when: "2026-11-27T10:31:02.123456Z"
    moderator: "dana"
    thread: {"source": "bugzilla", "id": "4127", "title": "…", "url": null}
    comment: {"number": 21, "id": "88122", "author": "…", "own_text_sha256": "…", "own_text": "…"}
    model: {"id": "guideline-classifier@71f98086d2db", "scores": {…}, "flags": […], "concern": 0.93}
    decision: {"labels": ["personal-attack"], "action": "flag", "note": ""}
    ...

Any YAML reader reads it; moderator reads its own documents with a JSON fast path (a 100,000-decision log in a
few seconds) and anything hand-edited through the safe YAML loader. The ``...`` end line makes a document torn
by a crash detectable.

One reading of the file (:func:`moderator.log.scan.documents`) decides what is complete, for ``log validate``,
for the check an append makes before writing and for ``log repair``, so the three always agree:

- a document is complete when its ``...`` line ends with a line break; a ``---`` or ``...`` line may carry
  trailing spaces or tabs;
- CRLF line ends are read as LF and a UTF-8 byte order mark at the start of the file is ignored; blank lines
  between or after documents are fine. An append after trailing blank lines (even a last line of spaces without
  a line break) starts its document on a line of its own, so the log stays valid;
- the *torn tail* is what a write cut short by a crash leaves at the very end: a last document without its
  whole ``...`` line, or a ``-``/``--`` or a run of zero bytes without a line break after the last document.
  It is the only thing ``repair`` cuts off (into a side file). A document followed by another ``---`` line but
  missing its own ``...`` was not torn (something was written after it): it is a problem ``validate`` names,
  and when such documents precede a last one without ``...`` too, that last one is no torn tail either;
- a file whose first non-blank line is not ``---`` is not a decision log: ``repair`` refuses it; invalid UTF-8
  is refused with its byte offset, except a character cut in half at the very end (a torn write).

Appends are locked, fsynced and cut back on failure; undo appends a retraction of an earlier decision; the
effective state is the last unretracted decision per (moderator, thread, comment): see :mod:`.store`.

The package, one job per module, each using only those above it in this list:

- :mod:`.errors`: LogError;
- :mod:`.records`: typed, frozen records (Decision, Retraction, ThreadRef with the one ``key()``, ModelView,
  Action and its cycle);
- :mod:`.codec`: records to schema-1 documents and back, a document's bytes, validity with its messages;
- :mod:`.scan`: the one reading of the file's structure; :mod:`.files`: durable file operations;
- :mod:`.state`: entries, problems and the effective decisions of a log once read;
- :mod:`.store`: locked append, read (validate), repair; :mod:`.stats`: a log's summary;
- :mod:`.decision_log`: the log as the review screen and ``moderator decide`` use it;
- :mod:`.effective`: the effective decisions of a log as whole records, for training, reports and the tag export;
  :mod:`.training`: logs as weighted training examples (scikit-learn's side).
"""

from moderator.log.codec import ACTIONS, KINDS, SCHEMA_VERSION, Document, decision_document, render
from moderator.log.decision_log import DecisionLog, retraction_document
from moderator.log.errors import LogError
from moderator.log.files import ensure_writable
from moderator.log.records import (
    Action,
    CommentRef,
    DecidedComment,
    Decision,
    DecisionKey,
    ModelView,
    Record,
    Retraction,
    ThreadRef,
    Verdict,
    own_text_digest,
)
from moderator.log.state import MAX_PROBLEMS, Entry, LogContents, Problem
from moderator.log.stats import LogStats, stats, summarize

# MAX_DOCUMENT_BYTES here is a copy for reading: the limit in force is moderator.log.store's (a test lowers that one).
from moderator.log.store import MAX_DOCUMENT_BYTES, append_document, ensure_fits, read_log, repair

Key = DecisionKey  # the name the key had before it was a record

__all__ = [
    "ACTIONS",
    "KINDS",
    "MAX_DOCUMENT_BYTES",
    "MAX_PROBLEMS",
    "SCHEMA_VERSION",
    "Action",
    "CommentRef",
    "DecidedComment",
    "Decision",
    "DecisionKey",
    "DecisionLog",
    "Document",
    "Entry",
    "Key",
    "LogContents",
    "LogError",
    "LogStats",
    "ModelView",
    "Problem",
    "Record",
    "Retraction",
    "ThreadRef",
    "Verdict",
    "append_document",
    "decision_document",
    "ensure_fits",
    "ensure_writable",
    "own_text_digest",
    "read_log",
    "render",
    "repair",
    "retraction_document",
    "stats",
    "summarize",
]
