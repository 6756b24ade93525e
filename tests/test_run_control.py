"""The hooks the web app uses: watching and stopping a run from another thread, and mapping files it writes."""

from __future__ import annotations

import asyncio
import threading

from batch_enrol import Settings
from batch_enrol.columns import load_mapping_file, map_columns, mapping_toml
from batch_enrol.control import RunControl
from batch_enrol.models import ExitCode, Status
from batch_enrol.pipeline import run_async
from batch_enrol.sandbox import Faults
from batch_enrol.settings import Secret
from tests.helpers import candidate_rows, write_csv


def test_mapping_toml_reads_back_and_can_leave_a_column_out(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text(mapping_toml({'Mail "adresa"': "candidate_email", "Name": "candidate_name", "Country": ""}), "utf-8")
    mapping = load_mapping_file(path)
    columns = map_columns(("Name", 'Mail "adresa"', "Country", "CV"), mapping, defaults=["candidate_country_code"])
    assert columns.fields == {"candidate_name": 0, "candidate_email": 1, "candidate_resume": 3}
    assert columns.unmapped == ("Country",)  # a header that names a field by itself, left out on purpose


def test_control_sees_each_outcome_and_stops_cleanly_from_another_thread(tmp_path, serve):
    served = serve(Faults(latency=0.05, position_race=False))
    source = write_csv(tmp_path / "in.csv", candidate_rows(60))
    settings = Settings(
        base_url=served.url, token=Secret(served.env()["JOBMOJITO_TOKEN"]), concurrency=2, rate=50, progress="none"
    )
    seen = []
    control = RunControl(on_outcome=seen.append)

    def stop_after_five(outcome):
        seen.append(outcome)
        if len(seen) == 5:
            threading.Thread(target=control.stop).start()

    control.on_outcome = stop_after_five
    result = asyncio.run(run_async(source, settings, out=tmp_path / "out.xlsx", control=control))

    assert control.total == 60
    assert result.exit_code == ExitCode.INTERRUPTED and result.stop_reason == "stopped by the user"
    sent = [o for o in result.outcomes.values() if o.status != Status.NOT_SENT]
    assert 5 <= len(sent) < 60 and len(seen) >= 5
    _, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == len(sent)

    again = asyncio.run(run_async(source, settings, out=tmp_path / "out.xlsx", control=RunControl()))
    assert again.exit_code == ExitCode.OK
    _, enrolments, _ = served.ledger.snapshot()
    assert len(enrolments) == 60 and all(e.count == 1 for e in enrolments.values())


def test_a_stop_asked_before_sending_sends_nothing(tmp_path, serve):
    served = serve()
    source = write_csv(tmp_path / "in.csv", candidate_rows(5))
    settings = Settings(base_url=served.url, token=Secret(served.env()["JOBMOJITO_TOKEN"]), progress="none")
    control = RunControl()
    control.stop()
    result = asyncio.run(run_async(source, settings, out=tmp_path / "out.xlsx", control=control))
    assert result.exit_code == ExitCode.INTERRUPTED
    assert served.ledger.snapshot()[1] == {}
