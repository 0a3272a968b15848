"""Referrals: creation (by staff or from the public self-check), the pipeline, documents, and linking to a
patient. Each service is atomic and writes its audit event."""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.models import EpisodeOfCare, EpisodeStatus, Patient
from openiop.patients.services import patient_create, possible_duplicates

from ..models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    Referral,
    ReferralDocument,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
)

# Self-check answers are versioned with the questionnaire that produced them.
SELF_CHECK_REFERRAL_REASON = "Asked to be contacted after the online self-check."


def referral_create(
    *,
    created_by,
    program,
    source: str,
    given_name: str,
    family_name: str,
    reason: str,
    request=None,
    received_at: datetime.datetime | None = None,
    **fields,
) -> Referral:
    """Record a referral as received. It stays unlinked until someone links it to a patient."""
    now = timezone.now()
    with transaction.atomic():
        referral = Referral(
            program=program,
            source=source,
            given_name=given_name.strip(),
            family_name=family_name.strip(),
            reason=reason.strip(),
            received_at=received_at or now,
            created_by=created_by,
            updated_by=created_by,
            **fields,
        )
        referral.full_clean()
        referral.save()
        ReferralEvent.objects.create(
            referral=referral,
            from_status="",
            to_status=ReferralStatus.NEW,
            at=referral.received_at,
            by=created_by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=created_by,
            username="" if created_by else "public self-check",
            obj=referral,
            detail={"program": str(program.uuid), "source": source},
        )
    return referral


def referral_create_from_self_check(
    *, program, contact: dict, answers: dict, outcome: str, language: str, version: str = "1", request=None
) -> Referral:
    """A person asked to be contacted from /check/ and consented: a self referral with their answers."""
    return referral_create(
        created_by=None,
        request=request,
        program=program,
        source=ReferralSource.SELF,
        given_name=contact.get("given_name", ""),
        family_name=contact.get("family_name", ""),
        phone=contact.get("phone", ""),
        email=contact.get("email", ""),
        best_time_to_contact=contact.get("best_time_to_contact", ""),
        preferred_language=language,
        reason=SELF_CHECK_REFERRAL_REASON,
        self_check={"answers": answers, "outcome": outcome, "version": version, "language": language},
    )


def referral_transition(
    *,
    referral: Referral,
    to_status: str,
    by,
    note: str = "",
    assessment_at: datetime.datetime | None = None,
    request=None,
) -> Referral:
    """Move a referral one step along the pipeline (see ALLOWED_TRANSITIONS), recording who, when and why.

    Admission is not a plain status change: `episode_admit` moves a referral to "admitted".
    """
    if to_status == ReferralStatus.ADMITTED:
        raise ValidationError(_("Admit the person through admission, which opens their episode of care."))
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        _move(referral, to_status=to_status, by=by, note=note, assessment_at=assessment_at)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=referral.patient,
            obj=referral,
            detail={"status": to_status},
        )
    return referral


def _move(referral: Referral, *, to_status: str, by, note: str = "", assessment_at=None) -> None:
    """Apply a pipeline step inside the caller's transaction (shared by transitions, assessment, admission)."""
    if to_status not in ALLOWED_TRANSITIONS[referral.status]:
        raise ValidationError(
            _("A referral that is “%(current)s” cannot move to “%(target)s”.")
            % {"current": referral.get_status_display(), "target": ReferralStatus(to_status).label}
        )
    if to_status == ReferralStatus.ASSESSMENT_BOOKED and assessment_at is None:
        raise ValidationError(_("Give the date and time the assessment is booked for."))
    if to_status in (ReferralStatus.REFERRED_ELSEWHERE, ReferralStatus.DECLINED) and not note.strip():
        raise ValidationError(_("Say why, so the next person knows what happened."))
    now = timezone.now()
    previous = referral.status
    referral.status = to_status
    if (
        to_status != ReferralStatus.NEW
        and referral.first_contact_at is None
        and to_status not in (ReferralStatus.LOST_TO_CONTACT,)
    ):
        # Every step past "new" except giving up means someone reached the person.
        referral.first_contact_at = now
    if to_status == ReferralStatus.ASSESSMENT_BOOKED:
        referral.assessment_booked_for = assessment_at
    if to_status == ReferralStatus.ADMITTED:
        referral.admitted_at = now
    referral.closed_at = now if to_status in CLOSED_STATUSES else None
    referral.updated_by = by
    referral.save()
    ReferralEvent.objects.create(
        referral=referral, from_status=previous, to_status=to_status, at=now, by=by, note=note.strip()
    )


