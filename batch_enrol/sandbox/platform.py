"""The simulated platform's state: positions (created or resolved, racily as documented), enrolments, embed keys.

What the enrolment endpoint does once a request has passed the gate (token, limits, faults,
validation): resolve the position, enrol the candidate once, answer ``already-applied`` with
the same URL on a repeat, and decide deterministically per candidate.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import secrets
import uuid
from datetime import UTC, datetime

from ..schema import Candidate
from .faults import Faults
from .ledger import Enrolment, Ledger, Position

PUBLIC_URL = "https://sandbox.jobmojito.invalid"
REJECT_REASONS = (
    "Resume does not show the must-have experience for this position",
    "Candidate location is outside the position's hiring area",
)
#: How long creating a new position leaves the door open to a concurrent create of the same one.
#: The platform drafts the position's interview meanwhile (far longer); 10 ms proved too narrow
#: to show the race reliably on a busy 2-core machine, where requests can arrive 15 ms apart.
POSITION_RACE_S = 0.05


class Platform:
    """Positions and enrolments of one simulated merchant account, recorded in ``ledger``."""

    def __init__(self, ledger: Ledger, faults: Faults, rng: random.Random) -> None:
        self.ledger = ledger
        self.faults = faults
        self._rng = rng
        self.enrolled = 0  #: candidates enrolled (repeats not counted)
        self.embed_keys: dict[str, tuple[str, str]] = {}  #: position id → (embed id, signing key)
        self._position_index: dict[tuple, str] = {}

    async def resolve_position(self, candidate: Candidate) -> Position:
        if candidate.position_def_set_id:
            return self.ledger.positions[candidate.position_def_set_id]
        key: tuple
        if candidate.position_external_id:
            key = ("external", candidate.position_external_id)
        else:
            key = (
                "new",
                (candidate.position_name or "").casefold(),
                (candidate.position_location or "").casefold(),
                candidate.position_country_code,
                candidate.mojito_language_code,
            )
        found = self._position_index.get(key)
        if found:
            return self.ledger.positions[found]
        if self.faults.position_race:
            await asyncio.sleep(POSITION_RACE_S)  # look-up and insert are not atomic on the platform
        position = Position(
            id=str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            key=key,
            interview_def_set_id=str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            name=candidate.position_name or candidate.position_external_id or "",
        )
        with self.ledger.lock:
            self.ledger.positions[position.id] = position
        self._position_index[key] = position.id
        return position

    def enrol(self, candidate: Candidate, position: Position, payload: dict) -> dict:
        email = candidate.candidate_email.lower()
        with self.ledger.lock:
            existing = self.ledger.enrolments.get((email, position.id))
            if existing is not None:
                existing.count += 1
                return {
                    "status": "already-applied",
                    "reason": "Candidate has already applied for this position",
                    "position_def_set_id": position.id,
                    "interview_def_set_id": position.interview_def_set_id,
                    "profile_interview_id": existing.profile_interview_id,
                    "interview_url": existing.interview_url,
                }
            profile_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            status, reason = decide(email, position.id)
            enrolment = Enrolment(
                email=email,
                position_def_set_id=position.id,
                profile_interview_id=profile_id,
                interview_def_set_id=position.interview_def_set_id,
                interview_url=f"{PUBLIC_URL}/interview/{profile_id}?token={secrets.token_urlsafe(16)}",
                status=status,
                reason=reason,
                candidate_name=candidate.candidate_name,
                created_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
                request=payload,
            )
            self.ledger.enrolments[(email, position.id)] = enrolment
            self.enrolled += 1
        body = {
            "status": status,
            "position_def_set_id": position.id,
            "interview_def_set_id": position.interview_def_set_id,
            "profile_interview_id": profile_id,
            "interview_url": enrolment.interview_url,
        }
        if reason:
            body["reason"] = reason
        if candidate.is_embedded:
            embed_id, key = self.embed_keys.setdefault(position.id, (str(uuid.uuid4()), secrets.token_hex(32)))
            body["embed_id"], body["embed_signing_key"] = embed_id, key
        return body


def decide(email: str, position_id: str) -> tuple[str, str | None]:
    """A deterministic decision for a candidate: the same email always gets the same one."""
    bucket = int(hashlib.sha256(email.encode()).hexdigest(), 16) % 100
    if bucket < 55:
        return "ai_accept", None
    if bucket < 65:
        return "recruiter_accept", None
    if bucket < 75:
        return "recruiter_action", None
    reason = REJECT_REASONS[bucket % len(REJECT_REASONS)]
    return ("ai_reject" if bucket < 90 else "recruiter_reject"), reason
