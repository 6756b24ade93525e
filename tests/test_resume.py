"""Killed, interrupted and re-run: every row accounted for, every candidate enrolled once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time

import httpx
import pytest

from batch_enrol.errors import Cancelled, OutputError
from batch_enrol.journal import Journal
from batch_enrol.models import Outcome, Status
from batch_enrol.pipeline import run
from batch_enrol.sandbox import DEFAULT_TOKEN, Faults, Sandbox
from batch_enrol.settings import Secret, Settings
from tests.helpers import candidate_rows, cli, read_output, write_csv


def start_cli(args, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "batch_enrol", *map(str, args)], env={**env, "CI": "true"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def wait_for_enrolments(served, at_least: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(served.ledger.enrolments) < at_least:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_two_sigkills_then_a_rerun_complete_exactly_once(tmp_path, serve):
    served = serve(Faults(latency=0.05, position_race=True))
    source = write_csv(tmp_path / "list.csv", candidate_rows(150, positions=5))
    args = ["run", source, "--concurrency", "8", "--rate", "200"]
    for threshold in (30, 90):
        proc = start_cli(args, served.env())
        wait_for_enrolments(served, threshold, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        assert len(read_output(tmp_path / "list.enrolled.csv")) == 150  # before any checkpoint: the proof, placed
    final = cli(*args, env=served.env())
    assert final.returncode == 0, final.stderr

    rows = read_output(tmp_path / "list.enrolled.csv")
    assert len(rows) == 150 and all(r["enrol_status"] not in ("not_sent", "error", "") for r in rows)
    requests, enrolments, positions = served.ledger.snapshot()
    assert len(enrolments) == 150 and len(positions) == 5
    by_email = {e.email: e for e in enrolments.values()}
    for row in rows:
        assert row["interview_url"] == by_email[row["E-mail"]].interview_url
    # only rows in flight at a kill were asked for again: answered already-applied, they are our own
    # enrolments (status enrolled, the decision to be read back by 'results'), not repeat applicants
    repeats = sum(e.count - 1 for e in enrolments.values())
    assert repeats <= 2 * 8
    assert sum(r["enrol_status"] == "enrolled" for r in rows) == repeats
    assert not any(r["enrol_status"] == "already-applied" for r in rows)


def test_rerun_of_a_finished_run_sends_nothing(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(10))
    assert cli("run", source, env=served.env()).returncode == 0
    first = read_output(tmp_path / "list.enrolled.csv")
    calls = len(served.ledger.requests)
    again = cli("run", source, env=served.env())
    assert again.returncode == 0 and "already done" in again.stderr
    assert len(served.ledger.requests) == calls
    assert read_output(tmp_path / "list.enrolled.csv") == first


def test_fresh_starts_over_and_force_is_needed_for_a_foreign_output(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(3))
    (tmp_path / "mine.csv").write_text("precious", encoding="utf-8")
    refused = cli("run", source, "--out", tmp_path / "mine.csv", env=served.env())
    assert refused.returncode == 2 and "already exists" in refused.stderr
    assert (tmp_path / "mine.csv").read_text(encoding="utf-8") == "precious"
    assert cli("run", source, env=served.env()).returncode == 0
    fresh = cli("run", source, "--fresh", env=served.env())
    assert fresh.returncode == 0
    assert {r["enrol_status"] for r in read_output(tmp_path / "list.enrolled.csv")} == {"already-applied"}


def test_ctrl_c_stops_sending_finishes_in_flight_and_writes_the_output(tmp_path, serve):
    served = serve(Faults(latency=0.3, position_race=False))
    source = write_csv(tmp_path / "list.csv", candidate_rows(60))
    proc = start_cli(["run", source, "--concurrency", "4", "--rate", "100"], served.env())
    wait_for_enrolments(served, 4, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    rows = read_output(tmp_path / "list.enrolled.csv")
    statuses = [r["enrol_status"] for r in rows]
    assert len(rows) == 60 and "not_sent" in statuses
    assert sum(s != "not_sent" for s in statuses) == len(served.ledger.enrolments)  # in-flight calls finished


def test_journal_file_is_private_and_holds_no_token(tmp_path, serve):
    served = serve(extra_tokens=("tok-SECRET-123",))
    source = write_csv(tmp_path / "list.csv", candidate_rows(5))
    assert cli("run", source, env=served.env(token="tok-SECRET-123")).returncode == 0
    journal = tmp_path / "list.enrolled.csv.journal.sqlite"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    with sqlite3.connect(journal) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM rows WHERE state = 'done'").fetchone()[0] == 5
    for path in tmp_path.iterdir():
        assert b"tok-SECRET-123" not in path.read_bytes(), path


def test_a_journal_of_the_previous_format_still_keeps_every_done_row_from_being_sent_again(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(5))
    assert cli("run", source, env=served.env()).returncode == 0
    journal, output = tmp_path / "list.enrolled.csv.journal.sqlite", tmp_path / "list.enrolled.csv"
    urls = {r["E-mail"]: r["interview_url"] for r in read_output(output)}
    with sqlite3.connect(journal) as db:  # back to the format before the events table: one row per fingerprint
        latest = db.execute("SELECT fingerprint, row, state, outcome, updated_at FROM rows").fetchall()
        db.executescript("DROP VIEW rows; DROP TABLE events; PRAGMA user_version = 0; CREATE TABLE rows (fingerprint TEXT "
                         "PRIMARY KEY, row INTEGER NOT NULL, state TEXT NOT NULL, outcome TEXT, updated_at TEXT NOT NULL)")  # fmt: skip
        db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", latest)
    output.unlink()  # only the journal knows what was sent
    again = cli("run", source, env=served.env())
    assert again.returncode == 0, again.stderr
    assert len(served.ledger.requests) == 5  # nobody sent again
    assert {r["E-mail"]: r["interview_url"] for r in read_output(output)} == urls
    with sqlite3.connect(journal) as db:
        assert db.execute("SELECT count(*) FROM rows WHERE state = 'done'").fetchone()[0] == 5


def test_journal_reuses_decisions_only(tmp_path):
    async def write(journal: Journal) -> None:
        await journal.commit_in_flight("a", 2)
        await journal.commit_outcome("b", Outcome(row=3, status=Status.AI_ACCEPT, interview_url="u"))
        await journal.commit_outcome("c", Outcome(row=4, status=Status.ERROR, reason="gave up"))
        await journal.commit_outcome("d", Outcome(row=5, status=Status.NOT_SENT))

    with Journal(tmp_path / "j.sqlite") as journal:
        asyncio.run(write(journal))
        assert set(journal.done()) == {"b"} and journal.done()["b"].interview_url == "u"
        assert journal.in_flight() == {"a"}


def test_concurrent_writers_share_one_commit_and_resume_once_it_is_on_disk(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        statements: list[str] = []
        journal._db.set_trace_callback(statements.append)
        on_disk_when_resumed = []

        async def writer(i: int) -> None:
            await journal.commit_in_flight(f"fp{i}", i)
            with sqlite3.connect(path) as other:  # another connection sees it: committed, not only queued
                on_disk_when_resumed.append(other.execute("SELECT state FROM rows WHERE fingerprint = ?", (f"fp{i}",)).fetchone())

        async def go() -> None:
            await asyncio.gather(*(writer(i) for i in range(16)))

        asyncio.run(go())
        assert statements.count("COMMIT") == 1
        assert on_disk_when_resumed == [("in_flight",)] * 16
        assert journal.in_flight() == {f"fp{i}" for i in range(16)}


def test_a_writer_cancelled_while_waiting_still_has_its_outcome_written(tmp_path):
    async def go(journal: Journal) -> None:
        task = asyncio.create_task(journal.commit_outcome("fp", Outcome(row=2, status=Status.AI_ACCEPT, interview_url="u")))
        await asyncio.sleep(0)  # the task queues its write
        task.cancel()  # before the commit runs: the enrolment happened, so the journal must say so

    with Journal(tmp_path / "j.sqlite") as journal:
        asyncio.run(go(journal))
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.done()["fp"].interview_url == "u"


def test_a_journal_that_cannot_be_written_says_so_to_the_writer(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        journal._db.execute("PRAGMA query_only = ON")  # as a full disk or a read-only mount would
        with pytest.raises(OutputError, match="cannot write the journal"):
            asyncio.run(journal.commit_in_flight("fp", 2))
        journal._db.execute("PRAGMA query_only = OFF")


def test_changed_input_is_warned_about(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(3))
    assert cli("run", source, env=served.env()).returncode == 0
    write_csv(source, candidate_rows(4))
    again = cli("run", source, env=served.env())
    assert again.returncode == 0 and "changed since the last run" in again.stderr
    assert len(served.ledger.enrolments) == 4


def test_checkpoints_leave_a_usable_output_while_running(tmp_path, serve):
    served = serve(Faults(latency=0.2, position_race=False))
    source = write_csv(tmp_path / "list.csv", candidate_rows(12))
    settings = Settings(base_url=served.url, token=Secret(DEFAULT_TOKEN), concurrency=1, rate=100,
                        checkpoint_every=0.5, progress="none")  # fmt: skip
    seen = []

    def watch():  # until a checkpoint: some rows with results, some not sent yet (the proof has none)
        out = tmp_path / "list.enrolled.csv"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (seen and {"not_sent"} < set(seen[-1])):
            with contextlib.suppress(OSError):
                seen.append([r["enrol_status"] for r in read_output(out)])
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    result = run(source, settings)
    watcher.join()
    assert result.exit_code == 0
    assert len(seen[-1]) == 12 and {"not_sent"} < set(seen[-1])  # a checkpoint, before the end
    assert os.path.exists(tmp_path / "list.enrolled.csv")


class _Watching(httpx.AsyncBaseTransport):
    """The sandbox's transport, noting what the output held when each request left."""

    def __init__(self, out, sandbox: Sandbox) -> None:
        self.out, self.inner, self.seen = out, httpx.ASGITransport(app=sandbox.app), []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append([r["enrol_status"] for r in read_output(self.out)] if self.out.exists() else None)
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("name", ["list.enrolled.csv", "list.enrolled.xlsx"])
def test_the_output_exists_with_every_row_not_sent_before_the_first_call(tmp_path, name):
    source = write_csv(tmp_path / "list.csv", candidate_rows(6))
    sandbox, out = Sandbox(), tmp_path / name
    transport = _Watching(out, sandbox)
    result = run(source, Settings(sandbox=True, concurrency=1, progress="none"), out=out, transport=transport)
    assert result.exit_code == 0 and len(sandbox.ledger.enrolments) == 6
    assert transport.seen[0] == ["not_sent"] * 6  # the proof, placed as the output: no write of its own
    assert "not_sent" not in {r["enrol_status"] for r in read_output(out)}
    assert sorted(p.name for p in tmp_path.iterdir() if "proof" in p.name) == []


