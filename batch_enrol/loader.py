"""Files → Table of SourceRows: encoding and dialect, sheets, header row, every cell as text."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import python_calamine as calamine

from .columns import count_known
from .errors import InputFileError
from .files import xml_pieces
from .models import SourceRow, Table

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
SUPPORTED = sorted(CSV_SUFFIXES | EXCEL_SUFFIXES)
HEADER_SEARCH_ROWS = 20
DELIMITERS = ",;\t|"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and every encrypted xlsx

#: Defaults for the size limits; Settings can change them.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_CELL_CHARS = 1_000_000
MAX_COLUMNS = 1_000
MAX_UNZIPPED_BYTES = 2 * 1024**3  #: what a workbook may expand to (a zip bomb expands to far more)
MAX_SHEET_CELLS = 20_000_000  #: rows × columns of a sheet's extent (the reader allocates all of it)
_EXTENT = re.compile(rb'<(?:\w+:)?(?:c|row)\b[^>]*?\br="([A-Z]{0,3})(\d+)"')
_ODS_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)>")  # no lazy match: 4× faster
_ODS_REPEATED = re.compile(rb'number-(?:rows|columns)-repeated="(\d+)"')


def cell_text(value: object) -> str:
    """One cell as the text a person sees in it: ``3.0`` → ``3``, dates → ISO, booleans → true/false."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def load(
    path: Path,
    *,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
    max_cell_chars: int = MAX_CELL_CHARS,
    max_columns: int = MAX_COLUMNS,
) -> Table:
    """Read one candidate list. Raises InputFileError with a one-line reason for any file it can't use."""
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
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(f"{path.name} is empty")
    if size > max_file_bytes:
        raise InputFileError(
            f"{path.name} is {_size(size)}, above the limit of {_size(max_file_bytes)}",
            hint="split the file, or raise the limit with --max-file-mb",
        )
    limits = _Limits(path.name, max_rows, max_cell_chars, max_columns)
    if suffix in CSV_SUFFIXES:
        return _load_csv(path, mapping, limits)
    return _load_workbook(path, suffix, sheet, mapping, limits)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n:,} bytes"


class _Limits:
    def __init__(self, name: str, max_rows: int, max_cell_chars: int, max_columns: int = MAX_COLUMNS) -> None:
        self.name, self.max_rows, self.max_cell_chars, self.max_columns = name, max_rows, max_cell_chars, max_columns

    def check_width(self, width: int) -> None:
        if width > self.max_columns:
            raise InputFileError(
                f"{self.name} has {width:,} columns, above the limit of {self.max_columns:,}",
                hint="remove the extra columns, or raise the limit with --max-columns",
            )

    def check(self, count: int, number: int, cells: tuple[str, ...]) -> None:
        if count > self.max_rows:
            raise InputFileError(
                f"{self.name} has more than {self.max_rows:,} rows",
                hint="split the file, or raise the limit with --max-rows",
            )
        for cell in cells:
            if len(cell) > self.max_cell_chars:
                raise InputFileError(
                    f"{self.name} row {number}: a cell has {len(cell):,} characters, "
                    f"above the limit of {self.max_cell_chars:,}",
                    hint="check the file, or raise the limit with --max-cell-chars",
                )


# --- CSV -----------------------------------------------------------------------------


