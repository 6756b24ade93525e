"""The one exception tree of batch-enrol.

The library raises these; only the CLI turns them into a one-line message, a hint and an
exit code. Messages never carry the API token or any other secret.
"""

from __future__ import annotations

from .models import ExitCode


class BatchEnrolError(Exception):
    """Base of every error batch-enrol raises on purpose."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(BatchEnrolError):
    """A setting, flag, mapping file or config file is wrong."""


class InputFileError(BatchEnrolError):
    """The input file cannot be read as a candidate list."""


class OutputError(BatchEnrolError):
    """An output cannot be written where it was asked for."""


class Cancelled(BatchEnrolError):
    """The user did not confirm the run: nothing was sent."""

    exit_code = ExitCode.INTERRUPTED
