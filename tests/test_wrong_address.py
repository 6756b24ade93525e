"""A URL that is not the API stops the run within seconds, exit 2; a real API's passing 5xx does not.

Real servers on 127.0.0.1 port 0: Python's own ``http.server`` (which answers a POST with 501)
and tiny handlers that answer HTML; what reached them is counted.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import struct
import threading
from collections.abc import Iterator

from tests.conftest import candidate_rows, cli, read_output, write_csv

TOKEN_ENV = {"JOBMOJITO_TOKEN": "a-token-for-tests"}


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[tuple[str, list[str]]]:
    """``handler`` on 127.0.0.1:<free port>; yields its URL and the request lines it received."""
    seen: list[str] = []

    class Counting(handler):  # type: ignore[misc, valid-type]
        def log_request(self, *args) -> None:  # once per answer (log_message also logs send_error's text)
            seen.append(self.requestline)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


class HtmlPages(http.server.BaseHTTPRequestHandler):
    """Answers every POST with ``status`` and an HTML page (a web site, a login portal)."""

    status = 200
    answered = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).answered += 1
        self.answer()

    def answer(self) -> None:
        self.send(self.status, b"<html><body><h1>Welcome</h1></body></html>", "text/html")

    def send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def run(tmp_path, url: str, rows: int = 40):
    source = write_csv(tmp_path / "file.csv", candidate_rows(rows))
    result = cli("run", source, "--yes", "--base-url", url, "--give-up-after", 1, "--out", tmp_path / "out.csv",
                 env=TOKEN_ENV)  # fmt: skip
    return result, read_output(tmp_path / "out.csv")


def test_a_static_file_server_that_answers_501_is_a_wrong_address(tmp_path):
    with serving(http.server.SimpleHTTPRequestHandler) as (url, seen):
        result, rows = run(tmp_path, url)
    assert result.returncode == 2, result.stderr
    assert "failed the same way (501: Unsupported method" in result.stderr and "takes no POST" in result.stderr
    assert 3 <= len(seen) <= 8  # a few calls, not the whole file
    assert sum(r["enrol_status"] == "not_sent" for r in rows) >= 32


def test_a_web_page_answering_200_is_a_wrong_address(tmp_path):
    class Site(HtmlPages):
        pass

    with serving(Site) as (url, seen):
        result, rows = run(tmp_path, url)
    assert result.returncode == 2, result.stderr
    assert "does not answer as the API does" in result.stderr and f"{url}/job-interview" in result.stderr
    assert len(seen) <= 8 and sum(r["enrol_status"] == "not_sent" for r in rows) >= 32


def test_an_html_404_page_is_a_wrong_address(tmp_path):
    class Missing(HtmlPages):
        status = 404

    with serving(Missing) as (url, seen):
        result, _ = run(tmp_path, url)
    assert result.returncode == 2, result.stderr
    assert "404: Not Found" in result.stderr and len(seen) <= 8


def test_an_api_whose_gateway_answers_502_pages_at_first_is_not_a_wrong_address(tmp_path):
    class Flaky(HtmlPages):
        def answer(self) -> None:
            if type(self).answered <= 6:  # the gateway's own HTML error page, as nginx sends it
                self.send(502, b"<html><body>502 Bad Gateway</body></html>", "text/html")
            else:
                self.send(200, b'{"status": "ai_accept", "interview_url": "https://x/i/1"}', "application/json")

    with serving(Flaky) as (url, seen):
        result, rows = run(tmp_path, url, rows=6)
    assert result.returncode == 0, result.stderr
    assert {r["enrol_status"] for r in rows} == {"ai_accept"} and len(seen) > 6  # the 502s came first


class Resetting(HtmlPages):
    """Resets the connection (RST, no answer) for the calls ``resets`` lists (1-based; all when empty)."""

    resets: frozenset[int] = frozenset()
    calls: list[str]  #: one entry per POST received (each test's subclass gives its own list)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.calls.append(self.requestline)
        if not self.resets or len(self.calls) in self.resets:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send(200, b'{"status": "ai_accept", "interview_url": "https://x/i/1"}', "application/json")


def test_a_server_that_resets_every_connection_before_answering_is_a_wrong_address(tmp_path):
    class Dead(Resetting):
        calls = []

    with serving(Dead) as (url, _):
        result, rows = run(tmp_path, url)
    assert result.returncode == 2, result.stderr
    assert "the connection was closed before any answer" in result.stderr and f"{url}/job-interview" in result.stderr
    assert "closes them unanswered" in result.stderr
    assert 3 <= len(Dead.calls) <= 8 and sum(r["enrol_status"] == "not_sent" for r in rows) >= 32


def test_resets_after_a_success_are_retried(tmp_path):
    class Flaky(Resetting):
        resets = frozenset({2, 3, 4})
        calls = []

    source = write_csv(tmp_path / "file.csv", candidate_rows(4))
    with serving(Flaky) as (url, _):
        result = cli("run", source, "--yes", "--base-url", url, "--concurrency", 1, "--out", tmp_path / "out.csv",
                     env=TOKEN_ENV)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert {r["enrol_status"] for r in read_output(tmp_path / "out.csv")} == {"ai_accept"} and len(Flaky.calls) == 7
