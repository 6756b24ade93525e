"""Planning a run against its journal: which rows are final already, which to send, which positions are known."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Set
from pathlib import Path
from typing import TYPE_CHECKING

from .dispatcher import Job
from .identity import fingerprint, position_key
from .journal import Journal
from .models import Outcome
from .preview import Preview
from .settings import Settings

if TYPE_CHECKING:
    from .pipeline import CheckedFile


def plan_jobs(
    checked: CheckedFile, done: Mapping[str, Outcome], attempted: Set[str] = frozenset()
) -> tuple[dict[int, Outcome], list[Job], dict[Hashable, str]]:
    """(final outcomes so far, jobs to send, positions known) of a checked input against its journal.

    ``done``: outcomes by fingerprint of rows never to send again; ``attempted``: fingerprints an
    earlier run may have sent (an ``already-applied`` answer is then our own earlier attempt).
    """
    outcomes: dict[int, Outcome] = {c.row: c.outcome for c in checked.rows if c.outcome is not None}
    jobs: list[Job] = []
    known: dict[Hashable, str] = {}
    for c in checked.rows:
        if c.candidate is None:
            continue
        fp = fingerprint(c.candidate)
        group = None if c.candidate.position_def_set_id else position_key(c.candidate)
        if fp in done:
            outcomes[c.row] = dataclasses.replace(done[fp], row=c.row)  # same request, this row number
            if group is not None and outcomes[c.row].position_def_set_id:
                known.setdefault(group, outcomes[c.row].position_def_set_id)
            continue
        jobs.append(Job(row=c.row, candidate=c.candidate, fingerprint=fp, group=group, sent_before=fp in attempted))
    return outcomes, jobs, known


def preview(path: Path, settings: Settings, checked: CheckedFile, jobs: list[Job], known: Mapping[Hashable, str]) -> Preview:
    """The Preview of a planned run: rows to send, new positions (groups whose position is not known)."""
    sendable = sum(1 for c in checked.rows if c.candidate is not None)
    positions = len({j.group for j in jobs if j.group is not None and j.group not in known})
    return Preview.build(str(path), settings, rows=len(jobs), done=sendable - len(jobs),
                         not_sendable=len(checked.rows) - sendable, positions=positions)  # fmt: skip


def preview_with_journal(path: Path, settings: Settings, checked: CheckedFile, journal_file: Path) -> Preview:
    """The Preview of running ``checked`` against the journal at ``journal_file`` (read only if it exists)."""
    done: dict[str, Outcome] = {}
    if journal_file.exists():
        with Journal(journal_file) as journal:
            done = journal.done()
    _, jobs, known = plan_jobs(checked, done)
    return preview(path, settings, checked, jobs, known)
