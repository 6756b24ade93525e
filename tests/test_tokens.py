"""Outliving the token: --token-command and --token-file renew it; no row is lost or sent twice."""

from __future__ import annotations

import asyncio
import base64
import collections
import json
import sys
import time

import httpx
import pytest

from batch_enrol.client import Client
from batch_enrol.dispatcher import Dispatcher, Policy
from batch_enrol.errors import ConfigError
from batch_enrol.models import ExitCode, Status
from batch_enrol.sandbox import Faults
from batch_enrol.tokens import TokenSource, jwt_expiry, run_token_command
from tests.conftest import candidate_rows, cli, read_output, write_csv
from tests.test_dispatcher import FAST, make_jobs


def jwt(exp: float) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part({'exp': exp, 'sub': 'x'})}.c2lnbmF0dXJl"


def printer(*tokens: str, state=None) -> str:
    """A token command printing each of ``tokens`` in turn (its state in a file beside the test)."""
    code = f"import pathlib,sys; p=pathlib.Path({str(state)!r}); n=int(p.read_text()) if p.exists() else 0; " \
           f"p.write_text(str(n+1)); print({list(tokens)!r}[min(n, {len(tokens) - 1})])"  # fmt: skip
    return f"{sys.executable} -c {json.dumps(code)}"


def test_jwt_expiry_is_read_without_checking_the_signature():
    assert jwt_expiry(jwt(1_900_000_000)) == 1_900_000_000
    assert jwt_expiry("sandbox-token") is None and jwt_expiry("a.b.c") is None


def test_a_token_command_that_fails_says_so_without_its_output():
    with pytest.raises(ConfigError, match="exit code 3") as info:
        run_token_command(f"{sys.executable} -c \"print('secret-value'); raise SystemExit(3)\"")
    assert "secret-value" not in str(info.value)
    with pytest.raises(ConfigError, match="not found"):
        run_token_command("no-such-helper-here --get")
    with pytest.raises(ConfigError, match="printed no token"):
        run_token_command(f"{sys.executable} -c pass")


def test_a_jwt_near_its_exp_is_renewed_before_it_is_refused(tmp_path):
    command = printer(jwt(time.time() + 30), jwt(time.time() + 3600), state=tmp_path / "n")
    tokens = TokenSource(command=command)
    assert tokens.expiring()  # 30 s left, under the 60 s margin
    assert asyncio.run(tokens.renew(tokens.token))
    assert not tokens.expiring() and jwt_expiry(tokens.token) > time.time() + 3000


def issuing_command(url: str) -> str:
    """What a credential helper does: ask the auth server (here the sandbox) for a new token."""
    code = f"import urllib.request; print(urllib.request.urlopen('{url}/__sandbox/token').read().decode())"
    return f"{sys.executable} -c {json.dumps(code)}"


def test_tokens_that_expire_every_few_calls_with_a_token_command_lose_and_repeat_no_row(serve):
    served = serve(Faults(token_calls=7, latency=0.02, position_race=False))
    tokens = TokenSource(command=issuing_command(served.url))
    jobs = make_jobs(40, grouped=False)

    async def go() -> Dispatcher:
        async with Client(served.url, tokens.token, lanes=64) as client:
            d = Dispatcher(client, Policy(**FAST), tokens=tokens)
            await d.run(jobs)
            return d

    d = asyncio.run(go())
    requests, enrolments, _ = served.ledger.snapshot()
    assert d.exit_code == ExitCode.OK and all(o.status.is_decision for o in d.outcomes.values())
    assert len(enrolments) == 40 and all(e.count == 1 for e in enrolments.values())  # none sent twice
    assert collections.Counter(r.status for r in requests)[401] >= 3  # the tokens did expire, again and again
    assert all(o.status != Status.ALREADY_APPLIED for o in d.outcomes.values())


def test_a_token_file_is_read_again_after_a_401_and_a_refused_fresh_token_stops_with_exit_3(tmp_path):
    path = tmp_path / "token"
    path.write_text("old\n")
    seen = []

    def handler(request):
        token = request.headers["Authorization"].removeprefix("Bearer ")
        seen.append(token)
        if token == "new" and len([t for t in seen if t == "new"]) <= 3:
            return httpx.Response(200, json={"status": "ai_accept", "interview_url": "https://x/i"})
        if token == "old" and not path.read_text().startswith("new"):
            path.write_text("new\n")  # someone renews the file meanwhile
        return httpx.Response(401, json={"error": "JWT expired"})

    async def go() -> Dispatcher:
        tokens = TokenSource("old", file=path)
        async with Client("https://api.test", "old", transport=httpx.MockTransport(handler)) as client:
            d = Dispatcher(client, Policy(concurrency=1, **FAST), tokens=tokens)
            await d.run(make_jobs(6, grouped=False))
            return d

    d = asyncio.run(go())
    statuses = collections.Counter(o.status for o in d.outcomes.values())
    assert statuses[Status.AI_ACCEPT] == 3  # the re-read token carried on
    assert d.exit_code == ExitCode.API_REFUSED and "refused a freshly renewed token" in d.stop_reason
    assert statuses[Status.NOT_SENT] == 3


