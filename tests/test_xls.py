"""Legacy .xls files read as their owners see them: xlrd's text, calamine where xlrd cannot read."""

from __future__ import annotations

import pytest

from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from batch_enrol.xls_check import xls_sheets
from tests.helpers import DATA, HEADERS

RESUME = "Five years of customer support in telecoms."


def _xlwt_file(path, rows, sheet="Uchazeči", **styles):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value, *([styles[str(c)]] if str(c) in styles and r else []))
    book.save(str(path))
    return path


def test_an_xls_sheet_reads_with_its_own_names_and_text(tmp_path):
    path = _xlwt_file(
        tmp_path / "legacy.xls", [HEADERS, ["Jiří Čermák", "jiri@example.org", "CZ", RESUME, "Agent", "Praha", "CZ", "cs"]]
    )
    table = load(path)
    assert table.sheet == "Uchazeči" and table.sheet_names == ("Uchazeči",)
    assert table.rows[0].cells[0] == "Jiří Čermák"
    assert [s.reader for s in xls_sheets(path)] == ["xlrd"]
    assert load(DATA / "good" / "legacy.xls").rows


def test_times_and_durations_read_as_in_xlsx(tmp_path):
    import xlwt

    styles = {"8": xlwt.easyxf(num_format_str="hh:mm"), "9": xlwt.easyxf(num_format_str="[h]:mm:ss"),
              "10": xlwt.easyxf(num_format_str="yyyy-mm-dd")}  # fmt: skip
    row = ["Ana", "ana@example.org", "SK", RESUME, "Agent", "Praha", "CZ", "cs", 0.375, 1.5, 45000.0]
    path = _xlwt_file(tmp_path / "t.xls", [[*HEADERS, "Start", "Took", "Since"], row], **styles)
    assert load(path).rows[0].cells[8:11] == ("09:00:00", "1 day, 12:00:00", "2023-03-15")


def test_a_sheet_chosen_by_name_and_a_missing_one_is_named(tmp_path):
    path = _xlwt_file(tmp_path / "t.xls", [HEADERS, ["Ana", "ana@example.org", "SK", RESUME, "Agent", "Praha", "CZ", "cs"]])
    assert load(path, sheet="Uchazeči").rows[0].cells[0] == "Ana"
    with pytest.raises(InputFileError, match="no sheet named 'Nope'") as caught:
        load(path, sheet="Nope")
    assert "Uchazeči" in caught.value.hint


@pytest.mark.parametrize("content, message", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "is a damaged .xls workbook"),
    (b"Attachment: not a workbook at all", "is not a real .xls workbook"),
])  # fmt: skip
def test_a_file_neither_reader_can_read_is_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "broken.xls"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message) as caught:
        load(path)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize("value, code, shown", [
    (0.5, "0", "1"), (2.5, "0", "3"), (-2.5, "0", "-3"), (2.5, "00-0", "00-3"), (1.5, "0.0??", "1.5"),
    (0, '_(* #,##0_);_(* \\(#,##0\\);_(* "-"??_);_(@_)', "-"), (1234, '_(* #,##0_);_(* \\(#,##0\\);_(* "-"??_);_(@_)', "1,234"),
])  # fmt: skip
def test_numbers_round_and_pad_as_excel_shows_them(value, code, shown):
    from batch_enrol.number_formats import display

    assert display(value, code) == shown  # halves away from zero; an accounting zero is a dash
