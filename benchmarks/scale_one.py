"""One scale measurement in a fresh process (so peak RSS is this size's own): load, validate, write.

python -m benchmarks.scale_one FILE  →  prints one JSON line
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from batch_enrol.columns import map_columns
from batch_enrol.loader import load
from batch_enrol.models import Outcome, Status
from batch_enrol.validator import check_table
from batch_enrol.writer import write_output


def main(path: Path) -> dict:
    t0 = time.perf_counter()
    table = load(path)
    t1 = time.perf_counter()
    checked = check_table(table, map_columns(table.headers))
    t2 = time.perf_counter()
    outcomes = {c.row: c.outcome or Outcome(row=c.row, status=Status.AI_ACCEPT, interview_url="https://x/i/1") for c in checked}
    out = path.with_name(path.stem + ".out" + path.suffix)
    rss_before_write = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_output(table, outcomes, out)
    t3 = time.perf_counter()
    out.unlink()
    return {
        "rows": len(table.rows),
        "format": path.suffix.lstrip("."),
        "load_s": round(t1 - t0, 3),
        "validate_s": round(t2 - t1, 3),
        "load_validate_s": round(t2 - t0, 3),
        "write_s": round(t3 - t2, 3),
        "total_s": round(t3 - t0, 3),
        "peak_rss_load_validate_mb": round(rss_before_write, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "valid": sum(c.candidate is not None for c in checked),
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
