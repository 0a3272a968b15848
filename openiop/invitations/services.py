"""Portal accounts: inviting a patient, accepting the invitation, and the patient's language.

An invitation link is a credential for a record, so: only the token's hash is stored; the link works once
(claimed with a conditional UPDATE, so two tabs cannot both create an account), for 72 hours, and only with
the patient's date of birth as a second factor (MAX_IDENTITY_TRIES wrong dates revoke it). The email says
nothing clinical: not the program, not the reason, only that a portal account is waiting.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openiop.accounts.models import Role, User, hash_token
from openiop.audit.models import Action, Outcome
from openiop.audit.services import audit_record
from openiop.patients.models import Patient
from openiop.patients.services import patient_contact_update

from .models import PortalInvitation

INVITATION_LIFETIME = datetime.timedelta(hours=72)
MAX_IDENTITY_TRIES = 5
PORTAL_LANGUAGES = ("en", "es")


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked or expired. Callers show one neutral message for all of them."""


def invitation_create(
    *, patient: Patient, by, email: str = "", request=None, now=None
) -> tuple[PortalInvitation, str]:
    """Invite `patient` to the portal; returns the invitation and the raw token (for the link, never stored).

    `email` defaults to the record's; a different one is saved on the record first (audited by the contact
    update). Older open invitations of the patient are revoked, so only the newest link works.
    """
    now = now or timezone.now()
    patient = Patient.objects.get(pk=patient.pk)  # the caller's copy may predate a contact update
    email = (email or patient.email or "").strip()
    if patient.user_id:
        raise ValidationError({"__all__": [_("This patient already has a portal account.")]})
    if not email:
        raise ValidationError({"email": [_("Enter the patient's email address.")]})
    try:
        email = Patient._meta.get_field("email").clean(email, patient)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from error
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError({"email": [_("This email address already belongs to an account.")]})
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        if email != patient.email:
            patient, _changed = patient_contact_update(
                patient=patient, by=by, request=request, expected_version=patient.updated_at, email=email
            )
        revoked = (
            PortalInvitation.objects.filter(patient=patient).open(now).update(revoked_at=now, updated_by=by)
        )
        invitation = PortalInvitation.objects.create(
            patient=patient,
            email=email,
            token_hash=hash_token(raw),
            expires_at=now + INVITATION_LIFETIME,
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=patient,
            obj=invitation,
            detail={"portal_invitation": "sent", "revoked_older": revoked},
        )
    return invitation, raw


def invitation_send(*, invitation: PortalInvitation, link: str) -> None:
    """Email the link, in the patient's language. No clinical content: no program, no name, no reason."""
    language = invitation.patient.language if invitation.patient.language in PORTAL_LANGUAGES else "en"
    with translation.override(language):
        subject = _("Set up your patient portal account")
        body = _(
            "Hello,\n\nYou are invited to set up your patient portal account.\n\n"
            "Open this link within 72 hours:\n%(link)s\n\n"
            "You will choose a password and confirm your date of birth.\n\n"
            "If you did not expect this email, you can ignore it."
        ) % {"link": link}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


def invitation_accept(
    *, raw_token: str, date_of_birth: datetime.date, password: str, request=None, now=None
) -> User:
    """Create the patient's portal account from an open invitation and link it to the record.

    A wrong date of birth counts a try (ValidationError on "date_of_birth"); the MAX_IDENTITY_TRIES-th
    revokes the invitation (InvitationInvalid from then on). A weak password raises on "password". The
    invitation is claimed by one conditional UPDATE, so it is used once even under a race.
    """
    now = now or timezone.now()
    token_hash = hash_token(raw_token or "")
    invitation = (
        PortalInvitation.objects.open(now).select_related("patient").filter(token_hash=token_hash).first()
    )
    if invitation is None:
        raise InvitationInvalid
    patient = invitation.patient
    if date_of_birth != patient.date_of_birth:
        _count_wrong_identity(invitation, request=request, now=now)
        raise ValidationError(
            {"date_of_birth": [_("This date of birth does not match our record. Check it and try again.")]}
        )
    candidate = User(username=invitation.email, email=invitation.email, role=Role.PATIENT)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    try:
        with transaction.atomic():
            claimed = (
                PortalInvitation.objects.open(now)
                .filter(pk=invitation.pk)
                .update(used_at=now, updated_at=now)
            )
            if claimed != 1:
                raise InvitationInvalid
            user = User.objects.create_user(
                username=invitation.email,
                email=invitation.email,
                password=password,
                role=Role.PATIENT,
                first_name=patient.preferred_name or patient.legal_given_name,
            )
            linked = Patient.objects.filter(pk=patient.pk, user__isnull=True).update(
                user=user, updated_at=now
            )
            if linked != 1:
                raise InvitationInvalid
            audit_record(
                action=Action.CREATE,
                request=request,
                actor=user,
                patient=patient,
                obj=invitation,
                detail={"portal_account": "created"},
            )
    except IntegrityError as error:  # the email became another account's username meanwhile
        raise InvitationInvalid from error
    return user


def _count_wrong_identity(invitation: PortalInvitation, *, request, now) -> None:
    with transaction.atomic():
        PortalInvitation.objects.filter(pk=invitation.pk).update(failed_checks=F("failed_checks") + 1)
        locked = (
            PortalInvitation.objects.filter(
                pk=invitation.pk, failed_checks__gte=MAX_IDENTITY_TRIES, revoked_at__isnull=True
            ).update(revoked_at=now)
            == 1
        )
        audit_record(
            action=Action.LOGIN_FAILED,
            request=request,
            actor=None,
            patient=invitation.patient,
            obj=invitation,
            outcome=Outcome.FAILED,
            detail={"portal_invitation": "wrong_date_of_birth", "revoked": locked},
        )


def portal_language_set(*, patient: Patient, language: str, by, request=None) -> Patient:
    """Save the language the portal speaks to this patient (English or Spanish). Audited by the contact
    update (the field name only)."""
    if language not in PORTAL_LANGUAGES:
        raise ValidationError({"language": [_("Choose English or Spanish.")]})
    current = Patient.objects.get(pk=patient.pk)
    updated, _changed = patient_contact_update(
        patient=current,
        by=by,
        request=request,
        expected_version=current.updated_at,
        channel="portal",
        language=language,
    )
    return updated
