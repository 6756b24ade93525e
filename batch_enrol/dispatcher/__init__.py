"""Sends every valid row once: the ``Dispatcher`` wires the retry rule, pacing, warm-up and statistics."""

from .core import Dispatcher
from .limits import ConcurrencyLimit, RateControl
from .pacing import Breaker, Pacer, Pacing
from .policy import Policy, policy_from
from .retry import GiveUp, Retry, StopRun, counts, decide
from .stats import RunStats
from .warmup import Job, Warmup

__all__ = [
    "Breaker", "ConcurrencyLimit", "Dispatcher", "GiveUp", "Job", "Pacer", "Pacing", "Policy", "RateControl", "Retry",
    "RunStats", "StopRun", "Warmup", "counts", "decide", "policy_from",
]  # fmt: skip
