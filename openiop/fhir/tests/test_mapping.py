"""Every resource we produce is valid FHIR R4: built, parsed with fhir.resources' R4B model, serialized,
and equal to what we built (round trip). Pure: no database."""

import datetime
import json
import uuid

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given
from hypothesis import strategies as st

from openiop.fhir.bundle import Page, searchset
from openiop.fhir.capability import capability_statement
from openiop.fhir.mapping.measures import (
    questionnaire_resource,
    questionnaire_response_resource,
    total_observation_resource,
)
from openiop.fhir.mapping.patient import care_team_resource, episode_resource, patient_resource
from openiop.fhir.outcomes import Issue, operation_outcome
from openiop.measures.registry import current_instruments, get_instrument

MOMENT = datetime.datetime(2026, 11, 3, 14, 5, 7, 123456, tzinfo=datetime.UTC)
ID = uuid.UUID("0b6b2c1e-6d0c-4bb4-9a39-3f1f5c3e2a10")
PATIENT_ID = uuid.UUID("5f0c8d2a-7f57-4a57-9d5e-8f7e4a9a1b22")


def round_trip(model, resource: dict) -> dict:
    parsed = model.model_validate(resource)
    again = json.loads(parsed.model_dump_json(exclude_none=True))
    assert again == resource
    return again


def patient(**overrides):
    values = dict(
        id=PATIENT_ID,
        updated_at=MOMENT,
        record_number="A000123",
        given="Avery",
        family="Synthetic",
        preferred="Ave",
        birth_date=datetime.date(1990, 4, 2),
        language="es",
        phone="555-0100",
        email="avery@example.org",
        address="1 Main St\nSpringfield",
        emergency_name="Sam Synthetic",
        emergency_relationship="Sibling",
        emergency_phone="555-0101",
    )
    return patient_resource(**{**values, **overrides})


def test_patient_round_trips_with_the_record_number_as_identifier():
    resource = round_trip(Patient, patient())
    assert resource["identifier"][0]["value"] == "A000123"
    assert resource["identifier"][0]["system"] == "https://openiop.org/fhir/sid/record-number"
    assert resource["name"][1] == {"use": "usual", "given": ["Ave"]}
    assert resource["meta"]["versionId"] == str(int(MOMENT.timestamp() * 1_000_000))


def test_a_patient_with_only_the_required_fields_has_no_empty_elements():
    resource = round_trip(
        Patient,
        patient(
            preferred="", phone="", email="", address="", emergency_name="", emergency_phone="", language=""
        ),
    )
    assert set(resource) == {"resourceType", "id", "meta", "identifier", "active", "name", "birthDate"}


@pytest.mark.parametrize(
    ("status", "admitted", "discharged", "expected"),
    [
        ("referral", None, None, "planned"),
        ("waitlist", None, None, "waitlist"),
        ("active", datetime.date(2026, 10, 5), None, "active"),
        ("discharged", datetime.date(2026, 10, 5), datetime.date(2026, 11, 20), "finished"),
    ],
)
def test_episode_of_care_round_trips_in_every_status(status, admitted, discharged, expected):
    resource = round_trip(
        EpisodeOfCare,
        episode_resource(
            id=ID,
            updated_at=MOMENT,
            patient_id=PATIENT_ID,
            status=status,
            program="Adult IOP",
            track="Evening",
            referred_on=datetime.date(2026, 10, 1),
            admitted_on=admitted,
            discharged_on=discharged,
            has_care_team=True,
        ),
    )
    assert resource["status"] == expected
    assert resource["patient"] == {"reference": f"Patient/{PATIENT_ID}"}
    assert resource["team"] == [{"reference": f"CareTeam/{ID}"}]


def test_care_team_round_trips_with_roles_and_names():
    resource = round_trip(
        CareTeam,
        care_team_resource(
            id=ID,
            updated_at=MOMENT,
            patient_id=PATIENT_ID,
            program="Adult IOP",
            episode_open=True,
            start=datetime.date(2026, 10, 5),
            end=None,
            members=[("primary_clinician", "Primary clinician", "Alice Example, LCSW")],
        ),
    )
    assert resource["participant"][0]["member"] == {"display": "Alice Example, LCSW"}
    assert resource["status"] == "active"


