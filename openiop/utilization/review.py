"""The utilization-review summary: what a payer's reviewer needs to justify continued stay, for one patient
and a date range.

Gathers, for the episode in treatment during the range: hours per week against the program's target
(the weekly ledger's lines for the weeks that touch the range), attendance counts in the range, measures
from start to latest with their change classification and the active treatment plan with the latest
progress per objective (both built by the transition packet's helpers, so the two documents agree),
risk events in the range (urgent measure alerts, safety-plan review requests and safety plans signed),
level-of-care assessments up to the end of the range, and the payer authorizations with their use.
Never notes (progress or psychotherapy): a reviewer gets the facts above, not the narrative.

Read only: the caller has checked access and writes the PRINT audit event.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from openiop.coordination.services import PART2_NOTICE, PART2_NOTICE_SHORT
from openiop.intake.models import LevelOfCareAssessment
from openiop.measures.models import MeasureAlert
from openiop.patients.models import EpisodeOfCare, Patient
from openiop.programs.models import Focus
from openiop.safety.models import Plan, PlanKind, PlanStatus, ReviewRequest
from openiop.scheduling import ledger
from openiop.scheduling.selectors import ledger_for_episode, ledger_records
from openiop.transitions.packet import MeasureLine, ObjectiveLine, measure_lines, objective_lines
from openiop.treatment.selectors import active_plan

from .selectors import Row, patient_rows

DEFAULT_DAYS = 28  # the last 4 weeks, today included
MAX_DAYS = 366
# Part 2 (42 CFR part 2) covers the records of a federally assisted substance-use disorder program: here,
# episodes in a program whose focus is substance use or co-occurring disorders. Any such episode of the
# patient makes the summary Part 2: it reads assessments and measures across the person's record.
PART2_FOCUS = (Focus.SUBSTANCE_USE, Focus.CO_OCCURRING)


def is_part2(patient: Patient) -> bool:
    return EpisodeOfCare.objects.filter(patient=patient, program__focus__in=PART2_FOCUS).exists()


def default_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - datetime.timedelta(days=DEFAULT_DAYS - 1), today


def range_problem(start: datetime.date | None, end: datetime.date | None) -> str | None:
    """Why (start, end) is not a range to summarize, or None."""
    if start is None or end is None:
        return str(_("Give both the first and the last day."))
    if end < start:
        return str(_("The last day cannot be before the first day."))
    if (end - start).days + 1 > MAX_DAYS:
        return str(_("Summarize at most %(n)s days at a time.") % {"n": MAX_DAYS})
    return None


@dataclass(frozen=True)
class Attendance:
    attended: int
    absent_excused: int
    absent_unexcused: int
    cancelled: int
    not_recorded: int
    attended_minutes: int

    @property
    def attended_hours(self):
        return ledger.hours(self.attended_minutes)

    @property
    def offered(self) -> int:
        """Sessions the person could have come to (cancelled ones left out)."""
        return self.attended + self.absent_excused + self.absent_unexcused

    @property
    def rate(self) -> int | None:
        return round(100 * self.attended / self.offered) if self.offered else None


@dataclass(frozen=True)
class RiskEvent:
    on: datetime.date
    kind: str
    text: str


@dataclass(frozen=True)
class Review:
    patient: Patient
    episode: EpisodeOfCare
    start: datetime.date
    end: datetime.date
    prepared_on: datetime.date
    weeks: list
    attendance: Attendance
    measures: list[MeasureLine]
    plan: object | None
    objectives: list[ObjectiveLine]
    risk_events: list[RiskEvent]
    assessments: list
    authorizations: list[Row]
    part2: bool

    @property
    def target_hours(self):
        return self.episode.program.weekly_hours_target

    @property
    def notice(self) -> str:
        return PART2_NOTICE

    @property
    def short_notice(self) -> str:
        return PART2_NOTICE_SHORT


def episode_in(patient: Patient, start: datetime.date, end: datetime.date) -> EpisodeOfCare | None:
    """The latest episode in treatment at some point of start..end."""
    episodes = (
        EpisodeOfCare.objects.filter(patient=patient, admitted_on__isnull=False, admitted_on__lte=end)
        .select_related("program", "track")
        .order_by("-admitted_on", "-pk")
    )
    for episode in episodes:
        if episode.discharged_on is None or episode.discharged_on >= start:
            return episode
    return None


def attendance_in(records, start: datetime.date, end: datetime.date) -> Attendance:
    inside = [r for r in records if start <= r.date <= end]
    counts = Counter(r.status for r in inside)
    return Attendance(
        attended=sum(counts[s] for s in ledger.ATTENDED),
        absent_excused=counts[ledger.ABSENT_EXCUSED],
        absent_unexcused=counts[ledger.ABSENT_UNEXCUSED],
        cancelled=counts[ledger.CANCELLED],
        not_recorded=counts[ledger.NOT_RECORDED],
        attended_minutes=sum(ledger.attended_minutes(r) for r in inside),
    )


def risk_events(patient: Patient, start: datetime.date, end: datetime.date) -> list[RiskEvent]:
    events = []
    for alert in MeasureAlert.objects.filter(patient=patient, created_at__date__range=(start, end)):
        events.append(RiskEvent(alert.created_at.date(), str(_("Urgent measure alert")), alert.message))
    for request in ReviewRequest.objects.filter(patient=patient, created_at__date__range=(start, end)):
        events.append(
            RiskEvent(
                request.created_at.date(),
                str(_("Review of the %(kind)s requested") % {"kind": request.get_kind_display().lower()}),
                request.reason,
            )
        )
    for plan in Plan.objects.of(patient, PlanKind.SAFETY).filter(
        status=PlanStatus.SIGNED, signed_at__date__range=(start, end)
    ):
        events.append(
            RiskEvent(
                plan.signed_at.date(),
                str(_("Safety plan signed")),
                str(_("Version %(n)s") % {"n": plan.number}),
            )
        )
    return sorted(events, key=lambda e: (e.on, e.kind))


def build_review(
    patient: Patient,
    episode: EpisodeOfCare,
    *,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
) -> Review:
    records = ledger_records(episode)
    weeks = [
        week
        for week in ledger_for_episode(episode, today=today).weeks
        if week.week_start <= end and week.week_start + datetime.timedelta(days=6) >= start
    ]
    plan = active_plan(episode)
    return Review(
        patient=patient,
        episode=episode,
        start=start,
        end=end,
        prepared_on=today,
        weeks=weeks,
        attendance=attendance_in(records, start, end),
        measures=measure_lines(episode),
        plan=plan,
        objectives=objective_lines(plan),
        risk_events=risk_events(patient, start, end),
        assessments=list(
            LevelOfCareAssessment.objects.filter(patient=patient, assessed_on__lte=end).order_by(
                "-assessed_on", "-signed_at"
            )
        ),
        authorizations=[
            row for row in patient_rows(patient, today=today) if row.authorization.episode_id == episode.pk
        ],
        part2=is_part2(patient),
    )
