"""SQLite journal of every row's state, so a killed run resumes without sending a row twice.

Each row's states are appended to the ``events`` table, keyed by request fingerprint:
``in_flight`` is committed before the request leaves, the outcome (``done``) right after it
is known (WAL, ``synchronous=FULL``). A row's latest event is its state (``_latest``; the
``rows`` view shows the same for a person reading the file with sqlite3). It never stores the
token or the embed signing key, and the file is created with mode 0600.

Cost design (issue 15: a run's bytes written stay a small multiple of its output's size).
Nothing is updated in place and there is no index but the rowid, so a commit writes only the
table's tail pages: the bytes written are about twice the events' size (once into the WAL,
once when SQLite copies the WAL into the journal), ~1.8 KB per 100k-run row beside ~2.4 KB of
output. The earlier format (one row per fingerprint, updated in place, with a unique index
on it) rewrote tens of pages at random places per commit: 405 MB for 100k rows instead of
~180 MB. Reading folds ~2 events per row in one pass by rowid (100k rows: ~0.3 s). A journal
of that earlier format (``user_version`` 0, a ``rows`` table) is upgraded in place when
opened, in one transaction; one of a newer format is refused (OutputError, START_OVER).

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

#: The journal's format, in SQLite's ``user_version``: 0 was one ``rows`` row per fingerprint,
#: updated in place (still read: ``Journal._prepare`` upgrades it); 1 appends to ``events``.
FORMAT = 1
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        row INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
        outcome TEXT,
        at TEXT NOT NULL
    )""",
    # each fingerprint's latest event, for people (and tests) reading the file with sqlite3
    """CREATE VIEW IF NOT EXISTS rows AS
        SELECT fingerprint, row, state, outcome, at AS updated_at FROM events
        WHERE id IN (SELECT max(id) FROM events GROUP BY fingerprint)""",
)
#: Format 0's table becomes events in one transaction (it held one row per fingerprint).
UPGRADE = (
    "ALTER TABLE rows RENAME TO rows_format_0",
    *SCHEMA,
    "INSERT INTO events (fingerprint, row, state, outcome, at) "
    "SELECT fingerprint, row, state, outcome, updated_at FROM rows_format_0 ORDER BY rowid",
    "DROP TABLE rows_format_0",
)
MARK_IN_FLIGHT = "INSERT INTO events (fingerprint, row, state, outcome, at) VALUES (?, ?, 'in_flight', NULL, ?)"
RECORD = "INSERT INTO events (fingerprint, row, state, outcome, at) VALUES (?, ?, 'done', ?, ?)"

