"""Pages 1-4: upload, sheet and columns, check, preview. Each reads the file with the library's own loader and validator."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import pipeline
from ..batch import plan_run
from ..columns import load_mapping_defaults, load_mapping_file, mapping_toml, match_header
from ..edits import edit_cells
from ..errors import BatchEnrolError
from ..loader import load
from ..models import Status, Table
from ..preview import duration_words
from ..schema import FIELDS, REQUIRED
from ..settings import Settings
from ..writer import write_validation_report
from .app import Ui, ui_of
from .runner import run_settings
from .security import read_form
from .store import Run, write_private

#: Request fields in words people use; the others show their own name.
FIELD_WORDS = {
    "candidate_name": "Candidate name",
    "candidate_email": "Candidate email",
    "candidate_country_code": "Candidate country",
    "candidate_resume": "CV (text or file name)",
    "candidate_linkedin_url": "LinkedIn profile",
    "candidate_external_id": "Your candidate ID",
    "position_name": "Position (job title)",
    "position_location": "Position location",
    "position_country_code": "Position country",
    "mojito_language_code": "Interview language",
    "position_external_id": "Your position ID",
    "position_def_set_id": "JobMojito position ID",
    "interview_attempts": "Interview attempts",
    "seniority_level": "Seniority",
}
SHOWN = 300  #: problems listed on the Check page; the marked workbook has them all

#: Values that usually hold for the whole file, offered as one form (like --set FIELD=VALUE).
WHOLE_FILE = (
    "position_name",
    "position_location",
    "position_country_code",
    "mojito_language_code",
    "candidate_country_code",
    "interview_attempts",
)


def settings_for(ui: Ui, run: Run):
    return run_settings(ui.config.settings, run, ui.config.token)


def _table(run: Run, settings: Settings, mapping: Mapping[str, str] | None = None) -> Table:
    """The run's input read by the library's loader, within the settings' limits."""
    return load(run.input, sheet=settings.sheet, mapping=settings.mapping if mapping is None else mapping,
                max_file_bytes=settings.max_file_bytes, max_rows=settings.max_rows,
                max_cell_chars=settings.max_cell_chars, max_columns=settings.max_columns)  # fmt: skip


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def home(request: Request) -> Response:
    return _go("/upload")


