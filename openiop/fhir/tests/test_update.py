"""Patient update (PUT) with optimistic concurrency: If-Match required (428), a stale version refused (412)
with nothing written, of two updates from the same version only the first wins, only contact details
change (identity is the chart's: 422), and the write is audited with the changed field names only."""

import copy
import datetime
import json

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient
from hypothesis import given
from hypothesis import strategies as st

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.fhir.mapping.common import version_id, version_moment
from openiop.patients.models import Patient
from openiop.patients.services import StaleVersion, patient_contact_update

from .conftest import FHIR

BASE = "/fhir/r4"


@given(st.datetimes(timezones=st.just(datetime.UTC), min_value=datetime.datetime(1971, 1, 1)))  # noqa: DTZ001 (hypothesis bounds are naive)
def test_a_version_converts_back_to_exactly_its_moment(moment):
    assert version_moment(version_id(moment)) == moment


@pytest.mark.parametrize("value", ["", "abc", "-5", "1" * 30])
def test_what_is_not_a_version_of_ours(value):
    assert version_moment(value) is None


def put(client, url, body, **headers):
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.client.put(url, payload, content_type=FHIR, headers={**client.headers, **headers})


def read(client, patient):
    response = client.get(f"{BASE}/Patient/{patient.uuid}")
    assert response.status_code == 200
    return response.json(), response["ETag"]


def with_contact(resource: dict) -> dict:
    changed = copy.deepcopy(resource)
    changed["telecom"] = [
        {"system": "phone", "value": "555-0100"},
        {"system": "email", "value": "avery@example.invalid"},
    ]
    changed["address"] = [{"text": "1 Synthetic Way, Springfield"}]
    changed["name"] = [*changed["name"], {"use": "usual", "given": ["Ave"]}]
    changed["communication"] = [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es-MX"}]}}]
    return changed


def outcome(response, status):
    assert response.status_code == status, response.content
    OperationOutcome.model_validate(response.json())
    return response.json()["issue"]


def updates():
    return AuditEvent.objects.filter(action=Action.UPDATE)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ivan", "dana"])
def test_intake_changes_contact_details_with_if_match(fhir_as, world, role):
    client = fhir_as(getattr(world, role))
    resource, tag = read(client, world.patient_a)
    response = put(
        client, f"{BASE}/Patient/{world.patient_a.uuid}", with_contact(resource), **{"If-Match": tag}
    )
    assert response.status_code == 200, response.content
    updated = response.json()
    FhirPatient.model_validate(updated)
    assert response["ETag"] != tag and response["ETag"] == f'W/"{updated["meta"]["versionId"]}"'
    assert {"use": "usual", "given": ["Ave"]} in updated["name"]
    patient = Patient.objects.get(pk=world.patient_a.pk)
    assert (patient.phone, patient.email, patient.preferred_name, patient.language) == (
        "555-0100",
        "avery@example.invalid",
        "Ave",
        "es",
    )
    assert patient.address == "1 Synthetic Way, Springfield" and patient.updated_by == getattr(world, role)
    (event,) = updates()
    assert event.patient_id == patient.pk and event.actor == getattr(world, role)
    assert event.detail == {
        "fields": ["address", "email", "language", "phone", "preferred_name"],
        "channel": "fhir",
    }
    # The new ETag reads back the same version.
    assert read(client, world.patient_a)[1] == response["ETag"]


@pytest.mark.django_db
def test_without_if_match_is_428_and_nothing_changes(fhir_as, world):
    client = fhir_as(world.ivan)
    resource, _ = read(client, world.patient_a)
    before = Patient.objects.get(pk=world.patient_a.pk).updated_at
    (issue,) = outcome(put(client, f"{BASE}/Patient/{world.patient_a.uuid}", with_contact(resource)), 428)
    assert "If-Match" in issue["diagnostics"]
    assert Patient.objects.get(pk=world.patient_a.pk).updated_at == before and not updates().exists()


@pytest.mark.django_db
@pytest.mark.parametrize("tag", ['W/"12345"', '"not-a-version"', "W/1"])
def test_a_stale_or_foreign_version_is_412_and_nothing_changes(fhir_as, world, tag):
    client = fhir_as(world.ivan)
    resource, _ = read(client, world.patient_a)
    response = put(
        client, f"{BASE}/Patient/{world.patient_a.uuid}", with_contact(resource), **{"If-Match": tag}
    )
    outcome(response, 412)
    assert Patient.objects.get(pk=world.patient_a.pk).phone == "" and not updates().exists()


@pytest.mark.django_db
def test_of_two_updates_from_the_same_version_the_second_loses(fhir_as, world):
    client = fhir_as(world.ivan)
    resource, tag = read(client, world.patient_a)
    url = f"{BASE}/Patient/{world.patient_a.uuid}"
    first = with_contact(resource)
    second = copy.deepcopy(first)
    second["telecom"] = [{"system": "phone", "value": "555-0199"}]
    assert put(client, url, first, **{"If-Match": tag}).status_code == 200
    outcome(put(client, url, second, **{"If-Match": tag}), 412)
    assert Patient.objects.get(pk=world.patient_a.pk).phone == "555-0100"
    assert updates().count() == 1


@pytest.mark.django_db
def test_the_service_lets_only_one_update_win_from_a_version(world):
    patient = Patient.objects.get(pk=world.patient_a.pk)
    version = patient.updated_at
    updated, changed = patient_contact_update(
        patient=patient, by=world.ivan, expected_version=version, phone="1"
    )
    assert changed == ["phone"] and updated.updated_at > version
    with pytest.raises(StaleVersion):
        patient_contact_update(patient=patient, by=world.dana, expected_version=version, phone="2")
    assert Patient.objects.get(pk=patient.pk).phone == "1"
    assert updates().count() == 1


@pytest.mark.django_db
def test_the_service_validates_by_field(world):
    from django.core.exceptions import ValidationError

    patient = Patient.objects.get(pk=world.patient_a.pk)
    with pytest.raises(ValidationError) as error:
        patient_contact_update(
            patient=patient, by=world.ivan, expected_version=patient.updated_at, email="not an email"
        )
    assert set(error.value.message_dict) == {"email"}
    assert not updates().exists()


def change_identity(resource, element):
    changed = copy.deepcopy(resource)
    if element == "birthDate":
        changed["birthDate"] = "1991-01-01"
    elif element == "identifier":
        changed["identifier"][0]["value"] = "OI9999999"
    elif element == "name":
        changed["name"][0]["family"] = "Renamed"
    elif element == "gender":
        changed["gender"] = "unknown"
    elif element == "contact":
        changed["contact"] = [{"name": {"text": "Someone New"}}]
    return changed


@pytest.mark.django_db
@pytest.mark.parametrize("element", ["birthDate", "identifier", "name", "gender", "contact"])
def test_identity_is_changed_in_the_chart_not_through_fhir(fhir_as, world, element):
    client = fhir_as(world.ivan)
    resource, tag = read(client, world.patient_a)
    body = change_identity(with_contact(resource), element)
    issues = outcome(put(client, f"{BASE}/Patient/{world.patient_a.uuid}", body, **{"If-Match": tag}), 422)
    assert any(element in i.get("expression", [""])[0] for i in issues)
    assert "Renamed" not in json.dumps(issues) and "1991" not in json.dumps(issues)
    patient = Patient.objects.get(pk=world.patient_a.pk)
    assert patient.phone == "" and patient.date_of_birth == datetime.date(1990, 5, 17)
    assert not updates().exists()


@pytest.mark.django_db
def test_a_body_that_is_not_this_patient_is_400(fhir_as, world):
    client = fhir_as(world.ivan)
    resource, tag = read(client, world.patient_a)
    url = f"{BASE}/Patient/{world.patient_a.uuid}"
    other = {**resource, "id": str(world.patient_b.uuid)}
    outcome(put(client, url, other, **{"If-Match": tag}), 400)
    outcome(put(client, url, {**resource, "birthDate": "someday"}, **{"If-Match": tag}), 400)
    outcome(put(client, url, {"resourceType": "Observation"}, **{"If-Match": tag}), 400)
    outcome(put(client, url, "{not json", **{"If-Match": tag}), 400)
    assert not updates().exists()


@pytest.mark.django_db
def test_an_address_with_parts_and_a_second_phone_are_422(fhir_as, world):
    client = fhir_as(world.ivan)
    resource, tag = read(client, world.patient_a)
    body = with_contact(resource)
    body["address"] = [{"line": ["1 Synthetic Way"], "city": "Springfield"}]
    body["telecom"].append({"system": "phone", "value": "555-0101"})
    issues = outcome(put(client, f"{BASE}/Patient/{world.patient_a.uuid}", body, **{"If-Match": tag}), 422)
    assert {i["expression"][0] for i in issues} == {"Patient.address[0].text", "Patient.telecom[2]"}


@pytest.mark.django_db
def test_leaving_contact_details_out_clears_them(fhir_as, world):
    Patient.objects.filter(pk=world.patient_a.pk).update(phone="555-0100", preferred_name="Ave")
    client = fhir_as(world.ivan)
    resource, tag = read(client, world.patient_a)
    body = {k: v for k, v in resource.items() if k not in ("telecom", "communication")}
    body["name"] = [n for n in body["name"] if n["use"] == "official"]
    response = put(client, f"{BASE}/Patient/{world.patient_a.uuid}", body, **{"If-Match": tag})
    assert response.status_code == 200, response.content
    patient = Patient.objects.get(pk=world.patient_a.pk)
    assert (patient.phone, patient.preferred_name, patient.language) == ("", "", "other")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["alice", "paul", "bob", "charlie", "audrey", "adam", "pat_a"])
