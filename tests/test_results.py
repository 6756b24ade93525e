"""Interview results read back into the output: end to end over loopback, in place, idempotent."""

from __future__ import annotations

import hashlib

import httpx
import openpyxl

from batch_enrol.models import ExitCode
from batch_enrol.results import INTERVIEW_COLUMNS, read_results
from batch_enrol.sandbox import DEFAULT_TOKEN, Sandbox
from batch_enrol.settings import Secret, Settings
from tests.conftest import HEADERS, candidate_rows, cli, read_output, write_csv, write_xlsx


def sandbox_results(served) -> dict[str, dict]:
    return {r["profile_interview_id"]: r for r in served.sandbox.results.rows()}


def sheet_cells(path) -> dict[tuple[int, str], object]:
    """Every cell of the first sheet by (row, header), result columns of 'results' left out."""
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    return {(i, h): v for i, row in enumerate(rows[1:], start=2) for h, v in zip(header, row, strict=False)
            if h not in INTERVIEW_COLUMNS}  # fmt: skip


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_then_completed_interviews_then_results_fill_each_rows_score_and_decision(tmp_path, serve):
    served = serve()
    rows = [r + [f"note {i}"] for i, r in enumerate(candidate_rows(9, positions=2))]
    source = write_xlsx(tmp_path / "in.xlsx", rows, HEADERS + ["Notes"])
    assert cli("run", source, env=served.env()).returncode == 0
    output = tmp_path / "in.enrolled.xlsx"
    workbook = openpyxl.load_workbook(output)  # the user types a note into the output
    workbook.worksheets[0]["I3"] = "INVITED by phone: keep this note"
    workbook.save(output)
    before = sheet_cells(output)
    served.sandbox.complete_interviews()

    result = cli("results", output, env=served.env())
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"host: {served.url.removeprefix('http://')}")
    truth = sandbox_results(served)
    written = read_output(output)
    assert len(written) == 9
    for row in written:
        expected = truth[row["profile_interview_id"]]
        assert row["interview_score"] == expected["score"] and row["decision_status"] == expected["decision_status"]
        assert row["interview_status"] == expected["coach_status"] and row["result_updated_at"] == expected["updated_at"]
        assert row["interview_result_id"] == (expected["interview_result_id"] or None)
    assert {r["interview_status"] for r in written} == {"completed", "not_started"}  # rejected at pre-screening
    assert sheet_cells(output) == before  # every other cell, the user's note included, as it was
    assert openpyxl.load_workbook(output).sheetnames == ["Candidates", "Summary", "Needs attention"]

    again_before = digest(output)
    again = cli("results", output, env=served.env())
    assert again.returncode == 0 and "0 changed" in again.stdout
    assert digest(output) == again_before  # the second time changes nothing


def test_results_keep_what_the_user_added_to_the_output_and_the_interview_links(tmp_path, serve):
    """The result cells are patched into the workbook: a chart the user added, a part no library
    models (custom XML, which openpyxl drops on saving) and the run's interview links come back."""
    import zipfile

    from openpyxl.chart import BarChart, Reference

    served = serve()
    source = write_xlsx(tmp_path / "in.xlsx", candidate_rows(4, positions=1), HEADERS)
    assert cli("run", source, env=served.env()).returncode == 0
    output = tmp_path / "in.enrolled.xlsx"
    workbook = openpyxl.load_workbook(output)
    sheet = workbook.worksheets[0]
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=1, min_row=1, max_row=5))
    sheet.add_chart(chart, "Z2")
    workbook.save(output)
    with zipfile.ZipFile(output, "a") as z:
        z.writestr("customXml/item1.xml", "<custom>kept</custom>")
    links = {c.coordinate: c.hyperlink.target for row in sheet.iter_rows() for c in row if c.hyperlink}
    assert len(links) == 4
    served.sandbox.complete_interviews()

    assert cli("results", output, env=served.env()).returncode == 0
    with zipfile.ZipFile(output) as z:
        assert [n for n in z.namelist() if n.startswith("xl/charts/chart")] == ["xl/charts/chart1.xml"]
        assert z.read("customXml/item1.xml") == b"<custom>kept</custom>"
    sheet = openpyxl.load_workbook(output).worksheets[0]
    assert {c.coordinate: c.hyperlink.target for row in sheet.iter_rows() for c in row if c.hyperlink} == links
    truth = sandbox_results(served)
    assert {r["interview_status"] for r in read_output(output)} == {truth[r["profile_interview_id"]]["coach_status"] for r in read_output(output)}


