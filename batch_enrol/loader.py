"""Files → Table of SourceRows: which kind of file it is, then the CSV or workbook reader.

Every cell is read as the text its owner sees (see ``rows.cell_text``, ``csv_input``,
``sheets``); nothing is guessed or replaced.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path

from .csv_input import forced_delimiter, load_csv
from .errors import InputFileError
from .models import Table
from .rows import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, Limits, cell_text, size
from .sheets import OLE_MAGIC, load_workbook

__all__ = ["MAX_FILE_BYTES", "SUPPORTED", "cell_text", "load"]

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
SUPPORTED = sorted(CSV_SUFFIXES | EXCEL_SUFFIXES)
MAX_FILE_BYTES = 512 * 1024 * 1024  #: default size limit; Settings can change it
BIFF_EXCEL4 = (b"\x09\x04", b"\x09\x02", b"\x09\x00")  #: BOF records of Excel 2, 3 and 4 worksheets
_NOT_WORKBOOKS = {"a pre-2007 Excel 4 (or older) worksheet", "a zip archive that is not a workbook"}
_HINTS = {
    "a pre-2007 Excel 4 (or older) worksheet": "open it in Excel or LibreOffice and save it as .xlsx",
    "a zip archive that is not a workbook": "unzip it and pick the candidate list inside",
    "an Excel workbook (.xlsx)": "rename it to .xlsx and try again",
    "an OpenDocument spreadsheet (.ods)": "rename it to .ods and try again",
    "an Excel 97-2003 workbook (.xls), or an encrypted one": "rename it to .xls and try again (or remove the password)",
}


def load(
    path: Path,
    *,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
    max_cell_chars: int = MAX_CELL_CHARS,
    max_columns: int = MAX_COLUMNS,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Read one candidate list (CSV, XLSX, XLSM, XLS or ODS) into a Table of cells as text.

    ``encoding`` and ``delimiter`` force how a CSV file is read (by default both are
    detected). Raises InputFileError with a one-line reason for any file it cannot use, and
    ConfigError for an unknown encoding or a delimiter that is not one character."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file", hint="check the path and try again")
    if path.is_dir():
        raise InputFileError(f"{path} is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | EXCEL_SUFFIXES:
        raise InputFileError(
            f"{path.name}: unsupported file type {suffix or '(none)'!r}",
            hint=f"save it as one of: {', '.join(SUPPORTED)}",
        )
    nbytes = path.stat().st_size
    if nbytes == 0:
        raise InputFileError(f"{path.name} is empty")
    if nbytes > max_file_bytes:
        raise InputFileError(
            f"{path.name} is {size(nbytes)}, above the limit of {size(max_file_bytes)}",
            hint="split the file, or raise the limit with --max-file-mb",
        )
    limits = Limits(path.name, max_rows, max_cell_chars, max_columns)
    kind = _what_it_is(path)
    if suffix in CSV_SUFFIXES:
        if kind is not None:
            raise InputFileError(f"{path.name} is {kind}, not a text file", hint=_HINTS.get(kind, "export it as CSV UTF-8"))
        return load_csv(path, mapping, limits, encoding=encoding, delimiter=forced_delimiter(delimiter) if delimiter else None)
    if kind in _NOT_WORKBOOKS:
        raise InputFileError(f"{path.name} is {kind}, not a {suffix} workbook", hint=_HINTS.get(kind, "open it in Excel and save it as .xlsx"))
    return load_workbook(path, suffix, sheet, mapping, limits)


def _what_it_is(path: Path) -> str | None:
    """What a file really is, from its first bytes, when that is not text: None for text."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        return "an Excel 97-2003 workbook (.xls), or an encrypted one"
    if head[:2] in BIFF_EXCEL4 and head[2:4] in (b"\x06\x00", b"\x04\x00", b"\x08\x00"):
        return "a pre-2007 Excel 4 (or older) worksheet"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return "a damaged zip archive"
        if any(n.startswith("xl/") for n in names):
            return "an Excel workbook (.xlsx)"
        if "content.xml" in names:
            return "an OpenDocument spreadsheet (.ods)"
        return "a zip archive that is not a workbook"
    return None
