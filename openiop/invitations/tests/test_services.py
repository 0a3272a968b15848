"""Invitations: single use, expiry, the date-of-birth lockout, re-inviting, and an email without clinical
content."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.accounts.models import Role, hash_token
from openiop.audit.models import AuditEvent
from openiop.invitations import services
from openiop.invitations.models import InvitationStatus, PortalInvitation
from openiop.invitations.selectors import ACTIVE, INVITED, NO_ACCOUNT, portal_access_of

PASSWORD = "a long synthetic passphrase 42"


def _invite(world, **kwargs):
    patient = world.patient_c
    kwargs.setdefault("email", "casey@example.invalid")
    return services.invitation_create(patient=patient, by=world.charlie, **kwargs)


def test_invitation_stores_only_the_hash_and_expires_in_72_hours(world):
    invitation, raw = _invite(world)
    assert invitation.token_hash == hash_token(raw) and raw not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        datetime.timedelta(hours=72), abs=datetime.timedelta(seconds=5)
    )
    world.patient_c.refresh_from_db()
    assert world.patient_c.email == "casey@example.invalid"  # saved on the record
    assert portal_access_of(world.patient_c).state == INVITED


def test_accepting_creates_a_linked_patient_user_once(world):
    invitation, raw = _invite(world)
    user = services.invitation_accept(
        raw_token=raw, date_of_birth=world.patient_c.date_of_birth, password=PASSWORD
    )
    world.patient_c.refresh_from_db()
    assert (
        world.patient_c.user == user
        and user.role == Role.PATIENT
        and user.username == "casey@example.invalid"
    )
    assert user.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert invitation.status() == InvitationStatus.USED
    assert portal_access_of(world.patient_c).state == ACTIVE
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(
            raw_token=raw, date_of_birth=world.patient_c.date_of_birth, password=PASSWORD
        )
    assert AuditEvent.objects.filter(detail__portal_account="created").count() == 1


def test_an_expired_or_unknown_link_is_refused(world):
    _invitation, raw = _invite(world)
    later = timezone.now() + datetime.timedelta(hours=73)
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(
            raw_token=raw, date_of_birth=world.patient_c.date_of_birth, password=PASSWORD, now=later
        )
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(
            raw_token="nope", date_of_birth=world.patient_c.date_of_birth, password=PASSWORD
        )
    assert world.patient_c.__class__.objects.get(pk=world.patient_c.pk).user is None


def test_five_wrong_dates_of_birth_revoke_the_invitation(world):
    invitation, raw = _invite(world)
    wrong = datetime.date(2000, 1, 1)
    for _ in range(services.MAX_IDENTITY_TRIES):
        with pytest.raises(ValidationError) as error:
            services.invitation_accept(raw_token=raw, date_of_birth=wrong, password=PASSWORD)
        assert "date_of_birth" in error.value.message_dict
    invitation.refresh_from_db()
    assert invitation.status() == InvitationStatus.REVOKED and invitation.failed_checks == 5
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(
            raw_token=raw, date_of_birth=world.patient_c.date_of_birth, password=PASSWORD
        )


def test_a_weak_password_is_refused_and_the_link_still_works(world):
    _invitation, raw = _invite(world)
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(
            raw_token=raw, date_of_birth=world.patient_c.date_of_birth, password="short"
        )
    assert "password" in error.value.message_dict
    assert services.invitation_accept(
        raw_token=raw, date_of_birth=world.patient_c.date_of_birth, password=PASSWORD
    )


def test_reinviting_revokes_the_older_open_invitation(world):
    first, first_raw = _invite(world)
    second, _raw = _invite(world)
    first.refresh_from_db()
    assert first.status() == InvitationStatus.REVOKED and second.status() == InvitationStatus.OPEN
    assert PortalInvitation.objects.filter(patient=world.patient_c).open().get() == second
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(
            raw_token=first_raw, date_of_birth=world.patient_c.date_of_birth, password=PASSWORD
        )


def test_no_invitation_without_email_or_for_a_patient_with_an_account(world):
    assert portal_access_of(world.patient_c).state == NO_ACCOUNT
    with pytest.raises(ValidationError) as error:
        services.invitation_create(patient=world.patient_c, by=world.charlie)
    assert "email" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.invitation_create(patient=world.patient_a, by=world.alice, email="a@example.invalid")
    with pytest.raises(ValidationError) as error:  # already someone's username
        _invite(world, email="pat_a")
    assert "email" in error.value.message_dict


def test_the_email_has_the_link_and_nothing_clinical(world):
    invitation, raw = _invite(world)
    services.invitation_send(invitation=invitation, link=f"https://iop.example.invalid/me/invitation/{raw}/")
    (message,) = mail.outbox
    assert message.to == ["casey@example.invalid"] and raw in message.body
    text = (message.subject + message.body).lower()
    for clinical in (
        "casey",
        "synthetic",
        "adolescent",
        "co-occurring",
        "iop ",
        "diagnos",
        "therapy",
        "teen",
    ):
        assert clinical not in re.sub(r"https://\S+", "", text), clinical


def test_portal_language_is_saved_and_audited(world):
    patient = services.portal_language_set(patient=world.patient_a, language="es", by=world.pat_a)
    assert patient.language == "es"
    assert AuditEvent.objects.filter(action="update", detail__fields=["language"]).exists()
    with pytest.raises(ValidationError):
        services.portal_language_set(patient=world.patient_a, language="other", by=world.pat_a)


def test_a_link_claimed_meanwhile_creates_no_second_account(world, monkeypatch):
    """Two tabs submit at once: the second finds the invitation open, but the conditional UPDATE that
    claims it matches nothing, so it creates no account."""
    invitation, raw = _invite(world)

    def other_tab_wins(password, user=None):
        PortalInvitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())

    monkeypatch.setattr(services, "validate_password", other_tab_wins)
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(
            raw_token=raw, date_of_birth=world.patient_c.date_of_birth, password=PASSWORD
        )
    world.patient_c.refresh_from_db()
    assert world.patient_c.user is None
    assert not world.patient_c.__class__.objects.filter(user__username="casey@example.invalid").exists()
