"""The chaos soak at CI size: mixed faults and three SIGKILLs, then resume (full size: python -m benchmarks.soak)."""

from benchmarks.soak import soak


def test_soak_small():
    result = soak(rows=400, kills=3, fault_rate=0.2, seed=3, positions=10)
    assert result["kills"] == 3 and result["faults_injected"] >= 40
    assert result["enrolments"] == 400 and result["duplicates"] == 0
    assert result["positions_created"] == 10
    assert result["lost"] == 0 and result["wrong_url"] == 0
    assert result["final_runs_exit_codes"][-1] == 0
