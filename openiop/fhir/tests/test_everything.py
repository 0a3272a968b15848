"""Patient/$everything: the record section by section, never process notes, released under consent."""

import base64
import hashlib

import pytest
from fhir.resources.R4B import get_fhir_model_class

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.coordination.models import Disclosure
from openiop.coordination.services import PART2_NOTICE
from openiop.coordination.tests.factories import part2_consent, therapist
from openiop.measures.tests.routes import PHQ9_CALM, record
from openiop.notes.services import note_sign, process_note_create
from openiop.notes.tests.factories import draft_note
from openiop.treatment.tests.factories import active_plan_of

pytestmark = pytest.mark.django_db

PROCESS_TEXT = "Countertransference: reminded me of my own brother."
ALL_CATEGORIES = ("attendance", "treatment_plan", "measures", "notes_summary")


def url(patient) -> str:
    return f"/fhir/r4/Patient/{patient.uuid}/$everything"


@pytest.fixture
def record_of_a(world):
    """patient_a with an active plan, a PHQ-9, a signed note and alice's process note."""
    plan = active_plan_of(world)
    administration = record(world, PHQ9_CALM).administration
    note = draft_note(world)
    note = note_sign(note=note, version=note.version, by=world.alice)
    process = process_note_create(
        patient=world.patient_a, by=world.alice, text=PROCESS_TEXT, written_on=note.date_of_service
    )
    return {"plan": plan, "administration": administration, "note": note, "process": process}


def validated(bundle: dict) -> dict:
    """Every resource (and the Bundle) valid R4B; the resources by type."""
    get_fhir_model_class("Bundle").model_validate(bundle)
    by_type: dict[str, list[dict]] = {}
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        by_type.setdefault(resource["resourceType"], []).append(resource)
    return by_type


def test_the_care_team_gets_every_section_with_signed_notes_and_no_process_note(fhir_as, world, record_of_a):
    response = fhir_as(world.alice).get(url(world.patient_a))
    assert response.status_code == 200, response.content
    bundle = response.json()
    assert bundle["type"] == "searchset" and bundle["total"] == 1
    by_type = validated(bundle)
    assert {k: len(v) for k, v in by_type.items()} == {
        "Patient": 1,
        "EpisodeOfCare": 1,
        "CareTeam": 1,
        "QuestionnaireResponse": 1,
        "Observation": 1,
        "CarePlan": 1,
        "Goal": 1,
        "DocumentReference": 1,
    }
    assert by_type["CarePlan"][0]["id"] == str(record_of_a["plan"].uuid)
    document = by_type["DocumentReference"][0]
    assert document["id"] == str(record_of_a["note"].uuid)
    text = base64.b64decode(document["content"][0]["attachment"]["data"]).decode()
    assert "Reports better sleep." in text and "Continue CBT." in text
    # The process note is nowhere: not its id, not its words.
    body = response.content.decode()
    assert str(record_of_a["process"].uuid) not in body
    assert (
        "Countertransference" not in body
        and "brother" not in base64.b64decode(document["content"][0]["attachment"]["data"]).decode()
    )
    event = AuditEvent.objects.get(action=Action.EXPORT, patient=world.patient_a)
    assert event.detail["channel"] == "fhir" and event.detail["counts"]["DocumentReference"] == 1
    assert "Reports better sleep" not in str(event.detail)


def test_drafts_are_not_served(fhir_as, world):
    draft_note(world)
    by_type = validated(fhir_as(world.alice).get(url(world.patient_a)).json())
    assert "DocumentReference" not in by_type


def test_each_section_follows_its_own_policy(fhir_as, world, record_of_a):
    # ivan works intake: the chart, but not the plans (treatment.view_plans) nor the notes.
    response = fhir_as(world.ivan).get(url(world.patient_a))
    assert response.status_code == 200
    by_type = validated(response.json())
    assert "Patient" in by_type and "EpisodeOfCare" in by_type
    assert "CarePlan" not in by_type and "Goal" not in by_type
    event = AuditEvent.objects.filter(action=Action.EXPORT).latest("pk")
    assert "plans" not in event.detail["sections"]


@pytest.mark.parametrize("role", ["bob", "charlie", "audrey", "adam", "pat_a"])
def test_callers_who_may_not_read_the_chart_are_refused(fhir_as, world, role):
    response = fhir_as(getattr(world, role)).get(url(world.patient_a))
    assert response.status_code == 403
    assert "Avery" not in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_paging_and_unknown_parameters_are_refused(fhir_as, world):
    response = fhir_as(world.alice).get(url(world.patient_a), {"_count": "5"})
    assert response.status_code == 400
    response = fhir_as(world.alice).get(url(world.patient_a), {"purpose": "treatment"})
    assert response.status_code == 400


