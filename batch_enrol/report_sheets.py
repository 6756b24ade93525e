"""The sheets added to an output workbook: Summary (one line per run, the status legend, counts)
and Needs attention (the rows to act on, with their row number in the main sheet)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .models import RESULT_COLUMNS, Outcome, Status, Table
from .reports import Summary

#: The Needs attention column holding each row's number in the main sheet: how fixes find their row.
ROW_KEY = "sheet_row"
#: Columns the tool owns in an output; everything else belongs to the user.
OWN_COLUMNS = frozenset((*RESULT_COLUMNS, ROW_KEY))
#: A date cell as the loader reads it: ``2026-12-30`` or ``2026-12-30 10:00:00``.
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?")
HISTORY = ("started", "ended", "input", "input SHA-256", "rows", "calls", "retries", "exit code", "stopped because")
#: The status legend, in plain words (the Summary sheet shows it beside the counts).
LEGEND = {
    Status.AI_ACCEPT: "enrolled; the AI pre-screening accepted the candidate",
    Status.RECRUITER_ACCEPT: "enrolled; accepted, a recruiter decides next",
    Status.RECRUITER_ACTION: "enrolled; a recruiter needs to look at the candidate",
    Status.AI_REJECT: "enrolled, but the AI pre-screening rejected the candidate (not an error)",
    Status.RECRUITER_REJECT: "enrolled, but rejected for a recruiter's rule (not an error)",
    Status.ALREADY_APPLIED: "was already enrolled for this position; the link is theirs",
    Status.ENROLLED: "enrolled by an earlier attempt whose answer was lost; 'batch-enrol results' reads the decision",
    Status.INVALID: "not sent: something in the row is wrong; enrol_reason says what to fix",
    Status.DUPLICATE: "not sent: same email and position as an earlier row",
    Status.ERROR: "sent, but the API refused it or retries ran out; enrol_reason says why",
    Status.NOT_SENT: "not sent: the run stopped before this row; run the same command again",
}


def local_time(text: str) -> str:
    """An ISO time (UTC) as local time with its offset: ``2026-01-05T09:30:00+01:00``; other text as is."""
    if not text:
        return ""
    try:
        return dt.datetime.fromisoformat(text).astimezone().isoformat(timespec="seconds")
    except ValueError:
        return text


#: What an .xlsx sheet name cannot hold (an .xls or .ods sheet name can): these become ``_``.
_ILLEGAL_IN_TITLE = re.compile(r"[\\/?*\[\]:]")


def sheet_title(name: str) -> str:
    """``name`` as an .xlsx sheet may be titled: ``? * / \\ [ ] :`` → ``_``, no apostrophe at either
    end, at most 31 characters; ``Candidates`` when nothing is left (a CSV's rows, an empty name)."""
    return _ILLEGAL_IN_TITLE.sub("_", name).strip("'")[:31] or "Candidates"


def title_note(name: str) -> str:
    """The Summary's line when the data sheet's title had to change, else ''."""
    if not name or sheet_title(name) == name:
        return ""
    return (f"the sheet {name!r} is titled {sheet_title(name)!r} here: an .xlsx sheet name has at most 31 characters "
            "and none of ? * / \\ [ ] :")


def unique_title(names: Sequence[str], title: str) -> str:
    taken = {name.casefold() for name in names}
    candidate, n = title, 2
    while candidate.casefold() in taken:
        candidate, n = f"{title} ({n})", n + 1
    return candidate


def history_line(summary: Summary) -> tuple:
    return (local_time(summary.started_at), local_time(summary.ended_at), Path(summary.input).name, summary.input_sha256,
            summary.rows, summary.calls, summary.retries, summary.exit_code, summary.stop_reason or "-")  # fmt: skip


def summary_rows(summary: Summary, history: Sequence[Sequence[object]] = (), note: str = "") -> list[tuple]:
    """The Summary sheet: one line per run (earlier runs first), then counts with the legend, positions,
    settings, and ``note`` (e.g. why the data sheet's title differs from the input's)."""
    rows: list[tuple] = [HISTORY, *(tuple(line) for line in history), history_line(summary), ()]
    rows.append(("status", "rows", "what it means"))
    rows += [(status, n, LEGEND[Status(status)]) for status, n in summary.counts.items()]
    rows += [("total", summary.rows), ()]
    used = [s for s, n in summary.counts.items() if n]
    rows.append(("position", *used))
    rows += [(position, *(counts.get(s, 0) for s in used)) for position, counts in summary.by_position.items()]
    if summary.preview:  # what was said before sending, beside the counts above
        p = summary.preview
        rows += [(), ("before sending (estimates)", "value"), ("host", f"{p['host']} ({p['target']})"),
                 ("rows to send", p["rows"]), ("positions to create", p["positions"]),
                 ("duration (s)", p["seconds"]), ("credits", p["credits"])]  # fmt: skip
    rows += [(), ("setting (last run)", "value")]
    rows += [(k, v if isinstance(v, (int, float, str)) else json.dumps(v)) for k, v in summary.settings.items()]
    if note:
        rows += [(), ("note", note)]
    return rows


SUMMARY_WIDTHS = (26, 26, 24, 20, 8, 8, 8, 9, 30)


def user_columns(table: Table) -> list[int]:
    """Indexes of the user's own columns (not the tool's result columns)."""
    return [i for i, h in enumerate(table.headers) if h not in OWN_COLUMNS]


def typed(value: object) -> object:
    """A cell's text as the loader renders a date cell → that date (``dt.date``, or ``dt.datetime``
    with a time), so a copy of the cell stays a date; any other value as it is."""
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        try:
            return dt.datetime.fromisoformat(value) if " " in value else dt.date.fromisoformat(value)
        except ValueError:  # 2026-02-30: not a date, keep the text
            return value
    return value


def attention_rows(table: Table, outcomes: Mapping[int, Outcome]) -> list[tuple]:
    """Needs attention: the rows to act on, in the user's own columns, plus why and their main-sheet row."""
    keep = user_columns(table)
    rows: list[tuple] = [(*(table.headers[i] for i in keep), "enrol_status", "enrol_reason", ROW_KEY)]
    for source in table.rows:
        outcome = outcomes.get(source.row)
        if outcome is not None and outcome.status.is_failure:
            cells = [typed(source.cells[i]) if i < len(source.cells) else "" for i in keep]
            rows.append((*cells, outcome.status.value, outcome.reason, source.row))
    return rows


def attention_widths(table: Table) -> tuple[float, ...]:
    widths = []
    for i in user_columns(table):
        longest = max((len(r.cells[i]) for r in table.rows[:200] if i < len(r.cells)), default=0)
        widths.append(float(min(max(len(table.headers[i]), longest, 8) + 2, 40)))
    return (*widths, 16, 60, 10)


def report_sheets(titles: Sequence[str], table: Table, outcomes: Mapping[int, Outcome], summary: Summary,
                  history: Sequence[Sequence[object]] = ()) -> list[tuple[str, list[tuple], tuple[float, ...]]]:  # fmt: skip
    """The Summary and Needs attention sheets as (title, rows, column widths), titled ``titles``."""
    return [
        (titles[0], summary_rows(summary, history, title_note(table.sheet)), SUMMARY_WIDTHS),
        (titles[1], attention_rows(table, outcomes), attention_widths(table)),
    ]
