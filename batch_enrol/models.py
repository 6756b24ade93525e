"""The plain values that flow between the stages: SourceRow, Outcome, Status, ExitCode."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class ExitCode(enum.IntEnum):
    """Process exit codes; documented in the README."""

    OK = 0  #: every row reached an API decision or was a duplicate
    ROWS_FAILED = 1  #: some rows are invalid, error or not_sent
    USAGE = 2  #: usage, configuration or unreadable input
    API_REFUSED = 3  #: the API refused to go on (401/402/403); the run stopped
    CRASHED = 70  #: an unexpected error inside batch-enrol (a bug: please report it); EX_SOFTWARE
    INTERRUPTED = 130  #: interrupted (Ctrl-C)


class Status(enum.StrEnum):
    """The value of the ``enrol_status`` column."""

    AI_ACCEPT = "ai_accept"
    RECRUITER_ACCEPT = "recruiter_accept"
    RECRUITER_ACTION = "recruiter_action"
    AI_REJECT = "ai_reject"
    RECRUITER_REJECT = "recruiter_reject"
    ALREADY_APPLIED = "already-applied"
    ENROLLED = "enrolled"  #: enrolled by an earlier attempt of ours whose answer was lost; no decision known
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    ERROR = "error"
    NOT_SENT = "not_sent"

    @property
    def is_decision(self) -> bool:
        """True for rows the API enrolled or decided: never sent again (``enrolled`` included)."""
        return self in DECISIONS

    @property
    def is_failure(self) -> bool:
        """True for the statuses that need the user's attention (exit code 1)."""
        return self in FAILURES

    @property
    def is_reject(self) -> bool:
        return self in (Status.AI_REJECT, Status.RECRUITER_REJECT)


DECISIONS = frozenset(
    {
        Status.AI_ACCEPT,
        Status.RECRUITER_ACCEPT,
        Status.RECRUITER_ACTION,
        Status.AI_REJECT,
        Status.RECRUITER_REJECT,
        Status.ALREADY_APPLIED,
        Status.ENROLLED,
    }
)
FAILURES = frozenset({Status.INVALID, Status.ERROR, Status.NOT_SENT})


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row of the input, exactly as the user's file holds it (every cell as text)."""

    sheet: str
    row: int  #: the spreadsheet's own 1-based row number (what Excel shows)
    cells: tuple[str, ...]  #: raw text in column order, aligned with Table.headers


@dataclass(slots=True)
class Table:
    """One sheet of the input: its header, the rows above it, and its data rows."""

    path: Path
    sheet: str
    header_row: int  #: 1-based row number of the header row
    headers: tuple[str, ...]
    rows: list[SourceRow]
    preamble: list[tuple[str, ...]] = field(default_factory=list)  #: rows above the header
    format: str = "csv"  #: csv, xlsx, xls or ods
    encoding: str | None = None  #: CSV only: the encoding that decoded the file
    delimiter: str | None = None  #: CSV only
    bom: bool = False  #: CSV only: the file started with a byte-order mark
    first_column: int = 1  #: 1-based column of the first header cell (Excel only)
    sheet_names: tuple[str, ...] = ()  #: every sheet of the workbook (Excel only)

    def values(self, row: SourceRow) -> dict[str, str]:
        """Cells of one row by their original header (later duplicates of a header are dropped)."""
        out: dict[str, str] = {}
        for header, value in zip(self.headers, row.cells, strict=False):  # a short row's missing cells are empty
            out.setdefault(header, value)
        return out


@dataclass(slots=True)
class Outcome:
    """What happened to one input row. Every row gets exactly one."""

    row: int
    status: Status
    reason: str = ""
    error_field: str = ""
    http_status: int | None = None
    attempts: int = 0
    position_def_set_id: str = ""
    interview_def_set_id: str = ""
    profile_interview_id: str = ""
    interview_url: str = ""
    embed_id: str = ""
    processed_at: str = ""


#: The result columns appended to the user's columns, in this order.
RESULT_COLUMNS: tuple[str, ...] = (
    "enrol_status",
    "enrol_reason",
    "interview_url",
    "enrol_error_field",
    "http_status",
    "attempts",
    "position_def_set_id",
    "interview_def_set_id",
    "profile_interview_id",
    "embed_id",
    "processed_at",
)


def result_cells(outcome: Outcome) -> tuple[object, ...]:
    """The values of RESULT_COLUMNS for one outcome, in order."""
    return (
        outcome.status.value,
        outcome.reason,
        outcome.interview_url,
        outcome.error_field,
        outcome.http_status if outcome.http_status is not None else "",
        outcome.attempts,
        outcome.position_def_set_id,
        outcome.interview_def_set_id,
        outcome.profile_interview_id,
        outcome.embed_id,
        outcome.processed_at,
    )
