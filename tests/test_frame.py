"""pandas: a DataFrame through the same validator, journal and dispatcher as a file."""

from __future__ import annotations

import pandas as pd

from batch_enrol import Settings, Status
from batch_enrol.frame import enrol_frame, validate_frame
from batch_enrol.models import FAILURES
from tests.helpers import HEADERS, candidate_rows, sandbox_transport


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame(candidate_rows(n), columns=HEADERS)


def test_validate_frame_adds_the_result_columns_and_sends_nothing():
    df = _frame(3)
    df.loc[1, "E-mail"] = "not-an-email"
    df["Attempts"] = [2.0, None, 3.0]  # a number column as pandas holds it: floats and NaN
    checked = validate_frame(df)
    assert list(checked.columns[: len(df.columns)]) == list(df.columns)
    assert list(checked["enrol_status"]) == ["not_sent", "invalid", "not_sent"]
    assert "E-mail" in checked.loc[1, "enrol_reason"]
    assert "enrol_status" not in df.columns  # the caller's frame is left alone


def test_enrol_frame_round_trips_against_the_sandbox(tmp_path):
    df = _frame(4)
    df.loc[3, "E-mail"] = df.loc[0, "E-mail"]  # same person, same position: a duplicate
    sandbox, transport = sandbox_transport()
    journal = tmp_path / "frame.journal.sqlite"
    done = enrol_frame(df, Settings(sandbox=True, progress="none"), journal=journal, transport=transport)
    assert not set(done["enrol_status"][:3]) & {s.value for s in FAILURES | {Status.DUPLICATE}}  # all three reached a decision
    assert done.loc[3, "enrol_status"] == "duplicate"
    assert all(url.startswith("http") for url in done["interview_url"][:3])
    requests, enrolments, _ = sandbox.ledger.snapshot()
    assert sorted(email for email, _ in enrolments) == sorted(df["E-mail"][:3])
    again = enrol_frame(df, Settings(sandbox=True, progress="none"), journal=journal, transport=transport)
    assert len(sandbox.ledger.snapshot()[0]) == len(requests)  # resumed from the journal: nothing sent again
    assert list(again["interview_url"]) == list(done["interview_url"])


def test_the_readme_pandas_example_runs_on_the_shipped_sample(tmp_path, serve):
    """The README's code block, as written, on sample_data/candidates.xlsx against the sandbox over loopback."""
    import re
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### From a notebook: pandas") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    shutil.copy(root / "sample_data" / "candidates.xlsx", tmp_path / "candidates.xlsx")
    served = serve()
    ran = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=tmp_path, env=served.env(),
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    done = pd.read_excel(tmp_path / "candidates.enrolled.xlsx", dtype=str)
    assert "E-mail address" in done.columns and done["enrol_status"].notna().all()
    sent = {r.email.casefold() for r in served.ledger.requests}
    assert sent and sent <= {e.casefold() for e in done["E-mail address"].dropna()}
    assert (done["enrol_status"] == "invalid").sum() >= 1 and (done["enrol_status"] == "invalid").sum() < len(done)
