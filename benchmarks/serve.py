"""Serve a sandbox in its own process for benchmarks: prints its base URL, runs until stdin closes.

python -m benchmarks.serve LATENCY [FAULT_RATE]
python -m benchmarks.serve --faults '{"rate_limit": 5, "latency": 0.2}'   (any ``Faults`` fields, as JSON)
"""

from __future__ import annotations

import json
import sys

from batch_enrol.sandbox import Faults, Sandbox, serve_in_thread

if __name__ == "__main__":
    if sys.argv[1] == "--faults":
        faults = Faults(**json.loads(sys.argv[2]))
    else:
        latency = float(sys.argv[1])
        faults = Faults.mixed(float(sys.argv[2]) if len(sys.argv) > 2 else 0.0, latency=latency, seed=1)
    with serve_in_thread(Sandbox(faults)) as url:
        print(url, flush=True)
        sys.stdin.read()
