"""The app's Preview page (the library's plan) and Done page results (the library's results reading)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from batch_enrol.sandbox import DEFAULT_TOKEN, Faults
from batch_enrol.settings import Settings
from batch_enrol.ui import UiConfig, create_app
from tests.helpers import candidate_rows, read_output, write_csv, write_xlsx
from tests.test_ui import csrf_of, uploaded


def test_the_preview_page_shows_the_librarys_plan_for_the_same_file(tmp_path):
    from batch_enrol.batch import plan_run
    from batch_enrol.preview import duration_words

    settings = Settings(sandbox=True, rate=0.5, concurrency=10, credits_per_candidate=0.7)
    app = create_app(UiConfig(settings=settings, data_dir=tmp_path / "data"))
    data = write_csv(tmp_path / "week.csv", candidate_rows(30)).read_bytes()
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        run_id = uploaded(browser, "week.csv", spreadsheet=("week.csv", data))
        html = browser.get(f"/runs/{run_id}/preview").text
    run = app.state.ui.store.get(run_id)
    planned = plan_run(run.input, settings, out=run.output)  # what `batch-enrol plan --sandbox` prints for this file
    assert planned.rows == 30 and planned.credits == pytest.approx(21)
    shown = {m[0]: m[1] for m in re.findall(r'<dd id="([a-z-]+)">([^<]*)</dd>', html)}
    assert shown["host"] == f"{planned.host}: {planned.target}"
    assert shown["to-send"] == str(planned.rows)
    assert shown["positions"] == f"at most {planned.positions}"
    assert shown["duration"] == duration_words(planned.seconds) == "about 1 min"  # 30 rows at 0.5 a second
    assert shown["credits"].startswith(f"about {planned.credits:g} (0.7 per candidate")


def test_refresh_results_after_practice_interviews_writes_the_sandboxs_scores_into_the_workbook(tmp_path):
    app = create_app(UiConfig(settings=Settings(sandbox=True, rate=50, concurrency=4), data_dir=tmp_path / "data"))
    data = write_xlsx(tmp_path / "week.xlsx", candidate_rows(6)).read_bytes()
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        run_id = uploaded(browser, "week.xlsx", spreadsheet=("week.xlsx", data))
        browser.post(f"/runs/{run_id}/send", data={"csrf_token": csrf_of(browser.get(f"/runs/{run_id}/preview").text)})
        app.state.ui.runner.wait(run_id, 60)
        done = browser.get(f"/runs/{run_id}/done").text
        assert 'id="refresh-results"' in done and 'id="practice-complete"' in done
        assert 'id="results"' not in done  # nothing read yet
        assert "Refresh results" in browser.get("/runs").text  # from the Runs page too
        token = csrf_of(done)
        browser.post(f"/runs/{run_id}/practice-complete-interviews", data={"csrf_token": token})
        page = browser.post(f"/runs/{run_id}/refresh-results", data={"csrf_token": token}).text
        downloaded = browser.get(f"/runs/{run_id}/results")
    sandbox = app.state.ui.practice
    completions = sandbox.results.completions
    assert completions, "the practice control completed interviews"
    assert "6 have a result so far" in page and page.count("<tr><td>") >= 6
    (tmp_path / "got.xlsx").write_bytes(downloaded.content)
    rows = read_output(tmp_path / "got.xlsx")
    assert len(rows) == 6
    for row in rows:
        completion = completions.get(row["profile_interview_id"])
        if completion is None:  # rejected at pre-screening: never interviewed
            assert row["decision_status"] == "rejected" and row["interview_score"] in (None, "")
            continue
        assert row["interview_status"] == "completed"
        assert row["decision_status"] == completion.decision_status
        assert float(row["interview_score"]) == completion.score
        assert f"<td>{row['interview_score']}</td>" in page
    _, enrolments, _ = sandbox.ledger.snapshot()
    assert {e.profile_interview_id for e in enrolments.values()} == {r["profile_interview_id"] for r in rows}


def test_refresh_results_reads_from_the_api_the_run_sent_to_over_loopback_http(tmp_path, serve, monkeypatch):
    served = serve(Faults(), complete_interviews=True)  # every interview completed as soon as it exists
    monkeypatch.setenv("JOBMOJITO_TOKEN", DEFAULT_TOKEN)
    app = create_app(UiConfig(settings=Settings(base_url=served.url, rate=50), data_dir=tmp_path / "data"))
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        run_id = uploaded(browser, "week.csv", spreadsheet=("week.csv", write_csv(tmp_path / "week.csv", candidate_rows(4)).read_bytes()))
        token = csrf_of(browser.get(f"/runs/{run_id}/preview").text)
        assert browser.post(f"/runs/{run_id}/refresh-results", data={"csrf_token": token}).status_code == 404  # nothing sent yet
        browser.post(f"/runs/{run_id}/send", data={"csrf_token": token})
        app.state.ui.runner.wait(run_id, 60)
        assert 'id="practice-complete"' not in browser.get(f"/runs/{run_id}/done").text  # only in practice mode
        assert browser.post(f"/runs/{run_id}/practice-complete-interviews", data={"csrf_token": token}).status_code == 404
        page = browser.post(f"/runs/{run_id}/refresh-results", data={"csrf_token": token}).text
    rows = read_output(app.state.ui.store.get(run_id).output)
    completions = served.sandbox.results.completions
    scored = [r for r in rows if r["profile_interview_id"] in completions]
    assert scored and "4 have a result so far" in page
    for row in scored:
        completion = completions[row["profile_interview_id"]]
        assert (float(row["interview_score"]), row["decision_status"]) == (completion.score, completion.decision_status)
