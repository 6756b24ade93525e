"""Outputs: the user's own workbook with result columns added, or a CSV; always written atomically."""

from __future__ import annotations

import contextlib
import copy
import csv
import json
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from . import xlsx_patch
from .errors import OutputError
from .files import atomic_path
from .models import RESULT_COLUMNS, Outcome, Status, Table, result_cells
from .reports import Summary

log = logging.getLogger("batch_enrol")
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


def write_output(table: Table, outcomes: Mapping[int, Outcome], out: Path, summary: Summary | None = None) -> None:
    """Write the results; the format follows ``out``'s extension (.xlsx/.xlsm or .csv/.tsv/.txt).

    With a ``summary``, a workbook also gets the ``Summary`` and ``Needs attention`` sheets.
    """
    suffix = out.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm"}:
            if table.format == "xlsx":
                _write_into_workbook(table, outcomes, out, summary)
            else:
                _write_new_workbook(table, outcomes, out, summary)
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
    delimiter = (table.delimiter if same_kind else None) or ("\t" if out.suffix.lower() == ".tsv" else ",")
    width = len(table.headers)
    rows = [[neutralise(c) for c in cells] for cells in table.preamble]
    rows.append([neutralise(h) for h in table.headers] + list(RESULT_COLUMNS))
    for source in table.rows:
        results = [str(v) for v in result_cells(_outcome(outcomes, source.row))]
        cells = list(source.cells) + [""] * (width - len(source.cells))
        rows.append([neutralise(c) for c in cells] + [neutralise(v) for v in results])
    encoding = _csv_encoding(table, rows, out) if same_kind else "utf-8-sig"
    with atomic_path(out) as tmp:
        with open(tmp, "w", encoding=encoding, errors="strict", newline="") as fh:
            csv.writer(fh, delimiter=delimiter).writerows(rows)


def _csv_encoding(table: Table, rows: list[list[str]], out: Path) -> str:
    """The input's own encoding when every value fits in it; else UTF-8 with a BOM, and a warning."""
    encoding = table.encoding or "utf-8"
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        return "utf-8-sig" if table.bom else "utf-8"
    try:
        for row in rows:
            for cell in row:
                cell.encode(encoding)
    except UnicodeEncodeError as exc:
        log.warning(
            f"{out.name} is written as UTF-8 (with a byte-order mark), not {encoding} like its input: "
            f"{exc.object[exc.start:exc.end]!r} cannot be written in {encoding}"
        )
        return "utf-8-sig"
    return encoding


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


def _write_new_workbook(table: Table, outcomes: Mapping[int, Outcome], out: Path, summary: Summary | None) -> None:
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
    if summary is not None:
        _add_report_sheets(workbook, table, outcomes, summary)
    with atomic_path(out) as tmp:
        workbook.save(tmp)


# --- XLSX: the user's own workbook ---------------------------------------------------------


TONES = ("good", "warn", "bad")


def _write_into_workbook(table: Table, outcomes: Mapping[int, Outcome], out: Path, summary: Summary | None) -> None:
    """The user's workbook with the results added: patched in place (fast, faithful), else via openpyxl."""
    keep_vba = table.path.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsm"
    if table.path.suffix.lower() == ".xlsx" or keep_vba:
        results, tones = {}, {}
        for source in table.rows:
            outcome = _outcome(outcomes, source.row)
            results[source.row] = result_cells(outcome)
            tones[source.row] = TONES.index(tone(outcome.status))
        extra = [] if summary is None else _report_sheets(table.sheet_names, table, outcomes, summary)
        try:
            with atomic_path(out) as tmp:
                xlsx_patch.patch(table.path, tmp, sheet=table.sheet, header_row=table.header_row, header=RESULT_COLUMNS,
                                 rows=results, tones=tones, fills=[FILLS[t].start_color.rgb for t in TONES],
                                 extra_sheets=extra)  # fmt: skip
            return
        except xlsx_patch.Unsupported as exc:
            log.debug("writing through openpyxl: %s", exc)
    _write_with_openpyxl(table, outcomes, out, summary, keep_vba)


def _write_with_openpyxl(table: Table, outcomes: Mapping[int, Outcome], out: Path, summary: Summary | None, keep_vba: bool) -> None:
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
        sheet.column_dimensions[get_column_letter(first + offset)].width = 24
    for source in table.rows:
        outcome = _outcome(outcomes, source.row)
        for offset, value in enumerate(result_cells(outcome)):
            cell = sheet.cell(row=source.row, column=first + offset, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
        sheet.cell(row=source.row, column=first).fill = FILLS[tone(outcome.status)]
    if sheet.auto_filter.ref:
        sheet.auto_filter.ref = _widen(sheet.auto_filter.ref, first + len(RESULT_COLUMNS) - 1)
    if summary is not None:
        _add_report_sheets(workbook, table, outcomes, summary)
    with atomic_path(out) as tmp:
        workbook.save(tmp)


def _widen(ref: str, last_column: int) -> str:
    """Extend an auto-filter range to cover the added columns."""
    start, _, end = ref.partition(":")
    row = re.sub(r"^[A-Z]+", "", end or start)
    return f"{start}:{get_column_letter(last_column)}{row}"


# --- the Summary and Needs attention sheets ------------------------------------------------


def _unique_title_in(names: Sequence[str], title: str) -> str:
    taken = {name.casefold() for name in names}
    candidate, n = title, 2
    while candidate.casefold() in taken:
        candidate, n = f"{title} ({n})", n + 1
    return candidate


def _append(sheet, values, write_only: bool, *, bold: bool = False) -> None:
    """Append a row whose strings are always text, never formulas, in either kind of workbook."""
    if write_only:
        sheet.append([_text_cell(sheet, v, None, bold) for v in values])
        return
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)


