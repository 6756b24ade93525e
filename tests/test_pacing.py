"""Pacing without HTTP: the pacer's schedule, the throttle's cuts and raises, the breaker, the stats."""

from __future__ import annotations

import asyncio
import time

from batch_enrol.client import CallError
from batch_enrol.dispatcher import Breaker, ConcurrencyLimit, Pacer, Pacing, Policy, RateControl, RunStats


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
    began, starts = paced_starts(200, 401)
    assert 1.99 <= starts[-1] - began <= 2.2  # 400 intervals of 5 ms: late wake-ups do not add up
    for i, t in enumerate(starts):
        assert sum(1 for s in starts[i:] if s < t + 1.0) <= 201  # the documented bound: rate + 1 in any second


def test_calls_that_wake_late_do_not_crowd_the_next_second():
    async def busy_loop():
        await asyncio.sleep(0.05)
        time.sleep(0.35)  # the event loop is held up: the calls due meanwhile all wake late

    _, starts = paced_starts(10, 25, busy_loop())
    assert max(sum(1 for s in starts if t <= s <= t + 1.0) for t in starts) <= 11  # rate + 1 in any second
    assert starts[-1] - starts[0] <= 2.6  # and no more time lost than that takes


def measured(rates: RateControl, per_second: float, seconds: float, start: float = 0.0) -> float:
    """Feed ``rates`` calls started at ``per_second`` for ``seconds``; return the time reached."""
    n = int(per_second * seconds)
    for i in range(n):
        rates.started(start + i / per_second)
    return start + n / per_second


def test_auto_rate_is_unlimited_until_throttled_then_cut_to_beta_times_the_measured_rate():
    rates = RateControl(Policy(rate=None, rate_backoff=0.7))
    now = measured(rates, 30, 10)
    assert rates.rate is None
    assert rates.throttled(now - 0.1, now)
    assert 0.7 * 28 <= rates.rate <= 0.7 * 31.5


def test_a_throttled_call_started_before_the_last_cut_does_not_cut_again():
    rates = RateControl(Policy(rate=None))
    now = measured(rates, 20, 10)
    assert rates.throttled(now - 0.5, now)
    cut = rates.rate
    assert not rates.throttled(now - 0.2, now + 0.1)  # in flight when the rate was cut
    assert rates.rate == cut
    assert rates.throttled(now + 0.3, now + 0.4)  # started after: a new congestion event


def test_the_rate_grows_back_along_the_cubic_curve_to_where_it_was_cut_then_beyond():
    rates = RateControl(Policy(rate=None, rate_backoff=0.7, rate_recovery_calls=20))
    now = measured(rates, 20, 10)
    rates.throttled(now, now)
    w_max = rates.rate / 0.7
    k = 20 / w_max  # K is 20 calls at the rate W_max
    measured(rates, 20, 3 * k, now)
    rates.succeeded(now + k / 2)
    assert w_max * 0.9 < rates.rate < w_max  # concave: most of the way back in half the time
    rates.succeeded(now + k)
    assert abs(rates.rate - w_max) < 0.01 * w_max
    rates.succeeded(now + 2 * k)
    assert rates.rate > w_max * 1.25  # then probing beyond


def test_the_climb_back_takes_as_many_calls_at_any_rate():
    """One climb above the server's rate per cycle: a cycle of as many calls at 5/s as at 50/s."""
    back = {}
    for rate in (5, 50):
        rates = RateControl(Policy(rate=None, rate_recovery_calls=20))
        now = measured(rates, rate, 10)
        rates.throttled(now, now)
        w_max = rates.rate / 0.7
        measured(rates, rate, 10, now)
        seconds = next(t / 100 for t in range(1, 10_000) if (rates.succeeded(now + t / 100) or rates.rate) >= 0.99 * w_max)
        back[rate] = seconds * w_max
    assert 12 <= back[5] <= 20 and abs(back[5] - back[50]) <= 1  # calls back to 99 % of W_max: ~2K/3 at any rate


def test_the_first_cut_does_not_take_a_short_burst_for_a_rate():
    rates = RateControl(Policy(rate=None, rate_window=1.0, rate_backoff=0.7))
    for i in range(6):
        rates.started(100 + i * 0.04)  # 6 calls in 0.2 s: a server's first-second burst
    assert rates.throttled(100.2, 100.2)
    assert abs(rates.rate - 0.7 * 5) < 1e-9  # 5 let through counts as 5 in a second, not 25/s


def test_w_max_is_what_the_server_let_through_since_the_last_cut_not_its_last_burst():
    rates = RateControl(Policy(rate=None, rate_window=1.0, rate_backoff=0.7))
    now = measured(rates, 20, 10)
    rates.throttled(now, now)
    now = measured(rates, 3, 9, now + 0.01)  # the server saves up its burst meanwhile ...
    now = measured(rates, 10, 1, now)  # ... and lets 10 through in the last second
    assert rates.throttled(now, now)
    assert 0.7 * 3.4 <= rates.rate <= 0.7 * 3.8  # (27 + 10 - 1) / 10 s: not 10 calls/s


def test_a_pause_in_sending_does_not_read_as_a_slow_server():
    rates = RateControl(Policy(rate=None, rate_window=1.0, rate_backoff=0.7))
    now = measured(rates, 20, 10)
    rates.throttled(now, now)
    now = measured(rates, 5, 2, now + 0.01)
    now = measured(rates, 5, 2, now + 30)  # 30 s without a call (a Retry-After, a paused run)
    assert rates.throttled(now, now)
    assert 0.7 * 3.5 <= rates.rate <= 0.7 * 5  # 19 let through in 4 s of sending and 1 s of pause


