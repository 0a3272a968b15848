"""POST /fhir/r4/QuestionnaireResponse: scored through the measures service, its total then an Observation."""

import pytest
from django.utils import timezone
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from openiop.audit.models import Action, AuditEvent
from openiop.fhir.mapping.measures import option_coding
from openiop.measures.models import Administration, MeasureAlert, Source
from openiop.measures.registry import get_instrument

pytestmark = pytest.mark.django_db

URL = "/fhir/r4/QuestionnaireResponse"
PHQ9 = {"1": 2, "2": 3, "3": 1, "4": 2, "5": 0, "6": 1, "7": 2, "8": 0, "9": 0}  # total 11


def phq9_response(patient, answers=PHQ9, **overrides):
    phq9 = get_instrument("PHQ-9")
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"https://openiop.org/fhir/Questionnaire/phq-9|{phq9.version}",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient.uuid}"},
        "authored": timezone.localdate().isoformat(),
        "item": [
            {"linkId": key, "answer": [{"valueCoding": option_coding(phq9.item(key).option(value), "en")}]}
            for key, value in answers.items()
        ],
        **overrides,
    }


def test_a_phq9_posted_over_http_yields_the_total_score_observation(fhir_as, world):
    client = fhir_as(world.alice)
    response = client.post(URL, phq9_response(world.patient_a))
    assert response.status_code == 201, response.content
    created = response.json()
    QuestionnaireResponse.model_validate(created)
    assert response["Location"].startswith(
        f"http://testserver/fhir/r4/QuestionnaireResponse/{created['id']}/_history/"
    )
    administration = Administration.objects.get(uuid=created["id"])
    assert administration.source == Source.API and administration.total == 11
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=created["id"]).count() == 1

    observation = client.get(f"/fhir/r4/Observation/{created['id']}").json()
    Observation.model_validate(observation)
    assert observation["code"]["coding"][0]["system"] == "http://loinc.org"
    assert observation["code"]["coding"][0]["code"] == "44261-6"
    assert observation["valueInteger"] == 11
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{created['id']}"}]
    assert observation["subject"] == {"reference": f"Patient/{world.patient_a.uuid}"}


def test_plain_integer_answers_are_accepted_too(fhir_as, world):
    body = phq9_response(world.patient_a)
    body["item"] = [{"linkId": key, "answer": [{"valueInteger": value}]} for key, value in PHQ9.items()]
    response = fhir_as(world.paul).post(URL, body)
    assert response.status_code == 201, response.content


def test_item_9_raises_the_urgent_alert_as_on_the_web(fhir_as, world):
    response = fhir_as(world.alice).post(URL, phq9_response(world.patient_a, {**PHQ9, "9": 1}))
    assert response.status_code == 201
    assert MeasureAlert.objects.filter(administration__uuid=response.json()["id"]).exists()


def issues(response, status):
    assert response.status_code == status, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    return response.json()["issue"]


def test_an_invalid_resource_is_400_naming_the_element(fhir_as, world):
    body = phq9_response(world.patient_a)
    body["item"][0]["answer"][0] = {"valueInteger": "several"}
    (issue,) = issues(fhir_as(world.alice).post(URL, body), 400)
    assert issue["expression"] == ["QuestionnaireResponse.item[0].answer[0].valueInteger"]
    assert "several" not in issue["diagnostics"]
    assert issues(fhir_as(world.alice).post(URL, "not json"), 400)
    assert issues(fhir_as(world.alice).post(URL, {"resourceType": "Patient"}), 400)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"status": "in-progress"}, "QuestionnaireResponse.status"),
        ({"questionnaire": "https://example.org/Questionnaire/other"}, "QuestionnaireResponse.questionnaire"),
        (
            {"questionnaire": "https://openiop.org/fhir/Questionnaire/phq-9|0.0.1"},
            "QuestionnaireResponse.questionnaire",
        ),
        ({"subject": {"reference": "Group/1"}}, "QuestionnaireResponse.subject"),
        (
            {"subject": {"reference": "Patient/00000000-0000-0000-0000-000000000000"}},
            "QuestionnaireResponse.subject",
        ),
        (
            {"authored": "2999-01-01"},
            "QuestionnaireResponse.authored",
        ),
        ({"language": "fr"}, "QuestionnaireResponse.language"),
    ],
)
def test_a_response_that_makes_no_sense_here_is_422(fhir_as, world, change, where):
    found = issues(fhir_as(world.alice).post(URL, phq9_response(world.patient_a, **change)), 422)
    assert [i["expression"] for i in found] == [[where]]
    assert not Administration.objects.exists()


def test_unknown_items_and_answers_are_each_named(fhir_as, world):
    body = phq9_response(world.patient_a)
    body["item"].append({"linkId": "42", "answer": [{"valueInteger": 1}]})
    body["item"][1]["answer"] = [{"valueCoding": {"system": "http://loinc.org", "code": "LA0000-0"}}]
    found = issues(fhir_as(world.alice).post(URL, body), 422)
    assert {i["expression"][0] for i in found} == {
        "QuestionnaireResponse.item[9].linkId",
        "QuestionnaireResponse.item[1].answer[0]",
    }


def test_the_same_form_twice_is_409(fhir_as, world):
    client = fhir_as(world.alice)
    assert client.post(URL, phq9_response(world.patient_a)).status_code == 201
    issues(client.post(URL, phq9_response(world.patient_a)), 409)
    assert Administration.objects.count() == 1


@pytest.mark.parametrize("who", ["bob", "ivan", "charlie", "audrey", "pat_a"])
def test_only_the_care_team_records(fhir_as, world, who):
    issues(fhir_as(getattr(world, who)).post(URL, phq9_response(world.patient_a)), 403)
    assert not Administration.objects.exists()


def test_without_a_token_nothing_is_recorded(fhir_as, world):
    issues(fhir_as(None).post(URL, phq9_response(world.patient_a)), 401)
    assert not Administration.objects.exists()
