"""Small fixes typed in by hand, written into the input file itself (the web app's "edit a cell")."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import openpyxl

from .errors import InputFileError, OutputError
from .files import atomic_path
from .models import Table


def edit_cells(table: Table, edits: Mapping[tuple[int, int], str]) -> None:
    """Write new cell text into ``table.path``; everything else in the file stays as it was.

    ``edits``: (sheet row number as ``SourceRow.row``, 0-based column index into
    ``table.headers``) → the new text, kept as text (``00123`` stays ``00123``). .xlsx and
    .xlsm are changed in place through openpyxl; .csv/.tsv/.txt are rewritten with the
    encoding, byte-order mark and delimiter they were read with. Raises InputFileError for
    .xls and .ods (edit those in a spreadsheet program) or a cell outside the table, and
    OutputError when the file cannot be written.
    """
    if not edits:
        return
    rows = {r.row for r in table.rows}
    for row, column in edits:
        if row not in rows or not 0 <= column < len(table.headers):
            raise InputFileError(f"row {row}, column {column + 1} is not a cell of the candidate table")
    if table.format == "xlsx":
        _edit_xlsx(table, edits)
    elif table.format == "csv":
        _edit_csv(table, edits)
    else:
        raise InputFileError(
            f"{Path(table.path).name} is an .{table.format} file: it cannot be changed here",
            hint="fix it in your spreadsheet program and upload it again",
        )


def _edit_xlsx(table: Table, edits: Mapping[tuple[int, int], str]) -> None:
    path = Path(table.path)
    workbook = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", rich_text=True)
    sheet = workbook[table.sheet]
    for (row, column), text in edits.items():
        cell = sheet.cell(row=row, column=column + 1)  # headers[i] is the sheet's column i + 1, as the writer has it
        cell.value = text
        cell.data_type = "s"
    try:
        with atomic_path(path) as tmp:
            workbook.save(tmp)
    except OSError as exc:
        raise OutputError(f"cannot write {path.name}: {exc.strerror or exc}") from None


def _edit_csv(table: Table, edits: Mapping[tuple[int, int], str]) -> None:
    path = Path(table.path)
    encoding = table.encoding or "utf-8"
    with open(path, encoding=encoding, newline="") as fh:
        records = list(csv.reader(fh, delimiter=table.delimiter or ","))
    for (row, column), text in edits.items():
        record = records[row - 1]
        record.extend([""] * (column + 1 - len(record)))
        record[column] = text
    try:
        with atomic_path(path) as tmp:
            with open(tmp, "w", encoding="utf-8-sig" if table.bom and encoding == "utf-8" else encoding, newline="") as fh:
                csv.writer(fh, delimiter=table.delimiter or ",").writerows(records)
    except (OSError, UnicodeEncodeError) as exc:
        raise OutputError(f"cannot write {path.name}: {exc}") from None
