"""The HTTP client, over httpx.MockTransport: the request it sends and how it classifies answers."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from batch_enrol.client import CallError, Client, Timeouts, parse_retry_after
from batch_enrol.schema import ENDPOINT, Candidate

CANDIDATE = Candidate(
    candidate_name="Ana", candidate_email="ana@example.org", candidate_country_code="SK", candidate_resume="cv",
    position_name="Barista", position_location="Bratislava", position_country_code="SK", mojito_language_code="sk",
)  # fmt: skip
ANSWER = {"status": "ai_accept", "position_def_set_id": "p1", "interview_def_set_id": "i1",
          "profile_interview_id": "pi1", "interview_url": "https://x/i/1"}  # fmt: skip


def _send(handler, candidate: Candidate = CANDIDATE):
    async def go():
        async with Client("https://api.example", "tok-1", transport=httpx.MockTransport(handler)) as client:
            return await client.enrol(candidate, idempotency_key="fp-1")

    return asyncio.run(go())


def test_a_200_is_parsed_and_the_request_carries_token_key_and_body():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWER)

    answer = _send(handler)
    assert answer.interview_url == "https://x/i/1"
    (request,) = seen
    assert request.url == "https://api.example" + ENDPOINT
    assert request.headers["Authorization"] == "Bearer tok-1" and request.headers["Idempotency-Key"] == "fp-1"
    assert json.loads(request.content) == CANDIDATE.body()


def test_errors_are_classified_with_status_field_and_retry_after():
    def refuse(request):
        return httpx.Response(422, json={"error": "bad email", "name": "candidate_email"})

    with pytest.raises(CallError) as caught:
        _send(refuse)
    assert (caught.value.status, caught.value.field, caught.value.message) == (422, "candidate_email", "bad email")

    def throttle(request):
        return httpx.Response(429, text="slow down", headers={"Retry-After": "7"})

    with pytest.raises(CallError) as caught:
        _send(throttle)
    assert caught.value.status == 429 and caught.value.retry_after == 7

    def garbage(request):
        return httpx.Response(200, text="<html>")

    with pytest.raises(CallError, match="does not match the contract"):
        _send(garbage)


def test_a_connection_failure_names_the_host_and_did_not_reach_the_server():
    def down(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(CallError) as caught:
        _send(down)
    assert "api.example" in caught.value.message and caught.value.reached_server is False and caught.value.status is None


def test_retry_after_in_seconds_or_as_a_date_is_capped_and_never_negative():
    assert parse_retry_after("5") == 5 and parse_retry_after("100000") == 600
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == 30
    assert parse_retry_after("-3") == 0 and parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_timeouts_become_httpx_timeouts():
    timeout = Timeouts(connect=1, read=2, write=3).httpx()
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (1, 2, 3, None)