@pytest.mark.parametrize("instrument", current_instruments(), ids=lambda i: i.code)
def test_every_instrument_round_trips_as_a_questionnaire(instrument):
    for language in instrument.languages:
        resource = round_trip(Questionnaire, questionnaire_resource(instrument, language=language))
        assert resource["language"] == language


def test_phq9_questionnaire_carries_the_loinc_codes_of_its_file():
    resource = questionnaire_resource(get_instrument("PHQ-9"))
    assert resource["id"] == "phq-9"
    assert resource["code"] == [{"system": "http://loinc.org", "code": "44249-1"}]
    first = next(item for item in resource["item"] if item["linkId"] == "1")
    assert first["code"] == [{"system": "http://loinc.org", "code": "44250-9"}]
    assert first["answerOption"][0]["valueCoding"]["code"] == "LA6568-5"
    assert first["answerOption"][0]["extension"][0]["valueDecimal"] == 0


def response(instrument, answers, **overrides):
    values = dict(
        id=ID,
        updated_at=MOMENT,
        instrument=instrument,
        patient_id=PATIENT_ID,
        status="complete",
        entered_in_error=False,
        completed_on=datetime.date(2026, 11, 2),
        language=instrument.default_language,
        answers=answers,
        author="Alice Example, LCSW",
        source="api",
    )
    return questionnaire_response_resource(**{**values, **overrides})


@given(data=st.data())
def test_any_answers_to_any_instrument_round_trip_as_a_response(data):
    instrument = data.draw(st.sampled_from(current_instruments()))
    answers = {
        item.key: data.draw(st.one_of(st.none(), st.sampled_from(item.values))) for item in instrument.items
    }
    resource = round_trip(QuestionnaireResponse, response(instrument, answers))
    answered = [key for key, value in answers.items() if value is not None]
    assert [item["linkId"] for item in resource.get("item", [])] == answered


def test_a_response_entered_in_error_says_so():
    phq9 = get_instrument("PHQ-9")
    resource = round_trip(QuestionnaireResponse, response(phq9, {"1": 1}, entered_in_error=True))
    assert resource["status"] == "entered-in-error"
    assert resource["questionnaire"] == "https://openiop.org/fhir/Questionnaire/phq-9|" + phq9.version


@pytest.mark.parametrize(("code", "loinc"), [("PHQ-9", "44261-6"), ("GAD-7", "70274-6")])
def test_the_total_observation_has_the_loinc_total_code_and_derives_from_the_response(code, loinc):
    resource = round_trip(
        Observation,
        total_observation_resource(
            id=ID,
            updated_at=MOMENT,
            instrument=get_instrument(code),
            patient_id=PATIENT_ID,
            total=12,
            band="Moderate",
            status="prorated",
            entered_in_error=False,
            completed_on=datetime.date(2026, 11, 2),
            issued=MOMENT,
        ),
    )
    assert resource["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": loinc,
        "display": f"{code} total score",
    }
    assert resource["valueInteger"] == 12
    assert resource["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{ID}"}]
    assert resource["note"][0]["text"].startswith("Prorated")


def test_capability_statement_is_valid():
    round_trip(
        CapabilityStatement,
        capability_statement(
            base_url="https://example.org/fhir/r4", software_version="1", date="2026-11-03T14:05:07Z"
        ),
    )


def test_operation_outcome_is_valid():
    round_trip(
        OperationOutcome, operation_outcome(422, [Issue("Item 9: bad", ("QuestionnaireResponse.item[0]",))])
    )


@given(total=st.integers(0, 250), offset=st.integers(0, 260), count=st.integers(0, 100))
def test_searchset_links_page_through_every_match_once(total, offset, count):
    shown = max(0, min(count, total - offset))
    resources = [patient(id=uuid.uuid4()) for _ in range(min(shown, 2))]
    bundle = searchset(
        base_url="https://x.org/fhir/r4/Patient",
        params={"name": "a"},
        page=Page(offset, count),
        total=total,
        resources=resources,
    )
    Bundle.model_validate(bundle)
    relations = {link["relation"] for link in bundle["link"]}
    assert ("next" in relations) == (count > 0 and offset + count < total)
    assert ("previous" in relations) == (offset > 0)
