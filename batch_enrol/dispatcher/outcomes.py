"""The ``Outcome`` of a sent row, from an answer, a given-up failure or a stop."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime

from ..client import CallError
from ..models import Outcome, Status
from ..schema import EnrolResponse

#: The reason of a row whose retry was answered ``already-applied`` after an attempt that may have enrolled it.
OWN_REPEAT = "enrolled by an earlier attempt; the decision was not returned (batch-enrol results fills it in)"
#: The reason of a row answered ``already-applied`` for an enrolment an earlier run made (its answer had no reason).
OWN_EARLIER = "enrolled by an earlier run for this position (batch-enrol results fills in the interview's result)"


def may_have_enrolled(error: CallError) -> bool:
    """Whether a failed attempt may have enrolled the candidate all the same (no answer, or a 5xx)."""
    return error.reached_server and (error.status is None or error.status >= 500)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def decided(row: int, response: EnrolResponse, attempts: int, *, own_repeat: bool = False,
            ours: Mapping[str, Outcome] | None = None) -> Outcome:  # fmt: skip
    """A row the API answered 200: its decision, ids and interview URL.

    ``own_repeat``: an earlier attempt of this row may have enrolled it, so ``already-applied``
    is that attempt's doing, not a repeat applicant: the row is ``enrolled`` (no decision known).
    ``ours``: our earlier enrolments by profile_interview_id (the journal's): an ``already-applied``
    naming one of them (same email and position, the row since edited, e.g. a name's spelling)
    takes that enrolment's decision, ids and URL.
    """
    status, reason = Status(response.status), response.reason or ""
    earlier = (ours or {}).get(response.profile_interview_id or "") if status == Status.ALREADY_APPLIED else None
    if earlier is not None:
        return dataclasses.replace(earlier, row=row, reason=earlier.reason or OWN_EARLIER, http_status=200,
                                   attempts=attempts, processed_at=now_iso())  # fmt: skip
    if own_repeat and status == Status.ALREADY_APPLIED:
        status, reason = Status.ENROLLED, OWN_REPEAT
    return Outcome(
        row=row,
        status=status,
        reason=reason,
        http_status=200,
        attempts=attempts,
        position_def_set_id=response.position_def_set_id or "",
        interview_def_set_id=response.interview_def_set_id or "",
        profile_interview_id=response.profile_interview_id or "",
        interview_url=response.interview_url,
        embed_id=response.embed_id or "",
        processed_at=now_iso(),
    )


def failed(row: int, error: CallError, reason: str, attempts: int) -> Outcome:
    """A row that ends as ``error``: ``reason`` with the API's status and field."""
    return Outcome(
        row=row,
        status=Status.ERROR,
        reason=reason,
        error_field=error.field,
        http_status=error.status,
        attempts=attempts,
        processed_at=now_iso(),
    )


def not_sent(row: int, attempts: int, reason: str) -> Outcome:
    """A row the run stopped before it got an answer."""
    return Outcome(row=row, status=Status.NOT_SENT, reason=reason, attempts=attempts, processed_at=now_iso())
