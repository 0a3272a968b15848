"""Scheduling through the API: the week's sessions, one session's attendance, cancelling a session, an
episode's weekly hours ledger, and the director's week plans (build, read, publish).

Each operation applies the policies of its web page: the same gate, then the same loader for the object
(`session_for_user`, `episode_ledger_for_user`, the program or plan of the caller), which checks the rules
with the object; unknown objects are 404, refused ones an audited 403, as for patients. Reads of PHI are
audited here as the pages audit them (with "channel": "api"); writes go through the scheduling services,
which audit each change.
"""

import datetime
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router
from ninja.errors import ValidationError as InputError
from ninja.responses import Status

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.selectors import BreakGlassRequired
from openiop.programs.models import Program
from openiop.scheduling import planning
from openiop.scheduling.models import Session, SessionStatus, WeekPlan, WeekPlanStatus
from openiop.scheduling.selectors import (
    ONE_WEEK,
    engagement_alerts_of,
    episode_ledger_for_user,
    ledger_for_episode,
    session_attendees,
    session_for_user,
    sessions_of_week,
    week_start_of,
)
from openiop.scheduling.services import attendance_minutes, attendance_record, session_cancel

from .patients import CHART_REFUSED
from .policy import api_policy
from .problems import CONFLICT_RESPONSES, PROBLEM_RESPONSES, ApiProblem
from .scheduling_schemas import (
    AttendanceIn,
    AttendanceRecordedOut,
    LedgerOut,
    PublishedOut,
    SessionCancelIn,
    SessionDetailOut,
    SessionOut,
    SessionWeekOut,
    WeekPlanBuildIn,
    WeekPlanOut,
    WeekPlanSummaryOut,
    WeekQuery,
)

router = Router(tags=["scheduling"])

# Sessions load through the pages' loader (`session_for_user`) with the pages' object permissions: those
# who lead the session (its clinicians, the group's facilitators) and its program's director.
RECORD = "scheduling.record_attendance"  # the attendance screen
CANCEL = "scheduling.cancel_session"  # the cancel page
NOT_RECORDABLE = "Attendance can be recorded from the day of the session until it is cancelled."


# --- loaders of week plans: the planning page's checks ------------------------------------------------------


def _program_to_plan(request, program_uuid: UUID) -> Program:
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.auth.has_perm("scheduling.plan_week", program):
        refuse(request, permission="scheduling.plan_week", obj=program)
    return program


def _plan_for_user(request, plan_uuid: UUID) -> WeekPlan:
    plan = get_object_or_404(
        WeekPlan.objects.select_related("program", "published_by__staff_profile"), uuid=plan_uuid
    )
    if not request.auth.has_perm("scheduling.plan_week", plan.program):
        refuse(request, permission="scheduling.plan_week", obj=plan)
    return plan


# --- sessions ----------------------------------------------------------------------------------------------


@router.get("/sessions", response={200: SessionWeekOut, **PROBLEM_RESPONSES}, url_name="session_list")
@api_policy("scheduling.view_sessions")
def session_list(request, query: Query[WeekQuery]):
    """The sessions of your programs in the week, by day and time, each with how many are booked and whether
    you may record its attendance. Same list as the web sessions page; no names of patients."""
    week_start = week_start_of(query.week or timezone.localdate())
    days = sessions_of_week(request.auth, week_start)
    items = []
    for day in days:
        for row in day.rows:
            row.session.may_record = row.may_record
            items.append(row.session)
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="scheduling.session",
        detail={"week": week_start.isoformat(), "sessions": len(items), "channel": "api"},
    )
    return {
        "week_start": week_start,
        "week_end": week_start + ONE_WEEK - datetime.timedelta(days=1),
        "items": items,
    }


def _recordable(session) -> bool:
    # As on the attendance screen: from the day of the session, while it is not cancelled.
    return session.status == SessionStatus.SCHEDULED and session.date <= timezone.localdate()


def _session_detail(request, session: Session) -> Session:
    """The session with everyone booked and their attendance, audited as the screen audits its view."""
    attendees = session_attendees(session)
    prefetch_related_objects(attendees, "recorded_by__staff_profile")
    audit_record(
        action=Action.VIEW,
        request=request,
        obj=session,
        detail={"page": "attendance", "attendees": len(attendees), "channel": "api"},
    )
    session.recordable = _recordable(session)
    session.booked_attendees = attendees
    return session


