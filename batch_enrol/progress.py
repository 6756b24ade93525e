"""Progress while a run sends rows: a tqdm bar on a terminal, a log line every 10 s in CI."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import Counter

from tqdm import tqdm

from .models import Outcome

log = logging.getLogger("batch_enrol")


def choose_mode(requested: str, stream=sys.stderr) -> str:
    """auto → bar on a terminal, log in CI or when piped."""
    if requested != "auto":
        return requested
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"} or not stream.isatty():
        return "log"
    return "bar"


class Progress:
    """Counts outcomes as they arrive and shows them. Never shows emails or URLs."""

    def __init__(self, total: int, mode: str = "auto", *, interval: float = 10.0) -> None:
        self.mode = choose_mode(mode)
        self.total = total
        self.counts: Counter[str] = Counter()
        self.done = 0
        self.interval = interval
        self._started = time.monotonic()
        self._last_log = self._started
        self._bar = tqdm(total=total, unit="row", dynamic_ncols=True, file=sys.stderr) if self.mode == "bar" else None

    def __call__(self, outcome: Outcome) -> None:
        self.done += 1
        self.counts[_group(outcome)] += 1
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(self.counts, refresh=False)
        elif self.mode == "log":
            now = time.monotonic()
            if now - self._last_log >= self.interval:
                self._last_log = now
                self.log_line(now)

    def log_line(self, now: float | None = None) -> None:
        elapsed = (now or time.monotonic()) - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = f"{left:.0f}s" if left != float("inf") else "?"
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        log.info("sent %d/%d rows (%.1f/s, ETA %s): %s", self.done, self.total, rate, eta, counts)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _group(outcome: Outcome) -> str:
    status = outcome.status
    if status.is_failure:
        return status.value
    if status.is_reject:
        return "rejected"
    return "enrolled"
