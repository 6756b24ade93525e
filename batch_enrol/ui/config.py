"""How the web app is started: where it listens, who may use it, where it keeps files, which token it uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..settings import ENV_TOKEN, Secret, Settings, is_loopback, token_from

ENV_PASSWORD = "BATCH_ENROL_UI_PASSWORD"


def default_data_dir() -> Path:
    """Where uploads, outputs and journals live: %LOCALAPPDATA%\\batch-enrol on Windows, ~/.batch-enrol elsewhere."""
    local = os.environ.get("LOCALAPPDATA")
    return Path(local) / "batch-enrol" if os.name == "nt" and local else Path.home() / ".batch-enrol"


@dataclass(frozen=True, kw_only=True)
class UiConfig:
    """Everything the web app is started with. Sizes in bytes."""

    settings: Settings  #: the run settings every upload starts from (base URL, rate, limits…)
    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    password: Secret = field(default_factory=lambda: Secret(""))
    max_upload_bytes: int = 50 * 1024 * 1024  #: one upload request, all its files together
    max_upload_files: int = 200  #: files in one upload (the sheet and its CV files)
    max_unzipped_bytes: int = 200 * 1024 * 1024  #: all CV files of one upload, unpacked (zips included), together

    @property
    def token_file(self) -> Path:
        """The token saved from the settings page: inside the data folder, never under the web root."""
        return self.data_dir / "token"

    def token(self, env: dict[str, str] | None = None, cwd: Path | None = None) -> Secret:
        """The API token now: the settings page's, else JOBMOJITO_TOKEN, else ./.env (read each time it is needed)."""
        saved = self.token_file if self.token_file.is_file() else None
        return token_from(dict(os.environ if env is None else env), saved, cwd or Path.cwd())

    def token_source(self) -> str:
        """Where the token comes from, in words (the token itself is never shown)."""
        if self.settings.sandbox:
            return "not needed: this is the practice server"
        if self.token_file.is_file():
            return "saved on this computer (settings page)"
        if os.environ.get(ENV_TOKEN):
            return f"from the {ENV_TOKEN} environment variable"
        return "from the .env file" if self.token() else "not set yet"


def check_bind(host: str, password: Secret) -> list[str]:
    """Refuse to listen beyond this computer without a password; return the warnings to print.

    Raises ConfigError when ``host`` is not a loopback address and ``password`` is empty.
    """
    if is_loopback(host):
        return []
    if not password:
        raise ConfigError(
            f"refusing to listen on {host} without a password: anyone on the network could enrol candidates",
            hint=f"set {ENV_PASSWORD}, or keep the default --host 127.0.0.1",
        )
    return [
        f"listening on {host}: the password and candidate data travel unencrypted; "
        "put the app behind a TLS proxy (https) before using it over a network"
    ]
