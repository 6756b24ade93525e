"""Shared fixtures: the sandbox over real loopback HTTP, the CLI as a real process, test files."""

from __future__ import annotations

import contextlib
import csv
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from batch_enrol.sandbox import DEFAULT_TOKEN, Faults, Sandbox, serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "sample_data"

HEADERS = ["Full name", "E-mail", "Country", "CV", "Position", "Location", "Position country", "Language"]


def candidate_rows(n: int, *, positions: int = 3, start: int = 0) -> list[list[str]]:
    """``n`` valid rows spread over ``positions`` new positions."""
    rows = []
    for i in range(start, start + n):
        p = i % positions
        rows.append([f"Person {i}", f"person{i}@example.org", "SK", f"Resume of person {i}: ten years of work.",
                     f"Job {p}", "Bratislava", "SK", "en"])  # fmt: skip
    return rows


def write_csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS, **kw) -> Path:
    with open(path, "w", encoding=kw.pop("encoding", "utf-8"), newline="") as fh:
        writer = csv.writer(fh, **kw)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], headers: list[str] = HEADERS, title: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Candidates"
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


class Served:
    """A sandbox served on 127.0.0.1:<free port>."""

    def __init__(self, sandbox: Sandbox, url: str) -> None:
        self.sandbox, self.url = sandbox, url

    @property
    def ledger(self):
        return self.sandbox.ledger

    def env(self, token: str = DEFAULT_TOKEN, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOJITO_") and k != "GITHUB_STEP_SUMMARY"}
        env.update(JOBMOJITO_BASE_URL=self.url, JOBMOJITO_TOKEN=token, **extra)
        return env


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """``serve(Faults(...), extra_tokens=...)`` → a running sandbox; stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(faults: Faults | None = None, **kw) -> Served:
            sandbox = Sandbox(faults or Faults(), **kw)
            url = stack.enter_context(serve_in_thread(sandbox))
            return Served(sandbox, url)

        yield start


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``batch-enrol`` as a real process (real exit code, real stdout/stderr)."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOJITO_")}
    env = {**env, "PYTHONUNBUFFERED": "1", "CI": "true"}
    return subprocess.run(
        [sys.executable, "-m", "batch_enrol", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


def read_output(path: Path) -> list[dict[str, object]]:
    """The data rows of an output (.xlsx or .csv) as dicts by header."""
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if "enrol_status" in r)
    headers = rows[start]
    return [dict(zip(headers, r, strict=False)) for r in rows[start + 1 :] if any(v not in (None, "") for v in r)]
