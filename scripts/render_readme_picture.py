"""Render docs/img/output.png: the sample workbook after a real sandbox run, as a spreadsheet shows it.

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
TARGET = ROOT / "docs" / "img" / "output.png"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = Path(shutil.copy(ROOT / "sample_data" / "candidates.xlsx", work / "candidates.xlsx"))
        result = run(source, Settings(sandbox=True, concurrency=8, rate=50, progress="none"),
                     transport=httpx.ASGITransport(app=Sandbox().app))
        workbook = openpyxl.load_workbook(result.output)
        sheet = workbook["Candidates"]
        for letter in ("E", "G", "H", "J", "K", "P", "Q", "S", "T", "U", "V", "W"):  # long or technical columns
            sheet.column_dimensions[letter].hidden = True
        sheet.column_dimensions["N"].width = 50
        sheet.column_dimensions["O"].width = 44
        sheet.print_area = "A1:R20"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 1
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_margins = PageMargins(left=0.2, right=0.2, top=0.2, bottom=0.2)
        for name in workbook.sheetnames[1:]:
            workbook[name].sheet_state = "hidden"
        view = work / "view.xlsx"
        workbook.save(view)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(view)],
                       check=True, capture_output=True, timeout=180)  # fmt: skip
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-x", "0", "-y", "0",
                        "-W", "1620", "-H", "380", str(work / "view.pdf"), str(work / "page")],
                       check=True, timeout=60)  # fmt: skip
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "page.png", TARGET)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
