"""The living output: which file a run writes into, and what that file already holds.

A first run writes ``<input>.enrolled.xlsx`` from the input. Later runs write *into* that
output rather than regenerating it, so whatever the user typed there stays:

- run again on the same, unchanged input: the output is updated in place;
- run on the output itself (or its Needs attention sheet): the output is updated in place,
  a fixed row's results land in its row of the main sheet (found by ``sheet_row``);
- a different input under the same name (next week's list): the previous output is kept,
  renamed ``<stem>.enrolled.<date>.xlsx``, and a new output is written (never a URL lost).

A row whose result cells hold an API decision is done: it is not sent again, even when the
journal is gone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import python_calamine as calamine

from .errors import InputFileError, OutputError
from .journal import START_OVER, check_not_damaged, recorded_rows
from .loader import load
from .models import Outcome, Status, Table
from .report_sheets import HISTORY, OWN_COLUMNS, ROW_KEY
from .xlsx_package import read_marker

log = logging.getLogger("batch_enrol")
XLSX = (".xlsx", ".xlsm")


@dataclass(slots=True)
class Target:
    """Where one run's results go, and what is there already."""

    out: Path
    table: Table  #: the sheet the results go into, as it stands (the input's own for a new output)
    src: Path  #: the file written over: the input for a new output, the output itself on a later run
    row_of: dict[int, int] = field(default_factory=dict)  #: input row → row of ``table`` (when they differ)
    carried: dict[int, Outcome] = field(default_factory=dict)  #: row of ``table`` → the outcome its cells hold
    edits: dict[int, dict[int, str]] = field(default_factory=dict)  #: row → 1-based column → a cell fixed on Needs attention
    history: list[list[object]] = field(default_factory=list)  #: earlier runs' Summary lines
    titles: tuple[str, str] = ("Summary", "Needs attention")
    input_name: str = ""  #: the list this output was made from (its name and SHA-256 are in the marker)
    input_sha256: str = ""
    rotated: Path | None = None
    route: str | None = None  #: the writer proven to work for this output (see writer.prove)
    write_s: float = 0.0  #: seconds the proof's write of the whole output took (paces checkpoints.checkpoints)
    proof: Path | None = None  #: the proof kept to become the output before the first call (writer.place_proof)

    @property
    def updating(self) -> bool:
        return self.src == self.out

    def main_row(self, row: int) -> int:
        return self.row_of.get(row, row)

    def done(self, row: int) -> Outcome | None:
        """The decision already in the output for an input row, if any (such a row is not sent again)."""
        found = self.carried.get(self.main_row(row))
        return found if found is not None and found.status.is_decision else None

    def edited(self) -> Table:
        """``table`` with the fixes from Needs attention in its cells (what the sheet holds once written)."""
        if not self.edits:
            return self.table
        rows = []
        for source in self.table.rows:
            fixes = self.edits.get(source.row)
            if fixes:
                cells = list(source.cells) + [""] * (len(self.table.headers) - len(source.cells))
                for column, text in fixes.items():
                    cells[column - 1] = text
                source = dataclasses.replace(source, cells=tuple(cells))
            rows.append(source)
        return dataclasses.replace(self.table, rows=rows)

    def merged(self, outcomes: dict[int, Outcome]) -> dict[int, Outcome]:
        """This run's outcomes by main-sheet row, over what the output held; a decision is never undone."""
        final = dict(self.carried)
        for row, outcome in outcomes.items():
            main = self.main_row(row)
            kept = self.carried.get(main)
            if kept is None or not kept.status.is_decision:
                final[main] = dataclasses.replace(outcome, row=main)
        return final


def is_output(table: Table) -> bool:
    """A table that already carries result columns is an output of this tool."""
    return "enrol_status" in table.headers


def output_path(path: Path, out: Path | None) -> Path:
    """Where a run of ``path`` writes, decided before the file is read in full: ``out``; else the input
    itself when it is an output of this tool (marked, or a CSV with an ``enrol_status`` header); else
    ``<stem>.enrolled.<ext>`` beside it (preflight.resolve_output: never the input, never a folder)."""
    from .preflight import resolve_output

    path = Path(path)
    if out is None and looks_like_output(path):
        return path
    if out is not None and Path(out).resolve() == path.resolve() and looks_like_output(path):
        return Path(out)
    return resolve_output(path, out)


def check_journal(journal_file: Path, out: Path) -> None:
    """OutputError (exit 2) when ``journal_file`` is empty, or records no rows (or lost its rows table),
    while the output ``out`` exists / holds results: taking the journal as new would send everyone again."""
    check_not_damaged(journal_file, out)
    if recorded_rows(journal_file) == 0 and carries_results(out):
        raise OutputError(f"the journal {journal_file} records no rows, but its output {out} holds results: it was damaged",
                          hint=START_OVER)  # fmt: skip


