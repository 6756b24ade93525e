"""Outputs: the user's workbook kept intact, CSV dialects kept, formulas defused, atomic writes."""

from __future__ import annotations

import csv
import json
import shutil
import stat

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from batch_enrol.models import RESULT_COLUMNS
from batch_enrol.writer import FILLS, neutralise
from tests.helpers import DATA, HEADERS, candidate_rows, cli, write_csv


def styled_workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Intake"
    ws["A1"] = "Autumn intake"
    ws["A1"].font = Font(bold=True, size=18)
    ws.append([])
    ws.append(HEADERS + ["Notes"])
    for cell in ws[3]:
        cell.font = Font(bold=True, color="FFFFFFFF")
        cell.fill = PatternFill("solid", start_color="FF7030A0")
    rows = candidate_rows(4)
    rows[1][1] = "broken-email"
    rows.append(list(rows[0]))  # a duplicate
    for row in rows:
        ws.append(row + ["note"])
    ws.column_dimensions["A"].width = 33
    ws.freeze_panes = "B4"
    ws.auto_filter.ref = "A3:I8"
    ws["I4"].comment = Comment("call first", "HR")
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"en,de"')
    dv.add("H4:H100")
    ws.add_data_validation(dv)
    other = wb.create_sheet("Budget")
    other["A1"] = "cost"
    other["B1"] = 12.5
    other["B1"].number_format = "0.00"
    wb.save(path)
    return path


def test_workbook_comes_back_intact_with_results_and_report_sheets(tmp_path, serve):
    served = serve()
    source = styled_workbook(tmp_path / "intake.xlsx")
    result = cli("run", source, env=served.env())
    assert result.returncode == 1, result.stderr
    before = openpyxl.load_workbook(source)
    after = openpyxl.load_workbook(tmp_path / "intake.enrolled.xlsx")
    assert after.sheetnames == ["Intake", "Budget", "Summary", "Needs attention"]
    old, new = before["Intake"], after["Intake"]
    for row in old.iter_rows():
        for cell in row:
            twin = new[cell.coordinate]
            assert twin.value == cell.value
            assert repr(twin.font) == repr(cell.font) and repr(twin.fill) == repr(cell.fill)
            assert twin.number_format == cell.number_format
    assert new["I4"].comment.text == "call first"
    assert new.column_dimensions["A"].width == 33 and new.freeze_panes == "B4"
    assert new.data_validations.dataValidation[0].sqref == old.data_validations.dataValidation[0].sqref
    assert new.auto_filter.ref == "A3:T8"  # widened over the result columns
    assert after["Budget"]["B1"].value == 12.5 and after["Budget"]["B1"].number_format == "0.00"

    first = old.max_column + 1
    assert [new.cell(3, first + i).value for i in range(len(RESULT_COLUMNS))] == list(RESULT_COLUMNS)
    assert new.cell(3, first).font.bold and repr(new.cell(3, first).fill) == repr(old.cell(3, old.max_column).fill)
    statuses = {r: new.cell(r, first).value for r in range(4, 9)}
    assert statuses[5] == "invalid" and statuses[8] == "duplicate"
    assert new.cell(5, first).fill.start_color.rgb == FILLS["bad"].start_color.rgb
    assert new.cell(8, first).fill.start_color.rgb == FILLS["warn"].start_color.rgb
    decided = [r for r, s in statuses.items() if s not in ("invalid", "duplicate")]
    for r in decided:
        expected = "warn" if "reject" in statuses[r] else "good"
        assert new.cell(r, first).fill.start_color.rgb == FILLS[expected].start_color.rgb
        assert new.cell(r, first + 2).value.startswith("https://")

    lines = list(after["Summary"].iter_rows(values_only=True))
    assert lines[1][2] == "intake.xlsx" and lines[2][0] is None  # one history line: this run
    summary = {row[0]: row[1] for row in lines if row[0]}
    assert summary["invalid"] == 1 and summary["total"] == 5
    assert "not sent" in next(row[2] for row in lines if row[0] == "invalid")  # the legend, in plain words
    attention = list(after["Needs attention"].iter_rows(values_only=True))
    assert attention[0][: len(HEADERS)] == tuple(HEADERS) and len(attention) == 2
    assert attention[1][1] == "broken-email" and "not a valid email" in attention[1][-2] and attention[1][-1] == 5
    assert after["Needs attention"].freeze_panes == "A2"

    again = cli("validate", tmp_path / "intake.enrolled.xlsx", "--sheet", "Needs attention")
    assert again.returncode == 1 and "'broken-email' is not a valid email address" in again.stdout


