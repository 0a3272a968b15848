"""What the scheduling operations take and return: sessions, attendance, the weekly hours ledger and week
plans. Explicit fields, public UUIDs only.

Sessions carry no video link: the link holds the session's telehealth token (the calendar feeds leave it
out for the same reason); the web page shows it to those who need it.
"""

import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from openiop.scheduling import planning
from openiop.scheduling.models import AttendanceStatus

from .intake_schemas import PatientRefOut, StaffRefOut
from .schemas import ProgramOut

AttendanceStatusValue = Literal[tuple(AttendanceStatus.values)]  # type: ignore[valid-type]


def _uuid_of(obj) -> UUID | None:
    return obj.uuid if obj is not None else None


# --- sessions ---------------------------------------------------------------------------------------------


class WeekQuery(Schema):
    week: datetime.date | None = Field(
        None, description="Any day of the week (Monday to Sunday); default: today."
    )


class SessionTypeOut(Schema):
    uuid: UUID
    name: str
    kind: str


class RoomOut(Schema):
    uuid: UUID
    name: str
    is_telehealth: bool


class SessionOut(Schema):
    uuid: UUID
    program: ProgramOut
    name: str = Field(description="The recurring group's name, or the session type's.")
    series_uuid: UUID | None = Field(description="The recurring group it belongs to, if any.")
    session_type: SessionTypeOut
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    minutes: int
    room: RoomOut | None
    clinicians: list[StaffRefOut]
    status: str
    cancel_reason: str

    @staticmethod
    def resolve_name(session):
        return session.series.name if session.series is not None else session.session_type.name

    @staticmethod
    def resolve_series_uuid(session):
        return _uuid_of(session.series)

    @staticmethod
    def resolve_clinicians(session):
        return list(session.clinicians.all())


class SessionListItemOut(SessionOut):
    # `booked` is annotated by the selector (sessions_of_week); the operation sets `may_record` from its row.
    booked: int = Field(description="How many people are booked into it.")
    may_record: bool = Field(description="Whether you may record its attendance (and open it).")


class SessionWeekOut(Schema):
    week_start: datetime.date
    week_end: datetime.date
    items: list[SessionListItemOut]


class AttendeeOut(Schema):
    episode_uuid: UUID
    patient: PatientRefOut
    status: str
    minutes_attended: int | None
    note: str
    recorded_by: StaffRefOut | None
    recorded_at: datetime.datetime | None

    @staticmethod
    def resolve_episode_uuid(attendee):
        return attendee.episode.uuid

    @staticmethod
    def resolve_patient(attendee):
        return attendee.episode.patient


class SessionDetailOut(SessionOut):
    # Both set on the session by the operation, which reads the attendees once (api/scheduling.py).
    recordable: bool = Field(
        description="Attendance may be recorded now: held today or earlier, not cancelled."
    )
    attendees: list[AttendeeOut]

    @staticmethod
    def resolve_attendees(session):
        return session.booked_attendees


class AttendanceRowIn(Schema):
    episode: UUID = Field(description="The episode of care of a person booked into the session.")
    status: AttendanceStatusValue
    minutes_attended: int | None = Field(
        None,
        ge=0,
        description="Present: blank or the full length. Late or left early: the minutes attended. "
        "Absent and cancelled store 0.",
    )
    note: str = Field("", max_length=200)


class AttendanceIn(Schema):
    attendance: list[AttendanceRowIn] = Field(min_length=1, description="One row per person to record.")


class AttendanceRecordedOut(Schema):
    changed: int = Field(description="Rows that changed; sending the same attendance again changes none.")
    session: SessionDetailOut


class SessionCancelIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


# --- the weekly hours ledger ------------------------------------------------------------------------------


class LedgerWeekOut(Schema):
    week_start: datetime.date
    scheduled_minutes: int
    attended_minutes: int
    target_minutes: int = Field(description="The program's weekly target less closed_minutes.")
    closed_minutes: int = Field(description="Booked minutes cancelled because the program was closed.")
    scheduled_hours: Decimal
    attended_hours: Decimal
    target_hours: Decimal
    sessions: int = Field(description="Sessions booked and not cancelled.")
    not_recorded: int = Field(description="Of those, sessions whose attendance is not recorded yet.")
    ended: bool
    partial: bool = Field(description="The week of admission or discharge: never under target.")
    under_target: bool


