"""Sends every valid row once: the ``Dispatcher`` wires the retry rule, pacing, warm-up and statistics."""

from .core import Dispatcher
from .pacing import Breaker, Pacer, Pacing, Throttle
from .policy import Policy, policy_from
from .retry import GiveUp, Retry, StopRun, decide
from .stats import RunStats
from .warmup import Job, Warmup

__all__ = [
    "Breaker", "Dispatcher", "GiveUp", "Job", "Pacer", "Pacing", "Policy", "Retry", "RunStats", "StopRun",
    "Throttle", "Warmup", "decide", "policy_from",
]  # fmt: skip
