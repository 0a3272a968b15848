"""Treatment plans through the API: an episode's versions, one version with its content, starting and
saving drafts (optimistic revision check: a stale save answers 412), sending for signatures, signing, a new
version from the active plan, recording a review, and the diff between two versions.

Each operation applies the policies of the web pages: the same gate (`treatment.view_plans`), then the same
loaders (`episode_for_user`, `plan_for_user`) with the page's object permission; unknown objects are 404,
refused ones an audited 403. Break-the-glass is not available through the API. Reads are audited by the
loaders ("channel": "api"); writes by the services.
"""

import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError as InputError
from ninja.responses import Status

from openiop.accounts.models import User
from openiop.core.access import refuse
from openiop.patients.selectors import BreakGlassRequired
from openiop.treatment import content as core
from openiop.treatment.diff import diff_plans
from openiop.treatment.models import ReviewOutcome, SignatureRole, TreatmentPlan
from openiop.treatment.selectors import (
    episode_for_user,
    plan_content,
    plan_for_user,
    plan_tree,
    plan_versions,
    signatures_of,
)
from openiop.treatment.services import (
    PlanLocked,
    StaleRevision,
    plan_create,
    plan_draft_save,
    plan_new_version,
    plan_review_record,
    plan_sign,
    plan_submit,
)

from .policy import api_policy
from .problems import CONFLICT_RESPONSES, PROBLEM_RESPONSES, ApiProblem, Problem

router = Router(tags=["treatment"])

GATE = "treatment.view_plans"
PLAN_REFUSED = (
    "You may not open this patient's treatment plan: plans follow the care team. The attempt has been "
    "recorded. Break-the-glass (emergency) access is not available through the API."
)
SIGN_PERMISSIONS = {
    SignatureRole.CLINICIAN: "treatment.sign_as_clinician",
    SignatureRole.PHYSICIAN: "treatment.sign_as_physician",
    SignatureRole.PATIENT: "treatment.witness_patient_signature",
}


# --- schemas -------------------------------------------------------------------------------------------------


class StaffOut(Schema):
    uuid: UUID
    name: str


class ObjectiveBody(Schema):
    key: UUID | None = Field(None, description="Keep an objective's key across saves and versions.")
    text: str
    baseline: str = ""
    target: str
    target_date: datetime.date
    measure_instrument: str = Field("", description="Instrument code, e.g. PHQ-9.")
    measure_comparator: str = Field("", description="lt, lte, gte or gt.")
    measure_value: Decimal | None = None


class InterventionBody(Schema):
    key: UUID | None = None
    modality: str = Field(description=", ".join(core.MODALITIES))
    frequency: str
    responsible: UUID = Field(description="A clinician, psychiatrist or director of the program.")
    description: str = ""


class GoalBody(Schema):
    key: UUID | None = None
    text: str = Field(description="In the patient's own words.")
    objectives: list[ObjectiveBody] = []
    interventions: list[InterventionBody] = []


class ProblemBody(Schema):
    key: UUID | None = None
    icd10_code: str = Field("", description="Optional ICD-10-CM code, e.g. F33.1.")
    description: str
    evidenced_by: str = ""
    goals: list[GoalBody] = []


class TreatmentPlanDraftIn(Schema):
    revision: int = Field(description="The revision your edit started from (GET's `revision`).")
    responsible_clinician: UUID | None = None
    strengths: str = ""
    discharge_criteria: str = ""
    review_interval_days: int = 30
    problems: list[ProblemBody] = []


class ObjectiveOut(ObjectiveBody):
    uuid: UUID


class InterventionOut(Schema):
    uuid: UUID
    key: UUID
    modality: str
    frequency: str
    responsible: StaffOut
    description: str


class GoalOut(Schema):
    uuid: UUID
    key: UUID
    text: str
    objectives: list[ObjectiveOut]
    interventions: list[InterventionOut]


class ProblemOut(Schema):
    uuid: UUID
    key: UUID
    icd10_code: str
    description: str
    evidenced_by: str
    goals: list[GoalOut]


class SignatureOut(Schema):
    role: str
    method: str
    signed_name: str
    credentials: str
    signed_on: datetime.date
    signed_at: datetime.datetime
    witnessed_by: StaffOut | None = None


class PlanSummaryOut(Schema):
    uuid: UUID
    episode: UUID
    number: int
    status: str
    revision: int
    based_on: UUID | None
    responsible_clinician: StaffOut
    submitted_at: datetime.datetime | None
    activated_at: datetime.datetime | None
    superseded_at: datetime.datetime | None


class PlanOut(PlanSummaryOut):
    strengths: str
    discharge_criteria: str
    review_interval_days: int
    problems: list[ProblemOut]
    signatures: list[SignatureOut]


