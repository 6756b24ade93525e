"""One streamed pass over an .ods workbook's content.xml for what the value reader does not give.

For each sheet, the same ``SheetScan`` as an .xlsx gets: its extent counted over cells that
hold a value (``office:value-type``) or a formula (the value reader keeps those too); an empty
cell, styled or not, repeated to column 16,384 or row 1,048,576 (LibreOffice writes one at the
end of every sheet) costs the reader nothing and is not counted, the cells holding a formula with no saved value, the cells showing an error value,
the number format of each number (or text) cell that shows more than its plain value (see
``ods_styles``), and the merges (``table:number-rows-spanned``).

A row or cell can say "repeat me a million times": 800 bytes can ask for 10^11 cells. So the
cells found are kept as runs (``CellRuns``), never one entry per cell, and the extent is
checked as each row ends: time and memory follow the XML's size, not the cells it declares.
Tags are matched by their usual prefixes (``table:``, ``office:``), as the value reader does.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Generic, TypeVar

from .files import xml_pieces
from .ods_styles import cell_formats
from .xlsx_scan import SheetScan

V = TypeVar("V")
_MISSING = object()
_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell|table-column|table)(?=[\s/>])([^>]*)>")  # no lazy match: 4× faster
_FOLLOWING = re.compile(rb"\s*(?:<text:p\b[^>]*>)?([^<]*)")
_REPEATED = re.compile(rb'number-(?:rows|columns)-repeated="(\d+)"')
_STYLE = re.compile(rb'\btable:style-name="([^"]*)"')
_DEFAULT_STYLE = re.compile(rb'\btable:default-cell-style-name="([^"]*)"')
_NAME = re.compile(rb'\btable:name="([^"]*)"')
_ROWS_SPANNED = re.compile(rb'number-rows-spanned="(\d+)"')
_COLUMNS_SPANNED = re.compile(rb'number-columns-spanned="(\d+)"')


class CellRuns(Mapping[tuple[int, int], V], Generic[V]):
    """(row, column) → value, 1-based, kept as runs of columns over runs of rows (a value
    repeated over a million cells is one entry). Rows are added in order, top to bottom."""

    def __init__(self) -> None:
        self._firsts: list[int] = []
        self._blocks: list[tuple[int, int, list[int], list[tuple[int, int, V]]]] = []

    def add_rows(self, first: int, last: int, runs: list[tuple[int, int, V]]) -> None:
        """Rows ``first``..``last`` hold each (first column, last column, value) of ``runs`` (left to right)."""
        if runs and self._blocks and self._blocks[-1][1] == first - 1 and self._blocks[-1][3] == runs:
            top, _, starts, same = self._blocks[-1]
            self._blocks[-1] = (top, last, starts, same)  # the same cells as the row above: one block
        elif runs:
            self._firsts.append(first)
            self._blocks.append((first, last, [r[0] for r in runs], runs))

    def get(self, key: tuple[int, int], default=None):  # type: ignore[override]
        """The value at (row, column), or ``default``: no exception raised on the way (it is called per number cell)."""
        row, column = key
        index = bisect_right(self._firsts, row) - 1
        if index >= 0:
            _, last, starts, runs = self._blocks[index]
            at = bisect_right(starts, column) - 1
            if row <= last and at >= 0 and column <= runs[at][1]:
                return runs[at][2]
        return default

    def __getitem__(self, key: tuple[int, int]) -> V:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and self.get(key, _MISSING) is not _MISSING

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for first, last, _, runs in self._blocks:
            for row in range(first, last + 1):
                for start, end, _ in runs:
                    yield from ((row, column) for column in range(start, end + 1))

    def __len__(self) -> int:
        return sum((last - first + 1) * sum(end - start + 1 for start, end, _ in runs) for first, last, _, runs in self._blocks)


def _new_scan() -> SheetScan:
    return SheetScan(formulas=CellRuns(), formats=CellRuns(), errors=CellRuns())


class _Scanner:
    """The walk over content.xml's tags: which sheet, where its current row and cell are, what was found."""

    def __init__(self, formats: dict[bytes, str], check: Callable[[int, int], None]) -> None:
        self.formats, self.check = formats, check
        self.sheets: dict[str, SheetScan] = {}
        self.found = _new_scan()  # until the first sheet starts: cells outside any sheet are noted nowhere
        self.row = self.row_repeat = self.column = 0  # rows before the current one, its repeat, cells before the current one
        self.row_style: bytes | None = None
        self.columns: list[tuple[int, int, bytes]] = []  # (first, last, default cell style) of the sheet's formatted columns
        self.column_starts: list[int] = []  # their first columns, to bisect
        self.column_count = 0
        self.has_value = self.pending = False  # pending: an error cell's text is in the next piece
        self.buffer, self.cursor = b"", 0  # the piece being walked, and where the last error cell's tag ended
        self.runs: dict[str, list] = {"formulas": [], "formats": [], "errors": []}

    def walk(self, buffer: bytes) -> None:
        """Every table tag of one piece; plain cells (most of them) on the fast path, here."""
        if self.pending:
            self._error_text(_FOLLOWING.match(buffer).group(1))  # type: ignore[union-attr]
        self.pending = False
        formats, column, has_value, widest = self.formats, self.column, self.has_value, self.found.columns
        self.buffer, self.cursor = buffer, 0
        for tag, attributes in _TAG.findall(buffer):
            if tag == b"table-cell" or tag == b"covered-table-cell":
                if not (b"repeated" in attributes or b"spanned" in attributes or b"formula" in attributes or b"error" in attributes):
                    column += 1
                    typed = attributes.find(b'value-type="')
                    if typed >= 0:
                        has_value = True
                        if column > widest:
                            widest = column
                        if formats and attributes[typed + 12] in b"fpcs":  # float, percentage, currency, string ("ID-"@)
                            self._format(attributes, column, column)
                    continue
            self.column, self.has_value, self.found.columns = column, has_value, widest
            if tag == b"table-cell" or tag == b"covered-table-cell":
                self._cell(tag, attributes)
            else:
                self._tag(tag, attributes)
            column, has_value, widest = self.column, self.has_value, self.found.columns
        self.column, self.has_value, self.found.columns = column, has_value, widest

    def _tag(self, tag: bytes, attributes: bytes) -> None:
        found = b"repeated" in attributes and _REPEATED.search(attributes)
        repeat = int(found.group(1)) if found else 1
        if tag == b"table":
            self.end_row()
            name = _NAME.search(attributes)
            self.found = _new_scan()
            self.sheets[html.unescape(name.group(1).decode("utf-8", "replace")) if name else f"Sheet{len(self.sheets) + 1}"] = self.found
            self.row = self.row_repeat = self.column = self.column_count = 0
            self.columns, self.column_starts = [], []
        elif tag == b"table-row":
            self.end_row()
            self.row_repeat, self.column = repeat, 0
            style = b"default-cell" in attributes and _DEFAULT_STYLE.search(attributes)
            self.row_style = style.group(1) if style else None
        elif tag == b"table-column":
            style = b"default-cell" in attributes and _DEFAULT_STYLE.search(attributes)
            if style and style.group(1) in self.formats:
                self.columns.append((self.column_count + 1, self.column_count + repeat, style.group(1)))
                self.column_starts.append(self.column_count + 1)
            self.column_count += repeat

    def end_row(self) -> None:
        first, last = self.row + 1, self.row + self.row_repeat
        for kind, runs in self.runs.items():
            if runs:
                getattr(self.found, kind).add_rows(first, last, runs)
                self.runs[kind] = []
        if self.has_value:
            self.found.rows = last
            self.check(self.found.rows, self.found.columns)
        self.row, self.row_repeat, self.has_value = last, 0, False

    def _cell(self, tag: bytes, attributes: bytes) -> None:
        """A cell that repeats, spans rows, holds a formula or shows an error."""
        found = b"repeated" in attributes and _REPEATED.search(attributes)
        first, last = self.column + 1, self.column + (int(found.group(1)) if found else 1)
        self.column = last
        if b"value-type" in attributes:
            self.has_value = True
            self.found.columns = max(self.found.columns, last)
            if b'value-type="error"' in attributes:
                self.runs["errors"].append((first, last, "#VALUE!"))
                if not attributes.endswith(b"/"):
                    self._error_text_after(b"<table:" + tag + attributes + b">")
            elif self.formats and attributes[attributes.find(b'value-type="') + 12] in b"fpcs":
                self._format(attributes, first, last)
        elif b"table:formula=" in attributes:  # no value: one to recalculate (the reader keeps formulas: they count)
            self.has_value = True
            self.found.columns = max(self.found.columns, last)
            self.runs["formulas"].append((first, last, True))
        if b"rows-spanned" in attributes and (rows := _ROWS_SPANNED.search(attributes)) and int(rows.group(1)) > 1:
            columns = _COLUMNS_SPANNED.search(attributes)
            right = first + max(int(columns.group(1)) if columns else 1, 1) - 1
            self.found.merges.append(((self.row, first - 1), (self.row + int(rows.group(1)) - 1, right - 1)))

    def _format(self, attributes: bytes, first: int, last: int) -> None:
        found = b"style-name" in attributes and _STYLE.search(attributes)
        style = found.group(1) if found else self.row_style
        if style is None and self.columns:
            at = bisect_right(self.column_starts, first) - 1
            style = self.columns[at][2] if at >= 0 and first <= self.columns[at][1] else None
        if code := self.formats.get(style):  # type: ignore[arg-type]
            self.runs["formats"].append((first, last, code))

    def _error_text_after(self, start_tag: bytes) -> None:
        """Error cells are found in order, and no other cell has the same start tag: the
        first one from the previous error cell on is this one. Its text follows it."""
        at = self.buffer.find(start_tag, self.cursor)
        if at >= 0:
            self.cursor = at + len(start_tag)
            text = _FOLLOWING.match(self.buffer, self.cursor)
            self.pending = text is None or text.end() >= len(self.buffer)
            self._error_text(text.group(1) if text else b"")

    def _error_text(self, text: bytes) -> None:
        shown = html.unescape(text.decode("utf-8", "replace")).strip()
        if shown and self.runs["errors"]:
            first, last, _ = self.runs["errors"][-1]
            self.runs["errors"][-1] = (first, last, shown)


