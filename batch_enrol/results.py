"""Interview results read back into an output: ``GET /merchant-result-list`` for every enrolled row.

For each row of an output (``.xlsx`` or ``.csv``) that was enrolled (an API decision, or
``enrolled``, and a ``profile_interview_id``), the result is read and written into the same
file, in the columns ``INTERVIEW_COLUMNS``: everything else (the user's cells, the enrolment
columns, other sheets) is left as it is. The file is replaced atomically, and only when a
value changed (the columns are added with the first result): reading the same results
twice leaves the file untouched.

Rows that share an interview (``interview_def_set_id``) are read by ``interview_id`` page by
page (``limit`` 1000, ``offset``) when that takes fewer calls than one call per
``profile_interview_id``. Calls share ``run``'s rate limit and retry rule; a 401/402/403
stops the reading (exit code 3), any other failed call leaves its rows as they were (exit 1).
"""

from __future__ import annotations

import asyncio
import csv
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import openpyxl

from . import xlsx_patch
from .client import CallError, Client, Timeouts
from .dispatcher import Pacing, policy_from, retry
from .dispatcher.pacing import sleep_unless
from .errors import ConfigError, InputFileError, OutputError
from .files import atomic_path
from .loader import load
from .models import ExitCode, Status, Table
from .redaction import check_token, redact
from .schema import InterviewResult, ResultPage
from .settings import Settings

log = logging.getLogger("batch_enrol")

#: The columns ``results`` writes, and the result field each comes from.
INTERVIEW_COLUMNS: dict[str, str] = {
    "interview_status": "coach_status",
    "decision_status": "decision_status",
    "interview_score": "score",
    "interview_result_id": "interview_result_id",
    "result_updated_at": "updated_at",
}
PAGE = 1000  #: the contract's largest ``limit``
ENROLLED = frozenset({*(s.value for s in Status if s.is_decision), "enrolled"})

Cell = str | int | float


@dataclass(frozen=True, slots=True)
class Enrolled:
    """One enrolled row of an output."""

    row: int  #: the sheet's 1-based row number
    profile_interview_id: str
    interview_id: str  #: the enrolment's interview_def_set_id ("" when unknown)


@dataclass(slots=True)
class ResultsReport:
    """What ``read_results`` did to one output."""

    output: Path
    host: str
    enrolled: int = 0  #: rows with a profile_interview_id
    found: int = 0  #: rows the API had a result for
    changed: int = 0  #: rows whose result cells changed
    calls: int = 0
    failed: int = 0  #: rows whose query failed (left as they were)
    stop_reason: str = ""
    error: str = ""  #: why the first failed row could not be read ("" when none failed)
    exit_code: ExitCode = ExitCode.OK
    statuses: dict[str, int] = field(default_factory=dict)  #: interview_status → rows

    def line(self) -> str:
        """What happened, in one line: rows that could not be read say why, never "none yet"."""
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        unread = ""
        if self.failed or self.stop_reason:
            unread = f"{self.failed} could not be read ({self.stop_reason or self.error or 'the calls failed'}), "
        statuses = statuses or ("none read" if unread else "none yet")
        return (f"{self.output}: {self.enrolled} enrolled rows, {unread}{self.found} with a result ({statuses}), "
                f"{self.changed} changed, {self.calls} calls")  # fmt: skip

    def warnings(self) -> list[str]:
        """What needs the user's eye: rows that could not be read, a stop."""
        out = [f"{self.output}: {self.failed} row(s) could not be read; they are left as they were"] if self.failed else []
        return out + ([f"stopped: {self.stop_reason}"] if self.stop_reason else [])


def cell_value(result: InterviewResult, column: str) -> Cell:
    """One result cell: the API's value as it came (unknown statuses included), "" for none."""
    value = getattr(result, INTERVIEW_COLUMNS[column])
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return redact(value) if isinstance(value, str) else value


def enrolled_rows(table: Table) -> list[Enrolled]:
    """The rows of an output that were enrolled. Raises InputFileError if it is not an output."""
    index = {h: i for i, h in enumerate(table.headers)}
    if "enrol_status" not in index or "profile_interview_id" not in index:
        raise InputFileError(
            f"{table.path.name} has no enrol_status and profile_interview_id columns: it is not an output of 'run'",
            hint="give the file 'batch-enrol run' wrote (INPUT.enrolled.xlsx)",
        )

    def cell(cells: tuple[str, ...], name: str) -> str:
        at = index.get(name)
        return cells[at].strip() if at is not None and at < len(cells) else ""

    return [
        Enrolled(r.row, cell(r.cells, "profile_interview_id"), cell(r.cells, "interview_def_set_id"))
        for r in table.rows
        if cell(r.cells, "enrol_status") in ENROLLED and cell(r.cells, "profile_interview_id")
    ]