def test_there_is_no_fixed_floor_and_an_explicit_rate_is_a_ceiling():
    rates = RateControl(Policy(rate=64))
    assert rates.rate == 64
    for second in range(20):
        rates.throttled(float(second), float(second))
    assert rates.rate < 64 / 64  # the old floor was --rate / 64
    rates.succeeded(1e6)
    assert rates.rate == 64  # never above the number given


def successes(limit: ConcurrencyLimit, rounds: float, latency: float = 0.2) -> None:
    """Answer ``rounds`` round trips of calls, with the limit in use."""
    done = 0.0
    while done < rounds:
        limit.busy = int(limit.limit)
        limit.succeeded(latency)
        done += 1 / limit.limit


def test_concurrency_starts_gently_and_doubles_per_round_trip_until_overload():
    limit = ConcurrencyLimit(Policy(concurrency=None, concurrency_start=4, max_concurrency=64))
    assert limit.limit == 4
    limit.busy = 4
    for _ in range(4):
        limit.succeeded(0.2)
    assert limit.limit == 8  # slow start: +1 per success
    limit.overloaded(call_started=1.0, now=1.2)
    assert abs(limit.limit - 7.2) < 1e-9  # × 0.9 of the 8 allowed in flight
    limit.overloaded(call_started=1.1, now=1.3)  # in flight at the cut: the same congestion event
    assert abs(limit.limit - 7.2) < 1e-9


def test_after_an_overload_the_limit_stays_a_call_under_it_for_most_of_the_cycle():
    limit = ConcurrencyLimit(Policy(concurrency=None, concurrency_start=13, concurrency_recovery_rounds=10))
    limit.overloaded(call_started=0.0, now=0.1)  # 13 in flight was too many
    successes(limit, 1)
    assert int(limit.limit) == 12  # back to the last safe level within a round trip
    successes(limit, 8)
    assert int(limit.limit) == 12  # and no probe of 13 every round trip (additive increase would)
    successes(limit, 2)
    assert int(limit.limit) == 13  # after K round trips it probes again
    successes(limit, 10)
    assert limit.limit > 14  # and beyond, faster and faster


def test_the_limit_does_not_grow_while_it_is_not_in_use():
    limit = ConcurrencyLimit(Policy(concurrency=None, concurrency_start=8))
    limit.overloaded(call_started=0.0, now=0.1)
    cut = limit.limit
    limit.busy = 2
    for _ in range(500):
        limit.succeeded(0.2)
    assert limit.limit == cut
    successes(limit, 1)
    assert limit.limit > cut  # the curve's clock starts when the limit is used again


def test_concurrency_backs_off_when_latency_climbs_with_it():
    limit = ConcurrencyLimit(Policy(concurrency=None, concurrency_start=20, latency_window=16, latency_tolerance=2.0))
    limit.busy = 20
    for _ in range(20):
        limit.succeeded(0.2)
    grown = limit.limit
    for _ in range(int(grown) + 1):
        limit.succeeded(0.5)  # the server is queueing
    assert limit.limit < grown


def test_an_explicit_concurrency_is_fixed():
    limit = ConcurrencyLimit(Policy(concurrency=8))
    limit.overloaded(0.0, 0.0)
    limit.busy = 8
    limit.succeeded(0.1)
    assert limit.limit == 8


def test_slots_wait_at_the_limit_and_reuse_the_lowest_lane():
    async def go():
        limit = ConcurrencyLimit(Policy(concurrency=2))
        a, b = await limit.acquire(), await limit.acquire()
        third = asyncio.create_task(limit.acquire())
        await asyncio.sleep(0.01)
        assert not third.done()
        limit.release(a)
        return a, b, await third

    assert asyncio.run(go()) == (0, 1, 0)


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


def test_the_breaker_leaves_a_busy_server_that_says_when_to_come_back_to_the_limits():
    breaker = Breaker(Policy(breaker_threshold=3, give_up_after=60))
    now = time.monotonic()
    for _ in range(10):
        assert breaker.failed(CallError("busy", status=503, retry_after=1.0), now) is None
    assert breaker.paused_until == 0.0  # a 503 with Retry-After is flow control, not an outage
    assert "no successful call" in breaker.failed(CallError("busy", status=503, retry_after=1.0), now + 61)


def test_the_breaker_gives_up_after_a_drought():
    breaker = Breaker(Policy(give_up_after=60))
    now = time.monotonic()
    assert breaker.failed(CallError("refused"), now + 59) is None
    assert breaker.failed(CallError("refused"), now + 61) == "no successful call for 1 minute: every call failed (refused)"


def test_a_drought_says_what_the_api_answered_instead():
    now = time.monotonic()
    throttled = Breaker(Policy(give_up_after=60))
    for t in range(0, 130, 10):
        reason = throttled.failed(CallError("Too many requests", status=429, retry_after=1.0), now + t)
    assert reason == "no successful call for 2 minutes: the API answered every call with 429 (throttling)"
    mixed = Breaker(Policy(give_up_after=600))
    for error in [CallError("x", status=503)] * 2 + [CallError("no response in time (ReadTimeout)")]:
        reason = mixed.failed(error, now + 3600 * 3)
    assert reason == "no successful call for 3 hours (the answers: 503 ×2, no response in time (ReadTimeout) ×1); the API seems down"
    mixed.succeeded(now + 3600 * 3)  # a success forgets the failures before it
    assert mixed.failed(CallError("x", status=429), now + 3600 * 4) == "no successful call for 60 minutes: the API answered every call with 429 (throttling)"


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


def test_durations_read_as_words_whatever_the_server_asked():
    from batch_enrol.dispatcher.waits import duration

    assert [duration(s) for s in (0.44, 45, 61, 3600, 7300, 99999999, float("inf"))] == [
        "0.4 s", "45 s", "1 minute", "60 minutes", "2 hours", "1157 days", "forever"]  # fmt: skip
