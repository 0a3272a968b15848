"""Recording an incoming FHIR referral in the intake pipeline, through intake's own services.

The referral lands as NEW in its program, as one typed in on the referral page would, and is then matched
to a patient with the pages' duplicate rule (same legal name and date of birth):
- exactly one such patient: linked to them (`referral_link_patient`);
- none: a patient is registered from the referral (`patient_create` through `referral_link_patient`), as the
  issue asks ("matched to an existing patient or creates one"); never marked synthetic;
- two or more: left unlinked for the intake coordinator to choose, as on the pages.
Everything (referral, identifier, patient, link, documents) is one transaction: a refused document leaves
nothing behind. The identifier makes a second POST of the same referral answer with the first one.
"""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from openiop.intake.models import Referral
from openiop.intake.services.referral_intake import referral_documents_add
from openiop.intake.services.referrals import (
    referral_create,
    referral_link_patient,
    referral_possible_patients,
)
from openiop.patients.models import Language, Patient
from openiop.programs.models import Program

from .models import ReceivedReferral
from .referral import ReferralIn


@dataclass(frozen=True)
class Received:
    referral: Referral
    created: bool


class ProgramNotFound(ValidationError):
    """The referral names no program the caller works in (or none, and they work in several)."""


def program_for(user, named: str) -> Program:
    """The program a referral goes to: the one the performer names (by short name or id), which must be one
    of the caller's; or, when none is named, the caller's only program."""
    mine = Program.objects.filter(staff_profiles__user=user).order_by("pk")
    if named:
        try:
            match = mine.filter(uuid=uuid.UUID(named))
        except ValueError:
            match = mine.filter(short_name__iexact=named)
        program = match.first()
        if program is None:
            raise ProgramNotFound(_("The performer is not a program you receive referrals for."))
        return program
    programs = list(mine[:2])
    if len(programs) != 1:
        raise ProgramNotFound(_("Name the program the referral is for (ServiceRequest.performer)."))
    return programs[0]


def received_referral(parsed: ReferralIn) -> Referral | None:
    found = (
        ReceivedReferral.objects.filter(system=parsed.identifier_system, value=parsed.identifier_value)
        .select_related("referral__program", "referral__patient")
        .first()
    )
    return found.referral if found else None


def _person(parsed: ReferralIn, patient: Patient | None) -> dict:
    if patient is not None:  # subject Patient/<id>: the referral describes the patient we hold
        return {
            "given_name": patient.legal_given_name,
            "family_name": patient.legal_family_name,
            "date_of_birth": patient.date_of_birth,
            "phone": patient.phone,
            "email": patient.email,
            "preferred_language": patient.language,
        }
    return {
        "given_name": parsed.given_name,
        "family_name": parsed.family_name,
        "date_of_birth": parsed.date_of_birth,
        "phone": parsed.phone,
        "email": parsed.email,
        "preferred_language": parsed.preferred_language or "en",
    }


def _match(referral: Referral, *, by, request) -> Referral:
    candidates = list(referral_possible_patients(referral).order_by("pk")[:2])
    if len(candidates) >= 2:
        return referral  # the intake coordinator chooses, as on the pages
    if len(candidates) == 1:
        try:
            return referral_link_patient(referral=referral, by=by, patient=candidates[0], request=request)
        except ValidationError:
            # Their open episode here already has a referral: leave this one for a person to sort out.
            return referral
    language = referral.preferred_language if referral.preferred_language in Language.values else "en"
    return referral_link_patient(
        referral=referral,
        by=by,
        request=request,
        new_patient_fields={
            "legal_given_name": referral.given_name,
            "legal_family_name": referral.family_name,
            "date_of_birth": referral.date_of_birth,
            "phone": referral.phone,
            "email": referral.email,
            "language": language,
        },
    )


def referral_receive(
    *, parsed: ReferralIn, program: Program, by, patient: Patient | None = None, request=None
) -> Received:
    """Record `parsed` as a NEW referral of `program` (or find the one already received under its
    identifier), matched to a patient as described above. Raises ValidationError with nothing written."""
    existing = received_referral(parsed)
    if existing is not None:
        return Received(existing, created=False)
    try:
        with transaction.atomic():
            referral = referral_create(
                created_by=by,
                request=request,
                program=program,
                source=parsed.source,
                reason=parsed.reason,
                urgency=parsed.urgency,
                referring_organization=parsed.referring_organization,
                referring_provider=parsed.referring_provider,
                referring_contact=parsed.referring_contact,
                **_person(parsed, patient),
            )
            ReceivedReferral.objects.create(
                referral=referral,
                system=parsed.identifier_system,
                value=parsed.identifier_value,
                received_by=by,
            )
            if patient is not None:
                referral = referral_link_patient(referral=referral, by=by, patient=patient, request=request)
            else:
                referral = _match(referral, by=by, request=request)
            uploads = [
                SimpleUploadedFile(document.title, document.data, content_type=document.content_type)
                for document in parsed.documents
            ]
            referral_documents_add(referral=referral, uploads=uploads, by=by, request=request)
    except IntegrityError:
        # The same identifier was recorded by a concurrent request: answer with that referral.
        existing = received_referral(parsed)
        if existing is None:
            raise
        return Received(existing, created=False)
    return Received(referral, created=True)
