"""Render the README's pictures from a real sandbox run of the loop a user goes through:

1. ``docs/img/needs-attention.png``: the Needs attention sheet after the first run;
2. ``docs/img/output.png``: the main sheet after the fixes were fed back from that sheet
   (and a note typed into the output survived).

Needs LibreOffice (soffice) and poppler (pdftoppm) on the PATH. Run from the repository root.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import openpyxl
from openpyxl.worksheet.page import PageMargins

from batch_enrol import Settings, run
from batch_enrol.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
SETTINGS = Settings(sandbox=True, concurrency=8, rate=50, progress="none")  # the first run: the first sheet
NOTE = "INVITED by phone: do not lose this note"


def render(workbook_path: Path, sheet_name: str, area: str, hidden: tuple[str, ...], widths: dict[str, float], target: Path,
           height: int) -> None:  # fmt: skip
    """One sheet's area as the spreadsheet prints it, to a PNG."""
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook[sheet_name]
    for letter in hidden:
        sheet.column_dimensions[letter].hidden = True
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    sheet.print_area = area
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.2, right=0.2, top=0.2, bottom=0.2)
    for other in workbook.worksheets:
        if other is not sheet:
            other.sheet_state = "hidden"
    workbook.active = workbook.worksheets.index(sheet)
    work = workbook_path.parent
    view = work / "view.xlsx"
    workbook.save(view)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(view)],
                   check=True, capture_output=True, timeout=180)  # fmt: skip
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-x", "0", "-y", "0",
                    "-W", "1620", "-H", str(height), str(work / "view.pdf"), str(work / "page")],
                   check=True, timeout=60)  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "page.png", target)
    print(f"wrote {target}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = Path(shutil.copy(ROOT / "sample_data" / "candidates.xlsx", work / "candidates.xlsx"))
        transport = httpx.ASGITransport(app=Sandbox().app)  # one simulator for both runs
        out = run(source, SETTINGS, transport=transport).output  # 1. the first run
        render(out, "Needs attention", "A1:O4", ("A", "E", "J", "K"), {"N": 60, "C": 26}, IMG / "needs-attention.png", 170)

        workbook = openpyxl.load_workbook(out)  # 2. what the user does in the output
        attention = workbook["Needs attention"]
        headers = [c.value for c in attention[1]]
        fixes = {"eva.tothova@@example": ("E-mail address", "eva.tothova@example.org"),
                 "Klingon": ("Language", "German"), "": ("CV", "Seven years of data analysis in SQL and Python.")}  # fmt: skip
        for row in attention.iter_rows(min_row=2):
            values = [c.value or "" for c in row]
            for wrong, (column, right) in fixes.items():
                at = headers.index(column)
                if values[at] == wrong:
                    row[at].value = right
        main_sheet = workbook["Candidates"]
        main_sheet["L5"] = NOTE
        workbook.save(out)
        again = run(out, Settings(sandbox=True, concurrency=8, rate=50, progress="none", sheet="Needs attention"),
                    transport=transport)  # 3. fed back
        assert again.output == out, again.output
        render(out, "Candidates", "A1:R12", ("E", "G", "H", "J", "K", "P", "Q"), {"L": 40, "N": 44, "O": 44},
               IMG / "output.png", 250)


if __name__ == "__main__":
    main()
