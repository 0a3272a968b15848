"""The portal's "access" pages: staff invite (permission matrix), the public accept page (neutral refusals,
sign-in on success), the settings page (language switch, the patient's own record only)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from openiop.audit.models import AuditEvent
from openiop.invitations import services
from openiop.invitations.models import PortalInvitation

PASSWORD = "a long synthetic passphrase 42"
NEUTRAL = "This invitation link is no longer valid; ask your program for a new one."


def _invite_url(patient):
    return reverse("portal:invite_create", kwargs={"patient_uuid": patient.uuid})


# patient_b: bob is their clinician; alice and paul are in the program but not on their care team.
INVITE_B = {
    "bob": 200,
    "ivan": 200,
    "dana": 200,
    "alice": 403,
    "paul": 403,
    "charlie": 403,
    "audrey": 403,
    "adam": 403,
    "pat_a": 403,
    "pat_b": 403,
}


@pytest.mark.parametrize(("who", "status"), sorted(INVITE_B.items()))
def test_who_may_invite_patient_b(world, client_for, who, status):
    response = client_for(getattr(world, who)).get(_invite_url(world.patient_b))
    assert response.status_code == status
    if status == 403:
        assert world.patient_b.legal_given_name not in response.content.decode()


def test_patients_cannot_invite(world, client_for):
    response = client_for(world.pat_a).post(_invite_url(world.patient_a), {"email": "x@example.invalid"})
    assert response.status_code == 403
    assert not PortalInvitation.objects.exists()


def test_staff_invite_sends_an_email_and_the_chart_shows_it(world, client_for):
    client = client_for(world.dana)
    response = client.post(_invite_url(world.patient_c), {"email": "casey@example.invalid"})
    assert response.status_code == 403  # dana leads program A, patient_c is in B
    client = client_for(world.charlie)
    response = client.post(_invite_url(world.patient_c), {"email": "casey@example.invalid"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "/me/invitation/" in message.body and "Casey" not in message.body
    chart = client.get(reverse("patients:chart", kwargs={"patient_uuid": world.patient_c.uuid}))
    assert "Portal access" in chart.content.decode() and "Invited" in chart.content.decode()
    assert AuditEvent.objects.filter(detail__portal_invitation="sent").count() == 1


def test_an_unknown_link_shows_the_neutral_message(client, db):
    response = client.get(reverse("portal:invite_accept", kwargs={"token": "nope"}))
    assert response.status_code == 200 and NEUTRAL in response.content.decode()


def test_accepting_signs_the_patient_in(world, client):
    _invitation, raw = services.invitation_create(
        patient=world.patient_c, by=world.charlie, email="casey@example.invalid"
    )
    url = reverse("portal:invite_accept", kwargs={"token": raw})
    page = client.get(url)
    assert page.status_code == 200 and "Casey" not in page.content.decode()  # nothing before the DOB
    response = client.post(url, {"date_of_birth": "2010-03-02", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    settings_page = client.get(reverse("portal:settings"))
    assert settings_page.status_code == 200
    # The link is single use.
    assert NEUTRAL in client.get(url).content.decode()


def test_wrong_dates_of_birth_lock_the_link(world, client):
    _invitation, raw = services.invitation_create(
        patient=world.patient_c, by=world.charlie, email="casey@example.invalid"
    )
    url = reverse("portal:invite_accept", kwargs={"token": raw})
    wrong = {"date_of_birth": "2001-01-01", "password1": PASSWORD, "password2": PASSWORD}
    for _ in range(services.MAX_IDENTITY_TRIES - 1):
        assert "does not match" in client.post(url, wrong).content.decode()
    assert NEUTRAL in client.post(url, wrong).content.decode()
    right = {**wrong, "date_of_birth": str(datetime.date(2010, 3, 2))}
    assert NEUTRAL in client.post(url, right).content.decode()


def test_settings_language_switch_changes_the_page_language(world, client_for):
    client = client_for(world.pat_a)
    page = client.get(reverse("portal:settings"))
    assert 'lang="en"' in page.content.decode()
    response = client.post(reverse("portal:settings"), {"language": "es"})
    assert response.status_code == 302
    world.patient_a.refresh_from_db()
    assert world.patient_a.language == "es"
    page = client.get(reverse("portal:settings"))
    assert 'lang="es"' in page.content.decode()
    assert reverse("mfa_index") in page.content.decode()
    # pat_b's pages keep pat_b's language, and never show patient_a.
    other = client_for(world.pat_b).get(reverse("portal:settings"))
    assert 'lang="en"' in other.content.decode()
    assert world.patient_a.record_number not in other.content.decode()


def test_staff_keep_the_browser_language(world, client_for):
    world.patient_a.language = "es"
    world.patient_a.save()
    page = client_for(world.alice).get(_invite_url(world.patient_a))
    assert 'lang="en"' in page.content.decode()


def test_settings_refuses_staff_and_redirects_anonymous(world, client_for, client):
    assert client.get(reverse("portal:settings")).status_code == 302
    assert client_for(world.alice).get(reverse("portal:settings")).status_code == 403
