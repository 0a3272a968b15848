"""Writes of the calendar: generating a week's sessions, roster changes, attendance, cancellations, closures
and the engagement alerts of the weekly hours ledger. Each service is atomic and writes its audit events."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.home.services import task_create
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus

from .models import (
    AlertKind,
    AttendanceStatus,
    Closure,
    EngagementAlert,
    GroupMembership,
    GroupSeries,
    Session,
    SessionAttendee,
    SessionStatus,
    WeekPlan,
)
from .selectors import ledger_for_episode

ONE_DAY = datetime.timedelta(days=1)


# --- Generating the week -------------------------------------------------------------------------------


def sessions_generate(*, program, week_start: datetime.date, by, request=None) -> list[Session]:
    """Create the week's sessions of `program` from its recurring groups, and book each group's roster.

    A series meets on its weekday from `starts_on` through `ends_on` (inclusive); a closure of the program
    or of the whole organization means no session that day. Facilitators become the session's clinicians.
    Each roster member whose membership covers the day (starts_on <= day < ends_on) and whose episode is
    active is booked. Running it again creates nothing new: existing sessions keep their clinicians and
    attendance; someone added to a roster outside `roster_change` is booked into sessions not yet recorded.
    Returns the sessions created.
    """
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": _("A week starts on a Monday.")})
    week_end = week_start + datetime.timedelta(days=6)
    closed = set(
        Closure.objects.filter(date__range=(week_start, week_end))
        .filter(program__isnull=True)
        .values_list("date", flat=True)
    ) | set(
        Closure.objects.filter(date__range=(week_start, week_end), program=program).values_list(
            "date", flat=True
        )
    )
    series_list = list(
        GroupSeries.objects.filter(program=program, starts_on__lte=week_end)
        .exclude(ends_on__lt=week_start)
        .select_related("session_type", "room")
        .prefetch_related("facilitators")
    )
    with transaction.atomic():
        # One read each for the week's existing sessions, the rosters and the recorded attendance, instead of
        # one per group (issue 10: no N+1 in the planning views, which generate the week first).
        existing = {
            (s.series_id, s.date): s
            for s in Session.objects.filter(series__in=series_list, date__range=(week_start, week_end))
        }
        rosters: dict[int, list[GroupMembership]] = {}
        for membership in GroupMembership.objects.filter(series__in=series_list).select_related(
            "episode__patient"
        ):
            rosters.setdefault(membership.series_id, []).append(membership)
        recorded = set(
            SessionAttendee.objects.filter(session__in=existing.values())
            .exclude(status=AttendanceStatus.SCHEDULED)
            .values_list("session_id", flat=True)
        )
        created = []
        bookings = []
        for series in series_list:
            day = week_start + datetime.timedelta(days=series.weekday)
            if day in closed or day < series.starts_on or (series.ends_on and day > series.ends_on):
                continue
            session, was_created = existing.get((series.pk, day)), False
            if session is None:
                session, was_created = _series_session_create(series, day, program=program, by=by)
            if was_created:
                created.append(session)
                audit_record(
                    action=Action.CREATE,
                    request=request,
                    actor=by,
                    obj=session,
                    detail={"series": str(series.uuid), "date": day.isoformat()},
                )
            if session.status == SessionStatus.SCHEDULED and session.pk not in recorded:
                bookings += [
                    (session, membership.episode)
                    for membership in rosters.get(series.pk, [])
                    if _covers(membership, day) and membership.episode.status == EpisodeStatus.ACTIVE
                ]
        sessions_book(bookings, by=by, request=request)
    return created


def _series_session_create(series: GroupSeries, day: datetime.date, *, program, by) -> tuple[Session, bool]:
    """Create the session of `series` on `day` with the series' facilitators as its clinicians; (session,
    True). When another request created it meanwhile (one session per series per day), (that one, False),
    as get_or_create would."""
    try:
        with transaction.atomic():
            session = Session.objects.create(
                series=series,
                date=day,
                program=program,
                session_type=series.session_type,
                start_time=series.start_time,
                end_time=series.end_time,
                room=series.room,
                created_by=by,
                updated_by=by,
            )
    except IntegrityError:
        session = Session.objects.filter(series=series, date=day).first()
        if session is None:
            raise
        return session, False
    # A new session has no clinicians yet: add() writes without first reading them back as set() does.
    session.clinicians.add(*series.facilitators.all())
    return session, True


def _covers(membership: GroupMembership, day: datetime.date) -> bool:
    return membership.starts_on <= day and (membership.ends_on is None or day < membership.ends_on)


def _has_recorded_attendance(session: Session) -> bool:
    return session.attendees.exclude(status=AttendanceStatus.SCHEDULED).exists()


def sessions_book(
    bookings: Iterable[tuple[Session, EpisodeOfCare]], *, by, request=None
) -> list[SessionAttendee]:
    """Book each (session, episode) pair not booked yet, in order, each audited; returns the new bookings.
    Used by generation, roster changes and publishing a planned week, so every booking is recorded the
    same way. One read finds the pairs already booked, instead of one get_or_create per pair."""
    bookings = list(bookings)
    if not bookings:
        return []
    booked = set(
        SessionAttendee.objects.filter(
            session__in={session.pk for session, _ in bookings},
            episode__in={episode.pk for _, episode in bookings},
        ).values_list("session_id", "episode_id")
    )
    made = []
    for session, episode in bookings:
        if (session.pk, episode.pk) in booked:
            continue
        booked.add((session.pk, episode.pk))
        try:
            with transaction.atomic():
                attendee = SessionAttendee.objects.create(session=session, episode=episode)
        except IntegrityError:
            # Booked meanwhile by another request (one booking per session and episode), as get_or_create.
            if SessionAttendee.objects.filter(session=session, episode=episode).exists():
                continue
            raise
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=episode.patient,
            object_type="scheduling.sessionattendee",
            object_id=str(session.uuid),
            detail={"session": str(session.uuid), "episode": str(episode.uuid)},
        )
        made.append(attendee)
    return made


def session_book(session: Session, episode: EpisodeOfCare, *, by, request=None) -> SessionAttendee | None:
    """Book `episode` into `session` (audited); None when already booked."""
    made = sessions_book([(session, episode)], by=by, request=request)
    return made[0] if made else None


# --- Roster changes ------------------------------------------------------------------------------------


def roster_change(
    *, series: GroupSeries, episode: EpisodeOfCare, effective: datetime.date, action: str, by, request=None
) -> GroupMembership:
    """Add a person to a recurring group's roster, or take them off, from `effective` on.

    Only sessions on or after `effective` whose attendance is not recorded yet change: past sessions and
    their attendance stay as they happened.
    """
    if action not in ("add", "remove"):
        raise ValidationError({"action": _("Choose add or remove.")})
    with transaction.atomic():
        current = [
            m for m in GroupMembership.objects.filter(series=series, episode=episode) if _covers(m, effective)
        ]
        later_sessions = [
            session
            for session in Session.objects.filter(
                series=series, date__gte=effective, status=SessionStatus.SCHEDULED
            ).order_by("date")
            if not _has_recorded_attendance(session)
        ]
        if action == "add":
            if current:
                raise ValidationError(_("This person is already on the group's roster on that date."))
            if episode.status != EpisodeStatus.ACTIVE or episode.program_id != series.program_id:
                raise ValidationError(_("Only an active episode of the group's program can join its roster."))
            # Tracks keep people's work and school hours (PRODUCT.md section 3): a group of one track is
            # for that track's patients, or for those not placed on a track yet.
            if episode.track_id is not None and episode.track_id != series.track_id:
                raise ValidationError(_("This person is on another track; only the group's track can join."))
            membership = GroupMembership.objects.create(series=series, episode=episode, starts_on=effective)
            sessions_book([(session, episode) for session in later_sessions], by=by, request=request)
        else:
            if not current:
                raise ValidationError(_("This person is not on the group's roster on that date."))
            membership = current[0]
            membership.ends_on = effective
            membership.save(update_fields=["ends_on"])
            SessionAttendee.objects.filter(episode=episode, session__in=later_sessions).delete()
        audit_record(
            action=Action.CREATE if action == "add" else Action.UPDATE,
            request=request,
            actor=by,
            patient=episode.patient,
            object_type="scheduling.groupmembership",
            object_id=str(series.uuid),
            detail={"action": action, "effective": effective.isoformat(), "episode": str(episode.uuid)},
        )
    return membership


# --- Attendance ----------------------------------------------------------------------------------------

RECORDABLE = {
    AttendanceStatus.SCHEDULED,
    AttendanceStatus.PRESENT,
    AttendanceStatus.LATE,
    AttendanceStatus.LEFT_EARLY,
    AttendanceStatus.ABSENT_EXCUSED,
    AttendanceStatus.ABSENT_UNEXCUSED,
    AttendanceStatus.CANCELLED,
}


def attendance_minutes(status: str, minutes: int | None, length: int) -> int | None:
    """The minutes to store for `status`, or ValidationError. Shared by the form (row errors) and the service.

    Present means the whole session (blank = full length); late and left early need the minutes actually
    attended, fewer than the full length; absent and cancelled store 0 whatever was typed (the field is
    meaningless for them, and "Mark all present" fills it in); not recorded stores nothing.
    """
    if status not in RECORDABLE:
        raise ValidationError(_("Choose an attendance status."))
    if minutes is not None and not 0 <= minutes <= length:
        raise ValidationError(_("Minutes attended must be between 0 and %(length)s.") % {"length": length})
    if status == AttendanceStatus.PRESENT:
        if minutes is not None and minutes != length:
            raise ValidationError(
                _("Present means the whole %(length)s minutes; choose late or left early.")
                % {"length": length}
            )
        return length
    if status in (AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY):
        if minutes is None or not 0 < minutes < length:
            raise ValidationError(
                _("Late or left early: enter the minutes attended (1 to %(most)s).") % {"most": length - 1}
            )
        return minutes
    if status == AttendanceStatus.SCHEDULED:
        return None
    return 0


def attendance_record(
    *,
    session: Session,
    entries: Iterable[tuple[SessionAttendee, str, int | None, str]],
    by,
    request=None,
    today: datetime.date | None = None,
) -> list[SessionAttendee]:
    """Record attendance of a session: `entries` of (attendee, status, minutes_attended, note).

    Only rows that change are saved and audited. After saving, the engagement alerts of each person are
    raised (two consecutive absences show at once; weeks under target once the week has ended).
    Returns the attendees changed.
    """
    today = today or timezone.localdate()
    if session.date > today:
        raise ValidationError(_("Attendance can be recorded from the day of the session, not before."))
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("This session was cancelled; there is no attendance to record."))
    length = session.minutes
    errors = []
    planned = []
    for attendee, status, minutes, note in entries:
        if attendee.session_id != session.pk:
            raise ValidationError(_("This person is not booked into this session."))
        try:
            stored = attendance_minutes(status, minutes, length)
        except ValidationError as error:
            errors.append(f"{attendee.episode.patient.display_name}: {' '.join(error.messages)}")
            continue
        note = (note or "").strip()
        if (attendee.status, attendee.minutes_attended, attendee.note) != (status, stored, note):
            planned.append((attendee, status, stored, note))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        for attendee, status, stored, note in planned:
            attendee.status = status
            attendee.minutes_attended = stored
            attendee.note = note
            recorded = status != AttendanceStatus.SCHEDULED
            attendee.recorded_by = by if recorded else None
            attendee.recorded_at = now if recorded else None
            attendee.save(update_fields=["status", "minutes_attended", "note", "recorded_by", "recorded_at"])
            audit_record(
                action=Action.UPDATE,
                request=request,
                actor=by,
                patient=attendee.episode.patient,
                object_type="scheduling.sessionattendee",
                object_id=str(session.uuid),
                detail={"status": status, "minutes": stored, "episode": str(attendee.episode.uuid)},
            )
        for attendee, *_rest in planned:
            engagement_alerts_raise(
                episode=attendee.episode, today=today, by=by, kinds={AlertKind.CONSECUTIVE_ABSENCES}
            )
    return [attendee for attendee, *_rest in planned]


def session_cancel(*, session: Session, reason: str, by, request=None) -> Session:
    """Cancel a session: it and every booking in it become cancelled (0 minutes, not held against anyone)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the session is cancelled.")})
    if session.status == SessionStatus.CANCELLED:
        return session
    if session.attendees.exclude(
        status__in=[AttendanceStatus.SCHEDULED, AttendanceStatus.CANCELLED]
    ).exists():
        raise ValidationError(_("Attendance is already recorded for this session; it took place."))
    with transaction.atomic():
        session.status = SessionStatus.CANCELLED
        session.cancel_reason = reason
        session.updated_by = by
        session.save(update_fields=["status", "cancel_reason", "updated_by", "updated_at"])
        session.attendees.update(
            status=AttendanceStatus.CANCELLED, minutes_attended=0, recorded_by=by, recorded_at=timezone.now()
        )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=session,
            detail={"status": SessionStatus.CANCELLED, "attendees": session.attendees.count()},
        )
    return session


