"""Workbooks and CSV dialects read as their owners see them: formats, merges, formulas, extents."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from batch_enrol.columns import map_columns
from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from batch_enrol.number_formats import display, display_text
from batch_enrol.validator import check_table
from tests.helpers import DATA, HEADERS, candidate_rows, write_csv

RESUME = "Five years of customer support in telecoms."


@pytest.mark.parametrize("value, code, shown", [
    (123, "000000", "000123"), (4567, "000000", "004567"), (123456789, "00000-0000", "12345-6789"),
    (987654321, "000-00-0000", "987-65-4321"), (1234567, "#,##0", "1,234,567"), (1234.5, "#,##0.00", "1,234.50"),
    (0.25, "0%", "25%"), (-5, "#,##0 ;(#,##0)", "(5)"), (12, '"ID-"0000', "ID-0012"), (3, "0.0", "3.0"),
    (5551234567, "(000) 000-0000", "(555) 123-4567"), (7, "[Red]0", "7"),
    (4155551234, "[<=9999999]###-####;(###) ###-####", "(415) 555-1234"), (5551234, "[<=9999999]###-####;(###) ###-####", "555-1234"),
    (250, '[>100][Red]"big "0;[Blue]"small "0', "big 250"), (5, '[>100][Red]"big "0;[Blue]"small "0', "small 5"),
    (77, "[$-409]000000", "000077"), (12.5, "[$€-407] #,##0.00", "€ 12.50"), (0, '0;-0;"zero"', "zero"), (-3, '0;-0;"zero"', "-3"),
    (-5, "[<=9999999]###-####;(###) ###-####", "--5"), (0, "[<=9999999]###-####;(###) ###-####", "-"),
    (-5, '[>100]"big "0;"small "0', "small 5"),
    (12345, "0.00E+00", "1.23E+04"), (0.000123, "0.00E+00", "1.23E-04"), (12345, "0.0#E+0", "1.23E+4"), (-12345, "0.00E+00", "-1.23E+04"),
    (1.5, "# ?/?", "1 1/2"), (12.345, "# ?/?", "12 1/3"), (1.5, "?/?", "3/2"), (2.3, "# ?/4", "2 1/4"), (-1.5, "# ?/?", "-1 1/2"),
])  # fmt: skip
def test_a_number_reads_as_its_format_shows_it(value, code, shown):
    assert display(value, code) == shown


@pytest.mark.parametrize("text, code, shown", [
    ("A17", '"ID-"@', "ID-A17"), ("A17", '0;-0;0;[Blue]"Note: "@', "Note: A17"), ("A17", '"a"@" b"', "aA17 b"),
    ("A17", "@", None), ("A17", "_(@_)", None), ("A17", "0;-0;0", None), ("A17", "0;-0;0;@", None),
])  # fmt: skip
def test_a_text_cell_reads_as_its_text_section_shows_it(text, code, shown):
    """As LibreOffice shows them (its display saved as CSV "as shown"); padding (``_(``) is alignment."""
    assert display_text(text, code) == shown


@pytest.mark.parametrize("code", ["General", "@", "dd/mm/yyyy", "h:mm"])
def test_formats_that_show_the_plain_value_give_none(code):
    assert display(45000, code) is None


@pytest.mark.parametrize("value, code", [
    (-5, '[>100]"a"0;[>50]"b"0;"c"0'), (5, "[>100]0"), (12345, "##0.0E+0"), (5, "[DBNum1]0"),
])  # fmt: skip
def test_what_cannot_be_shown_faithfully_reads_as_the_plain_value(value, code):
    """A negative number in a third section conditions choose (its sign is documented nowhere), no
    section that applies (Excel shows ####), engineering notation, other bracket tags: None."""
    assert display(value, code) is None


def _workbook(path, rows, *, formats=None, merges=(), formulas=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Candidates"
    for row in rows:
        sheet.append(row)
    for ref, code in (formats or {}).items():
        sheet[ref].number_format = code
    for ref in merges:
        sheet.merge_cells(ref)
    for ref, formula in formulas:
        sheet[ref] = formula
    workbook.save(path)
    return path


def test_number_formats_merges_and_formulas_in_a_workbook(tmp_path):
    headers = [*HEADERS, "Candidate ID", "Zip"]
    rows = [headers]
    for i in range(3):
        rows.append([f"P {i}", f"p{i}@example.org", "SK", RESUME, "Agent" if i == 0 else None, "Bratislava", "SK", "en", 12 + i, 123456789])
    path = _workbook(tmp_path / "in.xlsx", rows, formats={"I2": "000000", "I3": "@", "J2": "00000-0000", "I4": "#,##0"},
                     merges=["E2:E4"], formulas=[("A4", "=CONCAT(\"a\",\"b\")")])  # fmt: skip
    table = load(path)
    assert [r.cells[8] for r in table.rows] == ["000012", "13", "14"]
    assert table.rows[0].cells[9] == "12345-6789" and table.rows[1].cells[9] == "123456789"
    assert [r.cells[4] for r in table.rows] == ["Agent", "Agent", "Agent"]  # the merge applies to each row
    assert table.blank_formulas == {(4, 1)}
    checked = check_table(table, map_columns(table.headers))
    assert checked[0].candidate.candidate_external_id == "000012"
    assert checked[2].outcome.reason == "Full name: a formula with no saved value: open and save the file in Excel or LibreOffice"


def _far_styled_cell(source, target, cell: str):
    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", f"{cell}</sheetData>").encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


def test_formatted_empty_cells_far_away_do_not_count_but_values_do(tmp_path):
    base = _workbook(tmp_path / "base.xlsx", [HEADERS, *candidate_rows(11)])
    styled = _far_styled_cell(base, tmp_path / "styled.xlsx", '<row r="1048576" s="1"><c r="XFD1048576" s="1"/></row>')
    assert len(load(styled).rows) == 11
    bomb = _far_styled_cell(base, tmp_path / "bomb.xlsx", '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>')
    with pytest.raises(InputFileError, match="too large to read safely"):
        load(bomb)


def test_strict_open_xml_reads_like_any_workbook():
    table = load(DATA / "cases" / "strict_ooxml.xlsx")
    assert [r.cells[0] for r in table.rows] == ["Olga Berg", "Karol Dub"]


@pytest.mark.parametrize("content, suffix, message", [
    (b"\x09\x04\x06\x00\x00\x00\x10\x00" + b"\x00" * 100, ".xls", "pre-2007 Excel 4"),
    (None, ".csv", "zip archive that is not a workbook"),
])  # fmt: skip
def test_file_level_messages_say_what_the_file_is(tmp_path, content, suffix, message):
    path = tmp_path / f"input{suffix}"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
    else:
        path.write_bytes(content)
    with pytest.raises(InputFileError) as info:
        load(path)
    assert message in info.value.message and len(info.value.message) <= 200


def test_a_workbook_with_no_worksheets(tmp_path):
    source = _workbook(tmp_path / "base.xlsx", [HEADERS])
    with zipfile.ZipFile(source) as archive:
        parts = {n: archive.read(n) for n in archive.namelist() if not n.startswith("xl/worksheets/")}
    target = tmp_path / "charts_only.xlsx"
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(InputFileError, match="has no worksheets"):
        load(target)


def test_the_delimiter_follows_the_header_excels_sep_line_and_the_flag(tmp_path):
    rows = [["A", "a@example.org", "SK", "Tools: 'Jira', 'Excel', 'SAP', 'SQL'", "Agent", "Bratislava, Old Town", "SK", "en"]]
    semicolon = write_csv(tmp_path / "semi.csv", rows, delimiter=";")
    assert load(semicolon).delimiter == ";" and load(semicolon).rows[0].cells[5] == "Bratislava, Old Town"
    sep = tmp_path / "sep.csv"
    sep.write_text("sep=|\n" + "|".join(HEADERS) + "\n" + "|".join(rows[0]) + "\n", encoding="utf-8")
    table = load(sep)
    assert table.delimiter == "|" and table.header_row == 2 and table.rows[0].cells[0] == "A"
    assert load(semicolon, delimiter="semicolon").delimiter == ";"
    with pytest.raises(InputFileError, match="no header row found"):
        load(semicolon, delimiter=",")  # forced, though wrong


def test_number_fields_get_the_number_and_text_fields_never_scientific_notation(tmp_path):
    headers = [*HEADERS, "Candidate ID", "max_duration", "interview_attempts"]
    rows = [headers, ["P 0", "p0@example.org", "SK", RESUME, "Agent", "Bratislava", "SK", "en", 12345678901234567, 1200, 2]]
    path = _workbook(tmp_path / "in.xlsx", rows, formats={"I2": "0", "J2": "#,##0", "K2": "#,##0.00"})
    table = load(path)
    assert table.rows[0].cells[8:11] == ("12345678901234600", "1,200", "2.00")  # what Excel shows
    checked = check_table(table, map_columns(table.headers))
    candidate = checked[0].candidate
    assert candidate is not None, checked[0].outcome.reason
    assert candidate.candidate_external_id == "12345678901234600"
    assert candidate.max_duration == 1200 and candidate.interview_attempts == 2


@pytest.mark.parametrize("value, text", [(12345678901234567.0, "12345678901234600"), (1e20, "100000000000000000000"),
                                         (3.0, "3"), (0.1 + 0.2, "0.3"), (1e-7, "0.0000001")])  # fmt: skip
def test_a_number_cell_reads_as_excel_shows_it_never_in_scientific_notation(value, text):
    from batch_enrol.rows import cell_text

    assert cell_text(value) == text


def test_a_cell_showing_an_excel_error_makes_the_row_invalid_naming_the_error(tmp_path):
    rows = [HEADERS, *candidate_rows(3)]
    path = _workbook(tmp_path / "in.xlsx", rows)
    with zipfile.ZipFile(path) as source:  # openpyxl writes no cached error values: put them in as Excel does
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, error in (("C2", "#N/A"), ("E3", "#REF!")):
        sheet = re.sub(rf'<c r="{ref}"[^>]*>.*?</c>', f'<c r="{ref}" t="e"><f>VLOOKUP(A2,X!A:B,2,0)</f><v>{error}</v></c>', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    table = load(path)
    checked = check_table(table, map_columns(table.headers))
    assert [c.candidate is None for c in checked] == [True, True, False]
    assert "#N/A" in checked[0].outcome.reason and "#REF!" in checked[1].outcome.reason


def test_xls_number_formats_and_merges_read_as_in_xlsx(tmp_path):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Candidates")
    headers = [*HEADERS, "Candidate ID", "max_duration"]
    for column, header in enumerate(headers):
        sheet.write(0, column, header)
    zeros, grouped = xlwt.easyxf(num_format_str="000000"), xlwt.easyxf(num_format_str="#,##0")
    for i, row in enumerate(candidate_rows(3), start=1):
        for column, value in enumerate(row):
            if column != 4:
                sheet.write(i, column, value)
        sheet.write(i, 8, 123 + i, zeros)
        sheet.write(i, 9, 1200, grouped)
    sheet.write_merge(1, 3, 4, 4, "Agent")  # the position merged over the three rows
    book.save(str(tmp_path / "in.xls"))
    table = load(tmp_path / "in.xls")
    assert [r.cells[4] for r in table.rows] == ["Agent", "Agent", "Agent"]
    assert [r.cells[8] for r in table.rows] == ["000124", "000125", "000126"]
    checked = check_table(table, map_columns(table.headers))
    assert [c.candidate.max_duration for c in checked] == [1200, 1200, 1200]
    assert checked[0].candidate.candidate_external_id == "000124"