def test_release_is_refused_without_consent_with_the_engines_reason(fhir_as, world, record_of_a):
    provider = therapist()
    response = fhir_as(world.alice).get(
        url(world.patient_a), {"recipient": provider.uuid, "purpose": "treatment"}
    )
    assert response.status_code == 403
    assert "No signed authorization" in response.json()["issue"][0]["diagnostics"]
    assert not Disclosure.objects.exists()
    refusal = AuditEvent.objects.get(action=Action.EXPORT, outcome=Outcome.REFUSED)
    assert refusal.detail["channel"] == "fhir"


def test_a_consent_missing_a_category_refuses_too(fhir_as, world, record_of_a):
    provider = therapist()
    part2_consent(world.patient_a, provider, world.alice, categories=("attendance", "treatment_plan"))
    response = fhir_as(world.alice).get(
        url(world.patient_a), {"recipient": provider.uuid, "purpose": "treatment"}
    )
    assert response.status_code == 403
    assert "do not cover" in response.json()["issue"][0]["diagnostics"]


def test_release_under_a_part2_consent_carries_the_notice_and_is_accounted(fhir_as, world, record_of_a):
    provider = therapist()
    consent = part2_consent(world.patient_a, provider, world.alice, categories=ALL_CATEGORIES)
    response = fhir_as(world.alice).get(
        url(world.patient_a), {"recipient": provider.uuid, "purpose": "treatment"}
    )
    assert response.status_code == 200, response.content
    bundle = response.json()
    by_type = validated(bundle)
    codes = {label["code"] for label in bundle["meta"]["security"]}
    assert {"42CFRPart2", "NORDSCLCD", "R"} <= codes
    notices = [d for d in by_type["DocumentReference"] if d.get("description") == PART2_NOTICE]
    assert len(notices) == 1
    assert base64.b64decode(notices[0]["content"][0]["attachment"]["data"]).decode() == PART2_NOTICE
    assert str(consent.uuid) in {c["id"] for c in by_type["Consent"]}
    assert len([c for c in by_type["Consent"] if c["id"] == str(consent.uuid)]) == 1
    assert PROCESS_TEXT not in response.content.decode()
    disclosure = Disclosure.objects.get()
    assert disclosure.sha256 == hashlib.sha256(response.content).hexdigest()
    assert disclosure.size == len(response.content)
    assert disclosure.media_type == "application/fhir+json" and disclosure.part2
    assert list(disclosure.consents.all()) == [consent]
    # Only the categories present: no sessions were booked, so no attendance.
    assert disclosure.categories == ["measures", "notes_summary", "treatment_plan"]
    event = AuditEvent.objects.get(action=Action.EXPORT, patient=world.patient_a)
    assert event.detail["disclosure"] == str(disclosure.uuid) and event.detail["channel"] == "fhir"


def test_only_those_who_disclose_may_release(fhir_as, world):
    provider = therapist()
    part2_consent(world.patient_a, provider, world.alice, categories=ALL_CATEGORIES)
    response = fhir_as(world.ivan).get(
        url(world.patient_a), {"recipient": provider.uuid, "purpose": "treatment"}
    )
    assert response.status_code == 403
    assert not Disclosure.objects.exists()


def test_an_unknown_recipient_is_422(fhir_as, world):
    response = fhir_as(world.alice).get(
        url(world.patient_a), {"recipient": "not-a-provider", "purpose": "treatment"}
    )
    assert response.status_code == 422


def test_disclose_refuses_a_part2_bundle_its_builder_did_not_stamp(world):
    from openiop.coordination import services

    provider = therapist()
    part2_consent(world.patient_a, provider, world.alice, categories=("attendance",))

    def careless(notice_context):
        return {"resourceType": "Bundle", "type": "collection"}

    with pytest.raises(ValueError, match="42CFRPart2"):
        services.disclose(
            patient=world.patient_a,
            recipient=provider,
            purpose="treatment",
            categories=["attendance"],
            document=services.FhirBundleSource(careless),
            media_type=services.FHIR_JSON,
            description="Bundle",
            by=world.alice,
        )
    assert not Disclosure.objects.exists()
    # Not Part 2: built without a notice context, serialized and accounted as is.
    disclosure, content = services.disclose(
        patient=world.patient_a,
        recipient=provider,
        purpose="treatment",
        categories=["attendance"],
        document=services.FhirBundleSource(careless),
        media_type=services.FHIR_JSON,
        description="Bundle",
        by=world.alice,
        part2=False,
    )
    assert content == b'{"resourceType":"Bundle","type":"collection"}'
    assert disclosure.sha256 == hashlib.sha256(content).hexdigest() and not disclosure.part2
