"""Render docs/img/ui-*.png: each step of the web app, from a real run of the sample data against the sandbox.

Needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium) and the dev extras
(Playwright). Run from the repository root: ``python scripts/render_ui_screenshots.py``.
The browser tests call ``render`` too, so the pictures always come from a run that passes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batch_enrol.sandbox import Faults, Sandbox  # noqa: E402
from batch_enrol.settings import Settings  # noqa: E402
from batch_enrol.ui import UiConfig, serve_in_thread  # noqa: E402
from tests.ui_helpers import chromium, upload  # noqa: E402

TARGET = ROOT / "docs" / "img"
STEPS = ("ui-1-upload", "ui-2-columns", "ui-3-check", "ui-4-preview", "ui-5-sending", "ui-6-done", "ui-7-runs")


def render(out_dir: Path) -> list[Path]:
    """Drive the sample workbook through every step and save one PNG per step in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sandbox = Sandbox(Faults(latency=0.4, position_race=False, seed=7))
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as data, chromium() as browser:
        config = UiConfig(settings=Settings(sandbox=True, concurrency=2, rate=4, progress="none"), data_dir=Path(data))
        with serve_in_thread(config, transport=httpx.ASGITransport(app=sandbox.app)) as (base, _):
            page = browser.new_page(viewport={"width": 1100, "height": 900})

            def shot(name: str) -> None:
                path = out_dir / f"{name}.png"
                page.screenshot(path=str(path), full_page=False)
                shots.append(path)

            page.goto(f"{base}/upload")
            page.get_by_label("Your candidate spreadsheet").set_input_files(str(ROOT / "sample_data" / "candidates.xlsx"))
            shot(STEPS[0])
            upload(page, base, ROOT / "sample_data" / "candidates.xlsx")
            shot(STEPS[1])
            page.get_by_role("button", name="Save and check the rows").click()
            page.wait_for_url("**/check")
            shot(STEPS[2])
            page.get_by_role("link", name="Continue with").click()
            page.wait_for_url("**/preview")
            shot(STEPS[3])
            page.get_by_role("button", name="Send").click()
            page.wait_for_url("**/progress")
            page.locator("#rows tr").nth(5).wait_for()
            shot(STEPS[4])
            page.wait_for_url("**/done", timeout=120_000)
            shot(STEPS[5])
            page.goto(f"{base}/runs")
            shot(STEPS[6])
    return shots


if __name__ == "__main__":
    for path in render(TARGET):
        print(path.relative_to(ROOT))
