"""Position warm-up: one row per new position goes first; the rest follow with the id it returns.

The platform "creates (or resolves an existing) position" non-atomically, so rows describing
the same new position sent at once would each create one. Rows share a ``group`` (the
position key); the first row of a group is its leader and is sent alone; once its answer
carries a ``position_def_set_id`` the waiting rows are released with that id filled in. A
leader that fails hands the lead to the next waiting row.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from ..models import Outcome
from ..schema import Candidate


@dataclass(slots=True)
class Job:
    """One valid row to send."""

    row: int
    candidate: Candidate
    fingerprint: str
    group: Hashable | None = None  #: rows describing the same new position share a group
    sent_before: bool = False  #: an earlier run may have enrolled it (the journal says so)


@dataclass(slots=True)
class _Group:
    position_id: str | None = None
    leader: Job | None = None
    waiting: deque[Job] = field(default_factory=deque)


class Warmup:
    """Which jobs may be sent now. ``known``: group → position id from an earlier run (the journal)."""

    __slots__ = ("_groups", "_known")

    def __init__(self, known: Mapping[Hashable, str] | None = None) -> None:
        self._known = dict(known or {})
        self._groups: dict[Hashable, _Group] = {}

    def schedule(self, job: Job) -> list[Job]:
        """The jobs ready to send now that ``job`` is due: itself, or none while its group warms up."""
        if job.group is None:
            return [job]
        group = self._groups.setdefault(job.group, _Group(position_id=self._known.get(job.group)))
        if group.position_id:
            return [with_position(job, group.position_id)]
        if group.leader is None:
            group.leader = job
            return [job]
        group.waiting.append(job)
        return []

    def release(self, job: Job, outcome: Outcome, *, stopping: bool = False) -> list[Job]:
        """The jobs ready to send now that ``job`` ended with ``outcome`` (all waiting ones if ``stopping``)."""
        group = self._groups.get(job.group) if job.group is not None else None
        if group is None or group.leader is not job:
            return []
        if outcome.position_def_set_id:
            group.position_id = outcome.position_def_set_id
            released = [with_position(j, group.position_id) for j in group.waiting]
            group.waiting.clear()
            return released
        if stopping:
            released = list(group.waiting)
            group.waiting.clear()
            return released
        group.leader = group.waiting.popleft() if group.waiting else None
        return [group.leader] if group.leader else []


def with_position(job: Job, position_id: str) -> Job:
    """``job`` with its candidate's ``position_def_set_id`` set."""
    candidate = job.candidate.model_copy(update={"position_def_set_id": position_id})
    return Job(row=job.row, candidate=candidate, fingerprint=job.fingerprint, group=job.group, sent_before=job.sent_before)
