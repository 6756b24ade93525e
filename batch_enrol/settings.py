"""Settings: every option of a run, validated; each type, range, unit and default declared once.

Where values come from, highest first (``Settings.load``): flags or keyword arguments > the
environment (``JOBMOJITO_<KEY>``, e.g. ``JOBMOJITO_CONCURRENCY``) > a ``.env`` file (the same
names) > a TOML config file (the keys below, plus ``[defaults]`` and ``[columns]`` tables) >
the defaults declared here. The CLI, the web app and Python callers share this one layering.

A bad value from any source is a ``ConfigError`` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import annotated_types
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .columns import normalise_header
from .errors import ConfigError
from .redaction import check_token
from .schema import FIELDS, PARTS, PRODUCTION_BASE_URL
from .sources import (  # noqa: F401  (Secret, ENV_TOKEN and token_from are used from here too)
    ENV_TOKEN,
    Secret,
    load_config_file,
    parse_assignments,
    read_dotenv,
    read_token_file,
    token_from,
)

ENV_PREFIX = "JOBMOJITO_"
log = logging.getLogger("batch_enrol")
ENV_BASE_URL = "JOBMOJITO_BASE_URL"
#: The token a sandbox run sends (the simulator accepts it; it is no secret).
SANDBOX_TOKEN = "sandbox-token"
MB = 1024 * 1024  #: bytes in one ``max_file_mb`` unit


def _secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(check_token(value.strip(), "the token"))
    raise ValueError("must be text")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class Settings(BaseModel):
    """Everything a run can be told; keyword-only, every field has a default, all validated.

    Build it directly (``Settings(sandbox=True, rate=20)``) or with the layering of the CLI
    (``Settings.load(...)``). Times are in seconds unless the name or description says minutes;
    sizes are in the unit the description names. Raises ``ConfigError`` for a bad value.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        arbitrary_types_allowed=True,
        coerce_numbers_to_str=True,
    )

    sandbox: bool = Field(False, description="Use the built-in simulator instead of the real API (no account needed).")
    base_url: str = Field(PRODUCTION_BASE_URL, description="API base URL (https; http only to a loopback address).")
    token: Annotated[Secret, BeforeValidator(_secret)] = Field(
        default_factory=lambda: Secret(""), description="The API token (the Supabase access token of your account)."
    )
    concurrency: Annotated[int, Field(ge=1, le=256)] | Literal["auto"] = Field(
        "auto",
        description="Calls in flight at once: auto (found from the API's answers) or a fixed number.",
        json_schema_extra={"allowed": "auto, or a whole number from 1 to 256"},
    )
    max_concurrency: int = Field(64, ge=1, le=256, description="The most calls in flight --concurrency auto may reach.")
    rate: Annotated[float, Field(ge=0.01)] | Literal["auto"] = Field(
        "auto",
        description="Calls started per second: auto (found from the API's answers) or at most this many.",
        json_schema_extra={"allowed": "auto, or a number of calls per second, at least 0.01"},
    )
    max_rate: float = Field(100.0, ge=0.01, description="The most calls per second --rate auto may reach.")
    token_command: str | None = Field(
        None, description="Command that prints a fresh API token (run at the start, near its expiry and after a 401)."
    )
    token_file: Path | None = Field(None, description="File holding the API token (read again after a 401).")
    max_attempts: int = Field(5, ge=1, le=50, description="Attempts per row for retryable failures.")
    give_up_after: float = Field(
        30.0, gt=0, description="Minutes without a successful call before stopping.", json_schema_extra={"unit": "MINUTES"}
    )
    connect_timeout: float = Field(
        10.0, gt=0, description="Seconds to wait for a connection.", json_schema_extra={"unit": "SECONDS"}
    )
    read_timeout: float = Field(
        180.0,
        gt=0,
        description="Seconds to wait for an answer (above the platform's own 150).",
        json_schema_extra={"unit": "SECONDS"},
    )
    write_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait while sending a request.", json_schema_extra={"unit": "SECONDS"}
    )
    call_deadline: float = Field(
        240.0,
        gt=0,
        description="Seconds a whole call may take, however slowly its answer trickles in (then a retryable timeout).",
        json_schema_extra={"unit": "SECONDS"},
    )
    backoff_base: float = Field(
        1.0, gt=0, description="Seconds of the first retry wait (doubling after).", json_schema_extra={"unit": "SECONDS"}
    )
    min_throttle_wait: float = Field(
        5.0, ge=0, description="Seconds to wait at least after a 429.", json_schema_extra={"unit": "SECONDS"}
    )
    ca_bundle: Path | None = Field(None, description="CA bundle for TLS (corporate proxies).")
    sheet: str | None = Field(None, description="Sheet to read (default: the first visible sheet with a header row).")
    mapping: dict[str, str] = Field(default_factory=dict, description="Your header → request field ('' = not sent).")
    defaults: dict[str, str] = Field(default_factory=dict, description="Request field → value for rows that leave it empty.")
    resumes_dir: Path | None = Field(None, description="The one folder resume files named in the resume column are read from.")
    max_resume_mb: float = Field(
        2.0, gt=0, description="Most text a resume file may expand to, in MB.", json_schema_extra={"unit": "MB"}
    )
    max_resume_chars: int = Field(100_000, ge=1, description="Most characters kept from a resume file.")
    max_file_mb: float = Field(512.0, gt=0, description="Largest input file accepted, in MB.", json_schema_extra={"unit": "MB"})
    max_rows: int = Field(1_000_000, ge=1, description="Most data rows accepted.")
    max_cell_chars: int = Field(1_000_000, ge=1, description="Longest cell accepted, in characters.")
    max_columns: int = Field(1_000, ge=1, description="Most columns accepted.")
    encoding: str | None = Field(None, description="CSV only: the file's encoding, e.g. windows-1250 (default: detected).")
    delimiter: str | None = Field(None, description="CSV only: the delimiter, e.g. ';' or tab (default: detected).")
    min_resume_chars: int = Field(15, ge=1, description="Shortest resume text accepted, in characters.")
    value_maps: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Request field → {value as written: value sent}, from a mapping file's [values.FIELD]."
    )
    checkpoint_every: float = Field(
        30.0, gt=0, description="Seconds before the first checkpoint write of the output, and the least between two.", json_schema_extra={"unit": "SECONDS"}
    )
    progress: Literal["auto", "bar", "log", "none"] = Field("auto", description="How progress is shown.")
    fail_on: Literal["reject", "invalid", "error", "never"] = Field("invalid", description="What makes the exit code 1.")
    credits_per_candidate: float = Field(
        0.25, ge=0, description="Credits one enrolment costs, for the estimate said before sending (JobMojito's mid-2025 price).",
        json_schema_extra={"unit": "CREDITS"},
    )  # fmt: skip
    verbose: bool = Field(False, description="More detail (never tokens or resumes).")

    @model_validator(mode="wrap")
    @classmethod
    def _as_config_error(cls, values: Any, handler: Any, info: ValidationInfo) -> Settings:
        """Any invalid value → ConfigError naming the key (and, from ``load``, its source)."""
        origins = (info.context or {}).get("origins", {})
        _no_booleans_for_numbers(cls.model_fields, values, origins)
        try:
            return handler(values)
        except ValidationError as exc:
            raise _config_error(exc, values if isinstance(values, Mapping) else {}, origins) from None

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes."""
        return int(self.max_file_mb * MB)

    @property
    def max_resume_bytes(self) -> int:
        """``max_resume_mb`` in bytes (decompressed bytes read from one resume file)."""
        return int(self.max_resume_mb * MB)

    def replace(self, **changes: Any) -> Settings:
        """A validated copy with ``changes`` applied (ConfigError for a bad value)."""
        return type(self)(**{**{name: getattr(self, name) for name in type(self).model_fields}, **changes})

    @field_validator("base_url", mode="after")
    @classmethod
    def _base_url(cls, value: str, info: ValidationInfo) -> str:
        value = value.rstrip("/")
        if not info.data.get("sandbox"):
            check_base_url(value)
        return value

    @field_validator("mapping", mode="before")
    @classmethod
    def _mapping(cls, value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise ValueError('must be a table of "your header" = "request field"')
        out = {}
        for header, field in value.items():
            if not isinstance(field, str) or (field and field not in FIELDS and field not in PARTS):
                raise ValueError(f"{header!r} maps to {field!r}, which is not a request field")
            out[normalise_header(str(header))] = field
        return out

    @field_validator("defaults", mode="before")
    @classmethod
    def _defaults(cls, value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise ValueError("must be a table of request field = value")
        unknown = sorted(set(value) - set(FIELDS) - set(PARTS))
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)} (field names are the request fields listed in the README)")
        return {str(k): _text(v) for k, v in value.items() if v is not None and _text(v).strip()}

    @classmethod
    def load(
        cls,
        flags: Mapping[str, Any] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        dotenv: Path | None = None,
        config_file: Path | None = None,
    ) -> Settings:
        """Settings from every source, highest first: ``flags`` > ``env`` > ``dotenv`` > ``config_file``.

        ``flags``: setting name → value (``None`` = not given); three extra keys: ``token_file``
        (a file holding the token), ``mapping_file`` (a TOML ``[columns]`` file, merged over the
        config file's) and ``set`` (``FIELD=VALUE`` strings, merged over ``[defaults]``).
        ``env``: defaults to ``os.environ``; ``dotenv``: defaults to ``.env`` in the working
        directory (missing is fine). Raises ``ConfigError`` naming the key, the value, where it
        came from and what is allowed.
        """
        values: dict[str, Any] = {}
        origins: dict[str, str] = {}
        if config_file is not None:
            _layer(values, origins, load_config_file(Path(config_file)),
                   lambda k: f"{'columns' if k == 'mapping' else k} in {config_file}")  # fmt: skip
        dotenv_path = Path(dotenv) if dotenv is not None else Path.cwd() / ".env"
        _layer(values, origins, _from_env(read_dotenv(dotenv_path), where=dotenv_path),
               lambda k: f"{ENV_PREFIX}{k.upper()} in {dotenv_path.name}")  # fmt: skip
        _layer(values, origins, _from_env(os.environ if env is None else env), lambda k: f"{ENV_PREFIX}{k.upper()}")
        flags = {k: v for k, v in (flags or {}).items() if v is not None}
        extra = {k: flags.pop(k) for k in ("mapping_file", "set") if k in flags}
        if flags.get("token_file") is not None:
            flags["token"] = read_token_file(Path(flags["token_file"]))
        if extra.get("mapping_file") is not None:
            from .columns import load_mapping_defaults, load_mapping_file, load_value_maps

            flags["mapping"] = {**values.get("mapping", {}), **load_mapping_file(Path(extra["mapping_file"]))}
            flags["value_maps"] = load_value_maps(Path(extra["mapping_file"]))
            if found := load_mapping_defaults(Path(extra["mapping_file"])):
                flags["defaults"] = {**values.get("defaults", {}), **found}
        if extra.get("set"):
            flags["defaults"] = {**values.get("defaults", {}), **flags.get("defaults", {}), **parse_assignments(extra["set"])}
        _layer(values, origins, flags, lambda k: f"--{k.replace('_', '-')}")
        if isinstance(values.get("token"), str):
            values["token"] = check_token(values["token"].strip(), origins["token"])
        unknown = sorted(set(values) - set(cls.model_fields))
        if unknown:
            raise ConfigError(
                f"unknown setting {origins[unknown[0]]}",
                hint=f"settings are: {', '.join(sorted(cls.model_fields))}",
            )
        return cls.model_validate(values, context={"origins": origins})  # the wrap validator raises ConfigError


def _no_booleans_for_numbers(fields: Mapping[str, Any], values: Any, origins: Mapping[str, str]) -> None:
    """ConfigError for ``true``/``false`` given to a setting that is no flag (``concurrency = true`` is not 1)."""
    for name, value in values.items() if isinstance(values, Mapping) else ():
        field = fields.get(name)
        if isinstance(value, bool) and field is not None and field.annotation is not bool:
            raise ConfigError(f"{origins.get(name, name)} = {str(value).lower()}: true/false is not a value here",
                              hint=f"{name}: {allowed(name)}")  # fmt: skip


def _layer(values: dict[str, Any], origins: dict[str, str], new: Mapping[str, Any], origin: Any) -> None:
    for key, value in new.items():
        values[key] = value
        origins[key] = origin(key)


#: Command-line options that are no settings: a variable of that name would be ignored, so it is refused.
FLAG_ONLY = {"MAPPING": "--mapping", "CONFIG": "--config", "TOKEN_FILE": "--token-file", "SET": "--set"}


def _from_env(env: Mapping[str, str], where: Path | None = None) -> dict[str, str]:
    """``JOBMOJITO_<KEY>`` variables that name a setting → key: value (empty ones are not set).

    A ``JOBMOJITO_`` name that is no setting: ConfigError in a .env file (``where``); in the
    environment a warning line (other JobMojito tools may share the prefix). A name of an
    option that is command-line only (``JOBMOJITO_MAPPING``, ``JOBMOJITO_CONFIG``) is ConfigError in both.
    """
    keys = {ENV_PREFIX + n.upper() for n in Settings.model_fields if n not in ("mapping", "defaults", "value_maps")}
    for name in sorted(k for k in env if k.startswith(ENV_PREFIX) and k not in keys):
        rest = name.removeprefix(ENV_PREFIX)
        suffix = f" in {where}" if where else ""
        if rest in FLAG_ONLY:
            raise ConfigError(f"{name}{suffix} is not read: use {FLAG_ONLY[rest]} instead", hint=f"unset {name}")
        close = difflib.get_close_matches(name, sorted(keys), n=1)
        hint = f"did you mean {close[0]}?" if close else f"settings are: {', '.join(sorted(keys))}"
        if where is not None:
            raise ConfigError(f"unknown setting {name} in {where}", hint=hint)
        log.warning("%s is no batch-enrol setting and is ignored (%s)", name, hint)
    out = {}
    for name in Settings.model_fields:
        if name in ("mapping", "defaults", "value_maps"):
            continue
        value = env.get(ENV_PREFIX + name.upper())
        if value is not None and value.strip():
            out[name] = value.strip()
    return out


def allowed(name: str) -> str:
    """What a setting accepts, in words (for messages and help): type, range, unit."""
    info = Settings.model_fields[name]
    annotation = info.annotation
    if isinstance(info.json_schema_extra, dict) and "allowed" in info.json_schema_extra:
        return str(info.json_schema_extra["allowed"])
    if getattr(annotation, "__origin__", None) is Literal:
        return "one of: " + ", ".join(annotation.__args__)
    words = {int: "a whole number", float: "a number", bool: "true or false", dict: "a table"}
    kind = words.get(annotation, words.get(getattr(annotation, "__origin__", None), "text"))
    for rule in info.metadata:
        if isinstance(rule, annotated_types.Ge):
            kind += f", at least {rule.ge:g}"
        elif isinstance(rule, annotated_types.Gt):
            kind += f", above {rule.gt:g}"
        elif isinstance(rule, annotated_types.Le):
            kind += f", at most {rule.le:g}"
    unit = (info.json_schema_extra or {}).get("unit") if isinstance(info.json_schema_extra, dict) else None
    return kind + (f" ({str(unit).lower()})" if unit else "")


def _config_error(exc: ValidationError, values: Mapping[str, Any], origins: Mapping[str, str]) -> ConfigError:
    error = exc.errors(include_url=False)[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    where = origins.get(name, name)
    if name not in Settings.model_fields:
        return ConfigError(f"unknown setting {where}", hint=f"settings are: {', '.join(sorted(Settings.model_fields))}")
    shown = "(hidden)" if name == "token" else _short(values.get(name))
    reason = str(error["msg"]).removeprefix("Value error, ")
    return ConfigError(f"{where} = {shown}: {reason}", hint=f"{name}: {allowed(name)}")


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> None:
    """Only https, except plain http to a loopback address (the sandbox on this machine)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"base URL {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"refusing plain http:// to {parts.hostname}: the token would travel unencrypted "
            "(use https://, or http://127.0.0.1 for a local sandbox)"
        )
