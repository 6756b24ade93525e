"""Disk cost of a large run: bytes written beside the output's size, then a no-op resume.

python -m benchmarks.io_cost [ROWS]   (default 100000; ~2 KB of resume per row, 12 columns)

Runs the whole pipeline in this process against the in-process sandbox at zero latency
(``--concurrency 64 --rate 100000``), reading the kernel's count of bytes this process
caused to be written (``write_bytes`` in /proc/self/io: the journal, its WAL, checkpoints
and the output). Then runs the same command again, with every row done: its wall time and
bytes written are the no-op resume's. Prints one JSON line. Linux only.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

from batch_enrol.batch import run_many
from batch_enrol.sandbox import Sandbox
from batch_enrol.settings import Settings

from . import data

WORK = Path(__file__).parent / "work"


def write_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError("no write_bytes in /proc/self/io")


def input_file(rows: int) -> Path:
    path = WORK / f"scale-{rows}.csv"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        data.write_csv(path, data.rows(rows))
    return path


def measure(rows: int) -> dict:
    source = input_file(rows)
    sandbox = Sandbox()
    settings = Settings(sandbox=True, concurrency=64, rate=100000, progress="none")
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        out = Path(tmp) / "out.csv"
        figures: dict[str, object] = {"rows": rows}
        for label in ("run", "resume"):
            before, began = write_bytes(), time.perf_counter()
            result = run_many([source], settings, out=out, transport=httpx.ASGITransport(app=sandbox.app)).results[0]
            figures[f"{label}_s"] = round(time.perf_counter() - began, 2)
            figures[f"{label}_written_mb"] = round((write_bytes() - before) / 2**20, 1)
            figures[f"{label}_calls"] = result.summary.calls
            figures[f"{label}_exit_code"] = int(result.exit_code)
            figures[f"{label}_unchanged"] = result.unchanged
        size = out.stat().st_size
        figures["output_mb"] = round(size / 2**20, 1)
        figures["written_per_output"] = round(float(figures["run_written_mb"]) / (size / 2**20), 2)  # type: ignore[arg-type]
        figures["journal_mb"] = round(sum(p.stat().st_size for p in Path(tmp).glob("out.csv.journal*")) / 2**20, 1)
    return figures


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)), flush=True)
