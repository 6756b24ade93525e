"""SourceRow → Candidate or an invalid/duplicate Outcome: normalisation, checks, duplicates.

Every problem of a row is collected (never raised) and reported together, each with the
user's own column name, the value and what is wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from . import cv_files
from .columns import ColumnMap
from .errors import ConfigError
from .fields import ENUMS, KINDS, LONG_TEXT, NORMALISERS, Bad, normalise
from .identity import enrolment_key
from .models import Outcome, SourceRow, Status, Table
from .places import quote
from .resume_quality import MIN_RESUME_CHARS, resume_quality
from .schema import Candidate

__all__ = ["ENUMS", "KINDS", "Checked", "Problem", "Validator", "check_table", "missing_columns", "normalise"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one cell (or with the row as a whole)."""

    row: int
    column: str  #: the user's own column name (the field name when it came from a default)
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}"


@dataclass(slots=True)
class Checked:
    """One data row after validation: a Candidate to send, or an Outcome that is final already."""

    source: SourceRow
    candidate: Candidate | None = None
    outcome: Outcome | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def row(self) -> int:
        return self.source.row


_PYDANTIC_MESSAGES = {
    "missing": "is required",
    "string_too_short": "is required",
    "greater_than_equal": "{input} is below the minimum of {ge}",
    "less_than_equal": "{input} is above the maximum of {le}",
}


FORMULA_MESSAGE = "a formula with no saved value: open and save the file in Excel or LibreOffice"

#: Fields whose values differ on (nearly) every row: not worth remembering.
UNIQUE = LONG_TEXT | {"candidate_name", "candidate_email", "candidate_linkedin_url", "candidate_external_id", "custom_scoring"}


@lru_cache(maxsize=1 << 16)
def _normalise_repeated(name: str, text: str) -> tuple[object, str | None]:
    """``normalise`` for values that repeat down a file (countries, positions…): each checked once.
    Returns (value, None) or (None, the problem); the values are all immutable."""
    try:
        return normalise(name, text), None
    except Bad as exc:
        return None, str(exc)


def fold_parts(values: dict[str, object]) -> None:
    """Object parts from dotted columns (``hiring_for_company.name``) into their object, in place.

    A part overrides the same key of a JSON cell holding the whole object; a part's cell that held
    a JSON object (a dict) is that object, merged the same way.
    """
    for name in [n for n in values if "." in n]:
        parent, part = name.split(".", 1)
        whole, value = values.get(parent), values.pop(name)
        if value is not None:  # None: the part's cell was refused, and that is reported already
            given = value if isinstance(value, dict) else {part: value}
            values[parent] = {**(whole if isinstance(whole, dict) else {}), **given}


