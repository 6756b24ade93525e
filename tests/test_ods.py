"""OpenDocument spreadsheets read as their owners see them: number styles, merges, formulas,
errors and extents, as for .xlsx (see tests/test_sheets.py)."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from odf.namespaces import OFFICENS, TABLENS
from odf.opendocument import load as odf_load
from odf.table import Table as OdfTable
from odf.table import TableRow

from batch_enrol.columns import map_columns
from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from batch_enrol.ods_scan import scan_ods
from batch_enrol.ods_styles import cell_formats
from batch_enrol.validator import FORMULA_MESSAGE, check_table
from tests.data.make_bad import ODS_NS, ods_cells
from tests.data.make_ods import IDS
from tests.helpers import DATA, HEADERS, candidate_rows, cli

FIXTURE = DATA / "good" / "formats_merges.ods"  # saved by LibreOffice: tests/data/make_ods.py
_STYLE_NS = ('xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
             'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"')  # fmt: skip


def _ods(rows_xml: str, styles: str = "", columns: str = "") -> bytes:
    """A minimal .ods: ``styles`` as content.xml's automatic styles, ``columns`` before the rows."""
    from tests.data.make_bad import ods_bytes

    data = ods_bytes(columns + rows_xml)
    content = f'<office:automatic-styles>{styles}</office:automatic-styles><office:body>'
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts["content.xml"].decode().replace("<office:body>", content, 1).replace(ODS_NS, f"{ODS_NS} {_STYLE_NS}", 1)
    parts["content.xml"] = xml.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, part in parts.items():
            target.writestr(name, part)
    return out.getvalue()


def _number(value: float, style: str = "", repeat: int = 1) -> str:
    named = f' table:style-name="{style}"' if style else ""
    return f'<table:table-cell{named} table:number-columns-repeated="{repeat}" office:value-type="float" office:value="{value}"/>'


def _row(cells: str) -> str:
    return f"<table:table-row>{cells}</table:table-row>"


def _shown_by_libreoffice(path) -> dict[tuple[int, int], str]:
    """(row, column) → the text LibreOffice wrote beside each number value (what it displays)."""
    out = {}
    rows = odf_load(str(path)).spreadsheet.getElementsByType(OdfTable)[0].getElementsByType(TableRow)
    for r, row in enumerate(rows, start=1):
        c = 0
        for cell in row.childNodes:  # cells and covered cells
            c += int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
            if cell.getAttrNS(OFFICENS, "value-type") in ("float", "percentage", "currency"):
                out[(r, c)] = str(cell)
    return out


def test_a_number_cell_reads_as_its_number_style_shows_it_and_a_merge_fills_every_row():
    table = load(FIXTURE)
    ids = [r.cells[8] for r in table.rows]
    assert ids == [shown for _, _, shown in IDS]  # 000000, #,##0, "ID-"0000, 00000-0000, @, 0.00
    assert {(r.row, 9): r.cells[8] for r in table.rows} == {k: v for k, v in _shown_by_libreoffice(FIXTURE).items() if k[1] == 9}
    assert [r.cells[4] for r in table.rows] == ["Agent"] * len(IDS)  # merged down from the first data row
    checked = check_table(table, map_columns(table.headers))
    assert all(c.candidate is not None for c in checked), [c.outcome.reason for c in checked if c.outcome]
    assert [c.candidate.candidate_external_id for c in checked] == ids  # a text field: what the cell shows
    assert {c.candidate.max_duration for c in checked} == {1200}  # a number field: the number (shown "1,200")


def test_what_reaches_the_api_from_an_ods_is_what_its_owner_sees(tmp_path, serve):
    served = serve()
    source = shutil.copy(FIXTURE, tmp_path / FIXTURE.name)
    result = cli("run", source, "--out", tmp_path / "out.xlsx", "--concurrency", "1", env=served.env())
    assert result.returncode == 0, result.stderr + result.stdout
    requests, _, _ = served.ledger.snapshot()
    bodies = {r.body["candidate_email"]: r.body for r in requests if r.status == 200}
    assert len(bodies) == len(IDS)
    assert [bodies[f"ods{i}@example.org"]["candidate_external_id"] for i in range(len(IDS))] == [s for _, _, s in IDS]
    assert {b["position_name"] for b in bodies.values()} == {"Agent"}
    assert {b["max_duration"] for b in bodies.values()} == {1200}


