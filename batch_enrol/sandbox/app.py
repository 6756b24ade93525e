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
import json
import random
import secrets
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import Receive, Scope, Send

from ..schema import ENDPOINT, Candidate
from ..settings import SANDBOX_TOKEN
from . import results
from .faults import Faults, Limits
from .ledger import Ledger, RequestRecord
from .platform import Platform

DEFAULT_TOKEN = SANDBOX_TOKEN  #: the token the simulator accepts unless told otherwise


class _Dropped(httpx.ReadError):
    """Raised mid-response: a real server drops the connection; in-process, the client sees a ReadError."""

    def __init__(self) -> None:
        super().__init__("connection dropped by the sandbox")


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
        self.platform = Platform(self.ledger, self.faults, self._rng)
        self._calls_with_primary = 0
        self._recent: deque[float] = deque()
        self._limits = Limits(self.faults)
        self._token_uses: dict[str, int] = {token: 0}

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (one route, no middleware: a dropped connection must stay dropped)."""
        if scope["type"] != "http":
            return
        if scope["path"] == "/__sandbox/stats" and scope["method"] == "GET":
            response = JSONResponse(self.stats())
        elif scope["path"] == "/__sandbox/enrolments" and scope["method"] == "GET":
            response = JSONResponse(self.enrolments())
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
        return self.ledger.stats()

    def enrolments(self) -> list[dict[str, object]]:
        """Every enrolment, in the order made: the candidate's email, the ids given back, how many
        requests asked for it (``requests`` > 1: repeats answered ``already-applied``) and the JSON
        body that enrolled them, as it came (the token travels in a header, never here)."""
        _, enrolments, _ = self.ledger.snapshot()
        return [{"candidate_email": e.email, "status": e.status, "position_def_set_id": e.position_def_set_id,
                 "profile_interview_id": e.profile_interview_id, "requests": e.count, "body": e.request}
                for e in enrolments.values()]  # fmt: skip

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

    def _gate(self, request: Request, started: float, seen: _Seen) -> JSONResponse | None:
        """The refusal a request meets before its body is read (token, expiry, limits, throttling), if any."""
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
        return None

    async def _handle(self, request: Request, started: float, seen: _Seen) -> JSONResponse:
        """Answer one request; note the candidate's email and any injected fault in ``seen``."""
        if (refused := self._gate(request, started, seen)) is not None:
            return refused
        faults = self.faults
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
        if faults.credits is not None and self.platform.enrolled >= faults.credits:
            seen.fault = "402"
            return _error(402, "No interview credits left on this account")
        position = await self.platform.resolve_position(candidate)
        body = self.platform.enrol(candidate, position, payload)
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


def _error(status: int, message: str, *, name: str | None = None, headers: dict | None = None) -> JSONResponse:
    body: dict[str, str] = {"error": message}
    if name:
        body["name"] = name
    return JSONResponse(body, status_code=status, headers=headers)
