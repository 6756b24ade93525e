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
    results = xlsx_patch.Results("Candidates", 2, [0, 0], ["enrol_status", "attempts"], {3: ["ai_accept", 1], 4: ["invalid", 0]},
                                 tones={4: 0}, fills=["FFFFC7CE"])  # fmt: skip
    xlsx_patch.patch(src, dst, results, extra_sheets=[("Summary", [["rows", 2]], [12])])
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
        xlsx_patch.patch(bad, tmp_path / "o.xlsx", xlsx_patch.Results("S", 1, [0], ["x"], {}))


def test_columns_found_by_name_are_set_in_place_and_unique_zip_entries(tmp_path):
    """A second patch of its own output sets the same columns again (none added) and names each zip entry once."""
    import zipfile

    src, once, twice = _workbook(tmp_path / "in.xlsx"), tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    xlsx_patch.patch(src, once, xlsx_patch.Results("Candidates", 2, [0], ["enrol_status"], {3: ["invalid"], 4: ["ai_accept"]}),
                     extra_sheets=[("Summary", [["runs", 1]], [12])])  # fmt: skip
    xlsx_patch.patch(once, twice, xlsx_patch.Results("Candidates", 2, [4], ["enrol_status"], {3: ["ai_accept"], 4: [""]}),
                     extra_sheets=[("Summary", [["runs", 2]], [12])])  # fmt: skip
    workbook = openpyxl.load_workbook(twice)
    assert [c.value for c in workbook["Candidates"][2]] == ["Name", "Email", "Total", "enrol_status"]
    assert workbook["Candidates"]["D3"].value == "ai_accept" and workbook["Candidates"]["D4"].value is None
    assert workbook.sheetnames == ["Candidates", "Notes", "Summary"] and workbook["Summary"]["B1"].value == 2
    with zipfile.ZipFile(twice) as z:
        assert len(z.namelist()) == len(set(z.namelist()))