# --- Closures ------------------------------------------------------------------------------------------


@dataclass
class ClosureAdded:
    closure: Closure
    cancelled: list[Session] = field(default_factory=list)
    # Sessions of the day whose attendance is recorded: they took place, so they stay; the page names them.
    kept: list[Session] = field(default_factory=list)
    # Week plans of the day's week (drafts or published) built before the closure: rebuild them.
    plans: list[WeekPlan] = field(default_factory=list)


def closure_add(*, program, date: datetime.date, name: str, by, request=None) -> ClosureAdded:
    """Close `program` (or, with None, the whole organization) on `date`, and cancel the sessions already
    generated for that day through `session_cancel`, with the closure's name as the reason.

    A session whose attendance is recorded took place: it is never cancelled silently, but kept and
    returned in `kept` for the caller to report. Generating the week later skips the closed day.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the closure (for example, the holiday).")})
    # The organization's closure of the day already closes every program.
    already = Closure.objects.filter(date=date).filter(Q(program__isnull=True) | Q(program=program))
    if already.exists():
        raise ValidationError({"date": _("There is already a closure on that day.")})
    sessions = Session.objects.filter(date=date, status=SessionStatus.SCHEDULED).select_related(
        "series", "session_type", "program"
    )
    if program is not None:
        sessions = sessions.filter(program=program)
    with transaction.atomic():
        closure = Closure.objects.create(program=program, date=date, name=name, created_by=by, updated_by=by)
        done = ClosureAdded(closure)
        for session in sessions.order_by("start_time"):
            if session.attendees.exclude(
                status__in=[AttendanceStatus.SCHEDULED, AttendanceStatus.CANCELLED]
            ).exists():
                done.kept.append(session)
            else:
                done.cancelled.append(
                    session_cancel(session=session, reason=name[:200], by=by, request=request)
                )
        plans = WeekPlan.objects.filter(week_start=date - datetime.timedelta(days=date.weekday()))
        done.plans = list(plans.filter(program=program) if program is not None else plans)
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            obj=closure,
            detail={
                "date": date.isoformat(),
                "program": str(program.uuid) if program is not None else None,
                "cancelled": [str(s.uuid) for s in done.cancelled],
                "kept": [str(s.uuid) for s in done.kept],
            },
        )
    return done


# --- Engagement alerts ---------------------------------------------------------------------------------


def _hours_text(value) -> str:
    return format(value.normalize(), "f")


def engagement_alerts_raise(
    *, episode: EpisodeOfCare, today: datetime.date, by=None, kinds=frozenset(AlertKind)
) -> list[EngagementAlert]:
    """Raise the engagement alerts of an active episode that are not raised yet, each with a follow-up task
    for the primary clinician: every ended week under the program's target, and every run of two
    consecutive absences. Idempotent: one alert per episode, week and kind. Returns the new alerts.

    Recording attendance raises only consecutive absences (`kinds`): a week's attendance is often recorded
    session by session after the week ends, and a half-recorded week would look under target. Weeks under
    target come from the daily `engagement_alerts` command.
    """
    if episode.status != EpisodeStatus.ACTIVE:
        return []
    book = ledger_for_episode(episode, today=today)
    wanted = []
    for week in book.weeks_under_target if AlertKind.UNDER_TARGET in kinds else []:
        title = _("Follow up: %(attended)s h attended of %(target)s h target, week of %(week)s") % {
            "attended": week.attended_hours,
            "target": _hours_text(episode.program.weekly_hours_target),
            "week": week.week_start.isoformat(),
        }
        detail = _("%(attended)s h attended of %(target)s h target (%(scheduled)s h scheduled)") % {
            "attended": week.attended_hours,
            "target": _hours_text(episode.program.weekly_hours_target),
            "scheduled": week.scheduled_hours,
        }
        wanted.append((week.week_start, AlertKind.UNDER_TARGET, detail, title))
    for run in book.absence_runs if AlertKind.CONSECUTIVE_ABSENCES in kinds else []:
        detail = _("Absent on %(first)s and %(second)s, two sessions in a row") % {
            "first": run.first_on.isoformat(),
            "second": run.second_on.isoformat(),
        }
        title = _("Follow up: 2 consecutive absences, last on %(day)s") % {"day": run.second_on.isoformat()}
        wanted.append((run.week_start, AlertKind.CONSECUTIVE_ABSENCES, detail, title))
    existing = set(EngagementAlert.objects.filter(episode=episode).values_list("week_start", "kind"))
    primary = (
        CareTeamMember.objects.filter(episode=episode, role=CareTeamRole.PRIMARY_CLINICIAN)
        .select_related("user")
        .first()
    )
    raised = []
    with transaction.atomic():
        for week_start, kind, detail, title in wanted:
            if (week_start, kind) in existing:
                continue
            existing.add((week_start, kind))
            task = None
            if primary is not None:
                task = task_create(
                    title=title[:200],
                    assigned_to=primary.user,
                    due_on=today,
                    patient=episode.patient,
                    created_by=by,
                )
            alert = EngagementAlert.objects.create(
                episode=episode, week_start=week_start, kind=kind, detail=detail[:200], task=task
            )
            audit_record(
                action=Action.CREATE,
                actor=by,
                patient=episode.patient,
                object_type="scheduling.engagementalert",
                object_id=str(alert.pk),
                detail={"kind": kind, "week_start": week_start.isoformat(), "episode": str(episode.uuid)},
            )
            raised.append(alert)
    return raised


def engagement_alerts_raise_all(*, today: datetime.date) -> list[EngagementAlert]:
    """Raise alerts for every active episode (the `engagement_alerts` command, run daily)."""
    raised = []
    for episode in EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE).select_related(
        "program", "patient"
    ):
        raised += engagement_alerts_raise(episode=episode, today=today)
    return raised
