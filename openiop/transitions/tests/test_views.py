"""The pages: the medication list (errors re-render, stop, refusals) and the packet (refused, then sent)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.coordination.models import Disclosure
from openiop.coordination.tests.factories import part2_consent, therapist
from openiop.scheduling.tests.factories import active_episode
from openiop.transitions.models import Medication

pytestmark = pytest.mark.django_db


def _list_url(patient):
    return reverse("transitions:medications", args=[patient.uuid])


def test_psychiatrist_adds_a_medication_and_it_is_audited(world, client_for):
    client = client_for(world.paul)
    response = client.post(
        _list_url(world.patient_a), {"name": "Sertraline", "dose": "50 mg", "directions": "daily"}
    )
    assert response.status_code == 302
    medication = Medication.objects.get()
    assert (medication.patient, medication.created_by) == (world.patient_a, world.paul)
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(medication.uuid)).exists()
    page = client.get(_list_url(world.patient_a))
    assert b"Sertraline 50 mg" in page.content


def test_a_medication_without_a_name_or_starting_tomorrow_re_renders_and_saves_nothing(world, client_for):
    client = client_for(world.alice)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(_list_url(world.patient_a), {"name": "", "started_on": tomorrow})
    assert response.status_code == 400 and b"This field is required" in response.content
    response = client.post(_list_url(world.patient_a), {"name": "Lithium", "started_on": tomorrow})
    assert response.status_code == 400 and b"cannot have started in the future" in response.content
    assert not Medication.objects.exists()


def test_intake_coordinator_reads_the_list_but_may_not_add(world, client_for):
    client = client_for(world.ivan)
    page = client.get(_list_url(world.patient_a))
    assert page.status_code == 200 and b"Add a medication" not in page.content
    assert client.post(_list_url(world.patient_a), {"name": "Sertraline"}).status_code == 403
    assert not Medication.objects.exists()


def test_stopping_keeps_the_row_as_history_and_only_once(world, client_for):
    medication = Medication.objects.create(patient=world.patient_a, name="Quetiapine")
    client = client_for(world.paul)
    url = reverse("transitions:medication_stop", args=[medication.uuid])
    today = timezone.localdate()
    client.post(url, {"stopped_on": today, "reason": "Sedation"})
    medication.refresh_from_db()
    assert medication.stopped_on == today and medication.stop_reason == "Sedation"
    response = client.post(url, {"stopped_on": today, "reason": "Again"}, follow=True)
    assert b"already recorded as stopped" in response.content
    medication.refresh_from_db()
    assert medication.stop_reason == "Sedation"


def test_clinician_not_on_the_team_may_not_stop(world, client_for):
    medication = Medication.objects.create(patient=world.patient_a, name="Quetiapine")
    response = client_for(world.bob).post(
        reverse("transitions:medication_stop", args=[medication.uuid]),
        {"stopped_on": timezone.localdate(), "reason": "x"},
    )
    assert response.status_code == 403
    medication.refresh_from_db()
    assert medication.stopped_on is None


def test_packet_is_refused_without_consent_then_sent_as_pdf(world, client_for):
    provider = therapist()
    client = client_for(world.alice)
    url = reverse("transitions:packet", args=[active_episode(world.patient_a).uuid])
    page = client.get(url)
    assert page.status_code == 200 and b"What the packet holds" in page.content
    data = {"kind": "discharge", "recipient": provider.uuid, "purpose": "treatment", "format": "pdf"}
    response = client.post(url, data)
    assert response.status_code == 409 and b"Not sent" in response.content
    assert not Disclosure.objects.exists()
    part2_consent(world.patient_a, provider, world.alice, categories=("transition_packet",))
    response = client.post(url, data)
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"
    disclosure = Disclosure.objects.get()
    assert disclosure.description == "Discharge transition packet"


def test_packet_form_errors_re_render(world, client_for):
    client = client_for(world.alice)
    url = reverse("transitions:packet", args=[active_episode(world.patient_a).uuid])
    response = client.post(url, {"kind": "sideways", "purpose": "treatment", "format": "pdf"})
    assert response.status_code == 400 and b"Select a valid choice" in response.content


def test_packet_sent_by_direct_is_disclosed_once_and_its_bundle_transmitted(world, client_for, settings):
    from openiop.coordination.models import Transmission, TransmissionStatus
    from openiop.coordination.tests.test_direct_sending import RECORDING, RecordingBackend

    settings.OPENIOP_DIRECT_BACKEND = RECORDING
    RecordingBackend.sent = []
    provider = therapist(direct_address="jordan@direct.harbor.example")
    part2_consent(world.patient_a, provider, world.alice, categories=("transition_packet",))
    client = client_for(world.alice)
    url = reverse("transitions:packet", args=[active_episode(world.patient_a).uuid])
    data = {"kind": "discharge", "recipient": provider.uuid, "purpose": "treatment", "format": "fhir"}
    response = client.post(url, {**data, "delivery": "direct"})
    assert response["Location"] == reverse("coordination:accounting", args=[world.patient_a.uuid])
    disclosure = Disclosure.objects.get()
    transmission = Transmission.objects.get()
    assert transmission.status == TransmissionStatus.SENT and transmission.disclosure == disclosure
    (message,) = RecordingBackend.sent
    assert message.sha256 == disclosure.sha256 and message.attachment_name.endswith(".json")


def test_direct_needs_an_address_in_the_directory(world, client_for):
    provider = therapist()
    client = client_for(world.alice)
    url = reverse("transitions:packet", args=[active_episode(world.patient_a).uuid])
    response = client.post(
        url,
        {
            "kind": "discharge",
            "recipient": provider.uuid,
            "purpose": "treatment",
            "format": "pdf",
            "delivery": "direct",
        },
    )
    assert response.status_code == 400 and b"no Direct address" in response.content
    assert not Disclosure.objects.exists()
