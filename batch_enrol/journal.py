"""SQLite journal of every row's state, so a killed run resumes without sending a row twice.

One row per request fingerprint: ``in_flight`` is committed before the request leaves,
the outcome right after it is known (WAL, ``synchronous=FULL``). It never stores the
token or the embed signing key, and the file is created with mode 0600.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from .errors import OutputError
from .models import Outcome, Status

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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def outcome_to_json(outcome: Outcome) -> str:
    data = dataclasses.asdict(outcome)
    data["status"] = outcome.status.value
    return json.dumps(data, ensure_ascii=False)


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
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the journal {self.path}: {exc}", hint="use --journal PATH elsewhere, or --fresh") from None

    def close(self) -> None:
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

    # --- rows ---------------------------------------------------------------------
    def done(self) -> dict[str, Outcome]:
        """Outcomes already final (an API decision) by fingerprint: these are never sent again."""
        rows = self._db.execute("SELECT fingerprint, outcome FROM rows WHERE state = 'done'")
        out = {}
        for fingerprint, text in rows:
            outcome = outcome_from_json(text)
            if outcome.status.is_decision:
                out[fingerprint] = outcome
        return out

    def in_flight(self) -> set[str]:
        rows = self._db.execute("SELECT fingerprint FROM rows WHERE state = 'in_flight'")
        return {r[0] for r in rows}

    def mark_in_flight(self, fingerprint: str, row: int) -> None:
        self._db.execute(
            "INSERT INTO rows (fingerprint, row, state, outcome, updated_at) VALUES (?, ?, 'in_flight', NULL, ?) "
            "ON CONFLICT (fingerprint) DO UPDATE SET state = 'in_flight', row = excluded.row, "
            "updated_at = excluded.updated_at",
            (fingerprint, row, _now()),
        )

    def record(self, fingerprint: str, outcome: Outcome) -> None:
        self._db.execute(
            "INSERT INTO rows (fingerprint, row, state, outcome, updated_at) VALUES (?, ?, 'done', ?, ?) "
            "ON CONFLICT (fingerprint) DO UPDATE SET state = 'done', row = excluded.row, "
            "outcome = excluded.outcome, updated_at = excluded.updated_at",
            (fingerprint, outcome.row, outcome_to_json(outcome), _now()),
        )
