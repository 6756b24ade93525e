"""Normalisation, row problems in the user's own words, duplicates, defaults, resume files."""

from __future__ import annotations

import pytest

from batch_enrol.columns import load_mapping_file, map_columns
from batch_enrol.errors import ConfigError, InputFileError
from batch_enrol.loader import load
from batch_enrol.models import SourceRow, Status
from batch_enrol.validator import Validator, check_table, normalise
from tests.helpers import DATA, HEADERS

GOOD = DATA / "good"


def checked(path, **kw):
    table = load(path)
    return check_table(table, map_columns(table.headers, defaults=kw.get("defaults", {})), cv_folders=[path.parent], **kw)


@pytest.mark.parametrize("value, code", [
    ("slovakia", "SK"), ("Slovak Republic", "SK"), ("SVK", "SK"), ("sk", "SK"), (" SK ", "SK"),
    ("Germany", "DE"), ("UK", "GB"), ("czechia", "CZ"),
])  # fmt: skip
def test_countries_to_iso_codes(value, code):
    assert normalise("candidate_country_code", value) == code


@pytest.mark.parametrize("value, code", [
    ("English", "en"), ("EN", "en"), ("slovak", "sk"), ("Norwegian", "no"), ("Filipino", "fil"),
    ("Brazilian Portuguese", "br"), ("German", "de"),
])  # fmt: skip
def test_languages_to_codes(value, code):
    assert normalise("mojito_language_code", value) == code


@pytest.mark.parametrize("field, raw, value", [
    ("candidate_email", "  Jana.Novak@Example.ORG ", "jana.novak@example.org"),
    ("candidate_name", "  Jana    Nováková\t", "Jana Nováková"),
    ("interview_attempts", "3.0", 3), ("max_duration", "12.5", 12.5),
    ("is_embedded", "YES", True), ("include_rapport_question", "n", False), ("instructional_video", "0", False),
    ("seniority_level", "Entry level", "entry-level"), ("result_view", "Minimal with score", "minimal_with_score"),
    ("candidate_linkedin_url", "linkedin.com/in/jana", "https://linkedin.com/in/jana"),
    ("custom_scoring", '{"communication": 2}', {"communication": 2}),
    ("candidate_external_id", "000123", "000123"),
])  # fmt: skip
def test_normalise(field, raw, value):
    assert normalise(field, raw) == value


def test_all_problems_of_a_row_together_in_the_users_words():
    rows = checked(GOOD / "titled_styled.xlsx")
    assert [c.row for c in rows] == [4, 5, 7, 8]
    bad = rows[2]
    assert bad.outcome.status == Status.INVALID and bad.candidate is None
    reason = bad.outcome.reason
    assert "E-mail Address: 'not-an-email' is not a valid email address" in reason
    assert "Attempts: 25 is above the maximum of 20" in reason
    assert "Country: 'Atlantis' is not a country" in reason
    assert "Interview language: 'Klingon' is not one of the interview languages" in reason
    assert "Video intro: 'maybe' is not one of: optional, required" in reason
    assert "Embedded: 'perhaps' is not yes or no" in reason
    assert bad.outcome.error_field == "candidate_email"  # the first problem, in column order

    good = rows[0].candidate
    assert good.candidate_email == "jana.novakova@example.org"
    assert good.candidate_name == "Jana Nováková"
    assert (good.candidate_country_code, good.position_country_code, good.mojito_language_code) == ("SK", "SK", "en")
    assert good.interview_attempts == 3 and good.candidate_external_id == "000123"
    assert good.candidate_video_introduction == "optional" and good.is_embedded is True


def test_resume_files_are_read_and_bad_ones_explained():
    rows = checked(GOOD / "with_resume_files.csv")
    texts = [c.candidate.candidate_resume if c.candidate else None for c in rows]
    assert "Five years of customer support" in texts[0]  # PDF
    assert "forklift licence" in texts[1]  # DOCX
    assert texts[2].startswith("Eva Toth")  # TXT
    assert "has no text" in rows[3].outcome.reason and "scanned" in rows[3].outcome.reason
    assert "'missing.pdf' not found" in rows[4].outcome.reason


