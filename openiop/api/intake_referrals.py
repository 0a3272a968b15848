"""Referrals through the API: the pipeline of the caller's programs, recording a referral, moving it along.

The same policies as the referral pages: the `intake.work_referrals` gate, then `referral_for_user` for the
object (404 if unknown, audited 403 if not the caller's program). Writes go through the intake services.
"""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.intake.models import ALLOWED_TRANSITIONS, ReferralStatus
from openiop.intake.selectors_referrals import referral_for_user, referrals_for_user
from openiop.intake.services.referrals import referral_create, referral_transition
from openiop.programs.models import Program

from .intake_schemas import (
    ReferralFilters,
    ReferralIn,
    ReferralOut,
    ReferralPageOut,
    ReferralTransitionIn,
)
from .policy import api_policy
from .problems import PROBLEM_RESPONSES

router = Router(tags=["referrals"])

# Where a refused step belongs, as on the page (ReferralTransitionForm.error_field_for).
_TRANSITION_ERROR_FIELD = {
    ReferralStatus.ASSESSMENT_BOOKED: "assessment_at",
    ReferralStatus.REFERRED_ELSEWHERE: "note",
    ReferralStatus.DECLINED: "note",
}


@router.get("/referrals", response={200: ReferralPageOut, **PROBLEM_RESPONSES}, url_name="referral_list")
@api_policy("intake.work_referrals")
def referral_list(request, filters: Query[ReferralFilters]):
    """Referrals of your programs, newest first. Same set as the web pipeline board."""
    referrals = referrals_for_user(request.auth).select_related("program", "patient", "episode")
    if filters.status:
        referrals = referrals.filter(status=filters.status)
    if filters.program:
        referrals = referrals.filter(program__uuid=filters.program)
    if filters.source:
        referrals = referrals.filter(source=filters.source)
    if filters.urgency:
        referrals = referrals.filter(urgency=filters.urgency)
    count = referrals.count()
    page = list(referrals.order_by("-received_at", "-id")[filters.offset : filters.offset + filters.limit])
    used = filters.dict(exclude_none=True, exclude={"limit", "offset"})
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="intake.referral",
        detail={
            "filters": {key: str(value) for key, value in used.items()},
            "offset": filters.offset,
            "limit": filters.limit,
            "shown": len(page),
            "channel": "api",
        },
    )
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": page}


@router.post("/referrals", response={201: ReferralOut, **PROBLEM_RESPONSES}, url_name="referral_create")
@api_policy("intake.work_referrals")
def referral_create_operation(request, payload: ReferralIn):
    """Record a referral as received, in one of your programs. It starts as `new` and stays unlinked.

    Documents (referral letters, discharge summaries) are attached on the referral's web page only: file
    uploads are not part of this API.
    """
    program = Program.objects.active().filter(staff_profiles__user=request.auth, uuid=payload.program).first()
    errors = {}
    if program is None:
        # Unknown, inactive and other programs' alike: the answer must not tell which exist.
        errors["program"] = "Choose one of your active programs."
    if payload.date_of_birth and payload.date_of_birth > timezone.localdate():
        errors["date_of_birth"] = "The date of birth is in the future."
    if errors:
        raise ValidationError(errors)
    referral = referral_create(
        created_by=request.auth, request=request, program=program, **payload.dict(exclude={"program"})
    )
    return Status(201, referral)


@router.get(
    "/referrals/{referral_uuid}", response={200: ReferralOut, **PROBLEM_RESPONSES}, url_name="referral"
)
@api_policy("intake.work_referrals")
def referral_detail(request, referral_uuid: UUID):
    """One referral with its timeline, its documents' metadata (not their contents), the linked patient and
    episode, and the self-check answers when it came from the public self-check."""
    return referral_for_user(request, referral_uuid)


@router.post(
    "/referrals/{referral_uuid}/transitions",
    response={200: ReferralOut, **PROBLEM_RESPONSES},
    url_name="referral_transition",
)
@api_policy("intake.work_referrals")
def referral_transition_operation(request, referral_uuid: UUID, payload: ReferralTransitionIn):
    """Move the referral one step along the pipeline. Refused steps answer 422 naming the field to fill.

    `admitted` is never a plain step: admission (POST /episodes/{uuid}/admission) admits the person.
    """
    referral = referral_for_user(request, referral_uuid, "intake.change_referral", audit=False)
    assessment_at = payload.assessment_at
    if assessment_at is not None and timezone.is_naive(assessment_at):
        assessment_at = timezone.make_aware(assessment_at)
    try:
        referral = referral_transition(
            referral=referral,
            to_status=payload.to_status,
            by=request.auth,
            note=payload.note,
            assessment_at=assessment_at,
            request=request,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        allowed = payload.to_status in ALLOWED_TRANSITIONS[referral.status]
        field = _TRANSITION_ERROR_FIELD.get(payload.to_status, "to_status") if allowed else "to_status"
        raise ValidationError({field: error.messages}) from error
    return referral
