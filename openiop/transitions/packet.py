"""The transition packet: what the next provider needs when a person steps down, steps up or is discharged.

Gathers, for one episode: the services received and hours attended, the measures at start and end with
their change classification, the active treatment plan with the latest progress per objective, the signed
safety plan, the medications as recorded, the aftercare plan and providers, and crisis resources. Read
only: the caller has checked access; the packet leaves only through the disclosure service
(coordination.services.disclose), which checks consent, stamps the §2.32 notice and records the digest.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from openiop.coordination.selectors import external_team_of
from openiop.measures.selectors_outcomes import episode_trajectories
from openiop.patients.models import EpisodeOfCare
from openiop.safety.models import PlanKind
from openiop.safety.selectors import plan_state, rendered
from openiop.scheduling import ledger
from openiop.scheduling.models import SessionAttendee, SessionKind, SessionStatus
from openiop.scheduling.selectors import ledger_for_episode
from openiop.treatment.models import Objective, ObjectiveProgress, ReviewStatus, TreatmentPlan
from openiop.treatment.selectors import active_plan

from .models import Medication

STEP_DOWN, STEP_UP, DISCHARGE = "step_down", "step_up", "discharge"
KINDS = {
    STEP_DOWN: _("Step-down"),
    STEP_UP: _("Step-up"),
    DISCHARGE: _("Discharge"),
}
# Always in the packet, whatever else is known: the person leaves with them.
CRISIS_RESOURCES = (
    ("988", _("988 Suicide & Crisis Lifeline (call or text, 24/7)")),
    ("911", _("Emergency services")),
)


@dataclass(frozen=True)
class ServiceLine:
    label: str
    sessions: int
    minutes: int

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.1f}"


@dataclass(frozen=True)
class MeasureLine:
    title: str
    start_on: datetime.date
    start_score: int
    start_band: str | None
    end_on: datetime.date | None
    end_score: int | None
    end_band: str | None
    classification: str
    start_key: str = ""  # the administrations' public ids, for the FHIR Observations
    end_key: str = ""


@dataclass(frozen=True)
class ObjectiveLine:
    goal: str
    objective: str
    target: str
    progress: str
    reviewed_on: datetime.date | None


@dataclass(frozen=True)
class Packet:
    kind: str
    episode: EpisodeOfCare
    prepared_on: datetime.date
    services: list[ServiceLine]
    total_minutes: int
    weeks: list
    weeks_at_target: int
    weeks_counted: int
    measures: list[MeasureLine]
    plan: TreatmentPlan | None
    objectives: list[ObjectiveLine]
    safety_plan: object | None  # safety.selectors.Rendered
    medications: list[Medication]
    discharge: object | None  # discharge.models.Discharge
    aftercare: list = field(default_factory=list)
    external_team: list = field(default_factory=list)

    @property
    def patient(self):
        return self.episode.patient

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def total_hours(self) -> str:
        return f"{self.total_minutes / 60:.1f}"

    @property
    def crisis_resources(self):
        return CRISIS_RESOURCES


def services_received(episode: EpisodeOfCare) -> list[ServiceLine]:
    """Sessions attended (present, late or left early) per kind of service, with the minutes attended
    counted as the weekly ledger counts them (scheduling.ledger.attended_minutes), in the kinds' order."""
    bookings = SessionAttendee.objects.filter(episode=episode, status__in=ledger.ATTENDED).exclude(
        session__status=SessionStatus.CANCELLED
    )
    totals: dict[str, list[int]] = {}
    for booking in bookings.select_related("session__session_type"):
        minutes = ledger.attended_minutes(
            ledger.SessionRecord(
                date=booking.session.date,
                scheduled_minutes=booking.session.minutes,
                status=booking.status,
                minutes_attended=booking.minutes_attended,
            )
        )
        line = totals.setdefault(booking.session.session_type.kind, [0, 0])
        line[0] += 1
        line[1] += minutes
    return [ServiceLine(str(label), *totals[kind]) for kind, label in SessionKind.choices if kind in totals]


