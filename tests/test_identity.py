"""Request identity: fingerprint, position key and enrolment key."""

from batch_enrol.identity import enrolment_key, fingerprint, position_key
from batch_enrol.schema import Candidate

BASE = dict(
    candidate_name="Ana Novak",
    candidate_email="ana@example.com",
    position_name="Barista",
    position_location="Bratislava",
    position_country_code="SK",
    mojito_language_code="sk",
    candidate_country_code="SK",
    candidate_resume="Five years behind the bar.",
)


def test_fingerprint_is_stable_and_follows_the_body():
    a = Candidate(**BASE)
    assert fingerprint(a) == fingerprint(Candidate(**BASE))
    assert len(fingerprint(a)) == 40
    assert fingerprint(a) != fingerprint(Candidate(**{**BASE, "candidate_name": "Ana Nováková"}))


def test_position_key_prefers_the_id_then_the_external_id_then_the_description():
    assert position_key(Candidate(**BASE, position_def_set_id="P1"))[0] == "id"
    assert position_key(Candidate(**BASE, position_external_id="EXT-1")) == ("external", "ext-1")
    assert position_key(Candidate(**BASE)) == ("new", "barista", "bratislava", "SK", "sk")


def test_enrolment_key_is_one_email_for_one_position():
    a = Candidate(**BASE)
    b = Candidate(**{**BASE, "candidate_name": "Someone Else"})
    c = Candidate(**{**BASE, "position_name": "Chef"})
    assert enrolment_key(a) == enrolment_key(b)
    assert enrolment_key(a) != enrolment_key(c)
