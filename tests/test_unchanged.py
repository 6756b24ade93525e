"""A re-run of a finished run: nothing changed returns at once; any change does the full work."""

from __future__ import annotations

import json
import os

from batch_enrol import unchanged
from batch_enrol.batch import run_many
from batch_enrol.dispatcher import Job
from batch_enrol.models import Outcome, Status
from batch_enrol.settings import Settings
from tests.helpers import candidate_rows, cli, read_output, sandbox_transport, write_csv


def test_a_rerun_with_nothing_changed_sends_nothing_and_leaves_the_output_untouched(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(12))
    output = tmp_path / "list.enrolled.csv"
    assert cli("run", source, env=served.env()).returncode == 0
    before, stat = output.read_bytes(), output.stat()
    calls = len(served.ledger.requests)

    again = cli("run", source, "--summary-json", tmp_path / "s.json", env=served.env())
    assert again.returncode == 0, again.stderr
    assert "nothing changed since the run that finished" in again.stderr
    assert len(served.ledger.requests) == calls
    assert output.read_bytes() == before and output.stat().st_mtime_ns == stat.st_mtime_ns
    summary = json.loads((tmp_path / "s.json").read_text("utf-8"))
    assert summary["exit_code"] == 0 and summary["rows"] == 12


def test_the_fast_path_is_observable_in_the_library(tmp_path):
    sandbox, transport = sandbox_transport()
    source = write_csv(tmp_path / "list.csv", candidate_rows(5))
    settings = Settings(sandbox=True, progress="none")
    first = run_many([source], settings, transport=transport).results[0]
    assert not first.unchanged and first.summary.calls == 5
    second = run_many([source], settings, transport=transport).results[0]
    assert second.unchanged and second.summary.calls == 0 and second.summary.counts == first.summary.counts
    assert len(sandbox.ledger.requests) == 5


def test_a_missing_or_touched_output_or_a_changed_input_does_the_full_work(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(6))
    output = tmp_path / "list.enrolled.csv"
    assert cli("run", source, env=served.env()).returncode == 0
    first = read_output(output)

    output.unlink()
    again = cli("run", source, env=served.env())
    assert again.returncode == 0 and "nothing changed" not in again.stderr
    assert read_output(output) == first  # rewritten from the journal, nothing sent again
    assert len(served.ledger.enrolments) == 6 and all(e.count == 1 for e in served.ledger.enrolments.values())

    os.utime(output, ns=(0, 0))  # touched (e.g. edited and saved) since the run
    assert "nothing changed" not in cli("run", source, env=served.env()).stderr

    write_csv(source, candidate_rows(7))
    changed = cli("run", source, env=served.env())
    assert changed.returncode == 0 and "nothing changed" not in changed.stderr
    assert len(read_output(output)) == 7 and len(served.ledger.enrolments) == 7


def test_other_settings_do_the_full_work(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(4))
    assert cli("run", source, env=served.env()).returncode == 0
    other = cli("run", source, "--fail-on", "never", env=served.env())
    assert other.returncode == 0 and "already done" in other.stderr and "nothing changed" not in other.stderr


def test_only_a_run_whose_sent_rows_all_have_a_decision_counts_as_finished():
    jobs = [Job(row=2, candidate=None, fingerprint="a"), Job(row=3, candidate=None, fingerprint="b")]  # type: ignore[arg-type]
    decided = Outcome(row=2, status=Status.AI_ACCEPT)
    assert unchanged.nothing_left(jobs, {2: decided, 3: Outcome(row=3, status=Status.RECRUITER_REJECT)})
    assert not unchanged.nothing_left(jobs, {2: decided, 3: Outcome(row=3, status=Status.ERROR, reason="500")})
    assert not unchanged.nothing_left(jobs, {2: decided, 3: Outcome(row=3, status=Status.NOT_SENT)})
    assert not unchanged.nothing_left(jobs, {2: decided})
