"""Interview results after a run: "Refresh results" (the library's ``results`` reading) and, in practice
mode, a control that completes the simulator's interviews so the demo has scores to show."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import BatchEnrolError
from ..loader import load
from ..models import Table
from ..pipeline import SANDBOX_URL
from ..preview import target_of
from ..results import ResultsReport, read_results
from ..settings import SANDBOX_TOKEN, Settings
from .app import Ui, ui_of
from .flow import SHOWN, settings_for
from .security import read_form
from .store import Run

#: The result columns (of ``results.INTERVIEW_COLUMNS``) shown on the Done page, with their headings.
SHOWN_COLUMNS = {"interview_status": "Interview", "decision_status": "Decision", "interview_score": "Score"}


def results_settings(ui: Ui, run: Run) -> Settings:
    """The settings results are read with: the run's own (same host, token, rate); the simulator's in practice mode."""
    settings = settings_for(ui, run)
    if settings.sandbox:
        settings = settings.replace(base_url=SANDBOX_URL, token=SANDBOX_TOKEN)
    return settings


def interview_rows(table: Table) -> list[tuple[int, list[str]]]:
    """(sheet row, [interview status, decision, score]) of each row with a result, from an output read by ``load``."""
    at = {h: i for i, h in enumerate(table.headers)}
    if "interview_status" not in at:
        return []
    out = []
    for source in table.rows:
        values = [source.cells[at[c]] if c in at and at[c] < len(source.cells) else "" for c in SHOWN_COLUMNS]
        if any(values):
            out.append((source.row, values))
    return out


def report_words(report: ResultsReport) -> str:
    """What a refresh did, in plain words."""
    if not report.enrolled:
        return "No enrolled candidates in this run yet, so there are no interview results to read."
    said = f"Read the results of {report.enrolled} enrolled candidates: {report.found} have a result so far"
    said += f", {report.changed} changed in the workbook." if report.changed else "; nothing new since the last refresh."
    if report.failed:
        said += f" {report.failed} could not be read this time; try again later."
    if report.stop_reason:
        said += " JobMojito stopped the reading: check the access token in Settings."
    return said


async def refresh(request: Request) -> Response:
    """Read every enrolled row's interview result into the run's results workbook (in place), then show them."""
    ui = ui_of(request)
    run = await ui.idle_run(request, "This run is still sending. Refresh its results once it has finished.")
    if not run.output.exists():
        raise HTTPException(404, "There are no results for this run yet.")
    settings = results_settings(ui, run)
    if not settings.token:
        return RedirectResponse("/settings", status_code=303)
    try:
        report = await run_in_threadpool(read_results, run.output, settings, host=target_of(settings)[0], transport=ui.transport)
        message = report_words(report)
    except BatchEnrolError as exc:
        message = exc.message
    run.state.results_message = message
    run.save()
    return RedirectResponse(f"/runs/{run.id}/done#interviews", status_code=303)


async def interview_table(run: Run) -> tuple[list[tuple[int, list[str]]], int]:
    """The first SHOWN rows with a result in the run's output, and how many more there are."""
    if not run.output.exists():
        return [], 0
    rows = interview_rows(await run_in_threadpool(load, run.output))
    return rows[:SHOWN], max(0, len(rows) - SHOWN)


async def complete_practice_interviews(request: Request) -> Response:
    """Practice mode only: the simulator completes every interview not yet completed (scores and decisions appear)."""
    ui = ui_of(request)
    run = ui.run_or_404(request)
    await read_form(request)
    if ui.practice is None:
        raise HTTPException(404, "This is only for practice mode (batch-enrol ui --sandbox).")
    ui.practice.complete_interviews()
    return RedirectResponse(f"/runs/{run.id}/done#interviews", status_code=303)


routes = [
    Route("/runs/{run_id}/refresh-results", refresh, methods=["POST"]),
    Route("/runs/{run_id}/practice-complete-interviews", complete_practice_interviews, methods=["POST"]),
]
