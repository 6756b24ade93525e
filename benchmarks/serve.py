"""Serve a sandbox in its own process for benchmarks: prints its base URL, runs until stdin closes.

python -m benchmarks.serve LATENCY [FAULT_RATE]
python -m benchmarks.serve --faults '{"rate_limit": 5, "latency": 0.2}'   (any ``Faults`` fields, as JSON)
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from batch_enrol.sandbox import Faults, Sandbox, serve_in_thread


@contextlib.contextmanager
def running(*args: str) -> Iterator[str]:
    """Start ``python -m benchmarks.serve ARGS`` in its own process; yield its base URL; stop it on exit."""
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.serve", *args], cwd=Path(__file__).parent.parent,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError("the sandbox did not start")
        yield url
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    if sys.argv[1] == "--faults":
        faults = Faults(**json.loads(sys.argv[2]))
    else:
        latency = float(sys.argv[1])
        faults = Faults.mixed(float(sys.argv[2]) if len(sys.argv) > 2 else 0.0, latency=latency, seed=1)
    with serve_in_thread(Sandbox(faults)) as url:
        print(url, flush=True)
        sys.stdin.read()
