"""The whole path over real loopback HTTP: the command (once as a real process), the sandbox as a server."""

from __future__ import annotations

import json
import shutil
import socket
import time

import openpyxl

from batch_enrol.models import RESULT_COLUMNS
from batch_enrol.sandbox import Faults
from tests.helpers import SAMPLES, candidate_rows, cli, read_output, write_csv


def test_sample_workbook_enrols_every_valid_row_once(tmp_path, serve):
    served = serve()
    source = shutil.copy(SAMPLES / "candidates.xlsx", tmp_path / "candidates.xlsx")
    result = cli("run", source, "--summary-json", tmp_path / "summary.json", env=served.env(), process=True)

    assert result.returncode == 1, result.stderr  # the sample has deliberate mistakes (a real process: real exit code)
    assert "Traceback" not in result.stderr
    out = tmp_path / "candidates.enrolled.xlsx"
    rows = read_output(out)
    assert len(rows) == 31
    by_status: dict[str, list[dict]] = {}
    for row in rows:
        by_status.setdefault(row["enrol_status"], []).append(row)
    assert {"invalid", "duplicate"} <= set(by_status)
    assert len(by_status["invalid"]) == 3 and len(by_status["duplicate"]) == 1

    requests, enrolments, positions = served.ledger.snapshot()
    enrolled = [r for r in rows if r["enrol_status"] not in ("invalid", "duplicate")]
    assert len(enrolled) == 27 == len(enrolments)
    assert all(e.count == 1 for e in enrolments.values())  # nothing asked for twice
    assert len(positions) == 3  # one per distinct position, despite concurrency
    for row in enrolled:
        (enrolment,) = served.sandbox.ledger.enrolment_for(row["E-mail address"].lower())
        assert row["interview_url"] == enrolment.interview_url
        assert row["enrol_status"] == enrolment.status
        assert row["profile_interview_id"] == enrolment.profile_interview_id
    for row in by_status["invalid"] + by_status["duplicate"]:
        assert not row["interview_url"] and row["enrol_reason"]

    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["rows"] == 31 and summary["exit_code"] == 1
    assert summary["counts"]["invalid"] == 3


def test_user_columns_stay_as_they_were(tmp_path, serve):
    served = serve()
    source = shutil.copy(SAMPLES / "candidates.xlsx", tmp_path / "in.xlsx")
    cli("run", source, "--out", tmp_path / "out.xlsx", env=served.env())
    before = openpyxl.load_workbook(source)
    after = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert after.sheetnames == before.sheetnames + ["Summary", "Needs attention"]
    old, new = before["Candidates"], after["Candidates"]
    width = old.max_column
    for r in range(1, old.max_row + 1):
        assert [new.cell(r, c).value for c in range(1, width + 1)] == [old.cell(r, c).value for c in range(1, width + 1)]
    assert [new.cell(3, width + 1 + i).value for i in range(len(RESULT_COLUMNS))] == list(RESULT_COLUMNS)
    assert new.freeze_panes == old.freeze_panes


def test_csv_in_xlsx_out_against_any_contract_server(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "file.csv", candidate_rows(12))
    result = cli("run", source, "--out", tmp_path / "out.xlsx", env=served.env())
    assert result.returncode == 0, result.stderr
    rows = read_output(tmp_path / "out.xlsx")
    assert len(rows) == 12 and all(r["interview_url"] for r in rows)
    _, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == 12


def test_expired_token_stops_with_exit_3_and_rerun_finishes(tmp_path, serve):
    served = serve(Faults(token_expires_after=10, position_race=False), extra_tokens=("fresh-token",))
    source = write_csv(tmp_path / "file.csv", candidate_rows(40))
    first = cli("run", source, "--concurrency", "4", "--rate", "100", env=served.env())
    assert first.returncode == 3, first.stderr
    assert "renew the token" in first.stderr and "Traceback" not in first.stderr
    requests, enrolments, _ = served.ledger.snapshot()
    refused = [r for r in requests if r.status == 401]
    assert len(refused) <= 4  # at most --concurrency calls after the token expired
    rows = read_output(tmp_path / "file.enrolled.csv")
    assert {r["enrol_status"] for r in rows} >= {"not_sent"}
    done_before = len(enrolments)

    second = cli("run", source, "--concurrency", "4", "--rate", "100", env=served.env(token="fresh-token"))
    assert second.returncode == 0, second.stderr
    requests2, enrolments2, _ = served.ledger.snapshot()
    assert len(enrolments2) == 40
    assert all(e.count == 1 for e in enrolments2.values())  # done rows were not sent again
    assert len([r for r in requests2[len(requests):] if r.status == 200]) == 40 - done_before
    assert all(r["interview_url"] for r in read_output(tmp_path / "file.enrolled.csv"))


def test_sandbox_flag_runs_in_process(tmp_path):
    source = write_csv(tmp_path / "file.csv", candidate_rows(5))
    result = cli("run", source, "--sandbox")
    assert result.returncode == 0, result.stderr
    assert "ai_accept" in result.stdout or "recruiter" in result.stdout or "reject" in result.stdout
    assert all(r["interview_url"] for r in read_output(tmp_path / "file.enrolled.csv"))


def test_a_closed_port_stops_the_run_at_once_with_exit_2_naming_the_url(tmp_path):
    source = write_csv(tmp_path / "file.csv", candidate_rows(40))
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"JOBMOJITO_BASE_URL": f"http://127.0.0.1:{port}", "JOBMOJITO_TOKEN": "t", "PATH": "/usr/bin:/bin"}
    began = time.monotonic()
    result = cli("run", source, env=env)
    assert time.monotonic() - began < 60
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"every call to http://127.0.0.1:{port}/job-interview-create-for-candidate-with-token failed" in result.stderr
    assert "connection refused" in result.stderr and "--base-url" in result.stderr  # what happened, what to check
    rows = read_output(tmp_path / "file.enrolled.csv")
    assert {r["enrol_status"] for r in rows} == {"not_sent"}


def test_a_wrong_base_path_stops_the_run_with_exit_2_before_the_file_is_sent(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "file.csv", candidate_rows(60))
    env = served.env()
    env["JOBMOJITO_BASE_URL"] += "/v1"
    result = cli("run", source, env=env)
    assert result.returncode == 2, result.stderr
    assert "failed the same way (404: No such function" in result.stderr and "path" in result.stderr
    requests, enrolments, _ = served.ledger.snapshot()
    assert len(requests) <= 8 and not enrolments  # a few calls, not the whole file
