"""The three ways an output workbook is written, best first.

- ``patch``: the user's own .xlsx with its XML patched (every part kept byte for byte);
- ``openpyxl``: the workbook reopened and saved by openpyxl (for XML the patcher declines);
- ``rebuild``: a new workbook from the data sheet's values, header in bold (for workbooks
  neither can reopen, e.g. Strict Open XML, and for CSV inputs with an .xlsx output).

Each sets the result columns by name (a column already there is reused, never added twice),
makes ``interview_url`` a hyperlink, writes the Summary and Needs attention sheets and the
output marker. Each raises ``xlsx_package.Unsupported`` when it cannot do the workbook.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from . import xlsx_patch
from .living import Target
from .models import RESULT_COLUMNS, Outcome, Status, result_cells
from .report_sheets import local_time, report_sheets, sheet_title, typed
from .reports import Summary
from .xlsx_package import MARKER, Unsupported

FILLS = {
    "good": PatternFill("solid", start_color="FFC6EFCE"),  # green: a decision
    "warn": PatternFill("solid", start_color="FFFFEB9C"),  # amber: reject, already-applied, duplicate
    "bad": PatternFill("solid", start_color="FFFFC7CE"),  # red: invalid, error, not_sent
}
TONES = ("good", "warn", "bad")
#: Widths of the result columns, where the user has set none: the status, a useful part of the reason, the link.
_WIDTH = {"enrol_status": 18, "enrol_reason": 48, "interview_url": 44, "http_status": 11, "attempts": 9, "processed_at": 26}
WIDTHS = tuple(_WIDTH.get(name, 22) for name in RESULT_COLUMNS)
#: Result columns holding a time (UTC in the journal), shown in local time with the offset.
LOCAL_TIMES = frozenset({"processed_at"})
LINK = RESULT_COLUMNS.index("interview_url")
LINK_FONT = Font(color="FF0563C1", underline="single")
#: Number formats of a date cell and a date-time cell (as the loader reads them back: the same text).
DATE_FORMATS = ("yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss")


def tone(status: Status) -> str:
    if status.is_failure:
        return "bad"
    if status.is_reject or status in (Status.ALREADY_APPLIED, Status.DUPLICATE):
        return "warn"
    return "good"


def values(outcome: Outcome) -> tuple[object, ...]:
    """The result cells of one row, in RESULT_COLUMNS order; times in local time with their offset."""
    return tuple(local_time(v) if name in LOCAL_TIMES and isinstance(v, str) else v
                 for name, v in zip(RESULT_COLUMNS, result_cells(outcome), strict=True))  # fmt: skip


def positions(target: Target) -> list[int]:
    """The 1-based column of each result column: where its header already is, else 0 (append)."""
    headers = target.table.headers
    return [1 + headers.index(name) if name in headers else 0 for name in RESULT_COLUMNS]


def data_sheet(target: Target) -> str:
    """The title of the sheet the results are in (a CSV's rows go to a sheet named after the file)."""
    return sheet_title(target.table.sheet)


def marker(target: Target, titles: tuple[str, str]) -> dict:
    return {"version": 1, "sheet": data_sheet(target), "input": target.input_name, "input_sha256": target.input_sha256,
            "sheets": list(titles), "columns": list(RESULT_COLUMNS)}  # fmt: skip


def titles_for(target: Target) -> tuple[str, str]:
    if target.updating:
        return target.titles
    from .report_sheets import unique_title

    names = list(target.table.sheet_names)
    first = unique_title(names, "Summary")
    return first, unique_title([*names, first], "Needs attention")


def _sheets(target: Target, final: Mapping[int, Outcome], summary: Summary | None, titles: tuple[str, str]) -> list:
    return [] if summary is None else report_sheets(titles, target.edited(), final, summary, target.history)


def write_patched(target: Target, final: Mapping[int, Outcome], dest: Path, summary: Summary | None) -> None:
    titles = titles_for(target)
    rows = {row: values(o) for row, o in final.items()}
    results = xlsx_patch.Results(sheet=target.table.sheet, header_row=target.table.header_row, columns=positions(target),
                                 names=RESULT_COLUMNS, rows=rows, tones={r: TONES.index(tone(o.status)) for r, o in final.items()},
                                 fills=[FILLS[t].start_color.rgb for t in TONES], link=LINK, widths=WIDTHS,
                                 edits=_typed_edits(target))  # fmt: skip
    xlsx_patch.patch(target.src, dest, results, extra_sheets=_sheets(target, final, summary, titles), marker=marker(target, titles))


def _typed_edits(target: Target) -> dict[int, dict[int, object]]:
    """The fixes from Needs attention, a date typed there as a date (not its text)."""
    return {row: {column: typed(text) for column, text in cells.items()} for row, cells in target.edits.items()}


def write_openpyxl(target: Target, final: Mapping[int, Outcome], dest: Path, summary: Summary | None) -> None:
    keep_vba = target.src.suffix.lower() == ".xlsm" and dest.suffix.lower() == ".xlsm"
    try:
        workbook = openpyxl.load_workbook(target.src, keep_vba=keep_vba, rich_text=True)
        sheet = workbook[target.table.sheet]
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for odd files
        raise Unsupported(f"openpyxl cannot reopen it ({type(exc).__name__})") from None
    columns, next_free = [], sheet.max_column + 1
    for at in positions(target):
        columns.append(at or next_free)
        next_free += 0 if at else 1
    header_style = sheet.cell(row=target.table.header_row, column=1)
    for column, name, width in zip(columns, RESULT_COLUMNS, WIDTHS, strict=True):
        cell = sheet.cell(row=target.table.header_row, column=column, value=name)
        if header_style.has_style:
            cell.font = header_style.font.copy()
        letter = get_column_letter(column)
        if not sheet.column_dimensions[letter].customWidth:
            sheet.column_dimensions[letter].width = width
    for row, outcome in final.items():
        for column, value in zip(columns, values(outcome), strict=True):
            cell = sheet.cell(row=row, column=column)
            cell.value = value if value != "" else None  # an empty result clears the cell
            if isinstance(value, str) and value:
                cell.data_type = "s"
        sheet.cell(row=row, column=columns[0]).fill = FILLS[tone(outcome.status)]
        for column, value in target.edits.get(row, {}).items():
            sheet.cell(row=row, column=column).value = typed(value) or None
        _link(sheet.cell(row=row, column=columns[LINK]), outcome.interview_url)
    titles = titles_for(target)
    for title, rows, widths in _sheets(target, final, summary, titles):
        index = workbook.sheetnames.index(title) if title in workbook.sheetnames else None
        if index is not None:
            del workbook[title]
        _fill_sheet(workbook.create_sheet(title, index), rows, widths, freeze=title == titles[1])
    _set_marker(workbook, marker(target, titles))
    workbook.save(dest)


def write_rebuilt(target: Target, final: Mapping[int, Outcome], dest: Path, summary: Summary | None) -> None:
    """A new workbook from the data sheet's values (what every cell shows), the header in bold."""
    table = target.table
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(data_sheet(target))
    at = positions(target)
    appended = [name for name, column in zip(RESULT_COLUMNS, at, strict=True) if not column]
    index = {name: (column - 1 if column else len(table.headers) + appended.index(name)) for name, column in zip(RESULT_COLUMNS, at, strict=True)}
    width = len(table.headers) + len(appended)
    for number, w in enumerate((*(18,) * len(table.headers), *WIDTHS[: len(appended)]), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = w
    for cells in table.preamble:
        sheet.append([_cell(sheet, c) for c in cells])
    sheet.append([_cell(sheet, h, bold=True) for h in (*table.headers, *appended)])
    for source in table.rows:
        cells: list[object] = list(source.cells) + [""] * (width - len(source.cells))
        for column, text in target.edits.get(source.row, {}).items():
            cells[column - 1] = typed(text)
        outcome = final.get(source.row)
        if outcome is not None:
            for name, value in zip(RESULT_COLUMNS, values(outcome), strict=True):
                cells[index[name]] = value
        row = [_cell(sheet, c) for c in cells]
        if outcome is not None:
            row[index["enrol_status"]].fill = FILLS[tone(outcome.status)]
            _link(row[index["interview_url"]], outcome.interview_url)
        sheet.append(row)
    titles = titles_for(target)
    for title, rows, widths in _sheets(target, final, summary, titles):
        _fill_sheet(workbook.create_sheet(title), rows, widths, freeze=title == titles[1])
    _set_marker(workbook, marker(target, titles))
    workbook.save(dest)


def _cell(sheet, value: object, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value if value != "" else None)
    if isinstance(value, str) and value:
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMATS[isinstance(value, dt.datetime)]
    if bold:
        cell.font = Font(bold=True)
    return cell


def _link(cell, url: str) -> None:
    if url.startswith(("https://", "http://")):
        cell.hyperlink = url
        cell.font = LINK_FONT


def _fill_sheet(sheet, rows: list[tuple], widths: tuple[float, ...], freeze: bool) -> None:
    write_only = not hasattr(sheet, "cell")
    for number, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = w
    if freeze:
        sheet.freeze_panes = "A2"
    for number, values_ in enumerate(rows):
        if write_only:
            sheet.append([_cell(sheet, v, bold=number == 0) for v in values_])
            continue
        sheet.append([v if v != "" else None for v in values_])
        for cell, value in zip(sheet[sheet.max_row], values_, strict=False):
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMATS[isinstance(value, dt.datetime)]
            if number == 0:
                cell.font = Font(bold=True)


def _set_marker(workbook, value: dict) -> None:
    props = workbook.custom_doc_props
    for prop in list(props.props):
        if prop.name == MARKER:
            props.props.remove(prop)
    props.append(StringProperty(name=MARKER, value=json.dumps(value, sort_keys=True)))