@pytest.mark.parametrize("name", ["excel_eu.csv", "bom.csv", "utf16.tsv"])
def test_csv_comes_back_in_its_own_dialect(tmp_path, serve, name):
    served = serve()
    source = shutil.copy(DATA / "good" / name, tmp_path / name)
    result = cli("run", source, env=served.env())
    assert result.returncode == 0, result.stderr
    out = tmp_path / name.replace(".", ".enrolled.")
    raw_in, raw_out = (DATA / "good" / name).read_bytes(), out.read_bytes()
    assert raw_out[:3] == raw_in[:3] if name != "excel_eu.csv" else not raw_out.startswith(b"\xef\xbb\xbf")
    encoding = {"excel_eu.csv": "cp1252", "bom.csv": "utf-8-sig", "utf16.tsv": "utf-16"}[name]
    delimiter = {"excel_eu.csv": ";", "bom.csv": ",", "utf16.tsv": "\t"}[name]
    rows = list(csv.reader(raw_out.decode(encoding).splitlines(), delimiter=delimiter))
    original = list(csv.reader(raw_in.decode(encoding).splitlines(), delimiter=delimiter))
    assert rows[0] == original[0] + list(RESULT_COLUMNS)
    assert [r[: len(original[0])] for r in rows[1:]] == original[1:]


def test_formulas_come_out_as_text_in_csv_and_xlsx(tmp_path, serve):
    served = serve()
    rows = candidate_rows(2)
    rows[0][0] = '=HYPERLINK("http://x","y")'
    source = write_csv(tmp_path / "f.csv", rows)
    assert cli("run", source, env=served.env()).returncode == 0
    assert cli("run", source, "--out", tmp_path / "f.xlsx", env=served.env()).returncode == 0
    with open(tmp_path / "f.enrolled.csv", encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1][0] == "'=HYPERLINK(\"http://x\",\"y\")"
    cell = openpyxl.load_workbook(tmp_path / "f.xlsx").active["A2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-5", "-5"), ("+421 903 123 456", "+421 903 123 456"), ("plain", "plain"), ("-5%", "-5%"), ("-12.5", "-12.5"),
    ("+49 151 2345 678", "+49 151 2345 678"), ("-", "-"), ("--", "'--"), ("-A1", "'-A1"), ("=-5%", "'=-5%"),
])  # fmt: skip
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_embed_keys_go_to_a_private_file_never_the_workbook(tmp_path, serve):
    served = serve()
    rows = candidate_rows(3)
    source = write_csv(tmp_path / "e.csv", rows, headers=HEADERS)
    result = cli("run", source, "--set", "is_embedded=yes", "--out", tmp_path / "e.xlsx", env=served.env())
    assert result.returncode == 0, result.stderr
    keys_file = tmp_path / "e.xlsx.embed.json"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    keys = json.loads(keys_file.read_text())
    assert keys and all(len(k) == 64 for k in keys.values())
    workbook_bytes = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p != keys_file)
    for key in keys.values():
        assert key.encode() not in workbook_bytes
    embed_ids = {r[0] for r in openpyxl.load_workbook(tmp_path / "e.xlsx").active.iter_rows(min_row=2, min_col=18, max_col=18, values_only=True)}
    assert embed_ids == set(keys)


def test_parts_openpyxl_does_not_know_survive(tmp_path, serve):
    """The results are patched into the workbook's XML: parts no library models (images, charts,
    custom XML) come back byte for byte."""
    import zipfile

    served = serve()
    source = styled_workbook(tmp_path / "rich.xlsx")
    with zipfile.ZipFile(source, "a") as z:
        z.writestr("customXml/item1.xml", "<custom>kept</custom>")
    assert cli("run", source, env=served.env()).returncode == 1
    with zipfile.ZipFile(tmp_path / "rich.enrolled.xlsx") as z:
        assert z.read("customXml/item1.xml") == b"<custom>kept</custom>"


def test_unusual_sheet_xml_falls_back_to_openpyxl(tmp_path):
    """Cells without r= references (allowed, rare): the patcher declines and openpyxl writes it."""
    import re
    import zipfile

    from batch_enrol import xlsx_patch
    from batch_enrol.loader import load
    from batch_enrol.models import Outcome, Status
    from batch_enrol.writer import write_output

    source = styled_workbook(tmp_path / "plain.xlsx")
    stripped = tmp_path / "stripped.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(stripped, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<c) r="B\d+"', rb"\1", data)
            zout.writestr(item, data)
    table = load(stripped)
    outcomes = {r.row: Outcome(row=r.row, status=Status.AI_ACCEPT, interview_url=f"https://x/{r.row}") for r in table.rows}
    with pytest.raises(xlsx_patch.Unsupported):
        xlsx_patch.patch(stripped, tmp_path / "never.xlsx", xlsx_patch.Results("Intake", 3, [0], ["a"], {}, fills=["FF00FF00"]))
    write_output(table, outcomes, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["Intake"]
    assert sheet.cell(3, 10).value == "enrol_status" and sheet.cell(4, 12).value == "https://x/4"
