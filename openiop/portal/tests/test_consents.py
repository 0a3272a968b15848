"""The portal's consents: a consent prepared by staff is read in plain words and signed by the patient
(typed full name, box ticked, the version read); nobody else's consent is ever found."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.coordination import services
from openiop.coordination.models import Consent
from openiop.coordination.tests.factories import therapist

pytestmark = pytest.mark.django_db


def prepared(world, patient=None) -> Consent:
    return services.consent_prepare_for_portal(
        patient=patient or world.patient_a,
        kind="part2",
        disclosing_party="Program A IOP",
        recipient=therapist(),
        purposes=["treatment"],
        categories=["attendance"],
        expires_on=timezone.localdate() + datetime.timedelta(days=365),
        by=world.alice,
    )


def _post(client, consent, **data):
    payload = {"version": consent.updated_at.isoformat(), "signed_name": "Avery Synthetic", "attested": "on"}
    payload.update(data)
    return client.post(reverse("portal:consent_sign", args=[consent.uuid]), payload)


def _allowed(world, consent) -> bool:
    return services.check_disclosure(
        patient=world.patient_a,
        recipient=consent.recipient,
        purpose="treatment",
        categories=["attendance"],
        part2=True,
    ).allowed


@pytest.mark.parametrize("name", ["portal:consents", "portal:consent_sign"])
def test_staff_are_refused_and_anonymous_people_sent_to_sign_in(world, client_for, client, name):
    consent = prepared(world)
    url = reverse(name, args=[consent.uuid] if name == "portal:consent_sign" else None)
    assert client.get(url).status_code == 302 and reverse("account_login") in client.get(url)["Location"]
    for staff in (world.alice, world.dana, world.adam):
        assert client_for(staff).get(url).status_code == 403
        assert client_for(staff).post(url, {}).status_code in (403, 405)


def test_the_list_shows_the_consent_waiting_and_the_page_explains_it_in_plain_words(world, client_for):
    consent = prepared(world)
    client = client_for(world.pat_a)
    listing = client.get(reverse("portal:consents")).content.decode()
    assert "Waiting for your signature" in listing and str(consent.uuid) in listing
    page = client.get(reverse("portal:consent_sign", args=[consent.uuid])).content.decode()
    for words in (
        "What can be shared",
        "Who gets it",
        "Until when",
        "You can take back",
        "Jordan Outpatient",
    ):
        assert words in page
    assert consent.updated_at.isoformat() in page
    assert AuditEvent.objects.filter(actor=world.pat_a, action=Action.VIEW).count() == 2


def test_another_patients_consent_is_not_found_and_never_listed(world, client_for):
    consent = prepared(world)
    client = client_for(world.pat_b)
    assert client.get(reverse("portal:consent_sign", args=[consent.uuid])).status_code == 404
    assert _post(client, consent, signed_name="Blake Synthetic").status_code == 404
    listing = client.get(reverse("portal:consents")).content.decode()
    assert str(consent.uuid) not in listing and "Avery" not in listing
    assert world.patient_a.record_number not in listing
    assert Consent.with_unsigned.get(pk=consent.pk).awaiting_signature


@pytest.mark.parametrize(
    "change",
    [
        {"signed_name": "Someone Else"},
        {"attested": ""},
        {"version": "2001-01-01T00:00:00+00:00"},
        {"version": "not a date"},
    ],
)
def test_a_refused_signature_changes_nothing(world, client_for, change):
    consent = prepared(world)
    response = _post(client_for(world.pat_a), consent, **change)
    assert response.status_code in (200, 302)
    assert Consent.with_unsigned.get(pk=consent.pk).awaiting_signature
    assert not _allowed(world, consent)
    assert not AuditEvent.objects.filter(action=Action.UPDATE, actor=world.pat_a).exists()


def test_the_right_name_signs_once_and_then_the_consent_allows(world, client_for):
    consent = prepared(world)
    client = client_for(world.pat_a)
    response = _post(client, consent)
    assert response.status_code == 302 and response["Location"] == reverse("portal:consents")
    signed = Consent.objects.get(pk=consent.pk)
    assert signed.signed_in_portal and signed.signed_name == "Avery Synthetic"
    assert _allowed(world, consent)
    again = _post(client, consent)  # a second submit signs nothing
    assert again.status_code == 302
    assert Consent.objects.get(pk=consent.pk).signed_at == signed.signed_at
    assert AuditEvent.objects.filter(action=Action.UPDATE, actor=world.pat_a).count() == 1
    page = client.get(reverse("portal:consent_sign", args=[consent.uuid])).content.decode()
    assert "Signed by Avery Synthetic" in page and "Sign this consent" not in page
    listing = client.get(reverse("portal:consents")).content.decode()
    assert "Nothing is waiting for your signature" in listing and "In effect" in listing


def test_home_says_when_a_consent_waits_for_the_signature(world, client_for):
    from openiop.coordination.services import consents_awaiting_signature

    page = client_for(world.pat_a).get(reverse("portal:home"))
    assert b"waiting for your signature" not in page.content
    prepared(world)
    assert consents_awaiting_signature(world.patient_a).count() == 1
    page = client_for(world.pat_a).get(reverse("portal:home"))
    assert b"A consent is waiting for your signature" in page.content
