"""The retry rule as a table: each answer → retry after N s, give up, or stop the run (no HTTP)."""

from __future__ import annotations

import pytest

from batch_enrol.client import CallError
from batch_enrol.dispatcher import GiveUp, Policy, Retry, StopRun, decide
from batch_enrol.dispatcher.retry import wait
from batch_enrol.models import ExitCode

POLICY = Policy(max_attempts=5, backoff_base=1.0, backoff_cap=60.0, min_throttle_wait=5.0, retry_after_cap=600.0)
LONGEST = lambda low, high: high  # noqa: E731  the top of the jitter range


def rule(status: int | None, *, attempt: int = 1, errors_500: int = 0, retry_after: float | None = None):
    error = CallError("the message", status=status, field="candidate_email" if status == 422 else "", retry_after=retry_after)
    return decide(error, attempt=attempt, errors_500=errors_500, policy=POLICY, jitter=LONGEST)


@pytest.mark.parametrize("status", [None, 408, 425, 429, 502, 503, 504, 546])
def test_transient_failures_are_retried_until_max_attempts(status):
    assert isinstance(rule(status, attempt=4), Retry)
    assert rule(status, attempt=5) == GiveUp(f"gave up after 5 attempts: {CallError('the message', status=status)}")


def test_500_is_retried_at_most_twice_whatever_max_attempts_says():
    assert isinstance(rule(500, attempt=2, errors_500=2), Retry)
    assert rule(500, attempt=3, errors_500=3) == GiveUp("gave up after 3 attempts: 500: the message")


@pytest.mark.parametrize("status", [400, 404, 409, 413, 422, 418])
def test_other_answers_are_not_retried_and_keep_the_apis_message(status):
    assert rule(status) == GiveUp("the message")


@pytest.mark.parametrize("status, says", [(401, "token was refused"), (402, "no credits left"), (403, "not allowed")])
def test_refusals_stop_the_run_with_exit_3(status, says):
    decision = rule(status)
    assert isinstance(decision, StopRun) and decision.exit_code == ExitCode.API_REFUSED
    assert says in decision.reason and f"({status}: the message)" in decision.reason


def test_backoff_is_full_jitter_over_a_doubling_capped_ceiling():
    ceilings = [wait(CallError("x", status=503), attempt=n, policy=POLICY, jitter=LONGEST) for n in range(1, 9)]
    assert ceilings == [1, 2, 4, 8, 16, 32, 60, 60]
    lows = {wait(CallError("x", status=503), attempt=3, policy=POLICY, jitter=lambda low, high: low)}
    assert lows == {0.0}


def test_retry_after_is_honoured_up_to_its_cap_and_a_bare_429_waits_at_least_5_s():
    assert rule(503, retry_after=7.5) == Retry(7.5)
    assert rule(429, retry_after=0.5) == Retry(0.5)
    assert rule(503, retry_after=3600) == Retry(600.0)
    assert rule(429) == Retry(5.0)  # the jitter's ceiling at attempt 1 is 1 s
