"""Family access: with the patient's recorded consent, a family member sees the dates and times of the
patient's family-therapy sessions, and nothing else.

The consent is recorded the way the patient signs their plan in the portal: an explicit statement (kept
here, versioned, so the words agreed to can always be shown again) ticked, and the patient's full name
typed. The grant doubles as the family member's invitation (single use, 72 hours, only the token's hash is
stored). Accepting needs the link plus the family member's own email address (the one the patient entered)
as a second factor: the patient's date of birth is not theirs to know. The patient can revoke a grant at
any time; the family view's rule reads it on every request, so revoking works at once.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openiop.accounts.models import Role, User, hash_token
from openiop.audit.models import Action, Outcome
from openiop.audit.services import audit_record
from openiop.patients.models import Patient
from openiop.scheduling.calendars import place_of
from openiop.scheduling.models import AttendanceStatus, SessionAttendee, SessionKind, SessionStatus
from openiop.treatment.services.signatures import _names_match

from .models import FamilyAccessGrant
from .services import INVITATION_LIFETIME, MAX_IDENTITY_TRIES, InvitationInvalid

CONSENT_VERSION = "family-access-v1"
CONSENT_TEXTS = {
    "family-access-v1": gettext_lazy(
        "I allow this person to see the dates and times of my family sessions and the materials my care "
        "team shares with family. They will not see my notes, questionnaires, plan or anything else. "
        "I can stop this at any time."
    ),
}
UPCOMING_DAYS = 90


def consent_text(version: str = CONSENT_VERSION) -> str:
    return str(CONSENT_TEXTS[version])


def family_grant_create(
    *,
    patient: Patient,
    by,
    name: str,
    relationship: str,
    email: str,
    consented: bool,
    typed_name: str,
    request=None,
    now=None,
) -> tuple[FamilyAccessGrant, str]:
    """Record the patient's consent for one family member; returns the grant and the raw link token.

    Nothing is saved unless the consent statement is ticked and the typed name is the patient's full name.
    """
    now = now or timezone.now()
    errors = {}
    name, relationship, email = (name or "").strip(), (relationship or "").strip(), (email or "").strip()
    if not name:
        errors["name"] = [_("Enter the person's name.")]
    if not relationship:
        errors["relationship"] = [_("Enter how this person is related to you.")]
    try:
        email = FamilyAccessGrant._meta.get_field("email").clean(email, None)
    except ValidationError as error:
        errors["email"] = error.messages
    if email and User.objects.filter(username__iexact=email).exists():
        errors["email"] = [_("This email address already belongs to an account.")]
    if not consented:
        errors["consented"] = [_("Tick the box to say you agree.")]
    if not _names_match(typed_name or "", patient):
        errors["typed_name"] = [_("Type your full name as it is on your record.")]
    if errors:
        raise ValidationError(errors)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        grant = FamilyAccessGrant.objects.create(
            patient=patient,
            name=name,
            relationship=relationship,
            email=email,
            consent_text_version=CONSENT_VERSION,
            consent_typed_name=typed_name.strip(),
            consented_at=now,
            token_hash=hash_token(raw),
            invitation_expires_at=now + INVITATION_LIFETIME,
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=patient,
            obj=grant,
            detail={"family_access": "granted", "consent_version": CONSENT_VERSION},
        )
    return grant, raw


def family_invitation_send(*, grant: FamilyAccessGrant, link: str) -> None:
    """Email the link. Nothing clinical, no names: not the program, not the patient, not the reason."""
    subject = _("You are invited to a patient portal")
    body = _(
        "Hello,\n\nSomeone has invited you to see some appointment times in a patient portal.\n\n"
        "Open this link within 72 hours:\n%(link)s\n\n"
        "You will confirm this email address and choose a password.\n\n"
        "If you did not expect this email, you can ignore it."
    ) % {"link": link}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [grant.email])


def family_grant_revoke(*, grant: FamilyAccessGrant, by, request=None, now=None) -> FamilyAccessGrant:
    """Stop a grant now (idempotent). The family member's account stays but opens nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = FamilyAccessGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
            revoked_at=now, updated_at=now, updated_by=by
        )
        if changed:
            audit_record(
                action=Action.UPDATE,
                request=request,
                actor=by,
                patient=grant.patient,
                obj=grant,
                detail={"family_access": "revoked"},
            )
    grant.refresh_from_db()
    return grant


