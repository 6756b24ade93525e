"""The web app's cost over the library it calls: page times on a big file, and a run through the app vs directly.

    python -m benchmarks.ui [--rows N]

1. Server time of each step's page for one N-row XLSX (upload, columns, check, preview),
   next to ``pipeline.check_file`` on the same file (caches warm for all): the app's own
   share is the difference.
2. N rows sent to the in-process sandbox at zero latency: ``pipeline.run_async`` directly,
   then through the app (background thread, RunControl, live counts polled by the
   progress stream's snapshot every 0.5 s as a watching browser would), wall seconds each.
Nothing leaves 127.0.0.1; the sandbox is in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import threading
import time
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from batch_enrol import pipeline
from batch_enrol.sandbox import Sandbox
from batch_enrol.settings import Settings
from batch_enrol.ui import UiConfig, create_app

from .data import rows, write_xlsx


def timed(func, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    value = func(*args, **kwargs)
    return time.perf_counter() - start, value


def pages(path: Path, data: Path) -> dict[str, float]:
    settings = Settings(sandbox=True, rate=10_000, concurrency=32, progress="none")
    pipeline.check_file(path, settings)  # warm the normalisers' caches (country and language tables) for every timing
    browser = TestClient(create_app(UiConfig(settings=settings, data_dir=data)), base_url="http://127.0.0.1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/upload").text).group(1)
    out: dict[str, float] = {}
    out["upload"], response = timed(browser.post, "/upload", data={"csrf_token": token},
                                    files={"spreadsheet": (path.name, path.read_bytes())}, follow_redirects=False)  # fmt: skip
    run = response.headers["location"].rsplit("/", 2)[1]
    for step in ("columns", "check", "preview"):
        out[step], response = timed(browser.get, f"/runs/{run}/{step}")
        assert response.status_code == 200, response.text[:300]
    out["library check_file"], _ = timed(pipeline.check_file, path, settings)
    return out


def sending(path: Path, work: Path) -> dict[str, float]:
    settings = Settings(sandbox=True, rate=10_000, concurrency=32, progress="none")
    direct, _ = timed(lambda: asyncio.run(pipeline.run_async(
        path, settings, out=work / "direct.xlsx", transport=httpx.ASGITransport(app=Sandbox().app))))  # fmt: skip
    app = create_app(UiConfig(settings=settings, data_dir=work / "app"))
    ui = app.state.ui
    run = ui.store.create(path.name, path.read_bytes())
    from batch_enrol.ui.runner import run_settings

    start = time.perf_counter()
    live = ui.runner.start(run, run_settings(settings, run, lambda: None))
    stop = threading.Event()

    def watch() -> None:  # what the progress stream does for one open tab
        since = 0
        while not stop.is_set():
            since += len(live.snapshot(since)["rows"])
            time.sleep(0.5)

    watcher = threading.Thread(target=watch)
    watcher.start()
    ui.runner.wait(run.id)
    through_app = time.perf_counter() - start
    stop.set()
    watcher.join()
    assert run.output.exists() and ui.store.get(run.id).state.status == "finished"
    return {"pipeline.run_async": direct, "through the app": through_app}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    n = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = write_xlsx(work / "candidates.xlsx", rows(n))
        print(f"{n} rows, {path.stat().st_size / 2**20:.1f} MB xlsx")
        for name, seconds in pages(path, work / "pages").items():
            print(f"  page {name:<20} {seconds:7.2f} s")
        for name, seconds in sending(path, work).items():
            print(f"  send {name:<20} {seconds:7.2f} s  ({n / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
