"""An answer to our own retry is not "already applied": the row is enrolled and results fill its decision."""

from __future__ import annotations

import asyncio

from batch_enrol.dispatcher.outcomes import OWN_REPEAT, decided
from batch_enrol.journal import Journal
from batch_enrol.models import Outcome, Status
from batch_enrol.sandbox import Faults
from batch_enrol.schema import EnrolResponse
from tests.conftest import candidate_rows, cli, read_output, write_csv


def test_a_retry_after_a_dropped_connection_is_enrolled_and_results_fill_the_decision(tmp_path, serve):
    served = serve(Faults(drop_first_after=True))
    source = write_csv(tmp_path / "in.csv", candidate_rows(3, positions=1))
    result = cli("run", source, env=served.env())
    assert result.returncode == 0, result.stderr
    rows = read_output(tmp_path / "in.enrolled.csv")
    assert {r["enrol_status"] for r in rows} == {"enrolled"}
    assert {r["enrol_reason"] for r in rows} == {OWN_REPEAT}
    assert all(r["attempts"] == "2" and r["profile_interview_id"] and r["interview_url"] for r in rows)
    _, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == 3 and all(e.count == 2 for e in enrolments.values())  # committed once, asked twice

    served.sandbox.complete_interviews()
    assert cli("results", tmp_path / "in.enrolled.csv", env=served.env()).returncode == 0
    truth = {r["profile_interview_id"]: r for r in served.sandbox.results.rows()}
    for row in read_output(tmp_path / "in.enrolled.csv"):
        assert row["decision_status"] == truth[row["profile_interview_id"]]["decision_status"] != ""


def test_a_true_repeat_stays_already_applied(tmp_path, serve):
    served = serve()
    write_csv(tmp_path / "week1.csv", candidate_rows(2))
    write_csv(tmp_path / "week2.csv", candidate_rows(2))
    assert cli("run", tmp_path / "week1.csv", env=served.env()).returncode == 0
    assert cli("run", tmp_path / "week2.csv", env=served.env()).returncode == 0
    assert {r["enrol_status"] for r in read_output(tmp_path / "week2.enrolled.csv")} == {"already-applied"}


def test_a_resumed_run_knows_its_earlier_attempt_may_have_enrolled_the_row(tmp_path, serve):
    served = serve(Faults(drop_first_after=True))
    source = write_csv(tmp_path / "in.csv", candidate_rows(2, positions=1))
    first = cli("run", source, "--max-attempts", "1", env=served.env())
    assert first.returncode == 1
    assert {r["enrol_status"] for r in read_output(tmp_path / "in.enrolled.csv")} == {"error"}
    again = cli("run", source, env=served.env())  # resumes: the same rows, their first answers were lost
    assert again.returncode == 0, again.stderr
    assert {r["enrol_status"] for r in read_output(tmp_path / "in.enrolled.csv")} == {"enrolled"}


def test_the_journal_names_the_rows_an_earlier_run_may_have_sent(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        asyncio.run(journal.commit_in_flight("killed", 2))
        for fingerprint, outcome in (
            ("lost", Outcome(row=3, status=Status.ERROR, attempts=5, reason="gave up")),
            ("gateway", Outcome(row=4, status=Status.ERROR, attempts=2, http_status=504)),
            ("refused", Outcome(row=5, status=Status.ERROR, attempts=1, http_status=422)),
            ("invalid", Outcome(row=6, status=Status.INVALID)),
            ("decided", Outcome(row=7, status=Status.AI_ACCEPT, attempts=1, http_status=200)),
        ):
            asyncio.run(journal.commit_outcome(fingerprint, outcome))
        assert journal.attempted() == {"killed", "lost", "gateway"}


def test_already_applied_is_a_repeat_only_without_an_earlier_attempt():
    response = EnrolResponse(status="already-applied", interview_url="https://x/i", reason="Candidate has already applied")
    assert decided(2, response, 1).status == Status.ALREADY_APPLIED
    own = decided(2, response, 2, own_repeat=True)
    assert (own.status, own.reason) == (Status.ENROLLED, OWN_REPEAT)
    accepted = EnrolResponse(status="ai_accept", interview_url="https://x/i")
    assert decided(2, accepted, 2, own_repeat=True).status == Status.AI_ACCEPT


def test_our_own_earlier_enrolment_after_a_name_fix_keeps_its_decision_and_url(tmp_path, serve):
    served = serve()
    rows = candidate_rows(2)
    source = write_csv(tmp_path / "list.csv", rows)
    assert cli("run", source, env=served.env()).returncode == 0
    first = {r["E-mail"]: r for r in read_output(tmp_path / "list.enrolled.csv")}
    rows[0][0] = rows[0][0] + " Jr"  # next week's list: a name's spelling fixed, same email and position
    write_csv(source, rows)
    result = cli("run", source, env=served.env())
    assert result.returncode == 0, result.stderr
    _, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == 2 and sorted(e.count for e in enrolments.values()) == [1, 2]  # asked again, answered already-applied
    again = {r["E-mail"]: r for r in read_output(tmp_path / "list.enrolled.csv")}
    fixed = again[rows[0][1]]
    before = first[rows[0][1]]
    assert fixed["enrol_status"] == before["enrol_status"] != "already-applied"
    assert fixed["interview_url"] == before["interview_url"] and fixed["profile_interview_id"] == before["profile_interview_id"]
    assert fixed["enrol_reason"]
