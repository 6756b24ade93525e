"""The dispatcher against the sandbox over real loopback HTTP (and a few MockTransport units)."""

from __future__ import annotations

import asyncio
import collections
import itertools
import sqlite3
import time

import httpx
import pytest

from batch_enrol.client import Client
from batch_enrol.dispatcher import Dispatcher, Job, Policy
from batch_enrol.identity import fingerprint, position_key
from batch_enrol.journal import Journal
from batch_enrol.models import ExitCode, Status
from batch_enrol.sandbox import DEFAULT_TOKEN, Faults
from batch_enrol.schema import Candidate

FAST = dict(backoff_base=0.02, backoff_cap=0.2, min_throttle_wait=0.2)


def make_jobs(n: int, positions: int = 3, *, grouped: bool = True) -> list[Job]:
    jobs = []
    for i in range(n):
        candidate = Candidate(
            candidate_name=f"Person {i}", candidate_email=f"p{i}@example.org", candidate_country_code="SK",
            candidate_resume="cv", position_name=f"Job {i % positions}", position_location="Bratislava",
            position_country_code="SK", mojito_language_code="en",
        )  # fmt: skip
        jobs.append(Job(row=i + 2, candidate=candidate, fingerprint=fingerprint(candidate),
                        group=position_key(candidate) if grouped else None))  # fmt: skip
    return jobs


def dispatch(url: str, jobs: list[Job], policy: Policy, token: str = DEFAULT_TOKEN, **kw) -> Dispatcher:
    async def go() -> Dispatcher:
        async with Client(url, token, lanes=policy.workers) as client:
            dispatcher = Dispatcher(client, policy, **kw)
            await dispatcher.run(jobs)
            return dispatcher

    return asyncio.run(go())


def test_mixed_faults_every_row_final_and_enrolled_exactly_once(serve, tmp_path):
    served = serve(Faults.mixed(0.2, latency=0.005, seed=7))
    jobs = make_jobs(160)
    with Journal(tmp_path / "j.sqlite") as journal:
        d = dispatch(served.url, jobs, Policy(concurrency=8, rate=400, max_attempts=10, **FAST), journal=journal)
    requests, enrolments, positions = served.ledger.snapshot()
    faults = collections.Counter(r.fault for r in requests if r.fault)
    assert sum(faults.values()) >= 20 and {"500", "503", "546", "504_after", "drop_after"} <= set(faults)
    assert len(d.outcomes) == 160
    assert all(o.status.is_decision for o in d.outcomes.values()), collections.Counter(o.status for o in d.outcomes.values())
    assert len(enrolments) == 160 and len(positions) == 3
    by_email = {e.email: e for e in enrolments.values()}
    for job in jobs:
        outcome = d.outcomes[job.row]
        assert outcome.interview_url == by_email[job.candidate.candidate_email].interview_url
        if outcome.status == Status.ALREADY_APPLIED:  # only where an earlier attempt reached the server
            earlier = [r.fault for r in requests if r.email == job.candidate.candidate_email]
            assert {"504_after", "drop_after"} & set(earlier)
    assert d.stats.retries >= sum(faults.values()) - 5  # every fault was retried (a few hit the same call's last attempt)


def assert_waited(requests, status: int, seconds: float) -> None:
    """No row was asked for again sooner than the Retry-After its ``status`` answer carried."""
    by_row = collections.defaultdict(list)
    for r in requests:
        by_row[r.idempotency_key].append(r)
    for calls in by_row.values():
        for first, second in itertools.pairwise(calls):
            if first.status == status:
                assert second.started - first.ended >= seconds - 0.05


def test_retry_after_is_honoured_per_row(serve):
    served = serve(Faults(rate_503=0.3, retry_after="1", seed=3, position_race=False))
    d = dispatch(served.url, make_jobs(20), Policy(concurrency=5, rate=100, max_attempts=8, **FAST))
    requests, _, _ = served.ledger.snapshot()
    assert any(r.status == 503 for r in requests)
    assert_waited(requests, 503, 1.0)
    assert all(o.status.is_decision for o in d.outcomes.values())


