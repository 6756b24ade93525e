"""What the sandbox saw and did: its requests, enrolments and positions (tests read these)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RequestRecord:
    started: float  #: time.monotonic() when the request arrived
    ended: float
    email: str
    status: int  #: HTTP status answered (0 for a dropped connection)
    idempotency_key: str
    fault: str = ""
    body: dict | None = field(default=None, compare=False)  #: the JSON request body, as received


@dataclass(slots=True)
class Enrolment:
    email: str
    position_def_set_id: str
    profile_interview_id: str
    interview_def_set_id: str
    interview_url: str
    status: str
    reason: str | None
    count: int = 1  #: how many requests asked for it (1 + repeats answered already-applied)
    candidate_name: str = ""
    created_at: str = ""  #: ISO 8601, UTC
    request: dict = field(default_factory=dict)  #: the JSON body that enrolled the candidate, as it came


@dataclass(slots=True)
class Position:
    id: str
    key: tuple
    interview_def_set_id: str
    name: str


@dataclass
class Ledger:
    """Everything the sandbox saw and did; tests read it (thread-safe snapshots)."""

    requests: list[RequestRecord] = field(default_factory=list)
    enrolments: dict[tuple[str, str], Enrolment] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> tuple[list[RequestRecord], dict[tuple[str, str], Enrolment], dict[str, Position]]:
        with self.lock:
            return list(self.requests), dict(self.enrolments), dict(self.positions)

    def enrolment_for(self, email: str) -> list[Enrolment]:
        with self.lock:
            return [e for (mail, _), e in self.enrolments.items() if mail == email]

    def stats(self) -> dict[str, object]:
        """What a benchmark in another process needs to check the limits held (no personal data)."""
        requests, enrolments, positions = self.snapshot()
        starts = sorted(r.started for r in requests)
        busiest, j = 0, 0
        for i, start in enumerate(starts):
            while starts[j] < start - 1.0:
                j += 1
            busiest = max(busiest, i - j + 1)
        return {
            "requests": len(requests),
            "enrolments": len(enrolments),
            "repeats": sum(e.count - 1 for e in enrolments.values()),
            "positions": len(positions),
            "max_in_flight": self.max_in_flight,
            "max_started_in_1s": busiest,
            "faults": sum(1 for r in requests if r.fault),
            "throttled": sum(1 for r in requests if r.status in (429, 503)),
            "first_started": starts[0] if starts else None,
            "last_ended": max((r.ended for r in requests), default=None),
        }
