"""Pacing without HTTP: the pacer's schedule, the throttle's cuts and raises, the breaker, the stats."""

from __future__ import annotations

import asyncio
import time

from batch_enrol.client import CallError
from batch_enrol.dispatcher import Breaker, Pacer, Pacing, Policy, RunStats, Throttle


def paced_starts(rate: float, calls: int, *also) -> tuple[float, list[float]]:
    """When each of ``calls`` concurrent callers got through one Pacer (``also`` runs alongside)."""

    async def go():
        pacer = Pacer(rate)
        starts = []

        async def one():
            async with pacer:
                pass
            starts.append(time.monotonic())

        began = time.monotonic()
        await asyncio.gather(*also, *(one() for _ in range(calls)))
        return began, sorted(starts)

    return asyncio.run(go())


def test_pacer_holds_the_rate_without_losing_time():
    began, starts = paced_starts(200, 201)
    assert 0.99 <= starts[-1] - began <= 1.1  # 200 intervals of 5 ms: late wake-ups do not add up
    for i, t in enumerate(starts):
        assert sum(1 for s in starts[i:] if s < t + 0.5) <= 101  # never more than rate × window + 1


def test_calls_that_wake_late_do_not_crowd_the_next_second():
    async def busy_loop():
        await asyncio.sleep(0.05)
        time.sleep(0.35)  # the event loop is held up: the calls due meanwhile all wake late

    _, starts = paced_starts(10, 25, busy_loop())
    assert max(sum(1 for s in starts if t <= s <= t + 1.0) for t in starts) <= 11  # rate + 1 in any second
    assert starts[-1] - starts[0] <= 2.6  # and no more time lost than that takes


def test_a_429_halves_the_rate_once_per_burst_and_successes_raise_it_back():
    policy = Policy(rate=40, throttle_cut=0.5, throttle_cut_interval=1.0, throttle_raise=1.25, throttle_raise_interval=2.0)
    pacer = Pacer(40)
    throttle = Throttle(pacer, policy)
    throttle.throttled(100.0)
    throttle.throttled(100.5)  # the same burst
    assert pacer.rate == 20
    throttle.succeeded(101.0)  # too soon after the cut
    assert pacer.rate == 20
    throttle.succeeded(102.0)
    assert pacer.rate == 25
    for t in range(104, 120, 2):
        throttle.succeeded(float(t))
    assert pacer.rate == 40  # never above --rate


def test_throttling_never_goes_below_the_floor():
    policy = Policy(rate=64, throttle_floor_divisor=64)
    pacer = Pacer(64)
    throttle = Throttle(pacer, policy)
    for t in range(20):
        throttle.throttled(float(t))
    assert pacer.rate == 1.0


def test_the_breaker_pauses_after_failures_in_a_row_with_a_doubling_cool_down(caplog):
    breaker = Breaker(Policy(breaker_threshold=3, breaker_cooldown=10, breaker_max_cooldown=25, give_up_after=1e9))
    down = CallError("down", status=503)
    for _ in range(3):
        breaker.failed(down, 0.0)
    assert breaker.paused_until == 10.0 and "3 failures in a row (the last: 503: down)" in caplog.text
    for _ in range(3):
        breaker.failed(down, 10.0)
    assert breaker.paused_until == 30.0
    for _ in range(3):
        breaker.failed(down, 30.0)
    assert breaker.paused_until == 55.0  # 20 s would be next, capped at 25
    breaker.failed(CallError("bad", status=422), 60.0)  # a row's own problem is not the server's
    breaker.succeeded(60.0)
    for _ in range(3):
        breaker.failed(down, 60.0)
    assert breaker.paused_until == 70.0  # a success resets the cool-down


def test_the_breaker_gives_up_after_a_drought():
    breaker = Breaker(Policy(give_up_after=60))
    now = time.monotonic()
    assert breaker.failed(CallError("refused"), now + 59) is None
    assert "no successful call for 1 minutes" in breaker.failed(CallError("refused"), now + 61)


def test_the_gate_says_no_once_the_run_stops():
    async def go():
        pacing = Pacing(Policy(rate=1000))
        stop = asyncio.Event()
        assert await pacing.gate(stop)
        pacing.breaker.paused_until = time.monotonic() + 30
        asyncio.get_running_loop().call_later(0.05, stop.set)
        began = time.monotonic()
        assert not await pacing.gate(stop)
        return time.monotonic() - began

    assert asyncio.run(go()) < 1.0  # the pause is cut short by the stop


def test_stats_count_calls_in_flight_and_starts_per_second():
    stats = RunStats()
    with stats.call(), stats.call():
        assert stats.in_flight == 2
    with stats.call():
        pass
    assert (stats.calls, stats.in_flight, stats.max_in_flight, stats.max_started_in_1s) == (3, 0, 2, 3)
