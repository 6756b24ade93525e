"""The result columns: one table of (name, how to get it from an Outcome) that every output uses."""

from __future__ import annotations

from batch_enrol.frame import validate_frame
from batch_enrol.models import RESULT_COLUMNS, RESULT_TABLE, Outcome, Status, result_cells
from tests.helpers import HEADERS, candidate_rows


def test_each_column_reads_its_value_from_the_outcome():
    outcome = Outcome(row=2, status=Status.ERROR, reason="HTTP 500", error_field="x", http_status=500, attempts=3,
                      interview_url="https://x/i/1", processed_at="2026-01-01T00:00:00Z")  # fmt: skip
    cells = dict(zip(RESULT_COLUMNS, result_cells(outcome), strict=True))
    assert cells["enrol_status"] == "error" and cells["enrol_reason"] == "HTTP 500" and cells["http_status"] == 500
    assert cells["attempts"] == 3 and cells["interview_url"] == "https://x/i/1"
    assert dict(zip(RESULT_COLUMNS, result_cells(Outcome(row=2, status=Status.INVALID)), strict=True))["http_status"] == ""
    assert RESULT_COLUMNS == tuple(c.name for c in RESULT_TABLE) and len(set(RESULT_COLUMNS)) == len(RESULT_COLUMNS)


def test_the_frame_output_has_exactly_the_table_s_columns():
    import pandas as pd

    checked = validate_frame(pd.DataFrame(candidate_rows(1), columns=HEADERS))
    assert tuple(checked.columns[len(HEADERS) :]) == RESULT_COLUMNS