def best(results: Sequence[InterviewResult]) -> InterviewResult:
    """Of one candidate's rows (pre-screening and interview steps), the interview's, else the latest."""
    interview = [r for r in results if r.position_step == "interview"]
    return max(interview or results, key=lambda r: r.updated_at or "")


class _Reader:
    """Paced, retried ``GET /merchant-result-list`` calls: ``run``'s pacing and retry rule; stops on 401/402/403."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.policy = policy_from(settings)
        self.pacing = Pacing(self.policy)
        self.lanes = asyncio.Semaphore(self.policy.workers)
        self.stopped = asyncio.Event()
        self.calls = 0
        self.stop_reason = ""
        self.error = ""  #: the first failure that left rows unread
        self.exit_code = ExitCode.OK

    async def page(self, params: dict[str, str | int]) -> ResultPage | None:
        """One page, or None when the call failed for good (the reason is logged)."""
        attempts = errors_500 = 0
        async with self.lanes:
            while await self.pacing.gate(self.stopped):
                attempts += 1
                self.calls += 1
                started = time.monotonic()
                try:
                    page = await self.client.result_list(params)
                except CallError as exc:
                    errors_500 += exc.status == 500
                    decision = retry.decide(exc, attempt=attempts, errors_500=errors_500, policy=self.policy)
                    reason = self.pacing.failed(exc, started)
                    if isinstance(decision, retry.StopRun) or reason:
                        self._stop(reason or decision.reason, getattr(decision, "exit_code", ExitCode.ROWS_FAILED))
                    elif isinstance(decision, retry.Retry):
                        await sleep_unless(self.stopped, decision.after)
                        continue
                    else:
                        query = ", ".join(f"{k}={v}" for k, v in params.items() if k != "limit")
                        log.warning("could not read results (%s): %s", query, exc)
                        self.error = self.error or str(exc)
                        self.exit_code = max(self.exit_code, ExitCode.ROWS_FAILED)
                    return None
                self.pacing.succeeded(started)
                return page
        return None

    def _stop(self, reason: str, exit_code: ExitCode) -> None:
        if not self.stop_reason:
            self.stop_reason, self.exit_code = reason, exit_code
        self.stopped.set()

    async def by_profile(self, row: Enrolled) -> tuple[list[int], list[InterviewResult]]:
        page = await self.page({"profile_interview_id": row.profile_interview_id, "limit": 10})
        return ([row.row] if page is None else []), ([] if page is None else page.data)

    async def by_interview(self, interview: str, rows: list[Enrolled]) -> tuple[list[int], list[InterviewResult]]:
        """Page through one interview unless per-candidate calls would be fewer; (failed rows, results)."""
        if len(rows) == 1:
            return await self.by_profile(rows[0])
        first = await self.page({"interview_id": interview, "limit": PAGE, "offset": 0})
        if first is None:
            return [r.row for r in rows], []
        wanted = {r.profile_interview_id for r in rows}
        results = [x for x in first.data if x.profile_interview_id in wanted]
        missing = [r for r in rows if r.profile_interview_id not in {x.profile_interview_id for x in results}]
        pages_left = math.ceil(first.pagination.total / PAGE) - 1
        if missing and pages_left and pages_left <= len(missing):
            for offset in range(PAGE, first.pagination.total, PAGE):
                page = await self.page({"interview_id": interview, "limit": PAGE, "offset": offset})
                if page is None:
                    return [r.row for r in missing], results
                results += [x for x in page.data if x.profile_interview_id in wanted]
        elif missing and pages_left:
            failed: list[int] = []
            for part in await asyncio.gather(*(self.by_profile(r) for r in missing)):
                failed += part[0]
                results += part[1]
            return failed, results
        return [], results


async def fetch(client: Client, settings: Settings, rows: Sequence[Enrolled]) -> tuple[dict[str, InterviewResult], list[int], _Reader]:
    """Every row's result by profile_interview_id, the rows whose reading failed, and the reader's counts."""
    reader = _Reader(client, settings)
    groups: dict[str, list[Enrolled]] = {}
    for row in rows:
        groups.setdefault(row.interview_id, []).append(row)
    tasks = [reader.by_interview(k, v) for k, v in groups.items() if k]
    tasks += [reader.by_profile(r) for r in groups.get("", [])]  # the interview id is unknown: one by one
    found: dict[str, list[InterviewResult]] = {}
    failed: list[int] = []
    for failed_rows, results in await asyncio.gather(*tasks):
        failed += failed_rows
        for result in results:
            if result.profile_interview_id:
                found.setdefault(result.profile_interview_id, []).append(result)
    return {pid: best(found_rows) for pid, found_rows in found.items()}, failed, reader


# --- writing the cells back ------------------------------------------------------------------


def _update_csv(table: Table, cells: Mapping[int, Mapping[str, Cell]]) -> int:
    """Set result cells in a CSV output in place; return how many rows changed (0: file untouched)."""
    from .writer import neutralise

    encoding = (table.encoding or "utf-8").replace("utf-8-sig", "utf-8")
    encoding = "utf-8-sig" if table.bom and encoding == "utf-8" else encoding
    delimiter = table.delimiter or ","
    with open(table.path, encoding=encoding, newline="") as fh:
        records = list(csv.reader(fh, delimiter=delimiter))
    header = records[table.header_row - 1]
    columns = {}
    for name in INTERVIEW_COLUMNS:
        if name not in header:
            header.append(name)
        columns[name] = header.index(name)
    changed = 0
    for row, values in cells.items():
        record = records[row - 1]
        record += [""] * (len(header) - len(record))
        new = [neutralise(str(values[n])) for n in INTERVIEW_COLUMNS]
        if [record[columns[n]] for n in INTERVIEW_COLUMNS] != new:
            for name, value in zip(INTERVIEW_COLUMNS, new, strict=True):
                record[columns[name]] = value
            changed += 1
    if changed:
        with atomic_path(table.path) as tmp:
            with open(tmp, "w", encoding=encoding, newline="") as fh:
                csv.writer(fh, delimiter=delimiter).writerows(records)
    return changed


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _patch_xlsx(table: Table, cells: Mapping[int, Mapping[str, Cell]]) -> int:
    """Set result cells by patching the workbook's XML (images, charts, links and all else kept).

    Returns how many rows changed (0: file untouched). Raises ``xlsx_patch.Unsupported`` for a
    workbook the patcher declines, which ``_update_xlsx`` then writes with openpyxl.
    """
    index = {h: i for i, h in enumerate(table.headers)}
    shown = {r.row: r.cells for r in table.rows}
    changed = {}
    for row, values in cells.items():
        now = shown.get(row, ())
        before = [now[index[n]] if n in index and index[n] < len(now) else "" for n in INTERVIEW_COLUMNS]
        if before != [_shown(values[n]) for n in INTERVIEW_COLUMNS]:
            changed[row] = [values[n] if values[n] != "" else None for n in INTERVIEW_COLUMNS]
    if changed or any(n not in index for n in INTERVIEW_COLUMNS):
        columns = [index[n] + 1 if n in index else 0 for n in INTERVIEW_COLUMNS]
        results = xlsx_patch.Results(sheet=table.sheet, header_row=table.header_row, columns=columns,
                                     names=list(INTERVIEW_COLUMNS), rows=changed, widths=[20.0] * len(columns))  # fmt: skip
        with atomic_path(table.path) as tmp:
            xlsx_patch.patch(table.path, tmp, results)
    return len(changed)


def _update_xlsx(table: Table, cells: Mapping[int, Mapping[str, Cell]]) -> int:
    """Set result cells in a workbook output in place; return how many rows changed (0: file untouched).

    The XML patcher first (every part of the user's workbook kept); openpyxl for a workbook
    it declines (openpyxl drops charts and other parts it does not model).
    """
    try:
        return _patch_xlsx(table, cells)
    except xlsx_patch.Unsupported as exc:
        log.info("writing %s with openpyxl: %s", table.path.name, exc)
    keep_vba = table.path.suffix.lower() == ".xlsm"
    try:
        workbook = openpyxl.load_workbook(table.path, keep_vba=keep_vba, rich_text=True)
    except Exception as exc:  # openpyxl raises many kinds for odd files
        raise OutputError(f"cannot reopen {table.path.name} to write the results into it ({type(exc).__name__})") from None
    sheet = workbook[table.sheet]
    header = {sheet.cell(table.header_row, c).value: c for c in range(1, sheet.max_column + 1)}
    for name in INTERVIEW_COLUMNS:
        if name not in header:
            column = max(header.values(), default=0) + 1
            cell = sheet.cell(table.header_row, column, name)
            cell.font = openpyxl.styles.Font(bold=True)
            sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = 20
            header[name] = column
    changed = 0
    for row, values in cells.items():
        targets = [sheet.cell(row, header[n]) for n in INTERVIEW_COLUMNS]
        if [t.value if t.value is not None else "" for t in targets] != [values[n] for n in INTERVIEW_COLUMNS]:
            for target, name in zip(targets, INTERVIEW_COLUMNS, strict=True):
                target.value = values[name]
                if isinstance(values[name], str):
                    target.data_type = "s"  # never a formula, whatever the text starts with
            changed += 1
    if changed:
        with atomic_path(table.path) as tmp:
            workbook.save(tmp)
    return changed


def write_results(table: Table, results: Mapping[int, InterviewResult]) -> int:
    """Write each row's result into its output file, in place; return how many rows changed."""
    cells = {row: {name: cell_value(result, name) for name in INTERVIEW_COLUMNS} for row, result in results.items()}
    try:
        if table.format == "csv":
            return _update_csv(table, cells)
        if table.path.suffix.lower() in {".xlsx", ".xlsm"}:
            return _update_xlsx(table, cells)
    except OSError as exc:
        raise OutputError(f"cannot write {table.path}: {exc.strerror or exc}") from None
    raise OutputError(f"cannot write results into {table.path.name}: use the .xlsx or .csv output of 'run'")


async def read_results_async(
    path: Path, settings: Settings, *, host: str, transport: httpx.AsyncBaseTransport | None = None
) -> ResultsReport:
    """The body of ``read_results`` for one output."""
    table = load(Path(path), sheet=settings.sheet, max_file_bytes=settings.max_file_bytes, max_rows=settings.max_rows,
                 max_cell_chars=settings.max_cell_chars, max_columns=settings.max_columns)  # fmt: skip
    rows = enrolled_rows(table)
    report = ResultsReport(output=Path(path), host=host, enrolled=len(rows))
    if not rows:
        return report
    verify: bool | str = str(settings.ca_bundle) if settings.ca_bundle else True
    timeouts = Timeouts(connect=settings.connect_timeout, read=settings.read_timeout, write=settings.write_timeout)
    client = Client(settings.base_url, settings.token.get(), timeouts=timeouts, transport=transport, verify=verify,
                    lanes=policy_from(settings).workers)  # fmt: skip
    async with client:
        found, failed, reader = await fetch(client, settings, rows)
    by_row = {r.row: found[r.profile_interview_id] for r in rows if r.profile_interview_id in found}
    report.found, report.failed, report.calls = len(by_row), len(failed), reader.calls
    report.stop_reason, report.error, report.exit_code = reader.stop_reason, reader.error, reader.exit_code
    for result in by_row.values():
        status = result.coach_status or "(none)"
        report.statuses[status] = report.statuses.get(status, 0) + 1
    report.changed = write_results(table, by_row)
    return report


def read_many(paths: Sequence[Path], settings: Settings, *, host: str = "") -> list[ResultsReport]:
    """``read_results`` for each output in turn; stops after one whose token was refused (exit code 3).

    Raises ConfigError without a usable token, before any call.
    """
    check_token(settings.token.get(), "the API token")
    if not settings.token:
        raise ConfigError("no API token: set JOBMOJITO_TOKEN (or use --token-file)")
    reports: list[ResultsReport] = []
    for path in paths:
        reports.append(read_results(path, settings, host=host))
        if reports[-1].exit_code == ExitCode.API_REFUSED:
            break
    return reports


def read_results(
    path: Path, settings: Settings, *, host: str = "", transport: httpx.AsyncBaseTransport | None = None
) -> ResultsReport:
    """Read every enrolled row's interview result into the output at ``path`` (in place).

    ``settings``: base URL, token, rate, concurrency, retries, timeouts, ``sheet``. ``transport``
    replaces the network (tests). Raises InputFileError when ``path`` is not an output of ``run``,
    OutputError when it cannot be written; failed calls are counted in the report, not raised.
    """
    return asyncio.run(read_results_async(path, settings, host=host, transport=transport))
