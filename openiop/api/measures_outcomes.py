"""Trajectories and program outcomes: a patient's scores on one instrument with reliable change, and a
program's outcomes in aggregate (no names, no record numbers: counts and rates only).

Same loaders, rules and audit events as the pages (openiop/measures/selectors_outcomes.py).
"""

import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.measures.forms_outcomes import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS
from openiop.measures.selectors_outcomes import (
    charted_instrument,
    episode_trajectory,
    patient_for_trajectory,
    program_for_outcomes,
    program_outcome_report,
)
from openiop.patients.selectors import BreakGlassRequired, current_episode

from .policy import api_policy
from .problems import PROBLEM_RESPONSES, ApiProblem

router = Router(tags=["measures"])

CHART_REFUSED = (
    "You may not read this patient's questionnaires: they follow the chart's care team. The attempt has "
    "been recorded. Break-the-glass (emergency) access is not available through the API."
)


class ChangeOut(Schema):
    difference: float = Field(description="Score minus the baseline score, in points.")
    improvement: float = Field(description="Change towards better (positive = better), whatever the scale.")
    method: str | None = Field(description="'threshold' (a published number of points) or 'rci'.")
    threshold: float | None
    rci: float | None = Field(description="Jacobson–Truax reliable change index, when the method is 'rci'.")
    classification: str | None = Field(
        description="reliable_improvement, no_reliable_change or reliable_deterioration."
    )
    response: bool | None = Field(description="None when the baseline is too low for the rule to apply.")
    remission: bool | None
    clinically_significant: bool | None


class PointOut(Schema):
    administration: UUID
    completed_on: datetime.date
    week: int = Field(description="Whole weeks since admission.")
    score: int
    prorated: bool
    band: str | None
    baseline: bool
    change: ChangeOut | None = Field(description="Against the baseline; null for the baseline itself.")


class CriteriaOut(Schema):
    better: str
    reliable_change: str
    reliable_change_citation: str
    response: str
    response_citation: str
    remission: str
    remission_citation: str


class TrajectoryOut(Schema):
    instrument: str
    instrument_version: str
    episode: UUID
    points: list[PointOut]
    classification: str | None = Field(
        description="Latest against baseline; null with fewer than two scores."
    )
    change: ChangeOut | None
    first_reliable_improvement_week: int | None
    criteria: CriteriaOut


def _change(change) -> dict | None:
    if change is None:
        return None
    return {**change.to_dict()}


@router.get(
    "/patients/{patient_uuid}/trajectories/{instrument_code}",
    response={200: TrajectoryOut, **PROBLEM_RESPONSES},
    url_name="patient_trajectory",
)
@api_policy("measures.view")
def patient_trajectory(request, patient_uuid: UUID, instrument_code: str, episode: UUID | None = None):
    """A patient's scores on one instrument in one episode (default: the current one), each with its
    change from the baseline (the episode's first score), reliable change, response and remission by the
    instrument's cited rules. Questionnaires marked entered in error are left out."""
    instrument = charted_instrument(instrument_code)
    if instrument is None:
        raise ApiProblem(
            404, "No instrument with this code has a trajectory (it needs a total and change rules)."
        )
    try:
        patient = patient_for_trajectory(
            request,
            patient_uuid,
            detail={"page": "trajectory", "instrument": instrument.code, "channel": "api"},
        )
    except BreakGlassRequired as exc:
        try:
            refuse(request, permission="measures.view_patient", patient=exc.patient, obj=exc.patient)
        except PermissionDenied:
            raise ApiProblem(403, CHART_REFUSED) from None
    except PermissionDenied:
        raise ApiProblem(403, CHART_REFUSED) from None
    admitted = [e for e in patient.episodes.all() if e.admitted_on]
    chosen = next((e for e in admitted if e.uuid == episode), None) if episode else current_episode(patient)
    if chosen is None or chosen.admitted_on is None:
        raise ApiProblem(404, "No admitted episode of this patient matches.")
    trajectory = episode_trajectory(chosen, instrument)
    c = trajectory.criteria
    return {
        "instrument": trajectory.instrument_code,
        "instrument_version": trajectory.instrument_version,
        "episode": chosen.uuid,
        "points": [
            {
                "administration": p.key,
                "completed_on": p.on,
                "week": p.week,
                "score": p.score,
                "prorated": p.prorated,
                "band": p.band,
                "baseline": p.is_baseline,
                "change": _change(p.change),
            }
            for p in trajectory.points
        ],
        "classification": trajectory.classification,
        "change": _change(trajectory.change),
        "first_reliable_improvement_week": trajectory.first_reliable_improvement_week,
        "criteria": {
            "better": c.better,
            "reliable_change": c.reliable,
            "reliable_change_citation": c.reliable_citation,
            "response": c.response,
            "response_citation": c.response_citation,
            "remission": c.remission,
            "remission_citation": c.remission_citation,
        },
    }