def open_family_grant_for_token(raw_token: str, now=None) -> FamilyAccessGrant | None:
    """The grant whose open invitation a link's token names, else None (all failures alike)."""
    if not raw_token or len(raw_token) > 100:
        return None
    return (
        FamilyAccessGrant.objects.invitation_open(now or timezone.now())
        .select_related("patient")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )


def family_invitation_accept(*, raw_token: str, email: str, password: str, request=None, now=None) -> User:
    """Create the family member's account (Role.FAMILY) and link it to the grant, once.

    The typed email must be the invitation's (case-insensitive); MAX_IDENTITY_TRIES wrong ones close the
    link. The grant is claimed by one conditional UPDATE, so the link is used once even under a race.
    """
    now = now or timezone.now()
    grant = open_family_grant_for_token(raw_token, now)
    if grant is None:
        raise InvitationInvalid
    if (email or "").strip().casefold() != grant.email.casefold():
        _count_wrong_email(grant, request=request, now=now)
        raise ValidationError({"email": [_("This is not the email address the invitation was sent to.")]})
    candidate = User(username=grant.email, email=grant.email, role=Role.FAMILY)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=grant.email,
                email=grant.email,
                password=password,
                role=Role.FAMILY,
                first_name=grant.name[:150],
            )
            claimed = (
                FamilyAccessGrant.objects.invitation_open(now)
                .filter(pk=grant.pk)
                .update(user=user, accepted_at=now, updated_at=now)
            )
            if claimed != 1:
                raise InvitationInvalid
            audit_record(
                action=Action.CREATE,
                request=request,
                actor=user,
                patient=grant.patient,
                obj=grant,
                detail={"family_account": "created"},
            )
    except IntegrityError as error:  # the email became another account's username meanwhile
        raise InvitationInvalid from error
    return user


def _count_wrong_email(grant: FamilyAccessGrant, *, request, now) -> None:
    with transaction.atomic():
        FamilyAccessGrant.objects.filter(pk=grant.pk).update(failed_checks=F("failed_checks") + 1)
        locked = (
            FamilyAccessGrant.objects.filter(pk=grant.pk, failed_checks__gte=MAX_IDENTITY_TRIES).update(
                invitation_expires_at=now
            )
            == 1
        )
        audit_record(
            action=Action.LOGIN_FAILED,
            request=request,
            actor=None,
            patient=grant.patient,
            obj=grant,
            outcome=Outcome.FAILED,
            detail={"family_invitation": "wrong_email", "closed": locked},
        )


def active_grant_of(user) -> FamilyAccessGrant | None:
    """The grant in force that a family user's account belongs to, else None."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.FAMILY:
        return None
    return (
        FamilyAccessGrant.objects.active()
        .filter(user=user)
        .select_related("patient")
        .order_by("created_at", "pk")
        .first()
    )


@dataclass(frozen=True)
class FamilySession:
    """What a family member may know of one family session: when and where. Nothing else."""

    date: datetime.date
    start: datetime.time
    end: datetime.time
    place: str
    video_link: str
    cancelled: bool


def family_sessions(patient: Patient, today: datetime.date) -> list[FamilySession]:
    """The patient's family-therapy sessions from today on (UPCOMING_DAYS), from the patient's own
    bookings (never a roster); other kinds of session are never read."""
    rows = (
        SessionAttendee.objects.filter(
            episode__patient=patient,
            session__session_type__kind=SessionKind.FAMILY_THERAPY,
            session__date__range=(today, today + datetime.timedelta(days=UPCOMING_DAYS)),
        )
        .exclude(status=AttendanceStatus.CANCELLED)
        .select_related("session__room")
        .order_by("session__date", "session__start_time", "pk")
    )
    result = []
    for row in rows:
        session = row.session
        cancelled = session.status == SessionStatus.CANCELLED
        result.append(
            FamilySession(
                date=session.date,
                start=session.start_time,
                end=session.end_time,
                place=place_of(session),
                video_link="" if cancelled else session.video_link,
                cancelled=cancelled,
            )
        )
    return result