def carries_results(out: Path) -> bool:
    """Whether the output ``out`` holds what only API calls produce: a decision, or a row that was sent."""
    if not out.is_file() or not looks_like_output(out):
        return False
    try:
        table = load(out, sheet=_main_sheet(out))
    except (InputFileError, OutputError):
        return False
    target = _read_state(Target(out, table, out), None)
    return any(o.status.is_decision or o.attempts for o in target.carried.values())


def looks_like_output(path: Path) -> bool:
    if path.suffix.lower() in XLSX:
        return read_marker(path) is not None
    if path.suffix.lower() in {".csv", ".tsv", ".txt"} and path.is_file():
        with contextlib.suppress(OSError), open(path, "rb") as fh:
            return b"enrol_status" in fh.read(1 << 16)
    return False


def plan(path: Path, table: Table, out: Path | None, checksum: str, default: Path) -> Target:
    """Decide where this run writes. ``default`` is where a new output goes when ``out`` is None."""
    marker = read_marker(path) if path.suffix.lower() in XLSX else None
    if marker is not None or is_output(table):
        target_out = Path(out) if out is not None else path
        main = str((marker or {}).get("sheet") or table.sheet)
        base = table if main == table.sheet else _load(path, main)
        target = Target(target_out, base, path, input_name=str((marker or {}).get("input", path.name)),
                        input_sha256=str((marker or {}).get("input_sha256", "")))  # fmt: skip
        if base is not table:
            target.row_of = _row_keys(table, base)
            target.edits = _edits(table, base, target.row_of)
        return _read_state(target, marker)
    target_out = Path(out) if out is not None else default
    if target_out.resolve() == path.resolve():
        raise OutputError(f"the output {target_out} is the input itself", hint="choose another --out")
    fresh = Target(target_out, table, path, input_name=path.name, input_sha256=checksum)
    if target_out.is_dir():
        raise OutputError(f"the output {target_out} is a folder", hint="give --out a file name, e.g. --out results.xlsx")
    if not target_out.exists():
        return fresh
    previous = _identity(target_out)
    if previous is None:
        return fresh  # not ours, or made before outputs were marked: the caller decides (--force)
    if previous == checksum:
        existing = load(target_out, sheet=_main_sheet(target_out))
        target = Target(target_out, existing, target_out, input_name=path.name, input_sha256=checksum)
        target = _read_state(target, read_marker(target_out) if target_out.suffix.lower() in XLSX else None)
        _keep_unsent_fixes(target)
        return target
    fresh.rotated = rotate(target_out)
    log.warning("%s changed since the last run of %s: the previous output is kept as %s; rows already done "
                "(same request) are not sent again", path.name, target_out.name, fresh.rotated.name)  # fmt: skip
    return fresh


def _keep_unsent_fixes(target: Target) -> None:
    """The input run again while its output's Needs attention holds fixes: that sheet is about to be
    rebuilt from the main sheet, so the output as it stands is first copied aside and one line says so."""
    if target.out.suffix.lower() not in XLSX:
        return
    try:
        sheet = load(target.out, sheet=target.titles[1])
        fixes = _edits(sheet, target.table, _row_keys(sheet, target.table))
    except (InputFileError, OutputError):
        return  # no Needs attention sheet (or not as written): nothing typed there to lose
    if fixes:
        kept = rotate(target.out, copy=True)
        log.warning("your edits in %r were not used: run the output (batch-enrol run %s --sheet %r) to send them; "
                    "the output with your edits is kept as %s", target.titles[1], target.out.name, target.titles[1], kept.name)  # fmt: skip


def _load(path: Path, sheet: str) -> Table:
    try:
        return load(path, sheet=sheet)
    except InputFileError as exc:
        raise InputFileError(f"cannot read the main sheet {sheet!r} of {path.name}: {exc.message}") from None


def _main_sheet(path: Path) -> str | None:
    marker = read_marker(path) if path.suffix.lower() in XLSX else None
    return str(marker["sheet"]) if marker and marker.get("sheet") else None


def _identity(out: Path) -> str | None:
    """The SHA-256 of the input an existing output was made from (its marker, else its journal)."""
    if out.suffix.lower() in XLSX:
        marker = read_marker(out)
        return str(marker.get("input_sha256", "")) if marker else None
    journal = out.with_name(out.name + ".journal.sqlite")
    if not journal.exists():
        return None
    with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(f"file:{journal}?mode=ro", uri=True)) as db:
        found = db.execute("SELECT value FROM meta WHERE key = 'input_sha256'").fetchone()
        return found[0] if found else None
    return None


