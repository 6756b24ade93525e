"""SIGHUP and SIGTERM stop a run like Ctrl-C and say which signal; embed keys survive a SIGKILL."""

from __future__ import annotations

import json
import signal
import stat

import pytest

from batch_enrol.sandbox import Faults
from tests.conftest import candidate_rows, read_output, write_csv
from tests.test_resume import start_cli, wait_for_enrolments


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_hangup_or_terminate_stops_sending_and_writes_the_output(tmp_path, serve, signum):
    served = serve(Faults(latency=0.3, position_race=False))
    source = write_csv(tmp_path / "list.csv", candidate_rows(60))
    proc = start_cli(["run", source, "--concurrency", "4", "--rate", "100"], served.env())
    wait_for_enrolments(served, 4, proc)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert f"stopped by {signum.name}" in err and "Ctrl-C" not in err and "Traceback" not in err
    rows = read_output(tmp_path / "list.enrolled.csv")
    statuses = [r["enrol_status"] for r in rows]
    assert len(rows) == 60 and "not_sent" in statuses
    assert sum(s != "not_sent" for s in statuses) == len(served.ledger.enrolments)
    assert all(r["enrol_reason"] == f"not sent: stopped by {signum.name}" for r in rows if r["enrol_status"] == "not_sent")


def test_embed_signing_keys_are_on_disk_before_a_sigkill(tmp_path, serve):
    served = serve(Faults(latency=0.1, position_race=False))
    source = write_csv(tmp_path / "list.csv", candidate_rows(60, positions=30))
    proc = start_cli(["run", source, "--set", "is_embedded=yes", "--concurrency", "2", "--rate", "100"], served.env())
    wait_for_enrolments(served, 10, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    keys_file = tmp_path / "list.enrolled.csv.embed.json"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    kept = json.loads(keys_file.read_text())
    issued = dict(served.sandbox.platform.embed_keys.values())  # embed id → signing key, as the API sent them
    assert len(kept) >= 8 and kept.items() <= issued.items()
