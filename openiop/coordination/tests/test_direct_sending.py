"""Sending a disclosure by Direct: disclosed once through `disclose`, the send recorded against it; a
failed send keeps the bytes and is retried from the accounting without disclosing again; the bytes are
cleared once sent; a revoked consent stops the retry. The backends: log (envelope only) and file."""

import hashlib
import json

import pytest
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.coordination import services
from openiop.coordination.models import Disclosure, Transmission, TransmissionStatus
from openiop.coordination.transport import FileDirectBackend, OutboundMessage, TransportResult

from .factories import failed_transmission, part2_consent, therapist

pytestmark = pytest.mark.django_db

ADDRESS = "jordan@direct.harbor.example"
FAILING = "openiop.coordination.tests.test_direct_sending.FailingBackend"
RAISING = "openiop.coordination.tests.test_direct_sending.RaisingBackend"
RECORDING = "openiop.coordination.tests.test_direct_sending.RecordingBackend"


class FailingBackend:
    def send(self, message):
        return TransportResult(ok=False, error="HISP unavailable")


class RaisingBackend:
    def send(self, message):
        raise ConnectionError("connection refused")


class RecordingBackend:
    sent: list = []

    def send(self, message):
        RecordingBackend.sent.append(message)
        return TransportResult(ok=True)


@pytest.fixture
def provider():
    return therapist(direct_address=ADDRESS)


def _send(client, world, provider):
    url = reverse("coordination:send_summary", args=[world.patient_a.uuid])
    return client.post(url, {"recipient": provider.uuid, "purpose": "treatment", "delivery": "direct"})


def test_a_summary_sent_by_direct_is_disclosed_once_and_the_send_recorded(
    world, client_for, provider, settings
):
    settings.OPENIOP_DIRECT_BACKEND = RECORDING
    RecordingBackend.sent = []
    part2_consent(world.patient_a, provider, world.alice)
    client = client_for(world.alice)
    before = AuditEvent.objects.count()
    response = _send(client, world, provider)
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:accounting", args=[world.patient_a.uuid])
    disclosure = Disclosure.objects.get()
    transmission = Transmission.objects.get()
    assert transmission.disclosure == disclosure and transmission.address == ADDRESS
    assert transmission.status == TransmissionStatus.SENT and transmission.attempts == 1
    assert transmission.pending_content is None and transmission.sent_at is not None
    (message,) = RecordingBackend.sent
    assert message.sha256 == disclosure.sha256 and message.content.startswith(b"%PDF")
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == [Action.EXPORT, Action.EXPORT]
    assert events[1].detail["status"] == "sent" and events[1].detail["sha256"] == disclosure.sha256
    page = client.get(reverse("coordination:accounting", args=[world.patient_a.uuid]))
    assert f"To {ADDRESS}, sent".encode() in page.content


def test_a_failed_send_keeps_the_bytes_and_a_retry_sends_them_without_disclosing_again(
    world, client_for, provider, settings
):
    settings.OPENIOP_DIRECT_BACKEND = FAILING
    part2_consent(world.patient_a, provider, world.alice)
    client = client_for(world.alice)
    _send(client, world, provider)
    transmission = Transmission.objects.get()
    assert transmission.status == TransmissionStatus.FAILED and transmission.last_error == "HISP unavailable"
    assert hashlib.sha256(bytes(transmission.pending_content)).hexdigest() == transmission.disclosure.sha256
    page = client.get(reverse("coordination:accounting", args=[world.patient_a.uuid]))
    assert b"Retry the send" in page.content and b"HISP unavailable" in page.content

    settings.OPENIOP_DIRECT_BACKEND = RAISING
    retry = reverse("coordination:transmission_retry", args=[transmission.uuid])
    assert client.post(retry).status_code == 302
    transmission.refresh_from_db()
    assert transmission.attempts == 2 and "connection refused" in transmission.last_error

    settings.OPENIOP_DIRECT_BACKEND = RECORDING
    RecordingBackend.sent = []
    client.post(retry)
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.SENT and transmission.attempts == 3
    assert transmission.pending_content is None
    assert RecordingBackend.sent[0].sha256 == transmission.disclosure.sha256
    assert Disclosure.objects.count() == 1
    outcomes = list(
        AuditEvent.objects.filter(object_id=str(transmission.uuid))
        .order_by("seq")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [Outcome.FAILED, Outcome.FAILED, Outcome.SUCCESS]
    client.post(retry)  # already sent: a message, nothing more
    assert Transmission.objects.get().attempts == 3


def test_a_retry_after_the_consent_was_revoked_is_refused(world, settings):
    settings.OPENIOP_DIRECT_BACKEND = RECORDING
    transmission = failed_transmission(world.patient_a, world.alice)
    consent = transmission.disclosure.consents.get()
    services.consent_revoke(consent=consent, note="By phone", by=world.alice)
    with pytest.raises(services.TransmissionRefused):
        services.transmission_retry(transmission=transmission, by=world.alice)
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.FAILED and transmission.attempts == 1
    refusal = AuditEvent.objects.order_by("-seq").first()
    assert refusal.outcome == Outcome.REFUSED and refusal.detail["transmission"] == "retry_refused"


def test_a_provider_without_a_direct_address_cannot_be_sent_to_and_nothing_is_disclosed(world, client_for):
    provider = therapist()
    part2_consent(world.patient_a, provider, world.alice)
    response = _send(client_for(world.alice), world, provider)
    assert response.status_code == 200 and b"no Direct address" in response.content
    assert not Disclosure.objects.exists()


def test_only_disclosers_may_retry(world, client_for):
    transmission = failed_transmission(world.patient_a, world.alice)
    retry = reverse("coordination:transmission_retry", args=[transmission.uuid])
    assert client_for(world.ivan).post(retry).status_code == 403
    assert Transmission.objects.get().attempts == 1


def test_only_the_disclosed_bytes_may_be_sent(world, provider):
    transmission = failed_transmission(world.patient_a, world.alice)
    with pytest.raises(ValueError):
        services.transmission_send(
            disclosure=transmission.disclosure, content=b"other bytes", attachment_name="x", by=world.alice
        )


def test_the_file_backend_writes_the_attachment_and_an_envelope_without_content(tmp_path):
    message = OutboundMessage(
        reference="ref-1",
        address=ADDRESS,
        subject="Summary",
        body="See attached.",
        attachment_name="summary.pdf",
        media_type="application/pdf",
        content=b"%PDF-1.7 synthetic",
    )
    assert FileDirectBackend(tmp_path).send(message).ok
    assert (tmp_path / "ref-1.pdf").read_bytes() == b"%PDF-1.7 synthetic"
    envelope = json.loads((tmp_path / "ref-1.json").read_text())
    assert envelope["sha256"] == message.sha256 and envelope["size"] == 18
    assert "content" not in envelope and "synthetic" not in json.dumps(envelope)


def test_a_recipient_chosen_from_the_care_team_is_offered_by_direct_to_their_address(
    world, client_for, provider
):
    url = reverse("coordination:send_summary", args=[world.patient_a.uuid])
    page = client_for(world.alice).get(f"{url}?recipient={provider.uuid}")
    assert f"Send by Direct to {ADDRESS}".encode() in page.content
    assert client_for(world.alice).get(f"{url}?recipient=not-a-uuid").status_code == 200
