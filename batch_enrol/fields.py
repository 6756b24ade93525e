"""Request fields → how a cell's text becomes the value sent: one normaliser per field.

Each field's kind comes from its type in ``schema.Candidate`` (never from the annotation's
text): ``enum`` (a Literal), ``bool``, ``number`` (int/float), ``object`` (a dict), ``array``
(a list), or ``text``. ``NORMALISERS`` maps every field to one callable ``str → value`` that
raises ``Bad`` with the message shown after the column name; a field named in ``SPECIAL``
has its own normaliser, every other one gets its kind's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import types
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from typing import Any

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel

from . import places
from .places import Bad, quote
from .schema import OBJECT_MODELS, Candidate

__all__ = ["ENUMS", "KINDS", "NORMALISERS", "Bad", "kind_of", "normalise"]

Normaliser = Callable[[str], Any]

#: Fields whose text keeps its line breaks and inner spacing.
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
TRUE = frozenset({"yes", "y", "true", "t", "1", "on"})
FALSE = frozenset({"no", "n", "false", "f", "0", "off"})


def _unwrap(annotation: Any) -> list[Any]:
    """The member types of an annotation, without None, Optional and Annotated."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [] if annotation is type(None) else [annotation]


def kind_of(annotation: Any) -> str:
    """``enum``, ``bool``, ``number``, ``object``, ``array`` or ``text`` for a field's type."""
    members = _unwrap(annotation)
    origins = {typing.get_origin(t) or t for t in members}
    if typing.Literal in origins:
        return "enum"
    if origins and origins <= {bool}:
        return "bool"
    if origins and origins <= {int, float}:
        return "number"
    if origins & {dict} or any(isinstance(t, type) and issubclass(t, BaseModel) for t in origins):
        return "object"
    if origins & {list, tuple, set, frozenset}:
        return "array"
    return "text"


def _enum_options(annotation: Any) -> tuple[str, ...]:
    return tuple(o for t in _unwrap(annotation) if typing.get_origin(t) is typing.Literal for o in typing.get_args(t))


KINDS: dict[str, str] = {name: kind_of(f.annotation) for name, f in Candidate.model_fields.items()}
ENUMS: dict[str, tuple[str, ...]] = {
    name: _enum_options(f.annotation) for name, f in Candidate.model_fields.items() if KINDS[name] == "enum"
}


# --- one normaliser per kind --------------------------------------------------------------


def _text(value: str) -> str:
    return " ".join(value.split())


def _long_text(value: str) -> str:
    return value.strip()


def _enum(options: tuple[str, ...], value: str) -> str:
    key = _text(value).casefold()
    for attempt in (key, re.sub(r"[\s_]+", "-", key), re.sub(r"[\s\-]+", "_", key)):
        if attempt in options:
            return attempt
    raise Bad(f"{quote(value)} is not one of: {', '.join(options)}")


def _bool(value: str) -> bool:
    key = _text(value).casefold()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise Bad(f"{quote(value)} is not yes or no")


def _number(value: str) -> int | float:
    value = getattr(value, "plain", value)  # a number cell: its number, not its shown "1,200"
    try:
        number = Decimal(_text(value).replace(" ", ""))
    except InvalidOperation:
        raise Bad(f"{quote(value)} is not a number") from None
    if not number.is_finite():
        raise Bad(f"{quote(value)} is not a number")
    return int(number) if number == number.to_integral_value() else float(number)


#: Object fields whose cell may hold plain text: the text is this part (``Acme`` → ``{"name": "Acme"}``).
PLAIN_TEXT_PART = {"hiring_for_company": "name"}


def _object(name: str, value: str) -> dict:
    """An object field's cell: a JSON object is the object; plain text is the object's name where it
    has one (``PLAIN_TEXT_PART``), else an error naming the JSON form. Text that looks like JSON
    (``{…}``, ``[…]``) but is not a JSON object is an error, never a name."""
    text = value.strip()
    if text[:1] in "{[":
        return _json(value, dict, unreadable="is not a JSON object", other="is not a JSON object")
    part = PLAIN_TEXT_PART.get(name)
    if part is None:
        example = ", ".join(f'"{p}": …' for p in list(OBJECT_MODELS[name].model_fields)[:2])
        raise Bad(f"{quote(value)} is not a JSON object: write it as {{{example}}}")
    return {part: _text(value)}


def _json(value: str, kind: type, *, unreadable: str, other: str) -> Any:
    """A cell's JSON of ``kind`` (dict or list); Bad saying ``unreadable`` or ``other`` otherwise."""
    try:
        data = json.loads(value.strip())
    except json.JSONDecodeError:
        raise Bad(f"{quote(value)} {unreadable}") from None
    if not isinstance(data, kind):
        raise Bad(f"{quote(value)} {other}")
    return data


