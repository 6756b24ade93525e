"""The OS's Chromium driven by Playwright, and the steps a person takes in the web app."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


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
