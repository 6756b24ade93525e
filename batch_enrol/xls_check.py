"""Legacy .xls text, cross-checked against xlrd: where the fast reader disagrees, xlrd's text wins.

calamine reads BIFF fast, but old BIFF5 files (code-page text, sheet names) and rich-text
strings are where readers differ; xlrd is the long-kept reference for the format. Each
sheet read from an .xls is compared cell by cell with xlrd's reading; on any difference
the whole sheet is taken from xlrd. xlrd also gives what calamine does not for .xls: number
formats (``000123``, ``1,200``) and merged cells, applied as for .xlsx.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .number_formats import display
from .rows import Shown, cell_text

log = logging.getLogger("batch_enrol")


def xlrd_rows(path: Path, index: int) -> tuple[str, list[list[str]]] | None:
    """(sheet name, rows of cell text) of sheet ``index`` as xlrd reads it; None when it cannot."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True, formatting_info=True)
        sheet = book.sheet_by_index(index)
        rows = [[_text(book, sheet.cell(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        _fill_merges(rows, sheet.merged_cells)
        return sheet.name, rows
    except Exception as exc:  # xlrd is the second opinion: when it cannot read, the first stands
        log.debug("xlrd cannot read %s: %s", path.name, type(exc).__name__)
        return None


def _text(book, cell) -> str:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    plain = cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_NUMBER and book.xf_list:
        fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
        shown = display(cell.value, fmt.format_str) if fmt is not None else None
        if shown and shown != plain:
            return Shown(shown, plain)  # what the cell shows, as in .xlsx
    return plain


def _fill_merges(rows: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    """A merge over several rows gives its value to each of them, as in .xlsx."""
    for top, bottom, left, _right in merges:
        if bottom - top > 1 and top < len(rows) and left < len(rows[top]):
            for row in rows[top + 1 : bottom]:
                if left < len(row) and not row[left]:
                    row[left] = rows[top][left]


def differs(ours: list[list[str]], theirs: list[list[str]]) -> bool:
    """True when two readings of one sheet disagree on any non-empty cell."""
    for a, b in zip(ours, theirs, strict=False):
        width = max(len(a), len(b))
        if [*a, *[""] * (width - len(a))] != [*b, *[""] * (width - len(b))]:
            return True
    longer = ours[len(theirs) :] or theirs[len(ours) :]
    return any(any(c for c in row) for row in longer)
