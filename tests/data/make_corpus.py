"""Regenerate the real-looking input corpus in tests/data/good/ (run from anywhere).

The files are committed; this script documents how each was made. Needs the dev extras
(xlwt, odfpy, reportlab) besides the project's own dependencies.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Font, PatternFill

HERE = Path(__file__).resolve().parent / "good"
RESUME = "Experienced support agent. Five years in customer care, fluent in English."


def titled_styled_xlsx(path: Path) -> None:
    """A title row, a styled header with everyday names, text ids with leading zeros, Excel numbers,
    dates, booleans, a formula with a cached value, blank rows, upper-case emails, country names."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Spring intake"
    ws["A1"] = "Candidates — spring intake"
    ws["A1"].font = Font(bold=True, size=16)
    ws.append(["Prepared by HR"])
    headers = ["Candidate ID", "Name", "E-mail Address", "Country", "CV", "Job title", "Location",
               "Position country", "Interview language", "Attempts", "Video intro", "Embedded", "Available from"]  # fmt: skip
    ws.append(headers)
    for cell in ws[3]:
        cell.font = Font(bold=True, color="FFFFFFFF")
        cell.fill = PatternFill("solid", start_color="FF305496")
    rows = [
        ["000123", "  Jana   Nováková ", "JANA.NOVAKOVA@EXAMPLE.ORG", "slovakia", RESUME, "Support", "Bratislava", "SVK", "English", 3.0, "Optional", "yes", dt.date(2026, 12, 1)],  # fmt: skip
        ["000124", "Peter Horváth", "peter@example.org", "Slovak Republic", RESUME, "Support", "Bratislava", "SK", "en", 2, "required", "No", dt.date(2026, 12, 2)],  # fmt: skip
        [None] * 13,
        ["000125", "Bad Row", "not-an-email", "Atlantis", RESUME, "Support", "Bratislava", "SK", "Klingon", 25, "maybe", "perhaps", None],  # fmt: skip
        ["000126", "Formula Person", "=LOWER(\"FORMULA@EXAMPLE.ORG\")", "CZ", RESUME, "Support", "Bratislava", "SK", "en", None, None, None, None],  # fmt: skip
    ]
    for row in rows:
        ws.append(row)
    for r in range(4, 9):
        ws.cell(r, 1).number_format = "@"
    wb.save(path)
    _cache_formula(path, "formula@example.org")


def _cache_formula(path: Path, value: str) -> None:
    """openpyxl writes formulas without a cached value; Excel would store one. Add it."""
    src = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                text = re.sub(r'<c r="([A-Z]+\d+)"([^>]*)><f>([^<]*)</f><v\s*/?>(</v>)?',
                              lambda m: f'<c r="{m[1]}"{m[2]} t="str"><f>{m[3]}</f><v>{value}</v>', text)  # fmt: skip
                data = text.encode()
            zout.writestr(item, data)
    path.write_bytes(out.getvalue())


CSV_HEADERS = ["Full name", "Email", "Country", "Resume", "Position", "Location", "Position country", "Language"]
CSV_ROWS = [
    ["Zoë Müller", "zoe.mueller@example.org", "Germany", RESUME, "Lagerleiter", "München", "DE", "German"],
    ["François Dupont", "francois@example.org", "FRA", RESUME, "Lagerleiter", "München", "DE", "de"],
    ["Ana Peña", "ana.pena@example.org", "es", RESUME, "Lagerleiter", "München", "DE", "de"],
]


def bom_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([CSV_HEADERS, *CSV_ROWS])


