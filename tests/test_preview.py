"""Where and how much, before sending: the preview, `plan`, the confirmation, .env's base URL."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import httpx
import openpyxl
import pytest

from batch_enrol import pipeline
from batch_enrol.errors import Cancelled
from batch_enrol.preview import Preview, target_of
from batch_enrol.sandbox import DEFAULT_TOKEN, Sandbox
from batch_enrol.settings import Secret, Settings
from tests.conftest import candidate_rows, cli, write_csv, write_xlsx


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOJITO_") and k != "GITHUB_STEP_SUMMARY"}
    return {**env, **extra}


def test_plan_prints_host_rows_positions_and_credits_and_sends_nothing(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "in.csv", candidate_rows(8, positions=2) + [["", "bad", "SK", "cv", "Job", "B", "SK", "en"]])
    result = cli("plan", source, "--credits-per-candidate", "0.5", env=served.env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"host: {served.url.removeprefix('http://')} (a loopback server on this machine, such as batch-enrol sandbox)"
    assert "rows to send: 8; 1 invalid or duplicate, never sent" in result.stdout
    assert "positions to create: at most 2" in result.stdout
    assert "estimated credits: 4 (8 × 0.5 per candidate; an estimate, not a price)" in result.stdout
    assert "nothing was sent" in result.stdout
    assert served.ledger.snapshot()[0] == []  # not one request reached the API
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no output, no journal


def test_plan_counts_only_what_a_resumed_run_would_send(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "in.csv", candidate_rows(4))
    assert cli("run", source, env=served.env()).returncode == 0
    write_csv(source, candidate_rows(6))
    result = cli("plan", source, env=served.env())
    assert "rows to send: 2 (4 already done, not sent again)" in result.stdout
    assert "estimated credits: 0.5 " in result.stdout


def test_run_says_the_host_before_the_first_call_and_records_the_estimate(tmp_path, serve):
    served = serve()
    source = write_xlsx(tmp_path / "in.xlsx", candidate_rows(4))
    result = cli("run", source, "--summary-json", tmp_path / "s.json", env=served.env())
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0].startswith(f"host: {served.url.removeprefix('http://')} (a loopback server")
    assert "estimated credits: 1 (4 × 0.25" in result.stderr
    assert len(served.ledger.snapshot()[0]) == 4
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["preview"]["host"] == served.url.removeprefix("http://")
    assert (summary["preview"]["rows"], summary["preview"]["credits"], summary["counts"]["ai_accept"] >= 0) == (4, 1.0, True)
    sheet = openpyxl.load_workbook(tmp_path / "in.enrolled.xlsx")["Summary"]
    cells = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert cells["host"].startswith(served.url.removeprefix("http://")) and cells["credits"] == 1


def test_the_preview_comes_before_any_call_in_the_library_too(tmp_path):
    sandbox = Sandbox()
    seen: list[Preview] = []

    def confirm(preview: Preview) -> bool:
        assert sandbox.ledger.snapshot()[0] == []
        seen.append(preview)
        return False

    source = write_csv(tmp_path / "in.csv", candidate_rows(3))
    settings = Settings(base_url="http://127.0.0.1:9", token=Secret(DEFAULT_TOKEN))
    with pytest.raises(Cancelled):
        pipeline.run(source, settings, transport=httpx.ASGITransport(app=sandbox.app), confirm=confirm)
    assert seen[0].rows == 3 and seen[0].host == "127.0.0.1:9"
    assert sandbox.ledger.snapshot()[0] == []


def test_hosts_are_named_for_what_they_are():
    assert target_of(Settings(sandbox=True))[0] == "sandbox"
    assert "PRODUCTION" in target_of(Settings())[1]
    assert "loopback" in target_of(Settings(base_url="http://localhost:8787"))[1]
    assert "not JobMojito's production" in target_of(Settings(base_url="https://staging.example.org/v1"))[1]


def test_a_dotenv_with_token_and_base_url_sends_to_that_url(tmp_path, serve):
    served = serve()
    (tmp_path / ".env").write_text(f"JOBMOJITO_TOKEN={DEFAULT_TOKEN}\nJOBMOJITO_BASE_URL={served.url}\n")
    write_csv(tmp_path / "in.csv", candidate_rows(2))
    result = cli("run", "in.csv", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"host: {served.url.removeprefix('http://')}")
    assert len(served.ledger.snapshot()[0]) == 2


def _on_a_terminal(args: list[str], answer: str | None, env: dict[str, str], cwd) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin/stdout/stderr; type ``answer`` at the question."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "batch_enrol", *args], stdin=follower, stdout=follower,
                               stderr=follower, env=env, cwd=cwd, close_fds=True)  # fmt: skip
    os.close(follower)
    seen, answered, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if answer is not None and not answered and b"send now?" in seen:
            os.write(leader, answer.encode() + b"\n")
            answered = True
        if process.poll() is not None and not ready:
            break
    code = process.wait(timeout=30)
    os.close(leader)
    return code, seen.decode("utf-8", "replace")


@pytest.mark.parametrize(("answer", "sent", "code"), [("n", 0, 130), ("y", 3, 0)])
def test_on_a_terminal_the_run_asks_before_sending(tmp_path, serve, answer, sent, code):
    served = serve()
    write_csv(tmp_path / "in.csv", candidate_rows(3))
    exit_code, screen = _on_a_terminal(["run", "in.csv"], answer, served.env(), tmp_path)
    assert screen.index("host: 127.0.0.1") < screen.index("send now?")
    assert exit_code == code, screen
    assert len(served.ledger.snapshot()[0]) == sent


def test_yes_sends_without_asking_on_a_terminal(tmp_path, serve):
    served = serve()
    write_csv(tmp_path / "in.csv", candidate_rows(2))
    exit_code, screen = _on_a_terminal(["run", "in.csv", "--yes"], None, served.env(), tmp_path)
    assert exit_code == 0 and "send now?" not in screen and "host: 127.0.0.1" in screen
    assert len(served.ledger.snapshot()[0]) == 2


def test_plan_takes_runs_sending_options_and_its_estimate_uses_them(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "in.csv", candidate_rows(60))
    sending = ["--max-attempts", "3", "--give-up-after", "5", "--concurrency", "auto", "--rate", "auto"]

    def estimate(*options: str) -> str:
        result = cli("plan", source, *sending, *options, env=served.env())
        assert result.returncode == 0, result.stderr
        return next(line for line in result.stdout.splitlines() if line.startswith("estimated duration"))

    assert estimate() == "estimated duration: about 5 s"  # 60 rows at min(100/s, 64 in flight / 5 s a call)
    assert estimate("--max-concurrency", "4") == "estimated duration: about 1 min"  # 4 / 5 s = 0.8 calls/s
    assert estimate("--max-rate", "0.5") == "estimated duration: about 2 min"
    assert served.ledger.snapshot()[0] == []
