"""The sandbox ASGI app: the contract of the enrolment endpoint, its faults, and a ledger.

It behaves like the real platform as far as this project knows it (``shared/api/NOTES.md``):
bearer-token check, 422 validation errors with the offending field, 404 for an unknown
position id, create-or-resolve of positions (racy, as documented), a deterministic decision
per candidate, ``already-applied`` with the same URL on a repeat, embed fields when asked,
and the platform's failures (500, 503, 546, 504 after the work was done, dropped
connections, 429 throttling, token expiry) at configurable rates.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import secrets
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import Receive, Scope, Send

from ..schema import ENDPOINT, Candidate
from ..settings import SANDBOX_TOKEN
from . import results
from .faults import Faults, Limits
from .ledger import Enrolment, Ledger, Position, RequestRecord

DEFAULT_TOKEN = SANDBOX_TOKEN  #: the token the simulator accepts unless told otherwise
PUBLIC_URL = "https://sandbox.jobmojito.invalid"
REJECT_REASONS = (
    "Resume does not show the must-have experience for this position",
    "Candidate location is outside the position's hiring area",
)




class _Dropped(httpx.ReadError):
    """Raised mid-response: a real server drops the connection; in-process, the client sees a ReadError."""

    def __init__(self) -> None:
        super().__init__("connection dropped by the sandbox")


#: How long creating a new position leaves the door open to a concurrent create of the same one.
#: The platform drafts the position's interview meanwhile (far longer); 10 ms proved too narrow
#: to show the race reliably on a busy 2-core machine, where requests can arrive 15 ms apart.
POSITION_RACE_S = 0.05


@dataclass(slots=True)
class _Seen:
    """What the ledger notes of one request while it is answered."""

    email: str = ""
    fault: str = ""
    status: int = 0
    body: dict | None = None


class Sandbox:
    """One simulated API: ``sandbox.app`` is the ASGI app, ``sandbox.ledger`` what happened."""

    def __init__(
        self,
        faults: Faults | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        extra_tokens: tuple[str, ...] = (),
        complete_interviews: bool = False,
    ) -> None:
        """``complete_interviews``: every interview is completed (with a score) as soon as it exists."""
        self.faults = faults or Faults()
        self.token = token
        self.extra_tokens = set(extra_tokens)
        self.ledger = Ledger()
        self.results = results.Results(self.ledger, complete_interviews=complete_interviews)
        self._rng = random.Random(self.faults.seed)
        self._calls_with_primary = 0
        self._enrolled = 0
        self._recent: deque[float] = deque()
        self._limits = Limits(self.faults)
        self._token_uses: dict[str, int] = {token: 0}
        self._position_index: dict[tuple, str] = {}
        self._embed_keys: dict[str, tuple[str, str]] = {}

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (one route, no middleware: a dropped connection must stay dropped)."""
        if scope["type"] != "http":
            return
        if scope["path"] == "/__sandbox/stats" and scope["method"] == "GET":
            response = JSONResponse(self.stats())
        elif scope["path"] == "/__sandbox/complete-interviews" and scope["method"] == "POST":
            response = JSONResponse({"completed": self.complete_interviews()})
        elif scope["path"].rstrip("/") == results.RESULT_LIST:
            response = self._result_list(Request(scope, receive)) if scope["method"] == "GET" else _error(405, "Method not allowed")
        elif scope["path"] == "/__sandbox/token" and scope["method"] == "GET":
            response = PlainTextResponse(self.issue_token())
        elif scope["path"].rstrip("/") != ENDPOINT:
            response = _error(404, f"No such function: {scope['path']}")
        elif scope["method"] != "POST":
            response = _error(405, "Method not allowed")
        else:
            try:
                response = await self._endpoint(Request(scope, receive))
            except _Dropped:
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4096")]})
                await send({"type": "http.response.body", "body": b'{"status": "ai_', "more_body": True})
                raise
        await response(scope, receive, send)

    def issue_token(self) -> str:
        """A new token the API accepts (for ``token_calls`` calls): what a token command would fetch."""
        token = f"{self.token}.{secrets.token_urlsafe(12)}"
        self._token_uses[token] = 0
        return token

    def stats(self) -> dict[str, object]:
        """What a benchmark in another process needs to check the limits held (no personal data)."""
        requests, enrolments, positions = self.ledger.snapshot()
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
            "max_in_flight": self.ledger.max_in_flight,
            "max_started_in_1s": busiest,
            "faults": sum(1 for r in requests if r.fault),
            "throttled": sum(1 for r in requests if r.status in (429, 503)),
            "first_started": starts[0] if starts else None,
            "last_ended": max((r.ended for r in requests), default=None),
        }

    def complete_interviews(self, emails: Iterable[str] | None = None, *, coach_status: str = "completed") -> int:
        """Complete the interviews of these candidates (all when None) that are not yet; return how many."""
        return self.results.complete(emails, coach_status=coach_status)

    def _result_list(self, request: Request) -> JSONResponse:
        if not self._token_ok(request):
            return _error(401, "Invalid or missing access token")
        status, body = self.results.answer(request.query_params)
        return JSONResponse(body, status_code=status)

    def _token_ok(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        return bool(token) and (token == self.token or token in self.extra_tokens)

    # --- the endpoint ---------------------------------------------------------------------
    async def _endpoint(self, request: Request) -> JSONResponse:
        started = time.monotonic()
        with self.ledger.lock:
            self.ledger.in_flight += 1
            self.ledger.max_in_flight = max(self.ledger.max_in_flight, self.ledger.in_flight)
        seen = _Seen()
        try:
            response = await self._handle(request, started, seen)
            seen.status = response.status_code
            return response
        except _Dropped:
            seen.fault = "drop_after"
            raise
        finally:
            with self.ledger.lock:
                self.ledger.in_flight -= 1
                self.ledger.requests.append(
                    RequestRecord(
                        started, time.monotonic(), seen.email, seen.status, request.headers.get("idempotency-key", ""), seen.fault,
                        seen.body,
                    )  # fmt: skip
                )

    async def _handle(self, request: Request, started: float, seen: _Seen) -> JSONResponse:
        """Answer one request; note the candidate's email and any injected fault in ``seen``."""
        faults = self.faults
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        if token == self.token:
            self._calls_with_primary += 1
            if faults.token_expires_after is not None and self._calls_with_primary > faults.token_expires_after:
                seen.fault = "token_expired"
                return _error(401, "JWT expired")
        elif token not in self.extra_tokens and token not in self._token_uses:
            return _error(401, "Invalid or missing access token")
        if token in self._token_uses:
            self._token_uses[token] += 1
            if faults.token_calls is not None and self._token_uses[token] > faults.token_calls:
                seen.fault = "token_expired"
                return _error(401, "JWT expired")
        if refusal := self._limits.refuse(started, self.ledger.in_flight):
            seen.fault = str(refusal[0])
            return _error(*refusal, headers={"Retry-After": faults.retry_after})

        if faults.throttle_above is not None:
            self._recent.append(started)
            while self._recent and self._recent[0] < started - 1.0:
                self._recent.popleft()
            if len(self._recent) > faults.throttle_above:
                seen.fault = "429"
                return _error(429, "Too many requests", headers={"Retry-After": faults.retry_after})

        try:
            payload = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(422, "Body is not valid JSON")
        if not isinstance(payload, dict):
            return _error(422, "Body must be a JSON object")
        email = str(payload.get("candidate_email", ""))
        seen.email, seen.body = email, payload
        try:
            candidate = Candidate.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "position_name"
            return _error(422, first["msg"], name=name)

        await self._latency()
        roll = self._rng.random()
        for kind, rate, code in (
            ("500", faults.rate_500, 500),
            ("503", faults.rate_503, 503),
            ("546", faults.rate_546, 546),
        ):
            if roll < rate:
                headers = {"Retry-After": faults.retry_after} if code == 503 else None
                seen.fault = kind
                return _error(code, f"Simulated platform failure {code}", headers=headers)
            roll -= rate

        if candidate.position_def_set_id and candidate.position_def_set_id not in self.ledger.positions:
            return _error(404, "position_def_set_id not found", name="position_def_set_id")
        if faults.credits is not None and self._enrolled >= faults.credits:
            seen.fault = "402"
            return _error(402, "No interview credits left on this account")
        position = await self._resolve_position(candidate)
        body = self._enrol(candidate, position, payload)
        if faults.drop_first_after and body["status"] != "already-applied":
            seen.fault = "drop_after"
            raise _Dropped

        if roll < faults.rate_504_after:
            seen.fault = "504_after"
            return _error(504, "Gateway Timeout")
        roll -= faults.rate_504_after
        if roll < faults.rate_drop_after:
            raise _Dropped
        return JSONResponse(body)

    async def _latency(self) -> None:
        faults = self.faults
        delay = faults.latency + (self._rng.uniform(-1, 1) * faults.latency_jitter if faults.latency_jitter else 0)
        delay *= self._limits.latency_factor(self.ledger.in_flight)
        if delay > 0:
            await asyncio.sleep(delay)

    async def _resolve_position(self, candidate: Candidate) -> Position:
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

    def _enrol(self, candidate: Candidate, position: Position, payload: dict) -> dict:
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
            self._enrolled += 1
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
            embed_id, key = self._embed_keys.setdefault(position.id, (str(uuid.uuid4()), secrets.token_hex(32)))
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


def _error(status: int, message: str, *, name: str | None = None, headers: dict | None = None) -> JSONResponse:
    body: dict[str, str] = {"error": message}
    if name:
        body["name"] = name
    return JSONResponse(body, status_code=status, headers=headers)
