"""What identifies a request: the row fingerprint, the position key and the enrolment key.

The fingerprint names one normalised request body (the journal's key and the
``Idempotency-Key`` header); the position key says which position a candidate is for
(duplicates and position warm-up); the enrolment key is one candidate for one position,
which must be enrolled at most once.
"""

from __future__ import annotations

import hashlib
import json

from .schema import Candidate


def position_key(candidate: Candidate) -> tuple[str, ...]:
    """What identifies a candidate's position in this file (for duplicates and warm-up)."""
    if candidate.position_def_set_id:
        return ("id", candidate.position_def_set_id)
    if candidate.position_external_id:
        return ("external", candidate.position_external_id.casefold())
    return (
        "new",
        (candidate.position_name or "").casefold(),
        (candidate.position_location or "").casefold(),
        candidate.position_country_code or "",
        candidate.mojito_language_code or "",
    )


def enrolment_key(candidate: Candidate) -> tuple[str, ...]:
    """One candidate for one position: what must be enrolled at most once."""
    return (candidate.candidate_email, *position_key(candidate))


def fingerprint(candidate: Candidate) -> str:
    """A stable id of one normalised request (40 hex characters), for the journal and the
    ``Idempotency-Key`` header: the SHA-256 of the request body as sorted, compact JSON."""
    body = json.dumps(candidate.body(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:40]
