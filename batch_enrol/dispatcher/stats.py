"""Run statistics: calls, retries and the highest concurrency and start rate a run reached."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class RunStats:
    """Counts kept while a run sends. Times are ``time.monotonic()`` seconds."""

    __slots__ = ("calls", "retries", "in_flight", "max_in_flight", "max_started_in_1s", "_recent")

    def __init__(self) -> None:
        self.calls = 0  #: HTTP calls started
        self.retries = 0  #: attempts after a row's first
        self.in_flight = 0
        self.max_in_flight = 0
        self.max_started_in_1s = 0  #: the most calls started within any one second
        self._recent: deque[float] = deque()

    @contextmanager
    def call(self) -> Iterator[None]:
        """Count one call for as long as it is in flight."""
        self.calls += 1
        now = time.monotonic()
        recent = self._recent
        recent.append(now)
        while recent[0] < now - 1.0:
            recent.popleft()
        self.max_started_in_1s = max(self.max_started_in_1s, len(recent))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            self.in_flight -= 1
