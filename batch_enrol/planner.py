"""Planning a run against its journal: which rows are final already, which to send, which
positions are known.

A row is sent when it validated and its request (by fingerprint) has no final outcome in the
journal; a row whose request is done takes that outcome (with its own row number), and the
position id that outcome carries is known, so the dispatcher does not warm that position up
again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path

from .dispatcher import Job
from .errors import Cancelled
from .identity import fingerprint, position_key
from .journal import Journal
from .models import Outcome, Status
from .preview import Confirm, Preview, log_preview
from .settings import Settings
from .validator import Checked


@dataclass(slots=True)
class Plan:
    """What a run does: ``jobs`` to send, ``outcomes`` final already (by row number)."""

    jobs: list[Job] = field(default_factory=list)
    outcomes: dict[int, Outcome] = field(default_factory=dict)  #: invalid, duplicate, and done in an earlier run
    known_positions: dict[Hashable, str] = field(default_factory=dict)  #: position key → position_def_set_id
    resumed: int = 0  #: rows whose request was done in an earlier run (not sent again)
    #: profile_interview_id → the journal's outcome of our own earlier enrolment (see ``outcomes.decided``)
    ours: dict[str, Outcome] = field(default_factory=dict)


def plan(rows: Iterable[Checked], done: Mapping[str, Outcome], attempted: Set[str] = frozenset()) -> Plan:
    """The plan for checked rows, given the journal's final outcomes by fingerprint (``Journal.done()``).

    ``attempted``: fingerprints an earlier run may have enrolled (``Journal.attempted()``); their
    jobs are marked ``sent_before``, so an ``already-applied`` answer is known as our own enrolment.
    """
    result = Plan()
    result.ours = {o.profile_interview_id: o for o in done.values()
                   if o.profile_interview_id and o.status != Status.ALREADY_APPLIED}  # fmt: skip
    for checked in rows:
        if checked.outcome is not None:
            result.outcomes[checked.row] = checked.outcome
            continue
        candidate = checked.candidate
        if candidate is None:
            continue
        fp = fingerprint(candidate)
        group = None if candidate.position_def_set_id else position_key(candidate)
        if fp in done:
            outcome = dataclasses.replace(done[fp], row=checked.row)  # same request, this row number
            result.outcomes[checked.row] = outcome
            result.resumed += 1
            if group is not None and outcome.position_def_set_id:
                result.known_positions.setdefault(group, outcome.position_def_set_id)
            continue
        result.jobs.append(Job(row=checked.row, candidate=candidate, fingerprint=fp, group=group, sent_before=fp in attempted))
    return result


def preview(path: Path, settings: Settings, planned: Plan, rows: Sequence[Checked]) -> Preview:
    """What a planned run will do, for the user to see before the first call (see ``preview.Preview``)."""
    sendable = sum(1 for c in rows if c.candidate is not None)
    groups = {j.group for j in planned.jobs if j.group is not None and j.group not in planned.known_positions}
    return Preview.build(str(path), settings, rows=len(planned.jobs), done=planned.resumed,
                         not_sendable=len(rows) - sendable, positions=len(groups))  # fmt: skip


def confirmed(path: Path, settings: Settings, planned: Plan, rows: Sequence[Checked], confirm: Confirm | None) -> Preview:
    """The run's Preview once ``confirm`` accepted it (default: logged, accepted); else ``Cancelled``."""
    said = preview(path, settings, planned, rows)
    if not (confirm or log_preview)(said):
        raise Cancelled("nothing was sent: the run was not confirmed", hint="run again and answer y, or add --yes")
    return said


def preview_with_journal(path: Path, settings: Settings, rows: Sequence[Checked], journal_file: Path) -> Preview:
    """The Preview of running ``rows`` against the journal at ``journal_file`` (read only if it exists)."""
    done: dict[str, Outcome] = {}
    if journal_file.exists():
        with Journal(journal_file) as journal:
            done = journal.done()
    return preview(path, settings, plan(rows, done), rows)
