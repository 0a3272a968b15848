"""Signatures of a version awaiting them; the last one activates it and supersedes the previous."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.accounts.models import Role
from openiop.audit.models import Action
from openiop.audit.services import audit_record

from .. import content as core
from ..models import (
    REQUIRED_SIGNATURES,
    PlanSignature,
    PlanStatus,
    SignatureMethod,
    SignatureRole,
    TreatmentPlan,
)
from ..rules import has_physician_credentials
from ..selectors import plan_content
from .plans import _lock, _require

# --- signatures ----------------------------------------------------------------------------------------------


def _names_match(typed: str, patient) -> bool:
    def norm(text: str) -> str:
        return " ".join(text.casefold().split())

    return norm(typed) in {norm(patient.legal_name), norm(patient.display_name)}


def plan_sign(
    *,
    plan: TreatmentPlan,
    role: str,
    by,
    signed_name: str = "",
    signed_on: datetime.date | None = None,
    attested: bool = False,
    request=None,
) -> PlanSignature:
    """Sign a version awaiting signatures as its clinician, as the physician, or for the patient.

    The patient signs in person (typed full name and date, witnessed by `by`, a staff member who attests
    it), or later in the portal with their own account (`by` is the patient's user). With the last required
    signature the version becomes active and the previous active version is superseded.
    """
    errors = {}
    if role not in SignatureRole.values:
        raise ValidationError({"role": _("Unknown signature.")})
    if not attested:
        errors["attested"] = _("Confirm the statement to sign.")
    if role == SignatureRole.PATIENT and by.role != Role.PATIENT:
        today = timezone.localdate()
        if not signed_name.strip():
            errors["signed_name"] = _("Type the patient's full name as they signed.")
        elif not _names_match(signed_name, plan.episode.patient):
            errors["signed_name"] = _("The name must be the patient's full name as on their record.")
        if signed_on is None:
            errors["signed_on"] = _("Give the date the patient signed.")
        elif signed_on > today:
            errors["signed_on"] = _("The date cannot be in the future.")
        elif plan.submitted_at and signed_on < timezone.localdate(plan.submitted_at):
            errors["signed_on"] = _("The plan was sent for signatures after this date.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = _lock(plan)
        _require(plan, PlanStatus.AWAITING_SIGNATURES)
        patient = plan.episode.patient
        if PlanSignature.objects.filter(plan=plan, role=role, voided_at__isnull=True).exists():
            raise ValidationError(_("This version already has the %(role)s's signature.") % {"role": role})
        staff_signers = PlanSignature.objects.filter(
            plan=plan, voided_at__isnull=True, role__in=[SignatureRole.CLINICIAN, SignatureRole.PHYSICIAN]
        ).values_list("signer_id", flat=True)
        now = timezone.now()
        signature = PlanSignature(
            plan=plan, role=role, signed_at=now, content_hash=core.content_hash(plan_content(plan))
        )
        if role == SignatureRole.PATIENT:
            if by.role == Role.PATIENT:
                if patient.user_id != by.pk:
                    raise ValidationError(_("Only the patient may sign for themselves."))
                signature.method = SignatureMethod.PORTAL
                signature.signer = by
                signature.signed_name = patient.legal_name
                signature.signed_on = timezone.localdate()
            else:
                signature.method = SignatureMethod.IN_PERSON
                signature.signed_name = " ".join(signed_name.split())
                signature.signed_on = signed_on
                signature.witnessed_by = by
        else:
            if role == SignatureRole.CLINICIAN and plan.responsible_clinician_id != by.pk:
                raise ValidationError(_("The plan's responsible clinician signs as its clinician."))
            if role == SignatureRole.PHYSICIAN and not has_physician_credentials(by):
                raise ValidationError(_("The physician's signature needs a physician or nurse practitioner."))
            if by.pk in staff_signers:
                raise ValidationError(
                    _("The clinician's and the physician's signatures come from two people.")
                )
            signature.method = SignatureMethod.STAFF
            signature.signer = by
            signature.signed_name = by.get_full_name() or by.username
            profile = getattr(by, "staff_profile", None)
            signature.credentials = profile.credentials if profile else ""
            signature.signed_on = timezone.localdate()
        try:
            with transaction.atomic():
                signature.save()
        except IntegrityError:
            raise ValidationError(_("This version already has that signature.")) from None
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=patient,
            obj=plan,
            detail={"version": plan.number, "signed": role, "method": signature.method},
        )
        _activate_if_complete(plan, by=by, request=request)
    return signature


def _activate_if_complete(plan: TreatmentPlan, *, by, request) -> None:
    signatures = list(PlanSignature.objects.filter(plan=plan, voided_at__isnull=True))
    if {s.role for s in signatures} != set(REQUIRED_SIGNATURES):
        return
    current_hash = core.content_hash(plan_content(plan))
    # Content is frozen while awaiting signatures; this proves every signature attests to the same content.
    assert all(s.content_hash == current_hash for s in signatures), "signed content differs"
    now = timezone.now()
    previous = TreatmentPlan.objects.select_for_update().filter(
        episode=plan.episode, status=PlanStatus.ACTIVE
    )
    for old in previous:
        old.status = PlanStatus.SUPERSEDED
        old.superseded_at = now
        old.updated_by = by
        old.save(update_fields=["status", "superseded_at", "updated_by", "updated_at"])
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=plan.episode.patient,
            obj=old,
            detail={"version": old.number, "status": old.status, "superseded_by": str(plan.uuid)},
        )
    plan.status = PlanStatus.ACTIVE
    plan.activated_at = now
    plan.updated_by = by
    plan.save(update_fields=["status", "activated_at", "updated_by", "updated_at"])
    audit_record(
        action=Action.UPDATE,
        request=request,
        actor=by,
        patient=plan.episode.patient,
        obj=plan,
        detail={"version": plan.number, "status": plan.status},
    )
    # The initial plan fulfils the admission's "initial treatment plan" due item.
    from openiop.intake.models import DueItem, DueItemKind
    from openiop.intake.services import due_item_complete

    for item in DueItem.objects.open().filter(episode=plan.episode, kind=DueItemKind.INITIAL_TREATMENT_PLAN):
        due_item_complete(
            item=item, by=by, note=_("Plan version %(n)s signed.") % {"n": plan.number}, request=request
        )
