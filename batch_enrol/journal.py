"""SQLite journal of every row's state, so a killed run resumes without sending a row twice.

One row per request fingerprint: ``in_flight`` is committed before the request leaves,
the outcome right after it is known (WAL, ``synchronous=FULL``; small pages and a larger
WAL keep the bytes written per row small: see PAGE_SIZE and WAL_PAGES). It never stores the
token or the embed signing key, and the file is created with mode 0600.

One run at a time: ``run_lock`` holds an exclusive OS lock on ``<journal>.lock`` for a whole
run, so a second run of the same output is refused (or queues), never sends alongside. A
journal that is damaged (empty beside an existing output, or rows that do not parse) is
refused rather than taken as new, which would send every row again.

The dispatcher's writes are group-committed: every write made in one turn of the event
loop goes into one transaction, and each writer resumes only once its write is on disk.
Same guarantee as a commit per write, but one fsync for many rows (figures in
benchmarks/README.md, "Design measurements").
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import filelock

from .errors import ConfigError, InputFileError, OutputError
from .models import Outcome, Status
from .redaction import redacted

log = logging.getLogger("batch_enrol")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    fingerprint TEXT PRIMARY KEY,
    row INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    outcome TEXT,
    updated_at TEXT NOT NULL
);
"""


MARK_IN_FLIGHT = (
    "INSERT INTO rows (fingerprint, row, state, outcome, updated_at) VALUES (?, ?, 'in_flight', NULL, ?) "
    "ON CONFLICT (fingerprint) DO UPDATE SET state = 'in_flight', row = excluded.row, updated_at = excluded.updated_at"
)
RECORD = (
    "INSERT INTO rows (fingerprint, row, state, outcome, updated_at) VALUES (?, ?, 'done', ?, ?) "
    "ON CONFLICT (fingerprint) DO UPDATE SET state = 'done', row = excluded.row, "
    "outcome = excluded.outcome, updated_at = excluded.updated_at"
)

Write = tuple[str, tuple[object, ...]]
#: Bytes per page of a new journal (SQLite fixes it when it creates the file). Every commit
#: writes each page it touches in full to the WAL, and the fingerprint index is touched at
#: random places: small pages make that cost per row small (benchmarks/io_cost.py).
PAGE_SIZE = 1024
#: Pages the WAL grows to before SQLite copies them into the journal (its default is 1,000):
#: a page rewritten by many commits in between is copied once. 100,000 (~100 MB at most, for
#: runs of ~100k rows): at 100k rows, 16,000 wrote 508 MB, this 405 MB (benchmarks/README.md).
WAL_PAGES = 100_000
START_OVER = "to start over, re-run with --fresh (rows it recorded as sent may be sent again: check the output first)"


class JournalBusy(OutputError):
    """Another process holds the journal's run lock."""


def lock_path_for(journal_file: Path) -> Path:
    return journal_file.with_name(journal_file.name + ".lock")


