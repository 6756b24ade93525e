"""The input template: one column per request field, required ones marked, dropdowns for enums."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import OutputError
from .files import atomic_path
from .schema import FIELDS, REQUIRED, Candidate, field_description, request_schema
from .validator import ENUMS, KINDS

REQUIRED_FILL = PatternFill("solid", start_color="FFFCE4D6")
POSITION_FILL = PatternFill("solid", start_color="FFFFF2CC")
OPTIONAL_FILL = PatternFill("solid", start_color="FFDDEBF7")
#: Shown on the Instructions sheet only: an example row on the data sheet could be enrolled by mistake.
EXAMPLE = {
    "candidate_name": "Jana Nováková",
    "candidate_email": "jana.novakova@example.org",
    "candidate_country_code": "SK",
    "candidate_resume": "Curriculum Vitae … (or a file name such as jana.pdf)",
    "position_name": "Customer Support Specialist",
    "position_location": "Bratislava",
    "position_country_code": "SK",
    "mojito_language_code": "en",
}


def requirement(name: str) -> str:
    if name in REQUIRED:
        return "required"
    if name in Candidate.POSITION_FIELDS:
        return "required unless position_def_set_id is given"
    return "optional"


def write_template(path: Path) -> None:
    """Write the template as .xlsx (with dropdowns and instructions) or .csv (the header row)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with atomic_path(path) as tmp:
                with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                    csv.writer(fh).writerow(FIELDS)
        elif suffix == ".xlsx":
            with atomic_path(path) as tmp:
                build_workbook().save(tmp)
        else:
            raise OutputError(f"cannot write a template as {suffix or 'a file without extension'}", hint="use .xlsx or .csv")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def build_workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Candidates"
    for column, name in enumerate(FIELDS, start=1):
        cell = sheet.cell(row=1, column=column, value=name)
        need = requirement(name)
        cell.font = Font(bold=True)
        cell.fill = {"required": REQUIRED_FILL, "optional": OPTIONAL_FILL}.get(need, POSITION_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(f"{need.capitalize()}. {field_description(name)}", "batch-enrol", width=300, height=120)
        sheet.column_dimensions[get_column_letter(column)].width = max(16, min(len(name) + 4, 40))
        options = ENUMS.get(name) or (("yes", "no") if KINDS[name] == "bool" else None)
        if options:
            letter = get_column_letter(column)
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(options) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=name,
                error=f"Choose one of: {', '.join(options)}",
            )
            validation.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(validation)
        if KINDS[name] == "number":
            sheet.add_data_validation(_number_rule(name, get_column_letter(column)))
    sheet.freeze_panes = "A2"
    _instructions(workbook.create_sheet("Instructions"))
    return workbook


def _number_rule(name: str, letter: str) -> DataValidation:
    """Excel's own check for a number column, with the contract's minimum and maximum."""
    spec = request_schema()["properties"][name]
    low, high = spec.get("minimum"), spec.get("maximum")
    if low is not None and high is not None:
        rule = DataValidation(type="decimal", operator="between", formula1=str(low), formula2=str(high))
    else:
        rule = DataValidation(type="decimal", operator="greaterThan", formula1="0")
    rule.allow_blank = True
    rule.add(f"{letter}2:{letter}10000")
    return rule


def _instructions(sheet) -> None:
    sheet.append(["How to fill in the Candidates sheet"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["One row per candidate. Headers may be renamed (e.g. 'Email', 'CV'); blank rows are skipped."])
    sheet.append(["Values for the whole file (one position, language, …) can be given with --set FIELD=VALUE instead."])
    sheet.append([])
    sheet.append(["field", "need", "allowed values", "example", "description"])
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for name in FIELDS:
        allowed = ", ".join(ENUMS.get(name, ())) or {"bool": "yes, no", "number": "a number"}.get(KINDS[name], "text")
        if name == "interview_attempts":
            allowed = "a whole number from 1 to 20"
        if name == "custom_scoring":
            allowed = "a JSON object"
        sheet.append([name, requirement(name), allowed, EXAMPLE.get(name, ""), field_description(name)])
    for letter, width in zip("ABCDE", (32, 44, 40, 32, 100), strict=True):
        sheet.column_dimensions[letter].width = width
