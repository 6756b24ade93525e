"""--give-up-after ends a run on time even while calls hang, but never cuts a slow API that works.

Real servers on 127.0.0.1 port 0: a listening socket that never accepts (connections complete,
no answer ever comes) and a tiny http.server handler whose answers come slowly.
"""

from __future__ import annotations

import http.server
import re
import socket
import threading
import time

from tests.conftest import candidate_rows, cli, read_output, write_csv

TOKEN_ENV = {"JOBMOJITO_TOKEN": "a-token-for-tests"}
OK = b'{"status": "ai_accept", "interview_url": "https://x/i/1"}'


def test_a_server_that_never_answers_ends_the_run_at_give_up_after_not_at_the_read_timeout(tmp_path):
    source = write_csv(tmp_path / "file.csv", candidate_rows(10))
    with socket.create_server(("127.0.0.1", 0), backlog=64) as silent:  # never accepts, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        result = cli("run", source, "--yes", "--base-url", url, "--give-up-after", 0.05, "--out", tmp_path / "out.csv",
                     env=TOKEN_ENV, process=True, timeout=90)  # fmt: skip  (the read timeout is 180 s)
    assert result.returncode == 1, result.stderr
    assert re.search(r"no successful call for 3\.\d s", result.stderr)  # 0.05 minutes, not the 3 minutes of a read timeout
    rows = read_output(tmp_path / "out.csv")
    assert {r["enrol_status"] for r in rows} == {"not_sent"}
    assert any("no answer before --give-up-after ran out" in r["enrol_reason"] for r in rows)


def test_after_a_success_calls_slower_than_give_up_after_still_succeed(tmp_path):
    answered: list[str] = []

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if answered:
                time.sleep(4.5)  # longer than --give-up-after (3 s)
            answered.append(self.requestline)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(OK)))
            self.end_headers()
            self.wfile.write(OK)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    source = write_csv(tmp_path / "file.csv", candidate_rows(3))
    try:
        result = cli("run", source, "--yes", "--base-url", f"http://127.0.0.1:{server.server_address[1]}",
                     "--concurrency", 1, "--give-up-after", 0.05, "--out", tmp_path / "out.csv", env=TOKEN_ENV)  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert {r["enrol_status"] for r in read_output(tmp_path / "out.csv")} == {"ai_accept"} and len(answered) == 3
