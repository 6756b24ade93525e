"""SourceRow → Candidate or an invalid/duplicate Outcome: normalisation, checks, duplicates.

Every problem of a row is collected (never raised) and reported together, each with the
user's own column name, the value and what is wrong.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError

from . import cv_files
from .columns import ColumnMap
from .identity import enrolment_key
from .models import Outcome, SourceRow, Status, Table
from .schema import Candidate

LONG_TEXT = frozenset(
    {
        "candidate_resume",
        "position_description",
        "position_description_long",
        "welcome_message",
        "thank_you_message",
        "instructional_video_custom_text",
    }
)
COUNTRY_FIELDS = frozenset({"candidate_country_code", "position_country_code"})
COUNTRY_ALIASES = {"uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "usa": "US", "america": "US"}
LANGUAGE_ALIASES = {
    "brazilian": "br",
    "brazilian portuguese": "br",
    "portuguese (brazil)": "br",
    "pt-br": "br",
    "pt_br": "br",
    "filipino": "fil",
    "tagalog": "fil",
    "norwegian": "no",
    "norwegian bokmål": "no",
    "nb": "no",
    "chinese": "zh",
    "mandarin": "zh",
}
TRUE = frozenset({"yes", "y", "true", "t", "1", "on"})
FALSE = frozenset({"no", "n", "false", "f", "0", "off"})


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


def _enum_options(name: str) -> tuple[str, ...]:
    annotation = Candidate.model_fields[name].annotation
    options: list[str] = []
    for arg in typing.get_args(annotation) or (annotation,):
        if typing.get_origin(arg) is typing.Literal:
            options.extend(typing.get_args(arg))
    return tuple(options)


def _field_kind(name: str) -> str:
    annotation = Candidate.model_fields[name].annotation
    text = str(annotation)
    if _enum_options(name):
        return "enum"
    if "bool" in text:
        return "bool"
    if "dict" in text:
        return "object"
    if "int" in text or "float" in text:
        return "number"
    return "text"


KINDS = {name: _field_kind(name) for name in Candidate.model_fields}
ENUMS = {name: _enum_options(name) for name in Candidate.model_fields if KINDS[name] == "enum"}


class _Bad(ValueError):
    """A normaliser's verdict on one value: the message that follows the column name."""


