"""Policy: every number the dispatcher's parts use, declared once. All times in seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """How hard to try, and how fast. Defaults are the documented production values.

    Limits: ``concurrency`` calls in flight, ``rate`` calls started per second.
    Retries (``retry.decide``): ``max_attempts`` per row; at most ``max_500_retries`` retries
    of a 500; a wait of full jitter over ``backoff_base × 2^(attempt-1)`` capped at
    ``backoff_cap``; a ``Retry-After`` honoured up to ``retry_after_cap``; a 429 without
    one waits at least ``min_throttle_wait``.
    Throttling (``pacing.Throttle``): a 429 multiplies the rate by ``throttle_cut`` at most
    once per ``throttle_cut_interval``, never below ``rate / throttle_floor_divisor``; each
    success after ``throttle_raise_interval`` multiplies it by ``throttle_raise`` up to ``rate``.
    Circuit breaker (``pacing.Breaker``): ``breaker_threshold`` transport errors or 5xx in a
    row pause all sending for ``breaker_cooldown``, doubling up to ``breaker_max_cooldown``;
    ``give_up_after`` without a success stops the run.
    ``stop_grace``: how long calls in flight may finish after an interrupt.
    """

    concurrency: int = 8
    rate: float = 5.0
    max_attempts: int = 5
    max_500_retries: int = 2
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    min_throttle_wait: float = 5.0
    retry_after_cap: float = 600.0
    throttle_cut: float = 0.5
    throttle_cut_interval: float = 1.0
    throttle_raise: float = 1.25
    throttle_raise_interval: float = 2.0
    throttle_floor_divisor: float = 64.0
    breaker_threshold: int = 20
    breaker_cooldown: float = 15.0
    breaker_max_cooldown: float = 300.0
    give_up_after: float = 30 * 60.0
    stop_grace: float = 60.0


DEFAULT_POLICY = Policy()


def policy_from(settings: Any) -> Policy:
    """The dispatcher's policy for a run's ``Settings`` (the options that shape sending)."""
    return Policy(
        concurrency=settings.concurrency,
        rate=settings.rate,
        max_attempts=settings.max_attempts,
        give_up_after=settings.give_up_after * 60,  # Settings holds minutes; the policy seconds
        backoff_base=settings.backoff_base,
        min_throttle_wait=settings.min_throttle_wait,
    )
