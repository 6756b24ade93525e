"""Position warm-up: one row per new position first, the rest with the id it returned (no HTTP)."""

from __future__ import annotations

from batch_enrol.dispatcher import Warmup
from batch_enrol.models import Outcome, Status
from tests.test_dispatcher import make_jobs


def answered(job, position_id: str = "") -> Outcome:
    status = Status.AI_ACCEPT if position_id else Status.ERROR
    return Outcome(row=job.row, status=status, position_def_set_id=position_id)


def test_a_group_sends_its_leader_alone_then_the_rest_with_its_position_id():
    jobs = make_jobs(6, positions=2)
    warmup = Warmup()
    ready = [r for job in jobs for r in warmup.schedule(job)]
    assert [j.row for j in ready] == [jobs[0].row, jobs[1].row]  # one leader per position
    released = warmup.release(jobs[0], answered(jobs[0], "pos-a"))
    assert [j.row for j in released] == [jobs[2].row, jobs[4].row]
    assert {j.candidate.position_def_set_id for j in released} == {"pos-a"}
    assert warmup.release(released[0], answered(released[0], "pos-a")) == []  # followers release nothing


def test_a_failed_leader_hands_the_lead_to_the_next_row():
    jobs = make_jobs(3, positions=1)
    warmup = Warmup()
    assert [r.row for job in jobs for r in warmup.schedule(job)] == [jobs[0].row]
    assert [j.row for j in warmup.release(jobs[0], answered(jobs[0]))] == [jobs[1].row]
    assert warmup.release(jobs[1], answered(jobs[1]), stopping=True)[0].row == jobs[2].row  # stopping: all go


def test_positions_known_from_the_journal_need_no_warm_up():
    jobs = make_jobs(3, positions=1)
    warmup = Warmup({jobs[0].group: "pos-known"})
    ready = [r for job in jobs for r in warmup.schedule(job)]
    assert len(ready) == 3 and {j.candidate.position_def_set_id for j in ready} == {"pos-known"}


def test_rows_without_a_group_go_at_once():
    jobs = make_jobs(4, grouped=False)
    warmup = Warmup()
    assert [r for job in jobs for r in warmup.schedule(job)] == jobs
