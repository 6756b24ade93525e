"""Rebuild ``tests/data/formats/``: one candidate list whose ids are shown through number formats
with sections, conditions, colours, locale tags, scientific notation and fractions (and
text ids through a text section), saved by
each program that writes spreadsheets here.

python -m tests.data.make_formats   (needs ``soffice`` and ``ssconvert``; the tests only read the result)

- ``source.xlsx``: written with openpyxl (the codes as Excel stores them);
- ``libreoffice.xlsx``, ``libreoffice.xls`` (BIFF8), ``libreoffice.ods``: LibreOffice opened it and saved it;
- ``gnumeric.xls``: Gnumeric's Excel 95 export (BIFF7): letters outside its code page become ``?``,
  so the sheet is named ``Uchádza?i ?`` (a name an .xlsx cannot hold);
- ``gnumeric.ods``: Gnumeric's OpenDocument, pretty-printed (whitespace between cells).

Made-up people.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent / "formats"
SHEET = "Uchádzači ✓"
HEADERS = ["Full name", "E-mail", "Country", "CV", "Position", "Location", "Position country", "Language", "Candidate ID"]
PHONE = "[<=9999999]###-####;(###) ###-####"  # Excel's built-in "Phone Number" format
#: (id value, its number format, what Excel and LibreOffice show)
IDS = [(4155551234, PHONE, "(415) 555-1234"), (5551234, PHONE, "555-1234"), (12345, "0.00E+00", "1.23E+04"),
       (1.5, "# ?/?", "1 1/2"), (0, '0;-0;"zero"', "zero"), (77, "[$-409][Blue]000000", "000077"),
       (250, '[>100][Red]"big "0;[Blue]"small "0', "big 250"), ("A17", '"ID-"@', "ID-A17"),
       ("B18", '0;-0;0;[Blue]"ID-"@', "ID-B18"), (12.5, '[$€-407] #,##0.00', "€ 12.50")]  # fmt: skip


def source(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(HEADERS)
    for i, (value, code, _) in enumerate(IDS):
        sheet.append([f"Fmt Person {i}", f"fmt{i}@example.org", "SK", f"Resume of format person {i}: seven years in sales.",
                      "Agent", "Bratislava", "SK", "en", value])  # fmt: skip
        sheet.cell(row=i + 2, column=9).number_format = code
    workbook.save(path)
    return path


def _soffice(path: Path, kind: str, folder: Path) -> Path:
    subprocess.run(["soffice", "--headless", "--convert-to", kind, "--outdir", str(folder), str(path)],
                   check=True, capture_output=True, timeout=180)  # fmt: skip
    return folder / f"{path.stem}.{kind.split(':')[0]}"


def build(target: Path) -> None:
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        made = source(folder / "libreoffice.xlsx")
        shutil.copy(made, target / "source.xlsx")
        out = folder / "out"
        for kind in ("xlsx", "xls:MS Excel 97", "ods"):
            shutil.copy(_soffice(made, kind, out), target / f"libreoffice.{kind.split(':')[0]}")
        for name, exporter in (("gnumeric.xls", "Gnumeric_Excel:excel_biff7"), ("gnumeric.ods", "Gnumeric_OpenCalc:odf")):
            subprocess.run(["ssconvert", "-T", exporter, str(made), str(target / name)], check=True, capture_output=True, timeout=180)


if __name__ == "__main__":
    build(HERE)
    print(*sorted(p.name for p in HERE.iterdir()))
