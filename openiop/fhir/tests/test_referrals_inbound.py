"""Incoming referrals: POST /fhir/r4/Bundle and POST /fhir/r4/ServiceRequest land in the intake pipeline."""

import base64
import copy
import datetime
import json

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from openiop.fhir.models import ReceivedReferral
from openiop.fhir.referral import FROM_BUNDLE, PROGRAM_SYSTEM, parse_bundle
from openiop.intake.models import Referral, ReferralDocument, ReferralSource, ReferralStatus, Urgency
from openiop.patients.models import Patient

pytestmark = pytest.mark.django_db

URL = "/fhir/r4/Bundle"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
BORN = "1988-02-29"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def referral_bundle(
    *, given="Riley", family="Inbound", born=BORN, identifier="bundle-0001", **request_fields
):
    service_request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "subject": {"reference": "urn:uuid:patient-1"},
        "requester": {"reference": "urn:uuid:org-1"},
        "performer": [{"identifier": {"system": PROGRAM_SYSTEM, "value": "Adult MH"}}],
        "reasonCode": [{"text": "Step-down after a two-week inpatient stay."}],
        **request_fields,
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "identifier": {"system": "https://hospital.example/referrals", "value": identifier},
        "entry": [
            {
                "fullUrl": "urn:uuid:patient-1",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"use": "official", "family": family, "given": [given]}],
                    "birthDate": born,
                    "telecom": [{"system": "phone", "value": "555-0100"}],
                },
            },
            {"fullUrl": "urn:uuid:sr-1", "resource": service_request},
            {
                "fullUrl": "urn:uuid:org-1",
                "resource": {
                    "resourceType": "Organization",
                    "name": "Synthetic General Hospital",
                    "type": [{"coding": [{"code": "inpatient"}]}],
                },
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "urn:uuid:patient-1"},
                    "code": {"text": "Major depressive disorder, recurrent"},
                    "clinicalStatus": {"coding": [{"code": "active", "display": "Active"}]},
                }
            },
            {
                "resource": {
                    "resourceType": "MedicationStatement",
                    "status": "active",
                    "subject": {"reference": "urn:uuid:patient-1"},
                    "medicationCodeableConcept": {"text": "Sertraline 100 mg"},
                    "dosage": [{"text": "once daily"}],
                }
            },
            {
                "resource": {
                    "resourceType": "DocumentReference",
                    "status": "current",
                    "description": "Discharge summary",
                    "content": [
                        {
                            "attachment": {
                                "contentType": "application/pdf",
                                "title": "discharge-summary.pdf",
                                "data": base64.b64encode(PDF).decode(),
                            }
                        }
                    ],
                }
            },
        ],
    }


def test_a_valid_bundle_becomes_a_new_referral_with_its_source_patient_and_document(fhir_as, world):
    response = fhir_as(world.ivan).post(URL, referral_bundle())
    assert response.status_code == 201, response.content
    body = response.json()
    ServiceRequest.model_validate(body)
    referral = Referral.objects.get()
    assert response["Location"] == f"http://testserver/fhir/r4/ServiceRequest/{referral.uuid}"
    assert body["id"] == str(referral.uuid)
    assert referral.status == ReferralStatus.NEW and referral.program == world.program_a
    assert referral.source == ReferralSource.INPATIENT
    assert referral.referring_organization == "Synthetic General Hospital"
    assert referral.urgency == Urgency.SOON
    assert referral.reason.startswith("Step-down after a two-week inpatient stay.")
    assert f"{FROM_BUNDLE}:" in referral.reason
    assert "Major depressive disorder, recurrent (Active)" in referral.reason
    assert "Sertraline 100 mg: once daily" in referral.reason
    # No patient of that name and birth date: one is registered and linked (never synthetic).
    patient = referral.patient
    assert (patient.legal_given_name, patient.legal_family_name) == ("Riley", "Inbound")
    assert patient.date_of_birth == datetime.date(1988, 2, 29) and not patient.is_synthetic
    assert referral.episode.program == world.program_a
    document = ReferralDocument.objects.get(referral=referral)
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    assert document.file.read() == PDF


def test_the_same_bundle_posted_twice_is_one_referral(fhir_as, world):
    client = fhir_as(world.ivan)
    first = client.post(URL, referral_bundle())
    second = client.post(URL, referral_bundle())
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Referral.objects.count() == 1 and ReferralDocument.objects.count() == 1
    assert Patient.objects.filter(legal_family_name="Inbound").count() == 1


