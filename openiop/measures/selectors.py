"""Reads of administrations, due questionnaires, urgent alerts and cover (on call, away).

Loaders (`*_for_user`) check the rules with the object, raise BreakGlassRequired where reading follows the
chart, and write the one audit event of the read. Trajectories and outcomes are read elsewhere
(trajectory*.py, outcomes*.py).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from openiop.accounts.models import Role, User
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus, Patient
from openiop.patients.selectors import BreakGlassRequired, open_break_glass
from openiop.programs.models import Program

from . import due as due_core
from .models import Administration, AlertStatus, MeasureAlert, MeasureSchedule, Occasion, OnCall, StaffAbsence
from .registry import current_instruments, get_instrument

VIEW = "measures.view_patient"
ENTER = "measures.enter_patient"


def break_glass_detail(request, patient, detail: dict | None = None) -> dict:
    access = open_break_glass(request.user, patient)
    extra = {"break_glass": str(access.uuid)} if access else {}
    return {**(detail or {}), **extra}


def _authorize_patient(request, patient: Patient, *, write: bool, obj=None) -> None:
    user = request.user
    permission = ENTER if write else VIEW
    if user.has_perm(permission, patient):
        return
    if not write and user.has_perm("patients.break_glass", patient):
        raise BreakGlassRequired(patient)
    refuse(request, permission=permission, patient=patient, obj=obj or patient)


def patient_for_measures(
    request, patient_uuid, *, write: bool = False, action=Action.VIEW, audit: bool = True, detail=None
) -> Patient:
    """The patient whose questionnaires the user reads (or enters): 404, BreakGlassRequired or 403."""
    patient = get_object_or_404(Patient, uuid=patient_uuid)
    _authorize_patient(request, patient, write=write)
    if audit:
        audit_record(
            action=action,
            request=request,
            patient=patient,
            obj=patient,
            detail=break_glass_detail(request, patient, detail),
        )
    return patient


def administration_for_user(
    request, administration_uuid, *, mark_in_error: bool = False, audit: bool = True, detail=None
) -> Administration:
    """One administration the user may read (or mark entered in error), audited as a VIEW of it."""
    administration = get_object_or_404(
        Administration.objects.select_related(
            "patient",
            "episode__program",
            "created_by__staff_profile",
            "entered_in_error_by__staff_profile",
            "review_task",
        ),
        uuid=administration_uuid,
    )
    if mark_in_error:
        if not request.user.has_perm("measures.mark_in_error", administration):
            refuse(
                request,
                permission="measures.mark_in_error",
                patient=administration.patient,
                obj=administration,
            )
    else:
        _authorize_patient(request, administration.patient, write=False, obj=administration)
    if audit:
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=administration.patient,
            obj=administration,
            detail={
                "instrument": administration.instrument_code,
                **break_glass_detail(request, administration.patient, detail),
            },
        )
    return administration


def alert_for_user(
    request, alert_uuid, *, close: bool = False, audit: bool = True, detail=None
) -> MeasureAlert:
    """One urgent alert the user may read (or close). Outside the team and not assigned: break the glass."""
    alert = get_object_or_404(
        # With the staff profiles of those the page names with credentials (`display_name`).
        MeasureAlert.objects.select_related(
            "patient",
            "administration__episode__program",
            "assigned_to__staff_profile",
            "closed_by__staff_profile",
            "task",
            "primary_task__assigned_to__staff_profile",
        ),
        uuid=alert_uuid,
    )
    permission = "measures.close_alert" if close else "measures.view_alert"
    if not request.user.has_perm(permission, alert):
        if not close and request.user.has_perm("patients.break_glass", alert.patient):
            raise BreakGlassRequired(alert.patient)
        refuse(request, permission=permission, patient=alert.patient, obj=alert)
    if audit:
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=alert.patient,
            obj=alert,
            detail=break_glass_detail(request, alert.patient, detail),
        )
    return alert


def program_for_director(request, program_uuid, *, audit: bool = True, detail=None) -> Program:
    """A program whose schedules and cover the user (its director) manages; 403 otherwise."""
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm("measures.manage_program_measures", program):
        refuse(request, permission="measures.manage_program_measures", obj=program)
    if audit:
        audit_record(action=Action.VIEW, request=request, obj=program, detail=detail or {})
    return program


# --- administrations ---------------------------------------------------------------------------------------


def patient_administrations(patient: Patient) -> list[Administration]:
    """Every administration of the patient, newest first, those entered in error included (marked)."""
    return list(
        Administration.objects.filter(patient=patient)
        .select_related("episode__program", "created_by__staff_profile", "entered_in_error_by__staff_profile")
        .prefetch_related("alerts")
        .order_by("-completed_on", "-created_at")
    )


def recent_administrations(patient: Patient, limit: int = 5) -> list[Administration]:
    """The patient's latest `limit` administrations, newest first, those entered in error included (the
    chart's "Latest" card). Limited in SQL and without relations: the card shows only the row's own fields."""
    return list(
        Administration.objects.filter(patient=patient).order_by("-completed_on", "-created_at")[:limit]
    )


def instrument_title(code: str, language: str = "en") -> str:
    try:
        instrument = get_instrument(code)
    except LookupError:
        return code
    return instrument.title.get(language) or instrument.title[instrument.default_language]


# --- due questionnaires ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueQuestionnaire:
    episode: EpisodeOfCare
    instrument_code: str
    title: str
    occasion: str
    due_on: datetime.date
    overdue: bool
    missed: int

    @property
    def occasion_label(self) -> str:
        return Occasion(self.occasion).label


def _rules_by_program(program_ids: Iterable[int]) -> dict[int, list[due_core.ScheduleRule]]:
    known = {instrument.code for instrument in current_instruments()}
    rules = defaultdict(list)
    for schedule in MeasureSchedule.objects.filter(program_id__in=set(program_ids), active=True):
        if schedule.instrument_code in known:  # an instrument removed from the library is not asked
            rules[schedule.program_id].append(
                due_core.ScheduleRule(schedule.instrument_code, schedule.occasion, schedule.weekday)
            )
    return rules


def due_for_episodes(episodes: Iterable[EpisodeOfCare], today: datetime.date) -> list[DueQuestionnaire]:
    """Due and overdue questionnaires of several episodes in three queries, earliest first."""
    episodes = [e for e in episodes if e.admitted_on is not None]
    if not episodes:
        return []
    rules = _rules_by_program(e.program_id for e in episodes)
    completions: dict[int, dict[str, list[datetime.date]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        Administration.objects.in_use()
        .filter(episode__in=episodes)
        # Not the model's ordering, which starts with the patient and so joins and sorts by their name:
        # within an episode and instrument the days come in the same order.
        .order_by("completed_on", "created_at")
        .values_list("episode_id", "instrument_code", "completed_on")
    )
    for episode_id, code, day in rows:
        completions[episode_id][code].append(day)
    # A discharge being planned (openiop.discharge) makes the discharge questionnaires due in the last week.
    planned = dict(
        EpisodeOfCare.objects.filter(pk__in=[e.pk for e in episodes], discharge__status="open").values_list(
            "pk", "discharge__planned_on"
        )
    )
    found = []
    for episode in episodes:
        dates = due_core.EpisodeDates(
            admitted_on=episode.admitted_on,
            discharged_on=episode.discharged_on,
            active=episode.status == EpisodeStatus.ACTIVE,
            baseline_days=episode.program.baseline_measures_due_days,
            planned_discharge_on=planned.get(episode.pk),
        )
        for item in due_core.due_items(
            rules.get(episode.program_id, []), dates, completions[episode.id], today
        ):
            found.append(
                DueQuestionnaire(
                    episode=episode,
                    instrument_code=item.instrument_code,
                    title=instrument_title(item.instrument_code),
                    occasion=item.occasion,
                    due_on=item.due_on,
                    overdue=item.overdue,
                    missed=item.missed,
                )
            )
    return sorted(found, key=lambda d: (d.due_on, d.episode.patient_id, d.instrument_code))


def due_questionnaires(episode: EpisodeOfCare | None, today: datetime.date) -> list[DueQuestionnaire]:
    """The questionnaires `episode` has due or overdue on `today` (staff pages now, the portal later)."""
    if episode is None:
        return []
    return due_for_episodes([episode], today)


def caseload_due(user, today: datetime.date) -> list[DueQuestionnaire]:
    """Due and overdue questionnaires of the episodes where `user` is the primary clinician (active, or
    discharged recently enough for the discharge questionnaire)."""
    since = today - datetime.timedelta(days=due_core.DISCHARGE_FOLLOW_UP_DAYS)
    episodes = (
        EpisodeOfCare.objects.filter(
            care_team_members__user=user, care_team_members__role=CareTeamRole.PRIMARY_CLINICIAN
        )
        .filter(Q(status=EpisodeStatus.ACTIVE) | Q(status=EpisodeStatus.DISCHARGED, discharged_on__gte=since))
        .select_related("patient", "program")
        .distinct()
    )
    return due_for_episodes(episodes, today)


# --- alerts ------------------------------------------------------------------------------------------------


def open_alerts_of(patient: Patient) -> list[MeasureAlert]:
    return list(
        MeasureAlert.objects.filter(patient=patient, status=AlertStatus.OPEN)
        # The page names the assignee with credentials (display_name): their profile comes in the same query.
        .select_related("administration", "assigned_to__staff_profile")
        .order_by("created_at")
    )


def alerts_for_user(user, *, status: str = AlertStatus.OPEN) -> QuerySet[MeasureAlert]:
    """Alerts the user works: assigned to them, on their care teams' patients, or (directors) in their
    programs. `status`: "open", "closed" or "" for both."""
    scope = Q(assigned_to=user) | Q(patient__episodes__care_team_members__user=user)
    if user.role == Role.PROGRAM_DIRECTOR:
        scope |= Q(patient__episodes__program__staff_profiles__user=user)
    related = ["patient", "administration", "assigned_to__staff_profile"]
    if status != AlertStatus.OPEN:  # an open alert has nobody who closed it: no join for my day's panel
        related.append("closed_by__staff_profile")
    alerts = MeasureAlert.objects.filter(
        pk__in=MeasureAlert.objects.filter(scope).values("pk")
    ).select_related(*related)
    if status:
        alerts = alerts.filter(status=status)
    return alerts.order_by("status", "-created_at")


# --- cover: who acts on an urgent alert today --------------------------------------------------------------


def is_away(user, day: datetime.date) -> bool:
    return StaffAbsence.objects.filter(user=user, starts_on__lte=day, ends_on__gte=day).exists()


def primary_clinician_of(episode: EpisodeOfCare):
    member = (
        CareTeamMember.objects.filter(episode=episode, role=CareTeamRole.PRIMARY_CLINICIAN)
        .select_related("user")
        .first()
    )
    return member.user if member else None


def on_call_for(program: Program, day: datetime.date):
    entry = OnCall.objects.filter(program=program, day=day).select_related("clinician").first()
    return entry.clinician if entry else None


def directors_of(program: Program) -> QuerySet[User]:
    return User.objects.filter(
        role=Role.PROGRAM_DIRECTOR, staff_profile__programs=program, is_active=True
    ).order_by("pk")


@dataclass(frozen=True)
class Responder:
    """Who acts on an urgent alert today and why: the primary clinician, or who covers for them."""

    primary: User | None
    assignee: User | None
    reason: str  # "primary", "on_call" or "director"; "none" when nobody can be found


def responder_for(episode: EpisodeOfCare, day: datetime.date) -> Responder:
    """The primary clinician; when they are away (or there is none), the program's on-call clinician that
    day; when nobody is on call (or they are away too), the program's director who is not away (the first
    director at all when every one is away: an urgent alert always lands on someone's list)."""
    primary = primary_clinician_of(episode)
    if primary is not None and primary.is_active and not is_away(primary, day):
        return Responder(primary, primary, "primary")
    on_call = on_call_for(episode.program, day)
    if on_call is not None and on_call.is_active and not is_away(on_call, day):
        return Responder(primary, on_call, "on_call")
    directors = list(directors_of(episode.program))
    present = [d for d in directors if not is_away(d, day)]
    chosen = (present or directors or [None])[0]
    return Responder(primary, chosen, "director" if chosen else "none")


