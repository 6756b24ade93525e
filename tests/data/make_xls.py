"""Regenerate the .xls fixtures in tests/data/xls/ with real spreadsheet software (run from anywhere).

The files are committed; this script documents how each was made. The content is made up
here (an .xlsx written with openpyxl), then saved as .xls by LibreOffice (``soffice
--convert-to 'xls:MS Excel 97'``: BIFF8) and by Gnumeric (``ssconvert -T
Gnumeric_Excel:excel_biff7``: BIFF5, Excel 95, in the code page of the locale it runs in;
LibreOffice 7 no longer writes BIFF5: its "MS Excel 95" filter only imports). Needs
``soffice``, ``ssconvert`` (Debian: libreoffice-calc, gnumeric) and ``localedef``.

Two fixtures rebuild kinds found on real files (``python -m benchmarks.xls_corpus``) by
changing one field of a LibreOffice file, as other generators write it: a CODEPAGE record
saying Windows-1252 in a BIFF8 file (calamine then misreads every 8-bit string), and a
string table that counts more strings than it holds (xlrd cannot read it; calamine can).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

HERE = Path(__file__).resolve().parent / "xls"
HEADERS = ["Full name", "E-mail", "Country", "CV", "Position", "Location", "Position country", "Language"]
RESUME = "Five years of customer support in telecoms, fluent in three languages."

#: sheet name → (extra header, rows of (first name, surname, email, note)), one language each.
PEOPLE = {
    "Uchazeči": ("Poznámka", "Agent podpory", [("Jiří", "Čermák", "jiri@example.org", "Nástup ihned"),
                                               ("Kateřina", "Dvořáková", "katerina@example.org", "Řidičský průkaz"),
                                               ("Ondřej", "Šťastný", "ondrej@example.org", "Žádná")]),
    "Кандидаты": ("Примечание", "Оператор", [("Дмитрий", "Смирнов", "dmitry@example.org", "Срочно"),
                                             ("Екатерина", "Иванова", "ekaterina@example.org", "Ещё нет"),
                                             ("Юлия", "Соколова", "julia@example.org", "Звонить утром")]),
    "Υποψήφιοι": ("Σημείωση", "Υπάλληλος", [("Γιώργος", "Παπαδόπουλος", "giorgos@example.org", "Άμεσα"),
                                            ("Ελένη", "Κωνσταντίνου", "eleni@example.org", "Όχι ακόμα"),
                                            ("Σοφία", "Αθανασίου", "sofia@example.org", "Πρωί")]),
}  # fmt: skip
COUNTRY = {"Uchazeči": ("CZ", "Praha", "cs"), "Кандидаты": ("RU", "Москва", "ru"), "Υποψήφιοι": ("GR", "Αθήνα", "el")}


def workbook(path: Path, sheets: list[str]) -> Path:
    """An .xlsx with one candidate list per sheet: a rich-text name (surname in bold), the
    position merged down over the three rows, an id 1..3 shown as ``000101``…, a start date."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in sheets:
        extra, position, people = PEOPLE[name]
        country, city, language = COUNTRY[name]
        ws = wb.create_sheet(name)
        ws.append([*HEADERS, "Candidate ID", "Start date", extra])
        for i, (first, last, email, note) in enumerate(people):
            row = i + 2
            ws.append([None, email, country, RESUME, position if i == 0 else None, city, country, language,
                       100 + i + 1, dt.date(2024, 3, 4 + i), note])  # fmt: skip
            ws.cell(row, 1).value = CellRichText([f"{first} ", TextBlock(InlineFont(b=True), last)])
            ws.cell(row, 9).number_format = "000000"
            ws.cell(row, 10).number_format = "yyyy-mm-dd"
        ws.merge_cells(start_row=2, start_column=5, end_row=4, end_column=5)
    wb.save(path)
    return path