def rotate(out: Path, copy: bool = False) -> Path:
    """Rename an output to ``<stem>.<date>[-n]<suffix>`` (or copy it there, ``copy``); return the new path.

    The journal stays: it is keyed by request, so a row of the new list that was already sent
    gets its earlier outcome and URL instead of being sent again.
    """
    stem, suffix, today = out.name[: -len(out.suffix)], out.suffix, date.today().isoformat()
    target, n = out.with_name(f"{stem}.{today}{suffix}"), 2
    while target.exists():
        target, n = out.with_name(f"{stem}.{today}-{n}{suffix}"), n + 1
    if copy:
        shutil.copy2(out, target)
    else:
        out.rename(target)
    return target


def _row_keys(table: Table, main: Table) -> dict[int, int]:
    """Needs attention row → main sheet row, from the ``sheet_row`` column."""
    if ROW_KEY not in table.headers:
        raise InputFileError(f"sheet {table.sheet!r} has no {ROW_KEY} column to find each row in {main.sheet!r}",
                             hint="feed back the Needs attention sheet as written, or the main sheet")  # fmt: skip
    at = table.headers.index(ROW_KEY)
    rows = {r.row for r in main.rows}
    out = {}
    for source in table.rows:
        text = source.cells[at].strip() if at < len(source.cells) else ""
        if not text.isdigit() or int(text) not in rows:
            raise InputFileError(f"row {source.row} of {table.sheet!r}: {ROW_KEY} {text!r} is not a row of {main.sheet!r}")
        out[source.row] = int(text)
    return out


def _edits(table: Table, main: Table, row_of: dict[int, int]) -> dict[int, dict[int, str]]:
    """The cells fixed on Needs attention that differ from the main sheet's: main row → column → text."""
    at = {h: i for i, h in reversed(list(enumerate(main.headers))) if h and h not in OWN_COLUMNS}
    cells_of = {r.row: r.cells for r in main.rows}
    out: dict[int, dict[int, str]] = {}
    for source in table.rows:
        row = row_of[source.row]
        for i, header in enumerate(table.headers):
            j = at.get(header)
            if j is None:
                continue
            new = source.cells[i] if i < len(source.cells) else ""
            old = cells_of[row][j] if j < len(cells_of[row]) else ""
            if new != old:
                out.setdefault(row, {})[1 + j] = new
    return out


def _read_state(target: Target, marker: dict | None) -> Target:
    """The outcomes the output's result cells hold, its report sheet titles and earlier Summary lines."""
    table = target.table
    at = {h: i for i, h in reversed(list(enumerate(table.headers)))}
    for source in table.rows:
        outcome = outcome_from_cells(source.row, {h: source.cells[i] if i < len(source.cells) else "" for h, i in at.items()})
        if outcome is not None:
            target.carried[source.row] = outcome
    if marker:
        titles = marker.get("sheets")
        if isinstance(titles, list) and len(titles) == 2:
            target.titles = (str(titles[0]), str(titles[1]))
        target.history = _history(target.src, target.titles[0])
    return target


def outcome_from_cells(row: int, cells: dict[str, str]) -> Outcome | None:
    """An outcome rebuilt from a row's result cells, or None when they hold no status."""
    try:
        status = Status(cells.get("enrol_status", "").strip())
    except ValueError:
        return None

    def number(name: str) -> int | None:
        text = cells.get(name, "").strip()
        return int(text) if text.isdigit() else None

    return Outcome(row=row, status=status, reason=cells.get("enrol_reason", ""), error_field=cells.get("enrol_error_field", ""),
                   http_status=number("http_status"), attempts=number("attempts") or 0,
                   position_def_set_id=cells.get("position_def_set_id", ""), interview_def_set_id=cells.get("interview_def_set_id", ""),
                   profile_interview_id=cells.get("profile_interview_id", ""), interview_url=cells.get("interview_url", ""),
                   embed_id=cells.get("embed_id", ""), processed_at=cells.get("processed_at", ""))  # fmt: skip


def _history(path: Path, title: str) -> list[list[object]]:
    """Earlier runs' lines from the Summary sheet: the rows under its header, up to the first blank row."""
    try:
        rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(title).to_python()
    except Exception:  # noqa: BLE001 - a missing or unreadable Summary only loses the history
        return []
    if not rows or tuple(str(c) for c in rows[0][: len(HISTORY)]) != HISTORY:
        return []
    out = []
    for row in rows[1:]:
        if not any(str(c).strip() for c in row):
            break
        out.append([c if not isinstance(c, float) or not c.is_integer() else int(c) for c in row[: len(HISTORY)]])
    return out
