"""The sandbox's ``GET /merchant-result-list``: interview results that progress, deterministically.

Every enrolment has one result row. Until its interview is completed the row is the
pre-screening step (``coach_status`` ``not_started``, no score; ``decision_status``
``rejected`` for a candidate rejected at pre-screening, whose interview never completes,
else ``undecided``); ``Results.complete``
(or ``POST /__sandbox/complete-interviews``, or ``Sandbox(complete_interviews=True)``)
completes interviews: ``coach_status`` ``completed``, a score from 0 to 100 and a
``decision_status`` (``selected`` at 60 or more, else ``rejected``), all derived from the
candidate's email and position, so the same sandbox state always gives the same results.

Query parameters follow the contract: ``profile_interview_id``, ``interview_id`` (the
enrolment's ``interview_def_set_id``), ``step``, ``filter_text``, ``order_by``, ``limit``
(1-1000, default 50) and ``offset``; a malformed one is answered 422 like the platform.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

RESULT_LIST = "/merchant-result-list"
STEPS = ("pre-screening", "interview")
ORDERS = ("score", "created_at_newest", "created_at_oldest", "updated_at_newest")
REJECTS = ("ai_reject", "recruiter_reject")


class QueryError(ValueError):
    """A query parameter the platform would refuse: ``name`` is the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True, slots=True)
class Completion:
    """What a completed interview left: fixed once written."""

    coach_status: str
    score: float
    decision_status: str
    interview_result_id: str
    updated_at: str


def _digest(*parts: str) -> int:
    return int(hashlib.sha256("\x1f".join(parts).encode()).hexdigest(), 16)


def completion_for(email: str, position_id: str, profile_interview_id: str, coach_status: str = "completed") -> Completion:
    """The deterministic result of one candidate's interview."""
    score = float(_digest(email, position_id) % 101)
    return Completion(
        coach_status=coach_status,
        score=score,
        decision_status="selected" if score >= 60 else "rejected",
        interview_result_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"result/{profile_interview_id}")),
        updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _uuid(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise QueryError(name, f"{name} must be a UUID") from None


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(name, f"{name} must be an integer") from None
    if value < low or (high is not None and value > high):
        raise QueryError(name, f"{name} must be between {low} and {high}" if high else f"{name} must be at least {low}")
    return value


def result_row(enrolment, completion: Completion | None) -> dict[str, object]:
    """One ``data`` item of the response for an enrolment (``app.Enrolment``)."""
    rejected = enrolment.status in REJECTS
    row: dict[str, object] = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"position-result/{enrolment.profile_interview_id}")),
        "interview_result_id": None,
        "interview_result_pre_screening_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"pre/{enrolment.profile_interview_id}")),
        "profile_interview_id": enrolment.profile_interview_id,
        "definition_id": enrolment.interview_def_set_id,
        "candidate_name": enrolment.candidate_name,
        "candidate_email": enrolment.email,
        "position_step": "pre-screening",
        "type": "interview",
        "status": enrolment.status,
        "coach_status": "not_started",
        "decision_status": "rejected" if rejected else "undecided",
        "interview_started": False,
        "is_test": True,
        "score": None,
        "processing_status": "done",
        "created_at": enrolment.created_at,
        "updated_at": enrolment.created_at,
    }
    if completion is not None:
        row.update(
            interview_result_id=completion.interview_result_id,
            position_step="interview",
            coach_status=completion.coach_status,
            decision_status=completion.decision_status,
            interview_started=True,
            score=completion.score,
            updated_at=completion.updated_at,
        )
    return row


def answer(params: Mapping[str, str], rows: Iterable[dict[str, object]]) -> dict[str, object]:
    """The response body for one query over every result row. Raises QueryError."""
    profile = _uuid(params, "profile_interview_id")
    interview = _uuid(params, "interview_id")
    limit = _int(params, "limit", 50, 1, 1000)
    offset = _int(params, "offset", 0, 0, None)
    step = params.get("step") or None
    if step is not None and step not in STEPS:
        raise QueryError("step", f"step must be one of: {', '.join(STEPS)}")
    order = params.get("order_by") or "created_at_newest"
    if order not in ORDERS:
        raise QueryError("order_by", f"order_by must be one of: {', '.join(ORDERS)}")
    text = (params.get("filter_text") or "").casefold()
    selected = [
        r for r in rows
        if (profile is None or r["profile_interview_id"] == profile)
        and (interview is None or r["definition_id"] == interview)
        and (step is None or r["position_step"] == step)
        and (not text or text in str(r["candidate_name"]).casefold() or text in str(r["candidate_email"]).casefold())
    ]  # fmt: skip
    key = {
        "score": lambda r: -(r["score"] if r["score"] is not None else -1),
        "created_at_oldest": lambda r: r["created_at"],
        "updated_at_newest": lambda r: r["updated_at"],
    }.get(order, lambda r: r["created_at"])
    selected.sort(key=key, reverse=order in ("created_at_newest", "updated_at_newest"))
    page = selected[offset : offset + limit]
    return {
        "data": page,
        "pagination": {"total": len(selected), "limit": limit, "offset": offset, "has_more": offset + len(page) < len(selected)},
    }


class Results:
    """The result rows of one sandbox's enrolments (``ledger.enrolments``) and their completions."""

    def __init__(self, ledger, *, complete_interviews: bool = False) -> None:
        self.ledger = ledger
        self.auto_complete = complete_interviews
        self.completions: dict[str, Completion] = {}  #: profile_interview_id → its result

    def complete(self, emails: Iterable[str] | None = None, *, coach_status: str = "completed") -> int:
        """Complete the interviews of these candidates (all when None) that are not yet; return how many."""
        wanted = None if emails is None else {e.lower() for e in emails}
        done = 0
        with self.ledger.lock:
            for e in self.ledger.enrolments.values():
                if e.profile_interview_id in self.completions or (wanted is not None and e.email not in wanted):
                    continue
                if e.status in REJECTS:  # rejected at pre-screening: never invited to the interview
                    continue
                self.completions[e.profile_interview_id] = completion_for(
                    e.email, e.position_def_set_id, e.profile_interview_id, coach_status
                )
                done += 1
        return done

    def rows(self) -> list[dict[str, object]]:
        """Every enrolment's result row, as ``GET /merchant-result-list`` serves it."""
        if self.auto_complete:
            self.complete()
        with self.ledger.lock:
            return [result_row(e, self.completions.get(e.profile_interview_id)) for e in self.ledger.enrolments.values()]

    def answer(self, params: Mapping[str, str]) -> tuple[int, dict[str, object]]:
        """(HTTP status, body) for one query: 200 and a page, or 422 and the contract's error body."""
        try:
            return 200, answer(params, self.rows())
        except QueryError as exc:
            return 422, {"error": str(exc), "name": exc.name}
