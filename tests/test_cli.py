"""The command line: exit codes, one-line messages, help, templates, reports."""

from __future__ import annotations

import base64
import json
import re
import time
import xml.etree.ElementTree as ET

import openpyxl
import pytest

from batch_enrol.models import ExitCode
from batch_enrol.schema import FIELDS
from batch_enrol.template import build_workbook
from tests.helpers import DATA, ROOT, SAMPLES, candidate_rows, cli, read_output, write_csv


def one_line_error(result) -> str:
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize("name, content, message", [
    ("missing.csv", None, "no such file"),
    ("empty.csv", b"", "is empty"),
    ("notes.docx", b"hello", "unsupported file type"),
    ("garbage.xlsx", b"\x00garbage" * 50, "not a real .xlsx workbook"),
    ("header_only.csv", b"Name,Email,Country,CV\n", "no candidate rows"),
    ("no_header.csv", b"a,b,c\n1,2,3\n", "no header row found"),
    ("wrong_header.csv", b"Name,Email,Phone\nA,a@x.org,1\n", "required column(s) missing: candidate_country_code, candidate_resume"),
])  # fmt: skip
@pytest.mark.parametrize("command", ["validate", "run"])
def test_file_problems_exit_2_with_one_line(tmp_path, name, content, message, command):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = cli(command, path, "--sandbox" if command == "run" else "--quiet")
    assert result.returncode == ExitCode.USAGE
    assert message in one_line_error(result)


def test_validate_exit_codes_and_table(tmp_path):
    good = write_csv(tmp_path / "good.csv", candidate_rows(3))
    assert cli("validate", good).returncode == 0
    result = cli("validate", DATA / "good" / "titled_styled.xlsx")
    assert result.returncode == 1
    assert re.search(r"^\s+7\s+Attempts\s+'25'\s+25 is above the maximum of 20$", result.stdout, re.M)
    assert "4 rows: 3 valid, 1 invalid, 0 duplicate" in result.stdout


def test_no_token_is_a_clear_configuration_error(tmp_path):
    source = write_csv(tmp_path / "a.csv", candidate_rows(1))
    result = cli("run", source, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 2 and "no API token" in one_line_error(result)
    assert not (tmp_path / "a.enrolled.csv").exists()


def test_plain_http_is_refused_except_for_loopback(tmp_path):
    source = write_csv(tmp_path / "a.csv", candidate_rows(1))
    env = {"PATH": "/usr/bin:/bin", "JOBMOJITO_TOKEN": "t"}
    result = cli("run", source, "--base-url", "http://api.example.com", env=env)
    assert result.returncode == 2 and "refusing plain http://" in one_line_error(result)


def jwt(exp: float) -> str:
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part({'exp': exp, 'sub': 'x'})}.c2lnbmF0dXJl"


def test_expired_jwt_is_refused_before_sending(tmp_path, serve):
    served = serve(extra_tokens=(jwt(time.time() - 60),))
    source = write_csv(tmp_path / "a.csv", candidate_rows(1))
    result = cli("run", source, env=served.env(token=jwt(time.time() - 60)))
    assert result.returncode == 2 and "token expired" in one_line_error(result)
    assert served.ledger.requests == []


def test_token_file_and_dotenv(tmp_path, serve):
    served = serve(extra_tokens=("from-file", "from-dotenv"))
    source = write_csv(tmp_path / "a.csv", candidate_rows(2))
    (tmp_path / "token.txt").write_text("from-file\n")
    env = {k: v for k, v in served.env().items() if k != "JOBMOJITO_TOKEN"}
    assert cli("run", source, "--token-file", tmp_path / "token.txt", env=env).returncode == 0
    (tmp_path / ".env").write_text('JOBMOJITO_TOKEN="from-dotenv"\n')
    assert cli("run", source, "--fresh", env=env, cwd=tmp_path).returncode == 0


def test_reports_agree_with_the_output(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "a.csv", candidate_rows(6) + [["", "bad", "SK", "cv", "J", "L", "SK", "en"]])
    result = cli("run", source, "--summary-json", tmp_path / "s.json", "--junit", tmp_path / "j.xml", env=served.env())
    assert result.returncode == 1
    rows = read_output(tmp_path / "a.enrolled.csv")
    summary = json.loads((tmp_path / "s.json").read_text())
    counted = {}
    for row in rows:
        counted[row["enrol_status"]] = counted.get(row["enrol_status"], 0) + 1
    assert {k: v for k, v in summary["counts"].items() if v} == counted
    assert summary["rows"] == 7 and len(summary["input_sha256"]) == 64
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 7 and suite.get("failures") == "1"
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["row 8 b***"]
    assert all("@example.org" not in c.get("name") or "***@" in c.get("name") for c in cases)


def test_step_summary_is_appended_in_ci(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "a.csv", candidate_rows(2))
    summary = tmp_path / "step.md"
    summary.write_text("earlier\n")
    assert cli("run", source, env=served.env(GITHUB_STEP_SUMMARY=str(summary))).returncode == 0
    text = summary.read_text()
    assert text.startswith("earlier\n") and "### batch-enrol: `a.csv`" in text


def test_help_lists_every_command_and_the_readme_documents_every_option():
    readme = (ROOT / "README.md").read_text()
    top = cli("--help")
    assert top.returncode == 0
    for command in ("run", "validate", "template", "sandbox", "plan", "results"):
        assert command in top.stdout
        assert f"batch-enrol {command}" in readme
        options = re.findall(r"(--[a-z][a-z-]+)", cli(command, "--help").stdout)
        for option in set(options) - {"--help"}:
            assert f"`{option}" in readme, f"{command} {option} is not in the README"
    for code in ExitCode:
        assert f"| {int(code)} |" in readme


