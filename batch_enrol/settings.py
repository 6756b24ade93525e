"""Settings: from flags, the environment (``JOBMOJITO_*``), a ``.env`` file and an optional TOML file."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .client import Timeouts
from .errors import ConfigError
from .redaction import check_token
from .schema import FIELDS, PARTS, PRODUCTION_BASE_URL

ENV_TOKEN = "JOBMOJITO_TOKEN"
ENV_BASE_URL = "JOBMOJITO_BASE_URL"


class Secret:
    """A string that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a run can be told. Keyword-only; every field has a sensible default."""

    base_url: str = PRODUCTION_BASE_URL
    token: Secret = field(default_factory=lambda: Secret(""))
    sandbox: bool = False
    concurrency: int = 8
    rate: float = 5.0
    max_attempts: int = 5
    timeouts: Timeouts = Timeouts()
    give_up_after: float = 30 * 60.0
    backoff_base: float = 1.0
    min_throttle_wait: float = 5.0
    ca_bundle: Path | None = None
    sheet: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)  #: normalised header → field
    defaults: Mapping[str, str] = field(default_factory=dict)  #: field → value for empty cells
    resumes_dir: Path | None = None
    max_resume_bytes: int = 2 * 1024 * 1024  #: decompressed bytes read from one resume file
    max_resume_chars: int = 100_000  #: characters of text kept from one resume file
    max_file_bytes: int = 512 * 1024 * 1024
    max_rows: int = 1_000_000
    max_cell_chars: int = 1_000_000
    max_columns: int = 1_000
    checkpoint_every: float = 30.0
    progress: str = "auto"  #: auto, bar, log or none
    credits_per_candidate: float = 0.25  #: for the estimate before sending (JobMojito's mid-2025 price)
    fail_on: str = "invalid"  #: reject, invalid, error or never (see pipeline.FAIL_ON)
    verbose: bool = False

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ConfigError("--concurrency must be at least 1")
        if not self.rate > 0:
            raise ConfigError("--rate must be above 0")
        if self.fail_on not in {"reject", "invalid", "error", "never"}:
            raise ConfigError(f"fail_on must be reject, invalid, error or never, not {self.fail_on!r}")
        if not self.credits_per_candidate >= 0:
            raise ConfigError("--credits-per-candidate must be 0 or more")
        if self.max_attempts < 1:
            raise ConfigError("--max-attempts must be at least 1")
        unknown = sorted(set(self.defaults) - set(FIELDS) - set(PARTS))
        if unknown:
            raise ConfigError(
                f"unknown field(s) in defaults: {', '.join(unknown)}",
                hint="field names are the request fields listed in the README",
            )
        if not self.sandbox:
            check_base_url(self.base_url)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


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
        raise ConfigError(f"base URL {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing plain http:// to {parts.hostname}: the token would travel unencrypted",
            hint="use https://, or http://127.0.0.1 for a local sandbox",
        )


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``--set FIELD=VALUE`` items → dict."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ConfigError(f"--set {item!r} is not FIELD=VALUE", hint="e.g. --set mojito_language_code=en")
        if name not in FIELDS and name not in PARTS:
            raise ConfigError(f"--set {name}: not a request field", hint="field names are listed in the README")
        out[name] = value.strip()
    return out


def load_config_file(path: Path) -> dict[str, Any]:
    """A TOML config: top-level settings (concurrency, rate, …) and a ``[defaults]`` table."""
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    if "token" in data:
        raise ConfigError(
            f"config file {path} holds a token: keep it in {ENV_TOKEN} or --token-file instead",
        )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"config file {path}: [defaults] must be a table")
    data["defaults"] = {k: _text(v) for k, v in defaults.items()}
    return data


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_dotenv(path: Path) -> dict[str, str]:
    """The ``KEY=VALUE`` lines of a .env file (quotes stripped); empty if there is none."""
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text("utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        out[key.strip()] = value.strip().strip("'\"")
    return out


def token_from(env: Mapping[str, str], token_file: Path | None, cwd: Path) -> Secret:
    """The API token: --token-file, else JOBMOJITO_TOKEN, else a .env in the working directory."""
    if token_file is not None:
        try:
            text = Path(token_file).read_text("utf-8", errors="replace").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the token file {token_file}: {exc.strerror}") from None
        return Secret(check_token(text, f"the token file {token_file}"))
    if env.get(ENV_TOKEN):
        return Secret(check_token(env[ENV_TOKEN].strip(), f"the variable {ENV_TOKEN}"))
    return Secret(check_token(read_dotenv(cwd / ".env").get(ENV_TOKEN, "").strip(), f"{ENV_TOKEN} in {cwd / '.env'}"))


def base_url_from(flag: str | None, env: Mapping[str, str] = os.environ) -> str:
    return (flag or env.get(ENV_BASE_URL) or PRODUCTION_BASE_URL).rstrip("/")
