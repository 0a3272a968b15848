"""Safety plans and relapse-prevention plans through the API: where a patient's plan stands, its versions,
one version, starting and saving a draft, signing it (patient in person, witnessed, and the clinician),
revising a signed version, and the pocket PDF.

The pages' rules apply: reading follows the chart, writing is for the care team's clinicians and
psychiatrists. Break-the-glass is web-only (its reason is asked for and reviewed there), so a caller who
would need it gets 403. Saving or signing names the draft's `version` (the save it started from): a stale
one, or a version already signed, answers 409 and nothing changes. Reads are audited as the pages audit
them (with "channel": "api"); writes by the services; each PDF as an export.
"""

import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import ValidationError as InputError
from ninja.responses import Status

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.core.pdf import pdf_response
from openiop.patients.selectors import BreakGlassRequired
from openiop.safety.models import KIND_SLUGS, Plan, PlanKind
from openiop.safety.pdf import render_pocket_pdf
from openiop.safety.selectors import (
    VIEW,
    break_glass_detail,
    patient_for_plans,
    plan_for_user,
    plan_state,
    plan_versions,
    rendered,
)
from openiop.safety.services import (
    PlanError,
    PlanExists,
    plan_create,
    plan_revise,
    plan_save_draft,
    plan_sign,
)

from .policy import api_policy
from .problems import CONFLICT_RESPONSES, PROBLEM_RESPONSES, ApiProblem

router = Router(tags=["safety"])

PLANS_REFUSED = (
    "You may not read this patient's plans: they follow the chart. The attempt has been recorded. "
    "Break-the-glass (emergency) access is not available through the API; use the web application."
)


# --- schemas -----------------------------------------------------------------------------------------------


class CrisisLineOut(Schema):
    name: str
    phone: str
    hours: str


class ContactOut(Schema):
    name: str
    phone: str
    hours: str = ""


class SafetySectionOut(Schema):
    id: str
    kind: Literal["list", "contacts"]
    title: str
    required_to_sign: bool
    lines: list[str] = Field(description="Entries of a list section.")
    contacts: list[ContactOut] = Field(description="Entries of a contacts section.")


class SafetySignatureOut(Schema):
    role: str
    method: str
    signer_name: str
    signed_on: datetime.date
    signed_at: datetime.datetime
    witnessed_by: str | None


