"""Practice mode in a real browser (Debian's Chromium): send, complete the practice interviews, refresh the results."""

from __future__ import annotations

from batch_enrol.settings import Settings
from batch_enrol.ui import UiConfig, serve_in_thread
from tests.helpers import candidate_rows, read_output, write_xlsx
from tests.ui_helpers import chromium, upload


def test_practice_mode_shows_scores_after_refresh_results(tmp_path):
    sheet = write_xlsx(tmp_path / "week 49.xlsx", candidate_rows(4))
    config = UiConfig(settings=Settings(sandbox=True, rate=50, progress="none"), data_dir=tmp_path / "data")
    with serve_in_thread(config) as (base, app), chromium() as browser:
        page = browser.new_page(accept_downloads=True)
        upload(page, base, sheet)
        page.get_by_role("button", name="Save and check the rows").click()
        page.get_by_role("link", name="Continue with the 4 rows ready").click()
        page.wait_for_url("**/preview")
        assert page.locator("#host").inner_text().startswith("sandbox: the built-in sandbox")
        page.get_by_role("button", name="Send 4 candidates").click()
        page.wait_for_url("**/done", timeout=60_000)
        page.get_by_role("button", name="Practice: complete the interviews").click()
        page.get_by_role("button", name="Refresh results").click()
        page.locator("#results").wait_for()
        shown = [row.inner_text().split("\t") for row in page.locator("#results tbody tr").all()]
        with page.expect_download() as download:
            page.locator("#download-updated").click()
        saved = tmp_path / "updated.xlsx"
        download.value.save_as(saved)
    completions = app.state.ui.practice.results.completions
    rows = read_output(saved)
    assert len(shown) == len(rows) == 4
    scored = [r for r in rows if r["profile_interview_id"] in completions]
    assert scored and sum(1 for cells in shown if cells[1] == "completed" and cells[3]) == len(scored)  # status and score on the page
    for row in scored:
        assert float(row["interview_score"]) == completions[row["profile_interview_id"]].score