def _sniff_encoding(head: bytes, name: str) -> tuple[str, bool]:
    """(Python codec, had a BOM) from the first bytes; UTF-8 is confirmed while reading."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    if head.startswith(b"PK\x03\x04") or head.startswith(OLE_MAGIC):
        raise InputFileError(
            f"{name} is a spreadsheet workbook saved with a text extension",
            hint="rename it to .xlsx (or .xls) and try again",
        )
    if b"\x00" in head:
        raise InputFileError(f"{name} is not a text file (it contains NUL bytes)", hint="export it as CSV UTF-8")
    return "utf-8", False


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _load_csv(path: Path, mapping: Mapping[str, str] | None, limits: _Limits) -> Table:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    encoding, bom = _sniff_encoding(head, path.name)
    try:
        return _read_csv(path, encoding, bom, mapping, limits)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise InputFileError(
                f"{path.name} is not valid {encoding.upper().replace('-SIG', '')} although it starts with "
                f"a byte-order mark (byte {exc.start})",
                hint="save it again as CSV UTF-8",
            ) from None
        # Not UTF-8: what European Excel saves is Windows-1252.
        return _read_csv(path, "cp1252", False, mapping, limits)


def _read_csv(path: Path, encoding: str, bom: bool, mapping: Mapping[str, str] | None, limits: _Limits) -> Table:
    """Stream the file through the csv module (far faster and smaller than reading it whole)."""
    errors = "replace" if encoding == "cp1252" else "strict"
    csv.field_size_limit(max(limits.max_cell_chars + 1, 131072))  # our own limit speaks first, and clearly
    with open(path, encoding=encoding, errors=errors, newline="") as fh:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(fh.read(65536))
        fh.seek(0)
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            table = _build_table(path, path.stem, enumerate(reader, start=1), mapping, limits, fmt="csv")
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise InputFileError(
                    f"{path.name} line {reader.line_num}: a cell has more than {limits.max_cell_chars:,} characters, "
                    "above the limit",
                    hint="check the file, or raise the limit with --max-cell-chars",
                ) from None
            raise InputFileError(f"{path.name} is not a well-formed CSV file: {exc}") from None
    table.encoding, table.delimiter, table.bom = ("utf-8" if encoding == "utf-8-sig" else encoding), delimiter, bom
    return table


# --- Excel and OpenDocument -----------------------------------------------------------


def _open_workbook(path: Path, suffix: str) -> calamine.CalamineWorkbook:
    head = path.read_bytes()[:8] if path.stat().st_size >= 8 else b""
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
        _check_zip(path, suffix)
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise InputFileError(
            f"{path.name} is password-protected",
            hint="remove the password in Excel and save again",
        ) from None
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, OSError, ValueError) as exc:
        raise InputFileError(
            f"{path.name} cannot be read as a {suffix} workbook ({_first_line(exc)})",
            hint="open it in Excel and save it again, or export it as CSV",
        ) from None


def _check_zip(path: Path, suffix: str) -> None:
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
                f"{path.name} would expand to {_size(expanded)}: too large to read safely (a damaged or hostile file?)",
                hint="open it in Excel, delete unused rows and columns, and save it again",
            )
        try:
            if suffix == ".ods":
                _check_ods_extent(path, archive)
            elif suffix in {".xlsx", ".xlsm"}:
                for info in infos:
                    if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                        _check_xlsx_extent(path, archive, info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise InputFileError(f"{path.name} is a damaged workbook ({_first_line(exc)})") from None


def _refuse_extent(path: Path, rows: int, columns: int, hint: str) -> None:
    if rows * columns > MAX_SHEET_CELLS:
        raise InputFileError(
            f"{path.name}: a sheet reaches row {rows:,} and column {columns:,} ({rows * columns:,} cells): too large to read safely",
            hint=hint,
        )


def _check_xlsx_extent(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    rows = columns = 0
    with archive.open(info) as fh:
        for buffer in xml_pieces(fh):
            for match in _EXTENT.finditer(buffer):
                rows = max(rows, int(match.group(2)))
                if match.group(1):
                    columns = max(columns, _column_number(match.group(1)))
    _refuse_extent(path, rows, max(columns, 1), "a stray value far below or right of the data? delete those rows and columns in Excel")


def _check_ods_extent(path: Path, archive: zipfile.ZipFile) -> None:
    """An .ods row or cell can say "repeat me a million times": 800 bytes can ask for 10^11
    cells. Walk content.xml's table start tags (no parse tree) and size each sheet's extent
    as the reader will: up to the last row and column that hold something. Empty repeats,
    which LibreOffice writes to the end of every sheet, cost nothing and are not counted.
    A row ends where the next row or sheet starts, so only start tags need matching."""
    rows = columns = 0  # extent of the current sheet
    row = row_repeat = 0  # where the current row starts, and how many times it repeats
    column = 0
    row_has_content = False

    def end_row() -> None:
        nonlocal rows, row, row_repeat, row_has_content
        if row_has_content:
            rows = row + row_repeat
            _refuse_extent(path, rows, columns, "a value repeated over whole rows or columns? delete those rows and columns and save again")
        row, row_repeat, row_has_content = row + row_repeat, 0, False

    try:
        fh = archive.open("content.xml")
    except KeyError:
        return  # no content.xml: the reader says what is wrong
    with fh:
        for buffer in xml_pieces(fh):
            for tag, attributes in _ODS_TAG.findall(buffer):
                found = b"repeated" in attributes and _ODS_REPEATED.search(attributes)
                repeat = int(found.group(1)) if found else 1
                if tag == b"table-row":
                    end_row()
                    row_repeat, column = repeat, 0
                elif tag == b"table":
                    end_row()
                    rows = columns = row = 0
                else:  # a cell: content unless it is an empty element with no value
                    if not attributes.endswith(b"/") or b"value-type" in attributes:
                        row_has_content = True
                        columns = max(columns, column + repeat)
                    column += repeat
    end_row()


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _sheet_rows(sheet: calamine.CalamineSheet) -> Iterator[tuple[int, list[str]]]:
    offset = sheet.start[1] if sheet.start else 0
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        yield number, [""] * offset + [cell_text(c) for c in cells]


def _load_workbook(
    path: Path, suffix: str, wanted: str | None, mapping: Mapping[str, str] | None, limits: _Limits
) -> Table:
    workbook = _open_workbook(path, suffix)
    fmt = suffix.lstrip(".").replace("xlsm", "xlsx")
    try:
        table = _pick_sheet(path, workbook, wanted, mapping, limits, fmt)
        table.sheet_names = tuple(workbook.sheet_names)
        return table
    finally:
        workbook.close()


def _pick_sheet(
    path: Path, workbook: calamine.CalamineWorkbook, wanted: str | None, mapping: Mapping[str, str] | None,
    limits: _Limits, fmt: str,
) -> Table:  # fmt: skip
    try:
        sheets = [m for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
        if wanted is not None:
            names = [m.name for m in sheets]
            if wanted not in names:
                raise InputFileError(
                    f"{path.name} has no sheet named {wanted!r}",
                    hint=f"its sheets are: {', '.join(repr(n) for n in names)}",
                )
            return _build_table(path, wanted, _sheet_rows(workbook.get_sheet_by_name(wanted)), mapping, limits, fmt)
        visible = [m.name for m in sheets if m.visible == calamine.SheetVisibleEnum.Visible]
        for name in visible:
            try:
                return _build_table(path, name, _sheet_rows(workbook.get_sheet_by_name(name)), mapping, limits, fmt)
            except _NoHeader:
                continue
        raise _NoHeader
    except _NoHeader:
        raise InputFileError(
            f"{path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows of any visible sheet",
            hint="the header row must name at least two fields, e.g. 'Name' and 'Email'; or pick a sheet with --sheet",
        ) from None
    except (calamine.CalamineError, calamine.XmlError, calamine.ZipError, ValueError) as exc:
        raise InputFileError(f"{path.name} cannot be read ({_first_line(exc)})") from None


# --- Shared: header detection and rows --------------------------------------------------


class _NoHeader(Exception):
    pass


def _build_table(
    path: Path,
    sheet: str,
    numbered: Iterable[tuple[int, list[str]]],
    mapping: Mapping[str, str] | None,
    limits: _Limits,
    fmt: str,
) -> Table:
    rows = iter(numbered)
    head: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        head.append((number, cells))
        if number >= HEADER_SEARCH_ROWS:
            break
    # The header is the row naming the most fields (at least two); the first such on a tie.
    # A group row above it ("Candidate" | "Position") names fewer than the real header does.
    scores = [count_known(cells, mapping) for _, cells in head]
    best = max(scores, default=0)
    if best < 2:
        if fmt == "csv" and not any(any(c.strip() for c in cells) for _, cells in head):
            raise InputFileError(f"{path.name} has no rows", hint="is it the right file?")
        if fmt == "csv":
            raise InputFileError(
                f"{path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows",
                hint="the header row must name at least two fields, e.g. 'Name' and 'Email'",
            )
        raise _NoHeader
    at = scores.index(best)
    header_row, header = head[at][0], tuple(c.strip() for c in head[at][1])
    preamble = [tuple(cells) for _, cells in head[:at]]
    rows = itertools.chain(head[at + 1 :], rows)
    data: list[SourceRow] = []
    width = _used_width(header)
    for number, cells in rows:
        used = _used_width(cells)
        if not used or not any(c.strip() for c in cells):
            continue
        cells_t = tuple(cells)
        limits.check(len(data) + 1, number, cells_t)
        width = max(width, used)
        data.append(SourceRow(sheet=sheet, row=number, cells=cells_t))
    limits.check_width(width)
    header = _fit(header, width)
    data = [r if len(r.cells) == width else SourceRow(r.sheet, r.row, _fit(r.cells, width)) for r in data]
    return Table(
        path=path,
        sheet=sheet,
        header_row=header_row,
        headers=header,
        rows=data,
        preamble=preamble,
        format=fmt,
    )


def _used_width(cells: Iterable[str]) -> int:
    """1 + the index of the last non-empty cell (0 for an empty row)."""
    width = 0
    for index, cell in enumerate(cells, start=1):
        if cell:
            width = index
    return width


def _fit(cells: tuple[str, ...], width: int) -> tuple[str, ...]:
    if len(cells) >= width:
        return cells[:width]
    return cells + ("",) * (width - len(cells))
