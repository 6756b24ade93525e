"""Header → request field mapping: exact field names, built-in synonyms, a mapping file."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, InputFileError, some
from .schema import FIELDS, PARTS, REQUIRED

#: Headers users write for a field, besides the field's own name.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "candidate_name": ("Name", "Full name", "Candidate", "Candidate name"),
    "candidate_email": ("Email", "E-mail", "Email address", "E-mail address", "Candidate email", "Mail"),
    "candidate_country_code": ("Country", "Country code", "Candidate country"),
    "candidate_resume": ("Resume", "CV", "Resume text", "CV text", "Resume file", "CV file"),
    "position_name": ("Position", "Job title", "Job", "Role"),
    "position_location": ("Location", "Job location"),
    "position_country_code": ("Position country", "Job country", "Country of position"),
    "mojito_language_code": ("Language", "Interview language"),
    "candidate_linkedin_url": ("LinkedIn", "LinkedIn URL", "LinkedIn profile"),
    "candidate_external_id": ("Candidate ID", "External ID"),
    "interview_attempts": ("Attempts",),
    "position_external_id": ("Position ID", "Job ID"),
    "seniority_level": ("Seniority",),
    "candidate_video_introduction": ("Video intro", "Video introduction"),
    "is_embedded": ("Embedded",),
    "interview_template_id": ("Template", "Template ID", "Interview template"),
    "position_description": ("Job description", "Position description"),
    "max_duration": ("Duration (seconds)", "Max duration (seconds)", "Interview duration"),
    "tags": ("Labels", "Tag"),
    "interview_department": ("Department", "Dept"),
    "interview_salary": ("Salary", "Salary range"),
    "interview_available_till": ("Available till", "Available until", "Open until", "Closing date"),
    "interview_conversation_speed": ("Conversation speed", "Speaking speed"),
    "max_followups": ("Max follow-ups", "Follow-ups", "Follow-up questions"),
    "questions_random_subset": ("Random subset", "Questions subset", "Question subset"),
    "required_pronunciation": ("Pronunciation required", "Require pronunciation"),
    "result_enable_edit_transcript": ("Edit transcript", "Editable transcript"),
    "recruiter_profile_id": ("Recruiter", "Recruiter ID", "Recruiter profile"),
    "hiring_for_company.name": ("Hiring for", "Client company", "End employer"),
    "pdf_export_auto_config": ("PDF export", "PDF export config"),
}


#: Name columns HR systems export instead of one full name: together they make candidate_name.
NAME_PARTS: dict[str, tuple[str, ...]] = {
    "first": ("First name", "Given name", "Firstname", "Forename", "First"),
    "last": ("Last name", "Surname", "Family name", "Lastname", "Last"),
}


def normalise_header(text: str) -> str:
    """Case-insensitive, ignoring spaces, ``_``, ``-`` and a trailing ``*`` (required marker)."""
    return re.sub(r"[\s_\-*]+", "", text).casefold()


def _builtin_index() -> dict[str, str]:
    index = {normalise_header(f): f for f in (*FIELDS, *PARTS)}
    for field, names in SYNONYMS.items():
        for name in names:
            index.setdefault(normalise_header(name), field)
    return index


_INDEX = _builtin_index()
_PART_INDEX = {normalise_header(name): part for part, names in NAME_PARTS.items() for name in names}


def name_part(header: str) -> str | None:
    """``first`` or ``last`` when a header names part of the candidate's name, else None."""
    return _PART_INDEX.get(normalise_header(header))


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which column (0-based index into Table.headers) feeds which field."""

    fields: Mapping[str, int]  #: field → column index
    headers: tuple[str, ...]
    unmapped: tuple[str, ...]  #: headers that feed no field (kept in the output untouched)
    name_parts: tuple[int, ...] = ()  #: first-name and last-name columns, when no full-name column

    def header_of(self, field: str) -> str:
        """The user's own column name for a field (the field name if it has no column)."""
        index = self.fields.get(field)
        return self.headers[index] if index is not None else field


def load_mapping_file(path: Path) -> dict[str, str]:
    """Read a TOML mapping file: ``[columns]`` with ``"Their header" = "field_name"``.

    An empty field name (``"Notes" = ""``) means the column is not sent, even where its
    header would name a field by itself.
    """
    data = _read_toml(path)
    table = data.get("columns", {k: v for k, v in data.items() if k not in ("values", "defaults")})
    if not isinstance(table, dict):
        raise ConfigError(
            f"mapping file {path}: columns = {table!r} is not a table",
            hint='write [columns] then "Your header" = "field_name" lines',
        )
    mapping: dict[str, str] = {}
    for header, field in table.items():
        if not isinstance(field, str) or (field and field not in FIELDS and field not in PARTS):
            raise ConfigError(
                f"mapping file {path}: {header!r} maps to {field!r}, which is not a request field",
                hint="field names are listed by 'batch-enrol template' and in the README",
            )
        mapping[normalise_header(header)] = field
    return mapping


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"mapping file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"mapping file {path} is not valid TOML: {exc}") from None


