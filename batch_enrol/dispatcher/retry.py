"""The retry rule: one pure function from a failed call to what happens next. All times in seconds.

| answer                                             | ``decide`` returns                                        |
|----------------------------------------------------|-----------------------------------------------------------|
| 401, 402, 403                                      | ``StopRun`` (exit 3): every later row would fail too      |
| a request that cannot be sent as built             | ``StopRun`` (exit 2): never retried as a connection error |
| transport error, 408, 425, 429, 502, 503, 504, 546 | ``Retry`` until ``max_attempts``, then ``GiveUp``         |
| 500                                                | ``Retry`` at most ``max_500_retries`` times, then ``GiveUp`` |
| 400, 404, 409, 413, 422 and any other status       | ``GiveUp`` with the API's message: not retried            |

``attempt`` counts the attempts that ``counts``: a throttling answer (429, or 503 with
``Retry-After``) does not use one up while other rows succeed meanwhile (``progress``), so
throttling never costs a row while the run is moving; with no progress anywhere it counts.

The wait of a ``Retry``: the answer's ``Retry-After`` (capped at ``retry_after_cap``), else
full jitter ``uniform(0, min(backoff_cap, backoff_base × 2^(attempt-1)))``; a 429 without
``Retry-After`` waits at least ``min_throttle_wait``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ..client import CallError
from ..models import ExitCode
from .policy import Policy

TRANSIENT = frozenset({408, 425, 429, 502, 503, 504, 546})
REFUSED = {401: "token was refused", 402: "account has no credits left", 403: "token is not allowed to do this"}


@dataclass(frozen=True, slots=True)
class Retry:
    """Try the same row again after ``after`` seconds."""

    after: float


@dataclass(frozen=True, slots=True)
class GiveUp:
    """The row ends as ``error`` with ``reason``."""

    reason: str


@dataclass(frozen=True, slots=True)
class StopRun:
    """No new row is sent; the run ends with ``exit_code``; ``reason`` says why."""

    reason: str
    exit_code: ExitCode = ExitCode.API_REFUSED


Decision = Retry | GiveUp | StopRun


def retryable(error: CallError) -> bool:
    """Whether another attempt may succeed: transport errors, the transient statuses and 500."""
    if error.unsendable:
        return False
    return error.status is None or error.status in TRANSIENT or error.status == 500


def is_throttle(error: CallError) -> bool:
    """The server asks to slow down: a 429, or a 503 with ``Retry-After``."""
    return error.status == 429 or (error.status == 503 and error.retry_after is not None)


def counts(error: CallError, *, progress: bool) -> bool:
    """Whether a failed attempt uses up one of the row's ``max_attempts``.

    ``progress``: some other call succeeded since the row's previous attempt started (for its
    first attempt: since the row was taken up), so the run is moving.
    """
    return not (progress and is_throttle(error))


def decide(
    error: CallError,
    *,
    attempt: int,
    errors_500: int,
    policy: Policy,
    jitter: Callable[[float, float], float] = random.uniform,
) -> Decision:
    """What to do after ``attempt`` (1-based) failed with ``error``; ``errors_500``: 500s so far for this row.

    ``jitter(low, high)`` draws the backoff (pass ``lambda low, high: high`` for the longest wait).
    """
    if error.status in REFUSED:
        return StopRun(f"the API's {REFUSED[error.status]} ({error.status}: {error.message})")
    if error.unsendable:
        return StopRun(f"{error.message}; no row can be sent", ExitCode.USAGE)
    if not retryable(error):
        return GiveUp(error.message)
    if errors_500 > policy.max_500_retries or attempt >= policy.max_attempts:
        return GiveUp(f"gave up after {attempt} attempt{'s' * (attempt != 1)}: {error}")
    return Retry(wait(error, attempt=attempt, policy=policy, jitter=jitter))


def wait(error: CallError, *, attempt: int, policy: Policy, jitter: Callable[[float, float], float] = random.uniform) -> float:
    """Seconds before the next attempt of a row whose ``attempt`` (1-based) failed with ``error``."""
    if error.retry_after is not None:
        return min(error.retry_after, policy.retry_after_cap)
    seconds = jitter(0.0, min(policy.backoff_cap, policy.backoff_base * 2 ** (attempt - 1)))
    if error.status == 429:
        seconds = max(seconds, policy.min_throttle_wait)
    return seconds
