"""The benchmark harness works end to end at smoke size (figures are not asserted: timings are not tests)."""

import subprocess
import sys

from tests.helpers import ROOT


def test_benchmarks_smoke():
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in ("| concurrency | rate limit |", "| sequential httpx loop |", "| rows | format |", "CPU s per 1,000 rows",
                    "| server | rows | setting |"):
        assert heading in out
    assert "Traceback" not in result.stderr