def test_duplicates_name_the_first_row(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text(
        ",".join(HEADERS) + "\n"
        "A,a@example.org,SK,Five years in support,Job,Here,SK,en\n"
        "A again,A@Example.org,SK,Five years in support,Job,here,SK,en\n"  # same email and position, other case
        "A,a@example.org,SK,Five years in support,Other job,Here,SK,en\n",  # another position: not a duplicate
        encoding="utf-8",
    )
    rows = checked(path)
    assert [c.outcome.status if c.outcome else "ok" for c in rows] == ["ok", Status.DUPLICATE, "ok"]
    assert "row 2" in rows[1].outcome.reason


def test_defaults_fill_empty_cells_and_rows_win(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("Name,Email,Country,CV,Language\nA,a@x.org,SK,Five years in support,\nB,b@x.org,SK,Five years in support,Slovak\n", encoding="utf-8")
    table = load(path)
    defaults = {"position_name": "Support", "position_location": "Remote", "position_country_code": "SK",
                "mojito_language_code": "English"}  # fmt: skip
    rows = check_table(table, map_columns(table.headers, defaults=defaults), defaults=defaults)
    assert [c.candidate.mojito_language_code for c in rows] == ["en", "sk"]
    assert rows[0].candidate.position_name == "Support"


def test_missing_position_fields_are_named():
    columns = map_columns(("Name", "Email", "Country", "CV"))
    result = Validator(columns).check(SourceRow("s", 2, ("A", "a@x.org", "SK", "Five years in support")))
    assert {p.field for p in result} == {"position_name", "position_location", "position_country_code", "mojito_language_code"}
    assert all("required when no position_def_set_id" in p.message for p in result)


def test_position_id_makes_position_fields_optional():
    columns = map_columns(("Name", "Email", "Country", "CV", "position_def_set_id"))
    candidate = Validator(columns).check(SourceRow("s", 2, ("A", "a@x.org", "SK", "Five years in support", "pos-1")))
    assert candidate.position_def_set_id == "pos-1"


def test_two_columns_for_one_field_is_an_error_naming_both():
    with pytest.raises(InputFileError) as info:
        map_columns(("Email", "E-mail address", "Name", "Country", "CV"))
    assert "'Email'" in info.value.message and "'E-mail address'" in info.value.message


def test_missing_required_columns_are_named_with_the_unrecognised_headers():
    with pytest.raises(InputFileError) as info:
        map_columns(("Name", "Mail adresa", "Country"))
    assert "candidate_email" in info.value.message and "candidate_resume" in info.value.message
    assert "'Mail adresa'" in info.value.message


def test_mapping_file(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\n"Mail adresa" = "candidate_email"\n"Životopis" = "candidate_resume"\n', "utf-8")
    columns = map_columns(("Name", "Mail adresa", "Country", "Životopis"), load_mapping_file(mapping))
    assert columns.fields == {"candidate_name": 0, "candidate_email": 1, "candidate_country_code": 2, "candidate_resume": 3}
    mapping.write_text('[columns]\n"X" = "not_a_field"\n', "utf-8")
    with pytest.raises(ConfigError, match="not a request field"):
        load_mapping_file(mapping)


def test_header_matching_ignores_case_spaces_and_dashes():
    columns = map_columns(("CANDIDATE-NAME", "candidate email", "Candidate_Country_Code", "cv text"))
    assert set(columns.fields) == {"candidate_name", "candidate_email", "candidate_country_code", "candidate_resume"}


@pytest.mark.parametrize("raw", ["a@b", "a..b@example.org", ".a@example.org", "a@-example.org", "a@example..org",
                                 "a@localhost", "a b@example.org", "a@exa mple.org", "@example.org", "a@",
                                 "a@example.invalid"])  # fmt: skip
def test_bad_emails_are_refused_by_the_fast_path_too(raw):
    from batch_enrol.fields import Bad as _Bad

    with pytest.raises(_Bad, match="is not a valid email address"):
        normalise("candidate_email", raw)


@pytest.mark.parametrize("raw, value", [("Jane.O'Neil+cv@Example.ORG", "jane.o'neil+cv@example.org"),
                                        ('"quoted local"@example.org', None), ("jürgen@müller.de", "jürgen@müller.de")])  # fmt: skip
def test_unusual_but_valid_emails(raw, value):
    from batch_enrol.fields import Bad as _Bad

    if value is None:
        with pytest.raises(_Bad):  # quoted local parts are not accepted by email-validator by default
            normalise("candidate_email", raw)
    else:
        assert normalise("candidate_email", raw) == value


@pytest.mark.parametrize("raw", ["https://example.com/in/x", "linkedin.com", "https://www.linkedin.com/", "not a url"])
def test_bad_linkedin_urls(raw):
    from batch_enrol.fields import Bad as _Bad

    with pytest.raises(_Bad, match="not a LinkedIn profile URL"):
        normalise("candidate_linkedin_url", raw)
