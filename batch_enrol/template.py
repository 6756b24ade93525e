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
from .schema import FIELDS, OBJECT_MODELS, REQUIRED, Candidate, field_description, request_schema

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
    "max_duration": "1200",
    "tags": "engineering; remote",
    "hiring_for_company": '{"name": "undisclosed"}',
    "interview_available_till": "2026-12-31",
}


def requirement(name: str) -> str:
    if name in REQUIRED:
        return "required"
    if name in Candidate.POSITION_FIELDS:
        return "required unless position_def_set_id is given"
    return "optional"


def _spec(name: str) -> dict:
    return request_schema()["properties"][name]


def _dropdown(name: str) -> tuple[str, ...] | None:
    """The values a cell may hold, when they are few: an enum's, or yes/no."""
    spec = _spec(name)
    if spec.get("enum"):
        return tuple(spec["enum"])
    return ("yes", "no") if spec["type"] == "boolean" else None


def allowed(name: str) -> str:
    """What a cell of this field may hold, in words (from the contract's type, enum and range)."""
    spec = _spec(name)
    low, high = spec.get("minimum"), spec.get("maximum")
    if spec.get("enum"):
        return ", ".join(spec["enum"])
    if name == "max_duration":
        return "seconds (a number; the platform's default is 1200)"
    if spec["type"] in ("integer", "number"):
        whole = "a whole number" if spec["type"] == "integer" or name == "interview_attempts" else "a number"
        return f"{whole} from {low} to {high}" if low is not None and high is not None else whole
    if spec["type"] == "boolean":
        return "yes, no"
    if spec["type"] == "array":
        return "words separated by ; or , (or a JSON array)"
    if name in OBJECT_MODELS:
        parts = ", ".join(OBJECT_MODELS[name].model_fields)
        return f"a JSON object, or one column {name}.PART per part ({parts})"
    if spec["type"] == "object":
        return "a JSON object"
    if name == "interview_available_till":
        return "a date or date-time (2026-12-31, 2026-12-31T18:00)"
    return "text"


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
        options = _dropdown(name)
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
        if _spec(name)["type"] in ("integer", "number"):
            sheet.add_data_validation(_number_rule(name, get_column_letter(column)))
    sheet.freeze_panes = "A2"
    _instructions(workbook.create_sheet("Instructions"))
    return workbook


def _number_rule(name: str, letter: str) -> DataValidation:
    """Excel's own check for a number column, with the contract's minimum and maximum."""
    spec = request_schema()["properties"][name]
    low, high = spec.get("minimum"), spec.get("maximum")
    kind = "whole" if spec["type"] == "integer" else "decimal"
    if low is not None and high is not None:
        rule = DataValidation(type=kind, operator="between", formula1=str(low), formula2=str(high))
    else:
        rule = DataValidation(type=kind, operator="greaterThan", formula1="0")
    rule.allow_blank = True
    rule.add(f"{letter}2:{letter}10000")
    return rule


def _instructions(sheet) -> None:
    sheet.append(["How to fill in the Candidates sheet"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["One row per candidate. Headers may be renamed (e.g. 'Email', 'CV'); blank rows are skipped."])
    sheet.append(["Values for the whole file (one position, language, …) can be given with --set FIELD=VALUE instead."])
    sheet.append(["An object field is a JSON cell, or one column per part named FIELD.PART (e.g. hiring_for_company.name)."])
    sheet.append(["max_duration is in seconds. Position descriptions left blank are written by the platform's AI."])
    sheet.append([])
    sheet.append(["field", "need", "allowed values", "example", "description"])
    for cell in sheet[7]:
        cell.font = Font(bold=True)
    for name in FIELDS:
        sheet.append([name, requirement(name), allowed(name), EXAMPLE.get(name, ""), field_description(name)])
    for letter, width in zip("ABCDE", (32, 44, 40, 32, 100), strict=True):
        sheet.column_dimensions[letter].width = width
