"""What a run waited on, in words: the long waits a server asks for, and why a run gave up.

``Waits`` is kept by the breaker: it counts the kinds of failure since the last success (so a
run that gives up says what the API was doing: "no successful call for 30 minutes: the API
answered every call with 429 (throttling)"),
and it judges each ``Retry-After``: one longer than what is left of ``give_up_after`` stops
the run at once (waiting it out would only end in giving up); a long one that is allowed is
announced with a warning. Times in seconds (monotonic).
"""

from __future__ import annotations

import logging
import math
from collections import Counter

from ..client import CallError
from .policy import Policy

log = logging.getLogger("batch_enrol")


def duration(seconds: float) -> str:
    """``seconds`` in words: "0.4 s", "45 s", "1 minute", "12 minutes", "3 hours", "1157 days", "forever" (infinite)."""
    if not math.isfinite(seconds):
        return "forever" if seconds > 0 else "0.0 s"
    if seconds < 10:
        return f"{max(seconds, 0):.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    unit, size = next((u, s) for u, s, up_to in (("minute", 60, 120 * 60), ("hour", 3600, 48 * 3600), ("day", 86400, math.inf))
                      if seconds < up_to)  # fmt: skip
    n = round(seconds / size)
    return f"{n} {unit}{'s' * (n != 1)}"


def kind(error: CallError) -> str:
    """A failure's kind, in the words a stop reason uses: "429 (throttling)", "503", "no response in time (…)"."""
    if error.status is None:
        return error.message  # fixed words from the client, never an exception's own text
    if error.status == 429:
        return "429 (throttling)"
    return f"{error.status} (overloaded)" if error.retry_after is not None and error.status >= 500 else str(error.status)


class Waits:
    """Failure kinds since the last success, and the server's long waits; see the module docstring."""

    __slots__ = ("policy", "kinds", "_announced_until")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.kinds: Counter[str] = Counter()
        self._announced_until = float("-inf")

    def drought(self, since: float, now: float) -> str:
        """Why the run gives up after no success from ``since`` to ``now``: what every call got instead."""
        spent = duration(now - since)
        (first, _), *others = self.kinds.most_common() or [("", 0)]
        if not others and first[:3].isdigit():
            return f"no successful call for {spent}: the API answered every call with {first}"
        if not others and first:
            return f"no successful call for {spent}: every call failed ({first})"
        seen = ", ".join(f"{k} ×{n}" for k, n in self.kinds.most_common(3))
        return f"no successful call for {spent} (the answers: {seen}); the API seems down"

    def asked(self, asked: float, wait: float, *, since: float, now: float) -> str | None:
        """The server's ``Retry-After`` asks ``asked`` s, ``wait`` s will be waited: a reason to stop, or None.

        ``since``: the last success; what is left of ``give_up_after`` is counted from it.
        """
        left = self.policy.give_up_after - (now - since)
        if asked > left:
            return (f"the server's Retry-After asks to wait {duration(asked)}, more than is left of "
                    f"--give-up-after ({duration(left)})")  # fmt: skip
        if wait >= self.policy.announce_wait and now >= self._announced_until:
            self._announced_until = now + wait
            capped = f" (asked: {duration(asked)}; waits are capped there)" if asked > wait else ""
            log.warning("waiting %s before calling again, as the server's Retry-After asks%s", duration(wait), capped)
        return None
