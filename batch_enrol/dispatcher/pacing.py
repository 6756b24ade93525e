"""Pacing: the rate limiter, the adaptive limits and the circuit breaker together. All times in seconds.

Every number comes from one ``Policy``. ``Pacing.gate`` is what a call waits on before it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator

from ..client import CallError
from .limits import ConcurrencyLimit, RateControl
from .policy import Policy
from .retry import is_throttle

OVERLOAD = frozenset({502, 503, 504, 546})  #: answers that say the server has too much in flight

log = logging.getLogger("batch_enrol")


async def sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less if ``stop`` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


class Pacer:
    """At most one call started every 1/``rate`` seconds, on an absolute schedule: ``async with pacer:``.

    ``rate`` is in calls per second (> 0). Callers queue in order; one timer lets the first
    through at each slot. A leaky bucket (aiolimiter's ``AsyncLimiter(1, 1/rate)``) holds the
    same limit, but it times each start from the previous *actual* start, so every late wake-up
    of the event loop is lost for good (94 % of the rate in the benchmark); here the next slot
    is one interval after the previous *slot*, so lateness never accumulates. A change of rate
    (``set_rate``) moves the next slot at once, whoever is waiting.

    A schedule alone would let calls that woke late crowd into the next second with those
    that woke on time (the benchmark once saw 42 starts in a second at a rate of 40), so the
    last rate + 1 actual starts are kept as well: a call waits until no one-second window
    would hold more than rate + 1 starts.
    """

    __slots__ = ("interval", "_next", "_starts", "_waiters", "_timer")

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._starts: deque[float] = deque(maxlen=int(rate) + 1)
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def rate(self) -> float:
        """Calls per second."""
        return 1.0 / self.interval

    def set_rate(self, rate: float) -> None:
        """Change the limit (calls per second, > 0), from the next slot on."""
        self.interval = 1.0 / rate
        self._starts = deque(self._starts, maxlen=int(rate) + 1)
        self._next = (self._starts[-1] if self._starts else time.monotonic()) + self.interval
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._arm()

    async def wait(self) -> None:
        """Return when the next call may start."""
        now = time.monotonic()
        if not self._waiters and now >= self._due():
            self._next = max(self._next, now) + self.interval
            self._starts.append(now)
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._arm()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def _due(self) -> float:
        starts = self._starts
        if len(starts) == starts.maxlen:
            return max(self._next, starts[0] + 1.001)
        return self._next

    def _arm(self) -> None:
        if self._timer is None and self._waiters:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(loop.time() + max(0.0, self._due() - time.monotonic()), self._fire)

    def _fire(self) -> None:
        self._timer = None
        while self._waiters and self._waiters[0].done():
            self._waiters.popleft()
        now = time.monotonic()
        if self._waiters and now >= self._due():
            self._waiters.popleft().set_result(None)
            self._next = max(self._next, now - 1.0) + self.interval
            self._starts.append(now)
        self._arm()

    async def __aenter__(self) -> None:
        await self.wait()

    async def __aexit__(self, *exc: object) -> None:
        return None


class Breaker:
    """The circuit breaker: pauses all sending after failures in a row; gives up after a long drought.

    ``policy.breaker_threshold`` transport errors or 5xx in a row pause sending until
    ``paused_until`` (monotonic seconds) for ``breaker_cooldown``, doubling up to
    ``breaker_max_cooldown``; a success resets both. A 503 with ``Retry-After`` is not counted:
    it is the server's own flow control, which the retry rule and the limits honour (counted,
    64 calls in flight against a server that takes 12 paused all sending for 15 s after every
    burst: one benchmark run took minutes instead of 40 s). ``failed`` returns a stop reason
    once no call has succeeded for ``policy.give_up_after``.
    """

    __slots__ = ("policy", "paused_until", "_in_a_row", "_cooldown", "last_success")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.paused_until = 0.0
        self._in_a_row = 0
        self._cooldown = policy.breaker_cooldown
        self.last_success = time.monotonic()  #: monotonic s of the last success (or of the start)

    def failed(self, error: CallError, now: float) -> str | None:
        """Note a failure; a reason to stop the run, or None."""
        if (error.status is None or error.status >= 500) and not is_throttle(error):
            self._in_a_row += 1
            if self._in_a_row >= self.policy.breaker_threshold:
                log.warning("%d failures in a row (the last: %s): pausing all sending for %.0f s",
                            self._in_a_row, error, self._cooldown)  # fmt: skip
                self.paused_until = max(self.paused_until, now + self._cooldown)
                self._cooldown = min(self._cooldown * 2, self.policy.breaker_max_cooldown)
                self._in_a_row = 0
        if now - self.last_success > self.policy.give_up_after:
            return f"no successful call for {self.policy.give_up_after / 60:g} minutes; the API seems down"
        return None

    def succeeded(self, now: float) -> None:
        self.last_success = now
        self._in_a_row = 0
        self._cooldown = self.policy.breaker_cooldown


class Pacing:
    """The limits, the pacer and the breaker together: what a call passes before it starts.

    ``async with pacing.slot(stop) as lane:`` waits for a slot in flight, then for a start
    slot outside any breaker pause; ``lane`` is None if ``stop`` was set meanwhile.
    """

    __slots__ = ("limit", "rates", "pacer", "breaker")

    def __init__(self, policy: Policy) -> None:
        self.limit = ConcurrencyLimit(policy)
        self.rates = RateControl(policy)
        self.pacer = Pacer(self.rates.rate or policy.max_rate)
        self.breaker = Breaker(policy)

    @property
    def rate(self) -> float | None:
        """Calls per second allowed now (None: not limited)."""
        return self.rates.rate

    @contextlib.asynccontextmanager
    async def slot(self, stop: asyncio.Event) -> AsyncIterator[int | None]:
        lane = await self.limit.acquire()
        calling = False
        try:
            calling = await self.gate(stop)
            self.limit.busy += calling
            yield lane if calling else None
        finally:
            self.limit.busy -= calling
            self.limit.release(lane)

    async def gate(self, stop: asyncio.Event) -> bool:
        """Wait for a start slot outside any pause: True to go ahead, False if ``stop`` was set meanwhile."""
        while not stop.is_set():
            pause = self.breaker.paused_until - time.monotonic()
            if pause > 0:
                await sleep_unless(stop, pause)
                continue
            if self.rates.rate is not None:
                await self.pacer.wait()
            if stop.is_set():
                return False
            now = time.monotonic()
            if now >= self.breaker.paused_until:
                self.rates.started(now)
                return True
        return False

    def failed(self, error: CallError, started: float) -> str | None:
        """Note a failed call that started at ``started`` (monotonic s); a reason to stop the run, or None."""
        now = time.monotonic()
        if error.status == 429:
            if self.rates.throttled(started, now):
                self._pace()
        elif error.status in OVERLOAD or (error.status is None and error.reached_server):
            self.limit.overloaded(started, now)
        return self.breaker.failed(error, now)

    def succeeded(self, started: float) -> None:
        """Note a call that started at ``started`` and succeeded now."""
        now = time.monotonic()
        self.breaker.succeeded(now)
        self.limit.succeeded(now - started)
        self.rates.succeeded(now)
        self._pace()

    def _pace(self) -> None:
        rate = self.rates.rate
        if rate is not None and abs(rate - self.pacer.rate) > 0.01 * self.pacer.rate:
            self.pacer.set_rate(rate)