def test_throttling_slows_the_whole_dispatcher(serve):
    served = serve(Faults(throttle_above=5, retry_after="1", position_race=False))
    rates = []
    jobs = make_jobs(30, grouped=False)

    async def go():
        async with Client(served.url, DEFAULT_TOKEN, lanes=4) as client:
            d = Dispatcher(client, Policy(concurrency=4, rate=40, max_attempts=10, **FAST),
                           on_outcome=lambda o: rates.append(d.current_rate))  # fmt: skip
            await d.run(jobs)
            return d

    d = asyncio.run(go())
    requests, _, _ = served.ledger.snapshot()
    assert any(r.status == 429 for r in requests)
    assert min(rates) < 40  # the rate was lowered for everyone, not only for the throttled row
    assert_waited(requests, 429, 1.0)
    assert all(o.status.is_decision for o in d.outcomes.values())


def test_concurrency_and_rate_limits_hold(serve):
    served = serve(Faults(latency=0.08, position_race=False))
    d = dispatch(served.url, make_jobs(60), Policy(concurrency=4, rate=25, **FAST))
    requests, _, _ = served.ledger.snapshot()
    assert len(requests) == 60
    assert served.ledger.max_in_flight <= 4 and d.stats.max_in_flight <= 4
    # The rate holds on the calls' actual starts (the server's arrival times also carry loopback jitter)
    assert d.stats.max_started_in_1s <= 25 + 1  # the rate, beyond a burst of one
    assert all(o.status.is_decision for o in d.outcomes.values())


def test_one_position_per_group_even_at_full_concurrency(serve):
    served = serve(Faults(latency=0.02, position_race=True))
    dispatch(served.url, make_jobs(30, positions=3), Policy(concurrency=16, rate=1000, **FAST))
    assert len(served.ledger.positions) == 3


def test_without_warm_up_the_platform_race_creates_extra_positions(serve):
    """Shows the sandbox's race is real, so the test above can fail."""
    served = serve(Faults(latency=0.02, position_race=True))
    dispatch(served.url, make_jobs(30, positions=3, grouped=False), Policy(concurrency=16, rate=1000, **FAST))
    assert len(served.ledger.positions) > 3


def mock_client(handler) -> Client:
    return Client("https://api.test", "secret-token", transport=httpx.MockTransport(handler))


def run_mock(handler, jobs, policy: Policy | None = None):
    policy = policy or Policy(max_attempts=5, **FAST)
    async def go():
        async with mock_client(handler) as client:
            d = Dispatcher(client, policy)
            await d.run(jobs)
            return d

    return asyncio.run(go())


def test_validation_errors_are_not_retried_and_keep_the_apis_message():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(422, json={"error": "Unknown interview template", "name": "interview_template_id"})

    d = run_mock(handler, make_jobs(1))
    (outcome,) = d.outcomes.values()
    assert len(calls) == 1
    assert (outcome.status, outcome.reason, outcome.error_field, outcome.http_status) == (
        Status.ERROR, "Unknown interview template", "interview_template_id", 422)  # fmt: skip


def test_500_is_retried_at_most_twice():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(500, json={"error": "boom"})

    d = run_mock(handler, make_jobs(1), Policy(max_attempts=8, **FAST))
    (outcome,) = d.outcomes.values()
    assert len(calls) == 3 and outcome.status == Status.ERROR and outcome.attempts == 3
    assert "gave up after 3 attempts" in outcome.reason


def test_every_attempt_carries_the_same_idempotency_key():
    keys = []

    def handler(request):
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) < 3:
            return httpx.Response(503, json={"error": "busy"})
        return httpx.Response(200, json={"status": "ai_accept", "interview_url": "https://x/i/1"})

    jobs = make_jobs(1)
    d = run_mock(handler, jobs)
    assert keys == [jobs[0].fingerprint] * 3
    assert d.outcomes[jobs[0].row].attempts == 3


