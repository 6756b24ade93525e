"""Outputs: the user's own workbook with result columns added, or a CSV; always written atomically."""

from __future__ import annotations

import contextlib
import copy
import csv
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .errors import OutputError
from .models import RESULT_COLUMNS, Outcome, Status, Table, result_cells

FILLS = {
    "good": PatternFill("solid", start_color="FFC6EFCE"),  # green: a decision
    "warn": PatternFill("solid", start_color="FFFFEB9C"),  # amber: reject, already-applied, duplicate
    "bad": PatternFill("solid", start_color="FFFFC7CE"),  # red: invalid, error, not_sent
}
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-][\d\s().,]*\d[\d\s().,]*$")


def tone(status: Status) -> str:
    if status.is_failure:
        return "bad"
    if status.is_reject or status in (Status.ALREADY_APPLIED, Status.DUPLICATE):
        return "warn"
    return "good"


def neutralise(value: str) -> str:
    """Defuse spreadsheet formula injection in a CSV cell (OWASP: prefix a single quote).

    Plain signed numbers and phone numbers (``-5``, ``+421 903 123 456``) are left alone.
    """
    if value.startswith(_DANGEROUS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def default_output(path: Path) -> Path:
    """``<stem>.enrolled.<ext>`` beside the input; .xls and .ods come back as .xlsx."""
    suffix = path.suffix.lower()
    if suffix in {".xls", ".ods"}:
        suffix = ".xlsx"
    return path.with_name(f"{path.stem}.enrolled{suffix}")


@contextlib.contextmanager
def atomic_path(target: Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_output(table: Table, outcomes: Mapping[int, Outcome], out: Path) -> None:
    """Write the results; the format follows ``out``'s extension (.xlsx/.xlsm or .csv/.tsv/.txt)."""
    suffix = out.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm"}:
            if table.format == "xlsx":
                _write_into_workbook(table, outcomes, out)
            else:
                _write_new_workbook(table, outcomes, out)
        elif suffix in {".csv", ".tsv", ".txt"}:
            _write_csv(table, outcomes, out)
        else:
            raise OutputError(f"cannot write {out.name}: use an .xlsx or .csv output")
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None


def _outcome(outcomes: Mapping[int, Outcome], row: int) -> Outcome:
    found = outcomes.get(row)
    if found is None:  # the writer never guesses; a missing outcome is a bug upstream
        raise OutputError(f"internal error: row {row} has no outcome")
    return found


# --- CSV --------------------------------------------------------------------------------


def _write_csv(table: Table, outcomes: Mapping[int, Outcome], out: Path) -> None:
    same_kind = table.format == "csv"
    encoding = (table.encoding if same_kind else None) or "utf-8"
    if encoding == "utf-8" and (table.bom or not same_kind):
        encoding = "utf-8-sig"  # Excel needs the BOM to read UTF-8
    delimiter = (table.delimiter if same_kind else None) or ("\t" if out.suffix.lower() == ".tsv" else ",")
    with atomic_path(out) as tmp:
        with open(tmp, "w", encoding=encoding, errors="replace", newline="") as fh:
            writer = csv.writer(fh, delimiter=delimiter)
            width = len(table.headers)
            for cells in table.preamble:
                writer.writerow([neutralise(c) for c in cells])
            writer.writerow([neutralise(h) for h in table.headers] + list(RESULT_COLUMNS))
            for source in table.rows:
                results = [str(v) for v in result_cells(_outcome(outcomes, source.row))]
                cells = list(source.cells) + [""] * (width - len(source.cells))
                writer.writerow([neutralise(c) for c in cells] + [neutralise(v) for v in results])


# --- XLSX: a new workbook ----------------------------------------------------------------


def _text_cell(sheet, value: object, fill: PatternFill | None = None, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if fill is not None:
        cell.fill = fill
    if bold:
        cell.font = Font(bold=True)
    return cell


def _write_new_workbook(table: Table, outcomes: Mapping[int, Outcome], out: Path) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(table.sheet[:31] or "Candidates")
    for cells in table.preamble:
        sheet.append([_text_cell(sheet, c) for c in cells])
    sheet.append([_text_cell(sheet, h, bold=True) for h in (*table.headers, *RESULT_COLUMNS)])
    width = len(table.headers)
    for source in table.rows:
        outcome = _outcome(outcomes, source.row)
        cells = list(source.cells) + [""] * (width - len(source.cells))
        row = [_text_cell(sheet, c) for c in cells]
        results = result_cells(outcome)
        row.append(_text_cell(sheet, results[0], FILLS[tone(outcome.status)]))
        row.extend(_text_cell(sheet, v) for v in results[1:])
        sheet.append(row)
    with atomic_path(out) as tmp:
        workbook.save(tmp)


# --- XLSX: the user's own workbook ---------------------------------------------------------


def _write_into_workbook(table: Table, outcomes: Mapping[int, Outcome], out: Path) -> None:
    keep_vba = table.path.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsm"
    try:
        workbook = openpyxl.load_workbook(table.path, keep_vba=keep_vba, rich_text=True)
    except Exception as exc:  # openpyxl raises many kinds for odd files
        raise OutputError(f"cannot reopen {table.path.name} to write the results into it ({type(exc).__name__})") from None
    sheet = workbook[table.sheet]
    first = sheet.max_column + 1
    header_style = sheet.cell(row=table.header_row, column=max(first - 1, 1))
    for offset, name in enumerate(RESULT_COLUMNS):
        cell = sheet.cell(row=table.header_row, column=first + offset, value=name)
        cell.data_type = "s"
        if header_style.has_style:
            cell._style = copy.copy(header_style._style)
        sheet.column_dimensions[get_column_letter(first + offset)].width = 24 if name != "interview_url" else 60
    for source in table.rows:
        outcome = _outcome(outcomes, source.row)
        for offset, value in enumerate(result_cells(outcome)):
            cell = sheet.cell(row=source.row, column=first + offset, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
        sheet.cell(row=source.row, column=first).fill = FILLS[tone(outcome.status)]
    if sheet.auto_filter.ref:
        sheet.auto_filter.ref = _widen(sheet.auto_filter.ref, first + len(RESULT_COLUMNS) - 1)
    with atomic_path(out) as tmp:
        workbook.save(tmp)


def _widen(ref: str, last_column: int) -> str:
    """Extend an auto-filter range to cover the added columns."""
    start, _, end = ref.partition(":")
    row = re.sub(r"^[A-Z]+", "", end or start)
    return f"{start}:{get_column_letter(last_column)}{row}"


# --- the embed signing keys ----------------------------------------------------------------


def embed_key_path(out: Path) -> Path:
    return out.with_name(out.name + ".embed.json")


def write_embed_keys(out: Path, keys: Mapping[str, str]) -> Path | None:
    """Embed signing keys by embed id, merged with any earlier run's, in a 0600 file beside ``out``."""
    if not keys:
        return None
    path = embed_key_path(out)
    existing: dict[str, str] = {}
    if path.exists():
        with contextlib.suppress(OSError, ValueError):
            existing = json.loads(path.read_text("utf-8"))
    existing.update(keys)
    with atomic_path(path, mode=0o600) as tmp:
        tmp.write_text(json.dumps(existing, indent=2, sort_keys=True), "utf-8")
    return path