STYLES = (
    '<number:number-style style:name="N1"><number:number number:decimal-places="0" number:min-integer-digits="6"/></number:number-style>'
    '<number:number-style style:name="N2"><number:text>Tel. </number:text><number:number number:min-integer-digits="1" '
    'number:decimal-places="0" number:grouping="true"/></number:number-style>'
    '<number:text-style style:name="N3"><number:text-content/></number:text-style>'
    '<number:percentage-style style:name="N4"><number:number number:decimal-places="1" number:min-integer-digits="1"/>'
    "<number:text>%</number:text></number:percentage-style>"
    '<number:number-style style:name="N5"><number:scientific-number number:decimal-places="2" number:min-integer-digits="1" '
    'number:min-exponent-digits="2"/></number:number-style>'
    '<number:number-style style:name="N6P0"><number:number number:decimal-places="0" number:min-integer-digits="1"/></number:number-style>'
    '<number:number-style style:name="N6"><number:text>(</number:text><number:number number:decimal-places="0" '
    'number:min-integer-digits="1"/><number:text>)</number:text><style:map style:condition="value()&gt;=0" '
    'style:apply-style-name="N6P0"/></number:number-style>'
    '<number:number-style style:name="N7"><number:number number:decimal-places="0" number:min-integer-digits="9">'
    '<number:embedded-text number:position="4">-</number:embedded-text></number:number></number:number-style>'
    + "".join(f'<style:style style:name="ce{n}" style:family="table-cell" style:data-style-name="N{n}"/>' for n in range(1, 8))
    + '<style:style style:name="child" style:family="table-cell" style:parent-style-name="ce1"/>'
)  # fmt: skip


@pytest.mark.parametrize("style, value, shown", [
    ("ce1", 123, "000123"), ("ce2", 421900123456, "Tel. 421,900,123,456"), ("ce3", 42, "42"), ("ce4", 0.125, "12.5%"),
    ("ce5", 123456, "1.23E+05"), ("ce6", -5, "(5)"), ("ce6", 5, "5"), ("ce7", 123456789, "12345-6789"), ("child", 7, "000007"),
])  # fmt: skip
def test_each_kind_of_number_style_shows_what_a_spreadsheet_shows(tmp_path, style, value, shown):
    path = tmp_path / "styles.ods"
    path.write_bytes(_ods(_row(ods_cells(["Full name", "E-mail"])) + _row(_number(value, style)), STYLES))
    assert load(path).rows[0].cells[0] == shown


def test_a_whole_column_formatted_shows_in_each_of_its_cells(tmp_path):
    columns = '<table:table-column table:default-cell-style-name="ce1"/><table:table-column table:number-columns-repeated="9"/>'
    path = tmp_path / "column.ods"
    path.write_bytes(_ods(_row(ods_cells(["Candidate ID", "Full name"])) + _row(_number(12) + ods_cells(["P"])), STYLES, columns))
    assert load(path).rows[0].cells[:2] == ("000012", "P")


def test_a_formula_with_no_saved_value_and_an_error_make_the_row_invalid_naming_them(tmp_path):
    rows = [_row(ods_cells(HEADERS))] + [_row(ods_cells(row)) for row in candidate_rows(3)]
    rows[1] = rows[1].replace('office:value-type="string"><text:p>Person 0</text:p>', 'table:formula="of:=[.B9]&amp;&quot;x&quot;">', 1)
    rows[2] = rows[2].replace('office:value-type="string"><text:p>SK</text:p>', 'table:formula="of:=VLOOKUP(1;[.A1:.B2];2)" '
                              'office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#N/A</text:p>', 1)  # fmt: skip
    path = tmp_path / "formulas.ods"
    path.write_bytes(_ods("".join(rows)))
    table = load(path)
    assert (2, 1) in table.blank_formulas and (3, 3) in table.cell_errors and (4, 1) not in table.blank_formulas
    checked = check_table(table, map_columns(table.headers))
    assert checked[0].outcome.reason == f"Full name: {FORMULA_MESSAGE}"
    assert "the cell shows the error #N/A" in checked[1].outcome.reason
    assert checked[2].candidate is not None


