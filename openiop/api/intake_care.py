"""Level-of-care assessments, episodes (admission, waitlist, changes of level, certification), the waitlist
and due items through the API.

Each operation applies the policies of its web page: the same gate, then the same loader for the object
(`patient_for_user`, `episode_for_user`, the assessment loader), which checks the rules with the object
and writes the audit event. Writes go through the intake services.
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.intake.models import LevelOfCareAssessment, Referral
from openiop.intake.rubric_registry import all_rubrics, current_rubrics, get_rubric
from openiop.intake.selectors_admissions import (
    episode_for_user,
    open_due_items_of_program,
    program_clinicians,
    program_psychiatrists,
    tracks_with_census,
)

# The assessment page's loader: chart readers, intake staff of its referral, and its author.
from openiop.intake.selectors_assessments import assessment_for_user
from openiop.intake.services.admissions import (
    certification_record,
    episode_admit,
    level_transition_record,
    waitlist_add,
    waitlist_for_program,
)
from openiop.intake.services.assessments import assessment_record
from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.patients.selectors import BreakGlassRequired, patient_for_user
from openiop.programs.models import Program

from .intake_schemas import (
    AdmissionIn,
    AssessmentIn,
    AssessmentOut,
    CertificationIn,
    CertificationOut,
    DueItemsOut,
    EpisodeDetailOut,
    LevelTransitionIn,
    LevelTransitionOut,
    ProgramQuery,
    RubricOut,
    WaitlistIn,
    WaitlistOut,
    WaitlistRowOut,
)
from .patients import CHART_REFUSED
from .policy import TOKEN_HOLDER, api_policy
from .problems import CONFLICT_RESPONSES, PROBLEM_RESPONSES, ApiProblem

router = Router(tags=["intake"])

ADMITTABLE = (EpisodeStatus.REFERRAL, EpisodeStatus.WAITLIST)
TRACK_NOT_OFFERED = "Choose an open track of the episode's program."
_ASSESSMENT_RELATED = ("patient", "referral", "episode", "assessed_by__staff_profile")


# --- loaders: the web's, with the API's answers for refusals --------------------------------------------


def _chart_refused(request, patient, obj):
    """Break-the-glass is web-only: record the refusal and answer with a 403 that says so."""
    try:
        refuse(request, permission="patients.view_chart", patient=patient, obj=obj)
    except PermissionDenied:
        raise ApiProblem(403, CHART_REFUSED) from None


def _chart_patient(request, patient_uuid):
    try:
        return patient_for_user(request, patient_uuid)
    except BreakGlassRequired as needed:
        _chart_refused(request, needed.patient, needed.patient)
    except PermissionDenied:
        raise ApiProblem(403, CHART_REFUSED) from None


def _episode_to_read(request, episode_uuid):
    # Reading an episode is reading the chart: clinical staff who may open the patient's chart.
    try:
        return episode_for_user(request, episode_uuid, "patients.list_patients")
    except PermissionDenied:
        raise ApiProblem(403, CHART_REFUSED) from None


def _program_for_user(request, program_uuid: UUID, permission: str) -> Program:
    """The program of a list, or stop: 404 if unknown, 403 (audited) if not the caller's."""
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.auth.has_perm(permission, program):
        refuse(request, permission=permission, obj=program)
    return program


def _pick(**choices) -> dict:
    """For each field, the row of its queryset with the given uuid (the choices the page offers), or None
    when no uuid was given. Every uuid that is not among its choices is named in one 422.

    `choices`: field name -> (queryset, uuid or None, message when not found).
    """
    found, errors = {}, {}
    for field, (queryset, uuid, message) in choices.items():
        found[field] = queryset.filter(uuid=uuid).first() if uuid is not None else None
        if uuid is not None and found[field] is None:
            errors[field] = message
    if errors:
        raise ValidationError(errors)
    return found


def _require_status(episode, allowed, message: str) -> None:
    if episode.status not in allowed:
        raise ApiProblem(409, message)


def _episode_detail(episode):
    # The detail reads the care team, items and entry written by the service: load them afresh.
    return EpisodeOfCare.objects.select_related("patient", "program", "track").get(pk=episode.pk)


# --- rubrics and assessments ------------------------------------------------------------------------------


@router.get("/rubrics", response={200: list[RubricOut], **PROBLEM_RESPONSES}, url_name="rubric_list")
@api_policy(TOKEN_HOLDER)
def rubric_list(request):
    """Every loaded level-of-care rubric and version: dimensions with their anchors, and the levels.
    No patient data. New assessments use the `current` version of a rubric."""
    current = {(rubric.id, rubric.version) for rubric in current_rubrics()}
    return [
        {
            "id": rubric.id,
            "version": rubric.version,
            "title": rubric.title,
            "licence": rubric.licence,
            "source": rubric.source,
            "scale_min": rubric.scale_min,
            "scale_max": rubric.scale_max,
            "current": (rubric.id, rubric.version) in current,
            "levels": rubric.levels,
            "dimensions": rubric.dimensions,
        }
        for rubric in all_rubrics()
    ]


