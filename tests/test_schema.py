"""The pydantic models mirror the contract; these fail when the two drift apart."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from batch_enrol.schema import FIELDS, REQUIRED, Candidate, EnrolResponse, InterviewResult, Pagination, ResultPage, contract

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
    assert len(FIELDS) == 42


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


OURS = Candidate.model_json_schema()
KIND = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean",
        "object": "object", "array": "array"}  # fmt: skip


def resolve(schema: dict) -> list[dict]:
    """Our JSON schema's alternatives for one property, ``$ref`` followed and ``anyOf`` flattened."""
    leaves = []
    for leaf in flat(schema):
        if "$ref" in leaf:
            leaf = {**OURS["$defs"][leaf["$ref"].split("/")[-1]], **{k: v for k, v in leaf.items() if k != "$ref"}}
        leaves.append(leaf)
    return leaves


def mismatches(path: str, spec: dict, ours: dict) -> list[str]:
    """Where one contract property and our model of it differ: type, null, enum, bounds, parts."""
    leaves = resolve(ours)
    types = {leaf.get("type") for leaf in leaves}
    values = [leaf for leaf in leaves if leaf.get("type") != "null"]
    found = []
    if spec.get("type") == "number":
        if not types & {"number", "integer"}:
            found.append(f"{path}: not a number")
    elif spec.get("type") and KIND[spec["type"]] not in types:
        found.append(f"{path}: {types} is not {spec['type']}")
    if bool(spec.get("nullable")) != ("null" in types):
        found.append(f"{path}: nullable is {spec.get('nullable', False)} in the contract")
    if {v for leaf in values for v in leaf.get("enum", [leaf["const"]] if "const" in leaf else [])} != set(spec.get("enum", [])):
        found.append(f"{path}: enum differs")
    for key, alias in (("minLength", "minLength"), ("minimum", "ge"), ("maximum", "le")):
        if key in spec and {leaf.get(key, leaf.get(alias)) for leaf in values} != {spec[key]}:
            found.append(f"{path}: {key} differs")
    if spec.get("type") == "array":
        (items,) = [leaf["items"] for leaf in values]
        found += mismatches(f"{path}[]", {**spec["items"], "nullable": spec["items"].get("nullable", False)}, items)
    if spec.get("type") == "object" and "properties" in spec:
        (model,) = values
        if set(model.get("properties", {})) != set(spec["properties"]):
            found.append(f"{path}: parts {sorted(model.get('properties', {}))} != {sorted(spec['properties'])}")
        for name, part in spec["properties"].items():
            if name in model.get("properties", {}):
                found += mismatches(f"{path}.{name}", part, model["properties"][name])
    return found


def test_every_property_is_modelled_with_the_contracts_type_enum_bounds_and_nullability():
    assert len(REQUEST["properties"]) == 42
    missing = sorted(set(REQUEST["properties"]) - set(OURS["properties"]))
    assert not missing, f"not modelled: {missing}"
    found = [m for name, spec in REQUEST["properties"].items() for m in mismatches(name, spec, OURS["properties"][name])]
    assert not found, found


def test_the_drift_check_notices_a_changed_contract():
    spec = dict(REQUEST["properties"]["max_followups"])
    assert mismatches("max_followups", {**spec, "maximum": 99}, OURS["properties"]["max_followups"])
    assert mismatches("max_followups", {**spec, "type": "string"}, OURS["properties"]["max_followups"])
    company = REQUEST["properties"]["hiring_for_company"]
    grown = {**company, "properties": {**company["properties"], "website": {"type": "string"}}}
    assert mismatches("hiring_for_company", grown, OURS["properties"]["hiring_for_company"])
    speed = REQUEST["properties"]["interview_conversation_speed"]
    assert mismatches("speed", {**speed, "enum": [*speed["enum"], "fastest"]}, OURS["properties"]["interview_conversation_speed"])


def test_new_fields_keep_their_json_shape_in_the_body():
    body = Candidate(**valid(tags=["a", "b"], max_followups=2.0, questions_random_subset=0.5,
                             hiring_for_company={"name": "undisclosed"},
                             pdf_export_auto_config={"analytics": True, "template": "modern"})).body()  # fmt: skip
    assert body["tags"] == ["a", "b"] and body["max_followups"] == 2 and isinstance(body["max_followups"], int)
    assert body["hiring_for_company"] == {"name": "undisclosed"}
    assert body["pdf_export_auto_config"] == {"analytics": True, "template": "modern"}
    for bad in ({"max_followups": 1.5}, {"max_followups": 1000}, {"questions_random_subset": 0.95},
                {"pdf_export_auto_config": {"analytics": None}}, {"hiring_for_company": {"nmae": "x"}},
                {"interview_conversation_speed": "fast"}):  # fmt: skip
        with pytest.raises(ValidationError):
            Candidate(**valid(**bad))


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


def test_result_list_models_follow_the_contract():
    page = SCHEMAS["MerchantResultListResponse"]
    item = page["properties"]["data"]["items"]
    assert set(ResultPage.model_fields) == set(page["required"])
    assert set(InterviewResult.model_fields) <= set(item["properties"])
    assert {n for n, f in InterviewResult.model_fields.items() if f.is_required()} == set(item["required"])
    ours = InterviewResult.model_json_schema()["properties"]
    for name in InterviewResult.model_fields:
        types = {leaf.get("type") for leaf in flat(ours[name])}
        assert {"number": "number"}.get(item["properties"][name]["type"], item["properties"][name]["type"]) in types, name
        assert ("null" in types) == bool(item["properties"][name].get("nullable")), name
    assert set(Pagination.model_fields) == set(SCHEMAS["Pagination"]["required"])