class SafetyPlanSummaryOut(Schema):
    uuid: UUID
    kind: str
    number: int
    status: str
    version: int = Field(description="The save counter: send it back when saving or signing a draft.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    signed_at: datetime.datetime | None
    written_by: str | None


class SafetyPlanOut(SafetyPlanSummaryOut):
    patient: UUID
    structure: str
    revises: UUID | None
    crisis_lines: list[CrisisLineOut] = Field(description="Always first; the 988 Lifeline is always there.")
    sections: list[SafetySectionOut]
    content: dict[str, Any] = Field(description="The sections' entries by id, as a draft save takes them.")
    signatures: list[SafetySignatureOut]


class SafetyReviewOut(Schema):
    requested_at: datetime.datetime
    reason: str


class PlanStateOut(Schema):
    patient: UUID
    kind: str
    current: SafetyPlanOut | None = Field(description="The latest signed version: the plan in effect.")
    draft: SafetyPlanSummaryOut | None
    review_requested: SafetyReviewOut | None
    versions: int


class SafetyPlanDraftIn(Schema):
    version: int = Field(ge=1, description="The save the draft was read at.")
    content: dict[str, Any] = Field(
        description="Entries by section id: lists of strings for list sections, lists of "
        "{name, phone, hours} for contact sections. Sections left out are saved empty."
    )


class SafetyPlanSignIn(Schema):
    version: int = Field(ge=1)
    patient_name: str = Field(min_length=1, max_length=160, description="Typed by the patient, in person.")
    patient_signed_on: datetime.date
    witnessed: bool = Field(
        description="You saw the patient sign; you sign as their clinician. Must be true."
    )


# --- output ------------------------------------------------------------------------------------------------


def _summary(plan: Plan) -> dict:
    return {
        "uuid": plan.uuid,
        "kind": plan.kind,
        "number": plan.number,
        "status": plan.status,
        "version": plan.version,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "signed_at": plan.signed_at,
        "written_by": plan.created_by.display_name if plan.created_by else None,
    }


def _plan(plan: Plan) -> dict:
    shown = rendered(plan)
    content = {section.id: entries for section, entries in shown.sections}
    return {
        **_summary(plan),
        "patient": plan.patient.uuid,
        "structure": f"{shown.structure.id} {shown.structure.version}",
        "revises": plan.revises.uuid if plan.revises else None,
        "crisis_lines": [vars(line) for line in shown.crisis_lines],
        "sections": [
            {
                "id": section.id,
                "kind": section.kind,
                "title": section.title,
                "required_to_sign": section.required_to_sign,
                "lines": [] if section.is_contacts else entries,
                "contacts": entries if section.is_contacts else [],
            }
            for section, entries in shown.sections
        ],
        "content": content,
        "signatures": [
            {
                "role": s.role,
                "method": s.method,
                "signer_name": s.signer_name,
                "signed_on": s.signed_on,
                "signed_at": s.signed_at,
                "witnessed_by": s.witnessed_by.display_name if s.witnessed_by else None,
            }
            for s in shown.signatures.values()
        ],
    }


# --- loaders -----------------------------------------------------------------------------------------------


def _patient(request, patient_uuid: UUID, **kwargs):
    try:
        return patient_for_plans(request, patient_uuid, **kwargs)
    except BreakGlassRequired as needed:
        _refuse_break_glass(request, needed)


def _load(request, plan_uuid: UUID, **kwargs) -> Plan:
    try:
        return plan_for_user(request, plan_uuid, **kwargs)
    except BreakGlassRequired as needed:
        _refuse_break_glass(request, needed)


def _refuse_break_glass(request, needed: BreakGlassRequired):
    try:
        refuse(request, permission=VIEW, patient=needed.patient, obj=needed.patient)
    except PermissionDenied:
        raise ApiProblem(403, PLANS_REFUSED) from None


def _conflict(exc: PlanError) -> ApiProblem:
    return ApiProblem(409, str(exc))


# --- operations by patient, one set per kind ---------------------------------------------------------------


def _state_operation(kind: PlanKind):
    def operation(request, patient_uuid: UUID):
        patient = _patient(request, patient_uuid, detail={"page": "plans", "kind": kind, "channel": "api"})
        state = plan_state(patient, kind)
        return {
            "patient": patient.uuid,
            "kind": kind,
            "current": _plan(state.current) if state.current else None,
            "draft": _summary(state.draft) if state.draft else None,
            "review_requested": {"requested_at": state.review.created_at, "reason": state.review.reason}
            if state.review
            else None,
            "versions": state.versions,
        }

    return operation


def _versions_operation(kind: PlanKind):
    def operation(request, patient_uuid: UUID):
        patient = _patient(
            request,
            patient_uuid,
            action=Action.LIST,
            detail={"page": "plan versions", "kind": kind, "channel": "api"},
        )
        return [_summary(plan) for plan in plan_versions(patient, kind)]

    return operation


def _create_operation(kind: PlanKind):
    def operation(request, patient_uuid: UUID):
        patient = _patient(request, patient_uuid, write=True, audit=False)
        try:
            plan = plan_create(patient=patient, kind=kind, by=request.auth, request=request)
        except PlanExists as exc:
            raise _conflict(exc) from None
        return Status(201, _plan(plan))

    return operation


for _kind in PlanKind:
    _slug = KIND_SLUGS[_kind]
    _name = _kind.value
    _label = PlanKind(_kind).label.lower()
    router.get(
        f"/patients/{{patient_uuid}}/{_slug}",
        response={200: PlanStateOut, **PROBLEM_RESPONSES},
        url_name=f"{_name}_plan",
        operation_id=f"{_name}_plan_state",
        summary=f"Where the patient's {_label} stands",
        description=f"The current (latest signed) {_label} in full, the open draft if any, an open review "
        "request, and how many versions there are. Needs the patient's chart.",
    )(api_policy("safety.view_plans")(_state_operation(_kind)))
    router.get(
        f"/patients/{{patient_uuid}}/{_slug}/versions",
        response={200: list[SafetyPlanSummaryOut], **PROBLEM_RESPONSES},
        url_name=f"{_name}_plan_versions",
        operation_id=f"{_name}_plan_versions",
        summary=f"Every version of the patient's {_label}, newest first",
    )(api_policy("safety.view_plans")(_versions_operation(_kind)))
    router.post(
        f"/patients/{{patient_uuid}}/{_slug}/drafts",
        response={201: SafetyPlanOut, **CONFLICT_RESPONSES},
        url_name=f"{_name}_plan_create",
        operation_id=f"{_name}_plan_create",
        summary=f"Start the patient's first {_label} (an empty draft)",
        description="For the clinicians and psychiatrists on the care team. 409 when the patient already "
        "has one: save its draft, or revise its signed version.",
    )(api_policy("safety.write_plans")(_create_operation(_kind)))


# --- operations by plan version ----------------------------------------------------------------------------


@router.get(
    "/safety/plans/{plan_uuid}", response={200: SafetyPlanOut, **PROBLEM_RESPONSES}, url_name="safety_plan"
)
@api_policy("safety.view_plans")
def plan_detail(request, plan_uuid: UUID):
    """One version of a safety or relapse-prevention plan, with its signatures."""
    return _plan(_load(request, plan_uuid, detail={"channel": "api"}))


@router.post(
    "/safety/plans/{plan_uuid}/draft",
    response={200: SafetyPlanOut, **CONFLICT_RESPONSES},
    url_name="safety_plan_save",
)
@api_policy("safety.write_plans")
def plan_save(request, plan_uuid: UUID, payload: SafetyPlanDraftIn):
    """Save the draft's content. 422 names each section's problem; 409 when the version is signed or
    someone saved the draft since `version` (read it again, merge, and save with its new version)."""
    plan = _load(request, plan_uuid, write=True, audit=False)
    try:
        plan = plan_save_draft(
            plan=plan, content=payload.content, version=payload.version, by=request.auth, request=request
        )
    except PlanError as exc:
        raise _conflict(exc) from None
    except DjangoValidationError as error:
        raise InputError(
            [
                {
                    "loc": ("body", "content", *(() if field == "__all__" else (field,))),
                    "msg": msg,
                    "type": "value_error",
                }
                for field, messages in error.message_dict.items()
                for msg in messages
            ]
        ) from None
    return _plan(plan)


@router.post(
    "/safety/plans/{plan_uuid}/sign",
    response={200: SafetyPlanOut, **CONFLICT_RESPONSES},
    url_name="safety_plan_sign",
)
@api_policy("safety.write_plans")
def plan_sign_operation(request, plan_uuid: UUID, payload: SafetyPlanSignIn):
    """Sign the draft: the patient in person (their typed full name and the date, witnessed by you) and
    you as clinician. It becomes the current plan. 422 when required steps are empty or the name is not
    the patient's; 409 as for saving."""
    plan = _load(request, plan_uuid, write=True, audit=False)
    if not payload.witnessed:
        raise InputError(
            [
                {
                    "loc": ("body", "witnessed"),
                    "msg": "Only a witnessed, in-person signature can be recorded.",
                    "type": "value_error",
                }
            ]
        )
    try:
        plan = plan_sign(
            plan=plan,
            by=request.auth,
            version=payload.version,
            patient_name=payload.patient_name,
            patient_signed_on=payload.patient_signed_on,
            request=request,
        )
    except PlanError as exc:
        raise _conflict(exc) from None
    return _plan(plan)


@router.post(
    "/safety/plans/{plan_uuid}/revise",
    response={201: SafetyPlanOut, **CONFLICT_RESPONSES},
    url_name="safety_plan_revise",
)
@api_policy("safety.write_plans")
def plan_revise_operation(request, plan_uuid: UUID):
    """Start a new draft version copied from this one, the current signed version. 409 when a draft is
    already open (its uuid is in the detail) or this is not the current version."""
    plan = _load(request, plan_uuid, write=True, audit=False)
    try:
        draft = plan_revise(plan=plan, by=request.auth, request=request)
    except PlanExists as exc:
        raise ApiProblem(409, f"{exc} Draft: {exc.plan.uuid}.") from None
    except PlanError as exc:
        raise _conflict(exc) from None
    return Status(201, _plan(draft))


@router.get(
    "/safety/plans/{plan_uuid}/pdf",
    response={200: None, **PROBLEM_RESPONSES},
    url_name="safety_plan_pdf",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The pocket PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
@api_policy("safety.view_plans")
def plan_pdf(request, plan_uuid: UUID):
    """The version as a one-page pocket PDF (half-letter), crisis lines first. Audited as an export."""
    plan = _load(request, plan_uuid, audit=False)
    document, pages = render_pocket_pdf(
        "safety/plan_pdf.html", {"shown": rendered(plan), "patient": plan.patient}
    )
    audit_record(
        action=Action.EXPORT,
        request=request,
        patient=plan.patient,
        obj=plan,
        detail=break_glass_detail(
            request,
            plan.patient,
            {"kind": plan.kind, "number": plan.number, "format": "pdf", "pages": pages, "channel": "api"},
        ),
    )
    return pdf_response(
        document,
        f"{plan.get_kind_display()} {plan.patient.record_number} v{plan.number} {timezone.localdate():%Y-%m-%d}",
    )
