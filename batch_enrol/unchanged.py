"""The no-op resume: a re-run of a finished run whose input, settings and output are unchanged.

When a run ends with nothing left for a re-run to send (every row that validated has an API
decision), it records in its journal's ``meta`` table a *stamp*: the input's SHA-256, a
digest of the settings that shape the rows and the exit code, the output's path, size and
modification time (ns), and the run's summary. A re-run of the same command whose stamp
still matches returns that summary without loading, validating, sending or writing anything
(a 100k-row CSV: seconds of work and a few hundred MB of reads and writes saved).

Anything else does the full work: another input (any byte), other settings, an output that
is missing or was touched since (size or mtime), ``--fresh`` or ``--force``, a run that did
not finish, or rows that read their CV from files (those files may have changed). A full
run removes the stamp before it sends anything, so a stale stamp never survives it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import cv_files
from .columns import ColumnMap
from .dispatcher import Job
from .embed_keys import embed_key_path
from .files import sha256_of
from .journal import Journal
from .models import ExitCode, Outcome, Table
from .reports import Summary
from .settings import Settings

if TYPE_CHECKING:
    from .pipeline import CheckedFile, RunResult

log = logging.getLogger("batch_enrol")
STAMP = "finished_stamp"
#: The settings that change which rows are sent, what they carry, or the exit code.
SHAPING = (
    "sandbox", "base_url", "sheet", "mapping", "max_file_bytes", "max_rows", "max_cell_chars", "max_columns",
    "encoding", "delimiter", "defaults", "resumes_dir", "max_resume_bytes", "max_resume_chars", "value_maps",
    "min_resume_chars", "fail_on",
)  # fmt: skip


def settings_digest(settings: Settings) -> str:
    """SHA-256 (hex) of the SHAPING settings, as JSON with sorted keys."""
    shaping = {name: getattr(settings, name, None) for name in SHAPING}
    return hashlib.sha256(json.dumps(shaping, sort_keys=True, default=str).encode()).hexdigest()


def _output_state(out: Path) -> list[int] | None:
    try:
        stat = out.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def nothing_left(jobs: Iterable[Job], outcomes: Mapping[int, Outcome]) -> bool:
    """True when a re-run would send nothing: every row this run sent has an API decision."""
    return all((o := outcomes.get(job.row)) is not None and o.status.is_decision for job in jobs)


def reads_cv_files(table: Table, columns: ColumnMap) -> bool:
    """True when some row names a CV file instead of holding the CV text."""
    resume_column = columns.fields.get("candidate_resume")
    if resume_column is None:
        return False
    return any(resume_column < len(r.cells) and cv_files.looks_like_file(r.cells[resume_column].strip()) for r in table.rows)


def clear(jrnl: Journal) -> None:
    """Forget the stamp: called before a full run sends anything."""
    jrnl.delete_meta(STAMP)


def record(journal_file: Path, checksum: str, settings: Settings, out: Path, summary: Summary, *, finished: bool,
           checked: CheckedFile) -> None:  # fmt: skip
    """Stamp the journal after the output was written, when the run ``finished`` (``nothing_left``)."""
    state = _output_state(out)
    if state is None or not finished or reads_cv_files(checked.table, checked.columns):
        return
    stamp = {
        "input_sha256": checksum,
        "settings": settings_digest(settings),
        "output": str(out.resolve()),
        "output_state": state,
        "summary": dataclasses.asdict(summary),
    }
    with Journal(journal_file) as jrnl:
        jrnl.set_meta(STAMP, json.dumps(stamp, ensure_ascii=False))


def previous_summary(journal_file: Path, path: Path, settings: Settings, out: Path) -> Summary | None:
    """The summary of the finished run this one would repeat, or None when there is work to do.

    Reads the journal's stamp, the output's size and mtime, then every journal row (a damaged
    journal raises OutputError as on a full run), and hashes the input at ``path`` last.
    """
    if not journal_file.is_file() or journal_file.stat().st_size == 0:
        return None
    with Journal(journal_file) as jrnl:
        try:
            stamp = json.loads(jrnl.get_meta(STAMP) or "null")
            if not stamp or not (
                stamp["settings"] == settings_digest(settings)
                and stamp["output"] == str(out.resolve())
                and stamp["output_state"] == _output_state(out)
            ):
                return None
            jrnl.done()  # raises on rows that do not parse
            return Summary(**stamp["summary"]) if stamp["input_sha256"] == sha256_of(path) else None
        except (OSError, ValueError, KeyError, TypeError):
            log.debug("ignoring an unreadable finished-run stamp in %s", journal_file)
            return None


def result(path: Path, out: Path, previous: Summary, started: tuple[datetime, float]) -> RunResult:
    """The RunResult of a repeat: ``previous`` with no calls and this run's times; no outcomes, no rows."""
    from .pipeline import CheckedFile, RunResult  # the pipeline calls this module

    log.info("%s: every row is already done and nothing changed since the run that finished %s: nothing sent, output "
             "left as it is", path.name, previous.ended_at)  # fmt: skip
    summary = dataclasses.replace(previous, started_at=started[0].isoformat(timespec="seconds"), calls=0, retries=0,
                                  ended_at=datetime.now(UTC).isoformat(timespec="seconds"),
                                  duration_s=time.monotonic() - started[1])  # fmt: skip
    empty = CheckedFile(Table(path, "", 0, (), []), ColumnMap({}, (), ()), [])
    keys = embed_key_path(out)
    return RunResult(ExitCode(previous.exit_code), out, {}, summary, empty, previous.stop_reason, keys if keys.exists() else None, unchanged=True)
