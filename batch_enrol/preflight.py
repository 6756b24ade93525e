"""Checks made before anything is sent: the output is writable and ours, the token is usable.

Nothing is sent before everything that can be checked has been (the file is checked by the
validator, the settings by ``Settings``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from . import writer
from .dispatcher.policy import policy_from
from .errors import ConfigError, OutputError
from .files import check_writable_file
from .redaction import check_token
from .settings import SANDBOX_TOKEN, Settings
from .tokens import TokenSource, jwt_expiry


def resolve_output(path: Path, out: Path | None) -> Path:
    """The output file for input ``path``: ``out``, else ``<stem>.enrolled.<ext>`` beside it; never the input."""
    out = Path(out) if out is not None else writer.default_output(path)
    if out.resolve() == Path(path).resolve():
        raise OutputError(f"the output {out} is the input itself", hint="choose another --out")
    check_writable_file(out, "the output")  # a folder, or one that cannot be written: refused before anything is sent
    return out


def journal_path_for(out: Path) -> Path:
    """The journal kept beside an output: ``<out>.journal.sqlite``."""
    return out.with_name(out.name + ".journal.sqlite")


def prepare_output(path: Path, out: Path | None, journal: Path | None, *, fresh: bool, force: bool,
                   own: bool = False) -> tuple[Path, Path]:  # fmt: skip
    """(output, journal) for one run; OutputError when the output exists and is not this command's own
    (an output with its journal beside it is, and so is a marked output updated in place: ``own``, which
    may be the input itself), unless ``force``. ``fresh`` deletes the journal."""
    out = Path(out) if own and out is not None else resolve_output(path, out)
    journal_file = Path(journal) if journal else journal_path_for(out)
    if out.exists() and not force and not own and not journal_file.exists():
        raise OutputError(f"{out} already exists", hint="use --force to replace it, or choose another --out")
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(journal_file) + suffix).unlink(missing_ok=True)
    return out, journal_file


def preflight_token(token: str, rows: int, settings: Settings, warnings: list[str]) -> None:
    """ConfigError when a JWT token has expired; a warning when it expires before ``rows`` can be sent."""
    expiry = jwt_expiry(token)
    if expiry is None or settings.token_command:  # a token command renews it before it expires
        return
    left = expiry - time.time()
    if left <= 0:
        raise ConfigError(
            "the API token expired " + datetime.fromtimestamp(expiry, UTC).strftime("%Y-%m-%d %H:%M UTC"),
            hint="get a fresh token and set JOBMOJITO_TOKEN again",
        )
    estimate = rows / policy_from(settings).expected_rate
    if estimate > left:
        warnings.append(
            f"the token expires in {left / 60:.0f} min, the run may take about {estimate / 60:.0f} min: "
            "if it stops with exit code 3, renew the token and re-run the same command"
        )


def token_source(settings: Settings) -> TokenSource:
    """Where the run's token comes from: ``--token-command`` (run now), else the token as given,
    with ``--token-file`` read again after a 401. ConfigError when the command fails."""
    if settings.token_command:
        return TokenSource(command=settings.token_command)
    return TokenSource(settings.token.get(), file=settings.token_file)


def run_token(settings: Settings, rows: int, warnings: list[str], tokens: TokenSource | None = None) -> str:
    """The token to send for ``rows`` rows (the simulator's with ``sandbox``; else ``tokens``' or the
    settings'); ConfigError when missing, malformed or expired."""
    if settings.sandbox:
        token = SANDBOX_TOKEN
    else:
        token = tokens.token if tokens is not None else settings.token.get()
    if not token:
        raise ConfigError(
            "no API token: set JOBMOJITO_TOKEN (or use --token-file or --token-command, or --sandbox to try it locally)",
            hint="the token is the Supabase access token of your JobMojito account",
        )
    check_token(token, "the API token")
    preflight_token(token, rows, settings, warnings)
    return token
