"""The loader reads real-looking files as a careful person would."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from batch_enrol.errors import InputFileError
from batch_enrol.loader import cell_text, load
from tests.helpers import DATA, HEADERS, candidate_rows, write_csv

GOOD = DATA / "good"
EXPECTED_NAMES = ["Zoë Müller", "François Dupont", "Ana Peña"]


def column(table, header):
    index = table.headers.index(header)
    return [row.cells[index] for row in table.rows]


@pytest.mark.parametrize("name, encoding, delimiter, bom", [
    ("bom.csv", "utf-8", ",", True),
    ("excel_eu.csv", "cp1252", ";", False),
    ("utf16.tsv", "utf-16", "\t", True),
])  # fmt: skip
def test_text_files_in_every_encoding_and_dialect(name, encoding, delimiter, bom):
    table = load(GOOD / name)
    assert (table.encoding, table.delimiter, table.bom) == (encoding, delimiter, bom)
    assert table.headers[0] == "Full name"  # a BOM never sticks to the first header
    assert column(table, "Full name") == EXPECTED_NAMES
    assert [r.row for r in table.rows] == [2, 3, 4]


def test_titled_styled_workbook():
    table = load(GOOD / "titled_styled.xlsx")
    assert table.sheet == "Spring intake" and table.header_row == 3
    assert table.preamble[0][0] == "Candidates — spring intake"
    assert [r.row for r in table.rows] == [4, 5, 7, 8]  # the blank row 6 is skipped, numbers are Excel's
    assert column(table, "Candidate ID") == ["000123", "000124", "000125", "000126"]  # leading zeros kept
    assert column(table, "Attempts") == ["3", "2", "25", ""]  # Excel's 3.0 is 3
    assert column(table, "Available from")[:2] == ["2026-12-01", "2026-12-02"]  # dates as ISO
    assert column(table, "E-mail Address")[3] == "formula@example.org"  # a formula's cached value


def test_multi_sheet_picks_the_first_sheet_with_a_header_and_sheet_option_picks_another():
    assert load(GOOD / "multi_sheet.xlsx").sheet == "Candidates"
    later = load(GOOD / "multi_sheet.xlsx", sheet="Later")
    assert column(later, "Full name") == EXPECTED_NAMES[1:]


def test_hidden_sheets_are_passed_over():
    table = load(GOOD / "hidden_first.xlsx")
    assert table.sheet == "Current" and column(table, "Full name") == ["Zoë Müller"]


def test_unknown_sheet_names_the_sheets_there_are():
    with pytest.raises(InputFileError) as info:
        load(GOOD / "multi_sheet.xlsx", sheet="Nope")
    assert "'Candidates'" in info.value.hint and "'Later'" in info.value.hint


def test_merged_group_row_above_the_header():
    table = load(GOOD / "merged_header.xlsx")
    assert table.header_row == 2 and table.headers[:2] == ("Full name", "Email")
    assert [r.row for r in table.rows] == [4]


@pytest.mark.parametrize("name", ["legacy.xls", "candidates.ods"])
def test_legacy_xls_and_ods(name):
    table = load(GOOD / name)
    assert column(table, "Full name") == EXPECTED_NAMES
    assert set(column(table, "Attempts")) <= {"3", "2"}
    if name == "legacy.xls":
        assert column(table, "Candidate ID") == ["007"] * 3


def test_cell_text():
    assert cell_text(3.0) == "3" and cell_text(2.5) == "2.5" and cell_text(None) == ""
    assert cell_text(True) == "true" and cell_text(dt.datetime(2026, 1, 2)) == "2026-01-02"
    assert cell_text(dt.datetime(2026, 1, 2, 9, 30)) == "2026-01-02 09:30:00"
    assert cell_text("00123") == "00123"


def test_ragged_rows_and_trailing_columns_are_kept(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("Title only\nName,Email,Country,CV\nA,a@x.org,SK,cv,extra\nB,b@x.org\n", encoding="utf-8")
    table = load(path)
    assert table.headers == ("Name", "Email", "Country", "CV", "")
    assert table.rows[0].cells == ("A", "a@x.org", "SK", "cv", "extra")
    assert table.rows[1].cells == ("B", "b@x.org", "", "", "")
    assert table.preamble == [("Title only",)]


@pytest.mark.parametrize("content, suffix, message", [
    (None, ".csv", "no such file"),
    (b"", ".csv", "is empty"),
    (b"a,b\n", ".pdf", "unsupported file type"),
    (b"\x00\x01\x02garbage" * 100, ".xlsx", "not a real .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xlsx", "password-protected"),
    (b"just,some\ntext,here\n", ".csv", "no header row found"),
    (b"PK\x03\x04rest", ".csv", "not a text file"),
])  # fmt: skip
def test_file_level_errors_are_one_clear_line(tmp_path, content, suffix, message):
    path = tmp_path / f"input{suffix}"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputFileError) as info:
        load(path)
    assert message in info.value.message
    assert "\n" not in info.value.message


def test_truncated_xlsx(tmp_path):
    good = write_csv(tmp_path / "x.csv", candidate_rows(3))
    import openpyxl

    wb = openpyxl.Workbook()
    for row in [HEADERS, *candidate_rows(3)]:
        wb.active.append(row)
    full = tmp_path / "full.xlsx"
    wb.save(full)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2])
    with pytest.raises(InputFileError) as info:
        load(broken)
    assert "broken.xlsx" in info.value.message
    assert load(good).rows  # the same content as CSV is fine
    assert zipfile.is_zipfile(full)


def test_size_limits(tmp_path):
    path = write_csv(tmp_path / "big.csv", candidate_rows(30))
    with pytest.raises(InputFileError, match="more than 10 rows"):
        load(path, max_rows=10)
    with pytest.raises(InputFileError, match="a cell has 8 characters, above the limit of 5"):
        load(path, max_cell_chars=5)
    with pytest.raises(InputFileError, match="above the limit"):
        load(path, max_file_bytes=100)


def ods_sheet(*rows_xml: str) -> bytes:
    from tests.data.make_bad import ods_bytes

    return ods_bytes("".join(rows_xml))


def test_ods_repeats_as_libreoffice_writes_them_are_read_in_full(tmp_path):
    from tests.data.make_bad import ods_cells

    header, row = HEADERS[:8], candidate_rows(1)[0][:8]
    empty_tail = '<table:table-cell table:number-columns-repeated="1016"/>'
    path = tmp_path / "libreoffice.ods"
    path.write_bytes(ods_sheet(
        f"<table:table-row>{ods_cells(header)}{empty_tail}</table:table-row>",
        f'<table:table-row table:number-rows-repeated="3">{ods_cells(row)}{empty_tail}</table:table-row>',  # identical rows
        '<table:table-row table:number-rows-repeated="1048572"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
    ))  # fmt: skip
    table = load(path)
    assert [r.row for r in table.rows] == [2, 3, 4]
    assert all(list(r.cells[:8]) == list(row) for r in table.rows)


def test_ods_that_repeats_values_over_a_vast_extent_is_refused_before_it_is_read(tmp_path):
    from tests.data.make_bad import ods_cells

    path = tmp_path / "vast.ods"
    path.write_bytes(ods_sheet(
        f"<table:table-row>{ods_cells(HEADERS[:8])}</table:table-row>",
        f'<table:table-row table:number-rows-repeated="30000">{ods_cells(["x"], 1000)}</table:table-row>',
    ))  # fmt: skip
    assert path.stat().st_size < 2000
    with pytest.raises(InputFileError, match=r"reaches row 30,001 and column 1,000 .* too large to read safely"):
        load(path)


def test_workbook_xml_is_scanned_in_pieces_that_never_split_a_tag():
    import re

    from batch_enrol.files import xml_pieces

    xml = b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>' + b"<t>" + b"text " * 50 + b"</t></sheetData>"
    tags = re.compile(rb"<[^<>]*>")
    for size in (1, 3, 7, 64, 4096):
        pieces = list(xml_pieces(io.BytesIO(xml), chunk=size))
        assert [t for p in pieces for t in tags.findall(p)] == tags.findall(xml), size
        assert all(len(p) <= size + 24 for p in pieces)  # text between tags is dropped, not carried along


def test_a_workbook_with_a_tag_too_long_to_be_real_is_refused(tmp_path):
    path = tmp_path / "long_tag.xlsx"
    from tests.data.make_bad import xlsx_bytes

    good = xlsx_bytes([HEADERS[:8], candidate_rows(1)[0][:8]])
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b'<sheetData><row spans="' + b"1" * (80 * 2**20) + b'"/>', 1)
            out.writestr(item.filename, data)
    assert path.stat().st_size < 2**20
    with pytest.raises(InputFileError, match="damaged workbook .an XML tag longer than 64 MB"):
        load(path)
