"""Answers checked fully, secrets redacted where text enters: against a real misbehaving loopback server."""

from __future__ import annotations

import time

import pytest

from batch_enrol.errors import ConfigError
from batch_enrol.models import Status
from batch_enrol.pipeline import run
from batch_enrol.redaction import SECRETS, check_token, redact
from batch_enrol.settings import Secret, Settings
from tests.conftest import candidate_rows, cli, read_output, write_csv
from tests.rogue import serve_rogue

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudCJ9.SECRET-signature-987"


def rogue_env(url: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOJITO_") and k != "GITHUB_STEP_SUMMARY"}
    return {**env, "JOBMOJITO_BASE_URL": url, "JOBMOJITO_TOKEN": TOKEN}


@pytest.mark.parametrize(("behaviour", "code"), [("echo-401", 3), ("echo-403", 3), ("echo-422", 1), ("echo-500", 1), ("echo-reject", 0),
                                                  ("echo-upper-reject", 0)])
def test_a_server_echoing_the_token_leaks_it_nowhere(tmp_path, behaviour, code):
    source = write_csv(tmp_path / "list.csv", candidate_rows(3))
    with serve_rogue(behaviour) as (rogue, url):
        result = cli("run", source, "--verbose", "--max-attempts", "2", "--concurrency", "1", "--out", tmp_path / "out.xlsx",
                     "--summary-json", tmp_path / "s.json", "--junit", tmp_path / "j.xml", env=rogue_env(url))  # fmt: skip
    assert rogue.calls >= 1
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    for secret in (TOKEN, "SECRET-signature", "eyJzdWIiOiJtZXJjaGFudCJ9", TOKEN.upper()):  # masked whatever its case
        assert secret not in result.stdout + result.stderr
        for path in tmp_path.rglob("*"):  # output, journal (and its WAL), summary, JUnit
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    if behaviour == "echo-422":  # the echo is kept, masked, so the reason still says what happened
        assert all("Invalid JWT: Bearer [redacted]" in r["enrol_reason"] for r in read_output(tmp_path / "out.xlsx"))
    if behaviour == "echo-upper-reject":
        assert all(r["enrol_reason"] == "no: [redacted]" for r in read_output(tmp_path / "out.xlsx"))
    if behaviour == "echo-401":
        assert "Invalid JWT: Bearer [redacted]" in result.stderr


def test_redact_masks_registered_secrets_and_any_bearer_credential():
    SECRETS.add("embed-signing-key-0123456789")
    text = redact('{"error": "bad Bearer abc.def-ghi", "key": "embed-signing-key-0123456789", "h": "bearer%20xyz"}')
    assert "abc.def-ghi" not in text and "embed-signing-key" not in text and "xyz" not in text
    assert text.count("[redacted]") == 3


@pytest.mark.parametrize(("token", "problem"), [("\ufeffabc.def", "byte-order mark"), ("abc\ndef", "several lines"),
                                                ("abc def", "whitespace inside"), ("abcé", "non-ASCII"), ("ab\x00c", "control")])  # fmt: skip
def test_malformed_tokens_are_refused_with_their_source(token, problem):
    with pytest.raises(ConfigError, match=f"the token file t.txt is malformed \\(.*{problem}") as caught:
        check_token(token, "the token file t.txt")
    assert caught.value.exit_code == 2


def test_a_malformed_token_variable_exits_2_and_sends_nothing(tmp_path):
    source = write_csv(tmp_path / "list.csv", candidate_rows(2))
    with serve_rogue("empty-url") as (rogue, url):
        env = {**rogue_env(url), "JOBMOJITO_TOKEN": "abc.def ghi"}
        result = cli("run", source, env=env)
    assert result.returncode == 2 and "JOBMOJITO_TOKEN is malformed (whitespace inside" in result.stderr
    assert rogue.calls == 0 and "LocalProtocolError" not in result.stderr


def settings_for(url: str, **kw) -> Settings:
    return Settings(base_url=url, token=Secret(TOKEN), max_attempts=2, backoff_base=0.01, concurrency=1, **kw)


def test_a_decision_without_an_interview_url_is_an_error_and_sent_again_on_resume(tmp_path):
    source = write_csv(tmp_path / "list.csv", candidate_rows(2))
    with serve_rogue("empty-url") as (rogue, url):
        result = run(source, settings_for(url), out=tmp_path / "out.csv")
        assert {o.status for o in result.outcomes.values()} == {Status.ERROR}
        assert all("ai_accept without an interview_url" in o.reason for o in result.outcomes.values())
        calls = rogue.calls
        run(source, settings_for(url), out=tmp_path / "out.csv")
        assert rogue.calls == calls + 2  # not taken as done


@pytest.mark.parametrize("behaviour", ["huge", "huge-chunked"])
def test_a_body_over_1_mb_is_an_error_row_and_not_read_further(tmp_path, behaviour):
    source = write_csv(tmp_path / "list.csv", candidate_rows(1))
    with serve_rogue(behaviour) as (_, url):
        result = run(source, settings_for(url), out=tmp_path / "out.csv")
    (outcome,) = result.outcomes.values()
    assert outcome.status == Status.ERROR and "with a body over 1024 KB: not read further" in outcome.reason


def test_a_trickling_body_ends_at_the_call_deadline_as_a_retryable_timeout(tmp_path):
    source = write_csv(tmp_path / "list.csv", candidate_rows(1))
    started = time.monotonic()
    with serve_rogue("trickle") as (rogue, url):
        result = run(source, settings_for(url, call_deadline=1.5), out=tmp_path / "out.csv")
    (outcome,) = result.outcomes.values()
    assert outcome.status == Status.ERROR and rogue.calls == 2  # retried once, then gave up
    assert "gave up after 2 attempts: no complete answer within 1.5 s" in outcome.reason
    assert time.monotonic() - started < 30


def test_a_renewed_token_is_redacted_too():
    from batch_enrol.client import Client

    client = Client("http://127.0.0.1:9", "first-token-abcdef")
    client.set_token("renewed-token-0123456789")
    assert redact("Invalid JWT: renewed-token-0123456789 / first-token-abcdef") == "Invalid JWT: [redacted] / [redacted]"


def test_a_bearer_header_echoed_with_a_known_token_is_masked_once():
    SECRETS.add("eyJSECRETTOKENabc123XYZ")
    assert redact("Invalid JWT: Bearer eyJSECRETTOKENabc123XYZ") == "Invalid JWT: Bearer [redacted]"
    assert redact("Invalid JWT: Bearer [redacted]") == "Invalid JWT: Bearer [redacted]"


def test_a_key_learned_after_a_reason_arrived_reaches_neither_the_output_nor_the_journal(tmp_path):
    """Another row's error body echoed the embed key before the key's own answer was read: the reason was
    redacted without it. Writing the output and the journal masks it all the same."""
    import sqlite3

    from batch_enrol.journal import Journal, outcome_to_json
    from batch_enrol.loader import load
    from batch_enrol.models import Outcome
    from batch_enrol.writer import write_output

    key = "EMBEDSECRETKEYlearnedlate42"
    early = Outcome(row=2, status=Status.ERROR, reason=redact(f"422: bad key {key}"), http_status=422, attempts=1)
    SECRETS.add(key)  # arrives with the next answer
    source = write_csv(tmp_path / "list.csv", candidate_rows(1))
    write_output(load(source), {2: early}, tmp_path / "out.csv")
    assert key.encode() not in (tmp_path / "out.csv").read_bytes()
    assert key not in outcome_to_json(early)
    with Journal(tmp_path / "j.sqlite") as journal:
        journal._commit([("INSERT INTO events (fingerprint, row, state, outcome, at) VALUES ('f', 2, 'done', ?, 'now')",
                          (outcome_to_json(early),))])
    with sqlite3.connect(tmp_path / "j.sqlite") as db:
        assert "[redacted]" in db.execute("SELECT outcome FROM rows").fetchone()[0]


def test_the_result_list_is_read_within_the_same_size_cap_and_deadline():
    """``results`` reads its pages through the same capped, deadline-bound call as enrolment."""
    import asyncio

    import httpx

    from batch_enrol.client import MAX_BODY_BYTES, CallError, Client

    def huge(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"[" + b" " * (MAX_BODY_BYTES + 10) + b"]")

    async def page():
        async with Client("https://api.test", "secret-token", transport=httpx.MockTransport(huge)) as client:
            await client.result_list({"limit": 1})

    with pytest.raises(CallError, match="not read further"):
        asyncio.run(page())