class EngagementAlertOut(Schema):
    kind: str
    week_start: datetime.date
    detail: str
    created_at: datetime.datetime
    task_uuid: UUID | None = Field(description="The follow-up task it created for the primary clinician.")

    @staticmethod
    def resolve_task_uuid(alert):
        return _uuid_of(alert.task)


class LedgerOut(Schema):
    episode_uuid: UUID
    patient: PatientRefOut
    program: ProgramOut
    target_hours: Decimal = Field(description="The program's weekly hours target.")
    weeks: list[LedgerWeekOut] = Field(description="Weeks with at least one booking, newest first.")
    alerts: list[EngagementAlertOut] = Field(description="Engagement alerts raised, newest week first.")


# --- week plans -------------------------------------------------------------------------------------------


class WeekPlanBuildIn(Schema):
    week: datetime.date = Field(description="Any day of the week to plan (Monday to Sunday).")


class WeekPlanSummaryOut(Schema):
    uuid: UUID
    program: ProgramOut
    week_start: datetime.date
    status: str
    solver_status: str
    objective: int | None
    gap: float | None
    bookings: int
    violations: int = Field(description="Hard violations: a plan with any cannot be published.")
    published_at: datetime.datetime | None

    @staticmethod
    def resolve_bookings(plan):
        counted = getattr(plan, "booking_count", None)  # annotated by the list
        return plan.bookings.count() if counted is None else counted

    @staticmethod
    def resolve_violations(plan):
        return len(plan.violations)


class ExplanationOut(Schema):
    episode_uuid: str
    reason: str
    message: str
    scheduled_minutes: int
    reachable_minutes: int


class PlanReportOut(Schema):
    solver_status: str = Field(description="optimal, feasible, or greedy (the solver found nothing).")
    objective: int | None
    bound: float | None
    gap: float | None = Field(description="Optimality gap of the solver (none for the greedy fallback).")
    seconds: float | None
    violations: list[str] = Field(description="Hard violations, in plain words.")
    explanations: list[ExplanationOut] = Field(description="Why each patient below target is below it.")

    @staticmethod
    def resolve_explanations(plan):
        return [{"episode_uuid": episode, **why} for episode, why in sorted(plan.explanations.items())]


class PlannedBookingOut(Schema):
    episode_uuid: UUID
    patient: PatientRefOut
    kind: str = Field(description="group (a session on the calendar) or individual (a slot).")
    session_uuid: UUID | None
    slot: str
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    session_type: SessionTypeOut
    clinician: StaffRefOut | None
    room: RoomOut | None

    @staticmethod
    def resolve_episode_uuid(booking):
        return booking.episode.uuid

    @staticmethod
    def resolve_patient(booking):
        return booking.episode.patient

    @staticmethod
    def resolve_session_uuid(booking):
        return _uuid_of(booking.session)


class PatientHoursOut(Schema):
    episode_uuid: UUID
    patient: PatientRefOut
    planned_minutes: int
    target_minutes: int
    below_target: bool
    explanation: str

    @staticmethod
    def resolve_episode_uuid(row):
        return row.episode.uuid

    @staticmethod
    def resolve_patient(row):
        return row.episode.patient


class WeekPlanOut(Schema):
    uuid: UUID
    program: ProgramOut
    week_start: datetime.date
    status: str
    published_at: datetime.datetime | None
    published_by: StaffRefOut | None
    report: PlanReportOut
    hours: list[PatientHoursOut] = Field(description="Each active patient: planned hours against the target.")
    assignments: list[PlannedBookingOut] = Field(description="The draft's bookings, by day and time.")

    # The web page's reads (openiop.scheduling.planning), so both show the same plan.
    @staticmethod
    def resolve_report(plan):
        return plan

    @staticmethod
    def resolve_hours(plan):
        return planning.plan_hours(plan)

    @staticmethod
    def resolve_assignments(plan):
        return [booking for day in planning.plan_days(plan) for booking in day.bookings]


class PublishedOut(Schema):
    already_published: bool = Field(description="The plan was published before this request.")
    changed: int = Field(description="0 when the calendar already matched the plan.")
    booked: int = Field(description="Group bookings added.")
    unbooked: int = Field(description="Group bookings removed: the plan moved the person.")
    created: int = Field(description="Individual sessions created.")
    cancelled: int = Field(description="Individual sessions of an earlier publish no longer planned.")
    plan: WeekPlanSummaryOut
