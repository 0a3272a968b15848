"""The transition packet as a FHIR document Bundle: valid R4 (fhir.resources R4B), and released only
through the disclosure service with the §2.32 notice for Part 2 content."""

import datetime
import hashlib
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from openiop.coordination.models import Disclosure, Provider
from openiop.coordination.services import PART2_NOTICE, DisclosureRefused
from openiop.coordination.tests.factories import part2_consent, therapist
from openiop.discharge.models import AftercareAppointment, Discharge
from openiop.measures.tests.outcome_factories import administer
from openiop.scheduling.tests.factories import active_episode
from openiop.transitions import services
from openiop.transitions.fhir_packet import packet_bundle, packet_send_bundle
from openiop.transitions.packet import DISCHARGE, STEP_DOWN, build_packet

pytestmark = pytest.mark.django_db
BASE = "https://iop.example.org/fhir/r4"


def _with_aftercare(world, episode) -> Provider:
    provider = therapist()
    discharge = Discharge.objects.create(
        episode=episode,
        reason="completed",
        planned_on=timezone.localdate(),
        support_groups="SMART Recovery, Tuesdays 7 pm",
        crisis_plan="Call 988, then my sister.",
    )
    AftercareAppointment.objects.create(
        discharge=discharge,
        starts_at=timezone.now() + datetime.timedelta(days=5),
        provider=provider,
        purpose="Weekly outpatient therapy",
        location="Harbor Counseling, Suite 4",
    )
    return provider


def test_the_bundle_is_a_valid_r4_document_with_every_section(world):
    episode = active_episode(world.patient_a)
    administer(episode, "PHQ-9", 18, datetime.date(2026, 9, 8))
    administer(episode, "PHQ-9", 7, datetime.date(2026, 11, 23))
    services.medication_add(patient=world.patient_a, by=world.paul, name="Sertraline", dose="50 mg")
    _with_aftercare(world, episode)
    packet = build_packet(episode, kind=DISCHARGE, today=timezone.localdate())
    bundle = packet_bundle(packet, base_url=BASE, notice_context=None)
    Bundle.model_validate(bundle)
    composition = bundle["entry"][0]["resource"]
    assert bundle["type"] == "document" and composition["resourceType"] == "Composition"
    assert composition["type"]["coding"][0]["code"] == "18842-5"
    titles = [s["title"] for s in composition["section"]]
    assert titles == [
        "Services received",
        "Measures at start and end",
        "Treatment plan and progress",
        "Safety plan",
        "Medications as recorded",
        "Aftercare",
        "Crisis resources",
    ]
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Observation") == 2 and "MedicationStatement" in kinds
    [aftercare] = [e["resource"] for e in bundle["entry"] if e["resource"].get("title") == "Aftercare plan"]
    assert (
        aftercare["activity"][0]["detail"]["performer"][0]["display"]
        == "Jordan Outpatient (Harbor Counseling)"
    )
    # Every reference of the Composition resolves inside the Bundle.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    cited = [ref["reference"] for s in composition["section"] for ref in s.get("entry", [])]
    assert cited and set(cited) <= urls
    assert "security" not in bundle["meta"]


def test_a_step_down_is_a_transfer_summary(world):
    packet = build_packet(active_episode(world.patient_b), kind=STEP_DOWN, today=timezone.localdate())
    bundle = packet_bundle(packet, base_url=BASE, notice_context=None)
    Bundle.model_validate(bundle)
    assert bundle["entry"][0]["resource"]["type"]["coding"][0]["code"] == "18761-7"


def test_refused_without_consent_then_sent_with_the_notice_and_its_digest(world):
    episode = active_episode(world.patient_a)
    provider = _with_aftercare(world, episode)
    with pytest.raises(DisclosureRefused):
        packet_send_bundle(
            episode=episode,
            kind=DISCHARGE,
            recipient=provider,
            purpose="treatment",
            by=world.alice,
            base_url=BASE,
        )
    assert not Disclosure.objects.exists()
    consent = part2_consent(world.patient_a, provider, world.alice, categories=("transition_packet",))
    disclosure, content = packet_send_bundle(
        episode=episode,
        kind=DISCHARGE,
        recipient=provider,
        purpose="treatment",
        by=world.alice,
        base_url=BASE,
    )
    bundle = json.loads(content)
    Bundle.model_validate(bundle)
    assert {s["code"] for s in bundle["meta"]["security"]} >= {"42CFRPart2", "NORDSCLCD"}
    notice_section = bundle["entry"][0]["resource"]["section"][-1]
    assert "42 CFR" in notice_section["title"]
    assert PART2_NOTICE.split(".")[0] in content.decode()
    consents = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Consent"]
    assert [c["id"] for c in consents] == [str(consent.uuid)]
    assert disclosure.sha256 == hashlib.sha256(content).hexdigest()
    assert disclosure.media_type == "application/fhir+json"


def test_the_page_downloads_the_bundle(world, client_for):
    provider = therapist()
    part2_consent(world.patient_a, provider, world.alice, categories=("transition_packet",))
    client = client_for(world.alice)
    url = reverse("transitions:packet", args=[active_episode(world.patient_a).uuid])
    response = client.post(
        url, {"kind": "step_down", "recipient": provider.uuid, "purpose": "treatment", "format": "fhir"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"].endswith('.json"') and response["Cache-Control"] == "no-store"
    Bundle.model_validate(json.loads(response.content))
