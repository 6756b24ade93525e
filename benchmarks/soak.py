"""Chaos soak: many rows, mixed platform faults, SIGKILLs at random moments, then resume.

python -m benchmarks.soak [--rows 5000] [--kills 3] [--fault-rate 0.2] [--seed N]

Checks exactly-once enrolment (one enrolment per candidate, one position per distinct
position) and a complete output (every row with an API decision and the ledger's URL), and
records the figures in benchmarks/results/soak-latest.json.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batch_enrol.sandbox import DEFAULT_TOKEN, Faults, Sandbox, serve_in_thread

from . import data

RESULTS = Path(__file__).resolve().parent / "results"

def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "batch_enrol", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip


def soak(rows: int = 5000, kills: int = 3, fault_rate: float = 0.2, seed: int = 1, positions: int = 25,
         concurrency: int = 16, folder: Path | None = None) -> dict:  # fmt: skip
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(folder or tmp)
        source = data.api_csv(work / "soak.csv", rows, positions)
        sandbox = Sandbox(Faults.mixed(fault_rate, latency=0.01, latency_jitter=0.005, seed=seed))
        started = time.monotonic()
        with serve_in_thread(sandbox) as url:
            env = {**os.environ, "JOBMOJITO_BASE_URL": url, "JOBMOJITO_TOKEN": DEFAULT_TOKEN, "CI": "true"}
            args = ["run", str(source), "--concurrency", str(concurrency), "--rate", "5000", "--max-attempts", "6", "--quiet"]
            killed = 0
            thresholds = sorted(rng.sample(range(rows // 10, rows * 9 // 10), kills))
            for threshold in thresholds:
                proc = _cli(args, env)
                while len(sandbox.ledger.enrolments) < threshold and proc.poll() is None:
                    time.sleep(0.002)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    killed += 1
                proc.wait()
            runs = []
            for _ in range(4):  # resume until every row has a decision (a few may exhaust their retries once)
                proc = _cli(args, env)
                _, err = proc.communicate(timeout=3600)
                runs.append(proc.returncode)
                if proc.returncode == 0:
                    break
                if "Traceback" in err:
                    raise AssertionError(err)
        requests, enrolments, created = sandbox.ledger.snapshot()
        with open(work / "soak.enrolled.csv", encoding="utf-8-sig", newline="") as fh:
            output = list(csv.DictReader(fh))
    by_email = collections.Counter(e.email for e in enrolments.values())
    urls = {e.email: e.interview_url for e in enrolments.values()}
    lost = rows - sum(1 for r in output if r["enrol_status"] not in ("", "not_sent", "error"))
    wrong_url = sum(1 for r in output if urls.get(r["candidate_email"]) != r["interview_url"])
    faults = collections.Counter(r.fault for r in requests if r.fault)
    return {
        "rows": rows,
        "fault_rate": fault_rate,
        "faults_injected": sum(faults.values()),
        "faults_by_kind": dict(faults),
        "kills": killed,
        "final_runs_exit_codes": runs,
        "requests": len(requests),
        "enrolments": len(enrolments),
        "duplicates": sum(n - 1 for n in by_email.values()),  # a candidate enrolled twice (e.g. in two positions)
        "positions_created": len(created),
        "positions_in_file": min(positions, rows),
        "lost": lost,
        "wrong_url": wrong_url,
        "repeats_answered_already_applied": sum(e.count - 1 for e in enrolments.values()),
        "duration_s": round(time.monotonic() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = soak(args.rows, args.kills, args.fault_rate, args.seed)
    print(json.dumps(result, indent=2))
    ok = result["duplicates"] == 0 and result["lost"] == 0 and result["wrong_url"] == 0 and \
        result["positions_created"] == result["positions_in_file"] and result["enrolments"] == result["rows"]  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "soak-latest.json").write_text(json.dumps({**result, "passed": ok}, indent=2) + "\n", "utf-8")
    print("PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
