"""One list, its ids shown through conditional, scientific, fraction, literal-only, coloured and
locale-tagged number formats, saved by Excel's writer, LibreOffice and Gnumeric (tests/data/make_formats.py):
every file reads as the spreadsheet shows it, and that is what reaches the API."""

from __future__ import annotations

import shutil
import zipfile

import openpyxl
import pytest

from batch_enrol.loader import load
from batch_enrol.ods_scan import compact_ods
from tests.data.make_formats import IDS
from tests.helpers import DATA, cli

FORMATS = DATA / "formats"
SHOWN = [shown for _, _, shown in IDS]  # (415) 555-1234, 555-1234, 1.23E+04, 1 1/2, zero, 000077, big 250, ID-A17, ID-B18, € 12.50


@pytest.mark.parametrize("name", ["source.xlsx", "libreoffice.xlsx", "libreoffice.xls", "libreoffice.ods", "gnumeric.xls", "gnumeric.ods"])
def test_each_program_s_file_reads_as_the_spreadsheet_shows_it(name):
    table = load(FORMATS / name)
    shown = [r.cells[8] for r in table.rows]
    if name == "gnumeric.ods":  # as LibreOffice shows this file: Gnumeric leaves the € out of the style it writes,
        # and saves a text cell's shown text ("ID-A17") as its value, which its text style then prefixes again
        assert shown[-1] == " 12.50" and shown[7:9] == ["ID-ID-A17", "ID-ID-B18"]
        shown[7:] = SHOWN[7:]
    assert shown == SHOWN


def test_a_pretty_printed_ods_is_read_and_a_damaged_one_refused_in_words(tmp_path):
    """Gnumeric's content.xml has whitespace between cells, which the value reader refuses: it
    reads a copy without it (the cells' own text untouched). A damaged one is refused in one
    line that says what is wrong, not how the parser failed."""
    result = cli("validate", FORMATS / "gnumeric.ods")
    assert result.returncode == 0, result.stderr
    assert f"{len(IDS)} rows: {len(IDS)} valid" in result.stdout + result.stderr
    with zipfile.ZipFile(FORMATS / "gnumeric.ods") as source:
        parts = {n: source.read(n) for n in source.namelist()}
    spaced = parts["content.xml"].replace(b"<text:p>Agent</text:p>", b"<text:p>  Agent\n </text:p>")
    whole, pieces = (compact_ods(_zip(tmp_path / f"{n}.ods", parts, spaced), chunk=c) for n, c in (("a", 1 << 22), ("b", 7)))
    assert zipfile.ZipFile(whole).read("content.xml") == zipfile.ZipFile(pieces).read("content.xml")  # chunks change nothing
    compacted = zipfile.ZipFile(whole).read("content.xml")
    assert b"<text:p>  Agent\n </text:p>" in compacted and b"</table:table-cell>\n" not in compacted
    damaged = _zip(tmp_path / "damaged.ods", parts, spaced.replace(b"</table:table-row>", b"</table:table-roww>", 1))
    result = cli("validate", damaged)
    assert result.returncode == 2
    assert "damaged.ods cannot be read as a .ods workbook (its XML is damaged" in result.stderr
    assert "Expecting" not in result.stderr and "BytesText" not in result.stderr and len(result.stderr.splitlines()) <= 2


def _zip(path, parts, content):
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, content if name == "content.xml" else data)
    return path


def test_an_xls_whose_sheet_name_an_xlsx_cannot_hold_is_run_and_its_output_written(tmp_path, serve):
    """Gnumeric's Excel 95 export names the sheet ``Uchádza?i ?``: the output's sheet is
    ``Uchádza_i _`` and its Summary says so; what reached the API is what each cell shows."""
    served = serve()
    source = shutil.copy(FORMATS / "gnumeric.xls", tmp_path / "gnumeric.xls")
    out = tmp_path / "out.xlsx"
    result = cli("run", source, "--out", out, "--concurrency", "1", env=served.env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "'Uchádza?i ?' is titled 'Uchádza_i _'" in result.stderr + result.stdout
    requests, _, _ = served.ledger.snapshot()
    sent = {r.body["candidate_email"]: r.body["candidate_external_id"] for r in requests if r.status == 200}
    assert sent == {f"fmt{i}@example.org": shown for i, shown in enumerate(SHOWN)}
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames[0] == "Uchádza_i _"
    notes = [row for row in workbook["Summary"].iter_rows(values_only=True) if row[0] == "note"]
    assert len(notes) == 1 and "'Uchádza?i ?' is titled 'Uchádza_i _'" in notes[0][1]
    assert [row[8] for row in workbook["Uchádza_i _"].iter_rows(min_row=2, values_only=True)] == SHOWN
