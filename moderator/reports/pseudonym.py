"""Pseudonyms for reports that leave the moderation team (``moderator report --pseudonymize``).

Every person's name becomes ``person-`` and 8 letters from a keyed hash (HMAC-SHA256) of the name, with a secret
kept in the user's config folder (created on first use, readable by the user alone). The same person gets the same
pseudonym in every report made with that secret, so repeated behaviour stays visible across reports; without the
secret a pseudonym cannot be reversed by hashing guessed names, which a plain hash would allow.

What is replaced: comment authors and moderators; and in excerpts and notes, the names of the people known in the
report's threads (authors of the decided comments of that thread, and every moderator), written in full or by any
part of a name of three letters or more ("Lena" of "Lena Okafor"), which covers reply headers ("(In reply to Lena
Okafor from comment #4)") and people addressed by first name. Email addresses anywhere in excerpts and notes are
removed. Names the report never sees as an author or a moderator (a person only mentioned) cannot be known and stay.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from moderation_core.errors import UsageError
from moderator.log import Decision

SECRET_BYTES = 32
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_REMOVED = "[email removed]"
_ALPHABET = "abcdefghijkmnopqrstuvwxyz"  # no l: pseudonyms are read aloud and copied by hand
_NAME_PART = re.compile(r"\w{3,}")


def load_or_create_secret(path: Path) -> bytes:
    """The secret in ``path``; created (random, mode 0600) when the file does not exist yet. UsageError when it
    exists but cannot be read or is not a secret this module wrote."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = secrets.token_bytes(SECRET_BYTES)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another report created it meanwhile: use theirs
            return load_or_create_secret(path)
        except OSError as error:
            raise UsageError(f"{path}: cannot create the pseudonym secret ({error.strerror or error})") from None
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return data
    except OSError as error:
        raise UsageError(f"{path}: cannot read the pseudonym secret ({error.strerror or error})") from None
    if len(data) != SECRET_BYTES:
        raise UsageError(f"{path}: not a pseudonym secret ({len(data)} bytes, expected {SECRET_BYTES})")
    return data


class Pseudonymizer:
    """Names to pseudonyms with one secret. :meth:`learn` the decisions first (who is known in which thread)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._everywhere: set[str] = set()  # moderators: known in every thread
        self._by_thread: dict[str, set[str]] = {}
        self._patterns: dict[str | None, tuple[re.Pattern[str] | None, dict[str, str]]] = {}

    def pseudonym(self, name: str) -> str:
        digest = hmac.new(self._secret, name.strip().casefold().encode("utf-8", "surrogatepass"), hashlib.sha256)
        number = int.from_bytes(digest.digest()[:8], "big")
        letters = []
        for _ in range(8):
            number, index = divmod(number, len(_ALPHABET))
            letters.append(_ALPHABET[index])
        return "person-" + "".join(letters)

    def name(self, name: str | None) -> str | None:
        return None if name is None or not name.strip() else self.pseudonym(name)

    def learn(self, decisions: Iterable[Decision]) -> None:
        for decision in decisions:
            self._everywhere.add(decision.moderator)
            author = decision.comment.author
            if author and author.strip():
                self._by_thread.setdefault(_thread_key(decision), set()).add(author)
        self._patterns.clear()

    def _pattern(self, thread: str | None) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        if thread not in self._patterns:
            people = self._everywhere | self._by_thread.get(thread or "", set())
            replacement: dict[str, str] = {}
            for person in people:
                pseudonym = self.pseudonym(person)
                replacement.setdefault(person.casefold(), pseudonym)
                for part in _NAME_PART.findall(person):
                    replacement.setdefault(part.casefold(), pseudonym)
            # Longest first: "Lena Okafor" is replaced whole before "Lena" is looked for.
            words = sorted(replacement, key=len, reverse=True)
            pattern = (
                re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE) if words else None
            )
            self._patterns[thread] = (pattern, replacement)
        return self._patterns[thread]

    def text(self, text: str, thread: str | None) -> str:
        """``text`` with email addresses removed and the names known in ``thread`` replaced."""
        text = _EMAIL.sub(EMAIL_REMOVED, text)
        pattern, replacement = self._pattern(thread)
        if pattern is None:
            return text
        return pattern.sub(lambda match: replacement[match.group(0).casefold()], text)


def _thread_key(decision: Decision) -> str:
    return f"{decision.thread.source}:{decision.thread.name}"
