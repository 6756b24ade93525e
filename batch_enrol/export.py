"""Rebuild an output from the journal, sending nothing (``batch-enrol export``)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from . import living, reports, writer
from .errors import OutputError
from .files import sha256_of
from .identity import fingerprint
from .journal import Journal
from .models import Outcome, Status
from .pipeline import check_file
from .preflight import journal_path_for
from .reports import Summary, public_settings
from .settings import Settings


def export(path: Path, settings: Settings, *, out: Path | None = None, journal: Path | None = None) -> tuple[Path, dict[str, int]]:
    """Write the output of ``path`` from what its journal knows: each row's latest API outcome,
    ``invalid``/``duplicate`` from checking the file again, ``not_sent`` for the rest.

    Returns the output's path and the count per status. Raises OutputError when there is no
    journal, and BatchEnrolError for a file that cannot be read.
    """
    path = Path(path)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    checked = check_file(path, settings)
    checksum = sha256_of(path)
    target = living.plan(path, checked.table, out, checksum, writer.default_output(path))
    journal_file = Path(journal) if journal else journal_path_for(target.out)
    if not journal_file.is_file():
        raise OutputError(f"no journal at {journal_file}", hint="give the run's journal with --journal PATH")
    with Journal(journal_file) as jrnl:
        done = jrnl.done()
    outcomes: dict[int, Outcome] = {}
    for row in checked.rows:
        if row.outcome is not None:
            outcomes[row.row] = row.outcome
        elif row.candidate is not None and (known := done.get(fingerprint(row.candidate))) is not None:
            outcomes[row.row] = dataclasses.replace(known, row=row.row)
        else:
            outcomes[row.row] = Outcome(row=row.row, status=Status.NOT_SENT, reason="not sent yet: run the same command again")
    info = {target.main_row(r): v for r, v in checked.info().items()}
    counts, by_position = reports.count(target.merged(outcomes), info)
    summary = Summary(input=str(path), input_sha256=checksum, output=str(target.out), started_at=started,
                      ended_at=datetime.now(UTC).isoformat(timespec="seconds"), duration_s=0.0, exit_code=0,
                      stop_reason="rebuilt from the journal (batch-enrol export)", counts=counts, by_position=by_position,
                      settings=public_settings(settings))  # fmt: skip
    writer.prove(target, checked.table, target.out)
    writer.write_output(checked.table, outcomes, target.out, summary, target=target)
    return target.out, counts