def test_a_run_not_confirmed_leaves_no_output_and_no_proof(tmp_path):
    source = write_csv(tmp_path / "list.csv", candidate_rows(3))
    with pytest.raises(Cancelled):
        run(source, Settings(sandbox=True, progress="none"), transport=httpx.ASGITransport(app=Sandbox().app),
            confirm=lambda preview: False)  # fmt: skip
    assert not (tmp_path / "list.enrolled.csv").exists() and not [p for p in tmp_path.iterdir() if "proof" in p.name]


def test_no_checkpoint_comes_before_the_run_has_lasted_many_writes_of_the_output(tmp_path, serve, monkeypatch):
    """Checkpoints are paced by what one costs: the proof's write of the whole output, times CHECKPOINT_SHARE
    (here made huge, as for a large output), comes before the first; the final write still has every row."""
    from batch_enrol import checkpoints

    monkeypatch.setattr(checkpoints, "CHECKPOINT_SHARE", 1_000_000)
    served = serve(Faults(latency=0.2, position_race=False))
    source = write_csv(tmp_path / "list.csv", candidate_rows(12))
    settings = Settings(base_url=served.url, token=Secret(DEFAULT_TOKEN), concurrency=1, rate=100,
                        checkpoint_every=0.3, progress="none")  # fmt: skip
    out, seen, running = tmp_path / "list.enrolled.csv", [], threading.Event()
    running.set()

    def watch():
        while running.is_set():
            with contextlib.suppress(OSError):
                seen.append({r["enrol_status"] for r in read_output(out)})
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = run(source, settings)
    finally:
        running.clear()
        watcher.join()
    assert result.exit_code == 0 and result.summary.duration_s > 2  # about 8 checkpoint_every's
    assert all(statuses <= {"not_sent"} for statuses in seen)  # no checkpoint with results while running
    assert "not_sent" not in {r["enrol_status"] for r in read_output(out)} and len(read_output(out)) == 12


def test_a_second_ctrl_c_stops_at_once_and_the_journal_keeps_everything(tmp_path, serve):
    served = serve(Faults(latency=3.0, position_race=False))
    source = write_csv(tmp_path / "list.csv", candidate_rows(20, positions=20))  # no warm-up: 4 in flight at once
    proc = start_cli(["run", source, "--concurrency", "4", "--rate", "100"], served.env())
    deadline = time.monotonic() + 30
    while served.ledger.in_flight < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err
    assert time.monotonic() - began < 2.5  # did not wait for the 3 s calls in flight
    rows = read_output(tmp_path / "list.enrolled.csv")
    assert len(rows) == 20 and {r["enrol_status"] for r in rows} == {"not_sent"}
    with sqlite3.connect(tmp_path / "list.enrolled.csv.journal.sqlite") as db:
        in_flight = db.execute("SELECT count(*) FROM rows WHERE state = 'in_flight'").fetchone()[0]
    assert in_flight == 4  # resent by the next run; the API answers already-applied if they got through
