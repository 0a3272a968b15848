"""The pages: consent form errors re-render, the summary is refused then sent, the accounting and its CSV."""

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.coordination import services
from openiop.coordination.models import Consent, Disclosure

from .factories import part2_consent, therapist

pytestmark = pytest.mark.django_db


def test_consent_form_with_a_wrong_name_re_renders_with_errors(world, client_for):
    provider = therapist()
    client = client_for(world.alice)
    url = reverse("coordination:consent_create", args=[world.patient_a.uuid])
    response = client.post(
        url,
        {
            "kind": "part2",
            "recipient": provider.uuid,
            "categories": ["attendance"],
            "purposes": ["treatment"],
            "expiry_event": "Discharge",
            "revocation_explained": "on",
            "signed_name": "Not The Patient",
            "signed_on": timezone.localdate(),
            "witnessed": "on",
            "disclosing_party": "Program A",
        },
    )
    assert response.status_code == 200 and b"Type the patient" in response.content
    assert not Consent.objects.exists()


def test_summary_is_refused_without_consent_then_sent_after_one(world, client_for):
    provider = therapist()
    client = client_for(world.alice)
    url = reverse("coordination:send_summary", args=[world.patient_a.uuid])
    data = {"recipient": provider.uuid, "purpose": "treatment"}
    response = client.post(url, data)
    assert response.status_code == 409 and b"No signed authorization" in response.content
    part2_consent(world.patient_a, provider, world.alice)
    before = AuditEvent.objects.count()
    response = client.post(url, data)
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert Disclosure.objects.get().sha256
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))[before:] == [
        Action.EXPORT
    ]
    page = client.get(reverse("coordination:accounting", args=[world.patient_a.uuid]))
    assert provider.name.encode() in page.content
    csv = client.get(reverse("coordination:accounting_csv", args=[world.patient_a.uuid]))
    assert b"Harbor Counseling" in b"".join(csv.streaming_content)


def test_intake_coordinator_records_consent_but_may_not_disclose(world, client_for):
    client = client_for(world.ivan)
    assert client.get(reverse("coordination:consent_create", args=[world.patient_a.uuid])).status_code == 200
    assert client.get(reverse("coordination:send_summary", args=[world.patient_a.uuid])).status_code == 403


def test_the_consent_page_names_the_witness_and_the_revoker_with_their_credentials_in_the_consent_query(
    world, client_for
):
    # Read by someone who is neither: their staff profiles must come with the consent, not one lazy load
    # per person named (django-zeal raises here, conftest.ZEAL_STRICT; the role walk found it, issue 10).
    consent = part2_consent(world.patient_a, therapist(), world.alice)
    services.consent_revoke(consent=consent, note="In writing, at the front desk.", by=world.dana)
    response = client_for(world.paul).get(reverse("coordination:consent_detail", args=[consent.uuid]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "witnessed by Alice Test, LCSW" in body
    assert "Dana Test, PsyD: In writing, at the front desk." in body
