"""Workbooks (.xlsx, .xlsm, .xls, .ods) → Table, through calamine: guards, sheets, cells as text."""

from __future__ import annotations

import contextlib
import logging
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import python_calamine as calamine

from .errors import InputFileError, some
from .models import Table
from .number_formats import display, display_text
from .ods_scan import compact_ods, scan_ods
from .rows import HEADER_SEARCH_ROWS, Limits, NoHeader, Shown, build_table, cell_text, size
from .xls_check import xls_sheets
from .xlsx_scan import SheetScan, scan

log = logging.getLogger("batch_enrol")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and every encrypted xlsx
MAX_UNZIPPED_BYTES = 2 * 1024**3  #: what a workbook may expand to (a zip bomb expands to far more)
MAX_SHEET_CELLS = 20_000_000  #: rows × columns of a sheet's extent (the reader allocates all of it)
_ODS_HINT = "a value repeated over whole rows or columns? delete those rows and columns and save again"


# --- Excel and OpenDocument -----------------------------------------------------------


def _refuse_web_page(path: Path, suffix: str) -> bytes:
    """The file's first 8 bytes, once it is known not to be a web page saved as a workbook."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        start = (head + fh.read(504)).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<") and any(tag in start for tag in (b"<html", b"<table", b"<!doctype html")):
        raise InputFileError(
            f"{path.name} is a web page saved as {suffix}, not a workbook",
            hint="open it in Excel and save it as .xlsx (Excel Workbook)",
        )
    return head


def _open_workbook(path: Path, suffix: str) -> tuple[calamine.CalamineWorkbook, dict[str, SheetScan]]:
    head = _refuse_web_page(path, suffix)
    scans: dict[str, SheetScan] = {}
    if suffix in {".xlsx", ".xlsm", ".ods"}:
        if head.startswith(OLE_MAGIC):
            raise InputFileError(
                f"{path.name} is password-protected (or an old .xls renamed to {suffix})",
                hint="remove the password in Excel (File › Info › Protect Workbook) and save again",
            )
        if not zipfile.is_zipfile(path):
            raise InputFileError(
                f"{path.name} is not a real {suffix} workbook (it is damaged, or another kind of file renamed)",
                hint="open it in Excel and save it again, or export it as CSV",
            )
        scans = _check_zip(path, suffix)
    try:
        return _calamine(path, suffix), scans
    except calamine.PasswordError:
        raise InputFileError(
            f"{path.name} is password-protected",
            hint="remove the password in Excel and save again",
        ) from None
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, OSError, ValueError) as exc:
        raise InputFileError(
            f"{path.name} cannot be read as a {suffix} workbook ({_reason(exc)})",
            hint="open it in Excel and save it again, or export it as CSV",
        ) from None


def _calamine(path: Path, suffix: str) -> calamine.CalamineWorkbook:
    """The value reader on ``path``; for an .ods it refuses (pretty-printed XML, as Gnumeric
    writes it: whitespace between cells), on a copy without that whitespace (``ods_scan.compact``)."""
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except (calamine.CalamineError, calamine.XmlError) as exc:
        if suffix != ".ods" or isinstance(exc, calamine.PasswordError):
            raise
        first = exc
    copy = compact_ods(path)
    try:
        return calamine.CalamineWorkbook.from_path(str(copy))
    except (calamine.CalamineError, calamine.XmlError):
        raise first from None
    finally:
        with contextlib.suppress(OSError):  # the reader has the file open: on Windows it goes with the temp folder
            copy.unlink()


def _reason(exc: BaseException) -> str:
    """What is wrong with the file, in words (never the parser's internals)."""
    if isinstance(exc, calamine.XmlError) or "Xml" in type(exc).__name__ or "Expecting" in str(exc):
        return "its XML is damaged or not as spreadsheet programs write it"
    if isinstance(exc, calamine.ZipError):
        return "its zip container is damaged"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return "its content is damaged or not as spreadsheet programs write it"


def _check_zip(path: Path, suffix: str) -> dict[str, SheetScan]:
    """Refuse a workbook that would expand beyond what can be read safely, before the reader
    (which allocates a sheet's whole extent at once, and aborts the process when it cannot) sees it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(f"{path.name} is a damaged {suffix} workbook ({exc})") from None
    with archive:
        infos = archive.infolist()
        expanded = sum(i.file_size for i in infos)
        if expanded > MAX_UNZIPPED_BYTES:
            raise InputFileError(
                f"{path.name} would expand to {size(expanded)}: too large to read safely (a damaged or hostile file?)",
                hint="open it in Excel, delete unused rows and columns, and save it again",
            )
        try:
            if suffix == ".ods":
                return scan_ods(archive, lambda rows, columns: _refuse_extent(path, rows, max(columns, 1), _ODS_HINT))
            names = {i.filename for i in infos}
            if "xl/workbook.xml" in names and not any(n.startswith("xl/worksheets/") for n in names):
                raise InputFileError(f"{path.name} has no worksheets", hint="is it the right file? open it in Excel and add the list")
            scans = scan(archive)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
            raise InputFileError(f"{path.name} is a damaged workbook ({_first_line(exc)})") from None
    for found in scans.values():
        hint = "a stray value far below or right of the data? delete those rows and columns in Excel"
        _refuse_extent(path, found.rows, max(found.columns, 1), hint)
    return scans


def _refuse_extent(path: Path, rows: int, columns: int, hint: str) -> None:
    if rows * columns > MAX_SHEET_CELLS:
        raise InputFileError(
            f"{path.name}: a sheet reaches row {rows:,} and column {columns:,} ({rows * columns:,} cells): too large to read safely",
            hint=hint,
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _sheet_rows(sheet: calamine.CalamineSheet, found: SheetScan | None) -> Iterator[tuple[int, list[str]]]:
    """Each row's cells as shown: number formats applied, a vertical merge's value on every row."""
    offset = sheet.start[1] if sheet.start else 0
    formats = found.formats if found else {}
    starts = _merges_by_top_row(found.merges if found and found.merges else _merged_ranges(sheet))
    active: dict[int, tuple[int, str]] = {}  # column → (last row, text) of the merges being filled down
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        texts = [""] * offset
        for column, value in enumerate(cells, start=offset + 1):
            code = formats.get((number, column)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
            plain, shown = cell_text(value), (display_text(value, code) if isinstance(value, str) else display(value, code)) if code else None
            texts.append(Shown(shown, plain) if shown and shown != plain else plain)
        if active:
            active = {column: merge for column, merge in active.items() if merge[0] >= number}
            for column, (_, text) in active.items():
                if column <= len(texts) and not texts[column - 1]:
                    texts[column - 1] = text
        for column, bottom in starts.get(number, ()):
            if column <= len(texts):
                active[column] = (bottom, texts[column - 1])
        yield number, texts


def _merged_ranges(sheet: calamine.CalamineSheet) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The merges the value reader found (it finds none in .ods: the scan does)."""
    try:
        return sheet.merged_cell_ranges or []
    except (AttributeError, calamine.CalamineError):
        return []


def _merges_by_top_row(ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    """1-based top row → [(column, bottom row)] of the merges that span several rows (0-based ranges in)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for (top, left), (bottom, _right) in ranges:
        if bottom > top:
            out.setdefault(top + 1, []).append((left + 1, bottom + 1))
    return out


def load_workbook(path: Path, suffix: str, wanted: str | None, mapping: Mapping[str, str] | None, limits: Limits) -> Table:
    if suffix == ".xls":
        _refuse_web_page(path, suffix)
        return _load_xls(path, wanted, mapping, limits)
    workbook, scans = _open_workbook(path, suffix)
    fmt = suffix.lstrip(".").replace("xlsm", "xlsx")
    try:
        table = _pick_sheet(path, workbook, wanted, mapping, limits, fmt, scans)
        found = scans.get(table.sheet)
        table.blank_formulas = (frozenset(found.formulas) if isinstance(found.formulas, set) else found.formulas) if found else frozenset()
        table.cell_errors = found.errors if found else {}
        table.sheet_names = tuple(workbook.sheet_names)
        return table
    finally:
        workbook.close()


def _load_xls(path: Path, wanted: str | None, mapping: Mapping[str, str] | None, limits: Limits) -> Table:
    """An .xls file's sheet (see ``xls_check``): the one named ``wanted``, else the first
    visible one with a header row. Headers are found in the text the right reader gives."""
    sheets = xls_sheets(path)
    if not sheets:
        raise InputFileError(f"{path.name} has no worksheets (only charts or macros)", hint="is it the right file?")
    names = [s.name for s in sheets]
    if wanted is not None and wanted not in names:
        raise InputFileError(f"{path.name} has no sheet named {wanted!r}", hint=f"its sheets are: {some(names, 5)}")
    for sheet in sheets:
        if (wanted is None and not sheet.visible) or wanted not in (None, sheet.name):
            continue
        try:
            table = build_table(path, sheet.name, enumerate(sheet.rows(), start=1), mapping, limits, "xls")
        except NoHeader:
            if wanted is not None:
                break
            continue
        if sheet.reader != "xlrd":
            log.info("%s: sheet %r read with calamine (xlrd cannot read it)", path.name, sheet.name)
        table.cell_errors = dict(sheet.errors)
        table.sheet_names = tuple(names)
        return table
    raise InputFileError(
        f"{path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows of any visible sheet",
        hint="the header row must name at least two fields, e.g. 'Name' and 'Email'; or pick a sheet with --sheet",
    )


def _pick_sheet(
    path: Path, workbook: calamine.CalamineWorkbook, wanted: str | None, mapping: Mapping[str, str] | None,
    limits: Limits, fmt: str, scans: dict[str, SheetScan],
) -> Table:  # fmt: skip
    try:
        sheets = [m for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
        if not sheets:
            raise InputFileError(f"{path.name} has no worksheets (only charts or macros)", hint="is it the right file?")
        if wanted is not None:
            names = [m.name for m in sheets]
            if wanted not in names:
                raise InputFileError(
                    f"{path.name} has no sheet named {wanted!r}",
                    hint=f"its sheets are: {some(names, 5)}",
                )
            return build_table(path, wanted, _sheet_rows(workbook.get_sheet_by_name(wanted), scans.get(wanted)), mapping, limits, fmt)
        visible = [m.name for m in sheets if m.visible == calamine.SheetVisibleEnum.Visible]
        for name in visible:
            try:
                return build_table(path, name, _sheet_rows(workbook.get_sheet_by_name(name), scans.get(name)), mapping, limits, fmt)
            except NoHeader:
                continue
        raise NoHeader
    except NoHeader:
        raise InputFileError(
            f"{path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows of any visible sheet",
            hint="the header row must name at least two fields, e.g. 'Name' and 'Email'; or pick a sheet with --sheet",
        ) from None
    except (calamine.CalamineError, calamine.XmlError, calamine.ZipError, ValueError) as exc:
        raise InputFileError(f"{path.name} cannot be read ({_reason(exc)})") from None


