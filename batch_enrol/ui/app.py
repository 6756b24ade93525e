"""The web app: ``create_app(UiConfig)`` → a Starlette app; ``serve`` runs it with uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import webbrowser
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..models import Status
from ..settings import is_loopback
from .config import UiConfig, check_bind
from .runner import Runner
from .security import CSRF_FIELD, Guard, read_form
from .store import Run, Store

log = logging.getLogger("batch_enrol")
STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]

#: Each status in plain words: the same meanings as the enrol_status legend of the output workbook.
STATUS_WORDS: dict[str, str] = {
    Status.AI_ACCEPT: "Enrolled",
    Status.RECRUITER_ACCEPT: "Enrolled",
    Status.RECRUITER_ACTION: "Enrolled, waiting for a recruiter",
    Status.AI_REJECT: "Enrolled, not through pre-screening",
    Status.RECRUITER_REJECT: "Enrolled, not through pre-screening",
    Status.ALREADY_APPLIED: "Already enrolled before",
    Status.ENROLLED: "Enrolled; the decision comes with the results",
    Status.INVALID: "Needs a fix",
    Status.DUPLICATE: "Repeated row, not sent",
    Status.ERROR: "Not enrolled: JobMojito said no",
    Status.NOT_SENT: "Not sent yet",
}

RUN_WORDS = {
    "new": "Not sent yet",
    "sending": "Sending",
    "stopped": "Stopped: can be resumed",
    "finished": "Finished",
    "failed": "Could not finish",
}


@dataclass
class Ui:
    """What every page handler needs."""

    config: UiConfig
    store: Store
    runner: Runner
    templates: Environment
    transport: httpx.AsyncBaseTransport | None = None  #: where runs send and results are read (None: the real API)
    practice: Any = None  #: the in-process simulator (a batch_enrol.sandbox.Sandbox) in practice mode, else None

    def page(self, request: Request, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
        template = self.templates.get_template(name)
        context.setdefault("title", "")
        html = template.render(
            request=request,
            csrf_field=CSRF_FIELD,
            csrf=request.state.csrf,
            sandbox=self.config.settings.sandbox,
            status_words=STATUS_WORDS,
            run_words=RUN_WORDS,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def run_or_404(self, request: Request) -> Run:
        run = self.store.get(request.path_params["run_id"])
        if run is None:
            raise HTTPException(404, "There is no such run (it may have been deleted).")
        return run

    async def idle_run(self, request: Request, busy: str) -> Run:
        """The run of the URL, for a form that changes it: the form read (and checked), then
        HTTPException 409 saying ``busy`` while the run is still sending."""
        run = self.run_or_404(request)
        await read_form(request)
        if self.runner.busy(run.id):
            raise HTTPException(409, busy)
        return run


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    await asyncio.to_thread(app.state.ui.runner.stop_all)  # quitting the app is a clean stop, as Ctrl-C in the CLI


def back_path(request: Request) -> str:
    """The page this request came from, when it is one of this app's own (scripts are off: no history.back()), else /upload."""
    referer = urlsplit(request.headers.get("referer", ""))
    same = referer.netloc == request.url.netloc and referer.path.startswith("/") and not referer.path.startswith("//")
    return referer.path + (f"?{referer.query}" if referer.query else "") if same else "/upload"


def ui_of(request: Request) -> Ui:
    return request.app.state.ui


def create_app(config: UiConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The app. ``transport``: where runs send; None = the real API over HTTPS, or in practice mode
    (``config.settings.sandbox``) a simulator kept for the app's lifetime."""
    from . import flow, interviews, sending

    practice = None
    if config.settings.sandbox and transport is None:  # practice mode: one simulator for the app's lifetime
        from ..sandbox import Sandbox

        practice = Sandbox()
        transport = httpx.ASGITransport(app=practice.app)
    templates = Environment(loader=PackageLoader("batch_enrol.ui", "templates"), autoescape=select_autoescape(["html"]))
    store = Store(config.data_dir, max_unzipped_bytes=config.max_unzipped_bytes)
    ui = Ui(config, store, Runner(lambda: transport), templates, transport, practice)

    async def on_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return ui.page(request, "error.html", status_code=exc.status_code, message=exc.detail, title="Problem",
                       back=back_path(request))  # fmt: skip

    app = Starlette(
        routes=[*flow.routes, *sending.routes, *interviews.routes, Mount("/static", StaticFiles(directory=STATIC), name="static")],
        middleware=[
            # a web page elsewhere must not reach this app through a DNS name pointed at 127.0.0.1 (DNS rebinding)
            Middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_NAMES if is_loopback(config.host) else ["*"]),
            Middleware(Guard, password=config.password, max_body=config.max_upload_bytes),
        ],
        lifespan=_lifespan,
        exception_handlers={HTTPException: on_error},
    )
    app.state.ui = ui
    return app


@contextlib.contextmanager
def serve_in_thread(config: UiConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> Iterator[tuple[str, Starlette]]:
    """Serve the app on 127.0.0.1:<free port> in a thread: yield (base URL, app); stop on exit (tests, scripts)."""
    import uvicorn

    app = create_app(config, transport=transport)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="batch-enrol-ui", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(10)


def serve(
    config: UiConfig,
    *,
    port: int,
    open_browser: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    on_ready: Callable[[str], None] = lambda url: None,
) -> None:
    """Run the app until Ctrl-C; ``on_ready(url)`` once it listens. Raises ConfigError for a non-loopback host without a password."""
    import uvicorn

    for warning in check_bind(config.host, config.password):
        log.warning("%s", warning)
    app = create_app(config, transport=transport)
    server = uvicorn.Server(uvicorn.Config(app, host=config.host, port=port, log_level="warning", lifespan="on"))

    def when_ready() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.1)
        if server.started:
            shown = "127.0.0.1" if config.host in ("0.0.0.0", "::") else config.host
            shown = f"[{shown}]" if ":" in shown else shown
            url = f"http://{shown}:{server.servers[0].sockets[0].getsockname()[1]}/"
            on_ready(url)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=when_ready, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the app is quit: live runs were stopped cleanly
        server.run()
