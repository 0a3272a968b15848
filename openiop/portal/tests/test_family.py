"""The portal's "family" part: the patient's recorded consent (ticked statement + typed full name), the
family member's single-use invitation, the family view (only the patient's family sessions), and revoking
(effective at once)."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from openiop.accounts.models import STAFF_ROLES, Role
from openiop.audit.models import AuditEvent
from openiop.core.predicates import is_clinical_staff, is_patient_user, is_staff_member
from openiop.invitations import family
from openiop.invitations.models import FamilyAccessGrant
from openiop.scheduling.models import Room, SessionKind, SessionType
from openiop.scheduling.tests.factories import active_episode, session_with

PASSWORD = "a long synthetic passphrase 42"
NEUTRAL = "This invitation link is no longer valid; ask your program for a new one."


def _add(client, patient, **overrides):
    data = {
        "name": "Jordan Sample",
        "relationship": "sibling",
        "email": "jordan@example.invalid",
        "consented": "on",
        "typed_name": patient.legal_name,
        **overrides,
    }
    return client.post(reverse("portal:family"), data)


def _grant(world, patient=None, email="jordan@example.invalid"):
    patient = patient or world.patient_a
    return family.family_grant_create(
        patient=patient,
        by=patient.user,
        name="Jordan Sample",
        relationship="sibling",
        email=email,
        consented=True,
        typed_name=patient.legal_name,
    )


def _family_user(world, patient=None, email="jordan@example.invalid"):
    grant, raw = _grant(world, patient, email)
    user = family.family_invitation_accept(raw_token=raw, email=email, password=PASSWORD)
    grant.refresh_from_db()
    return grant, user


def _family_session(world, day, episodes, start=15, end=16):
    session = session_with(world, day, episodes, start=start, end=end)
    session.session_type, _ = SessionType.objects.get_or_create(
        name="Family therapy", defaults={"kind": SessionKind.FAMILY_THERAPY, "default_minutes": 60}
    )
    session.save()
    return session


# -- The role ---------------------------------------------------------------------------------------------


def test_family_users_are_neither_staff_nor_patients(world):
    user = make_user("fam", Role.FAMILY)
    assert Role.FAMILY not in STAFF_ROLES and not user.is_staff_member and not user.is_clinical
    assert not is_staff_member(user) and not is_clinical_staff(user) and not is_patient_user(user)
    assert not user.has_perm("portal.use") and not user.has_perm("home.view_my_day")


# -- Granting ---------------------------------------------------------------------------------------------


def test_patient_grants_access_with_consent_and_typed_name(world, client_for):
    response = _add(client_for(world.pat_a), world.patient_a)
    assert response.status_code == 302
    grant = FamilyAccessGrant.objects.get()
    assert grant.patient == world.patient_a and grant.consent_text_version == family.CONSENT_VERSION
    assert grant.consent_typed_name == world.patient_a.legal_name and grant.consented_at
    (message,) = mail.outbox
    assert message.to == ["jordan@example.invalid"] and "/me/family-invitation/" in message.body
    for secret in ("Avery", world.patient_a.legal_family_name, "therapy", "program", "Jordan"):
        assert secret not in message.body and secret not in message.subject
    assert AuditEvent.objects.filter(patient=world.patient_a, detail__family_access="granted").count() == 1


@pytest.mark.parametrize(
    "overrides", [{"consented": ""}, {"typed_name": "Someone Else"}, {"typed_name": ""}, {"email": "nope"}]
)
def test_nothing_is_saved_without_consent_and_matching_name(world, client_for, overrides):
    response = _add(client_for(world.pat_a), world.patient_a, **overrides)
    assert response.status_code == 200
    assert not FamilyAccessGrant.objects.exists() and not mail.outbox


def test_list_shows_only_own_grants_and_staff_are_refused(world, client_for, client):
    _grant(world, world.patient_a)
    page = client_for(world.pat_b).get(reverse("portal:family")).content.decode()
    assert "Jordan" not in page and "Avery" not in page and world.patient_a.record_number not in page
    url = reverse("portal:family")
    for staff in (world.alice, world.dana, world.adam):
        assert client_for(staff).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_another_patients_grant_cannot_be_revoked(world, client_for):
    grant, _raw = _grant(world, world.patient_a)
    url = reverse("portal:family_revoke", kwargs={"grant_uuid": grant.uuid})
    assert client_for(world.pat_b).post(url).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None


# -- Accepting --------------------------------------------------------------------------------------------


def _token_from_mail() -> str:
    return re.search(r"/me/family-invitation/([^/\s]+)/", mail.outbox[-1].body).group(1)


def test_invitation_needs_the_invited_email_and_works_once(world, client_for, client):
    _add(client_for(world.pat_a), world.patient_a)
    client.logout()
    url = reverse("portal:family_accept", kwargs={"token": _token_from_mail()})
    wrong = client.post(url, {"email": "other@example.invalid", "password1": PASSWORD, "password2": PASSWORD})
    assert wrong.status_code == 200 and "not the email address" in wrong.content.decode()
    response = client.post(
        url, {"email": "JORDAN@example.invalid", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response["Location"] == reverse("portal:family_view")
    grant = FamilyAccessGrant.objects.get()
    assert grant.user.role == Role.FAMILY and grant.accepted_at
    client.logout()
    again = client.post(
        url, {"email": "jordan@example.invalid", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert NEUTRAL in again.content.decode()
    assert FamilyAccessGrant.objects.get().user == grant.user


def test_a_patients_portal_link_is_not_a_family_link(world, client):
    assert NEUTRAL in client.get(reverse("portal:family_accept", kwargs={"token": "x" * 43})).content.decode()


# -- The family view --------------------------------------------------------------------------------------


def test_family_user_sees_only_the_patients_family_sessions(world, client_for):
    grant, user = _family_user(world)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    a, b = active_episode(world.patient_a), active_episode(world.patient_b)
    fam = _family_session(world, tomorrow, [a], start=15, end=16)
    fam.room = Room.objects.create(name="Cedar room", capacity=8)
    fam.save()
    session_with(world, tomorrow, [a], start=9, end=12)  # group therapy: not for family
    _family_session(world, tomorrow + datetime.timedelta(days=1), [b], start=17, end=18)  # another patient
    client = client_for(user)
    assert client.get("/")["Location"] == reverse("portal:family_view")
    response = client.get(reverse("portal:family_view"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "3:00 PM" in page and "Cedar room" in page
    assert "9:00 AM" not in page and "5:00 PM" not in page and "Group therapy" not in page
    assert world.patient_a.record_number not in page and "Blake" not in page
    assert world.patient_a.legal_family_name not in page
    assert AuditEvent.objects.filter(actor=user, patient=world.patient_a, action="list").count() == 1
    for name in ("portal:home", "portal:schedule", "portal:settings", "portal:family"):
        assert client.get(reverse(name)).status_code == 403


def test_revoking_blocks_the_family_member_at_once(world, client_for):
    grant, user = _family_user(world)
    assert client_for(user).get(reverse("portal:family_view")).status_code == 200
    patient_client = client_for(world.pat_a)
    response = patient_client.post(reverse("portal:family_revoke", kwargs={"grant_uuid": grant.uuid}))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert client_for(user).get(reverse("portal:family_view")).status_code == 403


def test_revoked_before_acceptance_the_link_stops_working(world, client):
    grant, raw = _grant(world)
    family.family_grant_revoke(grant=grant, by=world.pat_a)
    assert NEUTRAL in client.get(reverse("portal:family_accept", kwargs={"token": raw})).content.decode()


def test_staff_and_patients_are_refused_the_family_view(world, client_for, client):
    url = reverse("portal:family_view")
    for user in (world.alice, world.dana, world.adam, world.audrey, world.pat_a, world.pat_b):
        assert client_for(user).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_family_users_are_not_forced_to_enrol_mfa(world, client_for, settings):
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    _grant, user = _family_user(world)
    assert client_for(user).get(reverse("portal:family_view")).status_code == 200