def _part_or_object(parent: str, part_normaliser: Normaliser, value: str) -> Any:
    """A part's cell (``hiring_for_company.name``); a cell holding a JSON object is the whole object (a dict)."""
    if value.strip().startswith("{"):
        return _object(parent, value)
    return part_normaliser(value)


def _array(value: str) -> tuple:
    """A JSON array, or items separated by commas, semicolons or line breaks (a tuple: values are cached)."""
    text = value.strip()
    if text.startswith("["):
        data = _json(value, list, unreadable="is not a JSON array (or a comma-separated list)", other="is not a list")
        if any(isinstance(item, (dict, list)) or item is None for item in data):
            raise Bad(f"{quote(value)}: each item must be a word or a number, not a list, an object or null")
        return tuple(item if isinstance(item, str) else json.dumps(item) for item in data)
    return tuple(item for part in re.split(r"[,;\n]", text) if (item := _text(part)))


#: RFC 5322 dot-atom local part (plain ASCII): what nearly every address in a candidate list is.
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


@cache
def _email_domain(domain: str) -> str:
    """A domain checked once per file, not once per row (email-validator is the costly part)."""
    return validate_email(f"postmaster@{domain}", check_deliverability=False).ascii_domain


def _email(value: str) -> str:
    """Syntax check with email-validator; a plain address only has its domain checked by it (cached)."""
    text = _text(value)
    local, at, domain = text.rpartition("@")
    try:
        if at and len(local) <= 64 and len(text) <= 254 and _DOT_ATOM.match(local):
            return f"{local}@{_email_domain(domain.lower())}".lower()
    except EmailNotValidError:
        pass  # the full check below words the message
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Bad(f"{quote(value)} is not a valid email address ({str(exc).rstrip('.')})") from None


_LINKEDIN = re.compile(r"^(?:https?://)?(?:[a-z0-9-]+\.)*linkedin\.com/\S+$", re.IGNORECASE)


def _linkedin(value: str) -> str:
    url = _text(value)
    if not _LINKEDIN.match(url) or url.rstrip("/").lower().endswith("linkedin.com"):
        raise Bad(f"{quote(value)} is not a LinkedIn profile URL")
    return url if re.match(r"^https?://", url, re.IGNORECASE) else "https://" + url


def _date_time(value: str) -> str:
    """An ISO 8601 date or date-time (a spreadsheet's date cells are read as ISO text)."""
    text = _text(value)
    try:
        when = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        raise Bad(f"{quote(value)} is not a date (write it as 2026-12-31, or 2026-12-31 18:00)") from None
    return when.isoformat()


def _language(value: str) -> str:
    return places.language_code(_text(value), ENUMS["mojito_language_code"])


def _country(value: str) -> str:
    return places.country_code(_text(value))


BY_KIND: dict[str, Callable[[str], Normaliser]] = {
    "text": lambda name: _long_text if name in LONG_TEXT else _text,
    "enum": lambda name: partial(_enum, ENUMS[name]),
    "bool": lambda name: _bool,
    "number": lambda name: _number,
    "object": lambda name: partial(_object, name),
    "array": lambda name: _array,
}

#: Fields whose values need more than their kind's rule.
SPECIAL: dict[str, Normaliser] = {
    "candidate_email": _email,
    "candidate_country_code": _country,
    "position_country_code": _country,
    "mojito_language_code": _language,
    "candidate_linkedin_url": _linkedin,
    "interview_available_till": _date_time,
}

def _part_normaliser(annotation: Any) -> Normaliser:
    """The normaliser of one part of an object field (``hiring_for_company.name``), by the part's type."""
    kind = kind_of(annotation)
    if kind == "enum":
        return partial(_enum, _enum_options(annotation))
    return {"bool": _bool, "number": _number}.get(kind, _text)


#: Every request field, and every part of an object field (``hiring_for_company.name``) → its normaliser.
NORMALISERS: dict[str, Normaliser] = {name: SPECIAL.get(name) or BY_KIND[KINDS[name]](name) for name in Candidate.model_fields}
NORMALISERS.update(
    {
        f"{name}.{part}": partial(_part_or_object, name, _part_normaliser(f.annotation))
        for name, model in OBJECT_MODELS.items()
        for part, f in model.model_fields.items()
    }
)


def normalise(name: str, value: str) -> object:
    """One field's text → the value to send. Raises Bad with a message for the user."""
    return NORMALISERS[name](value)