@router.get(
    "/patients/{patient_uuid}/assessments",
    response={200: list[AssessmentOut], **PROBLEM_RESPONSES},
    url_name="patient_assessments",
)
@api_policy("patients.list_patients")
def assessment_list(request, patient_uuid: UUID):
    """The patient's level-of-care assessments, newest first. Needs the chart (care team, program lead)."""
    patient = _chart_patient(request, patient_uuid)
    return list(LevelOfCareAssessment.objects.filter(patient=patient).select_related(*_ASSESSMENT_RELATED))


@router.post(
    "/patients/{patient_uuid}/assessments",
    response={201: AssessmentOut, **PROBLEM_RESPONSES},
    url_name="assessment_create",
)
@api_policy("intake.assess")
def assessment_create(request, patient_uuid: UUID, payload: AssessmentIn):
    """Record and sign an assessment. The server computes the recommendation and its reasons from the
    ratings; a determined level that differs needs `override_reason` (422 naming it otherwise). A linked
    referral that is not yet assessed moves to `assessed`."""
    # Object check without a VIEW event: the service writes the CREATE event.
    patient = patient_for_user(request, patient_uuid, permission="intake.assess_patient", audit=False)
    try:
        rubric = get_rubric(payload.rubric_id)
    except LookupError:
        raise ValidationError({"rubric_id": "No such rubric: GET /rubrics lists them."}) from None
    referral = _pick(
        referral=(
            Referral.objects.filter(patient=patient),
            payload.referral,
            "No referral linked to this patient has this id.",
        )
    )["referral"]
    assessment = assessment_record(
        patient=patient,
        by=request.auth,
        rubric=rubric,
        referral=referral,
        ratings=payload.ratings,
        determined_level=payload.determined_level,
        override_reason=payload.override_reason,
        notes=payload.notes,
        assessed_on=payload.assessed_on,
        request=request,
    )
    return Status(
        201, LevelOfCareAssessment.objects.select_related(*_ASSESSMENT_RELATED).get(pk=assessment.pk)
    )


@router.get(
    "/assessments/{assessment_uuid}",
    response={200: AssessmentOut, **PROBLEM_RESPONSES},
    url_name="assessment",
)
@api_policy("patients.list_patients")
def assessment_detail(request, assessment_uuid: UUID):
    """One signed assessment: for chart readers, intake staff of its referral, and its author."""
    try:
        return assessment_for_user(request, assessment_uuid)
    except BreakGlassRequired as needed:
        _chart_refused(request, needed.patient, needed.patient)
    except PermissionDenied:
        raise ApiProblem(403, CHART_REFUSED) from None


# --- episodes ---------------------------------------------------------------------------------------------


@router.get(
    "/episodes/{episode_uuid}", response={200: EpisodeDetailOut, **PROBLEM_RESPONSES}, url_name="episode"
)
@api_policy("patients.list_patients")
def episode_detail(request, episode_uuid: UUID):
    """An episode of care: status, program, track, dates, care team, due items, certifications, changes of
    level and waitlist entry. Needs the patient's chart."""
    return _episode_to_read(request, episode_uuid)


@router.post(
    "/episodes/{episode_uuid}/admission",
    response={200: EpisodeDetailOut, **CONFLICT_RESPONSES},
    url_name="episode_admission",
)
@api_policy("intake.work_referrals")
def episode_admission(request, episode_uuid: UUID, payload: AdmissionIn):
    """Admit an assessed referral or waitlisted person to a track: the episode becomes active with its care
    team and due items. A full track answers 422 on `track` (use the waitlist); 409 if not admittable."""
    episode = episode_for_user(request, episode_uuid, "intake.admit")
    _require_status(episode, ADMITTABLE, "Only a referral or a waitlisted person can be admitted.")
    program = episode.program
    chosen = _pick(
        track=(tracks_with_census(program), payload.track, TRACK_NOT_OFFERED),
        primary_clinician=(
            program_clinicians(program),
            payload.primary_clinician,
            "The primary clinician must be a clinician or psychiatrist of this program.",
        ),
        psychiatrist=(
            program_psychiatrists(program),
            payload.psychiatrist,
            "Choose a psychiatrist of this program.",
        ),
    )
    episode = episode_admit(
        episode=episode,
        by=request.auth,
        request=request,
        admitted_on=payload.admitted_on,
        **chosen,
        stepping_down_from=payload.stepping_down_from,
        from_setting=payload.from_setting,
        transition_reason=payload.transition_reason,
    )
    return _episode_detail(episode)


