"""Planning a run against its journal: done rows keep their outcome, the rest are sent."""

from __future__ import annotations

import asyncio

from batch_enrol.columns import map_columns
from batch_enrol.identity import fingerprint
from batch_enrol.journal import Journal
from batch_enrol.models import Outcome, Status
from batch_enrol.planner import plan
from batch_enrol.validator import check_table
from tests.helpers import candidate_rows, write_csv


def _checked(tmp_path, rows):
    from batch_enrol.loader import load

    table = load(write_csv(tmp_path / "in.csv", rows))
    return check_table(table, map_columns(table.headers))


def test_a_fresh_journal_sends_every_valid_row_once(tmp_path):
    rows = candidate_rows(4) + [candidate_rows(1)[0]] + [["", "not-an-email", "SK", "cv", "Job", "X", "SK", "en"]]
    checked = _checked(tmp_path, rows)
    planned = plan(checked, {})
    assert [j.row for j in planned.jobs] == [2, 3, 4, 5]
    assert {r: o.status for r, o in planned.outcomes.items()} == {6: Status.DUPLICATE, 7: Status.INVALID}
    assert planned.resumed == 0 and planned.known_positions == {}
    assert all(j.group is not None for j in planned.jobs)


def test_rows_done_in_the_journal_are_not_sent_again_and_their_positions_are_known(tmp_path):
    checked = _checked(tmp_path, candidate_rows(3, positions=1))
    first = checked[0].candidate
    with Journal(tmp_path / "j.sqlite") as journal:
        done = Outcome(row=99, status=Status.AI_ACCEPT, position_def_set_id="pos-1", interview_url="https://x/1")
        asyncio.run(journal.commit_outcome(fingerprint(first), done))
        planned = plan(checked, journal.done())
    assert [j.row for j in planned.jobs] == [3, 4]
    assert planned.outcomes[2].row == 2 and planned.outcomes[2].status == Status.AI_ACCEPT
    assert planned.resumed == 1
    assert list(planned.known_positions.values()) == ["pos-1"]

