"""The SQLite journal: what a killed run leaves behind and what a resumed run reads back."""

from __future__ import annotations

import asyncio
import os
import stat

import pytest

from batch_enrol.errors import OutputError
from batch_enrol.journal import Journal
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
