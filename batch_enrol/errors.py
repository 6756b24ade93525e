"""The one exception tree of batch-enrol.

The library raises these; only the CLI turns them into a one-line message, a hint and an
exit code. Messages never carry the API token or any other secret.
"""

from __future__ import annotations

from .models import ExitCode


def some(items: list[str], shown: int = 4, width: int = 24) -> str:
    """A list for a one-line message: the first ``shown`` quoted (each cut in the middle to
    ``width`` characters), then "… and N more": ``'A', 'B', 'Long…name 7' … and 40 more``."""
    half = width // 2
    quoted = [repr(i if len(i) <= width else i[:half] + "…" + i[-(width - half - 1) :]) for i in items[:shown]]
    more = len(items) - shown
    return ", ".join(quoted) + (f" … and {more} more" if more > 0 else "")


def for_file(name: str, message: str) -> str:
    """``name: message``, without naming the file twice when the message names it already."""
    return message if message.startswith(name) else f"{name}: {message}"


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


class CrashedError(BatchEnrolError):
    """An unexpected error inside batch-enrol while processing one input (a bug)."""

    exit_code = ExitCode.CRASHED


class Cancelled(BatchEnrolError):
    """The user did not confirm the run: nothing was sent."""

    exit_code = ExitCode.INTERRUPTED
