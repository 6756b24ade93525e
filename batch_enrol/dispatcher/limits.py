"""Adaptive limits: how many calls may be in flight, and how many may start per second. Times in seconds.

The API publishes no limits, so both are found from its answers:

* ``RateControl`` is the client-side rate limiter of AWS's *adaptive retry mode* (the AWS SDKs'
  ``retry_mode = adaptive``): no rate limit until the server first throttles; then, on each
  throttling answer, the rate drops to ``β ×`` the measured rate and grows back along
  the CUBIC curve of TCP CUBIC (RFC 8312), ``W(t) = C·(t − K)³ + W_max`` with
  ``K = ∛(W_max·(1 − β) / C)``: quickly back to where the server pushed back, slowly beyond.
  A throttling answer to a call that started before the last cut does not cut again (one cut
  per congestion event, as TCP halves once per window). There is no fixed floor. One change
  from the SDKs: the rate measured at a cut (``W_max``) is that of the calls the server
  answered without throttling over the last second (what it let through), not the sending
  rate, so one cut lands under the server's limit instead of several in a row.
* ``ConcurrencyLimit`` is TCP's congestion window applied to calls in flight (RFC 5681): slow
  start (+1 per success, doubling per round trip) until the first congestion signal, then
  additive increase (+1 per round trip) and multiplicative decrease (``× β``) on overload
  answers (503, 546, 502, 504, time-outs). Like TCP Vegas and Netflix's gradient limit, it
  also backs off when latency rises with concurrency: when the mean latency of the last
  window of calls exceeds ``latency_tolerance ×`` the lowest window mean seen (the server is
  queueing). The limit only grows while it is in use (Netflix's AIMD limit does the same).

An explicit ``--concurrency N`` is a fixed limit; an explicit ``--rate N`` starts at N and
never goes above it (throttling still lowers it). Every constant is in ``Policy``.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections import deque

from .policy import Policy


class RateControl:
    """The calls-per-second target: ``rate`` is None while unlimited, else calls per second."""

    __slots__ = ("policy", "rate", "ceiling", "_w_max", "_k", "_cut_at", "_starts", "_answers", "_first")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.ceiling = policy.rate if policy.rate is not None else policy.max_rate
        self.rate: float | None = policy.rate  #: None: no limit yet (auto, not throttled so far)
        self._w_max = self.ceiling
        self._k = 0.0
        self._cut_at = float("-inf")
        self._starts: deque[float] = deque()  #: calls started in the last ``rate_window`` seconds
        self._answers: deque[float] = deque()  #: calls answered (not throttled) in the last ``rate_window`` seconds
        self._first: float | None = None

    def started(self, now: float) -> None:
        """Count a call started at ``now`` (monotonic s) into the measured sending rate."""
        self._starts.append(now)
        if self._first is None:
            self._first = now
        while self._starts[0] < now - self.policy.rate_window:
            self._starts.popleft()

    @property
    def _measured(self) -> float:
        """Calls started per second over the last ``rate_window`` seconds (0 before any)."""
        return self._per_second(self._starts)

    def _per_second(self, times: deque[float]) -> float:
        if not times or self._first is None:
            return 0.0
        span = max(min(self.policy.rate_window, times[-1] - self._first), self.policy.rate_window / 4)
        return len(times) / span

    def throttled(self, call_started: float, now: float) -> bool:
        """A throttling answer (429) to a call started at ``call_started``; True if the rate was cut."""
        if call_started < self._cut_at:
            return False
        p = self.policy
        base = self._per_second(self._answers) or self._measured  # what the server let through
        if self.rate is not None:
            base = min(base or self.rate, self.rate)
        base = max(base, p.min_rate)
        self._w_max = base
        self._k = (base * (1 - p.rate_backoff) / p.rate_cubic_scale) ** (1 / 3)
        self._cut_at = now
        self.rate = max(base * p.rate_backoff, p.min_rate)
        return True

    def succeeded(self, now: float) -> None:
        """A success at ``now``: grow along the cubic curve (never above twice the measured rate)."""
        self._answers.append(now)
        while self._answers[0] < now - self.policy.rate_window:
            self._answers.popleft()
        if self.rate is None:
            return
        p = self.policy
        t = now - self._cut_at - self._k
        target = p.rate_cubic_scale * t**3 + self._w_max
        if self._measured:
            target = min(target, 2 * self._measured)
        self.rate = min(max(target, self.rate), self.ceiling)


class ConcurrencyLimit:
    """Calls in flight: ``async with limit.slot() as lane`` (``lane``: a connection index below ``ceiling``)."""

    __slots__ = ("policy", "limit", "ceiling", "fixed", "in_flight", "busy", "_lanes", "_waiters", "_slow_start",
                 "_cut_at", "_samples", "_baseline")  # fmt: skip

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.fixed = policy.concurrency is not None
        self.ceiling = policy.concurrency or policy.max_concurrency
        self.limit = float(self.ceiling if self.fixed else min(policy.concurrency_start, self.ceiling))
        self.in_flight = 0  #: slots taken (calls, and callers waiting for a start slot)
        self.busy = 0  #: calls actually started and not yet answered
        self._lanes = list(range(self.ceiling))
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._slow_start = True
        self._cut_at = float("-inf")
        self._samples: list[float] = []
        self._baseline = math.inf

    async def acquire(self) -> int:
        """Wait for a free slot; return its lane (the lowest free one, so connections are reused)."""
        while self.in_flight >= max(1, int(self.limit)):
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()
                raise
        self.in_flight += 1
        return heapq.heappop(self._lanes)

    def release(self, lane: int) -> None:
        self.in_flight -= 1
        heapq.heappush(self._lanes, lane)
        self._wake()

    def _wake(self) -> None:
        free = max(1, int(self.limit)) - self.in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1

    def succeeded(self, latency: float) -> None:
        """A call answered after ``latency`` seconds: grow while in use; back off when latency climbs."""
        if self.fixed:
            return
        p = self.policy
        self._samples.append(latency)
        if len(self._samples) >= p.latency_window:
            mean = sum(self._samples) / len(self._samples)
            self._samples.clear()
            self._baseline = min(self._baseline, mean)
            if mean > p.latency_tolerance * self._baseline:
                self._cut()
                return
        if self.busy + 1 >= self.limit / 2:
            self.limit = min(self.ceiling, self.limit + (1 if self._slow_start else 1 / self.limit))
            self._wake()

    def overloaded(self, call_started: float, now: float) -> None:
        """An overload answer to a call started at ``call_started``: one cut per congestion event."""
        if not self.fixed and call_started >= self._cut_at:
            self._cut_at = now
            self._cut()

    def _cut(self) -> None:
        self._slow_start = False
        self.limit = max(1.0, self.limit * self.policy.concurrency_backoff)
        self._samples.clear()
