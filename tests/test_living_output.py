"""The living output: proven before any call, updated in place, user edits kept, fixes flowing back.

Every test runs the real command against the sandbox over loopback HTTP and checks what
reached the API from the sandbox's ledger.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl

from batch_enrol.xlsx_package import read_marker
from tests.helpers import HEADERS, candidate_rows, cli, write_csv, write_xlsx

STRICT = Path(__file__).parent / "data" / "good" / "strict_ooxml.xlsx"  #: saved as "Strict Open XML Spreadsheet"


def requests(served) -> int:
    return len(served.ledger.snapshot()[0])


def unique_entries(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    return len(names) == len(set(names))


def header_and_rows(path: Path) -> tuple[list, list[dict]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if "enrol_status" in r)
    return list(rows[at]), [dict(zip(rows[at], r, strict=False)) for r in rows[at + 1 :]]


def minimal_package(path: Path, rows: list[list[str]], headers: list[str]) -> Path:
    """An .xlsx with only the parts the standard requires: no styles, no shared strings, no docProps."""
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    def row(number: int, values: list[str]) -> str:
        cells = "".join(f'<c r="{get_column_letter(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for i, v in enumerate(values, 1))
        return f'<row r="{number}">{cells}</row>'

    body = "".join(row(n, values) for n, values in enumerate([headers, *rows], start=1))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   "</Types>")  # fmt: skip
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')  # fmt: skip
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="Candidates" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')  # fmt: skip
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>')
    return path


def test_strict_ooxml_and_minimal_package_get_their_results_written_back(tmp_path, serve):
    served = serve()
    strict = shutil.copy(STRICT, tmp_path / "strict.xlsx")
    minimal = minimal_package(tmp_path / "minimal.xlsx", candidate_rows(2, start=10), HEADERS)
    for source, rows, note in ((strict, 2, "(a Strict Open XML workbook"), (minimal, 2, "")):
        result = cli("run", source, env=served.env())
        assert result.returncode == 0, result.stderr
        assert note in result.stderr and ("cannot be updated in place" in result.stderr) == bool(note)
        out = Path(str(source).replace(".xlsx", ".enrolled.xlsx"))
        assert unique_entries(out) and read_marker(out) is not None
        header, data = header_and_rows(out)
        assert header.count("enrol_status") == 1 and len(data) == rows
        assert all(r["enrol_status"] == "ai_accept" and r["interview_url"].startswith("https://") for r in data)
    assert requests(served) == 4


def test_an_output_that_cannot_be_written_stops_the_run_before_any_call(tmp_path, serve):
    served = serve()
    source = write_xlsx(tmp_path / "list.xlsx", candidate_rows(3))
    (tmp_path / "taken").mkdir()
    result = cli("run", source, "--out", tmp_path / "taken", "--force", env=served.env())
    assert result.returncode == 2 and "is a folder" in result.stderr and "Traceback" not in result.stderr
    result = cli("run", source, "--out", tmp_path / "out.pdf", env=served.env())
    assert result.returncode == 2 and "use an .xlsx or .csv output" in result.stderr
    assert requests(served) == 0
    assert not [p.name for p in tmp_path.iterdir() if "proof" in p.name or "enrolled" in p.name]  # no probe left behind


def test_an_output_run_again_sends_nothing_and_keeps_its_layout_and_the_users_note(tmp_path, serve):
    served = serve()
    rows = candidate_rows(4)
    rows[1][1] = "broken-email"
    source = write_xlsx(tmp_path / "list.xlsx", rows)
    assert cli("run", source, env=served.env()).returncode == 1
    out = tmp_path / "list.enrolled.xlsx"
    sent = requests(served)
    workbook = openpyxl.load_workbook(out)
    workbook["Candidates"]["Z3"] = "INVITED by phone — do not lose this note"
    workbook["Candidates"]["A4"] = "Person 2 (typed over)"
    workbook.save(out)
    layout, first = header_and_rows(out)

    for command in (("run", source), ("run", out)):  # the same command again, then the output itself
        result = cli(*command, env=served.env())
        assert result.returncode == 1, result.stderr
        assert requests(served) == sent  # nothing sent again
        again, data = header_and_rows(out)
        assert again == layout and again.count("interview_url") == 1
        assert [r["interview_url"] for r in data] == [r["interview_url"] for r in first]
        sheet = openpyxl.load_workbook(out)["Candidates"]
        assert sheet["Z3"].value == "INVITED by phone — do not lose this note" and sheet["A4"].value == "Person 2 (typed over)"
        assert unique_entries(out)
    assert not list(tmp_path.glob("*.enrolled.enrolled.*"))

    (tmp_path / "list.enrolled.xlsx.journal.sqlite").unlink()  # state from the result cells alone
    assert cli("run", out, env=served.env()).returncode == 1 and requests(served) == sent
    summary = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    assert [line[5] for line in summary[1:5]] == [3, 0, 0, 0]  # one history line per run: calls made


def test_fixes_in_needs_attention_flow_back_into_the_main_sheet(tmp_path, serve):
    served = serve()
    rows = candidate_rows(5)
    rows[1][1], rows[3][3] = "broken-email", ""
    source = write_xlsx(tmp_path / "list.xlsx", rows, title="Spring intake")
    assert cli("run", source, env=served.env()).returncode == 1
    out = tmp_path / "list.enrolled.xlsx"
    workbook = openpyxl.load_workbook(out)
    attention = workbook["Needs attention"]
    assert [attention.cell(r, attention.max_column).value for r in (2, 3)] == [4, 6]  # the main sheet's rows
    attention["B2"] = "person1@example.org"
    attention["D3"] = "Twelve years of support work."
    workbook.save(out)

    result = cli("run", out, "--sheet", "Needs attention", env=served.env())
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.glob("*.enrolled.enrolled.*"))
    header, data = header_and_rows(out)
    assert [r["enrol_status"] for r in data].count("invalid") == 0
    assert all(r["interview_url"].startswith("https://") for r in data)
    sheet = openpyxl.load_workbook(out)["Candidates"]
    url_column = header.index("interview_url") + 1
    assert sheet.cell(4, url_column).hyperlink.target == sheet.cell(4, url_column).value  # a real link, no formula
    assert sheet["B4"].value == "person1@example.org" and sheet["D6"].value == "Twelve years of support work."  # fixes kept
    assert sheet["B5"].value == "person2@example.org"  # other cells as they were
    assert list(openpyxl.load_workbook(out)["Needs attention"].iter_rows(min_row=2, values_only=True)) == []
    summary = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    assert summary[1][5] == 3 and summary[2][5] == 2 and summary[3][0] is None
    assert requests(served) == 5 and unique_entries(out)


def test_next_weeks_list_under_the_same_name_loses_no_url(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "candidates.csv", candidate_rows(3))
    assert cli("run", source, "--out", tmp_path / "candidates.xlsx.out.xlsx", env=served.env()).returncode == 0
    out = tmp_path / "candidates.xlsx.out.xlsx"
    _, week1 = header_and_rows(out)
    write_csv(source, candidate_rows(2, start=100))
    result = cli("run", source, "--out", out, env=served.env())
    assert result.returncode == 0 and "candidates.csv changed since the last run of candidates.xlsx.out.xlsx: the previous output is kept as" in result.stderr, result.stderr
    (kept,) = tmp_path.glob("candidates.xlsx.out.20*.xlsx")
    assert [r["interview_url"] for r in header_and_rows(kept)[1]] == [r["interview_url"] for r in week1]
    _, week2 = header_and_rows(out)
    assert [r["E-mail"] for r in week2] == ["person100@example.org", "person101@example.org"]
    assert all(r["interview_url"].startswith("https://") for r in week2)
    assert {"Summary", "Needs attention"} <= set(openpyxl.load_workbook(out).sheetnames)  # a CSV input gets them too


def test_an_output_is_rebuilt_from_the_journal_by_export_or_by_the_next_run(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(3))
    assert cli("run", source, "--out", tmp_path / "list.xlsx.out.xlsx", env=served.env()).returncode == 0
    out = tmp_path / "list.xlsx.out.xlsx"
    urls = [r["interview_url"] for r in header_and_rows(out)[1]]
    sent = requests(served)
    out.unlink()
    result = cli("export", source, "--out", out)
    assert result.returncode == 0 and f"output: {out}" in result.stdout, result.stderr
    assert [r["interview_url"] for r in header_and_rows(out)[1]] == urls
    out.unlink()
    assert cli("run", source, "--out", out, env=served.env()).returncode == 0
    assert [r["interview_url"] for r in header_and_rows(out)[1]] == urls and requests(served) == sent
    missing = cli("export", source, "--out", tmp_path / "other.xlsx")
    assert missing.returncode == 2 and "no journal at" in missing.stderr


def test_a_csv_output_fixed_and_run_again_sends_only_the_fixed_row(tmp_path, serve):
    served = serve()
    rows = candidate_rows(3)
    rows[1][1] = "bad-email"
    rows[0].append("-5%")
    source = write_csv(tmp_path / "list.csv", rows, headers=[*HEADERS, "Notes"])
    assert cli("run", source, env=served.env()).returncode == 1
    out = tmp_path / "list.enrolled.csv"
    out.write_text(out.read_text("utf-8-sig").replace("bad-email", "person1@example.org"), "utf-8-sig")
    assert cli("run", out, env=served.env()).returncode == 0 and requests(served) == 3
    lines = out.read_text("utf-8-sig").splitlines()
    assert lines[0].count("enrol_status") == 1 and ",-5%," in lines[1]  # nothing doubled; the user's value as it was
    assert not list(tmp_path.glob("*.enrolled.enrolled.*"))


def test_dates_stay_dates_on_needs_attention_and_a_fix_there_sends_only_the_fixed_cell(tmp_path, serve):
    import datetime as dt

    served = serve()
    rows = [[*row, dt.datetime(2026, 12, 30)] for row in candidate_rows(2)]
    rows[1][1] = "broken@@example"
    source = write_xlsx(tmp_path / "dated.xlsx", rows, [*HEADERS, "Available till"])
    assert cli("run", source, env=served.env()).returncode == 1
    out = tmp_path / "dated.enrolled.xlsx"
    workbook = openpyxl.load_workbook(out)
    attention = workbook["Needs attention"]
    till = [c.value for c in attention[1]].index("Available till") + 1
    cell = attention.cell(2, till)
    assert cell.value == dt.datetime(2026, 12, 30) and cell.is_date, (cell.value, cell.number_format)
    attention.cell(2, 2).value = "person1@example.org"
    attention.cell(2, till).value = dt.datetime(2027, 1, 15)  # a date fixed there is a date in the main sheet too
    workbook.save(out)

    result = cli("run", out, "--sheet", "Needs attention", env=served.env())
    assert result.returncode == 0, result.stderr
    (sent,) = served.ledger.enrolment_for("person1@example.org")
    assert sent.request["interview_available_till"] == "2027-01-15"
    main = openpyxl.load_workbook(out).worksheets[0]
    column = [c.value for c in main[1]].index("Available till") + 1
    assert [main.cell(r, column).value for r in (2, 3)] == [dt.datetime(2026, 12, 30), dt.datetime(2027, 1, 15)]
    assert main.cell(3, column).is_date


def test_fixes_on_needs_attention_are_never_dropped_silently_when_the_input_is_run_again(tmp_path, serve):
    served = serve()
    rows = candidate_rows(3)
    rows[1][1] = "broken-email"
    source = write_xlsx(tmp_path / "list.xlsx", rows)
    assert cli("run", source, env=served.env()).returncode == 1
    assert cli("run", source, env=served.env()).returncode == 1  # nothing typed: no copy, no warning
    assert sorted(p.name for p in tmp_path.glob("list.enrolled*.xlsx")) == ["list.enrolled.xlsx"]
    out = tmp_path / "list.enrolled.xlsx"
    workbook = openpyxl.load_workbook(out)
    workbook["Needs attention"]["B2"] = "person1@example.org"
    workbook.save(out)

    result = cli("run", source, env=served.env())  # the input, not the output
    assert "edits in 'Needs attention' were not used: run the output" in result.stderr, result.stderr
    (kept,) = [p for p in tmp_path.glob("list.enrolled.*.xlsx") if p != out]
    assert kept.name in result.stderr
    assert openpyxl.load_workbook(kept)["Needs attention"]["B2"].value == "person1@example.org"
    assert not served.ledger.enrolment_for("person1@example.org")