def excel_eu_csv(path: Path) -> None:
    """What European Excel saves: semicolons, Windows-1252, CRLF."""
    with open(path, "w", encoding="cp1252", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([CSV_HEADERS, *CSV_ROWS])


def utf16_tsv(path: Path) -> None:
    """Excel's 'Unicode text': UTF-16 with a BOM, tab-separated."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t").writerows([CSV_HEADERS, *CSV_ROWS])
    path.write_bytes(codecs.BOM_UTF16_LE + buffer.getvalue().encode("utf-16-le"))


def multi_sheet_xlsx(path: Path) -> None:
    """A notes sheet first (no header row), the candidates on the second sheet."""
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Read me"
    notes.append(["This workbook lists the candidates for the autumn intake."])
    data = wb.create_sheet("Candidates")
    data.append(CSV_HEADERS)
    data.append(CSV_ROWS[0])
    other = wb.create_sheet("Later")
    other.append(CSV_HEADERS)
    other.append(CSV_ROWS[1])
    other.append(CSV_ROWS[2])
    wb.save(path)


def hidden_first_xlsx(path: Path) -> None:
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Old list"
    hidden.append(CSV_HEADERS)
    hidden.append(["Old Person", "old@example.org", "SK", RESUME, "Old job", "Košice", "SK", "sk"])
    hidden.sheet_state = "hidden"
    visible = wb.create_sheet("Current")
    visible.append(CSV_HEADERS)
    visible.append(CSV_ROWS[0])
    wb.save(path)


def merged_header_xlsx(path: Path) -> None:
    """A merged group row above the header, and a merged header cell spanning two columns."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Candidate", None, None, None, "Position", None, None, None, None])
    ws.merge_cells("A1:D1")
    ws.merge_cells("E1:H1")
    ws.append(CSV_HEADERS + ["Notes"])
    ws.append(["", "", "", "", "", "", "", "", ""])
    ws.merge_cells("I2:J2")
    ws.append(CSV_ROWS[0] + ["call after 5pm"])
    wb.save(path)


def legacy_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Candidates")
    for c, h in enumerate(CSV_HEADERS + ["Attempts", "Candidate ID"]):
        sheet.write(0, c, h)
    for r, row in enumerate(CSV_ROWS, start=1):
        for c, value in enumerate(row + [3.0, "007"]):
            sheet.write(r, c, value)
    book.save(str(path))


def ods(path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Candidates")
    for row in [CSV_HEADERS + ["Attempts"], *[r + ["2"] for r in CSV_ROWS]]:
        tr = TableRow()
        for value in row:
            if value.isdigit():
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))


def resumes(folder: Path) -> None:
    from docx import Document
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(folder / "jana.pdf"), pagesize=A4)
    pdf.drawString(72, 760, "Jana Novakova - Curriculum Vitae")
    pdf.drawString(72, 740, "Five years of customer support in English and Slovak.")
    pdf.save()
    scanned = canvas.Canvas(str(folder / "scanned.pdf"), pagesize=A4)
    scanned.rect(72, 600, 300, 150, fill=1)  # an image-only page: no text layer
    scanned.save()
    document = Document()
    document.add_heading("Peter Horvath", level=1)
    document.add_paragraph("Warehouse lead, twelve years, forklift licence.")
    document.save(str(folder / "peter.docx"))
    (folder / "eva.txt").write_text("Eva Toth\nData analyst, SQL and Python.\n", encoding="utf-8")
    with open(folder / "with_resume_files.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([
            CSV_HEADERS,
            ["Jana", "jana@example.org", "SK", "jana.pdf", "Support", "Bratislava", "SK", "en"],
            ["Peter", "peter@example.org", "SK", "peter.docx", "Support", "Bratislava", "SK", "en"],
            ["Eva", "eva@example.org", "SK", "eva.txt", "Support", "Bratislava", "SK", "en"],
            ["Scan", "scan@example.org", "SK", "scanned.pdf", "Support", "Bratislava", "SK", "en"],
            ["Gone", "gone@example.org", "SK", "missing.pdf", "Support", "Bratislava", "SK", "en"],
        ])  # fmt: skip


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    titled_styled_xlsx(HERE / "titled_styled.xlsx")
    bom_csv(HERE / "bom.csv")
    excel_eu_csv(HERE / "excel_eu.csv")
    utf16_tsv(HERE / "utf16.tsv")
    multi_sheet_xlsx(HERE / "multi_sheet.xlsx")
    hidden_first_xlsx(HERE / "hidden_first.xlsx")
    merged_header_xlsx(HERE / "merged_header.xlsx")
    legacy_xls(HERE / "legacy.xls")
    ods(HERE / "candidates.ods")
    resumes(HERE)
    print("corpus written to", HERE)
