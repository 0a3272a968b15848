"""Writes to patients and episodes. Each service is atomic and writes its audit event."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from openiop.audit.models import Action
from openiop.audit.services import audit_record

from .chart_access import chart_access_forget
from .models import BreakGlassAccess, EpisodeOfCare, EpisodeStatus, Patient

RECORD_NUMBER_PREFIX = "OI"


def new_record_number() -> str:
    """A random record number such as OI4829173. Random, so it reveals nothing about volume or order.

    Numbers starting OI9 are reserved for generated demo and synthetic data (see openiop.demo), so a real
    patient never takes one.
    """
    return f"{RECORD_NUMBER_PREFIX}{secrets.randbelow(9_000_000):07d}"


def possible_duplicates(*, given_name: str, family_name: str, date_of_birth: datetime.date):
    """Patients with the same legal name (ignoring case and surrounding spaces) and date of birth."""
    return Patient.objects.annotate(
        given=Lower("legal_given_name"), family=Lower("legal_family_name")
    ).filter(
        given=given_name.strip().lower(), family=family_name.strip().lower(), date_of_birth=date_of_birth
    )


def patient_create(
    *,
    created_by,
    request=None,
    program,
    track=None,
    referred_on: datetime.date | None = None,
    duplicate_confirmed: bool = False,
    is_synthetic: bool = False,
    **fields,
) -> Patient:
    """Register a person and open a referral episode in `program`.

    The caller has already shown the user any possible duplicates; `duplicate_confirmed` records that
    they said this is a different person.
    """
    for attempt in range(5):
        try:
            with transaction.atomic():
                patient = Patient(
                    record_number=new_record_number(),
                    created_by=created_by,
                    updated_by=created_by,
                    is_synthetic=is_synthetic,
                    **fields,
                )
                patient.full_clean(exclude=["record_number"])
                patient.save()
                episode = EpisodeOfCare.objects.create(
                    patient=patient,
                    program=program,
                    track=track,
                    status=EpisodeStatus.REFERRAL,
                    referred_on=referred_on or timezone.localdate(),
                    created_by=created_by,
                    updated_by=created_by,
                )
                audit_record(
                    action=Action.CREATE,
                    request=request,
                    actor=created_by,
                    patient=patient,
                    obj=patient,
                    detail={"episode": str(episode.uuid), "duplicate_confirmed": duplicate_confirmed},
                )
                return patient
        except IntegrityError:
            # Record-number collision (1 in 10 million per existing patient): draw again.
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def break_glass_open(*, user, patient: Patient, reason: str, request=None) -> BreakGlassAccess:
    """Grant `user` time-limited emergency access to `patient`'s chart, flagged for review."""
    now = timezone.now()
    with transaction.atomic():
        access = BreakGlassAccess.objects.create(
            user=user,
            patient=patient,
            reason=reason.strip(),
            granted_at=now,
            expires_at=now + BreakGlassAccess.WINDOW,
        )
        audit_record(
            action=Action.BREAK_GLASS,
            request=request,
            actor=user,
            patient=patient,
            obj=access,
            detail={"expires_at": access.expires_at.isoformat()},
        )
    # The chart this request redirects to, or any check after this one, must see the new access.
    chart_access_forget(user, getattr(request, "user", None))
    return access


def break_glass_review(*, access: BreakGlassAccess, reviewer, outcome: str, note: str, request=None):
    """Record a director's or auditor's judgement of an emergency access."""
    with transaction.atomic():
        access.review = outcome
        access.review_note = note.strip()
        access.reviewed_by = reviewer
        access.reviewed_at = timezone.now()
        access.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
        audit_record(
            action=Action.REVIEW,
            request=request,
            actor=reviewer,
            patient=access.patient,
            obj=access,
            detail={"outcome": outcome},
        )
    return access


class StaleVersion(Exception):
    """The patient changed since the caller's copy was read: nothing was written."""


# What a contact update may change. Identity (legal name, date of birth, record number) stays with the chart.
CONTACT_FIELDS = ("phone", "email", "address", "preferred_name", "language")


def patient_contact_update(
    *, patient: Patient, by, request=None, expected_version: datetime.datetime, channel: str = "web", **fields
) -> tuple[Patient, list[str]]:
    """Change a patient's contact details, only if nobody changed the patient since `expected_version` (the
    `updated_at` of the caller's copy). Returns the reloaded patient and the names of the fields changed.

    The write is one conditional UPDATE (`WHERE updated_at = expected_version`), so of two updates made
    from the same version only one can win; the other, and any update from an older copy, raises
    StaleVersion and writes nothing. Validation errors are keyed by field. Audited as UPDATE with the changed
    field names only, never their values.
    """
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"Not contact fields: {sorted(unknown)}")
    errors = {}
    cleaned = {}
    for name, value in fields.items():
        try:
            cleaned[name] = Patient._meta.get_field(name).clean(value, patient)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        if current.updated_at != expected_version:
            raise StaleVersion(patient.uuid)
        changed = sorted(name for name, value in cleaned.items() if getattr(current, name) != value)
        if changed:
            # Strictly later than the version it replaces, so the version always changes.
            now = max(timezone.now(), expected_version + datetime.timedelta(microseconds=1))
            written = Patient.objects.filter(pk=patient.pk, updated_at=expected_version).update(
                **{name: cleaned[name] for name in changed}, updated_at=now, updated_by=by
            )
            if written != 1:
                raise StaleVersion(patient.uuid)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=current,
            obj=current,
            detail={"fields": changed, "channel": channel},
        )
    return Patient.objects.get(pk=patient.pk), changed
