"""Rebuild ``good/formats_merges.ods`` (a list typed in a spreadsheet), ``good/number_styles.ods``
(every number format in CODES on every value in VALUES) and ``good/formula_errors.ods`` (formulas
LibreOffice calculates to errors), saved by LibreOffice.

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
STYLES_TARGET = HERE / "good" / "number_styles.ods"
ERRORS_TARGET = HERE / "good" / "formula_errors.ods"
#: Excel codes, one a row, as LibreOffice turns them into number styles; VALUES one a column
CODES = ["000000", "00000-0000", "000-00-0000", "#,##0", "#,##0.00", "0.00", "0.0", "0%", "0.00%", '"ID-"0000', '"+"0',
         "(000) 000-0000", "#,##0 ;(#,##0)", "#,##0.00;[Red](#,##0.00)", "0;-0;0", "@", "General", "0.###", "0",
         "# ##0", "[$€-407] #,##0.00", '0 "kg"', "000 000 000", "#,##0.000",
         "[<=9999999]###-####;(###) ###-####", "0.00E+00", "0.0E+0", "# ?/?", "# ??/??", "?/?", '0;-0;"zero"',
         '[>100][Red]"big "0;[Blue]"small "0', "[$-409]#,##0.00", "[Blue]0.0;[Red]-0.0"]  # fmt: skip
VALUES = [7, 123, 1234.5, 1234567, -5, 0.25, 421900123456, 123456789, 12.345, 0, 1.5, 4155551234]
HEADERS = ["Full name", "E-mail", "Country", "CV", "Position", "Location", "Position country", "Language",
           "Candidate ID", "Duration (seconds)"]  # fmt: skip
#: (candidate id, its number format, what the cell shows)
IDS = [(123, "000000", "000123"), (1234567, "#,##0", "1,234,567"), (89, '"ID-"0000', "ID-0089"),
       (123456789, "00000-0000", "12345-6789"), (42, "@", "42"), (7.5, "0.00", "7.50")]  # fmt: skip


def _convert(source: Path) -> Path:
    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(source.parent), str(source)],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    return source.with_suffix(".ods")


def build_styles(folder: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Styles"
    for row, code in enumerate(CODES, start=1):
        for column, value in enumerate(VALUES, start=1):
            sheet.cell(row=row, column=column, value=value).number_format = code
    workbook.save(folder / "number_styles.xlsx")
    return _convert(folder / "number_styles.xlsx")


def build_errors(folder: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Candidates"
    sheet.append(HEADERS[:8])
    for i, (name, country) in enumerate([("Err Person 0", "SK"), ("=1/0", "SK"), ("Err Person 2", "=VLOOKUP(9,A1:B2,2,0)"),
                                         ("=NOSUCHFUNCTION(1)", "SK")]):  # fmt: skip
        sheet.append([name, f"err{i}@example.org", country, f"Resume of err person {i}: six years in logistics.", "Agent",
                      "Bratislava", "SK", "en"])  # fmt: skip
    workbook.save(folder / "formula_errors.xlsx")
    return _convert(folder / "formula_errors.xlsx")


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
    workbook.save(folder / "formats_merges.xlsx")
    return _convert(folder / "formats_merges.xlsx")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(build(Path(tmp)), TARGET)
        shutil.copy(build_styles(Path(tmp)), STYLES_TARGET)
        shutil.copy(build_errors(Path(tmp)), ERRORS_TARGET)
    print(TARGET, STYLES_TARGET, ERRORS_TARGET)