def test_a_message_or_collection_bundle_is_accepted_and_a_searchset_is_not(fhir_as, world):
    client = fhir_as(world.dana)
    message = referral_bundle(identifier="m-1")
    message["type"] = "collection"
    assert client.post(URL, message).status_code == 201
    searchset = referral_bundle(identifier="s-1")
    searchset["type"] = "searchset"
    response = client.post(URL, searchset)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["Bundle.type"]


def test_invalid_fhir_is_400_naming_the_element_without_echoing_it(fhir_as, world):
    bundle = referral_bundle(born="29/02/1988")
    response = fhir_as(world.ivan).post(URL, bundle)
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[0].resource.birthDate"]
    assert "29/02/1988" not in response.content.decode()
    assert not Referral.objects.exists()


def test_semantic_problems_are_422_each_listed(fhir_as, world):
    bundle = referral_bundle(intent="reflex-order", reasonCode=[])
    del bundle["entry"][0]["resource"]["birthDate"]
    del bundle["identifier"]
    response = fhir_as(world.ivan).post(URL, bundle)
    assert response.status_code == 422
    where = [issue["expression"][0] for issue in response.json()["issue"]]
    assert where == [
        "Bundle.entry[1].resource.intent",
        "Bundle.entry[1].resource.identifier",
        "Bundle.entry[0].resource.birthDate",
        "Bundle.entry[1].resource.reasonCode",
    ]
    assert not Referral.objects.exists()


def test_two_patients_or_none_is_422(fhir_as, world):
    bundle = referral_bundle()
    bundle["entry"].append(copy.deepcopy(bundle["entry"][0]))
    response = fhir_as(world.ivan).post(URL, bundle)
    assert response.status_code == 422
    assert "exactly one Patient" in response.json()["issue"][0]["diagnostics"]


def test_the_service_request_must_be_about_the_bundles_patient(fhir_as, world):
    bundle = referral_bundle(subject={"reference": "urn:uuid:someone-else"})
    response = fhir_as(world.ivan).post(URL, bundle)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.subject"]


def test_a_refused_document_leaves_nothing_written(fhir_as, world, media):
    bundle = referral_bundle()
    attachment = bundle["entry"][5]["resource"]["content"][0]["attachment"]
    attachment["data"] = base64.b64encode(b"MZ not a pdf at all").decode()
    response = fhir_as(world.ivan).post(URL, bundle)
    assert response.status_code == 422
    assert "discharge-summary" not in response.content.decode()
    assert not Referral.objects.exists()
    assert not ReceivedReferral.objects.exists()
    assert not Patient.objects.filter(legal_family_name="Inbound").exists()
    assert not ReferralDocument.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_document_of_another_type_or_too_large_is_422(fhir_as, world, settings):
    bundle = referral_bundle()
    bundle["entry"][5]["resource"]["content"][0]["attachment"]["contentType"] = "text/html"
    response = fhir_as(world.ivan).post(URL, bundle)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == [
        "Bundle.entry[5].resource.content[0].attachment.contentType"
    ]
    too_large = parse_bundle
    with pytest.raises(Exception) as refused:
        too_large(referral_bundle(), max_bytes=10)
    assert refused.value.status == 422


def test_one_existing_patient_of_that_name_and_birth_date_is_linked(fhir_as, world):
    born = world.patient_b.date_of_birth.isoformat()
    response = fhir_as(world.ivan).post(URL, referral_bundle(given="blake", family="SYNTHETIC ", born=born))
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert referral.patient == world.patient_b
    assert response.json()["subject"]["reference"] == f"Patient/{world.patient_b.uuid}"
    assert Patient.objects.count() == 3


def test_two_possible_patients_leave_the_referral_unlinked(fhir_as, world):
    for _ in range(2):
        Patient.objects.create(
            record_number=f"OIX{Patient.objects.count():06d}",
            legal_given_name="Riley",
            legal_family_name="Inbound",
            date_of_birth=datetime.date(1988, 2, 29),
            is_synthetic=True,
        )
    response = fhir_as(world.ivan).post(URL, referral_bundle())
    assert response.status_code == 201, response.content
    ServiceRequest.model_validate(response.json())
    referral = Referral.objects.get()
    assert referral.patient is None and referral.episode is None
    assert Patient.objects.filter(legal_family_name="Inbound").count() == 2


