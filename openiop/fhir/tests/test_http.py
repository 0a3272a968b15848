"""The FHIR endpoint over HTTP: negotiation, authentication, refusals, reads, searches, paging, audit."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.fhir.capability import RESOURCES
from openiop.measures.tests.routes import PHQ9_CALM, record

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4"


def outcome_of(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    OperationOutcome.model_validate(body)
    return body["issue"][0]


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("seq"))


def test_metadata_is_public_and_lists_exactly_what_is_routed(fhir_as):
    response = fhir_as(None).get(f"{BASE}/metadata")
    assert response.status_code == 200
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    offered = {r["type"] for r in statement["rest"][0]["resource"]}
    assert offered == set(RESOURCES)
    assert statement["fhirVersion"] == "4.0.1"


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ({}, {"Accept": "application/fhir+xml"}),
        ({}, {"Accept": "application/xml, */*"}),
        ({"_format": "xml"}, {}),
        ({"_format": "application/fhir+xml"}, {}),
    ],
)
def test_xml_is_refused_with_415(fhir_as, world, query, headers):
    response = fhir_as(world.alice).get(f"{BASE}/Patient", query, **headers)
    assert outcome_of(response, 415)["code"] == "not-supported"


def test_posting_xml_is_refused_before_any_parsing(fhir_as, world):
    client = fhir_as(world.alice)
    response = client.post(
        f"{BASE}/QuestionnaireResponse", "<QuestionnaireResponse/>", content_type="application/fhir+xml"
    )
    outcome_of(response, 415)
    assert not events(action=Action.CREATE)


def test_no_token_is_401_with_a_bearer_challenge(fhir_as, world):
    response = fhir_as(None).get(f"{BASE}/Patient/{world.patient_a.uuid}")
    assert outcome_of(response, 401)["code"] == "login"
    assert response["WWW-Authenticate"] == 'Bearer realm="OpenIOP FHIR"'


def test_a_wrong_token_is_401_invalid_token(fhir_as, world):
    client = fhir_as(None)
    client.headers["Authorization"] = "Bearer oiop_not-a-token"
    response = client.get(f"{BASE}/Patient")
    outcome_of(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_care_team_member_reads_the_patient_with_an_etag_and_one_audit_event(fhir_as, world):
    response = fhir_as(world.alice).get(f"{BASE}/Patient/{world.patient_a.uuid}")
    assert response.status_code == 200
    resource = response.json()
    Patient.model_validate(resource)
    assert resource["id"] == str(world.patient_a.uuid)
    assert resource["identifier"][0]["value"] == world.patient_a.record_number
    assert response["ETag"] == f'W/"{resource["meta"]["versionId"]}"'
    (event,) = events(action=Action.VIEW, patient=world.patient_a)
    assert event.actor == world.alice
    assert event.detail == {"channel": "fhir", "resource": "Patient"}


@pytest.mark.parametrize("who", ["bob", "charlie", "audrey", "adam", "pat_a"])
def test_those_without_the_chart_are_refused_without_phi_and_audited(fhir_as, world, who):
    response = fhir_as(getattr(world, who)).get(f"{BASE}/Patient/{world.patient_a.uuid}")
    outcome_of(response, 403)
    body = response.content.decode()
    for secret in (
        world.patient_a.legal_family_name,
        world.patient_a.record_number,
        str(world.patient_a.date_of_birth),
    ):
        assert secret not in body
    assert events(action=Action.ACCESS_REFUSED, outcome=Outcome.REFUSED)
    assert not events(action=Action.VIEW)


def test_an_unknown_or_malformed_id_is_404(fhir_as, world):
    client = fhir_as(world.alice)
    outcome_of(client.get(f"{BASE}/Patient/00000000-0000-0000-0000-000000000000"), 404)
    outcome_of(client.get(f"{BASE}/Patient/not-a-uuid"), 404)


def test_patient_search_by_identifier_name_and_birthdate(fhir_as, world):
    client = fhir_as(world.dana)
    a = world.patient_a
    for query in (
        {"identifier": a.record_number},
        {"identifier": f"https://openiop.org/fhir/sid/record-number|{a.record_number}"},
        {"name": a.legal_given_name[:3]},
        {"birthdate": a.date_of_birth.isoformat(), "name": a.legal_given_name},
    ):
        response = client.get(f"{BASE}/Patient", query)
        assert response.status_code == 200, (query, response.content)
        bundle = response.json()
        Bundle.model_validate(bundle)
        assert [e["resource"]["id"] for e in bundle["entry"]] == [str(a.uuid)], query
        assert bundle["total"] == 1
    other_system = client.get(f"{BASE}/Patient", {"identifier": f"http://other|{a.record_number}"}).json()
    assert other_system["total"] == 0 and "entry" not in other_system


def test_patient_search_pages_with_next_links_and_is_audited_once(fhir_as, world):
    client = fhir_as(world.dana)
    first = client.get(f"{BASE}/Patient", {"_count": 1}).json()
    assert first["total"] >= 2 and len(first["entry"]) == 1
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = client.get(next_url).json()
    assert second["entry"][0]["resource"]["id"] != first["entry"][0]["resource"]["id"]
    (event, _) = events(action=Action.LIST, object_type="patients.patient")
    assert event.detail["channel"] == "fhir" and event.detail["shown"] == 1


@pytest.mark.parametrize(
    ("query", "where"),
    [({"nmae": "x"}, "nmae"), ({"_count": "-1"}, "_count"), ({"birthdate": "yesterday"}, "birthdate")],
)
def test_bad_search_parameters_are_400_naming_the_parameter(fhir_as, world, query, where):
    issue = outcome_of(fhir_as(world.dana).get(f"{BASE}/Patient", query), 400)
    assert issue["expression"] == [where]


def test_searches_about_a_record_need_the_patient(fhir_as, world):
    for resource_type in ("EpisodeOfCare", "CareTeam", "QuestionnaireResponse", "Observation"):
        issue = outcome_of(fhir_as(world.alice).get(f"{BASE}/{resource_type}"), 400)
        assert issue["expression"] == ["patient"]


def test_episode_and_care_team_of_a_patient(fhir_as, world):
    client = fhir_as(world.alice)
    episode = world.patient_a.episodes.get(status="active")
    episodes = client.get(f"{BASE}/EpisodeOfCare", {"patient": f"Patient/{world.patient_a.uuid}"}).json()
    assert str(episode.uuid) in [e["resource"]["id"] for e in episodes["entry"]]
    team = client.get(f"{BASE}/CareTeam/{episode.uuid}")
    assert team.status_code == 200
    names = [p["member"]["display"] for p in team.json()["participant"]]
    assert world.alice.display_name in names
    refused = fhir_as(world.bob).get(f"{BASE}/CareTeam/{episode.uuid}")
    outcome_of(refused, 403)


def test_questionnaires_are_listed_and_read(fhir_as, world):
    client = fhir_as(world.bob)
    bundle = client.get(f"{BASE}/Questionnaire").json()
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    assert {"phq-9", "gad-7"} <= ids
    found = client.get(
        f"{BASE}/Questionnaire", {"url": "https://openiop.org/fhir/Questionnaire/gad-7"}
    ).json()
    assert [e["resource"]["id"] for e in found["entry"]] == ["gad-7"]
    outcome_of(client.get(f"{BASE}/Questionnaire/nope"), 404)
    outcome_of(fhir_as(world.pat_a).get(f"{BASE}/Questionnaire"), 403)


def test_responses_and_observations_of_a_patient(fhir_as, world):
    administration = record(world, PHQ9_CALM).administration
    client = fhir_as(world.paul)
    patient = {"patient": str(world.patient_a.uuid)}
    responses = client.get(f"{BASE}/QuestionnaireResponse", patient).json()
    assert [e["resource"]["id"] for e in responses["entry"]] == [str(administration.uuid)]
    observations = client.get(f"{BASE}/Observation", {**patient, "code": "http://loinc.org|44261-6"}).json()
    (entry,) = observations["entry"]
    assert entry["resource"]["valueInteger"] == administration.total
    gad = client.get(f"{BASE}/Observation", {**patient, "code": "70274-6"}).json()
    assert gad["total"] == 0
    read = client.get(f"{BASE}/Observation/{administration.uuid}")
    assert read.status_code == 200 and read["ETag"]
    assert (
        events(action=Action.VIEW, object_id=str(administration.uuid))[0].detail["resource"] == "Observation"
    )
    outcome_of(fhir_as(world.bob).get(f"{BASE}/Observation", patient), 403)


def test_a_session_write_needs_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post(f"{BASE}/QuestionnaireResponse", "{}", content_type="application/fhir+json")
    outcome_of(response, 403)


def test_other_methods_are_405(fhir_as, world):
    response = fhir_as(world.alice).client.delete(
        f"{BASE}/Patient/{world.patient_a.uuid}", headers=fhir_as(world.alice).headers
    )
    outcome_of(response, 405)
