"""Writes to patients and episodes. Each service is atomic and writes its audit event."""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from openiop.audit.models import Action
from openiop.audit.services import audit_record

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
