"""Checkpoints: the output written now and then while a run goes on, so a killed run leaves a usable file.

Cost design (issue 15: bytes written by a run stay a small multiple of the output's size).
Every checkpoint rewrites the whole output, so checkpoints are paced by what one costs:

- none before the run has lasted CHECKPOINT_SHARE times as long as one write of the whole
  output takes (measured on the proof's write, ``writer.prove``, before the first call) nor
  before ``checkpoint_every`` seconds; at zero latency a 100k-row CSV run (~90 s, a ~2 s
  write) writes none: its journal holds every row and the final write follows;
- then each one at least CHECKPOINT_GROWTH times as far into the run as the previous one
  (30 s, 90 s, 270 s, …), so their number grows with the log of the run's length;
- only when some row has finished since the last one.

A killed run loses nothing to this: the output exists from before the first call (the
proof, renamed into place: ``writer.place_proof``), the journal (``journal.py``) holds every
outcome, and the next run writes them into the output. Figures: benchmarks/README.md, "Disk cost".
"""

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


#: A checkpoint waits at least this many times as long as one write of the output took (the
#: proof's before the first, then the previous checkpoint's), so writing checkpoints takes at
#: most 1/CHECKPOINT_SHARE of a run however large the output is, and a run shorter than that
#: many writes of its output writes none (a 100k-row output takes seconds to write).
CHECKPOINT_SHARE = 50
#: Each checkpoint is at least this many times as far into the run as the previous one
#: (30 s, 90 s, 270 s, …), so a run writes a number of checkpoints that grows with the log
#: of its length: a whole-output rewrite per 30 s would make the bytes written grow with it.
CHECKPOINT_GROWTH = 3


def next_wait(settings: Settings, took: float, ran: float) -> float:
    """Seconds until the next checkpoint: the longest of ``checkpoint_every``, CHECKPOINT_SHARE ×
    ``took`` (seconds one write of the output took) and (CHECKPOINT_GROWTH - 1) × ``ran`` (seconds
    since the run started)."""
    return max(settings.checkpoint_every, CHECKPOINT_SHARE * took, (CHECKPOINT_GROWTH - 1) * ran)


async def checkpoints(table: Table, outcomes: dict[int, Outcome], dispatcher: Dispatcher, out: Path, settings: Settings,
                      *, target: Target | None = None) -> None:  # fmt: skip
    """Write the output now and then while a run goes on, so a killed run leaves a usable file
    (into ``target``, the living output, when given: see ``writer.write_output``).

    Paced by ``next_wait``: the first one waits for CHECKPOINT_SHARE × ``target.write_s`` (the
    proof's write) too; each next one for the previous checkpoint's write. Skipped when no row
    finished since the last one. A checkpoint that cannot be written is logged, not raised.
    """
    start = time.monotonic()
    wait, written = next_wait(settings, target.write_s if target else 0.0, 0.0), -1
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
        wait = next_wait(settings, now - began, now - start)