def test_the_scan_is_the_same_whatever_the_pieces_the_xml_comes_in():
    with zipfile.ZipFile(FIXTURE) as archive:
        whole = scan_ods(archive, lambda rows, columns: None)["Candidates"]
        for chunk in (61, 257, 1024, 4099):
            pieces = scan_ods(archive, lambda rows, columns: None, chunk=chunk)["Candidates"]
            assert (pieces.rows, pieces.columns, pieces.merges) == (whole.rows, whole.columns, whole.merges)
            assert dict(pieces.formats) == dict(whole.formats)
    assert whole.merges == [((1, 4), (len(IDS), 4))] and (whole.rows, whole.columns) == (len(IDS) + 1, 10)
    error = _ods(_row(ods_cells(["a"]) + '<table:table-cell calcext:value-type="error" office:value-type="string"><text:p>#REF!</text:p>'
                      "</table:table-cell>"))  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(error)) as archive:
        for chunk in range(40, 700, 7):
            assert dict(scan_ods(archive, lambda rows, columns: None, chunk=chunk)["Candidates"].errors) == {(1, 2): "#REF!"}, chunk


def test_formatted_empty_cells_over_whole_sheets_do_not_count_but_values_and_formulas_do(tmp_path):
    everywhere = '<table:table-cell table:style-name="ce1" table:number-columns-repeated="16384"/>'
    rows = _row(ods_cells(HEADERS)) + "".join(_row(ods_cells(r)) for r in candidate_rows(2))
    path = tmp_path / "styled.ods"
    path.write_bytes(_ods(f'{rows}<table:table-row table:number-rows-repeated="1048000">{everywhere}</table:table-row>', STYLES))
    assert [r.row for r in load(path).rows] == [2, 3]
    formulas = '<table:table-row table:number-rows-repeated="20">{}<table:table-cell table:formula="of:=1"/></table:table-row>'
    path.write_bytes(_ods(rows + formulas.format(ods_cells(["x"], 7))))
    table = load(path)  # a formula with no value repeated down 20 rows: 20 rows, and runs, not a set of cells
    assert len(table.rows) == 22 and all((row, 8) in table.blank_formulas for row in range(4, 24))
    for vast in (_number(5, "ce1", 100), '<table:table-cell table:formula="of:=1" table:number-columns-repeated="100"/>'):
        path.write_bytes(_ods(rows + f'<table:table-row table:number-rows-repeated="1048000">{vast}</table:table-row>', STYLES))
        assert path.stat().st_size < 5000
        with pytest.raises(InputFileError, match=r"reaches row 1,048,003 and column 100 .* too large to read safely"):
            load(path)


def test_only_styles_that_show_more_than_the_value_are_kept():
    with zipfile.ZipFile(io.BytesIO(_ods("", STYLES))) as archive:
        formats = cell_formats(archive)
    assert formats[b"ce1"] == "000000" and formats[b"child"] == "000000" and formats[b"ce5"] == "0.00E+00"
    assert formats[b"ce6"] == "[>=0]0;\\(0\\)"  # a condition as Excel writes it, the style itself for the rest
    assert b"ce3" not in formats  # text: the value as it is


def _with_part(data: bytes, name: str, part: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.namelist():
            target.writestr(item, part if item == name else source.read(item))
        if name not in source.namelist():
            target.writestr(name, part)
    return out.getvalue()


def test_hostile_styles_are_refused_or_ignored_in_bounded_time(tmp_path):
    rows = _row(ods_cells(["Candidate ID", "Full name"])) + _row(_number(12, "ce1") + ods_cells(["P"]))
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "ha">{laughs}]>'
            f'<office:document-styles {ODS_NS}><office:styles>&l9;</office:styles></office:document-styles>')  # fmt: skip
    path = tmp_path / "laughs.ods"
    path.write_bytes(_with_part(_ods(rows, STYLES), "styles.xml", bomb.encode()))
    assert load(path).rows[0].cells[:2] == ("000012", "P")  # the parser refuses the expansion; content.xml's styles still count
    many = f'<office:document-styles {ODS_NS} {_STYLE_NS}><office:styles>' + "<style:style/>" * 500_001 + "</office:styles></office:document-styles>"
    path.write_bytes(_with_part(_ods(rows, STYLES), "styles.xml", many.encode()))
    with pytest.raises(InputFileError, match="damaged workbook .*more than 500,000 style elements"):
        load(path)


