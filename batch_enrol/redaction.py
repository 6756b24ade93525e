"""Secrets out of every text: the one redaction step, and the API token's shape check.

Text that comes from outside (an API answer, an exception's message) passes ``redact``
where it enters the program (the client, the CLI's last-resort handler, every log
record), so no secret reaches a log, a reason, the journal or a report:

- every secret registered with ``SECRETS.add`` (the API token when a client is made,
  each embed signing key as it arrives) is replaced by ``[redacted]``, in any letter case;
- so is whatever follows ``Bearer`` (a header echoed back by a proxy or an error page).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from typing import TypeVar

from .errors import ConfigError

MASK = "[redacted]"
MIN_SECRET_CHARS = 8  #: shorter strings are not registered: masking "a" everywhere would ruin every text
_BEARER = re.compile(r"(?i)\b(bearer)(\s+|%20|\+)(?!\[redacted\])[^\s\"',;}\]]+")


class Secrets:
    """The secrets of this process; ``redact(text)`` masks every one of them."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        """Mask ``secret`` from now on (ignored when empty or shorter than MIN_SECRET_CHARS)."""
        if not secret or len(secret) < MIN_SECRET_CHARS or secret in self._values:
            return
        with self._lock:
            self._values.add(secret)
            longest_first = sorted(self._values, key=len, reverse=True)
            # in any case: a server may echo the token upper-cased (an error page, a header dump)
            self._pattern = re.compile("|".join(re.escape(v) for v in longest_first), re.IGNORECASE)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret and every ``Bearer …`` credential masked."""
        if not text:
            return text
        text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)  # first: a masked secret is no credential
        pattern = self._pattern
        return pattern.sub(MASK, text) if pattern is not None else text


SECRETS = Secrets()


def redact(text: str) -> str:
    """``SECRETS.redact``: the one step every outside text takes before it is kept or shown."""
    return SECRETS.redact(str(text))


_WithReason = TypeVar("_WithReason")


def redacted(outcome: _WithReason) -> _WithReason:
    """``outcome`` (a dataclass with a ``reason``) with its reason redacted again, against every secret known now.

    A reason redacted when it arrived may hold a key that arrived a moment later: writers of the
    output and the journal pass each outcome through this at the time of writing.
    """
    reason = getattr(outcome, "reason", "")
    cleaned = redact(reason) if reason else reason
    return outcome if cleaned == reason else dataclasses.replace(outcome, reason=cleaned)  # type: ignore[type-var]


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's final message (installed by the CLI)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def check_token(token: str, where: str) -> str:
    """``token`` unchanged if it can go in an ``Authorization`` header; else ConfigError (exit 2).

    ``where`` names its source for the message, e.g. "the token file ~/t.txt" or "JOBMOJITO_TOKEN".
    Refused: a byte-order mark, several lines, whitespace inside, non-ASCII or control characters.
    """
    problem = ""
    if "\ufeff" in token:
        problem = "a byte-order mark at its start: " + (
            "save the file as UTF-8 without BOM" if "file" in where or ".env" in where else "set it again without that character"
        )
    elif "\n" in token or "\r" in token:
        problem = "several lines: it must be one line"
    elif any(c.isspace() for c in token):
        problem = "whitespace inside it"
    elif not token.isascii():
        problem = "non-ASCII characters"
    elif any(ord(c) < 32 or ord(c) == 127 for c in token):
        problem = "control characters"
    if problem:
        raise ConfigError(
            f"{where} is malformed ({problem})",
            hint="it should hold the access token alone, as one line of letters, digits and . _ - characters",
        )
    return token
