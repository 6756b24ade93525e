"""The plain values that flow between the stages: SourceRow, Outcome, Status, ExitCode."""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping
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
    sheet_names: tuple[str, ...] = ()  #: every sheet of the workbook (Excel only)
    blank_formulas: Collection[tuple[int, int]] = frozenset()  #: (row, column), 1-based: formulas with no saved value
    cell_errors: Mapping[tuple[int, int], str] = field(default_factory=dict)  #: (row, column) → ``#N/A``, ``#REF!``…


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


@dataclass(frozen=True, slots=True)
class ResultColumn:
    """One column added to the user's columns: its name and how to get its value from an Outcome."""

    name: str
    get: Callable[[Outcome], object]


#: The result columns appended to the user's columns, in this order: adding one is one line here.
RESULT_TABLE: tuple[ResultColumn, ...] = (
    ResultColumn("enrol_status", lambda o: o.status.value),
    ResultColumn("enrol_reason", lambda o: o.reason),
    ResultColumn("interview_url", lambda o: o.interview_url),
    ResultColumn("enrol_error_field", lambda o: o.error_field),
    ResultColumn("http_status", lambda o: o.http_status if o.http_status is not None else ""),
    ResultColumn("attempts", lambda o: o.attempts),
    ResultColumn("position_def_set_id", lambda o: o.position_def_set_id),
    ResultColumn("interview_def_set_id", lambda o: o.interview_def_set_id),
    ResultColumn("profile_interview_id", lambda o: o.profile_interview_id),
    ResultColumn("embed_id", lambda o: o.embed_id),
    ResultColumn("processed_at", lambda o: o.processed_at),
)
#: Their names, in order.
RESULT_COLUMNS: tuple[str, ...] = tuple(column.name for column in RESULT_TABLE)


def result_cells(outcome: Outcome) -> tuple[object, ...]:
    """The values of RESULT_COLUMNS for one outcome, in order."""
    return tuple(column.get(outcome) for column in RESULT_TABLE)
