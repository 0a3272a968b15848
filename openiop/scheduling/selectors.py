"""Reads of the calendar for a user: a week's sessions, one session's attendance, one episode's ledger.

`session_for_user` and `episode_ledger_for_user` are the loaders of these pages: they check the policy
and write the audit event, so views never forget either.
"""

import datetime
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from openiop.accounts.models import Role
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.models import EpisodeOfCare
from openiop.patients.selectors import BreakGlassRequired
from openiop.programs.models import Program

from . import ledger
from .models import AttendanceStatus, Closure, EngagementAlert, Session, SessionAttendee, SessionStatus

ONE_WEEK = datetime.timedelta(days=7)


def week_start_of(day: datetime.date) -> datetime.date:
    return ledger.week_start_of(day)


def session_programs_of(user):
    """The open programs whose sessions `user` sees."""
    return Program.objects.active().filter(staff_profiles__user=user).order_by("name")


def directed_programs_of(user):
    if user.role != Role.PROGRAM_DIRECTOR:
        return Program.objects.none()
    return session_programs_of(user)


@dataclass
class SessionRow:
    session: Session
    booked: int
    may_record: bool


@dataclass
class SessionDay:
    date: datetime.date
    rows: list[SessionRow]


def sessions_of_week(user, week_start: datetime.date) -> list[SessionDay]:
    """The sessions of the user's programs in the week, grouped by day, each with its booking count and
    whether the user may record its attendance (decided from prefetched data: no query per row)."""
    directed = set(directed_programs_of(user).values_list("pk", flat=True))
    sessions = (
        Session.objects.filter(
            program__in=session_programs_of(user),
            date__range=(week_start, week_start + ONE_WEEK - datetime.timedelta(days=1)),
        )
        .select_related("program", "session_type", "room", "series")
        .prefetch_related("clinicians__staff_profile", "series__facilitators")
        .annotate(booked=Count("attendees"))
        .order_by("date", "start_time", "program__name")
    )
    treating = user.role in (Role.CLINICIAN, Role.PSYCHIATRIST)
    days = []
    for day, group in groupby(sessions, key=lambda s: s.date):
        rows = []
        for session in group:
            leads = user in session.clinicians.all() or (
                session.series is not None and user in session.series.facilitators.all()
            )
            rows.append(
                SessionRow(session, session.booked, (treating and leads) or session.program_id in directed)
            )
        days.append(SessionDay(day, rows))
    return days


def session_for_user(request, session_uuid, permission: str = "scheduling.record_attendance") -> Session:
    """Load a session the user may act on, or stop: 404 if unknown, 403 (audited) if not. Audits the view."""
    session = get_object_or_404(
        Session.objects.select_related("program", "session_type", "room", "series").prefetch_related(
            "clinicians__staff_profile"
        ),
        uuid=session_uuid,
    )
    if not request.user.has_perm(permission, session):
        refuse(request, permission=permission, obj=session)
    return session


def session_attendees(session: Session) -> list[SessionAttendee]:
    """Everyone booked into the session, by name, in a fixed number of queries. The program comes along
    because recording attendance reads each episode's weekly target (engagement alerts)."""
    return sorted(
        SessionAttendee.objects.filter(session=session).select_related(
            "episode__patient", "episode__program", "recorded_by"
        ),
        key=lambda a: (a.episode.patient.legal_family_name, a.episode.patient.legal_given_name, a.pk),
    )


def episode_ledger_for_user(request, episode_uuid) -> EpisodeOfCare:
    """Load an episode for its ledger: whoever may open the patient's chart. Raises BreakGlassRequired
    when the user may only open the chart by breaking the glass, as the chart does."""
    episode = get_object_or_404(
        EpisodeOfCare.objects.select_related("patient", "program", "track"), uuid=episode_uuid
    )
    user = request.user
    if not user.has_perm("patients.view_chart", episode.patient):
        if user.has_perm("patients.break_glass", episode.patient):
            raise BreakGlassRequired(episode.patient)
        refuse(request, permission="patients.view_chart", patient=episode.patient, obj=episode)
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=episode.patient,
        obj=episode,
        detail={"page": "weekly_hours_ledger"},
    )
    return episode


def ledger_records(episode: EpisodeOfCare) -> list[ledger.SessionRecord]:
    """The episode's bookings as plain records for the ledger core. A cancelled session counts as
    cancelled for everyone booked in it, whatever their row says; one on a day the program (or the whole
    organization) was closed is marked `closed`."""
    bookings = list(SessionAttendee.objects.filter(episode=episode).select_related("session"))
    return records_of_bookings(bookings, closed=closed_dates(episode.program_id, bookings))


def closed_dates(program_id: int, bookings: list[SessionAttendee]) -> set[datetime.date]:
    """The days among the bookings' sessions when the program (or the whole organization) was closed: one
    query, whatever the number of bookings."""
    dates = {booking.session.date for booking in bookings}
    if not dates:
        return set()
    return set(
        Closure.objects.filter(date__in=dates)
        .filter(Q(program__isnull=True) | Q(program_id=program_id))
        .values_list("date", flat=True)
    )


def records_of_bookings(
    bookings: list[SessionAttendee], *, closed: set[datetime.date]
) -> list[ledger.SessionRecord]:
    """Bookings (with their session loaded) as ledger records; shared by one episode's ledger and the
    program dashboard, which loads every episode's bookings in one query."""
    records = []
    for booking in bookings:
        cancelled = booking.session.status == SessionStatus.CANCELLED
        records.append(
            ledger.SessionRecord(
                date=booking.session.date,
                scheduled_minutes=booking.session.minutes,
                status=AttendanceStatus.CANCELLED if cancelled else booking.status,
                minutes_attended=booking.minutes_attended,
                order=booking.session.start_time.hour * 60 + booking.session.start_time.minute,
                closed=cancelled and booking.session.date in closed,
            )
        )
    return records


def ledger_for_episode(episode: EpisodeOfCare, *, today: datetime.date) -> ledger.Ledger:
    return ledger.weekly_ledger(
        ledger_records(episode),
        target_hours=episode.program.weekly_hours_target,
        today=today,
        period_start=episode.admitted_on,
        period_end=episode.discharged_on,
    )


def engagement_alerts_of(episode: EpisodeOfCare):
    return (
        EngagementAlert.objects.filter(episode=episode).select_related("task").order_by("-week_start", "kind")
    )