def error_values(path: Path) -> Path:
    """Two rows whose formulas show errors (LibreOffice saves #N/A and #DIV/0! as their results)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Candidates"
    ws.append(HEADERS)
    ws.append(["Ana Nováková", "ana@example.org", "=NA()", RESUME, "Agent", "Praha", "CZ", "cs"])
    ws.append(["Petr Malý", "petr@example.org", "CZ", RESUME, "Agent", "Praha", "=1/0", "cs"])
    ws.append(["Eva Černá", "eva@example.org", "CZ", RESUME, "Agent", "Praha", "CZ", "cs"])
    wb.save(path)
    return path


def libreoffice_biff8(source: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory() as home:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{home}", "--headless", "--convert-to",
                        "xls:MS Excel 97", "--outdir", home, str(source)], check=True, capture_output=True)  # fmt: skip
        shutil.copy(Path(home) / (source.stem + ".xls"), target)


def gnumeric(source: Path, target: Path, exporter: str, locale: str = "C.UTF-8") -> None:
    """Gnumeric writes BIFF5 text in its locale's Windows code page (ru_RU → 1251)."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "LC_ALL": locale, "LANG": locale}
        if locale != "C.UTF-8":
            language = locale.split(".")[0]
            subprocess.run(["localedef", "-i", language, "-f", "UTF-8", f"{folder}/{locale}"], check=True)
            env["LOCPATH"] = folder
        subprocess.run(["ssconvert", "-T", f"Gnumeric_Excel:{exporter}", str(source), str(target)], check=True,
                       capture_output=True, env=env)  # fmt: skip


def patch_record(path: Path, record: int, change) -> None:
    """Rewrite the first BIFF record of type ``record`` in place (same length): ``change(body) → body``.
    The workbook globals start the Workbook stream, in its first sectors, so the bytes are contiguous."""
    data = bytearray(path.read_bytes())
    start = data.index(b"\x09\x08\x10\x00\x00\x06\x05\x00")  # BOF of the workbook globals (BIFF8)
    offset = start
    while offset < len(data) - 4:
        kind, length = struct.unpack_from("<HH", data, offset)
        if kind == record:
            body = bytes(data[offset + 4 : offset + 4 + length])
            new = change(body)
            assert len(new) == len(body)
            data[offset + 4 : offset + 4 + length] = new
            path.write_bytes(bytes(data))
            return
        offset += 4 + length
    raise LookupError(f"no record {record:#06x} in {path.name}")


def main() -> None:
    HERE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        three = workbook(tmp / "three.xlsx", ["Uchazeči", "Кандидаты", "Υποψήφιοι"])
        libreoffice_biff8(three, HERE / "biff8_libreoffice.xls")
        gnumeric(workbook(tmp / "ru.xlsx", ["Кандидаты"]), HERE / "biff5_cyrillic_cp1251.xls", "excel_biff7", "ru_RU.UTF-8")
        gnumeric(workbook(tmp / "cs.xlsx", ["Uchazeči"]), HERE / "biff5_czech_cp1250.xls", "excel_biff7", "cs_CZ.UTF-8")
        gnumeric(workbook(tmp / "el.xlsx", ["Υποψήφιοι"]), HERE / "biff5_greek_cp1253.xls", "excel_biff7", "el_GR.UTF-8")
        gnumeric(workbook(tmp / "cs8.xlsx", ["Uchazeči"]), HERE / "biff8_gnumeric.xls", "excel_biff8")
        libreoffice_biff8(error_values(tmp / "errors.xlsx"), HERE / "biff8_error_values.xls")
        latin = workbook(tmp / "latin.xlsx", ["Uchazeči"])
        libreoffice_biff8(latin, HERE / "biff8_codepage_1252.xls")
        patch_record(HERE / "biff8_codepage_1252.xls", 0x0042, lambda body: struct.pack("<H", 1252))
        libreoffice_biff8(latin, HERE / "biff8_sst_overcount.xls")
        patch_record(
            HERE / "biff8_sst_overcount.xls",
            0x00FC,
            lambda b: b[:4] + struct.pack("<I", struct.unpack_from("<I", b, 4)[0] + 5) + b[8:],
        )


if __name__ == "__main__":
    main()
