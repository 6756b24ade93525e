"""Where a run sends and how much it will cost, said before the first call.

A ``Preview`` is built once the rows are checked and the journal read (so only what would
really be sent counts). ``run`` hands it to its ``confirm`` callback before sending; the
``plan`` command prints it and sends nothing. Figures are estimates:

- duration (s) = rows / the dispatcher policy's ``expected_rate``: min(rate, concurrency / 5 s),
  the pacing limit or the concurrency over a typical call (their maxima when ``auto``);
- credits = rows × ``credits_per_candidate`` (JobMojito published 0.25 per pre-screened
  candidate in mid-2025; prices change, so it is a setting).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from .dispatcher import policy_from
from .schema import PRODUCTION_BASE_URL
from .settings import Settings, is_loopback

PRODUCTION_HOST = urlsplit(PRODUCTION_BASE_URL).hostname or ""
log = logging.getLogger("batch_enrol")


def target_of(settings: Settings) -> tuple[str, str]:
    """(host, what it is): the built-in sandbox, a loopback server, production, or another server."""
    if settings.sandbox:
        return "sandbox", "the built-in sandbox (in-process: nothing leaves this machine)"
    parts = urlsplit(settings.base_url)
    host = parts.hostname or settings.base_url
    where = f"{host}:{parts.port}" if parts.port else host
    if is_loopback(host):
        return where, "a loopback server on this machine, such as batch-enrol sandbox"
    if host == PRODUCTION_HOST:
        return where, "PRODUCTION: JobMojito's live API (real candidates, real credits)"
    return where, "a server that is not JobMojito's production API"


@dataclass(frozen=True, slots=True)
class Preview:
    """What one input's run would do."""

    input: str
    host: str  #: host[:port], or "sandbox"
    target: str  #: what the host is, in words
    rows: int  #: rows to send now
    done: int  #: rows already done by an earlier run (not sent again)
    not_sendable: int  #: invalid and duplicate rows (never sent)
    positions: int  #: new positions this run may create
    seconds: float  #: estimated duration
    credits: float  #: estimated credits
    credits_per_candidate: float

    @classmethod
    def build(cls, input: str, settings: Settings, *, rows: int, done: int, not_sendable: int, positions: int) -> Preview:
        host, target = target_of(settings)
        pace = policy_from(settings).expected_rate  # the limits at ~5 s a call ("auto": their maximum)
        return cls(
            input=input, host=host, target=target, rows=rows, done=done, not_sendable=not_sendable,
            positions=positions, seconds=rows / pace if rows else 0.0,
            credits=rows * settings.credits_per_candidate, credits_per_candidate=settings.credits_per_candidate,
        )  # fmt: skip

    def lines(self) -> list[str]:
        """The preview as printed, host first."""
        return [
            f"host: {self.host} ({self.target})",
            f"input: {self.input}",
            f"rows to send: {self.rows}" + (f" ({self.done} already done, not sent again)" if self.done else "")
            + (f"; {self.not_sendable} invalid or duplicate, never sent" if self.not_sendable else ""),
            f"positions to create: at most {self.positions}",
            f"estimated duration: {duration_words(self.seconds)}",
            f"estimated credits: {self.credits:g} ({self.rows} × {self.credits_per_candidate:g} per candidate; an estimate, "
            "not a price)",
        ]

    def as_dict(self) -> dict[str, object]:
        """For summary.json and the Summary sheet."""
        data = asdict(self)
        data["seconds"] = round(self.seconds, 1)
        return data


def duration_words(seconds: float) -> str:
    """An estimated duration in seconds, in words: "about 40 s", "about 3 min", "about 1.5 h"."""
    if seconds < 60:
        return f"about {max(seconds, 1):.0f} s"
    if seconds < 3600:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"


Confirm = Callable[[Preview], bool]  #: sees the preview before the first call; False cancels the run


def log_preview(preview: Preview) -> bool:
    """The default ``confirm``: log the preview (INFO) and go on."""
    for line in preview.lines():
        log.info("%s", line)
    return True
