"""Every field the current contract added, from a spreadsheet to the exact JSON body the API receives."""

from __future__ import annotations

import pytest

from batch_enrol.columns import map_columns, match_header
from batch_enrol.fields import normalise
from batch_enrol.models import SourceRow
from batch_enrol.validator import Validator
from tests.conftest import HEADERS, cli, write_xlsx

NEW = ["Tags", "Department", "Salary", "Available till", "Conversation speed", "Max follow-ups", "Questions subset",
       "Pronunciation required", "Edit transcript", "Recruiter ID", "hiring_for_company", "Hiring for",
       "hiring_for_company.sector", "pdf_export_auto_config", "pdf_export_auto_config.template", "Duration (seconds)"]  # fmt: skip
BASE = ["Jana Nováková", "jana@example.org", "SK", "Ten years in support.", "Support", "Bratislava", "SK", "en"]


def test_a_row_with_every_new_field_reaches_the_api_as_the_exact_json_body(tmp_path, serve):
    served = serve()
    row = [*BASE, "engineering; remote", "Customer Care", "€40k – €50k", "2026-12-31", "Faster", "3.0", "0.5", "yes",
           "no", "rec-7", '{"description": "Logistics", "name": "overridden"}', "Unimo Enterprises", "Logistics",
           '{"analytics": true, "transcript": false}', "One pager", "900"]  # fmt: skip
    second = [*BASE[:1], "petr@example.org", *BASE[2:], '["a, b", "c"]', *[""] * (len(NEW) - 1)]
    source = write_xlsx(tmp_path / "in.xlsx", [row, second], HEADERS + NEW)
    result = cli("run", source, env=served.env())
    assert result.returncode == 0, result.stderr
    (jana,) = served.ledger.enrolment_for("jana@example.org")
    assert jana.request == {
        "candidate_name": "Jana Nováková",
        "candidate_email": "jana@example.org",
        "candidate_country_code": "SK",
        "candidate_resume": "Ten years in support.",
        "position_name": "Support",
        "position_location": "Bratislava",
        "position_country_code": "SK",
        "mojito_language_code": "en",
        "tags": ["engineering", "remote"],
        "interview_department": "Customer Care",
        "interview_salary": "€40k – €50k",
        "interview_available_till": "2026-12-31",
        "interview_conversation_speed": "faster",
        "max_followups": 3,
        "questions_random_subset": 0.5,
        "required_pronunciation": True,
        "result_enable_edit_transcript": False,
        "recruiter_profile_id": "rec-7",
        "hiring_for_company": {"name": "Unimo Enterprises", "description": "Logistics", "sector": "Logistics"},
        "pdf_export_auto_config": {"analytics": True, "transcript": False, "template": "one_pager"},
        "max_duration": 900,
    }
    (petr,) = served.ledger.enrolment_for("petr@example.org")
    assert petr.request["tags"] == ["a, b", "c"] and "hiring_for_company" not in petr.request


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("Max follow-ups", "2.5", "Max follow-ups"),
        ("Max follow-ups", "1000", "above the maximum of 999"),
        ("Questions subset", "0.95", "above the maximum of 0.9"),
        ("Conversation speed", "quick", "not one of: slower, normal, faster"),
        ("Available till", "31/12/2026", "not a date"),
        ("hiring_for_company", "[1]", "not a JSON object"),
        ("pdf_export_auto_config.analytics", "maybe", "not yes or no"),
        ("Tags", "[1, {}]", "each item must be a word"),
    ],
)
def test_bad_new_values_are_explained_with_the_users_column(header, value, message):
    headers = (*HEADERS, header)
    validator = Validator(map_columns(headers))
    problems = validator.check(SourceRow("Candidates", 2, (*BASE, value)))
    assert isinstance(problems, list) and len(problems) == 1
    assert problems[0].column == header and message in str(problems[0]), str(problems[0])


def test_human_headers_name_the_new_fields():
    for header, field in [("Tags", "tags"), ("Department", "interview_department"), ("Salary", "interview_salary"),
                          ("Max follow-ups", "max_followups"), ("Conversation speed", "interview_conversation_speed"),
                          ("Available till", "interview_available_till"), ("Hiring for", "hiring_for_company.name"),
                          ("hiring_for_company.company_size", "hiring_for_company.company_size"),
                          ("Recruiter ID", "recruiter_profile_id")]:  # fmt: skip
        assert match_header(header) == field, header
    assert match_header("hiring_for_company.website") is None  # not a part of the object: not sent


def test_tags_split_on_commas_semicolons_and_line_breaks():
    assert normalise("tags", " a ;b,\nc ,, ") == ("a", "b", "c")
    assert normalise("tags", '["x; y", 2026, true]') == ("x; y", "2026", "true")


@pytest.mark.parametrize(
    ("header", "value", "sent"),
    [
        ("Hiring for", '{"name": "Acme", "sector": "IT"}', {"name": "Acme", "sector": "IT"}),
        ("hiring_for_company.name", '{"name": "Acme"}', {"name": "Acme"}),
        ("hiring_for_company", "Acme Plain", {"name": "Acme Plain"}),
        ("hiring_for_company", '{"name": "Acme", "sector": "IT"}', {"name": "Acme", "sector": "IT"}),
        ("Hiring for", "Acme Plain", {"name": "Acme Plain"}),
    ],
)
def test_an_object_cell_is_the_object_and_plain_text_is_its_name(header, value, sent):
    validator = Validator(map_columns((*HEADERS, header)))
    candidate = validator.check(SourceRow("Candidates", 2, (*BASE, value)))
    assert not isinstance(candidate, list), candidate
    assert candidate.body()["hiring_for_company"] == sent


def test_plain_text_for_an_object_without_a_name_asks_for_the_json_form():
    validator = Validator(map_columns((*HEADERS, "pdf_export_auto_config")))
    (problem,) = validator.check(SourceRow("Candidates", 2, (*BASE, "one pager")))
    assert "not a JSON object: write it as {" in str(problem), str(problem)
    (broken,) = Validator(map_columns((*HEADERS, "Hiring for"))).check(SourceRow("Candidates", 2, (*BASE, '{"name": "Acme"')))
    assert "not a JSON object" in str(broken)
