"""What every reader shares: cells as text, size limits, the header row and the data rows."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

from .columns import count_known
from .errors import InputFileError
from .models import SourceRow, Table

HEADER_SEARCH_ROWS = 20
MAX_ROWS = 1_000_000
MAX_CELL_CHARS = 1_000_000
MAX_COLUMNS = 1_000


def cell_text(value: object) -> str:
    """One cell as the text a person sees in it: ``3.0`` → ``3``, dates → ISO, booleans → true/false."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    """A number as Excel shows it, never in scientific notation: 15 significant digits, the
    rest zeros (``12345678901234567`` → ``12345678901234600``), ``3.0`` → ``3``."""
    if not math.isfinite(value):
        return repr(value)
    shown = Decimal(f"{value:.15g}")
    if shown == shown.to_integral_value():
        return str(int(shown))
    return format(shown.normalize(), "f")


class Shown(str):
    """A number cell's text as its number format shows it (``1,200``, ``000123``) for text
    fields, with ``plain``: the number itself (``1200``, ``123``), for number fields."""

    plain: str

    def __new__(cls, shown: str, plain: str) -> Shown:
        text = super().__new__(cls, shown)
        text.plain = plain
        return text


def size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n:,} bytes"


class Limits:
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


class NoHeader(Exception):
    pass


def build_table(
    path: Path,
    sheet: str,
    numbered: Iterable[tuple[int, list[str]]],
    mapping: Mapping[str, str] | None,
    limits: Limits,
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
        raise NoHeader
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
