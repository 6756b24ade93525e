"""The SQLite journal: what a killed run leaves behind and what a resumed run reads back."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import stat

import pytest

from batch_enrol.errors import OutputError
from batch_enrol.journal import FORMAT, Journal, outcome_to_json, recorded_rows
from batch_enrol.models import Outcome, Status


async def _write(journal: Journal) -> None:
    await asyncio.gather(
        journal.commit_in_flight("fp-sent", 2),
        journal.commit_in_flight("fp-lost", 3),
        journal.commit_in_flight("fp-error", 4),
    )
    await asyncio.gather(
        journal.commit_outcome("fp-sent", Outcome(row=2, status=Status.AI_ACCEPT, interview_url="https://x/i/1")),
        journal.commit_outcome("fp-error", Outcome(row=4, status=Status.ERROR, reason="HTTP 500")),
    )


def test_outcomes_survive_closing_and_only_decisions_count_as_done(tmp_path):
    path = tmp_path / "out.journal.sqlite"
    with Journal(path) as journal:
        asyncio.run(_write(journal))
        journal.set_meta("input_sha256", "abc")
    with Journal(path) as again:
        done = again.done()
        assert list(done) == ["fp-sent"]
        assert done["fp-sent"].interview_url == "https://x/i/1" and done["fp-sent"].status == Status.AI_ACCEPT
        assert again.in_flight() == {"fp-lost"}  # sent (maybe) but never answered: the idempotency key covers it
        assert again.get_meta("input_sha256") == "abc" and again.get_meta("missing") is None


def test_the_journal_file_is_private(tmp_path):
    path = tmp_path / "deep" / "j.sqlite"
    with Journal(path):
        pass
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_journal_that_cannot_be_opened_is_an_output_error(tmp_path):
    (tmp_path / "j.sqlite").mkdir()
    with pytest.raises(OutputError, match="cannot open the journal"):
        Journal(tmp_path / "j.sqlite")


def test_states_are_appended_and_each_rows_latest_state_counts(tmp_path):
    """No row is updated in place (a commit writes only the table's tail): a row sent again after an
    error is in flight again, then done; the ``rows`` view shows each row's latest state."""

    async def write(journal: Journal) -> None:
        await journal.commit_in_flight("fp", 2)
        await journal.commit_outcome("fp", Outcome(row=2, status=Status.ERROR, reason="HTTP 503", http_status=503, attempts=5))
        await journal.commit_in_flight("fp", 2)

    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        asyncio.run(write(journal))
        assert journal.in_flight() == {"fp"} and journal.attempted() == {"fp"} and journal.done() == {}
        asyncio.run(journal.commit_outcome("fp", Outcome(row=2, status=Status.AI_ACCEPT, interview_url="u", attempts=1)))
        assert journal.done()["fp"].interview_url == "u" and journal.in_flight() == set() and journal.attempted() == set()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT state FROM events ORDER BY id").fetchall() == [("in_flight",), ("done",), ("in_flight",), ("done",)]
        assert db.execute("SELECT fingerprint, state FROM rows").fetchall() == [("fp", "done")]
        assert db.execute("PRAGMA user_version").fetchone()[0] == FORMAT


def write_format_0(path, rows) -> None:
    """A journal as batch-enrol wrote it before the events table: one ``rows`` row per fingerprint."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE rows (fingerprint TEXT PRIMARY KEY, row INTEGER NOT NULL, "
                   "state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')), outcome TEXT, updated_at TEXT NOT NULL)")  # fmt: skip
        db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, 'then')", rows)
        db.execute("INSERT INTO meta VALUES ('input_sha256', 'abc')")


def test_a_journal_of_the_previous_format_is_read_and_upgraded_in_place(tmp_path):
    path = tmp_path / "j.sqlite"
    accepted = outcome_to_json(Outcome(row=2, status=Status.AI_ACCEPT, interview_url="https://x/i/1", attempts=1))
    failed = outcome_to_json(Outcome(row=4, status=Status.ERROR, reason="HTTP 500", http_status=500, attempts=5))
    write_format_0(path, [("fp-sent", 2, "done", accepted), ("fp-lost", 3, "in_flight", None), ("fp-error", 4, "done", failed)])
    assert recorded_rows(path) == 3
    with Journal(path) as journal:
        assert list(journal.done()) == ["fp-sent"] and journal.done()["fp-sent"].interview_url == "https://x/i/1"
        assert journal.in_flight() == {"fp-lost"} and journal.attempted() == {"fp-lost", "fp-error"}
        assert journal.get_meta("input_sha256") == "abc"
        asyncio.run(journal.commit_in_flight("fp-error", 4))
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == FORMAT
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 4
        assert dict(db.execute("SELECT fingerprint, state FROM rows")) == {"fp-sent": "done", "fp-lost": "in_flight", "fp-error": "in_flight"}


def test_a_journal_of_a_newer_format_is_refused_not_taken_as_empty(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {FORMAT + 1}")
    with pytest.raises(OutputError, match="newer batch-enrol") as refused:
        Journal(path)
    assert str(path) in refused.value.message and "--fresh" in refused.value.hint
