"""Adaptive limits: how many calls may be in flight, and how many may start per second. Times in seconds.

The API publishes no limits, so both are found from its answers:

* ``RateControl`` is the client-side rate limiter of AWS's *adaptive retry mode* (the AWS SDKs'
  ``retry_mode = adaptive``): no rate limit until the server first throttles; then, on each
  throttling answer, the rate drops to ``β ×`` the measured rate and grows back along
  the curve of TCP CUBIC (RFC 8312), ``W(t) = C·(t − K)³ + W_max``: concave back to where the
  server pushed back (``W(K) = W_max``), flat near it, convex beyond. A throttling answer to
  a call that started before the last cut does not cut again (one cut per congestion event,
  as TCP halves once per window). There is no fixed floor. Two changes from the SDKs:
  the rate measured at a cut (``W_max``) is that of the calls the server let through (started
  and not throttled) since the previous cut (``let_through``), not the sending rate, so a cut
  lands under the server's limit instead of several in a row; and ``K`` is a number of calls
  (``rate_recovery_calls``, at the rate ``W_max``), not the ``∛(W_max·(1 − β)/C)`` seconds of
  a fixed ``C``. Each climb above the server's rate costs about one throttled call, so the
  share of throttled calls is about one in the calls of a cycle (~2 K); with the SDKs'
  ``C = 0.4``/s³ a cycle at 5 calls/s lasts ~2 s, one throttled call in ten.
* ``ConcurrencyLimit`` is TCP's congestion window applied to calls in flight: slow start
  (+1 per success, doubling per round trip, RFC 5681) until the first congestion signal;
  then, on overload answers (503, 546, 502, 504, time-outs), a cut to ``β ×`` the calls that
  were allowed in flight (``W_max``) and growth along the same CUBIC curve, whose clock counts
  round trips (``concurrency_recovery_rounds`` back to ``W_max``; one round trip per
  ``limit`` answers): it stays a call under the level that overloaded the server for most of
  the cycle instead of probing it every round trip as additive increase does. Like TCP Vegas
  and Netflix's gradient limit, it also backs off when latency rises with concurrency: when
  the mean latency of the last window of calls exceeds ``latency_tolerance ×`` the lowest
  window mean seen (the server is queueing). The limit (and the curve's clock) only moves
  up while the limit is in use (Netflix's AIMD limit does the same).

An explicit ``--concurrency N`` is a fixed limit; an explicit ``--rate N`` starts at N and
never goes above it (throttling still lowers it). Every constant is in ``Policy``.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections import deque

from .policy import Policy


def cubic(w_max: float, beta: float, t: float, k: float) -> float:
    """CUBIC's curve (RFC 8312 §4.1) with ``C = W_max·(1 − β)/K³``: ``β·W_max`` at ``t = 0``, ``W_max`` at ``t = k``.

    ``t`` and ``k`` in the same unit (calls, round trips); the result in the unit of ``w_max``.
    """
    return w_max * (1 - (1 - beta) * (1 - t / k) ** 3)


class RateControl:
    """The calls-per-second target: ``rate`` is None while unlimited, else calls per second."""

    __slots__ = ("policy", "rate", "ceiling", "_w_max", "_cut_at", "_starts", "_refused", "_since_cut", "_idle", "_last",
                 "_first")  # fmt: skip

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.ceiling = policy.rate if policy.rate is not None else policy.max_rate
        self.rate: float | None = policy.rate  #: None: no limit yet (auto, not throttled so far)
        self._w_max = self.ceiling
        self._cut_at = float("-inf")
        self._starts: deque[float] = deque()  #: calls started in the last ``rate_window`` seconds
        self._refused: deque[float] = deque()  #: when the calls throttled in the last ``rate_window`` s started
        self._since_cut = [0, 0]  #: calls started since the last cut, and how many of those were throttled
        self._idle = 0.0  #: seconds without a start since the last cut, beyond ``rate_window`` per gap
        self._last = float("-inf")  #: the last start, or the last cut if later
        self._first: float | None = None

    def started(self, now: float) -> None:
        """Count a call started at ``now`` (monotonic s) into the measured sending rate."""
        self._starts.append(now)
        self._since_cut[0] += 1
        self._idle += max(0.0, now - self._last - self.policy.rate_window)
        self._last = now
        if self._first is None:
            self._first = now
        self._trim(self._starts, now)

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] < now - self.policy.rate_window:
            times.popleft()

    @property
    def _measured(self) -> float:
        """Calls started per second over the last ``rate_window`` seconds (0 before any)."""
        if not self._starts or self._first is None:
            return 0.0
        span = max(min(self.policy.rate_window, self._starts[-1] - self._first), self.policy.rate_window / 4)
        return len(self._starts) / span

    def let_through(self, now: float) -> float:
        """Calls per second the server accepted (started, not throttled): what ``W_max`` is set to at a cut.

        Over the time since the last cut when that is at least ``rate_window``, else (and before
        the first cut) over the last ``rate_window``: a shorter history counts as a whole window. A token bucket is empty at
        each throttling answer, so between two cuts it lets through its refill rate exactly,
        while any window of a second or two also holds what it saved while the rate was below it
        (up to its burst: one second's worth in the sandbox, which once made ``W_max`` 6 to 8
        calls/s for a 5/s server). Gaps without a start count ``rate_window`` each (what the
        bucket saves meanwhile), so a pause, such as a wait for a ``Retry-After``, does not
        read as a slow server.
        """
        started, refused = self._since_cut
        span = now - self._cut_at - self._idle
        if self.policy.rate_window <= span < math.inf:
            return (started - refused) / span
        self._trim(self._starts, now)
        self._trim(self._refused, now)
        return max(0, len(self._starts) - len(self._refused)) / self.policy.rate_window

    def throttled(self, call_started: float, now: float) -> bool:
        """A throttling answer (429) to a call started at ``call_started``; True if the rate was cut."""
        self._refused.append(call_started)
        if call_started < self._cut_at:
            return False
        self._since_cut[1] += 1
        p = self.policy
        base = self.let_through(now) or self._measured  # nothing let through: the sending rate
        if self.rate is not None:
            base = min(base or self.rate, self.rate)
        base = max(base, p.min_rate)
        self._w_max = base
        self._cut_at = now
        self._since_cut = [0, 0]
        self._idle, self._last = 0.0, now
        self.rate = max(base * p.rate_backoff, p.min_rate)
        return True

    def succeeded(self, now: float) -> None:
        """A success at ``now``: grow along the cubic curve (never above twice the measured rate).

        The curve's clock is the calls that would have started since the cut at the rate ``W_max``.
        """
        if self.rate is None:
            return
        p = self.policy
        target = cubic(self._w_max, p.rate_backoff, (now - self._cut_at) * self._w_max, p.rate_recovery_calls)
        if self._measured:
            target = min(target, 2 * self._measured)
        self.rate = min(max(target, self.rate), self.ceiling)


class ConcurrencyLimit:
    """Calls in flight: ``async with limit.slot() as lane`` (``lane``: a connection index below ``ceiling``)."""

    __slots__ = ("policy", "limit", "ceiling", "fixed", "in_flight", "busy", "_lanes", "_waiters", "_slow_start",
                 "_w_max", "_rounds", "_cut_at", "_samples", "_baseline")  # fmt: skip

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
        self._w_max = self.limit  #: calls allowed in flight at the last cut
        self._rounds = 0.0  #: round trips since the last cut (while in use)
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
            if self._slow_start:
                self.limit = min(self.ceiling, self.limit + 1)
            else:
                self._rounds += 1 / self.limit
                grown = cubic(self._w_max, p.concurrency_backoff, self._rounds, p.concurrency_recovery_rounds)
                self.limit = min(self.ceiling, max(self.limit, grown))
            self._wake()

    def overloaded(self, call_started: float, now: float) -> None:
        """An overload answer to a call started at ``call_started``: one cut per congestion event."""
        if not self.fixed and call_started >= self._cut_at:
            self._cut_at = now
            self._cut()

    def _cut(self) -> None:
        self._slow_start = False
        self._w_max = float(max(1, int(self.limit)))  # the calls allowed in flight when it overloaded
        self._rounds = 0.0
        self.limit = max(1.0, self._w_max * self.policy.concurrency_backoff)
        self._samples.clear()
