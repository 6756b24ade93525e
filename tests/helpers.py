"""Test helpers (plain functions and classes; the fixtures are in conftest.py): test files, the
sandbox served over loopback HTTP or handed over as a transport, the command in-process or as a
real process, outputs read back."""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path

import click.testing
import httpx
import openpyxl

from batch_enrol.sandbox import DEFAULT_TOKEN, Sandbox

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


def cli(*args: object, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120,
        process: bool = False) -> subprocess.CompletedProcess:  # fmt: skip
    """Run ``batch-enrol`` with ``args``: in-process through click's CliRunner (fast), or with
    ``process=True`` as a real process (where the process itself matters: entry point, signals).

    Either way the answer has ``returncode``, ``stdout`` and ``stderr``; ``env`` replaces the
    environment (without it: this one, less JOBMOJITO_* variables), ``cwd`` the working folder.
    An exception that escapes the command in-process is printed to ``stderr`` as a traceback,
    as a real process would print it.
    """
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOJITO_")}
    env = {**env, "PYTHONUNBUFFERED": "1", "CI": "true"}
    words = [str(a) for a in args]
    if process:
        return subprocess.run([sys.executable, "-m", "batch_enrol", *words], capture_output=True, text=True, env=env,
                              cwd=cwd, timeout=timeout)  # fmt: skip
    from batch_enrol.cli import main

    overrides: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    overrides.update(env)
    with contextlib.chdir(cwd or os.getcwd()):
        result = click.testing.CliRunner().invoke(main, words, env=overrides, catch_exceptions=True)
    logger = logging.getLogger("batch_enrol")
    logger.handlers[:], logger.propagate = [], True  # the command's handler wrote to a stream now closed
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["batch-enrol", *words], result.exit_code, result.stdout, stderr)


def sandbox_transport(sandbox: Sandbox | None = None) -> tuple[Sandbox, httpx.ASGITransport]:
    """A simulator and an in-process transport to it: ``run(..., transport=transport)``."""
    sandbox = sandbox or Sandbox()
    return sandbox, httpx.ASGITransport(app=sandbox.app)


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