def scan_ods(archive: zipfile.ZipFile, check: Callable[[int, int], None], *, chunk: int = 1 << 22) -> dict[str, SheetScan]:
    """Sheet name → its SheetScan. ``check(rows, columns)`` is called with a sheet's extent
    each time a row holding a value ends; it raises to stop a sheet that grows too large."""
    try:
        fh = archive.open("content.xml")
    except KeyError:
        return {}  # no content.xml: the value reader says what is wrong
    scanner = _Scanner(cell_formats(archive), check)
    with fh:
        for buffer in xml_pieces(fh, keep_text=True, chunk=chunk):
            scanner.walk(buffer)
    scanner.end_row()
    return scanner.sheets


#: Whitespace alone between a table's elements (a pretty-printed content.xml): layout, not content.
_LAYOUT = re.compile(rb">[ \t\r\n]+(?=</?(?:table|office):)")
_CARRY_LIMIT = 1 << 20  #: a text longer than this with no tag in it is passed on as it is


def compact_ods(path: Path, *, chunk: int = 1 << 22) -> Path:
    """A copy of the .ods at ``path`` (in the temporary folder; the caller removes it) whose
    content.xml has no whitespace between table elements, for readers that expect none there
    (Gnumeric pretty-prints it; LibreOffice reads both). Text inside cells is kept as it is.
    Raises OSError, zipfile.BadZipFile."""
    handle, name = tempfile.mkstemp(suffix=".ods", prefix="batch-enrol-")
    os.close(handle)
    target = Path(name)
    try:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in source.infolist():
                with source.open(info) as part, out.open(info.filename, "w", force_zip64=True) as written:
                    if info.filename != "content.xml":
                        shutil.copyfileobj(part, written, chunk)
                        continue
                    carry = b""
                    while data := part.read(chunk):
                        data = carry + data
                        cut = data.rfind(b">")  # the last tag's end waits with what follows it for the next piece
                        if cut <= 0 and len(data) < _CARRY_LIMIT:
                            carry = data
                            continue
                        cut = len(data) if cut <= 0 else cut
                        written.write(_LAYOUT.sub(b">", data[:cut]))
                        carry = data[cut:]
                    written.write(_LAYOUT.sub(b">", carry))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
