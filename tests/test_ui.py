"""The web app's safety rules and layering, over its real HTTP interface (no browser needed)."""

from __future__ import annotations

import ast
import io
import os
import re
import signal
import stat
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import httpx
import openpyxl
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from batch_enrol.errors import ConfigError
from batch_enrol.sandbox import DEFAULT_TOKEN, Faults
from batch_enrol.settings import Secret, Settings
from batch_enrol.ui import UiConfig, check_bind, create_app
from tests.helpers import HEADERS, ROOT, SAMPLES, candidate_rows, cli, read_output, write_csv, write_xlsx

PACKAGE = ROOT / "batch_enrol"


def client(tmp_path: Path, **config) -> TestClient:
    app = create_app(UiConfig(settings=Settings(sandbox=True), data_dir=tmp_path / "data", **config))
    return TestClient(app, base_url="http://127.0.0.1")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def uploaded(browser: TestClient, name: str = "candidates.xlsx", **files) -> str:
    token = csrf_of(browser.get("/upload").text)
    files = {"spreadsheet": (name, (SAMPLES / "candidates.xlsx").read_bytes()), **files}
    response = browser.post("/upload", data={"csrf_token": token}, files=files, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].split("/")[2]


def test_every_form_refuses_a_post_without_its_csrf_token(tmp_path):
    browser = client(tmp_path)
    run_id = uploaded(browser)
    posts = [r.path for r in browser.app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert len(posts) >= 6
    for path in posts:
        url = path.replace("{run_id}", run_id)
        assert browser.post(url, data={}).status_code == 403, url
        assert browser.post(url, data={"csrf_token": "0" * 64}).status_code == 403, url
        stranger = client(tmp_path)  # another browser's valid token does not fit this session
        stranger.get("/upload")
        assert stranger.post(url, data={"csrf_token": csrf_of(browser.get("/upload").text)}).status_code == 403, url
    assert browser.app.state.ui.store.get(run_id).state.status == "new"  # nothing was sent or deleted


def test_listening_beyond_this_computer_needs_a_password(tmp_path):
    result = cli("ui", "--host", "0.0.0.0", "--port", "0", "--no-browser", "--data-dir", tmp_path)
    assert result.returncode == 2
    assert "BATCH_ENROL_UI_PASSWORD" in result.stderr and "Traceback" not in result.stderr
    assert check_bind("127.0.0.1", Secret("")) == [] and check_bind("localhost", Secret("")) == []
    with pytest.raises(ConfigError):
        check_bind("192.168.1.20", Secret(""))
    (warning,) = check_bind("192.168.1.20", Secret("s3cret"))
    assert "TLS" in warning


def test_a_password_guards_every_page(tmp_path):
    browser = client(tmp_path, password=Secret("s3cret"))
    for path in ("/upload", "/runs", "/settings", "/static/app.css"):
        assert browser.get(path).status_code == 401
    assert browser.get("/upload", auth=("hr", "wrong")).status_code == 401
    assert browser.get("/upload", auth=("hr", "s3cret")).status_code == 200


def test_uploads_are_bounded_in_size_and_count(tmp_path):
    browser = client(tmp_path, max_upload_bytes=4096)
    token = csrf_of(browser.get("/upload").text)
    big = {"spreadsheet": ("c.csv", b"x" * 10_000)}
    assert browser.post("/upload", data={"csrf_token": token}, files=big).status_code == 413
    browser = client(tmp_path, max_upload_files=2)
    token = csrf_of(browser.get("/upload").text)
    many = [("spreadsheet", ("c.csv", b"a,b\n"))] + [("cv_files", (f"{i}.txt", b"cv")) for i in range(3)]
    assert browser.post("/upload", data={"csrf_token": token}, files=many).status_code == 400
    assert not list((tmp_path / "data" / "runs").iterdir())


def test_files_are_private_and_a_run_can_be_deleted(tmp_path):
    browser = client(tmp_path)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escape.txt", "ten years of work")
        zf.writestr("cvs/anna.pdf.txt", "ten years of work")
        zf.writestr("notes.exe", "no")
    run_id = uploaded(browser, cv_files=("cvs.zip", archive.getvalue()))
    folder = tmp_path / "data" / "runs" / run_id
    assert sorted(p.name for p in (folder / "cv").iterdir()) == ["anna.pdf.txt", "escape.txt"]
    assert not (tmp_path / "escape.txt").exists()
    for path in [tmp_path / "data", *folder.rglob("*"), folder]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    token = csrf_of(browser.get("/runs").text)
    assert browser.post(f"/runs/{run_id}/delete", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert not folder.exists()
    assert browser.get(f"/runs/{run_id}/columns").status_code == 404
    assert browser.get("/runs/..%2F..%2Fetc/columns").status_code == 404


def test_a_saved_token_stays_on_the_server(tmp_path, monkeypatch):
    monkeypatch.delenv("JOBMOJITO_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    browser = TestClient(create_app(UiConfig(settings=Settings(), data_dir=tmp_path / "data")), base_url="http://127.0.0.1")
    assert "not set yet" in browser.get("/settings").text
    token = csrf_of(browser.get("/settings").text)
    page = browser.post("/settings", data={"csrf_token": token, "token": "eyJ.secret-token.x"}).text
    assert "saved on this computer" in page and "secret-token" not in page
    saved = tmp_path / "data" / "token"
    assert saved.read_text() == "eyJ.secret-token.x" and stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert browser.get("/static/../token").status_code == 404


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def test_the_app_depends_on_the_library_never_the_reverse():
    library = [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts and p.name != "cli.py"]
    for path in library:
        assert not any(m.startswith("batch_enrol.ui") for m in imports_of(path)), path
    app = list((PACKAGE / "ui").glob("*.py"))
    assert len(app) >= 5
    # reading, checking, sending and writing stay in the library: the app touches no file format, HTTP client or database
    banned = (
        "openpyxl",
        "python_calamine",
        "csv",
        "sqlite3",
        "odf",
        "xlrd",
        "batch_enrol.cli",
        "batch_enrol.client",
        "batch_enrol.dispatcher",
    )
    for path in app:
        for module in imports_of(path):
            assert not module.startswith(banned), f"{path.name} imports {module}"


def test_column_choices_saved_one_week_are_used_the_next(tmp_path):
    browser = client(tmp_path)
    first = uploaded(browser)
    page = browser.get(f"/runs/{first}/columns").text
    headers = re.findall(r'name="header" value="([^"]*)"', page)
    fields = ["" if h == "LinkedIn" else ("position_description" if h == "Recruiter notes" else None) for h in headers]
    chosen = [f if f is not None else re.search(rf'value="{re.escape(h)}">.*?<option value="(\w+)" selected', page, re.S).group(1)
              for h, f in zip(headers, fields, strict=True)]  # fmt: skip
    form = {"csrf_token": csrf_of(page), "sheet": "Candidates", "shown_sheet": "Candidates", "header": headers, "field": chosen}
    assert browser.post(f"/runs/{first}/columns", data=form, follow_redirects=False).status_code == 303
    saved = browser.get(f"/runs/{first}/mapping.toml").text
    assert '"LinkedIn" = ""' in saved and '"Recruiter notes" = "position_description"' in saved

    second = uploaded(browser)
    token = csrf_of(browser.get(f"/runs/{second}/columns").text)
    browser.post(f"/runs/{second}/mapping", data={"csrf_token": token}, files={"mapping": ("mapping.toml", saved.encode())})
    state = browser.app.state.ui.store.get(second).state
    assert state.columns["LinkedIn"] == "" and state.columns["Recruiter notes"] == "position_description"


def test_only_this_computers_names_reach_a_loopback_app(tmp_path):
    browser = client(tmp_path)
    assert browser.get("/upload", headers={"host": "127.0.0.1:8765"}).status_code == 200
    assert browser.get("/upload", headers={"host": "localhost:8765"}).status_code == 200
    assert browser.get("/upload", headers={"host": "rebound.example.com"}).status_code == 400


def test_quitting_the_app_stops_a_run_cleanly_and_keeps_what_was_sent(tmp_path, serve, monkeypatch):
    served = serve(Faults(latency=0.1, position_race=False))
    monkeypatch.setenv("JOBMOJITO_TOKEN", DEFAULT_TOKEN)
    monkeypatch.chdir(tmp_path)
    settings = Settings(base_url=served.url, concurrency=2, rate=20, progress="none")
    app = create_app(UiConfig(settings=settings, data_dir=tmp_path / "data"))
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        run_id = uploaded(browser, "many.csv", spreadsheet=("many.csv", write_csv(tmp_path / "m.csv", candidate_rows(60)).read_bytes()))
        token = csrf_of(browser.get(f"/runs/{run_id}/preview").text)
        browser.post(f"/runs/{run_id}/send", data={"csrf_token": token}, follow_redirects=False)
        while len(served.ledger.snapshot()[1]) < 3:
            time.sleep(0.05)
    run = app.state.ui.store.get(run_id)
    assert run.state.status == "stopped" and run.state.exit_code == 130
    enrolled = len(served.ledger.snapshot()[1])
    assert 3 <= enrolled < 60
    rows = read_output(run.output)
    assert sum(1 for r in rows if r["interview_url"]) == enrolled


def test_the_quick_start_command_serves_the_app_until_ctrl_c(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOBMOJITO_", "BATCH_ENROL_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "batch_enrol", "ui", "--sandbox", "--port", "0", "--no-browser", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**env, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        assert "practice mode" in line
        assert "practice mode" in httpx.get(url + "upload", timeout=10).text
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in stderr
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_another_sheet_can_be_chosen_and_is_the_one_checked(tmp_path):
    path = write_xlsx(tmp_path / "two.xlsx", candidate_rows(2))
    book = openpyxl.load_workbook(path)
    week = book.create_sheet("This week")
    week.append(HEADERS)
    for row in candidate_rows(5, start=10):
        week.append(row)
    book.save(path)
    browser = client(tmp_path)
    run_id = uploaded(browser, "two.xlsx", spreadsheet=("two.xlsx", path.read_bytes()))
    page = browser.get(f"/runs/{run_id}/columns").text
    assert "Person 0" in page and "Person 10" not in page
    form = {"csrf_token": csrf_of(page), "sheet": "This week", "shown_sheet": "Candidates"}
    assert browser.post(f"/runs/{run_id}/columns", data=form).status_code == 200
    page = browser.get(f"/runs/{run_id}/columns").text
    assert "Person 10" in page and "Person 0<" not in page
    headers = re.findall(r'name="header" value="([^"]*)"', page)
    fields = re.findall(r'<option value="(\w+)" selected', page)
    form = {"csrf_token": csrf_of(page), "sheet": "This week", "shown_sheet": "This week", "header": headers, "field": fields}
    assert "5 rows: <strong>5 ready to send</strong>" in browser.post(f"/runs/{run_id}/columns", data=form).text


def test_pages_forbid_framing_foreign_scripts_and_caching(tmp_path):
    browser = client(tmp_path)
    page = browser.get("/upload")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and " on" + "submit=" not in page.text  # no inline script for the policy to refuse
    assert "cache-control" not in browser.get("/static/app.css").headers


def test_the_same_list_sent_from_two_tabs_enrols_each_candidate_once(tmp_path, serve, monkeypatch):
    served = serve(Faults(latency=0.05, position_race=False))
    monkeypatch.setenv("JOBMOJITO_TOKEN", DEFAULT_TOKEN)
    monkeypatch.chdir(tmp_path)
    settings = Settings(base_url=served.url, concurrency=2, rate=20, progress="none")
    app = create_app(UiConfig(settings=settings, data_dir=tmp_path / "data"))
    data = write_csv(tmp_path / "m.csv", candidate_rows(20)).read_bytes()
    with TestClient(app, base_url="http://127.0.0.1") as first, TestClient(app, base_url="http://127.0.0.1") as second:
        tabs = [uploaded(tab, "many.csv", spreadsheet=("many.csv", data)) for tab in (first, second)]
        tokens = [csrf_of(tab.get(f"/runs/{run_id}/preview").text) for tab, run_id in zip((first, second), tabs, strict=True)]
        for tab, run_id, token in zip((first, second), tabs, tokens, strict=True):
            tab.post(f"/runs/{run_id}/send", data={"csrf_token": token}, follow_redirects=False)
        for run_id in tabs:
            app.state.ui.runner.wait(run_id, 60)
        again = uploaded(second, "many.csv", spreadsheet=("many.csv", data))  # the next day: nothing left to send
        second.post(f"/runs/{again}/send", data={"csrf_token": csrf_of(second.get(f"/runs/{again}/preview").text)})
        app.state.ui.runner.wait(again, 60)
    requests, enrolments, _ = served.ledger.snapshot()
    sent = Counter(r.email for r in requests if 200 <= r.status < 300)
    assert len(sent) == 20 and set(sent.values()) == {1}, sent  # every candidate enrolled, none twice
    assert len(enrolments) == 20 and all(e.count == 1 for e in enrolments.values())
    assert len(app.state.ui.store.all()) == 1


def zipped(**members: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return archive.getvalue()


def test_the_cv_size_limit_covers_all_cv_files_of_an_upload_and_a_refusal_leaves_nothing(tmp_path):
    browser = client(tmp_path, max_unzipped_bytes=1000)
    token = csrf_of(browser.get("/upload").text)
    sheet = ("spreadsheet", ("candidates.xlsx", (SAMPLES / "candidates.xlsx").read_bytes()))
    each_fits = [sheet, ("cv_files", ("a.zip", zipped(**{"a.txt": "x" * 600}))), ("cv_files", ("b.zip", zipped(**{"b.txt": "x" * 600})))]
    refused = browser.post("/upload", data={"csrf_token": token}, files=each_fits)
    assert refused.status_code == 400 and "too large together" in refused.text
    plain = [sheet, ("cv_files", ("a.txt", b"x" * 600)), ("cv_files", ("b.txt", b"x" * 600))]
    assert browser.post("/upload", data={"csrf_token": token}, files=plain).status_code == 400
    broken = [("spreadsheet", ("broken.xlsx", b"PK\x03\x04 not really a workbook"))]
    refused = browser.post("/upload", data={"csrf_token": token}, files=broken)
    assert refused.status_code == 400 and "not a real .xlsx" in refused.text
    assert not list((tmp_path / "data" / "runs").iterdir())  # no orphan run, no stray files
    assert "broken.xlsx" not in browser.get("/upload").text
    fits = [sheet, ("cv_files", ("a.zip", zipped(**{"a.txt": "x" * 400}))), ("cv_files", ("b.txt", b"x" * 400))]
    assert browser.post("/upload", data={"csrf_token": token}, files=fits, follow_redirects=False).status_code == 303


def test_progress_counts_only_rows_sent_at_the_live_rate_with_one_line_per_label():
    from batch_enrol.models import Outcome, Status
    from batch_enrol.ui.runner import Live
    from batch_enrol.ui.sending import totals_in_words

    live = Live("run", total=6)
    live.started -= 3600  # an hour in: an hour-long average would say 0 per second and days left
    for row, status in enumerate([Status.AI_ACCEPT, Status.RECRUITER_ACCEPT], start=2):
        live.add(Outcome(row, status))
    snapshot = live.snapshot()
    assert snapshot["done"] == 2 and snapshot["rate"] == 0.2 and snapshot["eta_s"] == 20  # 4 rows at 2 per 10 s
    live.stopping = True
    for row in range(4, 8):
        live.add(Outcome(row, Status.NOT_SENT, "stopped before it was sent"))
    snapshot = live.snapshot()
    assert snapshot["done"] == 2 and snapshot["eta_s"] is None  # after Stop: 2 of 6 sent, not 6 of 6
    assert totals_in_words(snapshot["counts"]) == {"Enrolled": 2, "Not sent yet": 4}


def test_a_refused_token_is_explained_in_plain_words_with_the_way_to_a_new_one(tmp_path, serve, monkeypatch):
    served = serve(Faults(token_expires_after=3, position_race=False))
    monkeypatch.setenv("JOBMOJITO_TOKEN", DEFAULT_TOKEN)
    monkeypatch.chdir(tmp_path)
    app = create_app(UiConfig(settings=Settings(base_url=served.url, concurrency=1, progress="none"), data_dir=tmp_path / "data"))
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        run_id = uploaded(browser, "many.csv", spreadsheet=("many.csv", write_csv(tmp_path / "m.csv", candidate_rows(10)).read_bytes()))
        browser.post(f"/runs/{run_id}/send", data={"csrf_token": csrf_of(browser.get(f"/runs/{run_id}/preview").text)})
        app.state.ui.runner.wait(run_id, 60)
        page = browser.get(f"/runs/{run_id}/done").text
    message = re.search(r'<p class="problem" role="status">(.*?)</p>', page, re.S).group(1)
    assert "did not accept the access token" in message and "401" not in message and "JWT" not in message
    assert 'id="new-token" href="/settings"' in page  # the way to enter a new token, then resume


def test_a_too_large_upload_gets_the_normal_page_with_the_limit_and_a_way_back(tmp_path):
    browser = client(tmp_path, max_upload_bytes=2 * 2**20)
    token = csrf_of(browser.get("/upload").text)
    page = browser.post("/upload", data={"csrf_token": token}, files={"spreadsheet": ("c.csv", b"x" * 3 * 2**20)},
                        headers={"referer": "http://127.0.0.1/upload"})  # fmt: skip
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert '<nav aria-label="Main">' in page.text and "at most 2 MB" in page.text
    assert '<a href="/upload">Go back</a>' in page.text and "javascript:" not in page.text
    assert not list((tmp_path / "data" / "runs").iterdir())


def test_values_for_the_whole_file_are_saved_with_the_column_choices_and_used_again(tmp_path):
    browser = client(tmp_path)
    first = uploaded(browser)
    page = browser.get(f"/runs/{first}/columns").text
    headers = re.findall(r'name="header" value="([^"]*)"', page)
    chosen = [re.search(rf'value="{re.escape(h)}">.*?<option value="(\w*)" selected', page, re.S) for h in headers]
    form = {"csrf_token": csrf_of(page), "sheet": "Candidates", "shown_sheet": "Candidates", "header": headers,
            "field": [m.group(1) if m else "" for m in chosen], "set_mojito_language_code": "en"}  # fmt: skip
    assert browser.post(f"/runs/{first}/columns", data=form, follow_redirects=False).status_code == 303
    saved = browser.get(f"/runs/{first}/mapping.toml").text
    assert "[defaults]" in saved and 'mojito_language_code = "en"' in saved
    path = tmp_path / "mapping.toml"
    path.write_text(saved)
    assert Settings.load(flags={"mapping_file": path}, env={}).defaults["mojito_language_code"] == "en"  # what --mapping reads

    other = write_xlsx(tmp_path / "other.xlsx", [["Ann", "ann@example.org", "SK", "ten years", "Job", "Bratislava", "SK", ""]])
    second = uploaded(browser, "other.xlsx", spreadsheet=("other.xlsx", other.read_bytes()))
    token = csrf_of(browser.get(f"/runs/{second}/columns").text)
    browser.post(f"/runs/{second}/mapping", data={"csrf_token": token}, files={"mapping": ("mapping.toml", saved.encode())})
    assert browser.app.state.ui.store.get(second).state.defaults["mojito_language_code"] == "en"
    assert 'value="en"' in browser.get(f"/runs/{second}/columns").text
