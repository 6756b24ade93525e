"""Rows as HR writes them: name parts, value maps, resumes that are not resumes, problems a person fixes."""

from __future__ import annotations

import pytest

from batch_enrol.columns import load_value_maps, map_columns
from batch_enrol.fields import Bad
from batch_enrol.loader import load
from batch_enrol.resume_quality import resume_quality
from batch_enrol.validator import check_table, missing_columns
from tests.helpers import HEADERS, candidate_rows, cli, write_csv

RESUME = "Five years of customer support in telecoms."


def _checked(path, **kw):
    table = load(path)
    return check_table(table, map_columns(table.headers), **kw)


def test_first_and_last_name_columns_make_the_candidate_name(tmp_path):
    headers = ["Given name", "Surname", *HEADERS[1:]]
    path = write_csv(tmp_path / "hr.csv", [["Jana", "Nováková", *candidate_rows(1)[0][1:]]], headers=headers)
    (row,) = _checked(path)
    assert row.candidate.candidate_name == "Jana Nováková"


def test_a_mapping_file_maps_values(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[values.candidate_country_code]\n"Jugoslavija" = "RS"\n', encoding="utf-8")
    rows = candidate_rows(1)
    rows[0][2] = " jugoslavija "
    (row,) = _checked(write_csv(tmp_path / "in.csv", rows), value_maps=load_value_maps(mapping))
    assert row.candidate.candidate_country_code == "RS"


@pytest.mark.parametrize("text, says", [
    ("TBD", "is a placeholder"), ("n/a", "is a placeholder"), ("-", "is a placeholder"), ("See attached", "is a placeholder"),
    ("CV attached.", "is a placeholder"), ("https://drive.google.com/file/d/abc/view", "is a link"),
    ("www.example.org/cv", "is a link"), ("Jana_CV_2024.doc", "looks like a file name"), ("Support, 2 yrs", "too short"),
    ("See attached CV", "is a placeholder"), ("please see the attached resume", "is a placeholder"),
    ("will send later", "is a placeholder"), ("Lebenslauf folgt", "is a placeholder"), ("CV will follow by email", "is a placeholder"),
    ("Voir CV ci-joint", "is a placeholder"), ("CV w załączniku", "is a placeholder"), ("drive.google.com/file/d/1AbC/view", "is a link"),
    ("linkedin.com/in/jana-novak", "is a link"), ("x", "is a placeholder"), ("Agent", "is only 5 characters"),
])  # fmt: skip
def test_what_is_not_a_resume_is_refused_saying_what_to_give(tmp_path, text, says):
    with pytest.raises(Bad, match=says) as info:
        resume_quality(text, 15, [tmp_path])
    assert len(str(info.value)) <= 200
    resume_quality(RESUME, 15, [tmp_path])  # a real one passes
    with pytest.raises(Bad, match="give at least 100"):
        resume_quality(RESUME, 100, [tmp_path])


def test_a_missing_column_is_one_file_level_problem_and_duplicates_include_invalid_rows(tmp_path):
    rows = [r[:7] for r in candidate_rows(4)]  # no Language column
    rows.append(list(rows[0]))  # row 6 repeats row 2 (both invalid: no language)
    path = write_csv(tmp_path / "in.csv", rows, headers=HEADERS[:7])
    table = load(path)
    columns = map_columns(table.headers)
    checked = check_table(table, columns)
    assert missing_columns(checked, columns) == {"mojito_language_code": 5}
    assert "same email and position as row 2" in checked[4].outcome.reason
    result = cli("validate", path)
    assert result.returncode == 1
    assert sum("mojito_language_code" in line for line in result.stdout.splitlines()) == 1
    assert "no column for mojito_language_code: 5 row(s) need it; add a column or --set mojito_language_code=…" in result.stdout


def test_validate_takes_folders_and_globs(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_csv(folder / "a.csv", candidate_rows(2))
    write_csv(folder / "b.csv", candidate_rows(3))
    (folder / "c.csv").write_bytes(b"")
    result = cli("validate", folder)
    assert result.returncode == 2, result.stderr  # the empty file is the worst
    assert "2 rows: 2 valid" in result.stdout and "3 rows: 3 valid" in result.stdout
    assert "error: c.csv is empty" in result.stderr
    globbed = cli("validate", str(folder / "[ab].csv"))
    assert globbed.returncode == 0 and globbed.stdout.count("rows:") == 2


def test_resume_file_names_match_whatever_their_case(tmp_path):
    (tmp_path / "Jana_CV.TXT").write_text(RESUME, encoding="utf-8")
    rows = candidate_rows(2)
    rows[0][3] = "jana_cv.txt"
    rows[1][3] = "nobody.pdf"
    first, second = _checked(write_csv(tmp_path / "in.csv", rows), cv_folders=[tmp_path])
    assert first.candidate.candidate_resume == RESUME
    assert f"looked in {tmp_path.resolve()}" in second.outcome.reason


@pytest.mark.parametrize("text", ["CV: analityk danych", "Životopis: logistika", "Sales rep, 3 years, sent 200 mails a day",
                                  "Skills: 'SAP', 'SQL', 'Power BI'", "Attached to the Brno team as a forklift driver"])  # fmt: skip
def test_a_real_short_resume_is_not_taken_for_a_placeholder(tmp_path, text):
    resume_quality(text, 15, [tmp_path])
