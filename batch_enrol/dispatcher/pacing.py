"""Pacing: the rate limiter, its adaptation to throttling, and the circuit breaker. All times in seconds.

Every number comes from one ``Policy``. ``Pacing.gate`` is what a call waits on before it starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from ..client import CallError
from .policy import Policy

log = logging.getLogger("batch_enrol")


async def sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less if ``stop`` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


class Pacer:
    """At most one call started every 1/``rate`` seconds, on an absolute schedule: ``async with pacer:``.

    ``rate`` is in calls per second (> 0). A leaky bucket of capacity one (aiolimiter's
    ``AsyncLimiter(1, 1/rate)``) holds the same limit, but it times each start from the
    previous *actual* start, so every late wake-up of the event loop is lost for good: it
    reached 94 % of the rate in the benchmark. Here each caller reserves the next slot
    before it sleeps, so lateness never accumulates.

    A schedule alone would let calls that woke late crowd into the next second with those
    that woke on time (the benchmark once saw 42 starts in a second at a rate of 40), so the
    last rate + 1 actual starts are kept as well: a call waits until no one-second window
    would hold more than rate + 1 starts.
    """

    __slots__ = ("interval", "_next", "_starts")

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._starts: deque[float] = deque(maxlen=int(rate) + 1)

    @property
    def rate(self) -> float:
        """Calls per second."""
        return 1.0 / self.interval

    def set_rate(self, rate: float) -> None:
        """Change the limit (calls per second, > 0) for every later start."""
        self.interval = 1.0 / rate
        self._starts = deque(self._starts, maxlen=int(rate) + 1)

    async def wait(self) -> None:
        """Return when the next call may start."""
        now = time.monotonic()
        slot = max(self._next, now)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        starts = self._starts
        while len(starts) == starts.maxlen and (late := starts[0] + 1.0 - time.monotonic()) >= 0:
            await asyncio.sleep(late + 0.001)
        starts.append(time.monotonic())

    async def __aenter__(self) -> None:
        await self.wait()

    async def __aexit__(self, *exc: object) -> None:
        return None


class Throttle:
    """Lowers a Pacer's rate on 429 and raises it back on success (multiplicative both ways).

    A 429 cuts the rate by ``policy.throttle_cut`` (one cut per ``throttle_cut_interval``, so a
    burst of 429s counts once), never below ``policy.rate / throttle_floor_divisor``; a success
    at least ``throttle_raise_interval`` after the last change multiplies it by ``throttle_raise``,
    up to ``policy.rate``.
    """

    __slots__ = ("pacer", "policy", "_changed")

    def __init__(self, pacer: Pacer, policy: Policy) -> None:
        self.pacer = pacer
        self.policy = policy
        self._changed = float("-inf")

    def throttled(self, now: float) -> None:
        if now - self._changed >= self.policy.throttle_cut_interval:
            floor = self.policy.rate / self.policy.throttle_floor_divisor
            self._set(max(self.pacer.rate * self.policy.throttle_cut, floor), now)

    def succeeded(self, now: float) -> None:
        rate = self.pacer.rate
        if rate < self.policy.rate and now - self._changed >= self.policy.throttle_raise_interval:
            self._set(min(self.policy.rate, rate * self.policy.throttle_raise), now)

    def _set(self, rate: float, now: float) -> None:
        self.pacer.set_rate(rate)
        self._changed = now


class Breaker:
    """The circuit breaker: pauses all sending after failures in a row; gives up after a long drought.

    ``policy.breaker_threshold`` transport errors or 5xx in a row pause sending until
    ``paused_until`` (monotonic seconds) for ``breaker_cooldown``, doubling up to
    ``breaker_max_cooldown``; a success resets both. ``failed`` returns a stop reason once no
    call has succeeded for ``policy.give_up_after``.
    """

    __slots__ = ("policy", "paused_until", "_in_a_row", "_cooldown", "_last_success")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.paused_until = 0.0
        self._in_a_row = 0
        self._cooldown = policy.breaker_cooldown
        self._last_success = time.monotonic()

    def failed(self, error: CallError, now: float) -> str | None:
        """Note a failure; a reason to stop the run, or None."""
        if error.status is None or error.status >= 500:
            self._in_a_row += 1
            if self._in_a_row >= self.policy.breaker_threshold:
                log.warning("%d failures in a row (the last: %s): pausing all sending for %.0f s",
                            self._in_a_row, error, self._cooldown)  # fmt: skip
                self.paused_until = max(self.paused_until, now + self._cooldown)
                self._cooldown = min(self._cooldown * 2, self.policy.breaker_max_cooldown)
                self._in_a_row = 0
        if now - self._last_success > self.policy.give_up_after:
            return f"no successful call for {self.policy.give_up_after / 60:g} minutes; the API seems down"
        return None

    def succeeded(self, now: float) -> None:
        self._last_success = now
        self._in_a_row = 0
        self._cooldown = self.policy.breaker_cooldown


class Pacing:
    """The rate limiter, the throttle and the breaker together, as a call's one gate."""

    __slots__ = ("pacer", "throttle", "breaker")

    def __init__(self, policy: Policy) -> None:
        self.pacer = Pacer(policy.rate)
        self.throttle = Throttle(self.pacer, policy)
        self.breaker = Breaker(policy)

    async def gate(self, stop: asyncio.Event) -> bool:
        """Wait for a start slot outside any pause: True to go ahead, False if ``stop`` was set meanwhile."""
        while not stop.is_set():
            pause = self.breaker.paused_until - time.monotonic()
            if pause > 0:
                await sleep_unless(stop, pause)
                continue
            await self.pacer.wait()
            if stop.is_set():
                return False
            if time.monotonic() >= self.breaker.paused_until:
                return True
        return False

    def failed(self, error: CallError) -> str | None:
        """Note a failed call; a reason to stop the run, or None."""
        now = time.monotonic()
        if error.status == 429:
            self.throttle.throttled(now)
        return self.breaker.failed(error, now)

    def succeeded(self) -> None:
        now = time.monotonic()
        self.breaker.succeeded(now)
        self.throttle.succeeded(now)
