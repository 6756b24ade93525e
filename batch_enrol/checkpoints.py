"""Checkpoints: the output written now and then while a run goes on, so a killed run leaves a usable file."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from pathlib import Path

from . import writer
from .dispatcher import Dispatcher
from .errors import OutputError
from .living import Target
from .models import Outcome, Status, Table
from .settings import Settings

log = logging.getLogger("batch_enrol")


#: A checkpoint waits at least this many times as long as the previous one took to write, so
#: writing checkpoints takes at most 1/CHECKPOINT_SHARE of a run however large the output is
#: (a 100k-row output takes seconds to write: without this, checkpoints wrote gigabytes).
CHECKPOINT_SHARE = 50
#: Each checkpoint is at least this many times as far into the run as the previous one
#: (30 s, 90 s, 270 s, …), so a run writes a number of checkpoints that grows with the log
#: of its length: a whole-output rewrite per 30 s would make the bytes written grow with it.
CHECKPOINT_GROWTH = 3


async def checkpoints(table: Table, outcomes: dict[int, Outcome], dispatcher: Dispatcher, out: Path, settings: Settings,
                      *, target: Target | None = None) -> None:  # fmt: skip
    """Write the output now and then while a run goes on, so a killed run leaves a usable file
    (into ``target``, the living output, when given: see ``writer.write_output``).

    The first after ``checkpoint_every`` seconds; each next one waits the longest of
    ``checkpoint_every``, CHECKPOINT_SHARE × the previous write's duration, and
    (CHECKPOINT_GROWTH - 1) × the time since the run started; only when some row has
    finished since the last one.
    """
    wait, written, start = settings.checkpoint_every, -1, time.monotonic()
    while True:
        await asyncio.sleep(wait)
        if len(dispatcher.outcomes) == written:
            continue
        written = len(dispatcher.outcomes)
        snapshot = {**outcomes, **dispatcher.outcomes}
        for checked_row in table.rows:
            snapshot.setdefault(checked_row.row, Outcome(row=checked_row.row, status=Status.NOT_SENT, reason="not sent yet (run in progress)"))
        began = time.monotonic()
        try:
            await asyncio.to_thread(functools.partial(writer.write_output, table, snapshot, out, target=target))
        except OutputError as exc:
            log.warning("checkpoint not written: %s", exc.message)
        now = time.monotonic()
        wait = max(settings.checkpoint_every, CHECKPOINT_SHARE * (now - began), (CHECKPOINT_GROWTH - 1) * (now - start))