@dataclass(frozen=True)
class CoverDay:
    day: datetime.date
    on_call: OnCall | None
    away: list[StaffAbsence]


def program_staff(program: Program) -> QuerySet[User]:
    """The program's clinical staff, who may be put on call or recorded as away."""
    return (
        User.objects.filter(
            staff_profile__programs=program,
            is_active=True,
            role__in=[Role.CLINICIAN, Role.PSYCHIATRIST, Role.PROGRAM_DIRECTOR],
        )
        .select_related("staff_profile")
        .order_by("last_name", "first_name")
    )


def program_cover(program: Program, start: datetime.date, days: int = 14) -> list[CoverDay]:
    """Each day from `start`: who is on call and which of the program's staff are away."""
    end = start + datetime.timedelta(days=days - 1)
    on_call = {
        entry.day: entry
        for entry in OnCall.objects.filter(program=program, day__range=(start, end)).select_related(
            "clinician__staff_profile"
        )
    }
    absences = list(program_absences(program, start, end))
    return [
        CoverDay(
            day=(day := start + datetime.timedelta(days=offset)),
            on_call=on_call.get(day),
            away=[a for a in absences if a.starts_on <= day <= a.ends_on],
        )
        for offset in range(days)
    ]


def program_absences(program: Program, start: datetime.date, end: datetime.date) -> QuerySet[StaffAbsence]:
    return (
        StaffAbsence.objects.filter(user__in=program_staff(program), ends_on__gte=start, starts_on__lte=end)
        .select_related("user__staff_profile")
        .order_by("starts_on", "user__last_name")
    )


def program_schedules(program: Program) -> dict[str, dict[str, MeasureSchedule]]:
    """The program's active schedules: instrument code -> occasion -> schedule."""
    found: dict[str, dict[str, MeasureSchedule]] = defaultdict(dict)
    for schedule in MeasureSchedule.objects.filter(program=program, active=True):
        found[schedule.instrument_code][schedule.occasion] = schedule
    return found


def directed_programs(user) -> list[Program]:
    if user.role != Role.PROGRAM_DIRECTOR:
        return []
    return list(Program.objects.filter(staff_profiles__user=user, is_active=True).order_by("name"))
