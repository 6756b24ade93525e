"""The web app in a real browser (Debian's Chromium), sending to the sandbox over real loopback HTTP."""

from __future__ import annotations

import importlib.util
import re

import pytest

from batch_enrol.models import RESULT_COLUMNS
from batch_enrol.sandbox import DEFAULT_TOKEN, Faults
from batch_enrol.settings import Settings
from batch_enrol.ui import UiConfig, serve_in_thread
from tests.helpers import HEADERS, ROOT, candidate_rows, read_output, write_xlsx
from tests.ui_helpers import chromium, upload


@pytest.fixture
def app_for(tmp_path, monkeypatch):
    """``app_for(served, **settings)`` → (base URL, app) of the web app sending to that sandbox."""
    monkeypatch.delenv("JOBMOJITO_BASE_URL", raising=False)
    monkeypatch.setenv("JOBMOJITO_TOKEN", DEFAULT_TOKEN)
    monkeypatch.chdir(tmp_path)
    stack = []

    def start(served, **settings):
        config = UiConfig(settings=Settings(base_url=served.url, progress="none", **settings), data_dir=tmp_path / "data")
        context = serve_in_thread(config)
        stack.append(context)
        return context.__enter__()

    yield start
    for context in stack:
        context.__exit__(None, None, None)


