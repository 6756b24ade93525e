"""Fixing a cell by hand writes into the user's own file, which then reads and checks as fixed."""

from __future__ import annotations

import openpyxl
import pytest

from batch_enrol.edits import edit_cells
from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from batch_enrol.pipeline import check_file
from batch_enrol.settings import Settings
from tests.helpers import candidate_rows, write_csv, write_xlsx


@pytest.mark.parametrize("make", [write_csv, write_xlsx])
def test_an_edited_cell_reads_back_fixed_and_the_rest_stays(tmp_path, make):
    rows = candidate_rows(3)
    rows[1][2] = "Atlantis"
    rows[2][0] = "00123"
    path = make(tmp_path / f"in.{'csv' if make is write_csv else 'xlsx'}", rows)
    before = check_file(path, Settings(sandbox=True))
    (problem,) = before.problems
    edit_cells(before.table, {(problem.row, before.table.headers.index(problem.column)): "SK"})
    after = check_file(path, Settings(sandbox=True))
    assert after.problems == []
    assert [r.cells for r in after.table.rows if r.row != problem.row] == [r.cells for r in before.table.rows if r.row != problem.row]
    assert load(path).rows[2].cells[0] == "00123"


def test_a_workbook_keeps_its_other_sheets_and_title_rows(tmp_path):
    path = write_xlsx(tmp_path / "in.xlsx", candidate_rows(2), title="Week 48")
    book = openpyxl.load_workbook(path)
    book.create_sheet("Notes")["A1"] = "keep me"
    book.save(path)
    table = load(path)
    edit_cells(table, {(table.rows[0].row, 0): "Anna Nová"})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Candidates", "Notes"] and book["Notes"]["A1"].value == "keep me"
    assert book["Candidates"]["A1"].value == "Week 48" and book["Candidates"]["A3"].value == "Anna Nová"


def test_cells_outside_the_table_are_refused(tmp_path):
    table = load(write_csv(tmp_path / "in.csv", candidate_rows(2)))
    with pytest.raises(InputFileError, match="not a cell"):
        edit_cells(table, {(1, 0): "header row"})
    with pytest.raises(InputFileError, match="not a cell"):
        edit_cells(table, {(2, 99): "x"})