@pytest.mark.parametrize("status", [401, 402, 403])
def test_refusal_stops_the_run_with_exit_3(status):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(status, json={"error": "no"})

    d = run_mock(handler, make_jobs(30), Policy(concurrency=2, rate=1000, **FAST))
    assert d.exit_code == ExitCode.API_REFUSED
    assert len(calls) <= 2
    assert all(o.status == Status.NOT_SENT for o in d.outcomes.values()) and len(d.outcomes) == 30


def test_the_token_never_appears_in_outcomes():
    def handler(request):
        assert request.headers["Authorization"] == "Bearer secret-token"
        raise httpx.ConnectError("connection refused")

    d = run_mock(handler, make_jobs(2), Policy(max_attempts=2, **FAST))
    assert all("secret-token" not in repr(o) for o in d.outcomes.values())
    assert all("could not connect" in o.reason for o in d.outcomes.values())


def test_circuit_breaker_pauses_all_sending_after_failures_in_a_row(caplog):
    starts = []

    def handler(request):
        starts.append(time.monotonic())
        return httpx.Response(503, json={"error": "down"})

    policy = Policy(concurrency=1, rate=1000, max_attempts=4, breaker_threshold=5, breaker_cooldown=0.4,
                    backoff_base=0.001, backoff_cap=0.001)  # fmt: skip
    run_mock(handler, make_jobs(3), policy)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 12
    assert gaps[4] >= 0.4 and gaps[9] >= 0.8  # after the 5th and 10th failure; the cool-down grows
    assert max(gaps[:4]) < 0.2
    assert "5 failures in a row (the last: 503: down): pausing all sending" in caplog.text  # says why


def test_give_up_when_nothing_succeeds_for_too_long():
    def handler(request):
        raise httpx.ConnectError("refused")

    policy = Policy(concurrency=2, rate=1000, max_attempts=1000, give_up_after=0.3, backoff_base=0.01, backoff_cap=0.02,
                    breaker_cooldown=0.05, wrong_address_after=10**6)  # fmt: skip
    d = run_mock(handler, make_jobs(40), policy)
    assert d.exit_code == ExitCode.ROWS_FAILED and "no successful call" in d.stop_reason
    statuses = collections.Counter(o.status for o in d.outcomes.values())
    assert statuses[Status.NOT_SENT] >= 30 and sum(statuses.values()) == 40


def test_the_dispatcher_counts_the_calls_it_starts_per_second():
    def handler(request):
        return httpx.Response(200, json={"status": "ai_accept", "interview_url": "https://x/i"})

    d = run_mock(handler, make_jobs(60, grouped=False), Policy(concurrency=8, rate=30, **FAST))
    assert d.stats.max_started_in_1s in (30, 31)  # the rate, beyond a burst of one


def test_each_row_is_in_flight_in_the_journal_before_its_request_leaves(tmp_path):
    path = tmp_path / "j.sqlite"
    seen = []

    def handler(request):
        with sqlite3.connect(path) as other:
            seen.append(other.execute("SELECT count(*) FROM rows WHERE state = 'in_flight'").fetchone()[0])
        return httpx.Response(200, json={"status": "ai_accept", "interview_url": "https://x/i"})

    async def go() -> Dispatcher:
        async with Client("https://api.test", "t", transport=httpx.MockTransport(handler)) as client:
            with Journal(path) as journal:
                d = Dispatcher(client, Policy(concurrency=4, rate=1000), journal=journal)
                await d.run(make_jobs(12, grouped=False))
                return d

    d = asyncio.run(go())
    assert len(seen) == 12 and all(n >= 1 for n in seen)
    assert len(d.outcomes) == 12
    with Journal(path) as journal:
        assert len(journal.done()) == 12 and not journal.in_flight()