#: where batch-enrol reads a number differently from LibreOffice's display (too rare to matter):
#: a negative under a space-grouped "# ##0" (LibreOffice: "- 5"); a fraction of a 12-digit number
#: (LibreOffice shows its own "#FMT"; Excel shows the digits, as batch-enrol reads them).
KNOWN_DIFFERENCES = {("# ##0", -5), *((code, 421900123456) for code in ("# ?/?", "# ??/??", "?/?"))}


def _same(ours: str, libreoffice: str, code: str) -> bool:
    """``?`` pads a fraction with spaces to line it up (``7    ``, ``1 1/2 ``): alignment, not text."""
    return ours == libreoffice or ("?" in code and ours.rstrip() == libreoffice.rstrip())


def test_every_number_style_reads_as_libreoffice_shows_it_and_as_the_same_format_in_an_xlsx(tmp_path):
    import openpyxl

    from tests.data.make_ods import CODES, VALUES

    path = DATA / "good" / "number_styles.ods"  # each code of CODES (a row) on each of VALUES (a column)
    shown = _shown_by_libreoffice(path)
    assert len(shown) == len(CODES) * len(VALUES)
    workbook = openpyxl.Workbook()
    for row, code in enumerate(CODES, start=1):
        for column, value in enumerate(VALUES, start=1):
            workbook.active.cell(row=row, column=column, value=value).number_format = code
    workbook.save(tmp_path / "styles.xlsx")
    for source in (path, tmp_path / "styles.xlsx"):
        from batch_enrol.sheets import _open_workbook, _sheet_rows

        book, scans = _open_workbook(source, source.suffix)
        ours = dict(_sheet_rows(book.get_sheet_by_name(book.sheet_names[0]), scans[book.sheet_names[0]]))
        wrong = [(CODES[r - 1], VALUES[c - 1], text, ours[r][c - 1]) for (r, c), text in shown.items()
                 if not _same(ours[r][c - 1], text, CODES[r - 1]) and (CODES[r - 1], VALUES[c - 1]) not in KNOWN_DIFFERENCES]  # fmt: skip
        assert not wrong, source.suffix


def test_cells_libreoffice_calculated_to_errors_make_their_rows_invalid_naming_the_error():
    table = load(DATA / "good" / "formula_errors.ods")  # =1/0, =VLOOKUP(…) of a missing key, =NOSUCHFUNCTION(1)
    assert dict(table.cell_errors) == {(3, 1): "#DIV/0!", (4, 3): "#N/A", (5, 1): "#NAME?"}
    checked = check_table(table, map_columns(table.headers))
    assert checked[0].candidate is not None
    reasons = [c.outcome.reason for c in checked[1:]]
    assert [("#DIV/0!" in r, "#N/A" in r, "#NAME?" in r) for r in reasons] == [(True, False, False), (False, True, False), (False, False, True)]


def test_dates_and_times_in_an_ods_read_as_iso(tmp_path):
    cells = ('<table:table-cell office:value-type="date" office:date-value="2024-03-01"/>'
             '<table:table-cell office:value-type="date" office:date-value="2024-03-01T09:30:00"/>')  # fmt: skip
    path = tmp_path / "dates.ods"
    path.write_bytes(_ods(_row(ods_cells(["Full name", "E-mail"])) + _row(cells)))
    assert load(path).rows[0].cells == ("2024-03-01", "2024-03-01 09:30:00")


def test_cells_outside_any_sheet_are_noted_nowhere(tmp_path):
    stray = '<table:table-cell table:formula="of:=1" table:number-columns-repeated="5"/><table:table-cell calcext:value-type="error" office:value-type="string"/>'
    data = _ods(_row(ods_cells(HEADERS)) + "".join(_row(ods_cells(r)) for r in candidate_rows(1)))
    path = tmp_path / "stray.ods"
    path.write_bytes(_with_part(data, "content.xml", zipfile.ZipFile(io.BytesIO(data)).read("content.xml").replace(
        b"<office:spreadsheet>", b"<office:spreadsheet>" + stray.encode(), 1)))  # fmt: skip
    table = load(path)
    assert len(table.rows) == 1 and not table.blank_formulas and not table.cell_errors
