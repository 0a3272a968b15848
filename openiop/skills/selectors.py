"""Reads of the skills app. Loaders (`*_for_user`) check the rules with the object and refuse with an
audited 403; reads of PHI are audited by the page that shows them, once.

`session_lesson(session)` is public: other apps (group notes) show a session's lesson with it.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from openiop.audit.models import Action
from openiop.core.access import refuse
from openiop.patients.models import CareTeamMember, EpisodeStatus
from openiop.patients.selectors import patient_for_user
from openiop.scheduling.models import (
    GROUP_KINDS,
    AttendanceStatus,
    Session,
    SessionAttendee,
    SessionStatus,
)
from openiop.scheduling.selectors import session_programs_of

from . import progress
from .models import Homework, HomeworkStatus, Lesson, Module, PracticeLogEntry, SessionLesson

ONE_WEEK = datetime.timedelta(days=7)
# Attendance that counts as having had the session's lesson. Absent and cancelled do not.
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)


# --- The curriculum ----------------------------------------------------------------------------------------


def curriculum_modules() -> list[Module]:
    """Every module with its lessons, in the curriculum's order, in two queries."""
    return list(
        Module.objects.in_order().prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
        )
    )


def lesson_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Lessons grouped by module for a select: [(module title, [(lesson uuid, lesson title), ...]), ...]."""
    return [
        (module.title, [(str(lesson.uuid), lesson.title) for lesson in module.lessons.all()])
        for module in curriculum_modules()
        if module.lessons.all()
    ]


# --- Sessions ----------------------------------------------------------------------------------------------


def session_lesson(session) -> Lesson | None:
    """The lesson `session` teaches, or None. Public: group notes show it."""
    link = SessionLesson.objects.filter(session=session).select_related("lesson__module").first()
    return link.lesson if link else None


@dataclass
class SessionRow:
    session: Session
    lesson: Lesson | None
    may_set: bool


def group_sessions_of_week(user, week_start: datetime.date) -> list[SessionRow]:
    """The group sessions of the user's programs in the week, each with its lesson and whether the user
    may set it (decided from prefetched data: a fixed number of queries)."""
    from openiop.scheduling.selectors import directed_programs_of

    directed = set(directed_programs_of(user).values_list("pk", flat=True))
    treating = user.role in ("clinician", "psychiatrist")
    sessions = (
        Session.objects.filter(
            program__in=session_programs_of(user),
            session_type__kind__in=GROUP_KINDS,
            date__range=(week_start, week_start + ONE_WEEK - datetime.timedelta(days=1)),
        )
        .select_related("program", "session_type", "series", "skills_lesson__lesson__module")
        .prefetch_related("clinicians", "series__facilitators")
        .order_by("date", "start_time", "program__name")
    )
    rows = []
    for session in sessions:
        leads = user in session.clinicians.all() or (
            session.series is not None and user in session.series.facilitators.all()
        )
        link = getattr(session, "skills_lesson", None)
        rows.append(
            SessionRow(
                session, link.lesson if link else None, (treating and leads) or session.program_id in directed
            )
        )
    return rows


def session_for_user(
    request, session_uuid, *, user=None, permission: str = "skills.set_session_lesson"
) -> Session:
    """Load a session the user (default: the request's; the API passes its token's) may set the lesson of,
    or stop: 404 unknown, 403 (audited) refused."""
    user = user or request.user
    session = get_object_or_404(
        # The clinicians with their staff profiles: the page names who leads it with credentials.
        Session.objects.select_related("program", "session_type", "room", "series").prefetch_related(
            "clinicians__staff_profile"
        ),
        uuid=session_uuid,
    )
    if not user.has_perm(permission, session):
        refuse(request, permission=permission, obj=session)
    return session


def session_attendees(session: Session) -> list[SessionAttendee]:
    """Everyone booked into the session, by name, with whether they had its lesson (attended)."""
    attendees = sorted(
        SessionAttendee.objects.filter(session=session).select_related("episode__patient"),
        key=lambda a: (a.episode.patient.legal_family_name, a.episode.patient.legal_given_name, a.pk),
    )
    given = set(Homework.objects.filter(session=session).values_list("patient_id", flat=True))
    for attendee in attendees:
        attendee.had_lesson = session.status == SessionStatus.SCHEDULED and attendee.status in ATTENDED
        attendee.has_homework = attendee.episode.patient_id in given
    return attendees


# --- A patient's skills record -----------------------------------------------------------------------------


def patient_skills_for_user(
    request, patient_uuid, *, permission: str = "skills.view_patient_skills", audit: bool = True
):
    """Load a patient for a skills page: 404 unknown, break-the-glass (BreakGlassRequired) or audited 403 as
    the chart. Reading is audited as a VIEW of the patient (the page's one event) unless `audit` is False."""
    if permission == "skills.view_patient_skills":
        # The chart's own rule, so break-the-glass works here exactly as on the chart.
        return patient_for_user(request, patient_uuid, action=Action.VIEW, audit=audit)
    return patient_for_user(request, patient_uuid, permission=permission, action=Action.VIEW, audit=audit)


@dataclass(frozen=True)
class LessonHad:
    lesson: Lesson
    on: datetime.date
    session: Session
    status: str


def _bookings_of_lessons_had(patient):
    """Group sessions tied to a lesson that the patient attended (present, late or left early) and that were
    not cancelled, newest first."""
    return SessionAttendee.objects.filter(
        episode__patient=patient,
        status__in=ATTENDED,
        session__status=SessionStatus.SCHEDULED,
        session__skills_lesson__isnull=False,
    ).order_by("-session__date", "-session__start_time")


def lessons_had(patient) -> list[LessonHad]:
    """Every lesson the patient had (see `_bookings_of_lessons_had`), newest first."""
    bookings = _bookings_of_lessons_had(patient).select_related(
        "session__skills_lesson__lesson__module", "session__series", "session__session_type"
    )
    return [
        LessonHad(booking.session.skills_lesson.lesson, booking.session.date, booking.session, booking.status)
        for booking in bookings
    ]


def lesson_days_had(patient) -> list[tuple[int, datetime.date]]:
    """(lesson id, day) of every lesson the patient had, as `lessons_had` counts them, newest first.

    For summaries that need only which lessons and when (the chart's progress panel): the same rows as
    `lessons_had` without loading each session, its series and type, the lesson and its module."""
    return list(
        _bookings_of_lessons_had(patient).values_list("session__skills_lesson__lesson_id", "session__date")
    )


@dataclass(frozen=True)
class ModuleRow:
    module: Module
    progress: progress.ModuleProgress
    lessons: list[tuple[Lesson, progress.LessonProgress]]


def patient_progress(
    patient,
    *,
    modules: list[Module] | None = None,
    had: list[LessonHad] | None = None,
    days_had: list[tuple[int, datetime.date]] | None = None,
) -> list[ModuleRow]:
    """Per module: each lesson with the dates the patient had it (none = not yet had).

    The lessons had come from `days_had` (`lesson_days_had`), else `had` (`lessons_had`), else are read."""
    modules = curriculum_modules() if modules is None else modules
    if days_had is None:
        had = lessons_had(patient) if had is None else had
        days_had = [(item.lesson.pk, item.on) for item in had]
    refs = [
        progress.ModuleRef(
            str(module.pk),
            module.title,
            tuple(progress.LessonRef(str(lesson.pk), lesson.title) for lesson in module.lessons.all()),
        )
        for module in modules
    ]
    result = progress.curriculum_progress(
        refs, [progress.Attended(str(lesson_id), on) for lesson_id, on in days_had]
    )
    rows = []
    for module, module_progress in zip(modules, result, strict=True):
        lessons = list(module.lessons.all())
        rows.append(
            ModuleRow(module, module_progress, list(zip(lessons, module_progress.lessons, strict=True)))
        )
    return rows


def homework_of(patient, *, with_staff: bool = True):
    """The patient's homework: open first (by due date), then recorded (newest first).

    `with_staff=False` leaves out who gave the homework and who recorded its outcome, for pages that do not
    show them (the chart's panel): two fewer joins of user and profile rows."""
    related = ["lesson__module"]
    if with_staff:
        related += ["created_by__staff_profile", "completion_recorded_by__staff_profile"]
    homework = list(Homework.objects.filter(patient=patient).select_related(*related))
    open_items = sorted(
        (h for h in homework if h.status == HomeworkStatus.ASSIGNED), key=lambda h: (h.due_on, h.pk)
    )
    recorded = sorted(
        (h for h in homework if h.status != HomeworkStatus.ASSIGNED),
        key=lambda h: (h.due_on, h.pk),
        reverse=True,
    )
    return open_items + recorded


def practice_log_of(patient, *, limit: int | None = None, with_staff: bool = True):
    """The patient's practice log, newest first. `with_staff=False` leaves out who entered each entry and
    the lesson's module, for pages that show only the skill's name (the chart's panel)."""
    if with_staff:
        entries = PracticeLogEntry.objects.filter(patient=patient).select_related(
            "lesson__module", "module", "entered_by__staff_profile"
        )
    else:
        entries = PracticeLogEntry.objects.filter(patient=patient).select_related("lesson", "module")
    return list(entries[:limit] if limit else entries)


def homework_for_user(request, homework_uuid, *, user=None) -> Homework:
    """Load homework the user may record the outcome of (the patient's treating team), or stop."""
    user = user or request.user
    homework = get_object_or_404(
        Homework.objects.select_related("patient", "lesson__module"), uuid=homework_uuid
    )
    if not user.has_perm("skills.work_patient_skills", homework.patient):
        refuse(request, permission="skills.work_patient_skills", patient=homework.patient, obj=homework)
    return homework


def caseload_homework(
    user, *, today: datetime.date, within_days: int = 2, limit: int = 10
) -> tuple[list[Homework], int]:
    """Open homework of the user's caseload (care team of an active episode) that is overdue or due within
    `within_days`: the first `limit` by due date, and how many there are in all."""
    caseload = CareTeamMember.objects.filter(user=user, episode__status=EpisodeStatus.ACTIVE).values(
        "episode__patient"
    )
    items = (
        Homework.objects.open()
        .filter(patient__in=caseload, due_on__lte=today + datetime.timedelta(days=within_days))
        .select_related("patient")
        .order_by("due_on", "id")
    )
    return list(items[:limit]), items.count()