def referral_possible_patients(referral: Referral):
    """Existing patients who may be the referred person: same name and date of birth."""
    if referral.date_of_birth is None:
        return Patient.objects.none()
    return possible_duplicates(
        given_name=referral.given_name, family_name=referral.family_name, date_of_birth=referral.date_of_birth
    )


def referral_link_patient(
    *,
    referral: Referral,
    by,
    patient: Patient | None = None,
    request=None,
    new_patient_fields: dict | None = None,
    duplicate_confirmed: bool = False,
) -> Referral:
    """Tie the referral to a patient and open their referral episode in the referral's program.

    Either link an existing `patient` (reusing their open episode in this program if there is one), or
    register a new patient from `new_patient_fields` (the registration's duplicate rules apply: a possible
    duplicate must be linked instead, or confirmed to be a different person).
    """
    if referral.patient_id is not None:
        raise ValidationError(_("This referral is already linked to a patient."))
    with transaction.atomic():
        if patient is None:
            fields = dict(new_patient_fields or {})
            duplicates = possible_duplicates(
                given_name=fields["legal_given_name"],
                family_name=fields["legal_family_name"],
                date_of_birth=fields["date_of_birth"],
            )
            if duplicates.exists() and not duplicate_confirmed:
                raise ValidationError(
                    _("A patient with this name and date of birth exists: link to them instead.")
                )
            patient = patient_create(
                created_by=by,
                request=request,
                program=referral.program,
                referred_on=timezone.localdate(referral.received_at),
                duplicate_confirmed=duplicate_confirmed,
                **fields,
            )
            episode = patient.episodes.get()
        else:
            episode = EpisodeOfCare.objects.open().filter(
                patient=patient, program=referral.program
            ).first() or EpisodeOfCare.objects.create(
                patient=patient,
                program=referral.program,
                status=EpisodeStatus.REFERRAL,
                referred_on=timezone.localdate(referral.received_at),
                created_by=by,
                updated_by=by,
            )
            if hasattr(episode, "referral") and episode.referral.pk != referral.pk:
                raise ValidationError(_("This person's open episode in the program already has a referral."))
        referral.patient = patient
        referral.episode = episode
        referral.updated_by = by
        referral.save(update_fields=["patient", "episode", "updated_by", "updated_at"])
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=patient,
            obj=referral,
            detail={"linked_episode": str(episode.uuid)},
        )
    return referral


# Referral documents: PDF and common images, at most 10 MB, recognised by their first bytes, not by name.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff_document_type(head: bytes) -> str | None:
    """The content type of a PDF, PNG or JPEG from its first bytes, or None for anything else."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def referral_document_add(
    *, referral: Referral, upload, by, description: str = "", request=None
) -> ReferralDocument:
    """Store an uploaded document under the private media root, after checking its size and real type."""
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."))
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_document_type(head)
    if content_type is None:
        raise ValidationError(_("Only PDF, PNG and JPEG files can be attached."))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        document = ReferralDocument(
            referral=referral,
            original_name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            description=description.strip(),
            uploaded_by=by,
        )
        document.file.save("upload", upload, save=False)
        document.save()
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=referral.patient,
            obj=document,
            detail={"referral": str(referral.uuid), "sha256": document.sha256, "size": document.size},
        )
    return document