@router.get(
    "/sessions/{session_uuid}", response={200: SessionDetailOut, **PROBLEM_RESPONSES}, url_name="session"
)
@api_policy("scheduling.view_sessions")
def session_detail(request, session_uuid: UUID):
    """One session with everyone booked and their attendance: for those who lead it (its clinicians, the
    group's facilitators) and its program's director, as the web attendance screen."""
    return _session_detail(request, session_for_user(request, session_uuid, RECORD))


@router.post(
    "/sessions/{session_uuid}/attendance",
    response={200: AttendanceRecordedOut, **CONFLICT_RESPONSES},
    url_name="session_attendance",
)
@api_policy("scheduling.view_sessions")
def session_attendance(request, session_uuid: UUID, payload: AttendanceIn):
    """Record attendance of one or many people booked into the session (others stay as they are). All or
    nothing: any bad row answers 422 naming each bad row, and nothing is saved. Sending the same attendance
    again changes nothing. 409 before the day of the session or once it is cancelled."""
    session = session_for_user(request, session_uuid, RECORD)
    if not _recordable(session):
        raise ApiProblem(409, NOT_RECORDABLE)
    attendees = {attendee.episode.uuid: attendee for attendee in session_attendees(session)}
    length = session.minutes
    entries, errors, seen = [], [], set()
    for index, row in enumerate(payload.attendance):
        at = ("body", "attendance", index)
        attendee = attendees.get(row.episode)
        if attendee is None or row.episode in seen:
            message = "This person is not booked into this session." if attendee is None else "Listed twice."
            errors.append({"loc": (*at, "episode"), "msg": message, "type": "value_error"})
            continue
        seen.add(row.episode)
        try:
            # The rule the screen's rows use; the service applies it again, but its messages name the person.
            attendance_minutes(row.status, row.minutes_attended, length)
        except ValidationError as error:
            errors.append(
                {"loc": (*at, "minutes_attended"), "msg": " ".join(error.messages), "type": "value_error"}
            )
            continue
        entries.append((attendee, row.status, row.minutes_attended, row.note))
    if errors:
        raise InputError(errors)
    try:
        changed = attendance_record(session=session, entries=entries, by=request.auth, request=request)
    except ValidationError as error:
        # Only the session's state is left to refuse (it changed since it was loaded): its messages name
        # no one.
        raise ApiProblem(409, " ".join(error.messages)) from None
    return {"changed": len(changed), "session": _session_detail(request, session)}


@router.post(
    "/sessions/{session_uuid}/cancel",
    response={200: SessionOut, **CONFLICT_RESPONSES},
    url_name="session_cancel",
)
@api_policy("scheduling.view_sessions")
def session_cancel_operation(request, session_uuid: UUID, payload: SessionCancelIn):
    """Cancel the session: it and every booking in it become cancelled (0 minutes, not held against anyone).
    Cancelling a cancelled session changes nothing. 409 once attendance is recorded: it took place."""
    session = session_for_user(request, session_uuid, CANCEL)
    try:
        session = session_cancel(session=session, reason=payload.reason, by=request.auth, request=request)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise  # a field's error ("reason"): 422
        raise ApiProblem(409, " ".join(error.messages)) from None
    return session


# --- the weekly hours ledger -------------------------------------------------------------------------------


@router.get(
    "/episodes/{episode_uuid}/ledger",
    response={200: LedgerOut, **PROBLEM_RESPONSES},
    url_name="episode_ledger",
)
@api_policy("patients.list_patients")
def episode_ledger(request, episode_uuid: UUID):
    """The episode's weekly hours: scheduled, attended and target per week (newest first), and its
    engagement alerts. Needs the patient's chart, as the web ledger."""
    try:
        episode = episode_ledger_for_user(request, episode_uuid)  # audits the view
    except BreakGlassRequired as needed:
        try:
            refuse(request, permission="patients.view_chart", patient=needed.patient, obj=needed.patient)
        except PermissionDenied:
            raise ApiProblem(403, CHART_REFUSED) from None
    except PermissionDenied:
        raise ApiProblem(403, CHART_REFUSED) from None
    book = ledger_for_episode(episode, today=timezone.localdate())
    return {
        "episode_uuid": episode.uuid,
        "patient": episode.patient,
        "program": episode.program,
        "target_hours": episode.program.weekly_hours_target,
        "weeks": [
            {
                "week_start": week.week_start,
                "scheduled_minutes": week.scheduled_minutes,
                "attended_minutes": week.attended_minutes,
                "target_minutes": week.target_minutes,
                "closed_minutes": week.closed_minutes,
                "scheduled_hours": week.scheduled_hours,
                "attended_hours": week.attended_hours,
                "target_hours": week.target_hours,
                "sessions": week.sessions,
                "not_recorded": week.not_recorded,
                "ended": week.ended,
                "partial": week.partial,
                "under_target": week.under_target,
            }
            for week in reversed(book.weeks)
        ],
        "alerts": list(engagement_alerts_of(episode)),
    }


