"""Policy: every number the dispatcher's parts use, declared once. All times in seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """How hard to try, and how fast. Defaults are the documented production values.

    Limits (``limits``): ``concurrency`` calls in flight (None: adaptive, from
    ``concurrency_start`` up to ``max_concurrency``; a number: fixed); ``rate`` calls started per
    second (None: adaptive, unlimited until the server throttles, at most ``max_rate``; a number:
    at most that). Adaptation (``limits``): ``concurrency_backoff`` (β of the window's cut),
    ``concurrency_recovery_rounds`` (round trips back to the window that overloaded: CUBIC's K),
    ``latency_tolerance`` (× the lowest mean latency of a ``latency_window`` of calls before
    backing off), ``rate_backoff`` (β of the rate's cut), ``rate_recovery_calls`` (calls back
    to the rate that was throttled: CUBIC's K; about one throttled call per 2 K), ``rate_window``
    (the seconds over which the sending rate is measured), ``min_rate`` (only to avoid a zero).
    Retries (``retry.decide``): ``max_attempts`` per row; at most ``max_500_retries`` retries
    of a 500; a wait of full jitter over ``backoff_base × 2^(attempt-1)`` capped at
    ``backoff_cap``; a ``Retry-After`` honoured up to ``retry_after_cap``; a 429 without
    one waits at least ``min_throttle_wait``.
    Circuit breaker (``pacing.Breaker``): ``breaker_threshold`` transport errors or 5xx (not a
    503 with ``Retry-After``) in a row pause all sending for ``breaker_cooldown``, doubling up to ``breaker_max_cooldown``;
    ``give_up_after`` without a success stops the run. ``wrong_address_after`` failures of the
    same kind before any success (404 "no such function", no connection) stop it at once.
    ``stop_grace``: how long calls in flight may finish after an interrupt.
    """

    concurrency: int | None = None
    max_concurrency: int = 64
    concurrency_start: int = 4
    concurrency_backoff: float = 0.9
    concurrency_recovery_rounds: float = 10.0
    latency_tolerance: float = 2.0
    latency_window: int = 16
    rate: float | None = None
    max_rate: float = 100.0
    min_rate: float = 1 / 600
    rate_backoff: float = 0.7
    rate_recovery_calls: float = 20.0
    rate_window: float = 1.0
    max_attempts: int = 5
    max_500_retries: int = 2
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    min_throttle_wait: float = 5.0
    retry_after_cap: float = 600.0
    breaker_threshold: int = 20
    breaker_cooldown: float = 15.0
    breaker_max_cooldown: float = 300.0
    give_up_after: float = 30 * 60.0
    wrong_address_after: int = 3
    stop_grace: float = 60.0

    @property
    def expected_rate(self) -> float:
        """A rough calls-per-second guess for estimates: the limits at the platform's ~5 s a call."""
        return min(self.rate or self.max_rate, self.workers / 5.0)

    @property
    def workers(self) -> int:
        """The most calls that can ever be in flight (one connection lane each)."""
        return self.concurrency or self.max_concurrency


DEFAULT_POLICY = Policy()


def policy_from(settings: Any) -> Policy:
    """The dispatcher's policy for a run's ``Settings`` (the options that shape sending)."""
    return Policy(
        concurrency=None if settings.concurrency == "auto" else settings.concurrency,
        max_concurrency=settings.max_concurrency,
        rate=None if settings.rate == "auto" else settings.rate,
        max_rate=settings.max_rate,
        max_attempts=settings.max_attempts,
        give_up_after=settings.give_up_after * 60,  # Settings holds minutes; the policy seconds
        backoff_base=settings.backoff_base,
        min_throttle_wait=settings.min_throttle_wait,
    )
