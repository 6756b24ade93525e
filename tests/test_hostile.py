"""Broken and hostile files: one clear line and the right exit code, never a traceback or a crash."""

from __future__ import annotations

import json

import pytest

from tests.helpers import DATA, cli

BAD = DATA / "bad"
EXPECTED = json.loads((BAD / "expected.json").read_text("utf-8"))


def test_the_corpus_is_large_enough():
    assert len(EXPECTED) >= 25
    assert {p.name for p in BAD.iterdir() if not p.is_dir()} - {"expected.json"} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file(name):
    """Exit 2: one error line with the message. Exit 1: every row read, the bad one explained."""
    expected = EXPECTED[name]
    args = [a.replace("{BAD}", str(BAD)) for a in expected["args"]]
    quiet = ["--quiet"] if expected["code"] == 2 or not expected["message"] else []
    result = cli(expected.get("command", "validate"), BAD / name, *args, *quiet)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode == expected["code"], result.stderr + result.stdout
    if expected["code"] == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and expected["message"] in errors[0], result.stderr
    else:
        assert "rows:" in result.stdout  # read, and every row accounted for
        assert expected["message"] in result.stdout, result.stdout
    assert not list(BAD.glob("*.enrolled.*")) and not list(BAD.glob("*.journal*")), "nothing may be written"


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["code"] != 2))
def test_hostile_but_readable_files_run_end_to_end(tmp_path, name):
    import shutil

    source = shutil.copy(BAD / name, tmp_path / name)
    result = cli("run", source, "--sandbox", "--quiet", "--out", tmp_path / "out.csv", "--rate", "5000", "--concurrency", "16")
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    from batch_enrol.loader import load

    table = load(tmp_path / "out.csv")  # in the input's own encoding (cp1252 for a mixed file)
    rows = [dict(zip(table.headers, r.cells, strict=False)) for r in table.rows]
    assert rows and all(r["enrol_status"] for r in rows)
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "@", "+", "\t", "\r")) or value.startswith("'")


def test_a_100_mb_cell_is_refused_by_the_cell_limit(tmp_path):
    path = tmp_path / "huge_cell.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Name,Email,Country,CV\nA,a@example.org,SK,")
        fh.write("x" * (100 * 2**20))
        fh.write("\n")
    result = cli("validate", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "a cell has more than 1,000,000 characters, above the limit" in result.stderr


def test_a_folder_named_like_a_file(tmp_path):
    (tmp_path / "list.csv").mkdir()
    result = cli("validate", tmp_path / "list.csv")
    assert result.returncode == 2 and "is a folder" in result.stderr


def test_the_token_never_reaches_any_artefact_of_a_failing_verbose_run(tmp_path, serve):
    """A token refused mid-run, a dead row, --verbose, every report: grep everything for the token."""
    from batch_enrol.sandbox import Faults
    from tests.helpers import candidate_rows, write_csv

    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXJjaGFudCJ9.SECRET-signature-123"
    served = serve(Faults(token_expires_after=5, rate_503=0.3, retry_after="0"), token=token)
    rows = candidate_rows(30)
    rows[3][1] = "broken-email"
    source = write_csv(tmp_path / "list.csv", rows)
    result = cli("run", source, "--verbose", "--concurrency", "2", "--rate", "200", "--summary-json", tmp_path / "s.json",
                 "--junit", tmp_path / "j.xml", "--out", tmp_path / "out.xlsx", env=served.env(token=token))  # fmt: skip
    assert result.returncode == 3
    secret = token.encode()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
            assert b"SECRET-signature" not in path.read_bytes(), path
    assert token not in result.stdout + result.stderr and "SECRET" not in result.stdout + result.stderr
    assert "Authorization" not in result.stderr


def test_resumes_and_emails_stay_out_of_the_logs(tmp_path, serve):
    from tests.helpers import candidate_rows, write_csv

    served = serve()
    source = write_csv(tmp_path / "list.csv", candidate_rows(5))
    result = cli("run", source, "--verbose", env=served.env())
    assert result.returncode == 0
    text = result.stdout + result.stderr
    assert "Resume of person" not in text and "@example.org" not in text and "https://sandbox" not in text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_message_about_a_bad_file_fits_one_line_of_200_characters(name):
    """The refusal (message and hint) or each row's problem: lists are cut, never pasted whole."""
    from batch_enrol.errors import BatchEnrolError
    from batch_enrol.pipeline import validate
    from batch_enrol.settings import Settings

    args = EXPECTED[name]["args"]
    sheet = args[args.index("--sheet") + 1] if "--sheet" in args else None
    try:
        checked = validate(BAD / name, Settings(sandbox=True, sheet=sheet))
    except BatchEnrolError as exc:
        lines = [f"error: {exc.message}", f"hint: {exc.hint or ''}"]
    else:
        lines = [str(p) for p in checked.problems]
    assert all(len(line) <= 200 for line in lines), max(lines, key=len)