# --- week plans --------------------------------------------------------------------------------------------


@router.get(
    "/programs/{program_uuid}/week-plans",
    response={200: list[WeekPlanSummaryOut], **PROBLEM_RESPONSES},
    url_name="week_plan_list",
)
@api_policy("scheduling.plan")
def week_plan_list(request, program_uuid: UUID, query: Query[WeekQuery]):
    """The program's week plans, newest week first; with `week`, only that week's (none or one). Figures
    only, no names: GET /week-plans/{uuid} has the bookings. The program's director only."""
    program = _program_to_plan(request, program_uuid)
    plans = WeekPlan.objects.filter(program=program).select_related("program").order_by("-week_start")
    if query.week is not None:
        plans = plans.filter(week_start=week_start_of(query.week))
    plans = list(plans.annotate(booking_count=Count("bookings")))
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="scheduling.weekplan",
        detail={
            "program": str(program.uuid),
            "week": query.week.isoformat() if query.week else "",
            "shown": len(plans),
            "channel": "api",
        },
    )
    return plans


def _plan_detail(request, plan: WeekPlan) -> WeekPlan:
    # Fresh from the database: the build and publish services change the plan and its bookings.
    plan = WeekPlan.objects.select_related("program", "published_by__staff_profile").get(pk=plan.pk)
    audit_record(
        action=Action.VIEW,
        request=request,
        obj=plan,
        detail={"week": plan.week_start.isoformat(), "plan": True, "channel": "api"},
    )
    return plan


@router.post(
    "/programs/{program_uuid}/week-plans",
    response={200: WeekPlanOut, 201: WeekPlanOut, **PROBLEM_RESPONSES},
    url_name="week_plan_build",
)
@api_policy("scheduling.plan")
def week_plan_build(request, program_uuid: UUID, payload: WeekPlanBuildIn):
    """Plan the week with the optimizer: generates the week's group sessions if missing, solves, checks, and
    stores the week's draft (201), replacing an earlier draft or published plan of that week (200; it is a
    draft again until published). Takes up to the server's planning time limit (seconds)."""
    program = _program_to_plan(request, program_uuid)
    week_start = week_start_of(payload.week)
    existed = WeekPlan.objects.filter(program=program, week_start=week_start).exists()
    plan = planning.week_plan_build(
        program=program,
        week_start=week_start,
        by=request.auth,
        time_limit=settings.OPENIOP_PLANNING_TIME_LIMIT,
        request=request,
    )
    return Status(200 if existed else 201, _plan_detail(request, plan))


@router.get("/week-plans/{plan_uuid}", response={200: WeekPlanOut, **PROBLEM_RESPONSES}, url_name="week_plan")
@api_policy("scheduling.plan")
def week_plan_detail(request, plan_uuid: UUID):
    """One week plan: its report (solver status, objective, bound, gap, hard violations, why each patient
    below target is below it), each patient's planned hours, and every booking of the draft."""
    return _plan_detail(request, _plan_for_user(request, plan_uuid))


@router.post(
    "/week-plans/{plan_uuid}/publish",
    response={200: PublishedOut, **CONFLICT_RESPONSES},
    url_name="week_plan_publish",
)
@api_policy("scheduling.plan")
def week_plan_publish(request, plan_uuid: UUID):
    """Make the plan real: book everyone into their planned group sessions and create the individual
    sessions. Idempotent: publishing again changes nothing (`changed` 0). 409 while it has hard violations."""
    plan = _plan_for_user(request, plan_uuid)
    already = plan.status == WeekPlanStatus.PUBLISHED
    try:
        done = planning.week_plan_publish(plan=plan, by=request.auth, request=request)
    except ValidationError as error:
        raise ApiProblem(409, " ".join(error.messages)) from None
    plan.refresh_from_db()
    return {
        "already_published": already,
        "changed": done.changed,
        "booked": done.booked,
        "unbooked": done.unbooked,
        "created": done.created,
        "cancelled": done.cancelled,
        "plan": plan,
    }
