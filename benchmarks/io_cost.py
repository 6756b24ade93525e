"""Disk cost of a large run: bytes written beside the output's size, then a no-op resume.

python -m benchmarks.io_cost [ROWS] [--embedded]   (default 100000; ~2 KB of resume per row, 12 columns;
``--embedded``: every row asks for embedding, so the embed keys file is written too)

Runs the whole pipeline in this process against the in-process sandbox at zero latency
(``--concurrency 64 --rate 100000``), reading the kernel's count of bytes this process
caused to be written (``write_bytes`` in /proc/self/io: the journal, its WAL, checkpoints
and the output). Then runs the same command again, with every row done: its wall time and
bytes written are the no-op resume's. Prints one JSON line. Linux only.

``run_parts_mb`` says where the run's bytes went: each writer is wrapped to read the
counter of the thread doing the write (/proc/self/task/TID/io) before and after it: the
proof before the first call, checkpoints (in worker threads), the final write, the
journal's commits (WAL appends and WAL-to-journal copies) and opening/closing, the embed
keys file and the finished-run stamp.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from batch_enrol import embed_keys, journal, unchanged, writer
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


def thread_write_bytes() -> int:
    for line in Path(f"/proc/self/task/{threading.get_native_id()}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError("no write_bytes in /proc/self/task/*/io")


@contextlib.contextmanager
def parts() -> Iterator[dict[str, int]]:
    """Bytes written by each writer while the ``with`` body runs (see the module's docstring)."""
    main, found, undo = threading.get_native_id(), {}, []

    def wrap(owner: object, name: str, part) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def counted(*args, **kwargs):
            before = thread_write_bytes()
            try:
                return original(*args, **kwargs)
            finally:
                label = part() if callable(part) else part
                found[label] = found.get(label, 0) + thread_write_bytes() - before

        setattr(owner, name, counted)
        undo.append((owner, name, original))

    wrap(writer, "prove", "proof")
    wrap(writer, "write_output", lambda: "final" if threading.get_native_id() == main else "checkpoints")
    wrap(journal.Journal, "_commit", "journal commits")
    wrap(journal.Journal, "__init__", "journal open/close")
    wrap(journal.Journal, "close", "journal open/close")
    wrap(embed_keys.EmbedKeyFile, "_write", "embed keys")
    wrap(unchanged, "record", "stamp")
    try:
        yield found
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def input_file(rows: int) -> Path:
    path = WORK / f"scale-{rows}.csv"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        data.write_csv(path, data.rows(rows))
    return path


def measure(rows: int, embedded: bool = False) -> dict:
    source = input_file(rows)
    sandbox = Sandbox()
    settings = Settings(sandbox=True, concurrency=64, rate=100000, progress="none",
                        defaults={"is_embedded": "yes"} if embedded else {})  # fmt: skip
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        out = Path(tmp) / "out.csv"
        figures: dict[str, object] = {"rows": rows, "embedded": embedded}
        for label in ("run", "resume"):
            before, began = write_bytes(), time.perf_counter()
            with parts() as found:
                result = run_many([source], settings, out=out, transport=httpx.ASGITransport(app=sandbox.app)).results[0]
            figures[f"{label}_parts_mb"] = {part: round(n / 2**20, 1) for part, n in found.items()}
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
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    print(json.dumps(measure(numbers[0] if numbers else 100_000, embedded="--embedded" in sys.argv)), flush=True)
