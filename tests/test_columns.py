"""Header → field mapping: field names, synonyms, a mapping file, and the errors users see."""

from __future__ import annotations

import pytest

from batch_enrol.columns import load_mapping_file, map_columns, mapping_toml, match_header, normalise_header
from batch_enrol.errors import ConfigError, InputFileError

HEADERS = ("Full name", "E-mail", "Country", "CV*", "Job title", "Location", "Position country", "Language", "Notes")


def test_headers_match_by_name_or_synonym_ignoring_case_spaces_and_required_marks():
    columns = map_columns(HEADERS)
    assert columns.fields["candidate_email"] == 1 and columns.fields["candidate_resume"] == 3
    assert columns.unmapped == ("Notes",)
    assert columns.header_of("candidate_email") == "E-mail" and columns.header_of("seniority_level") == "seniority_level"
    assert normalise_header(" Candidate_E-mail* ") == "candidateemail"
    assert match_header("POSITION NAME") == "position_name" and match_header("   ") is None


def test_two_columns_for_one_field_and_missing_required_fields_are_input_errors():
    with pytest.raises(InputFileError, match="both map to candidate_email"):
        map_columns(("Name", "Email", "E-mail"))
    with pytest.raises(InputFileError, match="required column"):
        map_columns(("Name", "Email"))
    assert map_columns(("Name", "Email", "CV", "Country"), defaults=["position_name", "position_location",
                       "position_country_code", "mojito_language_code"]).fields  # fmt: skip


def test_a_mapping_file_renames_or_leaves_out_columns_and_round_trips(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(mapping_toml({"Bewerber": "candidate_name", "Country": ""}), encoding="utf-8")
    mapping = load_mapping_file(path)
    assert mapping == {"bewerber": "candidate_name", "country": ""}
    columns = map_columns(("Bewerber", "Email", "Country", "Land", "CV", "Job", "Location", "Position country",
                           "Language"), {**mapping, "land": "candidate_country_code"})  # fmt: skip
    assert columns.fields["candidate_name"] == 0 and columns.fields["candidate_country_code"] == 3
    assert "Country" in columns.unmapped


def test_a_broken_mapping_file_is_a_config_error(tmp_path):
    path = tmp_path / "m.toml"
    with pytest.raises(ConfigError, match="not found"):
        load_mapping_file(path)
    path.write_text("[columns\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_mapping_file(path)
