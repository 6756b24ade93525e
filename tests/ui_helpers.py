"""The web app served on 127.0.0.1:<free port> in this process, and the OS's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from batch_enrol.ui import UiConfig, create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@contextlib.contextmanager
def serve_ui(config: UiConfig, transport: httpx.AsyncBaseTransport | None = None) -> Iterator[tuple[str, object]]:
    """Yield (base URL, app) of the web app served on a free loopback port; stop it afterwards."""
    app = create_app(config, transport=transport)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
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


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright never downloads a browser of its own here."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def upload(page, base: str, sheet: Path, cvs: list[Path] = ()) -> None:  # type: ignore[assignment]
    page.goto(f"{base}/upload")
    page.get_by_label("Your candidate spreadsheet").set_input_files(str(sheet))
    if cvs:
        page.get_by_label("CV files named in the spreadsheet").set_input_files([str(p) for p in cvs])
    page.get_by_role("button", name="Upload and continue").click()
    page.wait_for_url("**/columns")