FITS_WIDTH = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, button, textarea')]
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
    .map(e => e.outerHTML)"""


def test_upload_map_check_preview_send_download(tmp_path, serve, app_for):
    served = serve()
    headers = [("Applicant mail" if h == "E-mail" else h) for h in HEADERS]  # a header no synonym matches
    rows = candidate_rows(9)
    rows[4][2] = "Atlantis"  # a bad country: row 6 of the sheet
    sheet = write_xlsx(tmp_path / "week 48.xlsx", rows, headers)
    base, _ = app_for(served)

    with chromium() as browser:
        page = browser.new_page(accept_downloads=True, viewport={"width": 1100, "height": 900})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        upload(page, base, sheet)

        assert page.evaluate(UNLABELLED) == []  # every control has a label
        assert page.evaluate(FITS_WIDTH), "the Columns page scrolls sideways at 1100 px"  # the preview scrolls in its card
        mail = page.get_by_label('Send "Applicant mail" as')
        assert mail.input_value() == ""  # not recognised: the user maps it
        mail.select_option("candidate_email")
        page.get_by_role("button", name="Save and check the rows").click()

        page.wait_for_url("**/check")
        assert "9 rows: 8 ready to send, 1 needs a fix" in page.locator(".verdict").inner_text()
        bad = page.locator("table.problems tbody tr")
        assert bad.count() == 1
        assert re.match(r"6\s+Country\s+Atlantis\s+\S", bad.first.inner_text())
        assert page.evaluate(UNLABELLED) == []  # every control has a label
        page.get_by_role("link", name="Continue with the 8 rows ready").click()

        page.wait_for_url("**/preview")
        assert page.locator("#to-send").inner_text() == "8"
        assert page.evaluate(UNLABELLED) == []  # every control has a label
        page.get_by_role("button", name="Send 8 candidates").click()

        page.wait_for_url("**/done", timeout=60_000)
        assert page.evaluate(UNLABELLED) == []  # every control has a label
        with page.expect_download() as download:
            page.locator("#download").click()
        saved = tmp_path / "downloaded.xlsx"
        download.value.save_as(saved)
        pages = [page.content()]
        for path in ("/runs", "/settings", "/upload"):
            page.goto(base + path)
            assert page.evaluate(UNLABELLED) == [], path
            pages.append(page.content())
        page.goto(f"{base}/runs")
        page.on("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Delete the files of week 48.xlsx").click()
        page.get_by_role("button", name="Delete the files of week 48.xlsx").wait_for(state="detached")
        assert not any((tmp_path / "data" / "runs").iterdir())
        assert errors == []  # no script errors, nothing refused by the content security policy

    out = read_output(saved)
    assert len(out) == 9 and list(out[0])[-len(RESULT_COLUMNS) :] == list(RESULT_COLUMNS)
    by_mail = {r["Applicant mail"]: r for r in out}
    assert by_mail["person4@example.org"]["enrol_status"] == "invalid"
    assert "Country" in by_mail["person4@example.org"]["enrol_reason"]
    _, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == 8 and all(e.count == 1 for e in enrolments.values())
    for mail, row in by_mail.items():
        if mail == "person4@example.org":
            continue
        (enrolment,) = served.ledger.enrolment_for(mail)
        assert row["enrol_status"] == enrolment.status and row["interview_url"] == enrolment.interview_url
    assert not any(DEFAULT_TOKEN in html for html in pages)  # the token never reaches the browser


def test_stop_mid_run_then_resume_from_the_runs_page(tmp_path, serve, app_for):
    served = serve(Faults(latency=0.15, position_race=False))
    sheet = write_xlsx(tmp_path / "big.xlsx", candidate_rows(40))
    base, app = app_for(served, concurrency=2, rate=20)

    with chromium() as browser:
        page = browser.new_page()
        upload(page, base, sheet)
        page.get_by_role("button", name="Save and check the rows").click()
        page.get_by_role("link", name="Continue with the 40 rows ready").click()
        page.get_by_role("button", name="Send 40 candidates").click()
        page.wait_for_url("**/progress")
        page.locator("#rows tr").nth(2).wait_for()  # three rows have landed
        page.get_by_role("button", name="Stop sending").click()
        page.wait_for_url("**/done", timeout=60_000)
        assert "Stopped" in page.locator("main").inner_text()
        _, enrolments, _ = served.ledger.snapshot()
        assert 3 <= len(enrolments) < 40
        page.goto(page.url.replace("/done", "/preview"))  # what a resume sends: only the rest
        assert page.locator("#done").inner_text() == str(len(enrolments))
        assert page.locator("#to-send").inner_text() == str(40 - len(enrolments))

        page.goto(f"{base}/runs")
        assert "Stopped: can be resumed" in page.locator("table").inner_text()
        page.get_by_role("button", name="Resume big.xlsx").click()
        page.wait_for_url("**/progress")
        run_id = page.url.split("/")[-2]
        page.close()  # closing the tab does not stop the sending

        app.state.ui.runner.wait(run_id, timeout=60)
        page = browser.new_page()
        page.goto(f"{base}/runs/{run_id}/done")
        summary = page.locator("table", has=page.locator("caption", has_text="Summary")).locator("tbody tr")
        assert sum(int(summary.nth(i).locator("td").nth(1).inner_text()) for i in range(summary.count())) == 40  # both parts

    assert app.state.ui.store.get(run_id).state.status == "finished"
    _, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == 40 and all(e.count == 1 for e in enrolments.values())


def test_the_readme_screenshots_render_from_a_practice_run(tmp_path):
    spec = importlib.util.spec_from_file_location("render_ui_screenshots", ROOT / "scripts" / "render_ui_screenshots.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shots = script.render(tmp_path)
    assert [p.stem for p in shots] == list(script.STEPS)
    for path in shots:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
        assert (ROOT / "docs" / "img" / path.name).exists()  # the README shows each one


def test_a_bad_cell_fixed_in_the_page_makes_the_row_ready(tmp_path, serve, app_for):
    served = serve()
    rows = candidate_rows(4)
    rows[2][7] = "Klingon"  # language of row 4
    sheet = write_xlsx(tmp_path / "fix me.xlsx", rows)
    base, _ = app_for(served)
    with chromium() as browser:
        page = browser.new_page()
        upload(page, base, sheet)
        page.get_by_role("button", name="Save and check the rows").click()
        assert "3 ready to send, 1 needs a fix" in page.locator(".verdict").inner_text()
        page.get_by_label("New value for row 4, Language").fill("de")
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        assert "4 rows: 4 ready to send" in page.locator(".verdict").inner_text()
        assert page.locator("table.problems").count() == 0