def load_value_maps(path: Path) -> dict[str, dict[str, str]]:
    """A mapping file's ``[values.FIELD]`` tables: ``"Jugoslavija" = "RS"`` → field → {value: value}.

    A cell whose text (ignoring case and outer spaces) is a key is read as its value. Raises
    ConfigError for an unknown field or a value that is not text."""
    tables = _read_toml(path).get("values", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"mapping file {path}: [values] must hold one table per field, e.g. [values.candidate_country_code]")
    out: dict[str, dict[str, str]] = {}
    for field, table in tables.items():
        if field not in FIELDS or not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise ConfigError(
                f"mapping file {path}: [values.{field}] must be a request field's table of \"as written\" = \"value\"",
                hint="e.g. [values.candidate_country_code] with \"Jugoslavija\" = \"RS\"",
            )
        out[field] = {str(k).strip().casefold(): v for k, v in table.items()}
    return out


def load_mapping_defaults(path: Path) -> dict[str, str]:
    """A mapping file's ``[defaults]`` table: request field → value for rows that leave it empty (as ``--set``).

    Raises ConfigError for an unknown field or a value that is not text."""
    table = _read_toml(path).get("defaults", {})
    if not isinstance(table, dict) or not all(f in FIELDS and isinstance(v, str) for f, v in table.items()):
        raise ConfigError(f"mapping file {path}: [defaults] must hold request fields with text values",
                          hint='e.g. [defaults] then mojito_language_code = "en"')  # fmt: skip
    return {f: v.strip() for f, v in table.items() if v.strip()}


def mapping_toml(columns: Mapping[str, str], defaults: Mapping[str, str] | None = None) -> str:
    """A mapping file's text (the format ``load_mapping_file`` and ``load_mapping_defaults`` read):
    header → field ("" = not sent), then the values for the whole file that are set."""
    lines = ['# batch-enrol column mapping: "your header" = "request field" ("" = not sent)', "[columns]"]
    lines += [f"{json.dumps(header, ensure_ascii=False)} = {json.dumps(field)}" for header, field in columns.items()]
    chosen = {f: v.strip() for f, v in (defaults or {}).items() if v.strip()}
    if chosen:
        lines += ["", "# values for the whole file (as --set FIELD=VALUE)", "[defaults]"]
        lines += [f"{field} = {json.dumps(value, ensure_ascii=False)}" for field, value in chosen.items()]
    return "\n".join(lines) + "\n"


def match_header(header: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The field a header names, or None."""
    key = normalise_header(header)
    if not key:
        return None
    if extra and key in extra:
        return extra[key] or None  # "" = this column is not sent
    return _INDEX.get(key)


def count_known(cells: Iterable[str], extra: Mapping[str, str] | None = None) -> int:
    """How many distinct fields a candidate header row names (for header-row detection)."""
    return len({f for c in cells if (f := match_header(c, extra) or name_part(c))})


def map_columns(
    headers: tuple[str, ...],
    extra: Mapping[str, str] | None = None,
    defaults: Iterable[str] = (),
) -> ColumnMap:
    """Map a header row to fields; raise when two columns claim one field or a required one is absent."""
    fields: dict[str, int] = {}
    unmapped: list[str] = []
    parts: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = match_header(header, extra)
        if field is None:
            part = name_part(header)
            if part and part not in parts:
                parts[part] = index
            elif header.strip():
                unmapped.append(header)
            continue
        if field in fields:
            first = headers[fields[field]]
            raise InputFileError(
                f"columns {first!r} and {header!r} both map to {field}",
                hint="rename or remove one of them, or map them explicitly with --mapping",
            )
        fields[field] = index
    name_parts = (parts["first"], parts["last"]) if "candidate_name" not in fields and len(parts) == 2 else ()
    unmapped += [headers[i] for i in parts.values() if i not in name_parts]
    provided = set(fields) | set(defaults) | ({"candidate_name"} if name_parts else set())
    missing = [f for f in REQUIRED if f not in provided]
    if missing:
        unknown = some(list(unmapped), 3, 20) or "none"
        raise InputFileError(
            f"required column(s) missing: {', '.join(missing)} (unrecognised headers: {unknown})",
            hint="rename the columns, map them with --mapping FILE, or give a value with --set FIELD=VALUE",
        )
    return ColumnMap(fields=fields, headers=headers, unmapped=tuple(unmapped), name_parts=name_parts)
