"""What the sandbox can be told to do wrong, and the server limits it can enforce."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(kw_only=True)
class Faults:
    """What can go wrong, and how often (rates are probabilities per request)."""

    latency: float = 0.0  #: seconds per call (the AI pre-screening)
    latency_jitter: float = 0.0  #: ± seconds, uniform
    rate_500: float = 0.0
    rate_503: float = 0.0
    rate_546: float = 0.0
    rate_504_after: float = 0.0  #: enrol, then answer 504 (the gateway gave up)
    rate_drop_after: float = 0.0  #: enrol, then drop the connection mid-response
    throttle_above: float | None = None  #: requests per second before 429s
    retry_after: str = "1"  #: the Retry-After header sent with 429 and 503
    token_expires_after: int | None = None  #: calls the primary token is good for
    rate_limit: float | None = None  #: requests per second a token bucket lets through (429 beyond; refused ones cost nothing)
    max_in_flight: int | None = None  #: requests worked on at once; 503 with Retry-After beyond
    capacity: int | None = None  #: requests worked on at full speed; beyond, each call's latency × in flight / capacity
    token_calls: int | None = None  #: calls each token is good for (the primary and each one from ``GET /__sandbox/token``)
    credits: int | None = None  #: enrolments before 402
    position_race: bool = True  #: concurrent creates of one new position each create one
    drop_first_after: bool = False  #: each candidate's first request: enrol, then drop the connection
    seed: int | None = None

    @property
    def fault_rate(self) -> float:
        return self.rate_500 + self.rate_503 + self.rate_546 + self.rate_504_after + self.rate_drop_after

    @classmethod
    def mixed(cls, total: float, **kw: object) -> Faults:
        """``total`` spread evenly over the five fault kinds."""
        share = total / 5
        return cls(
            rate_500=share, rate_503=share, rate_546=share, rate_504_after=share, rate_drop_after=share, **kw
        )  # type: ignore[arg-type]


class Limits:
    """A server's capacity: a token-bucket rate limit (429) and a cap on requests in flight (503)."""

    __slots__ = ("faults", "_tokens", "_when")

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._tokens = max(faults.rate_limit or 0.0, 1.0)  #: the bucket starts full: one second's worth
        self._when = 0.0

    def refuse(self, now: float, in_flight: int) -> tuple[int, str] | None:
        """(status, message) when a request arriving at ``now`` (monotonic s) is over a limit, else None.

        ``in_flight`` counts this request. A refused request takes no token from the bucket.
        """
        faults = self.faults
        if faults.max_in_flight is not None and in_flight > faults.max_in_flight:
            return 503, "Service busy: too many requests in progress"
        if faults.rate_limit is not None:
            rate = faults.rate_limit
            tokens = min(max(rate, 1.0), self._tokens + (now - self._when) * rate) if self._when else self._tokens
            self._when = now
            if tokens < 1.0:
                self._tokens = tokens
                return 429, "Rate limit exceeded"
            self._tokens = tokens - 1.0
        return None

    def latency_factor(self, in_flight: int) -> float:
        """How much slower each call is with ``in_flight`` requests being worked on (``capacity``)."""
        return max(1.0, in_flight / self.faults.capacity) if self.faults.capacity else 1.0