def measure_lines(episode: EpisodeOfCare) -> list[MeasureLine]:
    lines = []
    for trajectory in episode_trajectories(episode):
        start, end = trajectory.baseline, trajectory.latest
        if start is None:
            continue
        later = end if end is not None and end is not start else None
        lines.append(
            MeasureLine(
                title=trajectory.title,
                start_on=start.on,
                start_score=start.score,
                start_band=start.band,
                end_on=later.on if later else None,
                end_score=later.score if later else None,
                end_band=later.band if later else None,
                classification=trajectory.classification_label if later else str(_("Only one score")),
                start_key=start.key,
                end_key=later.key if later else "",
            )
        )
    return lines


def _plan_of(episode: EpisodeOfCare) -> TreatmentPlan | None:
    """The active plan; for an episode already closed, the last plan that was active."""
    plan = active_plan(episode)
    if plan is not None:
        return plan
    return (
        TreatmentPlan.objects.filter(episode=episode, activated_at__isnull=False)
        .order_by("-activated_at", "-id")
        .first()
    )


def objective_lines(plan: TreatmentPlan | None) -> list[ObjectiveLine]:
    if plan is None:
        return []
    objectives = list(
        Objective.objects.filter(goal__problem__plan=plan)
        .select_related("goal")
        .order_by("goal__problem__position", "goal__position", "position", "id")
    )
    latest_review = dict(
        ObjectiveProgress.objects.filter(objective__in=objectives, review__status=ReviewStatus.COMPLETED)
        .values("objective")
        .annotate(last=Max("review__reviewed_on"))
        .values_list("objective", "last")
    )
    progress = {
        row.objective_id: row
        for row in ObjectiveProgress.objects.filter(
            objective__in=objectives, review__status=ReviewStatus.COMPLETED
        ).select_related("review")
        if row.review.reviewed_on == latest_review.get(row.objective_id)
    }
    lines = []
    for objective in objectives:
        row = progress.get(objective.id)
        lines.append(
            ObjectiveLine(
                goal=objective.goal.text,
                objective=objective.text,
                target=objective.target,
                progress=row.get_progress_display() if row else str(_("Not reviewed yet")),
                reviewed_on=row.review.reviewed_on if row else None,
            )
        )
    return lines


def build_packet(episode: EpisodeOfCare, *, kind: str, today: datetime.date) -> Packet:
    if kind not in KINDS:
        raise ValueError(f"unknown transition kind {kind!r}")
    patient = episode.patient
    services = services_received(episode)
    weeks = ledger_for_episode(episode, today=today).weeks if episode.admitted_on else []
    # Whole weeks only: the weeks of admission and of leaving are partial, the current one not ended.
    counted = [w for w in weeks if w.ended and not w.partial]
    plan = _plan_of(episode)
    safety = plan_state(patient, PlanKind.SAFETY).current
    discharge = episode.discharge if _has_discharge(episode) else None
    return Packet(
        kind=kind,
        episode=episode,
        prepared_on=today,
        services=services,
        total_minutes=sum(line.minutes for line in services),
        weeks=list(weeks),
        weeks_at_target=sum(1 for w in counted if w.attended_minutes >= w.target_minutes),
        weeks_counted=len(counted),
        measures=measure_lines(episode),
        plan=plan,
        objectives=objective_lines(plan),
        safety_plan=rendered(safety) if safety is not None else None,
        medications=list(Medication.objects.current().filter(patient=patient)),
        discharge=discharge,
        aftercare=list(discharge.appointments.select_related("provider")) if discharge else [],
        external_team=list(external_team_of(patient).filter(ended_on__isnull=True)),
    )


def _has_discharge(episode: EpisodeOfCare) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        episode.discharge  # noqa: B018 (the reverse one-to-one raises when absent)
    except ObjectDoesNotExist:
        return False
    return True
