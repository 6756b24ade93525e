"""Progress lines in CI, and the token preflight."""

from __future__ import annotations

import base64
import json
import logging
import time

import pytest

from batch_enrol.errors import ConfigError
from batch_enrol.models import Outcome, Status
from batch_enrol.preflight import jwt_expiry
from batch_enrol.preflight import preflight_token as _preflight_token
from batch_enrol.progress import Progress, choose_mode
from batch_enrol.settings import Secret, Settings


def jwt(claims: dict) -> str:
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.sig"


def test_ci_gets_plain_log_lines_with_counts_and_no_personal_data(caplog, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert choose_mode("auto") == "log"
    progress = Progress(3, "auto", interval=0.0)
    with caplog.at_level(logging.INFO, logger="batch_enrol"):
        progress(Outcome(row=2, status=Status.AI_ACCEPT, interview_url="https://x/secret-token"))
        progress(Outcome(row=3, status=Status.ERROR, reason="boom"))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[-1].startswith("sent 2/3 rows") and "enrolled 1" in lines[-1] and "error 1" in lines[-1]
    assert all("secret-token" not in line for line in lines)


def test_quiet_means_no_progress():
    assert Progress(1, "none").mode == "none"


def test_jwt_expiry_and_preflight():
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry(jwt({"exp": 123})) == 123.0
    settings = Settings(sandbox=True, rate=1, concurrency=1)
    with pytest.raises(ConfigError, match="token expired"):
        _preflight_token(jwt({"exp": time.time() - 10}), 10, settings, [])
    warnings: list[str] = []
    _preflight_token(jwt({"exp": time.time() + 60}), 1000, settings, warnings)  # ~1000 s of work, 60 s left
    assert warnings and "re-run the same command" in warnings[0]
    quiet: list[str] = []
    _preflight_token(jwt({"exp": time.time() + 3600}), 10, settings, quiet)
    assert quiet == []


def test_secret_never_shows_itself():
    secret = Secret("tok-123")
    assert "tok-123" not in repr(secret) and "tok-123" not in str(secret)
    assert "tok-123" not in repr(Settings(sandbox=True, token=secret))