class TreatmentPlanSignIn(Schema):
    role: str = Field(description="clinician, physician or patient (in person, witnessed by you).")
    attested: bool = Field(description="You confirm the signature's statement.")
    signed_name: str = Field("", description="Patient only: their full name as typed when they signed.")
    signed_on: datetime.date | None = Field(None, description="Patient only: the date they signed.")


class ProgressIn(Schema):
    objective: UUID
    progress: str = Field(description="met, progressing, no_change or worse.")
    note: str = ""


class ReviewIn(Schema):
    reviewed_on: datetime.date
    summary: str = Field(description="What changed since the last review.")
    outcome: str = Field(description="continue or revise (revise starts a new draft version).")
    progress: list[ProgressIn]


class ReviewOut(Schema):
    uuid: UUID
    reason: str
    reviewed_on: datetime.date
    outcome: str
    summary: str
    resulting_plan: UUID | None


class PlanChangeOut(Schema):
    kind: str
    item: str
    where: list[str]
    summary: str
    field: str
    before: str
    after: str


class DiffOut(Schema):
    older: PlanSummaryOut
    newer: PlanSummaryOut
    changes: list[PlanChangeOut]


class DiffQuery(Schema):
    against: UUID | None = Field(None, description="Another version of the same episode; default: based_on.")


# --- output --------------------------------------------------------------------------------------------------


def _staff(user) -> dict | None:
    return {"uuid": user.uuid, "name": user.display_name} if user else None


def _summary(plan: TreatmentPlan) -> dict:
    return {
        "uuid": plan.uuid,
        "episode": plan.episode.uuid,
        "number": plan.number,
        "status": plan.status,
        "revision": plan.revision,
        "based_on": plan.based_on.uuid if plan.based_on_id else None,
        "responsible_clinician": _staff(plan.responsible_clinician),
        "submitted_at": plan.submitted_at,
        "activated_at": plan.activated_at,
        "superseded_at": plan.superseded_at,
    }


def _detail(plan: TreatmentPlan) -> dict:
    plan = TreatmentPlan.objects.select_related(
        "episode", "based_on", "responsible_clinician__staff_profile"
    ).get(pk=plan.pk)
    problems = [
        {
            "uuid": p.uuid,
            "key": p.key,
            "icd10_code": p.icd10_code,
            "description": p.description,
            "evidenced_by": p.evidenced_by,
            "goals": [
                {
                    "uuid": g.uuid,
                    "key": g.key,
                    "text": g.text,
                    "objectives": list(g.objectives.all()),
                    "interventions": [
                        {
                            "uuid": i.uuid,
                            "key": i.key,
                            "modality": i.modality,
                            "frequency": i.frequency,
                            "responsible": _staff(i.responsible),
                            "description": i.description,
                        }
                        for i in g.interventions.all()
                    ],
                }
                for g in p.goals.all()
            ],
        }
        for p in plan_tree(plan)
    ]
    signatures = [
        {
            "role": s.role,
            "method": s.method,
            "signed_name": s.signed_name,
            "credentials": s.credentials,
            "signed_on": s.signed_on,
            "signed_at": s.signed_at,
            "witnessed_by": _staff(s.witnessed_by),
        }
        for s in signatures_of(plan).values()
    ]
    return {
        **_summary(plan),
        "strengths": plan.strengths,
        "discharge_criteria": plan.discharge_criteria,
        "review_interval_days": plan.review_interval_days,
        "problems": problems,
        "signatures": signatures,
    }


# --- loaders -------------------------------------------------------------------------------------------------


def _refused(request, patient) -> ApiProblem:
    try:
        refuse(request, permission="treatment.view_plan", patient=patient, obj=patient)
    except PermissionDenied:
        pass
    return ApiProblem(403, PLAN_REFUSED)


def _episode(request, episode_uuid, permission="treatment.view_plan", audit=True):
    try:
        return episode_for_user(
            request, episode_uuid, permission=permission, audit=audit, detail={"channel": "api"}
        )
    except BreakGlassRequired as needed:
        raise _refused(request, needed.patient) from None
    except PermissionDenied:
        raise ApiProblem(403, PLAN_REFUSED) from None


def _plan(request, plan_uuid, permission="treatment.view_plan", audit=True):
    try:
        return plan_for_user(
            request, plan_uuid, permission=permission, audit=audit, detail={"channel": "api"}
        )
    except BreakGlassRequired as needed:
        raise _refused(request, needed.patient) from None
    except PermissionDenied:
        raise ApiProblem(403, PLAN_REFUSED) from None