class Validator:
    """Checks rows of one table against the contract, with batch defaults and CV files."""

    def __init__(
        self,
        columns: ColumnMap,
        *,
        defaults: Mapping[str, str] | None = None,
        cv_folders: Iterable[Path] = (),
        cv_limits: cv_files.CvLimits = cv_files.DEFAULT_LIMITS,
        value_maps: Mapping[str, Mapping[str, str]] | None = None,
        min_resume_chars: int = MIN_RESUME_CHARS,
    ) -> None:
        self.columns = columns
        self.cv_limits = cv_limits
        self.defaults = {k: v for k, v in (defaults or {}).items() if v is not None and str(v).strip()}
        self.cv_folders = list(cv_folders)
        self.value_maps = value_maps or {}
        self._check_defaults()
        self.min_resume_chars = min_resume_chars
        self.blank_formulas: frozenset[tuple[int, int]] = frozenset()  #: (row, column) 1-based, from the Table
        self.cell_errors: Mapping[tuple[int, int], str] = {}  #: (row, column) 1-based → ``#N/A``…, from the Table
        loose = ("candidate_email", "position_def_set_id", "position_external_id", *Candidate.POSITION_FIELDS)
        self._loose_sources = [(columns.fields.get(n), str(self.defaults.get(n, "")).strip()) for n in loose]

    def _check_defaults(self) -> None:
        """A whole-file value (``--set``, ``[defaults]``) is checked once: a bad one is the file's
        problem, never repeated on every row. Raises ConfigError."""
        for name, value in self.defaults.items():
            text = self._mapped(name, str(value))
            if name == "candidate_resume" or name not in NORMALISERS:
                continue  # a resume is checked with its files; a part is checked within its object
            try:
                normalise(name, text)
            except Bad as exc:
                raise ConfigError(f"--set {name}={value}: {exc}", hint="fix it in --set or in the mapping file's [defaults]") from None

    def _mapped(self, name: str, text: str) -> str:
        """The value ``[values.FIELD]`` maps ``text`` to, or ``text``."""
        return self.value_maps.get(name, {}).get(text.strip().casefold(), text)

    def _source(self, row: SourceRow) -> dict[str, tuple[str, str]]:
        """field → (column label for messages, raw text), row values first, then defaults."""
        out: dict[str, tuple[str, str]] = {}
        for name, index in self.columns.fields.items():
            text = row.cells[index] if index < len(row.cells) else ""
            if text.strip():
                out[name] = (self.columns.headers[index], text)
        if "candidate_name" not in out and self.columns.name_parts:
            parts = [row.cells[i].strip() for i in self.columns.name_parts if i < len(row.cells)]
            if any(parts):
                out["candidate_name"] = (self._label_of("candidate_name"), " ".join(p for p in parts if p))
        for name, text in self.defaults.items():
            if name not in out:
                out[name] = (f"{name} (default)", str(text))
        return out

    def check(self, row: SourceRow) -> Candidate | list[Problem]:
        values: dict[str, object] = {}
        labels: dict[str, tuple[str, str]] = {}
        problems: list[Problem] = [
            Problem(row.row, self.columns.headers[index], name, "", FORMULA_MESSAGE)
            for name, index in self.columns.fields.items()
            if (row.row, index + 1) in self.blank_formulas
        ]
        problems += [
            Problem(row.row, self.columns.headers[index], name, shown, f"the cell shows the error {shown}: fix it in the file")
            for name, index in self.columns.fields.items()
            if (shown := self.cell_errors.get((row.row, index + 1)))
        ]
        for name, (label, cell) in self._source(row).items():
            labels[name] = (label, cell)
            text = self._mapped(name, cell)
            try:
                if name == "candidate_resume":
                    values[name] = self._resume(text.strip())
                elif name in UNIQUE:
                    values[name] = normalise(name, text)
                else:
                    values[name], problem = _normalise_repeated(name, text)
                    if problem is not None:
                        raise Bad(problem)
            except (Bad, cv_files.CvFileError) as exc:
                mapped = f"mapped to {quote(text)} by [values.{name}]: " if text != cell else ""
                problems.append(Problem(row.row, label, name, cell, f"{mapped}{exc}"))
        fold_parts(values)
        try:
            candidate = Candidate(**values)
        except ValidationError as exc:
            failed = {p.field for p in problems}
            problems.extend(self._from_pydantic(row.row, exc, labels, failed))
            problems.extend(self._position_problems(row.row, values, {p.field for p in problems}))
        else:
            if not problems:
                return candidate
        return sorted(problems, key=lambda p: self._order(p.field))

    def _resume(self, text: str) -> str:
        """The resume's text: read from the file it names, or checked to be a resume at all."""
        if cv_files.looks_like_file(text):
            return cv_files.read_text(cv_files.find(text, self.cv_folders), self.cv_limits)
        resume_quality(text, self.min_resume_chars, self.cv_folders)  # paths included, after placeholders and links
        return text

    def email_of(self, row: SourceRow) -> tuple[str, str]:
        """(column label, the email as written) of a row, for messages."""
        return self._source(row).get("candidate_email", (self.columns.header_of("candidate_email"), ""))

    def loose_key(self, row: SourceRow) -> tuple[str, ...]:
        """Email and position as written (case and outer spaces aside): duplicates among invalid rows too."""
        cells = row.cells
        width = len(cells)
        texts = [
            ((cells[i] if i is not None and i < width else "").strip() or default).casefold() for i, default in self._loose_sources
        ]
        email, def_id, external = texts[:3]
        if not email:
            return ()
        if def_id:
            return (email, "id", def_id)
        if external:
            return (email, "external", external)
        return (email, *texts[3:])

    def _position_problems(self, row: int, values: Mapping[str, object], failed: set[str]) -> Iterable[Problem]:
        """The position fields a row lacks when it has no position_def_set_id, whatever else is wrong
        with it (the model checks them only once every field is valid)."""
        if values.get("position_def_set_id") or "position_def_set_id" in failed:
            return
        for name in Candidate.POSITION_FIELDS:
            if not values.get(name) and name not in failed:
                yield Problem(row, self._label_of(name), name, "", "is required when no position_def_set_id is given")

    def _has_column(self, name: str) -> bool:
        """A column gives this field (candidate_name: a full-name column, or first and last name columns)."""
        return name in self.columns.fields or (name == "candidate_name" and bool(self.columns.name_parts))

    def _label_of(self, name: str) -> str:
        """The user's column name(s) for a field, for messages (the field's name when no column gives it)."""
        if name == "candidate_name" and "candidate_name" not in self.columns.fields and self.columns.name_parts:
            return " + ".join(self.columns.headers[i] for i in self.columns.name_parts)
        return self.columns.header_of(name)

    def _order(self, name: str) -> int:
        index = self.columns.fields.get(name, self.columns.name_parts[0] if name == "candidate_name" and self.columns.name_parts else None)
        return index if index is not None else 10_000

    def _from_pydantic(
        self, row: int, exc: ValidationError, labels: dict[str, tuple[str, str]], failed: set[str]
    ) -> Iterable[Problem]:
        for error in exc.errors(include_url=False):
            if error["type"] == "position_fields_missing":
                continue  # said field by field by _position_problems
            loc = [str(p) for p in error["loc"]]
            name = ".".join(loc[:2]) if ".".join(loc[:2]) in labels else (loc[0] if loc else "")
            if name in failed:
                continue  # already explained by the normaliser
            label, text = labels.get(name, (self._label_of(name), ""))
            template = _PYDANTIC_MESSAGES.get(error["type"])
            if error["type"] in ("missing", "string_too_short") and self._has_column(name):
                template = "is empty, and it is required"
            ctx = {**error.get("ctx", {}), "input": error.get("input")}
            message = template.format(**ctx) if template else f"{quote(text)}: {error['msg']}"
            yield Problem(row, label, name, text, message)


