"""Several inputs, dropped files processed once, --move-done, --fail-on."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.helpers import candidate_rows, cli, read_output, write_csv, write_xlsx


def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_csv(folder / "monday.csv", candidate_rows(4, start=0))
    write_xlsx(folder / "tuesday.xlsx", candidate_rows(3, start=10))
    write_csv(folder / "wednesday.csv", candidate_rows(2, start=20))
    (folder / "~$tuesday.xlsx").write_bytes(b"excel lock file")  # ignored
    (folder / "readme.md").write_text("not a candidate list")  # ignored
    return folder


def test_a_folder_of_dropped_files_is_processed_once(tmp_path, serve):
    served = serve()
    folder = inbox(tmp_path)
    first = cli("run", folder, "--summary-json", tmp_path / "s.json", "--junit", tmp_path / "j.xml", env=served.env())
    assert first.returncode == 0, first.stderr
    outputs = sorted(p.name for p in (folder / "enrolled").iterdir() if not p.name.startswith(".") and "journal" not in p.name)
    assert outputs == ["monday.enrolled.csv", "tuesday.enrolled.xlsx", "wednesday.enrolled.csv"]
    assert len(read_output(folder / "enrolled" / "tuesday.enrolled.xlsx")) == 3
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["rows"] == 9 and len(summary["files"]) == 3 and summary["exit_code"] == 0
    assert len(ET.parse(tmp_path / "j.xml").getroot().findall("testsuite")) == 3
    calls = len(served.ledger.requests)

    second = cli("run", folder, env=served.env())
    assert second.returncode == 0 and "nothing new to process (3 already done)" in second.stdout
    assert len(served.ledger.requests) == calls

    write_csv(folder / "thursday.csv", candidate_rows(2, start=30))
    third = cli("run", folder, env=served.env())
    assert third.returncode == 0 and "thursday.csv" in third.stdout and "monday.csv" not in third.stdout
    assert len(served.ledger.enrolments) == 11


def test_move_done_and_out_dir(tmp_path, serve):
    served = serve()
    folder = inbox(tmp_path)
    result = cli("run", str(folder / "*.csv"), "--out-dir", tmp_path / "out", "--move-done", tmp_path / "done", env=served.env())
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["monday.csv", "wednesday.csv"]
    assert (tmp_path / "out" / "monday.enrolled.csv").exists()
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["readme.md", "tuesday.xlsx", "~$tuesday.xlsx"]


def test_a_broken_file_among_several_does_not_stop_the_others(tmp_path, serve):
    served = serve()
    folder = inbox(tmp_path)
    (folder / "broken.xlsx").write_bytes(b"not a workbook at all" * 10)
    (folder / "jana.txt").write_text("Jana Nováková\nCurriculum Vitae\n\nTen years of support work, English and Slovak.\n")
    result = cli("run", folder, "--summary-json", tmp_path / "s.json", "--junit", tmp_path / "j.xml", env=served.env())
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if "broken.xlsx" in line] == [
        "error: broken.xlsx is not a real .xlsx workbook (it is damaged, or another kind of file renamed)"]  # said once
    assert "Traceback" not in result.stderr
    assert len(served.ledger.enrolments) == 9
    not_run = {n["input"]: n for n in json.loads((tmp_path / "s.json").read_text())["not_run"]}
    assert not_run["broken.xlsx"]["error"] is True and not_run["broken.xlsx"]["reason"]
    assert not_run["jana.txt"] == {"input": "jana.txt", "reason": "no header row: looks like a CV, not a candidate list", "error": False}
    root = ET.parse(tmp_path / "j.xml").getroot()
    (broken,) = [s for s in root.findall("testsuite") if s.get("name") == "broken.xlsx"]
    assert broken.get("errors") == "1" and broken.find("testcase/error").get("message") == not_run["broken.xlsx"]["reason"]
    assert root.get("errors") == "1"


def test_out_is_refused_with_several_inputs(tmp_path):
    folder = inbox(tmp_path)
    result = cli("run", folder, "--sandbox", "--out", tmp_path / "x.csv")
    assert result.returncode == 2 and "--out-dir" in result.stderr


@pytest.mark.parametrize("level, expected", [("reject", 1), ("invalid", 1), ("error", 0), ("never", 0)])
def test_fail_on(tmp_path, serve, level, expected):
    served = serve()
    rows = candidate_rows(12)
    rows.append(["Bad", "not-an-email", "SK", "cv", "Job 0", "Bratislava", "SK", "en"])
    source = write_csv(tmp_path / "a.csv", rows)
    result = cli("run", source, "--fail-on", level, env=served.env())
    assert result.returncode == expected, result.stderr
    statuses = {r["enrol_status"] for r in read_output(tmp_path / "a.enrolled.csv")}
    assert "invalid" in statuses


def test_fail_on_reject_fails_on_rejects_alone(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "a.csv", candidate_rows(20))
    default = cli("run", source, env=served.env())
    statuses = {r["enrol_status"] for r in read_output(tmp_path / "a.enrolled.csv")}
    assert statuses & {"ai_reject", "recruiter_reject"}  # 20 candidates: the sandbox rejects some
    assert default.returncode == 0
    assert cli("run", source, "--fail-on", "reject", env=served.env()).returncode == 1


def test_an_unexpected_error_in_one_file_skips_it_and_goes_on(tmp_path, serve, monkeypatch):
    from batch_enrol import batch

    real = batch._run_one_of_many

    def crash_on_tuesday(path, *args, **kw):
        if path.name == "tuesday.xlsx":
            raise KeyError("Worksheet Candidates does not exist.")
        return real(path, *args, **kw)

    monkeypatch.setattr(batch, "_run_one_of_many", crash_on_tuesday)
    served = serve()
    result = cli("run", inbox(tmp_path), env=served.env())
    assert result.returncode == 70, result.stderr
    assert "error: tuesday.xlsx: unexpected KeyError" in result.stderr and "Traceback" not in result.stderr
    assert len(served.ledger.enrolments) == 6  # monday and wednesday were sent


def test_a_failed_file_is_named_once(tmp_path, serve):
    served = serve()
    folder = inbox(tmp_path)
    (folder / "broken.csv").write_bytes(b"\x00\x01\x02" * 50)
    result = cli("run", folder, env=served.env())
    line = next(line for line in result.stderr.splitlines() if "broken.csv" in line)
    assert line.count("broken.csv") == 1, line


@pytest.mark.parametrize("command", ["plan", "validate"])
def test_plan_and_validate_leave_out_a_cv_beside_the_lists_as_run_does(tmp_path, command):
    folder = inbox(tmp_path)
    (folder / "cv.txt").write_text("Jana Nováková\nCurriculum Vitae\n\nTen years of support work, English and Slovak.\n")
    result = cli(command, folder, *(["--sandbox"] if command == "plan" else []))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "cv.txt: no header row, looks like a CV: not taken as an input" in result.stderr
    assert "no header row found" not in result.stderr + result.stdout
    for name in ("monday.csv", "tuesday.xlsx", "wednesday.csv"):
        assert name in result.stdout


@pytest.mark.parametrize("command", ["plan", "validate", "run"])
def test_a_file_missing_its_columns_is_named_and_the_others_still_planned(tmp_path, command, serve):
    folder = inbox(tmp_path)
    (folder / "broken.csv").write_text("foo,bar\n1,2\n")
    result = cli(command, folder, *(["--sandbox"] if command == "plan" else []), env=serve().env())
    assert result.returncode == 2, result.stderr + result.stdout  # the same for plan, validate and run
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error.startswith("error: broken.csv: ")
    for name in ("monday.csv", "tuesday.xlsx", "wednesday.csv"):
        assert name in result.stdout


def test_plan_of_one_file_missing_columns_names_it(tmp_path):
    (tmp_path / "short.csv").write_text("Name,Email\nJane Doe,jane@example.org\n")
    result = cli("plan", tmp_path / "short.csv", "--sandbox")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: short.csv: required column(s) missing: "), result.stderr
