"""The library's front door: ``validate`` a file, or ``run`` it end to end.

``run_async`` reads as its steps: load and check (``check_file``, ``preflight``) → plan
against the journal (``planner``) → dispatch → write → report. The CLI, the web app and
``frame`` are thin shells over these functions.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from . import living, reports, unchanged, writer
from .checkpoints import checkpoints
from .client import Client, Timeouts
from .columns import ColumnMap, map_columns
from .control import RunControl
from .cv_files import CvLimits
from .dispatcher import Dispatcher, policy_from
from .embed_keys import EmbedKeyFile, embed_key_path
from .encodings import display_name
from .errors import ConfigError, InputFileError
from .files import check_writable_file, sha256_of
from .journal import Journal, forget_if_refused, run_lock
from .loader import load
from .models import FAILURES, ExitCode, Outcome, Status, Table
from .planner import Plan, confirmed, plan
from .preflight import journal_path_for, prepare_output, run_token, token_source
from .preview import Confirm
from .progress import Progress
from .report_sheets import OWN_COLUMNS
from .reports import RowInfo, Summary
from .settings import Settings
from .signals import stop_on_signals
from .validator import Checked, Problem, check_table

log = logging.getLogger("batch_enrol")
#: The host name a sandbox run's requests carry (the simulator's transport answers any host).
SANDBOX_URL = "http://sandbox.local"


@dataclass(slots=True)
class CheckedFile:
    """A loaded and validated input: what ``validate`` returns.

    ``table``: the rows as read (cell text as the user sees it, 1-based sheet row numbers);
    ``columns``: which column feeds which request field; ``rows``: one ``Checked`` per data
    row, holding the ``Candidate`` to send or a final ``Outcome`` (invalid or duplicate) and
    its ``problems``.
    """

    table: Table
    columns: ColumnMap
    rows: list[Checked]

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.rows for p in c.problems]

    def marks(self) -> dict[int, list[tuple[int | None, str]]]:
        """Row → (column index, message) for every problem and duplicate: what a report highlights."""
        out: dict[int, list[tuple[int | None, str]]] = {}
        for checked in self.rows:
            for problem in checked.problems:
                out.setdefault(checked.row, []).append((self.columns.fields.get(problem.field), str(problem)))
            if checked.outcome is not None and checked.outcome.status == Status.DUPLICATE:
                out.setdefault(checked.row, []).append((self.columns.fields.get("candidate_email"), checked.outcome.reason))
        return out

    def info(self) -> dict[int, RowInfo]:
        """Row number → what reports may show of it (the email is masked when shown)."""
        email_at = self.columns.fields.get("candidate_email")
        name_at = self.columns.fields.get("position_name")
        out = {}
        for checked in self.rows:
            cells = checked.source.cells
            if checked.candidate is not None:
                c = checked.candidate
                email, position = c.candidate_email, c.position_name or c.position_external_id or c.position_def_set_id or ""
            else:
                email = cells[email_at].strip() if email_at is not None else ""
                position = cells[name_at].strip() if name_at is not None else ""
            out[checked.row] = RowInfo(checked.row, email, position)
        return out


def check_file(path: Path, settings: Settings) -> CheckedFile:
    """Load and validate one input; raise BatchEnrolError for file-level problems."""
    path = Path(path)
    table = load(
        path,
        sheet=settings.sheet,
        mapping=settings.mapping,
        max_file_bytes=settings.max_file_bytes,
        max_rows=settings.max_rows,
        max_cell_chars=settings.max_cell_chars,
        max_columns=settings.max_columns,
        encoding=settings.encoding,
        delimiter=settings.delimiter,
    )
    if not table.rows:
        raise InputFileError(
            f"{path.name} has a header row (row {table.header_row}) but no candidate rows under it",
            hint="is it the right file, or the right sheet (--sheet)?",
        )
    headers = table.headers
    if living.is_output(table):  # an output fed back: its result columns are the tool's, never input fields
        headers = tuple("" if h in OWN_COLUMNS else h for h in headers)
    columns = map_columns(headers, settings.mapping, settings.defaults)
    folders = [settings.resumes_dir or path.parent]  # the one folder resume files are read from
    limits = CvLimits(max_bytes=settings.max_resume_bytes, max_chars=settings.max_resume_chars)
    rows = check_table(
        table, columns, defaults=settings.defaults, cv_folders=folders, cv_limits=limits,
        value_maps=settings.value_maps, min_resume_chars=settings.min_resume_chars,
    )  # fmt: skip
    return CheckedFile(table, columns, rows)


def validate(path: Path, settings: Settings | None = None) -> CheckedFile:
    """Check every row of the file at ``path`` against the API contract; send nothing.

    ``settings``: sheet, column mapping, whole-file values, CV folder and size limits (only
    these are used); the defaults when None. Returns a ``CheckedFile`` (``.problems`` lists
    every problem of every row). Raises ``InputFileError`` when the file cannot be used as a
    candidate list, ``ConfigError`` for a bad mapping or value.
    """
    return check_file(path, settings or Settings(sandbox=True))


@dataclass(slots=True)
class RunResult:
    """What ``run`` did with one input.

    ``exit_code``: the command line's exit code for it; ``output``: the workbook or CSV
    written (the input's columns plus the result columns); ``outcomes``: sheet row number →
    ``Outcome``, one for every data row; ``summary``: counts per status and position,
    duration in seconds, calls and retries; ``checked``: the validated input;
    ``stop_reason``: why sending stopped early ("" when it did not); ``embed_file``: the
    embed signing keys file (secret) when rows asked for embedding; ``warnings``: lines
    also logged (token about to expire, input changed since the journal's run).
    """

    exit_code: ExitCode
    output: Path
    outcomes: dict[int, Outcome]
    summary: Summary
    checked: CheckedFile
    stop_reason: str = ""
    embed_file: Path | None = None
    warnings: list[str] = field(default_factory=list)
    unchanged: bool = False  #: a repeat of a finished run (``reuse``): nothing loaded, sent or written; no outcomes


def run(
    path: Path,
    settings: Settings,
    *,
    out: Path | None = None,
    journal: Path | None = None,
    fresh: bool = False,
    force: bool = False,
    wait: bool = False,
    summary_json: Path | None = None,
    junit: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    confirm: Confirm | None = None,
) -> RunResult:
    """Enrol every valid row of the file at ``path`` and write the results; returns a ``RunResult``.

    ``settings``: see ``Settings`` (``Settings.load()`` reads JOBMOJITO_* variables and .env
    like the command line). ``out``: the output file (default ``<stem>.enrolled.<ext>``
    beside the input); ``journal``: the SQLite journal (default ``<out>.journal.sqlite``);
    running again with the same output resumes: rows already done are not sent again;
    ``fresh``: forget the journal; ``force``: replace an output that is not this run's own.
    ``summary_json``/``junit``: also write those reports. ``transport``: an
    ``httpx.AsyncBaseTransport`` to send through instead of the network (required with
    ``Settings(sandbox=True)``: ``httpx.ASGITransport(app=batch_enrol.sandbox.Sandbox().app)``).

    Raises ``ConfigError`` (settings, token), ``InputFileError`` (the file) or ``OutputError``
    (the output) before anything is sent; problems of single rows never raise, they are
    outcomes. A refused token or an interruption stops the run: see ``exit_code``.
    ``confirm(preview)`` sees the ``Preview`` before the first call (False: ``Cancelled``, nothing sent).
    ``wait``: queue behind another run of the same output instead of raising OutputError.
    """
    for report, what in ((summary_json, "--summary-json"), (junit, "--junit")):
        if report is not None:
            check_writable_file(Path(report), what)
    result = asyncio.run(
        run_async(path, settings, out=out, journal=journal, fresh=fresh, force=force, wait=wait, transport=transport,
                  confirm=confirm)  # fmt: skip
    )
    write_reports([result], int(result.exit_code), summary_json=summary_json, junit=junit)
    return result


def write_reports(results: list[RunResult], exit_code: int, *, summary_json: Path | None, junit: Path | None,
                  notes: Sequence[reports.FileNote] = ()) -> None:  # fmt: skip
    """The JSON summary and JUnit file of one or several inputs (and ``notes`` on inputs not run), and the CI step summary."""
    if summary_json:
        reports.write_json(Path(summary_json), [r.summary for r in results], exit_code, notes)
    if junit:
        suites = [reports.Suite(Path(r.summary.input).name, r.outcomes, r.checked.info()) for r in results]
        reports.write_junit(Path(junit), suites, notes)
    for result in results:
        reports.append_step_summary(result.summary)


async def run_async(
    path: Path,
    settings: Settings,
    *,
    out: Path | None = None,
    journal: Path | None = None,
    fresh: bool = False,
    force: bool = False,
    wait: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    checksum: str | None = None,
    control: RunControl | None = None,
    confirm: Confirm | None = None,
    reuse: bool = False,
) -> RunResult:
    """The body of ``run``: one input, no reports. ``checksum``: the input's SHA-256, if known.

    ``control``: a RunControl to watch each outcome and stop the run from another thread.
    The whole run holds its journal's lock: another run of the same output raises
    OutputError (exit 2), or with ``wait`` this one waits for it. A damaged journal raises
    OutputError unless ``fresh``. ``reuse``: a finished run repeated with nothing changed
    returns at once (``RunResult.unchanged``; see ``batch_enrol.unchanged``).
    """
    path = Path(path)
    out = living.output_path(path, out)  # an output of this tool run again is updated in place
    journal_file = Path(journal) if journal else journal_path_for(out)
    with forget_if_refused(journal_file), run_lock(journal_file, wait=wait), writer.proof_removed(out):
        if not fresh:
            living.check_journal(journal_file, out)
        return await _run_locked(path, settings, out=out, journal=journal_file, fresh=fresh, force=force,
                                 transport=transport, checksum=checksum, control=control, confirm=confirm,
                                 reuse=reuse)  # fmt: skip


async def _run_locked(
    path: Path,
    settings: Settings,
    *,
    out: Path,
    journal: Path,
    fresh: bool,
    force: bool,
    transport: httpx.AsyncBaseTransport | None,
    checksum: str | None,
    control: RunControl | None,
    confirm: Confirm | None,
    reuse: bool = False,
) -> RunResult:
    started_at, clock = datetime.now(UTC), time.monotonic()
    path = Path(path)
    if reuse and not (fresh or force) and (previous := unchanged.previous_summary(Path(journal), path, settings, out)):
        return unchanged.result(path, out, previous, (started_at, clock))
    checked = check_file(path, settings)
    checksum = checksum or sha256_of(path)
    target = living.plan(path, checked.table, out, checksum, writer.default_output(path))
    out, journal_file = prepare_output(path, target.out, journal, fresh=fresh, force=force, own=target.updating)
    if fresh:
        target.carried.clear()  # start over: what the output says is done is sent again too
    warnings = writer.prove(target, checked.table, out, keep=True)  # before anything is sent: the output can be written
    tokens = None if settings.sandbox else token_source(settings)
    token = run_token(settings, sum(1 for c in checked.rows if c.candidate is not None), warnings, tokens)
    with Journal(journal_file) as jrnl:
        warnings += _note_input(jrnl, path, target.input_sha256 or checksum, quiet=target.updating or target.rotated is not None)
        unchanged.clear(jrnl)
        for message in warnings:
            log.warning(message)
        prior = {c.row: dataclasses.replace(done, row=c.row) for c in checked.rows  # the output says it is done
                 if c.candidate is not None and (done := target.done(c.row)) is not None}  # fmt: skip
        planned = plan([c for c in checked.rows if c.row not in prior], jrnl.done(), jrnl.attempted())
        planned.outcomes.update(prior)
        if planned.resumed or prior:
            log.info("resuming: %d row(s) already done are not sent again", planned.resumed + len(prior))
        said = confirmed(path, settings, planned, checked.rows, confirm)
        client = _client(settings, token, transport)
        dispatcher = Dispatcher(client, policy_from(settings), journal=jrnl, known_positions=planned.known_positions,
                                tokens=tokens, ours=planned.ours)  # fmt: skip
        dispatcher.embed_keys = embed_keys = EmbedKeyFile(embed_key_path(out))  # on disk as each arrives
        outcomes = await _dispatch(dispatcher, planned, checked.table, target, settings, control)
    exit_code = _exit_code(outcomes, dispatcher, settings.fail_on)
    summary = _summary(path, checksum, out, checked, outcomes, dispatcher, settings, exit_code, (started_at, clock), target)
    summary.preview = said.as_dict()
    writer.write_output(checked.table, outcomes, out, summary, target=target)
    unchanged.record(journal_file, checksum, settings, out, summary, finished=unchanged.nothing_left(planned.jobs, outcomes), checked=checked)
    embed_keys.flush()
    embed_file = embed_keys.path if embed_keys.received else None
    return RunResult(exit_code, out, outcomes, summary, checked, dispatcher.stop_reason, embed_file, warnings)


def _note_input(jrnl: Journal, path: Path, checksum: str, quiet: bool = False) -> list[str]:
    """Record which input the journal belongs to; a warning when its content changed since (unless ``quiet``:
    the output was rotated aside, or the input is the output itself)."""
    previous = jrnl.get_meta("input_sha256")
    jrnl.set_meta("input_sha256", checksum)
    jrnl.set_meta("input", str(path))
    if previous and previous != checksum and not quiet:
        return [f"{path.name} changed since the last run of this output; rows already done are kept"]
    return []


async def _dispatch(
    dispatcher: Dispatcher, planned: Plan, table: Table, target: living.Target, settings: Settings, control: RunControl | None
) -> dict[int, Outcome]:
    """Send the planned jobs with progress, checkpoints and Ctrl-C handling; every row's outcome."""
    writer.place_proof(target)  # the output exists (every row not_sent) before the first call
    outcomes = planned.outcomes
    progress = Progress(len(planned.jobs), settings.progress)
    dispatcher.on_outcome = progress
    if control is not None:
        control.attach(dispatcher, len(planned.jobs))
    checkpoint = asyncio.create_task(checkpoints(table, outcomes, dispatcher, target.out, settings, target=target))
    try:
        async with dispatcher.client, stop_on_signals(dispatcher):
            outcomes.update(await dispatcher.run(planned.jobs))
    finally:
        checkpoint.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await checkpoint
        progress.close()
    return outcomes


def _summary(
    path: Path, checksum: str, out: Path, checked: CheckedFile, outcomes: dict[int, Outcome],
    dispatcher: Dispatcher, settings: Settings, exit_code: ExitCode, started: tuple[datetime, float], target: living.Target,
) -> Summary:  # fmt: skip
    info = {target.main_row(row): value for row, value in checked.info().items()}  # counts over the whole output
    per_status, per_position = reports.count(target.merged(outcomes), info)
    return Summary(
        input=str(path),
        input_sha256=checksum,
        output=str(out),
        started_at=started[0].isoformat(timespec="seconds"),
        ended_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duration_s=time.monotonic() - started[1],
        exit_code=int(exit_code),
        stop_reason=dispatcher.stop_reason,
        calls=dispatcher.stats.calls,
        retries=dispatcher.stats.retries,
        counts=per_status,
        by_position=per_position,
        settings=reports.public_settings(settings),
        input_encoding=display_name(checked.table.encoding) if checked.table.encoding else "",
    )


def _client(settings: Settings, token: str, transport: httpx.AsyncBaseTransport | None) -> Client:
    base_url = settings.base_url
    if settings.sandbox:
        if transport is None:
            raise ConfigError(
                "Settings(sandbox=True) needs the simulator's transport",
                hint="pass transport=httpx.ASGITransport(app=batch_enrol.sandbox.Sandbox().app), as --sandbox does",
            )
        base_url = SANDBOX_URL
    verify: bool | str = str(settings.ca_bundle) if settings.ca_bundle else True
    return Client(
        base_url,
        token,
        timeouts=Timeouts(connect=settings.connect_timeout, read=settings.read_timeout, write=settings.write_timeout,
                          total=settings.call_deadline),
        transport=transport,
        verify=verify,
        lanes=policy_from(settings).workers,
    )


#: --fail-on: which statuses make a run exit 1 (each level includes those after it).
FAIL_ON = {
    "reject": FAILURES | {Status.AI_REJECT, Status.RECRUITER_REJECT},
    "invalid": FAILURES,
    "error": FAILURES - {Status.INVALID},
    "never": frozenset(),
}


def _exit_code(outcomes: dict[int, Outcome], dispatcher: Dispatcher, fail_on: str = "invalid") -> ExitCode:
    if dispatcher.exit_code in (ExitCode.USAGE, ExitCode.API_REFUSED, ExitCode.INTERRUPTED):
        return dispatcher.exit_code
    failing = FAIL_ON[fail_on]
    if any(o.status in failing for o in outcomes.values()):
        return ExitCode.ROWS_FAILED
    return ExitCode.OK