def test_the_source_is_other_without_a_known_code_and_residential_from_a_category(fhir_as, world):
    client = fhir_as(world.ivan)
    bundle = referral_bundle(identifier="o-1")
    del bundle["entry"][2]["resource"]["type"]
    assert client.post(URL, bundle).status_code == 201
    bundle = referral_bundle(identifier="r-1", category=[{"coding": [{"code": "residential"}]}])
    del bundle["entry"][2]["resource"]["type"]
    bundle["entry"][0]["resource"]["name"][0]["given"] = ["Robin"]
    assert client.post(URL, bundle).status_code == 201
    sources = dict(Referral.objects.values_list("given_name", "source"))
    assert sources == {"Riley": ReferralSource.OTHER, "Robin": ReferralSource.RESIDENTIAL}
    assert set(Referral.objects.values_list("referring_organization", flat=True)) == {
        "Synthetic General Hospital"
    }


def test_the_program_must_be_one_of_the_callers(fhir_as, world):
    bundle = referral_bundle(performer=[{"identifier": {"system": PROGRAM_SYSTEM, "value": "Teen COD"}}])
    response = fhir_as(world.ivan).post(URL, bundle)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.performer"]
    # Without a performer: the caller's only program.
    response = fhir_as(world.ivan).post(URL, referral_bundle(performer=[]))
    assert response.status_code == 201
    assert Referral.objects.get().program == world.program_a


@pytest.mark.parametrize("role", ["alice", "paul", "charlie", "audrey", "adam", "pat_a"])
def test_roles_that_do_not_work_referrals_are_refused(fhir_as, world, role):
    response = fhir_as(getattr(world, role)).post(URL, referral_bundle())
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_no_token_is_401(fhir_as, world):
    assert fhir_as(None).post(URL, referral_bundle()).status_code == 401


# --- POST /ServiceRequest (dispatched by the ServiceRequest type view) ---------------------------------------


def contained_request(**fields):
    return {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://residential.example/referrals", "value": "sr-77"}],
        "contained": [
            {
                "resourceType": "Patient",
                "id": "p",
                "name": [{"family": "Inbound", "given": ["Sky"]}],
                "birthDate": "1979-07-01",
            },
            {
                "resourceType": "Organization",
                "id": "o",
                "name": "Synthetic Residential Recovery",
                "type": [{"coding": [{"code": "residential"}]}],
            },
        ],
        "status": "active",
        "intent": "proposal",
        "subject": {"reference": "#p"},
        "requester": {"reference": "#o"},
        "reasonCode": [{"text": "Stepping down from residential care."}],
        **fields,
    }


def post_service_request(fhir_as, user, body):
    """POST /fhir/r4/ServiceRequest (the type view dispatches POST to views_inbound)."""
    response = fhir_as(user).post("/fhir/r4/ServiceRequest", body)
    assert response.status_code != 405
    return response


def test_a_service_request_with_a_contained_patient_is_received(fhir_as, world):
    response = post_service_request(fhir_as, world.ivan, contained_request())
    assert response.status_code == 201, response.content
    ServiceRequest.model_validate(json.loads(response.content))
    referral = Referral.objects.get()
    assert referral.source == ReferralSource.RESIDENTIAL and referral.urgency == Urgency.ROUTINE
    assert referral.referring_organization == "Synthetic Residential Recovery"
    assert referral.patient.legal_given_name == "Sky"
    assert post_service_request(fhir_as, world.ivan, contained_request()).status_code == 200
    assert Referral.objects.count() == 1


def test_a_service_request_about_a_patient_we_hold_links_them(fhir_as, world):
    body = contained_request(subject={"reference": f"Patient/{world.patient_b.uuid}"})
    body["contained"] = body["contained"][1:]
    response = post_service_request(fhir_as, world.ivan, body)
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert referral.patient == world.patient_b and referral.given_name == "Blake"


def test_a_service_request_needs_its_patient_and_a_referral_worker(fhir_as, world):
    body = contained_request(subject={"reference": "Patient/0b3c6a50-0000-4000-8000-000000000000"})
    response = post_service_request(fhir_as, world.ivan, body)
    assert response.status_code == 422
    assert json.loads(response.content)["issue"][0]["expression"] == ["ServiceRequest.subject"]
    assert post_service_request(fhir_as, world.alice, contained_request()).status_code == 403
    assert not Referral.objects.exists()