def check_table(
    table: Table,
    columns: ColumnMap,
    *,
    defaults: Mapping[str, str] | None = None,
    cv_folders: Iterable[Path] = (),
    cv_limits: cv_files.CvLimits = cv_files.DEFAULT_LIMITS,
    value_maps: Mapping[str, Mapping[str, str]] | None = None,
    min_resume_chars: int = MIN_RESUME_CHARS,
) -> list[Checked]:
    """Validate every data row; later rows repeating an email for the same position are duplicates."""
    validator = Validator(
        columns, defaults=defaults, cv_folders=cv_folders, cv_limits=cv_limits,
        value_maps=value_maps, min_resume_chars=min_resume_chars,
    )  # fmt: skip
    validator.blank_formulas = table.blank_formulas
    validator.cell_errors = table.cell_errors
    first_seen: dict[tuple[str, ...], int] = {}
    loose_seen: dict[tuple[str, ...], int] = {}  # over every row, invalid ones too
    checked: list[Checked] = []
    for source in table.rows:
        result = validator.check(source)
        loose = validator.loose_key(source)
        earlier = loose_seen.setdefault(loose, source.row) if loose else source.row
        if isinstance(result, list):
            if earlier != source.row:
                label, email = validator.email_of(source)
                result.append(Problem(source.row, label, "candidate_email", email, f"same email and position as row {earlier}"))
            checked.append(Checked(source, outcome=_invalid(source.row, result), problems=result))
            continue
        key = enrolment_key(result)
        if key in first_seen or earlier != source.row:
            first = first_seen.get(key, earlier)
            outcome = Outcome(
                row=source.row,
                status=Status.DUPLICATE,
                reason=f"same email and position as row {first}; not sent again",
                error_field="candidate_email",
            )
            checked.append(Checked(source, outcome=outcome))
            continue
        first_seen[key] = source.row
        checked.append(Checked(source, candidate=result))
    return checked


def _invalid(row: int, problems: list[Problem]) -> Outcome:
    return Outcome(row=row, status=Status.INVALID, reason="; ".join(str(p) for p in problems), error_field=problems[0].field)


def missing_columns(rows: Iterable[Checked], columns: ColumnMap) -> dict[str, int]:
    """Fields that rows need but no column (nor --set) gives: field → how many rows lack it.
    A person fixes these once, for the whole file."""
    rows = list(rows)
    counts: Counter[str] = Counter()
    for checked in rows:
        for problem in checked.problems:
            if problem.field not in columns.fields and not problem.value and problem.column == problem.field:
                counts[problem.field] += 1
    # with no column, every row lacks it, unless a position_def_set_id column makes the position
    # fields needed on some rows only
    per_row = "position_def_set_id" in columns.fields
    return {f: n if per_row and f in Candidate.POSITION_FIELDS else len(rows) for f, n in counts.items()}