def _quote(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


@cache
def country_code(value: str) -> str:
    key = value.strip().casefold()
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    try:
        return pycountry.countries.lookup(value.strip()).alpha_2
    except LookupError:
        raise _Bad(f"{_quote(value)} is not a country (use an ISO code such as SK, or a name such as Slovakia)") from None


@cache
def language_code(value: str) -> str:
    options = ENUMS["mojito_language_code"]
    key = value.strip().casefold()
    if key in options:
        return key
    if key in LANGUAGE_ALIASES:
        return LANGUAGE_ALIASES[key]
    try:
        language = pycountry.languages.lookup(key)
    except LookupError:
        language = None
    for code in (getattr(language, "alpha_2", None), getattr(language, "alpha_3", None)):
        if code in options:
            return code
    raise _Bad(f"{_quote(value)} is not a supported interview language (one of: {', '.join(options)})")


def _enum(name: str, value: str) -> str:
    options = ENUMS[name]
    key = value.strip().casefold()
    for attempt in (key, re.sub(r"[\s_]+", "-", key), re.sub(r"[\s\-]+", "_", key)):
        if attempt in options:
            return attempt
    raise _Bad(f"{_quote(value)} is not one of: {', '.join(options)}")


def _bool(value: str) -> bool:
    key = value.strip().casefold()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise _Bad(f"{_quote(value)} is not yes or no")


def _number(value: str) -> int | float:
    try:
        number = Decimal(value.strip().replace(" ", ""))
    except InvalidOperation:
        raise _Bad(f"{_quote(value)} is not a number") from None
    if not number.is_finite():
        raise _Bad(f"{_quote(value)} is not a number")
    return int(number) if number == number.to_integral_value() else float(number)


#: RFC 5322 dot-atom local part (plain ASCII): what nearly every address in a candidate list is.
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


@cache
def _email_domain(domain: str) -> str:
    """A domain checked once per file, not once per row (email-validator is the costly part)."""
    return validate_email(f"postmaster@{domain}", check_deliverability=False).ascii_domain


def _email(value: str) -> str:
    """Syntax check with email-validator; a plain address only has its domain checked by it (cached)."""
    text = value.strip()
    local, at, domain = text.rpartition("@")
    try:
        if at and len(local) <= 64 and len(text) <= 254 and _DOT_ATOM.match(local):
            return f"{local}@{_email_domain(domain.lower())}".lower()
    except EmailNotValidError:
        pass  # the full check below words the message
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise _Bad(f"{_quote(value)} is not a valid email address ({str(exc).rstrip('.')})") from None


_LINKEDIN = re.compile(r"^(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com/\S+$", re.IGNORECASE)


def _linkedin(value: str) -> str:
    url = value.strip()
    if not _LINKEDIN.match(url) or url.rstrip("/").lower().endswith("linkedin.com"):
        raise _Bad(f"{_quote(value)} is not a LinkedIn profile URL")
    return url if re.match(r"^https?://", url, re.IGNORECASE) else "https://" + url


def _object(value: str) -> dict:
    try:
        data = json.loads(value)
    except json.JSONDecodeError:
        raise _Bad(f"{_quote(value)} is not a JSON object") from None
    if not isinstance(data, dict):
        raise _Bad(f"{_quote(value)} is not a JSON object")
    return data


def normalise(name: str, value: str) -> object:
    """One field's text → the value to send. Raises _Bad with a message for the user."""
    kind = KINDS[name]
    if name in LONG_TEXT:
        return value.strip()
    text = " ".join(value.split())
    if name == "candidate_email":
        return _email(text)
    if name in COUNTRY_FIELDS:
        return country_code(text)
    if name == "mojito_language_code":
        return language_code(text)
    if name == "candidate_linkedin_url":
        return _linkedin(text)
    if kind == "enum":
        return _enum(name, text)
    if kind == "bool":
        return _bool(text)
    if kind == "number":
        return _number(text)
    if kind == "object":
        return _object(value)
    return text


_PYDANTIC_MESSAGES = {
    "missing": "is required",
    "string_too_short": "is required",
    "greater_than_equal": "{input} is below the minimum of {ge}",
    "less_than_equal": "{input} is above the maximum of {le}",
}


#: Fields whose values differ on (nearly) every row: not worth remembering.
UNIQUE = LONG_TEXT | {"candidate_name", "candidate_email", "candidate_linkedin_url", "candidate_external_id", "custom_scoring"}


@lru_cache(maxsize=1 << 16)
def _normalise_repeated(name: str, text: str) -> tuple[object, str | None]:
    """``normalise`` for values that repeat down a file (countries, positions…): each checked once.
    Returns (value, None) or (None, the problem); the values are all immutable."""
    try:
        return normalise(name, text), None
    except _Bad as exc:
        return None, str(exc)


class Validator:
    """Checks rows of one table against the contract, with batch defaults and CV files."""

    def __init__(
        self,
        columns: ColumnMap,
        *,
        defaults: Mapping[str, str] | None = None,
        cv_folders: Iterable[Path] = (),
    ) -> None:
        self.columns = columns
        self.defaults = {k: v for k, v in (defaults or {}).items() if v is not None and str(v).strip()}
        self.cv_folders = list(cv_folders)

    def _source(self, row: SourceRow) -> dict[str, tuple[str, str]]:
        """field → (column label for messages, raw text), row values first, then defaults."""
        out: dict[str, tuple[str, str]] = {}
        for name, index in self.columns.fields.items():
            text = row.cells[index] if index < len(row.cells) else ""
            if text.strip():
                out[name] = (self.columns.headers[index], text)
        for name, text in self.defaults.items():
            if name not in out:
                out[name] = (f"{name} (default)", str(text))
        return out

    def check(self, row: SourceRow) -> Candidate | list[Problem]:
        values: dict[str, object] = {}
        labels: dict[str, tuple[str, str]] = {}
        problems: list[Problem] = []
        for name, (label, text) in self._source(row).items():
            labels[name] = (label, text)
            try:
                if name == "candidate_resume" and cv_files.looks_like_file(text.strip()):
                    values[name] = cv_files.read_text(cv_files.find(text.strip(), self.cv_folders))
                elif name in UNIQUE:
                    values[name] = normalise(name, text)
                else:
                    values[name], problem = _normalise_repeated(name, text)
                    if problem is not None:
                        raise _Bad(problem)
            except (_Bad, cv_files.CvFileError) as exc:
                problems.append(Problem(row.row, label, name, text, str(exc)))
        try:
            candidate = Candidate(**values)
        except ValidationError as exc:
            failed = {p.field for p in problems}
            problems.extend(self._from_pydantic(row.row, exc, labels, failed))
        else:
            if not problems:
                return candidate
        return sorted(problems, key=lambda p: self._order(p.field))

    def _order(self, name: str) -> int:
        index = self.columns.fields.get(name)
        return index if index is not None else 10_000

    def _from_pydantic(
        self, row: int, exc: ValidationError, labels: dict[str, tuple[str, str]], failed: set[str]
    ) -> Iterable[Problem]:
        for error in exc.errors(include_url=False):
            if error["type"] == "position_fields_missing":
                names = [n.strip() for n in error["ctx"]["fields"].split(",")]
                for name in names:
                    if name not in failed:
                        yield Problem(
                            row, self.columns.header_of(name), name, "",
                            "is required when no position_def_set_id is given",
                        )  # fmt: skip
                continue
            name = str(error["loc"][0]) if error["loc"] else ""
            if name in failed:
                continue  # already explained by the normaliser
            label, text = labels.get(name, (self.columns.header_of(name), ""))
            template = _PYDANTIC_MESSAGES.get(error["type"])
            if error["type"] in ("missing", "string_too_short") and name in self.columns.fields:
                template = "is empty, and it is required"
            ctx = {**error.get("ctx", {}), "input": error.get("input")}
            message = template.format(**ctx) if template else f"{_quote(text)}: {error['msg']}"
            yield Problem(row, label, name, text, message)


def check_table(
    table: Table,
    columns: ColumnMap,
    *,
    defaults: Mapping[str, str] | None = None,
    cv_folders: Iterable[Path] = (),
) -> list[Checked]:
    """Validate every data row; later rows repeating an email for the same position are duplicates."""
    validator = Validator(columns, defaults=defaults, cv_folders=cv_folders)
    first_seen: dict[tuple[str, ...], int] = {}
    checked: list[Checked] = []
    for source in table.rows:
        result = validator.check(source)
        if isinstance(result, list):
            outcome = Outcome(
                row=source.row,
                status=Status.INVALID,
                reason="; ".join(str(p) for p in result),
                error_field=result[0].field,
            )
            checked.append(Checked(source, outcome=outcome, problems=result))
            continue
        key = enrolment_key(result)
        if key in first_seen:
            outcome = Outcome(
                row=source.row,
                status=Status.DUPLICATE,
                reason=f"same email and position as row {first_seen[key]}; not sent again",
                error_field="candidate_email",
            )
            checked.append(Checked(source, outcome=outcome))
            continue
        first_seen[key] = source.row
        checked.append(Checked(source, candidate=result))
    return checked