def _summary_rows(summary: Summary) -> list[tuple]:
    """The Summary sheet: the run, the counts per status, the counts per position."""
    rows: list[tuple] = [("batch-enrol run", "")]
    rows += [
        ("input file", Path(summary.input).name),
        ("input SHA-256", summary.input_sha256),
        *((("input encoding", summary.input_encoding),) if summary.input_encoding else ()),
        ("started (UTC)", summary.started_at),
        ("ended (UTC)", summary.ended_at),
        ("duration (s)", round(summary.duration_s, 1)),
        ("exit code", summary.exit_code),
        ("stopped because", summary.stop_reason or "-"),
        ("calls / retries", f"{summary.calls} / {summary.retries}"),
        *_preview_rows(summary.preview),
        *((f"setting: {k}", v if isinstance(v, (int, float, str)) else json.dumps(v)) for k, v in summary.settings.items()),
        (),
        ("status", "rows"),
    ]
    rows += [(status, n) for status, n in summary.counts.items()]
    rows += [("total", summary.rows), ()]
    used = [s for s, n in summary.counts.items() if n]
    rows.append(("position", *used))
    rows += [(position, *(counts.get(s, 0) for s in used)) for position, counts in summary.by_position.items()]
    return rows


def _preview_rows(preview: Mapping[str, object]) -> list[tuple]:
    """What was said before sending: the host and the estimates (next to the actual counts)."""
    if not preview:
        return []
    return [
        ("host", f"{preview['host']} ({preview['target']})"),
        ("rows sent (estimate)", preview["rows"]),
        ("positions to create (estimate)", preview["positions"]),
        ("duration (s, estimate)", preview["seconds"]),
        ("credits (estimate)", preview["credits"]),
    ]


def _attention_rows(table: Table, outcomes: Mapping[int, Outcome]) -> list[tuple]:
    """The Needs attention sheet: the rows to act on, in the input's own columns, plus why."""
    width = len(table.headers)
    rows: list[tuple] = [(*table.headers, "enrol_status", "enrol_reason")]
    for source in table.rows:
        outcome = outcomes[source.row]
        if outcome.status.is_failure:
            cells = list(source.cells) + [""] * (width - len(source.cells))
            rows.append((*cells, outcome.status.value, outcome.reason))
    return rows


def _report_sheets(taken: Sequence[str], table: Table, outcomes: Mapping[int, Outcome], summary: Summary) -> list[tuple[str, list[tuple], tuple[float, ...]]]:
    """The Summary and Needs attention sheets: (title not among ``taken``, rows, column widths)."""
    return [
        (_unique_title_in(taken, "Summary"), _summary_rows(summary), (28, 70)),
        (_unique_title_in(taken, "Needs attention"), _attention_rows(table, outcomes), ()),
    ]


def _add_report_sheets(workbook, table: Table, outcomes: Mapping[int, Outcome], summary: Summary) -> None:
    write_only = getattr(workbook, "write_only", False)
    for title, rows, _ in _report_sheets(workbook.sheetnames, table, outcomes, summary):
        sheet = workbook.create_sheet(title)
        for number, values in enumerate(rows):
            _append(sheet, values, write_only, bold=number == 0)


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


# --- the validation report -----------------------------------------------------------------


def write_validation_report(table: Table, problems: Mapping[int, list[tuple[int | None, str]]], out: Path) -> None:
    """A copy of the workbook with each bad cell highlighted and explained in a comment.

    ``problems`` maps a row number to (0-based column index or None for the row, message) pairs.
    """
    from openpyxl.comments import Comment

    if out.suffix.lower() != ".xlsx":
        raise OutputError(f"cannot write the report as {out.name}: use an .xlsx file")
    if table.format == "xlsx":
        workbook = openpyxl.load_workbook(table.path, rich_text=True)
        sheet = workbook[table.sheet]
        row_of = {r.row: r.row for r in table.rows}
    else:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = table.sheet[:31] or "Candidates"
        for cells in (*table.preamble, table.headers):
            _append(sheet, cells, False)
        row_of = {}
        for source in table.rows:
            _append(sheet, source.cells, False)
            row_of[source.row] = sheet.max_row
    for row, items in problems.items():
        by_cell: dict[int, list[str]] = {}
        for column, message in items:
            by_cell.setdefault(column if column is not None else 0, []).append(message)
        for column, messages in by_cell.items():
            cell = sheet.cell(row=row_of[row], column=column + 1)
            cell.fill = FILLS["bad"]
            cell.comment = Comment("\n".join(messages), "batch-enrol", width=320, height=40 + 20 * len(messages))
    try:
        with atomic_path(out) as tmp:
            workbook.save(tmp)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