def _input_error(error: ValidationError):
    """Service errors at dotted paths ("problems.0.goals.1.text") as 422 locations in the body."""
    if not hasattr(error, "error_dict"):
        return ApiProblem(409, " ".join(error.messages))
    errors = []
    for path, messages in error.message_dict.items():
        loc = ["body"] + (
            [] if path == "__all__" else [int(p) if p.isdigit() else p for p in path.split(".")]
        )
        errors += [{"loc": loc, "msg": message, "type": "value_error"} for message in messages]
    return InputError(errors)


# --- operations ----------------------------------------------------------------------------------------------


@router.get(
    "/episodes/{episode_uuid}/treatment-plans",
    response={200: list[PlanSummaryOut], **PROBLEM_RESPONSES},
    url_name="treatment_plan_list",
)
@api_policy(GATE)
def treatment_plan_list(request, episode_uuid: UUID):
    """The episode's plan versions, newest first. The care team and the program's director."""
    episode = _episode(request, episode_uuid)
    return [_summary(plan) for plan in plan_versions(episode)]


@router.post(
    "/episodes/{episode_uuid}/treatment-plans",
    response={201: PlanOut, **CONFLICT_RESPONSES},
    url_name="treatment_plan_create",
)
@api_policy(GATE)
def treatment_plan_create(request, episode_uuid: UUID):
    """Start the episode's plan as an empty draft (care team clinicians and psychiatrists). 409 when a
    version is already in progress or a plan is active (use POST /treatment-plans/{uuid}/versions)."""
    episode = _episode(request, episode_uuid, permission="treatment.write_plan", audit=False)
    try:
        plan = plan_create(episode=episode, by=request.user, request=request)
    except ValidationError as error:
        raise ApiProblem(409, " ".join(error.messages)) from None
    return Status(201, _detail(plan))


@router.get(
    "/treatment-plans/{plan_uuid}", response={200: PlanOut, **PROBLEM_RESPONSES}, url_name="treatment_plan"
)
@api_policy(GATE)
def treatment_plan_detail(request, plan_uuid: UUID):
    """One version with its content and signatures. `revision` is what a draft save sends back."""
    return _detail(_plan(request, plan_uuid))


@router.post(
    "/treatment-plans/{plan_uuid}/draft",
    response={200: PlanOut, **CONFLICT_RESPONSES, 412: Problem},
    url_name="treatment_plan_draft_save",
)
@api_policy(GATE)
def treatment_plan_draft_save(request, plan_uuid: UUID, payload: TreatmentPlanDraftIn):
    """Replace a draft's content. Send the `revision` you started from: if someone saved since, nothing is
    saved and the answer is 412 naming the current revision (GET the plan, merge, send again), as for notes
    and FHIR. 409 when the version is not a draft (an active plan is never changed: start a new version)."""
    plan = _plan(request, plan_uuid, permission="treatment.write_plan", audit=False)
    responsible = None
    if payload.responsible_clinician is not None:
        responsible = get_object_or_404(User, uuid=payload.responsible_clinician)
    content = core.from_dict(_content_dict(payload))
    try:
        saved = plan_draft_save(
            plan=plan,
            content=content,
            revision=payload.revision,
            by=request.user,
            responsible_clinician=responsible,
            request=request,
        )
    except PlanLocked as locked:
        raise ApiProblem(409, locked.message, title="Not a draft") from None
    except StaleRevision as stale:
        raise ApiProblem(
            412,
            f"Stale revision: you sent {stale.started_from}, the draft is at {stale.current_revision} "
            f"({len(stale.changes)} changes since). Nothing was saved.",
            title="Edit conflict",
        ) from None
    except ValidationError as error:
        raise _input_error(error) from None
    return _detail(saved)


def _content_dict(payload: TreatmentPlanDraftIn) -> dict:
    import uuid

    def key(value):
        return str(value) if value else str(uuid.uuid4())

    data = payload.dict()
    for problem in data["problems"]:
        problem["key"] = key(problem["key"])
        for goal in problem["goals"]:
            goal["key"] = key(goal["key"])
            for objective in goal["objectives"]:
                objective["key"] = key(objective["key"])
                objective["target_date"] = objective["target_date"].isoformat()
            for intervention in goal["interventions"]:
                intervention["key"] = key(intervention["key"])
                intervention["responsible"] = str(intervention["responsible"])
    return data


@router.post(
    "/treatment-plans/{plan_uuid}/submit",
    response={200: PlanOut, **CONFLICT_RESPONSES},
    url_name="treatment_plan_submit",
)
@api_policy(GATE)
def treatment_plan_submit(request, plan_uuid: UUID):
    """Send a complete draft for signatures (422 names what is missing; 409 if not a draft)."""
    plan = _plan(request, plan_uuid, permission="treatment.write_plan", audit=False)
    try:
        plan = plan_submit(plan=plan, by=request.user, request=request)
    except PlanLocked as locked:
        raise ApiProblem(409, locked.message) from None
    except ValidationError as error:
        raise _input_error(error) from None
    return _detail(plan)


