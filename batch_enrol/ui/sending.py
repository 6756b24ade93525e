"""Pages 5-6 and the rest: send with live progress, stop, done, past runs, downloads, delete, settings."""

from __future__ import annotations

import asyncio
import json

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from ..loader import load
from ..models import FAILURES
from ..writer import embed_key_path
from .app import STATUS_WORDS, ui_of
from .flow import SHOWN, settings_for
from .interviews import SHOWN_COLUMNS, interview_table
from .security import read_form
from .store import write_private


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def send(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    await read_form(request)
    settings = settings_for(ui, run)
    if not settings.sandbox and not settings.token:
        return _go("/settings")
    ui.runner.start(run, settings)
    return _go(f"/runs/{run.id}/progress")


async def progress_page(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    if ui.runner.live(run.id) is None:
        return _go(f"/runs/{run.id}/done")
    return ui.page(request, "progress.html", title="5. Sending", run=run)


async def events(request: Request) -> Response:
    """Server-sent events: a JSON snapshot of the run every half second, then ``event: end``."""
    ui = ui_of(request)
    run = ui.run_or_404(request)
    live = ui.runner.live(run.id)
    if live is None:
        raise HTTPException(404, "This run is not sending.")

    async def stream():
        since = 0
        while True:
            snapshot = live.snapshot(since)
            since += len(snapshot["rows"])  # type: ignore[arg-type]
            snapshot["rows"] = [(row, status, ui_words(status)) for row, status, _ in snapshot["rows"]]  # type: ignore[union-attr]
            snapshot["totals"] = list(totals_in_words(snapshot["counts"]).items())  # type: ignore[arg-type]
            yield f"data: {json.dumps(snapshot)}\n\n"
            if snapshot["finished"]:
                yield "event: end\ndata: {}\n\n"
                return
            if await request.is_disconnected():  # the run goes on; only this page stops listening
                return
            await asyncio.sleep(0.5)

    def ui_words(status: str) -> str:
        return STATUS_WORDS.get(status, status)

    return StreamingResponse(stream(), media_type="text/event-stream")


def totals_in_words(counts: dict[str, int]) -> dict[str, int]:
    """Counts by status → counts by plain-word label, statuses that share a label added together, zeros left out."""
    words: dict[str, int] = {}
    for status, n in counts.items():
        if n:
            words[STATUS_WORDS.get(status, status)] = words.get(STATUS_WORDS.get(status, status), 0) + n
    return words


async def stop(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    await read_form(request)
    ui.runner.stop(run.id)
    return _go(f"/runs/{run.id}/progress")


async def done_page(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    if ui.runner.busy(run.id):
        return _go(f"/runs/{run.id}/progress")
    summary = run.summary_data()
    attention = []
    if run.output.exists():
        table = await run_in_threadpool(load, run.output)
        at = {h: i for i, h in enumerate(table.headers)}
        if "enrol_status" in at:
            for source in table.rows:
                status = source.cells[at["enrol_status"]]
                if status in FAILURES:
                    attention.append((source.row, status, source.cells[at["enrol_reason"]]))
    words = totals_in_words((summary or {}).get("counts", {}))
    more = max(0, len(attention) - SHOWN)
    results, more_results = await interview_table(run)
    return ui.page(request, "done.html", title="6. Done", run=run, summary=words, attention=attention[:SHOWN], more=more,
                   has_output=run.output.exists(), has_keys=embed_key_path(run.output).exists(), results=results,
                   more_results=more_results, result_headings=list(SHOWN_COLUMNS.values()),
                   practice=ui.practice is not None)  # fmt: skip


async def results_file(request: Request) -> Response:
    run = ui_of(request).run_or_404(request)
    if not run.output.exists():
        raise HTTPException(404, "There are no results for this run yet.")
    return FileResponse(run.output, filename=run.output.name)


async def runs_page(request: Request) -> Response:
    ui = ui_of(request)
    runs = ui.store.all()
    for run in runs:  # a run left "sending" by a server that stopped is resumable
        if run.state.status == "sending" and not ui.runner.busy(run.id):
            run.state.status, run.state.message = "stopped", "The app stopped while this run was sending. You can resume it."
            run.save()
    return ui.page(request, "runs.html", title="Past runs", runs=[(r, r.summary_data()) for r in runs])


async def delete(request: Request) -> Response:
    ui = ui_of(request)
    run = await ui.idle_run(request, "This run is still sending. Stop it first, then delete its files.")
    ui.store.delete(run)
    if request.headers.get("hx-request"):  # htmx removes the run's row in place
        return Response("")
    return _go("/runs")


async def settings_page(request: Request, saved: bool = False) -> Response:
    ui = ui_of(request)
    return ui.page(request, "settings.html", title="Settings", token_source=ui.config.token_source(), saved=saved)


async def save_settings(request: Request) -> Response:
    ui = ui_of(request)
    form = await read_form(request)
    token = str(form.get("token") or "").strip()
    if form.get("forget"):
        ui.config.token_file.unlink(missing_ok=True)
    elif token:
        write_private(ui.config.token_file, token.encode())
    return await settings_page(request, saved=True)


routes = [
    Route("/runs/{run_id}/send", send, methods=["POST"]),
    Route("/runs/{run_id}/progress", progress_page),
    Route("/runs/{run_id}/events", events),
    Route("/runs/{run_id}/stop", stop, methods=["POST"]),
    Route("/runs/{run_id}/done", done_page),
    Route("/runs/{run_id}/results", results_file),
    Route("/runs/{run_id}/delete", delete, methods=["POST"]),
    Route("/runs", runs_page),
    Route("/settings", settings_page),
    Route("/settings", save_settings, methods=["POST"]),
]