def test_a_journal_that_stops_taking_writes_stops_sending_and_keeps_every_outcome(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        sent = []

        def handler(request):
            sent.append(request.headers["Idempotency-Key"])
            if len(sent) == 5:
                journal._db.execute("PRAGMA query_only = ON")  # as a disk that has just filled up
            return httpx.Response(200, json={"status": "ai_accept", "interview_url": f"https://x/{len(sent)}"})

        async def go() -> Dispatcher:
            async with Client("https://api.test", "t", transport=httpx.MockTransport(handler)) as client:
                d = Dispatcher(client, Policy(concurrency=1, rate=1000), journal=journal)
                await d.run(make_jobs(20, grouped=False))
                return d

        d = asyncio.run(go())
        journal._db.execute("PRAGMA query_only = OFF")
    assert len(sent) == 5  # nothing is sent that the journal could not hold as in flight
    assert "cannot write the journal" in d.stop_reason and d.exit_code == ExitCode.ROWS_FAILED
    statuses = collections.Counter(o.status for o in d.outcomes.values())
    assert statuses == {Status.AI_ACCEPT: 5, Status.NOT_SENT: 15}  # the 5th answer is kept, though not journalled
    assert all("cannot write the journal" in o.reason for o in d.outcomes.values() if o.status == Status.NOT_SENT)


def test_the_max_rate_holds_before_any_throttling(serve):
    """--rate auto is unlimited only up to --max-rate: never more than max_rate + 1 starts in any second."""
    served = serve(Faults(position_race=False))
    d = dispatch(served.url, make_jobs(24, grouped=False), Policy(max_rate=7, **FAST))
    assert d.current_rate is None  # never throttled: the ceiling alone paced
    assert served.ledger.stats()["max_started_in_1s"] <= 7 + 1  # as the API saw them arrive
    assert d.stats.max_started_in_1s <= 7 + 1 and len(served.ledger.snapshot()[0]) == 24


def test_a_retry_after_beyond_the_give_up_time_stops_the_run_at_once(tmp_path):
    """Without the check the run sat out the 10-minute cap in silence (the process timeout below fails it)."""
    from tests.conftest import candidate_rows, cli, read_output, write_csv
    from tests.rogue import serve_rogue

    source = write_csv(tmp_path / "list.csv", candidate_rows(12))
    with serve_rogue("retry-after-99999999") as (rogue, url):
        result = cli("run", source, "--yes", "--base-url", url, "--give-up-after", 1, "--out", tmp_path / "out.csv",
                     env={"JOBMOJITO_TOKEN": DEFAULT_TOKEN}, process=True, timeout=90)  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "the server's Retry-After asks to wait 1157 days, more than is left of --give-up-after" in result.stderr
    assert rogue.calls <= 4  # only the first calls in flight (the adaptive limit starts at 4)
    assert {r["enrol_status"] for r in read_output(tmp_path / "out.csv")} == {"not_sent"}


def test_a_long_retry_after_that_fits_is_announced(caplog):
    from tests.rogue import serve_rogue

    with serve_rogue("retry-after-once-1") as (rogue, url):
        d = dispatch(url, make_jobs(1), Policy(concurrency=1, announce_wait=0.5, **FAST))
    assert d.exit_code == ExitCode.OK and rogue.calls == 2
    assert "waiting 1.0 s before calling again, as the server's Retry-After asks" in caplog.text


def test_a_bug_in_one_worker_ends_the_run_with_it_instead_of_leaving_the_others_waiting(serve, tmp_path, monkeypatch):
    """One worker failing unexpectedly (a bug) must surface as the run's error (exit 70 at the CLI), not
    hang: the other workers would wait forever for rows it never finished."""
    served = serve(Faults(latency=0.01))
    original = Dispatcher._finish

    async def broken(self, job, outcome):
        if job.row == 5:
            raise RuntimeError("a bug while recording row 5")
        await original(self, job, outcome)

    monkeypatch.setattr(Dispatcher, "_finish", broken)
    jobs = make_jobs(40)

    async def go() -> None:
        async with Client(served.url, DEFAULT_TOKEN, lanes=4) as client:
            await asyncio.wait_for(Dispatcher(client, Policy(concurrency=4, rate=400, **FAST)).run(jobs), timeout=60)

    with pytest.raises(RuntimeError, match="row 5"):
        asyncio.run(go())