@contextlib.contextmanager
def run_lock(journal_file: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the exclusive OS lock of ``journal_file`` (on ``<journal>.lock``) for the ``with`` body.

    Another process holding it: OutputError (exit 2) "another batch-enrol run is using …",
    or with ``wait`` block until it is released. Re-entrant within one thread, so a caller
    may hold it around a run that takes it again.
    """
    journal_file = Path(journal_file)
    path = lock_path_for(journal_file)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(path, is_singleton=True)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            if not wait:
                raise JournalBusy(
                    f"another batch-enrol run is using {journal_file}",
                    hint="let it finish, or add --wait to queue behind it",
                ) from None
            log.warning("another batch-enrol run is using %s: waiting for it to finish", journal_file)
            lock.acquire()
    except OSError as exc:
        raise OutputError(f"cannot lock the journal {journal_file}: {exc.strerror or exc}") from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def forget_if_refused(journal_file: Path) -> Iterator[None]:
    """Around a run: when it raises ConfigError or InputFileError, remove the journal (holding no row) and
    its lock file if this run created them, so a refused run leaves nothing behind."""
    journal_file = Path(journal_file)
    had = {p for p in (journal_file, lock_path_for(journal_file)) if os.path.lexists(p)}
    try:
        yield
    except (ConfigError, InputFileError):
        if journal_file not in had and not recorded_rows(journal_file):
            for suffix in ("", "-wal", "-shm"):
                Path(str(journal_file) + suffix).unlink(missing_ok=True)
        if lock_path_for(journal_file) not in had and not journal_file.exists():
            lock_path_for(journal_file).unlink(missing_ok=True)
        raise


def check_not_damaged(journal_file: Path, output: Path) -> None:
    """OutputError (exit 2) when ``journal_file`` is empty while ``output`` exists.

    SQLite writes a journal's first page when it creates it, so an empty journal beside an
    output it produced means the journal was truncated or replaced; taking it as new would
    send every row again.
    """
    if journal_file.is_file() and journal_file.stat().st_size == 0 and output.exists():
        raise OutputError(f"the journal {journal_file} is empty, but its output {output} exists: it was damaged", hint=START_OVER)


def recorded_rows(journal_file: Path) -> int | None:
    """How many rows ``journal_file`` records; None when it does not exist or was never written.

    OutputError when it has a ``meta`` table but no ``rows`` table (both are created together).
    """
    if not journal_file.is_file() or journal_file.stat().st_size == 0:
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{journal_file}?mode=ro", uri=True)) as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "rows" not in tables:
                if "meta" in tables:
                    raise OutputError(f"the journal {journal_file} is damaged (its rows table is missing)", hint=START_OVER)
                return None
            return int(db.execute("SELECT count(*) FROM rows").fetchone()[0])
    except sqlite3.Error:
        return None  # opening it for the run says what is wrong


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def outcome_to_json(outcome: Outcome) -> str:
    """The outcome as compact JSON: fields left at their default are omitted (``outcome_from_json`` restores them)."""
    outcome = redacted(outcome)  # a key learned since the reason arrived is masked too
    data = {f.name: value for f in dataclasses.fields(outcome) if (value := getattr(outcome, f.name)) != f.default}
    data["row"], data["status"] = outcome.row, outcome.status.value
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def outcome_from_json(text: str) -> Outcome:
    data = json.loads(text)
    data["status"] = Status(data["status"])
    return Outcome(**data)


class Journal:
    """The state of one input's rows across runs."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute(f"PRAGMA page_size={PAGE_SIZE}")  # no effect on an existing journal
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise OutputError(f"the journal {self.path} is damaged ({exc})", hint=START_OVER) from None
            raise OutputError(f"cannot open the journal {self.path}: {exc}", hint="use --journal PATH elsewhere, or --fresh") from None
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the journal {self.path}: {exc}", hint="use --journal PATH elsewhere, or --fresh") from None
        self._batch: list[tuple[Write, asyncio.Future[None]]] = []

    def close(self) -> None:
        try:
            self._flush()  # writes whose writers were cancelled while waiting still count
        except OutputError as exc:  # the outcomes are in memory and still reach the output
            log.error("%s", exc.message)
        finally:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- meta ---------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def delete_meta(self, key: str) -> None:
        self._db.execute("DELETE FROM meta WHERE key = ?", (key,))

    # --- rows ---------------------------------------------------------------------
    def done(self) -> dict[str, Outcome]:
        """Outcomes already final (an API decision) by fingerprint: these are never sent again."""
        try:
            rows = self._db.execute("SELECT fingerprint, outcome FROM rows WHERE state = 'done'").fetchall()
        except sqlite3.DatabaseError as exc:
            raise OutputError(f"the journal {self.path} is damaged ({exc})", hint=START_OVER) from None
        out = {}
        for fingerprint, text in rows:
            try:
                outcome = outcome_from_json(text)
            except (TypeError, ValueError, KeyError) as exc:
                raise OutputError(
                    f"the journal {self.path} is damaged: the row recorded for fingerprint {str(fingerprint)[:12]} "
                    f"does not parse ({type(exc).__name__})",
                    hint=START_OVER,
                ) from None
            if outcome.status.is_decision:
                out[fingerprint] = outcome
        return out

    def attempted(self) -> set[str]:
        """Fingerprints an earlier run may have enrolled: left in flight, or ended without an answer or with a 5xx."""
        rows = self._db.execute("SELECT fingerprint, state, outcome FROM rows")
        out = set()
        for fingerprint, state, text in rows:
            outcome = outcome_from_json(text) if text else None
            if state == "in_flight" or outcome is None or (outcome.attempts and not outcome.status.is_decision
                                   and (outcome.http_status is None or outcome.http_status >= 500)):  # fmt: skip
                out.add(fingerprint)
        return out

    def in_flight(self) -> set[str]:
        rows = self._db.execute("SELECT fingerprint FROM rows WHERE state = 'in_flight'")
        return {r[0] for r in rows}

    async def commit_in_flight(self, fingerprint: str, row: int) -> None:
        """Mark a row as about to be sent; returns once that is on disk."""
        await self._group_commit(MARK_IN_FLIGHT, (fingerprint, row, _now()))

    async def commit_outcome(self, fingerprint: str, outcome: Outcome) -> None:
        """Record a row's outcome; returns once that is on disk."""
        await self._group_commit(RECORD, (fingerprint, outcome.row, outcome_to_json(outcome), _now()))

    # --- writing --------------------------------------------------------------------
    async def _group_commit(self, statement: str, params: tuple[object, ...]) -> None:
        loop = asyncio.get_running_loop()
        on_disk = loop.create_future()
        self._batch.append(((statement, params), on_disk))
        if len(self._batch) == 1:
            loop.call_soon(self._flush)  # runs after every task ready in this turn has queued its write
        await on_disk

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        try:
            self._commit([write for write, _ in batch])
        except OutputError as exc:
            for _, on_disk in batch:
                if not on_disk.done():
                    on_disk.set_exception(OutputError(str(exc), hint=exc.hint))
            return
        for _, on_disk in batch:
            if not on_disk.done():  # a cancelled writer's row is written all the same
                on_disk.set_result(None)

    def _commit(self, writes: list[Write]) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement, params in writes:
                    self._db.execute(statement, params)
                self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write the journal {self.path}: {exc}", hint="free some disk space, then re-run the same command") from None

