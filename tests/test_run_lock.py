"""One run per journal and per inbox, damaged journals refused, bad output paths refused before sending."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from batch_enrol.sandbox import Faults
from tests.conftest import candidate_rows, cli, read_output, write_csv
from tests.test_resume import start_cli, wait_for_enrolments


def assert_nobody_enrolled_twice(served, rows: int) -> None:
    requests, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == rows
    assert all(e.count == 1 for e in enrolments.values()), [e.email for e in enrolments.values() if e.count > 1]
    assert len([r for r in requests if r.status == 200]) == rows


def test_a_second_run_of_the_same_output_exits_2_at_once(tmp_path, serve):
    served = serve(Faults(latency=0.1, position_race=False))
    source = write_csv(tmp_path / "list.csv", candidate_rows(40))
    first = start_cli(["run", source, "--concurrency", "2", "--rate", "100"], served.env())
    wait_for_enrolments(served, 2, first)
    second = cli("run", source, "--concurrency", "2", "--rate", "100", env=served.env())
    assert second.returncode == 2 and "Traceback" not in second.stderr
    assert "another batch-enrol run is using" in second.stderr and "list.enrolled.csv.journal.sqlite" in second.stderr
    assert "--wait" in second.stderr
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert_nobody_enrolled_twice(served, 40)


def test_wait_queues_behind_the_first_run_and_sends_nothing_twice(tmp_path, serve):
    served = serve(Faults(latency=0.05, position_race=False))
    source = write_csv(tmp_path / "list.csv", candidate_rows(40))
    first = start_cli(["run", source, "--concurrency", "2", "--rate", "100"], served.env())
    wait_for_enrolments(served, 2, first)
    second = cli("run", source, "--concurrency", "2", "--rate", "100", "--wait", env=served.env())
    assert second.returncode == 0, second.stderr
    assert "waiting for it to finish" in second.stderr and "already done" in second.stderr
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert_nobody_enrolled_twice(served, 40)
    assert len(read_output(tmp_path / "list.enrolled.csv")) == 40


def test_two_runs_over_one_inbox_process_each_file_once_and_keep_every_registry_entry(tmp_path, serve):
    served = serve(Faults(latency=0.02, position_race=False))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(6):
        write_csv(inbox / f"drop{i}.csv", candidate_rows(5, start=10 * i))
    args = ["run", inbox, "--out-dir", tmp_path / "results", "--concurrency", "2", "--rate", "200"]
    runs = [start_cli(args, served.env()) for _ in range(2)]
    for proc in runs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert_nobody_enrolled_twice(served, 30)
    registry = json.loads((tmp_path / "results" / ".batch-enrol-processed.json").read_text())
    assert sorted(entry["input"] for entry in registry.values()) == [f"drop{i}.csv" for i in range(6)]
    again = cli(*args, env=served.env())
    assert again.returncode == 0 and "nothing new to process (6 already done)" in again.stdout


def test_the_registry_keeps_every_entry_when_processes_add_at_once(tmp_path):
    script = (
        "import sys; from pathlib import Path; from types import SimpleNamespace as NS\n"
        "from batch_enrol.batch import Registry\n"
        "r = Registry(Path(sys.argv[1]))\n"
        "for i in range(25):\n"
        "    r.add(f'{sys.argv[2]}-{i}', NS(summary=NS(input='x.csv'), output='o', exit_code=0))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), name]) for name in "abcd"]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    assert len(json.loads((tmp_path / ".batch-enrol-processed.json").read_text())) == 100


def test_an_empty_journal_beside_its_output_is_refused_until_fresh(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(5))
    assert cli("run", source, env=served.env()).returncode == 0
    journal = tmp_path / "list.enrolled.csv.journal.sqlite"
    for suffix in ("-wal", "-shm"):
        (tmp_path / (journal.name + suffix)).unlink(missing_ok=True)
    journal.write_bytes(b"")
    refused = cli("run", source, env=served.env())
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"the journal {journal} is empty" in refused.stderr and "--fresh" in refused.stderr
    assert len(served.ledger.requests) == 5  # nothing sent again
    assert cli("run", source, "--fresh", env=served.env()).returncode == 0


def test_journal_rows_that_do_not_parse_are_refused(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(5))
    assert cli("run", source, env=served.env()).returncode == 0
    journal = tmp_path / "list.enrolled.csv.journal.sqlite"
    with sqlite3.connect(journal) as db:
        db.execute("UPDATE events SET outcome = '{\"status\": \"no-such\"' WHERE row = 3 AND state = 'done'")
    refused = cli("run", source, env=served.env())
    assert refused.returncode == 2 and "is damaged" in refused.stderr and "does not parse" in refused.stderr
    assert "--fresh" in refused.stderr and len(served.ledger.requests) == 5


def test_a_journal_that_is_not_a_database_is_refused(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(3))
    (tmp_path / "list.enrolled.csv").write_text("x")
    (tmp_path / "list.enrolled.csv.journal.sqlite").write_bytes(b"this is not sqlite at all" * 200)
    refused = cli("run", source, env=served.env())
    assert refused.returncode == 2 and "is damaged" in refused.stderr and "--fresh" in refused.stderr
    assert served.ledger.requests == []


def test_an_output_that_is_a_folder_is_refused_before_sending_even_with_force(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(3))
    (tmp_path / "out.csv").mkdir()
    for extra in ([], ["--force"]):
        refused = cli("run", source, "--out", tmp_path / "out.csv", *extra, env=served.env())
        assert refused.returncode == 2 and "is a folder, not a file" in refused.stderr
    refused = cli("run", source, "--junit", tmp_path / "out.csv", env=served.env())
    assert refused.returncode == 2 and "--junit" in refused.stderr and "is a folder" in refused.stderr
    (tmp_path / "blocker").write_text("a file where a folder should be")
    refused = cli("run", source, "--out", tmp_path / "blocker" / "out.csv", env=served.env())
    assert refused.returncode == 2 and "is a file, not a folder" in refused.stderr
    assert served.ledger.requests == []


def test_a_journal_whose_rows_were_emptied_or_dropped_beside_an_output_is_refused(tmp_path, serve):
    served = serve()
    for damage in ("DELETE FROM events", "DROP TABLE events"):
        folder = tmp_path / damage.split()[0].lower()
        folder.mkdir()
        source = write_csv(folder / "list.csv", candidate_rows(5))
        assert cli("run", source, env=served.env()).returncode == 0
        sent = len(served.ledger.requests)
        journal = folder / "list.enrolled.csv.journal.sqlite"
        with sqlite3.connect(journal) as db:
            db.execute(damage)
        before = (folder / "list.enrolled.csv").read_bytes()
        refused = cli("run", source, env=served.env())
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
        assert str(journal) in refused.stderr and "--fresh" in refused.stderr
        assert len(served.ledger.requests) == sent  # nobody sent again
        assert (folder / "list.enrolled.csv").read_bytes() == before  # decisions kept


def test_a_run_refused_before_sending_leaves_no_journal_or_lock_behind(tmp_path):
    import pytest

    from batch_enrol.errors import ConfigError
    from batch_enrol.pipeline import run
    from batch_enrol.settings import Settings

    source = write_csv(tmp_path / "list.csv", candidate_rows(2))
    settings = Settings.load(env={"JOBMOJITO_BASE_URL": "http://127.0.0.1:9"}, dotenv=tmp_path / ".env")
    with pytest.raises(ConfigError, match="no API token"):
        run(source, settings)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv"]
