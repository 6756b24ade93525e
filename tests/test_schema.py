"""The pydantic models mirror the contract; these fail when the two drift apart."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from batch_enrol.schema import FIELDS, REQUIRED, Candidate, EnrolResponse, contract

SCHEMAS = contract()["components"]["schemas"]
REQUEST = SCHEMAS["JobInterviewCreateForCandidateWithTokenRequest"]
RESPONSE = SCHEMAS["JobInterviewCreateForCandidateWithTokenResponse"]


def literal_values(model, name: str) -> set[str]:
    annotation = model.model_fields[name].annotation
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    values: set[str] = set()
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            values.update(typing.get_args(arg))
    return values


def flat(schema: dict) -> list[dict]:
    """A JSON-schema property's alternatives, nested anyOf flattened."""
    if "anyOf" in schema:
        return [leaf for alt in schema["anyOf"] for leaf in flat({**{k: v for k, v in schema.items() if k != "anyOf"}, **alt})]
    return [schema]


def valid(**changes):
    body = dict(candidate_name="Jana", candidate_email="jana@example.org", candidate_country_code="SK",
                candidate_resume="CV", position_name="Support", position_location="Bratislava",
                position_country_code="SK", mojito_language_code="en")  # fmt: skip
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_request_properties_match_the_contract():
    assert set(FIELDS) == set(REQUEST["properties"])
    assert len(FIELDS) == 30


def test_required_fields_match_the_contract():
    assert set(REQUIRED) == set(REQUEST["required"])


def test_enums_match_the_contract():
    for name, spec in REQUEST["properties"].items():
        assert literal_values(Candidate, name) == set(spec.get("enum", [])), name
    assert literal_values(EnrolResponse, "status") == set(RESPONSE["properties"]["status"]["enum"])


def test_position_fields_are_those_the_contract_requires_without_an_id():
    description = " ".join(REQUEST["properties"]["position_def_set_id"]["description"].split())
    named = description.split("and\n")[-1].split(" become optional")[0].split(" and ")[-1].split("/")
    said = {n for n, s in REQUEST["properties"].items() if "Required when position_def_set_id" in s.get("description", "")}
    assert set(Candidate.POSITION_FIELDS) == set(named) == said


def test_types_match_the_contract():
    json_schema = Candidate.model_json_schema()["properties"]
    kinds = {"string": "string", "number": "number", "boolean": "boolean", "object": "object"}
    for name, spec in REQUEST["properties"].items():
        leaves = flat(json_schema[name])
        types = {leaf.get("type") for leaf in leaves}
        if spec["type"] == "number":
            assert types & {"number", "integer"}, name
        elif "enum" not in spec:
            assert kinds[spec["type"]] in types, name
        if spec.get("nullable"):
            assert "null" in types, name
        else:
            assert "null" not in types, name
        for key, ours in (("minLength", "minLength"), ("minimum", "ge"), ("maximum", "le")):
            if key in spec:
                assert {leaf.get(key, leaf.get(ours)) for leaf in leaves if leaf.get("type") != "null"} == {spec[key]}, name


def test_interview_attempts_bounds_follow_the_contract():
    spec = REQUEST["properties"]["interview_attempts"]
    Candidate(**valid(interview_attempts=spec["minimum"]))
    Candidate(**valid(interview_attempts=spec["maximum"]))
    for bad in (spec["minimum"] - 1, spec["maximum"] + 1):
        with pytest.raises(ValidationError):
            Candidate(**valid(interview_attempts=bad))


def test_response_fields_match_the_contract():
    assert set(EnrolResponse.model_fields) == set(RESPONSE["properties"])
    assert {n for n, f in EnrolResponse.model_fields.items() if f.is_required()} == set(RESPONSE["required"])


def test_position_fields_required_only_without_an_id():
    with pytest.raises(ValidationError) as info:
        Candidate(**valid(position_name=None, mojito_language_code=None))
    assert "position_name" in str(info.value) and "mojito_language_code" in str(info.value)
    Candidate(**valid(position_name=None, position_location=None, position_country_code=None,
                      mojito_language_code=None, position_def_set_id="p-1"))  # fmt: skip


def test_body_sends_only_given_fields_and_whole_numbers_as_integers():
    body = Candidate(**valid(interview_attempts=3, is_embedded=False)).body()
    assert body["interview_attempts"] == 3 and isinstance(body["interview_attempts"], int)
    assert body["is_embedded"] is False
    assert "position_def_set_id" not in body and "welcome_message" not in body


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError):
        Candidate(**valid(candidate_phone="+421"))