class OutcomeQuery(Schema):
    instrument: str = Field("PHQ-9", description="Instrument code, e.g. PHQ-9 or GAD-7.")
    start: datetime.date | None = Field(
        None, alias="from", description="First day of the period (default: 89 days before `to`)."
    )
    end: datetime.date | None = Field(
        None, alias="to", description="Last day of the period (default: today)."
    )


class RateOut(Schema):
    count: int
    of: int = Field(description="The denominator.")
    percent: float | None = Field(description="Null when the denominator is 0.")


class SummaryOut(Schema):
    episodes: int = Field(description="Episodes in treatment at some point of the period.")
    with_baseline: int
    with_follow_up: int = Field(
        description="With a baseline and a follow-up: the change figures' denominator."
    )
    mean_change: float | None = Field(description="Follow-up minus baseline, points.")
    sd_change: float | None
    reliable_improvement: RateOut
    no_reliable_change: RateOut
    reliable_deterioration: RateOut
    response: RateOut
    remission: RateOut
    discharged: int = Field(description="Discharged within the period.")
    completed: RateOut
    discharge_reason_not_recorded: int


class OutcomesOut(Schema):
    program: UUID
    instrument: str
    start: datetime.date = Field(alias="from")
    end: datetime.date = Field(alias="to")
    scope: str = Field(description="'program', or 'caseload' (only the episodes whose care team you are on).")
    overall: SummaryOut
    by_track: dict[str, SummaryOut]
    by_clinician: dict[str, SummaryOut] = Field(description="Program directors only; empty otherwise.")


@router.get(
    "/programs/{program_uuid}/outcomes",
    response={200: OutcomesOut, **PROBLEM_RESPONSES},
    url_name="program_outcomes",
    by_alias=True,
)
@api_policy("measures.view_outcomes")
def program_outcomes(request, program_uuid: UUID, query: Query[OutcomeQuery]):
    """A program's outcomes on one instrument over a period (Joint Commission CTS.03.01.09): counts and
    rates, each with its denominator; never a list of people. Directors and auditors see the whole program
    (directors also by primary clinician); clinicians their own caseload."""
    instrument = charted_instrument(query.instrument)
    if instrument is None:
        raise ApiProblem(422, "Give an instrument with a total and change rules, e.g. PHQ-9 or GAD-7.")
    end = query.end or timezone.localdate()
    start = query.start or end - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if end < start:
        raise ApiProblem(422, "The end of the period must not be before its start.")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ApiProblem(422, "Choose a period of three years or less.")
    try:
        view = program_for_outcomes(request, program_uuid)
    except PermissionDenied:
        raise ApiProblem(
            403, "You may not read this program's outcomes. The attempt has been recorded."
        ) from None
    report = program_outcome_report(view, instrument, start=start, end=end, user=request.user)
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="measures.outcomes",
        detail={
            "program": str(view.program.uuid),
            "instrument": instrument.code,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "scope": view.scope,
            "episodes": report.overall.episodes,
            "channel": "api",
        },
    )
    return {
        "program": view.program.uuid,
        "instrument": instrument.code,
        "from": start,
        "to": end,
        "scope": view.scope,
        "overall": report.overall.to_dict(),
        "by_track": {label: s.to_dict() for label, s in report.by_track.items()},
        "by_clinician": {label: s.to_dict() for label, s in report.by_clinician.items()},
    }
