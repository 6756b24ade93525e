"""pandas for notebook users: check or enrol a DataFrame of candidate rows.

Install with ``pip install 'batch-enrol[pandas]'``. A frame goes through exactly what a file
goes through (the loader's header matching, the validator, the journal, the dispatcher): it
is written as a CSV in a private temporary folder and run like one, then handed back with
the result columns (``enrol_status``, ``enrol_reason``, ``interview_url``, …) added.
"""

from __future__ import annotations

import csv
import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from .models import RESULT_COLUMNS, Outcome, Status, result_cells
from .pipeline import run, validate
from .settings import Settings

if TYPE_CHECKING:  # pandas is an optional extra: imported where it is used
    import pandas as pd

#: ``enrol_status`` of a row that ``validate_frame`` found valid (nothing was sent).
VALID_REASON = "valid; not sent (checked only)"


def validate_frame(df: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Check every row of ``df`` against the API contract; send nothing.

    ``df``: one candidate per row, columns named as in a spreadsheet (any header the loader
    accepts: ``Email``, ``E-mail``, ``candidate_email``, …); every cell is read as text
    (``NaN``/``None`` as empty). ``settings``: mapping, whole-file values (``defaults``) and
    limits; the defaults when None. Returns a copy of ``df`` with the result columns added:
    ``enrol_status`` is ``invalid`` or ``duplicate`` with the reason in ``enrol_reason``, or
    ``not_sent`` for a valid row. Raises ``InputFileError`` when the columns cannot be used
    (a required field has no column, two columns claim one field).
    """
    with tempfile.TemporaryDirectory(prefix="batch-enrol-") as folder:
        source = _write_csv(df, Path(folder) / "frame.csv")
        checked = validate(source, settings or Settings(sandbox=True))
    outcomes = {c.row: c.outcome or Outcome(row=c.row, status=Status.NOT_SENT, reason=VALID_REASON) for c in checked.rows}
    return _with_results(df, outcomes)


def enrol_frame(
    df: pd.DataFrame,
    settings: Settings,
    *,
    journal: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> pd.DataFrame:
    """Enrol every valid row of ``df``; returns a copy with the result columns added.

    ``df`` as for ``validate_frame``; ``settings``: as for ``run`` (``Settings.load()`` for the
    command line's sources). ``journal``: a journal file to keep between calls, so calling
    again with the same rows resumes (rows already done are not sent again); without it
    each call starts afresh (the API's idempotency still stops a row being enrolled twice).
    ``transport``: as for ``run`` (required with ``Settings(sandbox=True)``). Raises what
    ``run`` raises; the outcome of every row is in ``enrol_status``.
    """
    with tempfile.TemporaryDirectory(prefix="batch-enrol-") as folder:
        source = _write_csv(df, Path(folder) / "frame.csv")
        result = run(source, settings, out=Path(folder) / "frame.enrolled.csv", journal=journal, transport=transport)
    return _with_results(df, result.outcomes)


def _text(value: Any) -> str:
    """A cell as its owner sees it: missing values empty, whole floats without ``.0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return "" if text in ("nan", "NaT", "<NA>") else text


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    """``df`` as a UTF-8 CSV: its column names as the header, data row i on sheet row i + 2."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow([str(c) for c in df.columns])
        for values in df.itertuples(index=False, name=None):
            writer.writerow([_text(v) for v in values])
    return path


def _with_results(df: pd.DataFrame, outcomes: dict[int, Outcome]) -> pd.DataFrame:
    """A copy of ``df`` with one column per result column; a row without an outcome (blank) stays empty."""
    out = df.copy()
    cells = [result_cells(outcomes[i + 2]) if i + 2 in outcomes else ("",) * len(RESULT_COLUMNS) for i in range(len(df))]
    for position, name in enumerate(RESULT_COLUMNS):
        out[name] = [row[position] for row in cells]
    return out