@router.post(
    "/episodes/{episode_uuid}/waitlist",
    response={201: WaitlistRowOut, **CONFLICT_RESPONSES},
    url_name="episode_waitlist",
)
@api_policy("intake.work_referrals")
def episode_waitlist(request, episode_uuid: UUID, payload: WaitlistIn):
    """Put an assessed referral on the program's waitlist, or change their entry (keeping their place).
    Answers with their position and expected start; 409 if the episode is neither referred nor waiting."""
    # Waitlisting is a step of admission: those who may admit to the program may waitlist for it.
    episode = episode_for_user(request, episode_uuid, "intake.admit")
    _require_status(episode, ADMITTABLE, "Only a referral or a waitlisted person can be waitlisted.")
    entry = waitlist_add(
        episode=episode,
        by=request.auth,
        request=request,
        track=_pick(track=(tracks_with_census(episode.program), payload.track, TRACK_NOT_OFFERED))["track"],
        urgency=payload.urgency,
        stepping_down_from=payload.stepping_down_from,
        note=payload.note,
    )
    today = timezone.localdate()
    for row_entry, position, start in waitlist_for_program(episode.program, today=today):
        if row_entry.pk == entry.pk:
            return Status(201, _waitlist_row(row_entry, position, start, today))
    raise AssertionError("a waitlisted episode is on its program's waitlist")


@router.post(
    "/episodes/{episode_uuid}/transitions",
    response={201: LevelTransitionOut, **CONFLICT_RESPONSES},
    url_name="episode_transition",
)
@api_policy("patients.list_patients")
def episode_transition(request, episode_uuid: UUID, payload: LevelTransitionIn):
    """Record a change of level of care. Leaving IOP for another level discharges the episode on that day;
    409 if the episode has already ended."""
    episode = episode_for_user(request, episode_uuid, "intake.record_transition")
    _require_status(
        episode,
        set(EpisodeStatus.values) - {EpisodeStatus.DISCHARGED},
        "This episode has ended: no change of level can be recorded on it.",
    )
    transition = level_transition_record(episode=episode, by=request.auth, request=request, **payload.dict())
    return Status(201, transition)


@router.post(
    "/episodes/{episode_uuid}/certifications",
    response={201: CertificationOut, **CONFLICT_RESPONSES},
    url_name="episode_certification",
)
@api_policy("intake.certify")
def episode_certification(request, episode_uuid: UUID, payload: CertificationIn):
    """A psychiatrist of the program certifies the need for IOP care: completes the open certification item
    and schedules the recertification. 409 unless the episode is active."""
    episode = episode_for_user(request, episode_uuid, "intake.certify_episode")
    _require_status(episode, (EpisodeStatus.ACTIVE,), "Only an active episode can be certified.")
    certification = certification_record(episode=episode, by=request.auth, request=request, **payload.dict())
    return Status(201, certification)


# --- program lists ----------------------------------------------------------------------------------------


def _waitlist_row(entry, position, start, today) -> dict:
    return {
        "position": position,
        "expected_start": start,
        "days_waiting": (today - entry.added_on).days,
        "episode_uuid": entry.episode.uuid,
        "patient": entry.episode.patient,
        "entry": entry,
    }


@router.get("/waitlist", response={200: WaitlistOut, **PROBLEM_RESPONSES}, url_name="waitlist")
@api_policy("intake.work_referrals")
def waitlist(request, query: Query[ProgramQuery]):
    """The program's waitlist in priority order (stepping down first, then urgency, then date added), each
    with an expected start: an estimate, recomputed on every request."""
    program = _program_for_user(request, query.program, "intake.manage_waitlist")
    today = timezone.localdate()
    rows = waitlist_for_program(program, today=today)
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="intake.waitlistentry",
        detail={"program": str(program.uuid), "shown": len(rows), "channel": "api"},
    )
    return {"program": program, "items": [_waitlist_row(*row, today) for row in rows]}


@router.get("/due-items", response={200: DueItemsOut, **PROBLEM_RESPONSES}, url_name="due_items")
@api_policy("intake.work_referrals")
def due_items(request, query: Query[ProgramQuery]):
    """Open due items of the program's active episodes, soonest (so overdue) first."""
    program = _program_for_user(request, query.program, "intake.view_program_due")
    today = timezone.localdate()
    items = list(open_due_items_of_program(program).select_related("completed_by__staff_profile"))
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="intake.dueitem",
        detail={"program": str(program.uuid), "shown": len(items), "channel": "api"},
    )
    return {
        "program": program,
        "items": [
            {
                "uuid": item.uuid,
                "kind": item.kind,
                "due_on": item.due_on,
                "owner": item.owner,
                "completed_at": item.completed_at,
                "completed_by": item.completed_by,
                "note": item.note,
                "overdue": item.due_on < today,
                "episode_uuid": item.episode.uuid,
                "patient": item.episode.patient,
            }
            for item in items
        ],
    }