def test_template_matches_the_committed_one_and_the_contract(tmp_path):
    assert cli("template", tmp_path / "t.xlsx").returncode == 0
    assert cli("template", tmp_path / "t.csv").returncode == 0
    assert cli("template", tmp_path / "t.csv").returncode == 2  # never overwritten without --force
    committed = openpyxl.load_workbook(ROOT / "templates" / "candidates-template.xlsx")
    fresh = openpyxl.load_workbook(tmp_path / "t.xlsx")
    for name in ("Candidates", "Instructions"):
        assert [list(r) for r in committed[name].iter_rows(values_only=True)] == [list(r) for r in fresh[name].iter_rows(values_only=True)]
    assert [c.value for c in fresh["Candidates"][1]] == list(FIELDS)
    validations = {str(v.sqref).split(":")[0][:-1]: v.formula1 for v in fresh["Candidates"].data_validations.dataValidation}
    language_column = openpyxl.utils.get_column_letter(FIELDS.index("mojito_language_code") + 1)
    assert '"ar,bg,' in validations[language_column]
    assert (ROOT / "templates" / "candidates-template.csv").read_text(encoding="utf-8-sig").strip() == ",".join(FIELDS)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").strip() == ",".join(FIELDS)
    assert build_workbook()["Candidates"].max_row == 1  # no example row that could be enrolled by mistake


def test_sample_data_shows_every_kind_of_mistake():
    result = cli("validate", SAMPLES / "candidates.csv")
    assert result.returncode == 1
    assert "not a valid email address" in result.stdout and "is empty, and it is required" in result.stdout
    assert "is not one of the interview languages" in result.stdout and "duplicate" in result.stdout


def test_validate_report_highlights_and_explains_bad_cells(tmp_path):
    from tests.helpers import SAMPLES

    result = cli("validate", SAMPLES / "candidates.xlsx", "--report", tmp_path / "report.xlsx")
    assert result.returncode == 1
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx")["Candidates"]
    comments = {c.coordinate: c.comment.text for row in sheet.iter_rows() for c in row if c.comment}
    assert "not a valid email address" in comments["C8"]
    assert "is empty, and it is required" in comments["E17"]
    assert "is not one of the interview languages" in comments["I26"]
    assert "same email and position as row 15" in comments["C34"]
    assert "Our own notes" in comments["L3"]  # the user's own comment is still there
    assert sheet["C8"].fill.start_color.rgb.endswith("FFC7CE")
    assert len(comments) == 5


def test_config_file_defaults_and_columns(tmp_path, serve):
    served = serve()
    (tmp_path / "batch.toml").write_text(
        'concurrency = 2\nrate = 50\n[defaults]\nposition_name = "Support"\nposition_location = "Remote"\n'
        'position_country_code = "Slovakia"\nmojito_language_code = "English"\ninterview_attempts = 2\n'
        '[columns]\n"Bewerber" = "candidate_name"\n', encoding="utf-8")  # fmt: skip
    source = tmp_path / "list.csv"
    source.write_text("Bewerber,Email,Country,CV\nAna,ana@example.org,SK,Five years in support\n", encoding="utf-8")
    result = cli("run", source, "--config", tmp_path / "batch.toml", env=served.env())
    assert result.returncode == 0, result.stderr
    _, enrolments, positions = served.ledger.snapshot()
    (position,) = positions.values()
    assert position.name == "Support" and position.key[3:] == ("SK", "en")
    (tmp_path / "bad.toml").write_text('token = "abc"\n', encoding="utf-8")
    refused = cli("validate", source, "--config", tmp_path / "bad.toml")
    assert refused.returncode == 2 and "holds a token" in refused.stderr and "abc" not in refused.stderr


def test_sandbox_command_serves_the_api(tmp_path):
    import os
    import signal
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "batch_enrol", "sandbox", "--port", str(port), "--latency", "0.01"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        banner = [proc.stdout.readline() for _ in range(3)]
        assert f"export JOBMOJITO_BASE_URL=http://127.0.0.1:{port}" in banner[1]
        assert "export JOBMOJITO_TOKEN=sandbox-token" in banner[2]
        deadline = time.time() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/__sandbox/stats")
                break
            except httpx.TransportError:
                assert time.time() < deadline
                time.sleep(0.05)
        source = write_csv(tmp_path / "a.csv", candidate_rows(3))
        env = {**os.environ, "JOBMOJITO_BASE_URL": f"http://127.0.0.1:{port}", "JOBMOJITO_TOKEN": "sandbox-token"}
        assert cli("run", source, env=env).returncode == 0
        assert httpx.get(f"http://127.0.0.1:{port}/__sandbox/stats").json()["enrolments"] == 3
        seen = httpx.get(f"http://127.0.0.1:{port}/__sandbox/enrolments")
        sent = {e["candidate_email"]: (e["requests"], e["body"]) for e in seen.json()}
        assert sorted(sent) == sorted(r[1] for r in candidate_rows(3))  # what reached the API, row by row
        for row in candidate_rows(3):
            requests, body = sent[row[1]]
            assert requests == 1 and body["candidate_name"] == row[0] and body["candidate_resume"] == row[3]
        assert "sandbox-token" not in seen.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