def test_who_does_not_record_demographics_is_refused(fhir_as, world, role):
    user = getattr(world, role)
    resource, tag = read(fhir_as(world.ivan), world.patient_a)
    response = put(
        fhir_as(user), f"{BASE}/Patient/{world.patient_a.uuid}", with_contact(resource), **{"If-Match": tag}
    )
    assert response.status_code == 403
    assert world.patient_a.legal_given_name not in response.content.decode()
    assert AuditEvent.objects.filter(actor=user, outcome=Outcome.REFUSED).count() == 1
    assert Patient.objects.get(pk=world.patient_a.pk).phone == ""


@pytest.mark.django_db
def test_an_intake_coordinator_of_another_program_is_refused_before_any_precondition(fhir_as, world):
    body = {"resourceType": "Patient", "id": str(world.patient_c.uuid)}
    response = put(fhir_as(world.ivan), f"{BASE}/Patient/{world.patient_c.uuid}", body)
    assert response.status_code == 403
    assert world.patient_c.legal_given_name not in response.content.decode()


@pytest.mark.django_db
def test_the_capability_statement_offers_patient_update_with_if_match_only(fhir_as):
    statement = fhir_as(None).get(f"{BASE}/metadata").json()
    by_type = {r["type"]: r for r in statement["rest"][0]["resource"]}
    patient = by_type["Patient"]
    assert {"code": "update"} in patient["interaction"] and patient["versioning"] == "versioned-update"
    assert patient["updateCreate"] is False
    for resource_type in ("Encounter", "Group", "ServiceRequest", "Consent"):
        codes = {i["code"] for i in by_type[resource_type]["interaction"]}
        assert {"read", "search-type"} <= codes and "update" not in codes
