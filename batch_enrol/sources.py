"""Where settings are read from besides flags: ``.env`` files, TOML config files, token files,
``--set`` assignments; and ``Secret``, the string that never shows itself."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .redaction import check_token
from .schema import FIELDS, PARTS

ENV_TOKEN = "JOBMOJITO_TOKEN"


class Secret:
    """A string that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
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
    """A TOML config: settings at the top level, a ``[defaults]`` table and a ``[columns]`` table."""
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    if "token" in data:
        raise ConfigError(f"config file {path} holds a token: keep it in {ENV_TOKEN} or --token-file instead")
    if "columns" in data:
        data["mapping"] = data.pop("columns")
    return data


def read_dotenv(path: Path) -> dict[str, str]:
    """The ``KEY=VALUE`` lines of a .env file (matching quotes stripped); empty if there is none.

    ConfigError (exit 2) naming the file and line for a line that is not ``KEY=VALUE`` or has an
    unclosed quote: a broken line is never skipped silently.
    """
    if not path.is_file():
        return {}
    out = {}
    for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or " " in key:
            raise ConfigError(f"{path} line {number} is not KEY=VALUE", hint="fix or remove the line (# starts a comment)")
        if value[:1] in ("'", '"'):
            if len(value) < 2 or value[-1] != value[0]:
                raise ConfigError(f"{path} line {number} ({key}): the quote is not closed",
                                  hint=f"close it: {key}={value[0]}…{value[0]}")  # fmt: skip
            value = value[1:-1]
        out[key] = value
    return out


def read_token_file(path: Path) -> Secret:
    """The API token held in a file (surrounding whitespace dropped); ConfigError if malformed."""
    try:
        text = Path(path).read_text("utf-8", errors="replace").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc.strerror}") from None
    if not text:
        raise ConfigError(f"the token file {path} is empty", hint="put the API token in it, alone on one line")
    return Secret(check_token(text, f"the token file {path}"))


def token_from(env: Mapping[str, str], token_file: Path | None, cwd: Path) -> Secret:
    """The API token alone: ``token_file``, else ``JOBMOJITO_TOKEN`` in ``env``, else in ``cwd/.env``."""
    if token_file is not None:
        return read_token_file(token_file)
    for source, where in ((env, ENV_TOKEN), (read_dotenv(cwd / ".env"), f"{ENV_TOKEN} in {cwd / '.env'}")):
        if source.get(ENV_TOKEN, "").strip():
            return Secret(check_token(source[ENV_TOKEN].strip(), where))
    return Secret("")
