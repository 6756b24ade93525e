"""Legacy .xls (BIFF5/BIFF8) workbooks → sheets of cell text, read with xlrd, calamine where xlrd cannot.

Both readers were measured on real .xls files from other projects' test suites and on files
saved by LibreOffice and Gnumeric (``python -m benchmarks.xls_corpus``). Where they disagree
on a cell's text, xlrd is right: calamine reads every 8-bit string of a BIFF8 file whose
CODEPAGE record says 1252 as UTF-16, some Unicode strings of a file without one through
Windows-1252, and the ids Gnumeric formats as ``000000`` as dates. Only xlrd gives what the
cell shows: number formats (``000123``, ``1,200``), merged cells, error values. So a sheet is
read with xlrd; calamine reads the files and sheets xlrd cannot (a string table that counts
more strings than it holds, a broken stream), as their plain values. A BIFF5 file without a
code page record is read as Windows-1252, as Excel does. A file neither can read is refused
with one line. Time and memory are bounded by BIFF's own limit of 65,536 rows × 256 columns
(the widest such sheet: about 4 s and 570 MB).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import python_calamine as calamine

from .errors import InputFileError
from .number_formats import display, display_text
from .rows import Shown, cell_text

log = logging.getLogger("batch_enrol")

_ELAPSED = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)  #: ``[h]:mm:ss``: a duration, not a time of day


@dataclass
class XlsSheet:
    """One worksheet: its name, whether Excel shows it, and ``rows()``: lists of cell text
    (row 1 first), with ``errors``: (row, column) 1-based → the error value shown (``#N/A``)."""

    name: str
    visible: bool
    rows: Callable[[], list[list[str]]]
    reader: str  #: "xlrd" or "calamine"
    errors: dict[tuple[int, int], str]


class _Discard:
    """xlrd writes its warnings to a file (stdout by default): they are not the user's business."""

    def write(self, _text: str) -> None:
        pass


def xls_sheets(path: Path) -> list[XlsSheet]:
    """The worksheets of an .xls file, in order (charts and macro sheets left out).

    Raises InputFileError when neither reader can open the file (password, damage, not .xls)."""
    book = _xlrd_book(path)
    if book is None:
        return _calamine_sheets(path)
    out = []
    for index, name in enumerate(book.sheet_names()):
        visible = book._sheet_visibility[index] == 0  # xlrd keeps it per sheet, loaded or not
        errors: dict[tuple[int, int], str] = {}
        out.append(XlsSheet(name, visible, _xlrd_reader(path, book, index, errors), "xlrd", errors))
    return out


def _xlrd_book(path: Path):
    """xlrd's book, or None when xlrd cannot open the file."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True, formatting_info=True, ragged_rows=True, logfile=_Discard())
        if book.biff_version < 80 and book.codepage is None:  # no CODEPAGE record: Excel reads Windows-1252
            book = xlrd.open_workbook(
                str(path), on_demand=True, formatting_info=True, ragged_rows=True, logfile=_Discard(), encoding_override="cp1252"
            )
        return book
    except Exception as exc:  # xlrd raises many kinds (AssertionError included) on damaged files
        log.debug("xlrd cannot open %s: %s", path.name, type(exc).__name__)
        return None


def _xlrd_reader(path: Path, book, index: int, errors: dict[tuple[int, int], str]) -> Callable[[], list[list[str]]]:
    def rows() -> list[list[str]]:
        try:
            sheet = book.sheet_by_index(index)
        except Exception as exc:  # a sheet xlrd cannot parse: calamine may
            log.info("%s: sheet %d read with calamine (xlrd: %s)", path.name, index + 1, type(exc).__name__)
            return _calamine_rows_of(path, index)
        return xlrd_rows(book, sheet, errors)

    return rows


def xlrd_rows(book, sheet, errors: dict[tuple[int, int], str] | None = None) -> list[list[str]]:
    """Rows of cell text of one xlrd sheet: number formats applied, merges filled down over data rows."""
    import xlrd

    empty = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
    rows = []
    for r in range(sheet.nrows):
        types, values = sheet.row_types(r), sheet.row_values(r)
        row = [""] * len(types)
        for c, kind in enumerate(types):
            if kind in empty:
                continue  # most cells of a wide sheet: nothing to look up
            if kind == xlrd.XL_CELL_ERROR:
                if errors is not None:
                    errors[(r + 1, c + 1)] = xlrd.error_text_from_code.get(values[c], "#ERROR")
                continue
            row[c] = _text(book, kind, values[c], sheet.cell_xf_index(r, c))
        rows.append(row)
    _fill_merges(rows, sheet.merged_cells)
    return rows


def _format(book, xf_index: int | None) -> str | None:
    if not book.xf_list or xf_index is None or xf_index >= len(book.xf_list):
        return None
    found = book.format_map.get(book.xf_list[xf_index].format_key)
    return found.format_str if found is not None else None


def _text(book, kind: int, value: object, xf_index: int | None) -> str:
    import xlrd

    if kind == xlrd.XL_CELL_DATE:
        return _date_text(book, value, _format(book, xf_index) or "")
    if kind == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(value))
    plain = cell_text(value)
    if kind in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_TEXT) and (fmt := _format(book, xf_index)):
        shown = display(value, fmt) if kind == xlrd.XL_CELL_NUMBER else display_text(str(value), fmt)
        if shown and shown != plain:
            return Shown(shown, plain)  # what the cell shows, as in .xlsx
    return plain


def _date_text(book, value: float, fmt: str) -> str:
    """A date cell as the .xlsx reader gives it: a duration (``[h]:mm``), a time of day
    (no date part), else an ISO date or date and time."""
    import xlrd

    if _ELAPSED.search(fmt):
        return cell_text(dt.timedelta(milliseconds=round(value * 86_400_000)))
    try:
        stamp = xlrd.xldate.xldate_as_datetime(value, book.datemode)
    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
        return cell_text(value)
    if 0 <= value < 1:
        return cell_text(stamp.time())
    return cell_text(stamp)


def _fill_merges(rows: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    """A merge over several rows gives its value to each of them, as in .xlsx, down to the
    sheet's last row with a value (a merge reaching below the data adds no rows)."""
    last = max((i for i, row in enumerate(rows) if any(row)), default=-1)
    for top, bottom, left, _right in merges:
        if bottom - top > 1 and top < len(rows) and left < len(rows[top]):
            for row in rows[top + 1 : min(bottom, last + 1)]:
                row.extend([""] * (left + 1 - len(row)))  # rows end at their last cell (ragged)
                if not row[left]:
                    row[left] = rows[top][left]
    del rows[last + 1 :]


# --- calamine, for what xlrd cannot read ------------------------------------------------


def _calamine_book(path: Path) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise InputFileError(f"{path.name} is password-protected", hint="remove the password in Excel and save again") from None
    except BaseException as exc:  # noqa: BLE001 - calamine's Rust panics are BaseExceptions
        _reraise_interrupts(exc)
        with open(path, "rb") as fh:
            ole = fh.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        what = (
            f"is a damaged .xls workbook ({first_line(exc)})"
            if ole
            else "is not a real .xls workbook (it is damaged, or another kind of file renamed)"
        )
        raise InputFileError(f"{path.name} {what}", hint="open it in Excel or LibreOffice and save it as .xlsx") from None


def _calamine_sheets(path: Path) -> list[XlsSheet]:
    workbook = _calamine_book(path)
    metadata = [m for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    return [
        XlsSheet(m.name, m.visible == calamine.SheetVisibleEnum.Visible, _calamine_reader(path, m.name), "calamine", {})
        for m in metadata
    ]


def _calamine_reader(path: Path, name: str) -> Callable[[], list[list[str]]]:
    return lambda: _calamine_rows(path, lambda book: book.get_sheet_by_name(name))


def _calamine_rows_of(path: Path, index: int) -> list[list[str]]:
    """Worksheet ``index`` (counting worksheets only, as xlrd does) as calamine reads it."""

    def pick(book: calamine.CalamineWorkbook) -> calamine.CalamineSheet:
        names = [m.name for m in book.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
        return book.get_sheet_by_name(names[index])

    return _calamine_rows(path, pick)


def _calamine_rows(path: Path, pick: Callable[[calamine.CalamineWorkbook], calamine.CalamineSheet]) -> list[list[str]]:
    from .sheets import _sheet_rows

    workbook = _calamine_book(path)
    try:
        return [cells for _, cells in _sheet_rows(pick(workbook), None)]
    except BaseException as exc:  # noqa: BLE001 - calamine's Rust panics are BaseExceptions
        _reraise_interrupts(exc)
        raise InputFileError(
            f"{path.name}: a sheet cannot be read ({first_line(exc)})",
            hint="open it in Excel or LibreOffice and save it as .xlsx",
        ) from None
    finally:
        workbook.close()


def _reraise_interrupts(exc: BaseException) -> None:
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)):
        raise exc


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:80] if text else type(exc).__name__