def test_results_progress_in_a_csv_output_and_unknown_statuses_come_as_they_are(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "in.csv", candidate_rows(4, positions=1))
    assert cli("run", source, env=served.env()).returncode == 0
    output = tmp_path / "in.enrolled.csv"
    assert cli("results", output, env=served.env()).returncode == 0
    accepted = [r for r in read_output(output) if not r["enrol_status"].endswith("reject")]
    assert accepted and {r["interview_status"] for r in accepted} == {"not_started"}
    assert {r["interview_score"] for r in accepted} == {""}
    served.sandbox.complete_interviews(coach_status="needs_review_v2")
    assert cli("results", output, env=served.env()).returncode == 0
    truth = sandbox_results(served)
    for row in read_output(output):
        expected = truth[row["profile_interview_id"]]
        assert row["interview_status"] == expected["coach_status"]
        assert row["interview_score"] == ("" if expected["score"] is None else str(int(expected["score"])))
    assert "needs_review_v2" in {r["interview_status"] for r in read_output(output)}


def _enrolled_csv(tmp_path, sandbox: Sandbox, rows: int, positions: int):
    """An output of a run against ``sandbox`` (in-process)."""
    from batch_enrol import pipeline

    source = write_csv(tmp_path / "in.csv", candidate_rows(rows, positions=positions))
    settings = Settings(base_url="http://127.0.0.1:9", token=Secret(DEFAULT_TOKEN))
    return pipeline.run(source, settings, transport=httpx.ASGITransport(app=sandbox.app)).output, settings


def test_rows_of_one_interview_are_read_in_one_call_single_rows_by_candidate(tmp_path):
    sandbox = Sandbox(complete_interviews=True)
    output, settings = _enrolled_csv(tmp_path, sandbox, 12, 3)
    report = read_results(output, settings, transport=httpx.ASGITransport(app=sandbox.app))
    assert (report.enrolled, report.found, report.calls, report.exit_code) == (12, 12, 3, ExitCode.OK)
    lone = tmp_path / "lone"
    lone.mkdir()
    output, settings = _enrolled_csv(lone, Sandbox(), 2, 2)
    report = read_results(output, settings, transport=httpx.ASGITransport(app=sandbox.app))
    assert report.calls == 2 and report.found == 0  # another sandbox: these candidates are unknown there


def test_a_refused_token_stops_with_exit_code_3_and_leaves_the_file(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "in.csv", candidate_rows(3))
    assert cli("run", source, env=served.env()).returncode == 0
    output = tmp_path / "in.enrolled.csv"
    before = digest(output)
    result = cli("results", output, env=served.env(token="not-the-token"))
    assert result.returncode == 3 and "refused" in result.stderr and "not-the-token" not in result.stderr + result.stdout
    assert digest(output) == before
    assert "none yet" not in result.stdout and "3 could not be read (" in result.stdout and "refused" in result.stdout, result.stdout


def test_a_dead_server_says_the_rows_could_not_be_read_and_why_not_none_yet(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "in.csv", candidate_rows(2))
    assert cli("run", source, env=served.env()).returncode == 0
    dead = {**served.env(), "JOBMOJITO_BASE_URL": "http://127.0.0.1:1"}
    result = cli("results", tmp_path / "in.enrolled.csv", env=dead)
    assert result.returncode == 1, result.stderr
    assert "none yet" not in result.stdout and "2 could not be read (could not connect" in result.stdout, result.stdout


def test_a_file_that_is_not_an_output_is_refused_in_one_line(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "in.csv", candidate_rows(2))
    result = cli("results", source, env=served.env())
    assert result.returncode == 2 and "not an output of 'run'" in result.stderr and "Traceback" not in result.stderr


def test_paging_is_used_only_when_it_takes_fewer_calls_than_one_per_candidate(tmp_path, monkeypatch):
    from batch_enrol import pipeline, results

    monkeypatch.setattr(results, "PAGE", 2)
    sandbox = Sandbox(complete_interviews=True)
    output, settings = _enrolled_csv(tmp_path, sandbox, 5, 1)
    report = read_results(output, settings, transport=httpx.ASGITransport(app=sandbox.app))
    assert (report.found, report.calls) == (5, 3)  # 3 pages of 2 beat 5 calls

    mine = tmp_path / "mine"
    mine.mkdir()
    source = write_csv(mine / "in.csv", candidate_rows(2, start=40, positions=1))
    output = pipeline.run(source, settings, transport=httpx.ASGITransport(app=sandbox.app)).output
    crowded = tmp_path / "crowded"
    crowded.mkdir()
    _enrolled_csv(crowded, sandbox, 12, 1)  # later candidates of the same interview: listed before mine
    report = read_results(output, settings, transport=httpx.ASGITransport(app=sandbox.app))
    assert (report.found, report.calls) == (2, 3)  # one page without them, then one call each (not 6 more pages)
