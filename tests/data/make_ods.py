"""Rebuild ``good/formats_merges.ods``: a list typed in a spreadsheet, saved by LibreOffice.

python -m tests.data.make_ods   (needs LibreOffice's ``soffice`` on the PATH; the tests only read the result)

The workbook is written as .xlsx with openpyxl, then LibreOffice opens it and saves it as
OpenDocument, so the .ods holds what LibreOffice itself writes: number styles in styles.xml
(``number:min-integer-digits``, ``number:grouping``, ``number:embedded-text``, ``number:text``,
a text style), cell styles naming them, the displayed text beside each value, and the merge
as ``table:number-rows-spanned`` with covered cells below it. Made-up people.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
TARGET = HERE / "good" / "formats_merges.ods"
HEADERS = ["Full name", "E-mail", "Country", "CV", "Position", "Location", "Position country", "Language",
           "Candidate ID", "Duration (seconds)"]  # fmt: skip
#: (candidate id, its number format, what the cell shows)
IDS = [(123, "000000", "000123"), (1234567, "#,##0", "1,234,567"), (89, '"ID-"0000', "ID-0089"),
       (123456789, "00000-0000", "12345-6789"), (42, "@", "42"), (7.5, "0.00", "7.50")]  # fmt: skip


def build(folder: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Candidates"
    sheet.append(HEADERS)
    for i, (number, code, _) in enumerate(IDS):
        sheet.append([f"Ods Person {i}", f"ods{i}@example.org", "SK", f"Resume of ods person {i}: eight years in customer care.",
                      "Agent" if i == 0 else None, "Bratislava" if i < 3 else "Kosice", "SK", "en", number, 1200])  # fmt: skip
        sheet.cell(row=i + 2, column=9).number_format = code
        sheet.cell(row=i + 2, column=10).number_format = "#,##0"
    sheet.merge_cells(f"E2:E{len(IDS) + 1}")  # the position, typed once for every row
    source = folder / "formats_merges.xlsx"
    workbook.save(source)
    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    return folder / "formats_merges.ods"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(build(Path(tmp)), TARGET)
    print(TARGET)