def test_the_cli_with_a_token_command_outlives_tokens_that_expire_every_few_calls(tmp_path, serve):
    served = serve(Faults(token_calls=5, latency=0.01))
    source = write_csv(tmp_path / "file.csv", candidate_rows(30))
    result = cli("run", source, "--token-command", issuing_command(served.url), env=served.env(token="not-this-one"))
    assert result.returncode == 0, result.stderr
    requests, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == 30 and all(e.count == 1 for e in enrolments.values())  # no row sent twice
    assert sum(r.status == 401 for r in requests) >= 3
    assert {r["enrol_status"] for r in read_output(tmp_path / "file.enrolled.csv")} <= {
        "ai_accept", "recruiter_accept", "recruiter_action", "ai_reject", "recruiter_reject"}  # fmt: skip


def test_token_messages_say_what_is_wrong_with_their_own_source(tmp_path):
    from batch_enrol.redaction import check_token
    from batch_enrol.sources import read_token_file

    with pytest.raises(ConfigError, match="printed by --token-command is malformed .whitespace inside"):
        run_token_command(f"{sys.executable} -c \"print('two words')\"")
    (tmp_path / "t.txt").write_text("\n")
    with pytest.raises(ConfigError, match=f"the token file {tmp_path / 't.txt'} is empty"):
        read_token_file(tmp_path / "t.txt")
    with pytest.raises(ConfigError, match="byte-order mark") as caught:
        check_token("\ufeffabc.def", "JOBMOJITO_TOKEN")
    assert "save the file" not in caught.value.message


def test_after_a_401_the_hint_names_the_token_file(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(2))
    (tmp_path / "t.txt").write_text("not-the-sandbox-token\n")
    env = {k: v for k, v in served.env().items() if k != "JOBMOJITO_TOKEN"}
    result = cli("run", source, "--token-file", tmp_path / "t.txt", env=env)
    assert result.returncode == 3, result.stderr
    assert f"renew the token (in {tmp_path / 't.txt'})" in result.stderr and "JOBMOJITO_TOKEN" not in result.stderr


class RenewedBadly:
    """A tiny API on 127.0.0.1: the token ``good-token-1`` works for 3 calls, then 401; at the
    third call the token file is emptied (someone's renewal went wrong). Keeps every Authorization header."""

    def __init__(self, path) -> None:
        self.path, self.auth = path, []

    async def app(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.auth.append(dict(scope["headers"]).get(b"authorization", b"").decode())
        if len(self.auth) == 3:
            self.path.write_text("")
        ok = len(self.auth) <= 3
        body = {"status": "ai_accept", "interview_url": "https://x/i/1"} if ok else {"error": "JWT expired"}
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 200 if ok else 401,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


def test_a_token_file_emptied_mid_run_stops_the_run_with_exit_3_naming_the_file(tmp_path):
    from batch_enrol.sandbox import serve_in_thread

    path = tmp_path / "tok.txt"
    path.write_text("good-token-1\n")
    api = RenewedBadly(path)
    source = write_csv(tmp_path / "list.csv", candidate_rows(20, positions=20))
    with serve_in_thread(api) as url:  # type: ignore[arg-type]
        env = {"JOBMOJITO_BASE_URL": url}
        result = cli("run", source, "--yes", "--token-file", path, "--max-concurrency", 1, "--give-up-after", 1,
                     "--out", tmp_path / "out.csv", env=env)  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert f"the token file {path} is empty" in result.stderr and "Bearer" not in result.stderr
    assert set(api.auth) == {"Bearer good-token-1"}  # the empty token never went out
    statuses = collections.Counter(r["enrol_status"] for r in read_output(tmp_path / "out.csv"))
    assert statuses == {"ai_accept": 3, "not_sent": 17}


def test_a_request_httpx_cannot_build_is_never_retried_as_a_connection_failure(serve):
    served = serve()

    async def go() -> Dispatcher:
        async with Client(served.url, "", lanes=4) as client:  # "Bearer " is a header value h11 refuses
            d = Dispatcher(client, Policy(**FAST))
            await d.run(make_jobs(10, grouped=False))
            return d

    d = asyncio.run(go())
    assert d.exit_code == ExitCode.USAGE and "could not be sent as built" in d.stop_reason
    assert d.stats.retries == 0 and d.stats.calls <= 4  # no retries; at most the calls already in flight
    assert served.ledger.snapshot()[0] == [] and all(o.status == Status.NOT_SENT for o in d.outcomes.values())
