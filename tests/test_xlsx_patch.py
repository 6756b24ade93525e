"""The .xlsx patcher: result columns appended to the user's own workbook, everything else kept."""

from __future__ import annotations

import openpyxl
import pytest

from batch_enrol import xlsx_patch


def _workbook(path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Candidates"
    sheet.append(["Our list"])
    sheet.append(["Name", "Email", "Total"])
    sheet.append(["Ana", "ana@example.org", "=1+1"])
    sheet.append(["Ben", "ben@example.org", 3])
    workbook.create_sheet("Notes").append(["keep me"])
    workbook.save(path)
    return path


def test_result_columns_land_beside_the_users_columns_and_nothing_else_changes(tmp_path):
    src, dst = _workbook(tmp_path / "in.xlsx"), tmp_path / "out.xlsx"
    xlsx_patch.patch(src, dst, sheet="Candidates", header_row=2, header=["enrol_status", "attempts"],
                     rows={3: ["ai_accept", 1], 4: ["invalid", 0]}, tones={4: 0}, fills=["FFFFC7CE"],
                     extra_sheets=[("Summary", [["rows", 2]], [12])])  # fmt: skip
    workbook = openpyxl.load_workbook(dst)
    sheet = workbook["Candidates"]
    assert [c.value for c in sheet[2]] == ["Name", "Email", "Total", "enrol_status", "attempts"]
    assert [c.value for c in sheet[3]] == ["Ana", "ana@example.org", "=1+1", "ai_accept", 1]
    assert sheet["D4"].value == "invalid" and sheet["D4"].fill.start_color.rgb.endswith("FFC7CE")
    assert sheet["A1"].value == "Our list" and workbook["Notes"]["A1"].value == "keep me"
    assert workbook.sheetnames == ["Candidates", "Notes", "Summary"]
    assert workbook["Summary"]["B1"].value == 2


def test_a_file_that_is_not_a_workbook_is_unsupported(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(xlsx_patch.Unsupported):
        xlsx_patch.patch(bad, tmp_path / "o.xlsx", sheet="S", header_row=1, header=["x"], rows={}, tones={}, fills=[])