@router.post(
    "/treatment-plans/{plan_uuid}/signatures",
    response={201: PlanOut, **CONFLICT_RESPONSES},
    url_name="treatment_plan_sign",
)
@api_policy(GATE)
def treatment_plan_sign(request, plan_uuid: UUID, payload: TreatmentPlanSignIn):
    """Sign a version awaiting signatures: as its responsible clinician, as the physician, or record the
    patient's in-person signature as its witness. The last signature activates the version."""
    plan = _plan(request, plan_uuid, audit=False)
    permission = SIGN_PERMISSIONS.get(payload.role)
    if permission is None:
        raise InputError(
            [{"loc": ["body", "role"], "msg": "clinician, physician or patient", "type": "value_error"}]
        )
    if not request.user.has_perm(permission, plan):
        refuse(request, permission=permission, patient=plan.episode.patient, obj=plan)
    try:
        plan_sign(
            plan=plan,
            role=payload.role,
            by=request.user,
            signed_name=payload.signed_name,
            signed_on=payload.signed_on,
            attested=payload.attested,
            request=request,
        )
    except PlanLocked as locked:
        raise ApiProblem(409, locked.message) from None
    except ValidationError as error:
        raise _input_error(error) from None
    return Status(201, _detail(plan))


@router.post(
    "/treatment-plans/{plan_uuid}/versions",
    response={201: PlanOut, **CONFLICT_RESPONSES},
    url_name="treatment_plan_new_version",
)
@api_policy(GATE)
def treatment_plan_new_version(request, plan_uuid: UUID):
    """Start a new draft version copied from the active plan: the only way to change a signed plan."""
    plan = _plan(request, plan_uuid, permission="treatment.write_plan", audit=False)
    try:
        draft = plan_new_version(plan=plan, by=request.user, request=request)
    except PlanLocked as locked:
        raise ApiProblem(409, locked.message) from None
    except ValidationError as error:
        raise ApiProblem(409, " ".join(error.messages)) from None
    return Status(201, _detail(draft))


@router.post(
    "/treatment-plans/{plan_uuid}/reviews",
    response={201: ReviewOut, **CONFLICT_RESPONSES},
    url_name="treatment_plan_review",
)
@api_policy(GATE)
def treatment_plan_review(request, plan_uuid: UUID, payload: ReviewIn):
    """Review the active plan: progress on every objective, what changed, continue or revise."""
    plan = _plan(request, plan_uuid, permission="treatment.write_plan", audit=False)
    if payload.outcome not in ReviewOutcome.values:
        raise InputError([{"loc": ["body", "outcome"], "msg": "continue or revise", "type": "value_error"}])
    try:
        review = plan_review_record(
            plan=plan,
            by=request.user,
            reviewed_on=payload.reviewed_on,
            progress={str(p.objective): (p.progress, p.note) for p in payload.progress},
            summary=payload.summary,
            outcome=payload.outcome,
            request=request,
        )
    except PlanLocked as locked:
        raise ApiProblem(409, locked.message) from None
    except ValidationError as error:
        raise _input_error(error) from None
    return Status(
        201,
        {
            "uuid": review.uuid,
            "reason": review.reason,
            "reviewed_on": review.reviewed_on,
            "outcome": review.outcome,
            "summary": review.summary,
            "resulting_plan": review.resulting_plan.uuid if review.resulting_plan_id else None,
        },
    )


@router.get(
    "/treatment-plans/{plan_uuid}/diff",
    response={200: DiffOut, **CONFLICT_RESPONSES},
    url_name="treatment_plan_diff",
)
@api_policy(GATE)
def treatment_plan_diff(request, plan_uuid: UUID, query: Query[DiffQuery]):
    """What changed between this version and another of the same episode (default: the one it is based on).
    409 for a first version compared with nothing."""
    plan = _plan(request, plan_uuid)
    against_uuid = query.against or (plan.based_on.uuid if plan.based_on_id else None)
    if against_uuid is None:
        raise ApiProblem(409, "This is the first version: name another version with `against`.")
    against = get_object_or_404(
        TreatmentPlan.objects.select_related("episode", "based_on"), uuid=against_uuid, episode=plan.episode
    )
    older, newer = sorted([against, plan], key=lambda p: p.number)
    changes = diff_plans(plan_content(older), plan_content(newer))
    return {
        "older": _summary(older),
        "newer": _summary(newer),
        "changes": [
            {
                "kind": c.kind,
                "item": c.item,
                "where": list(c.where),
                "summary": c.summary,
                "field": c.field,
                "before": c.before,
                "after": c.after,
            }
            for c in changes
        ],
    }