Write = tuple[str, tuple[object, ...]]
#: Bytes per page of a new journal (SQLite fixes it when it creates the file; an older journal
#: keeps its own). Commits only append, so a page is written about once into the WAL and once
#: into the journal; 4 KiB pages hold ~6 rows' events where 1 KiB held one (20k rows: a 12.8 MB
#: journal instead of 17.5 MB, 36 MB written instead of 41 MB; benchmarks/io_cost.py).
PAGE_SIZE = 4096
#: Pages the WAL grows to before SQLite copies them into the journal (SQLite's default). With
#: appends only, a larger WAL saves nothing (measured: 100,000 pages wrote as much) and takes disk.
WAL_PAGES = 1000
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
    """How many row states ``journal_file`` records (events: a row sent has one or more; 0: no row);
    None when it does not exist or was never written.

    Reads either format (``events``, or format 0's ``rows`` table). OutputError when it has a
    ``meta`` table but neither (they are created together).
    """
    if not journal_file.is_file() or journal_file.stat().st_size == 0:
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{journal_file}?mode=ro", uri=True)) as db:
            kinds = dict(db.execute("SELECT name, type FROM sqlite_master"))
            if kinds.get("events") == "table":
                return int(db.execute("SELECT count(*) FROM events").fetchone()[0])
            if kinds.get("rows") == "table":
                return int(db.execute("SELECT count(*) FROM rows").fetchone()[0])
            if "meta" in kinds:
                raise OutputError(f"the journal {journal_file} is damaged (its rows are missing)", hint=START_OVER)
            return None
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
            self._prepare()
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise OutputError(f"the journal {self.path} is damaged ({exc})", hint=START_OVER) from None
            raise OutputError(f"cannot open the journal {self.path}: {exc}", hint="use --journal PATH elsewhere, or --fresh") from None
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the journal {self.path}: {exc}", hint="use --journal PATH elsewhere, or --fresh") from None
        self._batch: list[tuple[Write, asyncio.Future[None]]] = []

    def _prepare(self) -> None:
        """Create the tables of a new journal, or upgrade a format-0 one (its ``rows`` table) in one
        transaction; OutputError for a journal of a newer format, or one that lost its events table."""
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        kinds = dict(self._db.execute("SELECT name, type FROM sqlite_master"))
        if version > FORMAT:
            raise OutputError(f"the journal {self.path} was written by a newer batch-enrol (journal format {version})",
                              hint="run that version again, or " + START_OVER)  # fmt: skip
        if version == FORMAT and kinds.get("events") != "table":
            raise OutputError(f"the journal {self.path} is damaged (its events table is missing)", hint=START_OVER)
        if version == FORMAT and kinds.get("rows") == "view":
            return
        upgrade = kinds.get("rows") == "table"
        if upgrade:
            log.info("upgrading the journal %s to format %d (each row's events in one table)", self.path, FORMAT)
        self._commit([(statement, ()) for statement in (UPGRADE if upgrade else SCHEMA)] + [(f"PRAGMA user_version = {FORMAT}", ())])

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
    def _latest(self) -> dict[str, tuple[str, str | None]]:
        """Each fingerprint's latest event: fingerprint → (state, outcome JSON or None)."""
        latest: dict[str, tuple[str, str | None]] = {}
        try:
            for fingerprint, state, text in self._db.execute("SELECT fingerprint, state, outcome FROM events ORDER BY id"):
                latest[fingerprint] = (state, text)
        except sqlite3.DatabaseError as exc:
            raise OutputError(f"the journal {self.path} is damaged ({exc})", hint=START_OVER) from None
        return latest

    def _parsed(self, fingerprint: str, text: str) -> Outcome:
        try:
            return outcome_from_json(text)
        except (TypeError, ValueError, KeyError) as exc:
            raise OutputError(
                f"the journal {self.path} is damaged: the row recorded for fingerprint {str(fingerprint)[:12]} "
                f"does not parse ({type(exc).__name__})",
                hint=START_OVER,
            ) from None

    def done(self) -> dict[str, Outcome]:
        """Outcomes already final (an API decision) by fingerprint: these are never sent again.

        A fingerprint's latest event counts; OutputError (exit 2, START_OVER) when one does not parse."""
        out = {}
        for fingerprint, (state, text) in self._latest().items():
            if state == "done":
                outcome = self._parsed(fingerprint, text or "")
                if outcome.status.is_decision:
                    out[fingerprint] = outcome
        return out

    def attempted(self) -> set[str]:
        """Fingerprints an earlier run may have enrolled: left in flight, or ended without an answer or with a 5xx."""
        out = set()
        for fingerprint, (state, text) in self._latest().items():
            outcome = self._parsed(fingerprint, text) if text and state == "done" else None
            if outcome is None or (outcome.attempts and not outcome.status.is_decision
                                   and (outcome.http_status is None or outcome.http_status >= 500)):  # fmt: skip
                out.add(fingerprint)
        return out

    def in_flight(self) -> set[str]:
        """Fingerprints whose latest event is ``in_flight``: a request may have left, no outcome came back."""
        return {fingerprint for fingerprint, (state, _) in self._latest().items() if state == "in_flight"}

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

