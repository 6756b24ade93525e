"""Property-based tests: arbitrary spreadsheets and arbitrary API answers never crash the tool,
and every data row always gets exactly one outcome."""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import json

import httpx
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch_enrol.client import Client, parse_retry_after
from batch_enrol.columns import SYNONYMS, map_columns
from batch_enrol.dispatcher import Dispatcher, Policy
from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from batch_enrol.models import Status
from batch_enrol.validator import check_table
from tests.test_dispatcher import make_jobs

KNOWN = [name for names in SYNONYMS.values() for name in names] + ["candidate_name", "candidate_email"]
REQUIRED_HEADERS = ["Name", "Email", "Country", "CV"]
headers = st.lists(st.one_of(st.sampled_from(KNOWN), st.text(min_size=0, max_size=12)), max_size=6)
cells = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "00123", "3.0", "=1+2", "yes", "SK", "slovakia", "a@b.org", "not an email", "\u200b"]),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def outcome_per_row(path):
    """Load and validate; return (data rows, outcomes) or None for a file-level refusal."""
    try:
        table = load(path)
        columns = map_columns(table.headers)
    except InputFileError as exc:
        assert exc.message and "\n" not in exc.message
        return None
    checked = check_table(table, columns)
    assert len(checked) == len(table.rows)
    for row in checked:
        assert (row.candidate is None) != (row.outcome is None)  # exactly one of the two
        if row.outcome is not None:
            assert row.outcome.status in (Status.INVALID, Status.DUPLICATE) and row.outcome.reason
    return table.rows, checked


@SLOW
@given(
    extra=headers,
    rows=st.lists(st.lists(cells, min_size=0, max_size=10), max_size=15),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_any_csv_is_read_or_refused_cleanly(tmp_path_factory, extra, rows, delimiter, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(REQUIRED_HEADERS + extra)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="replace")
    if encoding == "utf-16" and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = codecs.BOM_UTF16_LE + data
    path = tmp_path_factory.mktemp("csv") / "fuzz.csv"
    path.write_bytes(data)
    result = outcome_per_row(path)
    if result is not None:
        loaded, checked = result
        assert len(checked) == sum(1 for r in rows if any(c.strip() for c in r))


@SLOW
@given(
    header=headers,
    rows=st.lists(st.lists(st.one_of(cells, st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none()), max_size=8), max_size=10),
)
def test_any_workbook_is_read_or_refused_cleanly(tmp_path_factory, header, rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(value):
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([clean(h) for h in REQUIRED_HEADERS + header])
    for row in rows:
        sheet.append([clean(v) for v in row])
    path = tmp_path_factory.mktemp("xlsx") / "fuzz.xlsx"
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    workbook.save(path)
    outcome_per_row(path)


statuses = st.one_of(st.sampled_from([200, 400, 404, 408, 409, 413, 422, 425, 429, 500, 502, 503, 504, 546]), st.integers(100, 599))
bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=50),
    st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=20), st.integers(), st.none()), max_size=4).map(lambda d: json.dumps(d).encode()),
    st.just(json.dumps({"status": "ai_accept", "interview_url": "https://x/i/1"}).encode()),
    st.just(json.dumps({"status": "unknown", "interview_url": 5}).encode()),
    st.just(b'{"error": "bad", "name": "candidate_email"}'),
)
retry_after = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["0", "-5", "1e9", "nan", "inf", "Wed, 21 Oct 2015 07:28:00 GMT", "2"]))


@settings(max_examples=80, deadline=None)
@given(answers=st.lists(st.tuples(statuses, bodies, retry_after), min_size=1, max_size=12))
def test_any_api_answers_leave_one_final_outcome_per_row(answers):
    replies = iter(answers * 50)

    def handler(request):
        status, body, after = next(replies)
        headers = {"Retry-After": after.encode("utf-8")} if after is not None else {}
        if status == 599:
            raise httpx.ReadError("reset")
        return httpx.Response(status, content=body, headers=headers)

    jobs = make_jobs(5)

    async def go():
        async with Client("https://api.test", "tok", transport=httpx.MockTransport(handler)) as client:
            dispatcher = Dispatcher(client, Policy(concurrency=2, rate=10_000, max_attempts=3, backoff_base=0.001,
                                                   backoff_cap=0.001, min_throttle_wait=0.001, retry_after_cap=0.001,
                                                   breaker_cooldown=0.001, min_rate=100))  # fmt: skip
            # min_rate: answers that are all 429 would otherwise slow the rate to one call per 10 minutes
            return await dispatcher.run(jobs)

    outcomes = asyncio.run(go())
    assert sorted(outcomes) == [j.row for j in jobs]
    for outcome in outcomes.values():
        assert outcome.status in Status
        if outcome.status.is_decision:
            assert outcome.interview_url
        else:
            assert outcome.reason


@given(st.text(max_size=40))
def test_retry_after_parsing_never_fails_and_stays_in_bounds(value):
    seconds = parse_retry_after(value)
    assert seconds is None or 0 <= seconds <= 600
