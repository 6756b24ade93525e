"""Regenerate sample_data/candidates.xlsx and .csv (deterministic; run from the repository root)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

OUT = Path(__file__).resolve().parent.parent / "sample_data"

POSITIONS = {
    "support": ("Customer Support Specialist", "Bratislava", "Slovakia", "English"),
    "analyst": ("Junior Data Analyst", "Prague", "CZ", "en"),
    "lead": ("Warehouse Shift Lead", "Berlin", "DEU", "German"),
}
PEOPLE = [
    ("Jana Nováková", "jana.novakova@example.org", "SK", "support"),
    ("Peter Horváth", "Peter.Horvath@Example.org", "Slovakia", "support"),
    ("Lucia Kováčová", "lucia.kovacova@example.org", "SK", "support"),
    ("Martin Varga", "martin.varga@example.org", "SVK", "support"),
    ("Eva Tóthová", "eva.tothova@example.org", "SK", "support"),
    ("Tomáš Baláž", "tomas.balaz@example.org", "SK", "support"),
    ("Zuzana Szabóová", "zuzana.szaboova@example.org", "HU", "support"),
    ("Michal Molnár", "michal.molnar@example.org", "SK", "support"),
    ("Katarína Lukáčová", "katarina.lukacova@example.org", "SK", "support"),
    ("Andrej Kráľ", "andrej.kral@example.org", "SK", "support"),
    ("Petra Svobodová", "petra.svobodova@example.org", "CZ", "analyst"),
    ("Jakub Dvořák", "jakub.dvorak@example.org", "Czechia", "analyst"),
    ("Tereza Černá", "tereza.cerna@example.org", "CZ", "analyst"),
    ("Ondřej Procházka", "ondrej.prochazka@example.org", "CZE", "analyst"),
    ("Anna Kučerová", "anna.kucerova@example.org", "CZ", "analyst"),
    ("Lukáš Veselý", "lukas.vesely@example.org", "CZ", "analyst"),
    ("Marie Horáková", "marie.horakova@example.org", "CZ", "analyst"),
    ("David Němec", "david.nemec@example.org", "CZ", "analyst"),
    ("Aisha Khan", "aisha.khan@example.org", "GB", "analyst"),
    ("Wojciech Kowalski", "wojciech.kowalski@example.org", "Poland", "analyst"),
    ("Lena Schmidt", "lena.schmidt@example.org", "DE", "lead"),
    ("Jonas Müller", "jonas.mueller@example.org", "Germany", "lead"),
    ("Sophie Weber", "sophie.weber@example.org", "DE", "lead"),
    ("Felix Wagner", "felix.wagner@example.org", "AT", "lead"),
    ("Mia Becker", "mia.becker@example.org", "DE", "lead"),
    ("Leon Hoffmann", "leon.hoffmann@example.org", "DE", "lead"),
    ("Emma Schulz", "emma.schulz@example.org", "DE", "lead"),
    ("Noah Koch", "noah.koch@example.org", "DE", "lead"),
    ("Hannah Richter", "hannah.richter@example.org", "DE", "lead"),
    ("Elias Klein", "elias.klein@example.org", "CH", "lead"),
]
SKILLS = {
    "support": "handled customer tickets in English and Slovak, used Zendesk and Freshdesk, kept a 95 % satisfaction score",
    "analyst": "built dashboards in Power BI, wrote SQL against PostgreSQL, cleaned data in Python with pandas",
    "lead": "ran a shift of 12 pickers, planned rotas, cut picking errors by a third with a barcode check",
}
HEADERS = ["Candidate ID", "Full name", "E-mail address", "Country", "CV", "Position", "Location",
           "Position country", "Language", "LinkedIn", "Attempts", "Recruiter notes"]  # fmt: skip


def resume(name: str, kind: str, years: int) -> str:
    return (
        f"{name}\nCurriculum Vitae\n\nExperience: {years} years. In my last role I {SKILLS[kind]}.\n"
        f"Education: bachelor's degree. Languages: English (C1), German (B1).\n"
        f"Interests: volunteering, running, chess."
    )


def rows() -> list[list[str]]:
    out = []
    for i, (name, email, country, kind) in enumerate(PEOPLE, start=1):
        title, location, pos_country, language = POSITIONS[kind]
        linkedin = f"linkedin.com/in/{email.split('@')[0].lower().replace('.', '-')}" if i % 3 else ""
        out.append([f"{i:05d}", name, email, country, resume(name, kind, 2 + i % 7), title, location,
                    pos_country, language, linkedin, "3" if kind == "lead" else "", ""])  # fmt: skip
    # deliberate mistakes, so the demo shows every kind of outcome
    out[4][2] = "eva.tothova@@example"  # a bad email
    out[4][11] = "typo in the email: fix it and re-run"
    out[13][4] = ""  # an empty resume
    out[13][11] = "CV still to come"
    out[22][8] = "Klingon"  # an unknown language
    duplicate = list(out[11])
    duplicate[0] = "00031"
    duplicate[11] = "entered twice by mistake"
    out.append(duplicate)  # a duplicate (same email, same position)
    return out


def write_xlsx(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Candidates"
    sheet["A1"] = "Hiring drive, spring intake: candidates to invite"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(HEADERS)
    header_fill = PatternFill("solid", start_color="FF1F4E78")
    for cell in sheet[3]:
        cell.font = Font(bold=True, color="FFFFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
    for row in rows():
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=1).data_type = "s"
    for letter, width in zip("ABCDEFGHIJKL", (12, 22, 32, 12, 40, 30, 14, 16, 12, 40, 10, 36), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C4"
    sheet.auto_filter.ref = f"A3:L{sheet.max_row}"
    sheet["L3"].comment = Comment("Our own notes: batch-enrol keeps this column as it is.", "HR")
    notes = workbook.create_sheet("Interview panel")
    notes.append(["Position", "Panel"])
    notes.append(["Customer Support Specialist", "M. Kováč, J. Hudec"])
    notes.append(["Junior Data Analyst", "P. Král"])
    notes.append(["Warehouse Shift Lead", "S. Braun"])
    workbook.save(path)


def write_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows())


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    write_xlsx(OUT / "candidates.xlsx")
    write_csv(OUT / "candidates.csv")
    print(f"wrote {OUT / 'candidates.xlsx'} and {OUT / 'candidates.csv'}")