async def upload_page(request: Request, message: str = "", status_code: int = 200) -> Response:
    ui = ui_of(request)
    return ui.page(request, "upload.html", status_code, title="1. Upload", recent=ui.store.all()[:8], message=message,
                   max_mb=ui.config.max_upload_bytes // 2**20, max_files=ui.config.max_upload_files)  # fmt: skip


async def upload(request: Request) -> Response:
    ui = ui_of(request)
    form = await read_form(request, max_files=ui.config.max_upload_files, max_part_bytes=ui.config.max_upload_bytes)
    sheet = form.get("spreadsheet")
    if not isinstance(sheet, UploadFile) or not sheet.filename:
        return await upload_page(request, "Choose a spreadsheet first.", 400)
    cvs = [(cv.filename, await cv.read()) for cv in form.getlist("cv_files") if isinstance(cv, UploadFile) and cv.filename]
    try:
        run = await run_in_threadpool(ui.store.create, sheet.filename, await sheet.read(), cvs,
                                      lambda run: _table(run, settings_for(ui, run)))  # fmt: skip
    except BatchEnrolError as exc:
        return await upload_page(request, _say(exc), 400)
    if ui.runner.busy(run.id):  # the very same list is being sent: show that run rather than start another
        return _go(f"/runs/{run.id}/progress")
    return _go(f"/runs/{run.id}/columns")


def _say(exc: BatchEnrolError) -> str:
    return exc.message[:1].upper() + exc.message[1:] + (f". {exc.hint[:1].upper()}{exc.hint[1:]}." if exc.hint else ".")


async def columns_page(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    settings = settings_for(ui, run)
    try:
        table = await run_in_threadpool(_table, run, settings)
    except BatchEnrolError as exc:
        return ui.page(request, "columns.html", 400, title="2. Columns", run=run, problem=_say(exc))
    columns = [(i, h, match_header(h, settings.mapping) or "") for i, h in enumerate(table.headers) if h.strip()]
    fields = [(f, FIELD_WORDS.get(f, f), f in REQUIRED) for f in FIELDS]
    return ui.page(request, "columns.html", title="2. Columns", run=run, table=table, columns=columns, fields=fields,
                   first_rows=table.rows[:5], whole_file=[(f, FIELD_WORDS[f]) for f in WHOLE_FILE],
                   defaults=settings.defaults)  # fmt: skip


async def save_columns(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    form = await read_form(request)
    sheet = str(form.get("sheet") or "") or None
    if sheet != (str(form.get("shown_sheet") or "") or None):  # another sheet chosen: show its columns first
        run.state.sheet, run.state.columns = sheet, {}
        run.save()
        return _go(f"/runs/{run.id}/columns")
    run.state.sheet = sheet
    headers = form.getlist("header")
    chosen = form.getlist("field")
    run.state.columns = {str(h): str(f) for h, f in zip(headers, chosen, strict=False) if str(f) in ("", *FIELDS)}
    run.state.defaults = {**run.state.defaults, **{f: str(form.get(f"set_{f}") or "").strip() for f in WHOLE_FILE}}
    run.save()
    return _go(f"/runs/{run.id}/check")


async def use_mapping(request: Request) -> Response:
    """Apply a mapping file saved on an earlier week (the TOML ``--mapping`` reads) to this file's columns."""
    ui = ui_of(request)
    run = ui.run_or_404(request)
    form = await read_form(request, max_files=1, max_part_bytes=1024 * 1024)
    upload = form.get("mapping")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _go(f"/runs/{run.id}/columns")
    saved = write_private(run.folder / "mapping.toml", await upload.read())
    try:
        mapping, defaults = load_mapping_file(saved), load_mapping_defaults(saved)
        table = await run_in_threadpool(_table, run, settings_for(ui, run), mapping)
    except BatchEnrolError as exc:
        return ui.page(request, "error.html", 400, title="Problem", message=_say(exc))
    run.state.columns = {h: match_header(h, mapping) or "" for h in table.headers if h.strip()}
    run.state.defaults = {**run.state.defaults, **defaults}
    run.save()
    return _go(f"/runs/{run.id}/columns")


async def mapping_file(request: Request) -> Response:
    run = ui_of(request).run_or_404(request)
    return Response(mapping_toml(run.state.columns, run.state.defaults), media_type="application/toml",
                    headers={"content-disposition": 'attachment; filename="mapping.toml"'})  # fmt: skip


def _checked(ui: Ui, run: Run) -> pipeline.CheckedFile:
    return pipeline.check_file(run.input, settings_for(ui, run))


async def check_page(request: Request, message: str = "") -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    try:
        checked = await run_in_threadpool(_checked, ui, run)
    except BatchEnrolError as exc:
        return ui.page(request, "check.html", 400, title="3. Check", run=run, problem=_say(exc))
    problems = [(p, checked.columns.fields.get(p.field)) for p in checked.problems[:SHOWN]]  # (problem, column index to edit)
    duplicates = [c.outcome for c in checked.rows if c.outcome is not None and c.outcome.status == Status.DUPLICATE]
    valid = sum(1 for c in checked.rows if c.candidate is not None)
    return ui.page(request, "check.html", title="3. Check", run=run, problems=problems, duplicates=duplicates,
                   rows=len(checked.rows), valid=valid, bad=sum(1 for c in checked.rows if c.problems), message=message,
                   more=max(0, len(checked.problems) - SHOWN),
                   editable=checked.table.format in ("xlsx", "csv") and not ui.runner.busy(run.id))  # fmt: skip


async def check_report(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    try:
        checked = await run_in_threadpool(_checked, ui, run)
    except BatchEnrolError as exc:
        return ui.page(request, "error.html", 400, title="Problem", message=_say(exc))
    await run_in_threadpool(write_validation_report, checked.table, checked.marks(), run.report)
    return FileResponse(run.report, filename=f"{run.input.stem}.check.xlsx")


async def reupload(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    form = await read_form(request, max_files=ui.config.max_upload_files, max_part_bytes=ui.config.max_upload_bytes)
    sheet = form.get("spreadsheet")
    try:
        if isinstance(sheet, UploadFile) and sheet.filename:
            await run_in_threadpool(ui.store.replace_input, run, sheet.filename, await sheet.read())
        cvs = [(cv.filename, await cv.read()) for cv in form.getlist("cv_files") if isinstance(cv, UploadFile) and cv.filename]
        await run_in_threadpool(ui.store.add_cvs, run, cvs)
    except BatchEnrolError as exc:
        return await check_page(request, _say(exc))
    run.save()
    return _go(f"/runs/{run.id}/check")


async def edit_cell(request: Request) -> Response:
    """A small fix typed in the page, written into the run's copy of the file (the library's edit_cells)."""
    ui = ui_of(request)
    run = ui.run_or_404(request)
    form = await read_form(request)
    if ui.runner.busy(run.id):
        return await check_page(request, "This file is being sent: wait until it finishes, then fix the rest.")
    settings = settings_for(ui, run)
    try:
        row, column = int(str(form.get("row"))), int(str(form.get("column")))
        table = await run_in_threadpool(_table, run, settings)
        await run_in_threadpool(edit_cells, table, {(row, column): str(form.get("value") or "").strip()})
    except ValueError:
        return await check_page(request, "That cell could not be found. Reload the page and try again.")
    except BatchEnrolError as exc:
        return await check_page(request, _say(exc))
    return _go(f"/runs/{run.id}/check")


async def preview_page(request: Request) -> Response:
    ui = ui_of(request)
    run = ui.run_or_404(request)
    if ui.runner.busy(run.id):
        return _go(f"/runs/{run.id}/progress")
    settings = settings_for(ui, run)
    try:  # the library's own preview, the same numbers `batch-enrol plan` prints for this file and journal
        said = await run_in_threadpool(plan_run, run.input, settings, out=run.output, journal=run.journal)
    except BatchEnrolError as exc:
        return ui.page(request, "check.html", 400, title="3. Check", run=run, problem=_say(exc))
    return ui.page(request, "preview.html", title="4. Preview", run=run, preview=said, duration=duration_words(said.seconds),
                   in_file=said.rows + said.done + said.not_sendable,
                   token_missing=not settings.sandbox and not settings.token)  # fmt: skip


routes = [
    Route("/", home),
    Route("/upload", upload_page),
    Route("/upload", upload, methods=["POST"]),
    Route("/runs/{run_id}/columns", columns_page),
    Route("/runs/{run_id}/columns", save_columns, methods=["POST"]),
    Route("/runs/{run_id}/mapping.toml", mapping_file),
    Route("/runs/{run_id}/mapping", use_mapping, methods=["POST"]),
    Route("/runs/{run_id}/check", check_page),
    Route("/runs/{run_id}/check-report.xlsx", check_report),
    Route("/runs/{run_id}/reupload", reupload, methods=["POST"]),
    Route("/runs/{run_id}/edit", edit_cell, methods=["POST"]),
    Route("/runs/{run_id}/preview", preview_page),
]
