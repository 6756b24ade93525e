"""Real-world inputs that were read wrong (tests/data/cases/README.md): what reaches the API.

Each file runs through the CLI against the sandbox over loopback; the assertions are on the
request bodies the sandbox received, and on the output written back.
"""

from __future__ import annotations

import shutil

import pytest

from batch_enrol.loader import load
from tests.helpers import DATA, cli, read_output

CASES = DATA / "cases"

#: file → (field, the values sent, in row order)
EXPECTED = {
    "leading_zeros_number_format.xlsx": ("candidate_external_id", ["000123", "004567"]),
    "country_names.csv": ("candidate_country_code", ["TR", "RU", "CV", "NL", "GB", "KR"]),
    "language_names.csv": ("mojito_language_code", ["el", "ms", "en", "de", "en"]),
    "mac_roman_cr.csv": ("candidate_name", ["François Müller", "José Núñez"]),
    "czech_cp1250_semicolon.csv": ("candidate_name", ["Jiří Čermák", "Zdeněk Růžička", "Željko Šimić", "Łukasz Wąż"]),
    "semicolon_quoted_words.csv": ("candidate_resume", [
        "Tools: 'Zendesk', 'Jira', 'Excel' - 4 years", "Certs: 'ITIL', 'CCNA' - support lead", "Skills: 'SAP', 'SQL', 'Power BI'",
    ]),
}  # fmt: skip
# strict_ooxml.xlsx: read right in tests/test_sheets.py, written back (and its ledger checked) in tests/test_living_output.py.


def _sent(served, field: str) -> list[object]:
    requests, _, _ = served.ledger.snapshot()
    bodies = sorted((r for r in requests if r.status == 200), key=lambda r: r.started)
    by_email = {r.body["candidate_email"]: r.body for r in bodies}
    return [body[field] for body in by_email.values()]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_case_sends_its_right_values(tmp_path, serve, name):
    field, values = EXPECTED[name]
    served = serve()
    source = shutil.copy(CASES / name, tmp_path / name)
    out = tmp_path / f"out{source.suffix}"
    result = cli("run", source, "--out", out, "--concurrency", "1", env=served.env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert sorted(map(str, _sent(served, field))) == sorted(values)
    rows = _output_rows(out)
    assert len(rows) == len(values) and all(r["interview_url"] for r in rows)


def _output_rows(out):
    """The output's rows by header; a CSV is read back by the loader (in whatever encoding it has)."""
    if out.suffix != ".csv":
        return read_output(out)
    table = load(out)
    return [dict(zip(table.headers, row.cells, strict=True)) for row in table.rows]


@pytest.mark.parametrize("name, encoding", [("mac_roman_cr.csv", "mac_roman"), ("czech_cp1250_semicolon.csv", "cp1250")])
def test_a_csv_comes_back_in_its_own_encoding_with_the_cells_unchanged(tmp_path, serve, name, encoding):
    served = serve()
    source = shutil.copy(CASES / name, tmp_path / name)
    out = tmp_path / "out.csv"
    result = cli("run", source, "--out", out, env=served.env())
    assert result.returncode == 0, result.stderr
    original = source.read_bytes().decode(encoding).splitlines()
    written = out.read_bytes().decode(encoding).splitlines()  # strict: a wrong encoding fails here
    delimiter = ";" if ";" in original[0] else ","
    for before, after in zip(original, written, strict=True):
        assert after.startswith(before + delimiter)  # the user's cells, then the result columns


def test_validate_names_the_encoding_and_delimiter():
    result = cli("validate", CASES / "czech_cp1250_semicolon.csv")
    assert result.returncode == 0, result.stderr
    assert "read as windows-1250, semicolon-separated" in result.stdout
