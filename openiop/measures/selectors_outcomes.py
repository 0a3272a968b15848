"""Reads for trajectories and program outcomes: administrations and episodes in, plain records out.

Only administrations that count are read (`Administration.objects.in_use()`: one marked entered in error
is left out of every trajectory and outcome). Change rules come from the instrument's current version: the
stored total was scored with the version of its day, and a new version of a file does not change what a
reliable change is without saying so in its citation.

Access: loaders here check the object's rule and write the one audit event of the page (patient_for_trajectory,
program_for_outcomes); the figures themselves are computed by the pure cores (trajectory.py, outcomes.py).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.core.predicates import is_auditor
from openiop.intake.models import Direction, LevelOfCare, LevelTransition
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, Patient
from openiop.patients.selectors import BreakGlassRequired, open_break_glass, with_episodes
from openiop.programs.models import Program

from . import outcomes, trajectory
from .instrument_schema import Instrument
from .models import Administration
from .registry import current_instruments, get_instrument

# --- instruments -----------------------------------------------------------------------------------------


def charted_instruments() -> list[Instrument]:
    """Instruments with a summed total and change rules: the ones with a trajectory and outcomes."""
    return [i for i in current_instruments() if i.scoring.method == "sum" and i.change is not None]


def charted_instrument(code: str) -> Instrument | None:
    try:
        instrument = get_instrument(code)
    except LookupError:
        return None
    return instrument if instrument.scoring.method == "sum" and instrument.change is not None else None


# --- trajectories ----------------------------------------------------------------------------------------


def counted_administrations() -> QuerySet[Administration]:
    return Administration.objects.in_use()


def observations(episode: EpisodeOfCare, instrument_code: str) -> list[trajectory.Observation]:
    rows = (
        counted_administrations()
        .filter(episode=episode, instrument_code=instrument_code)
        .order_by("completed_on", "created_at", "pk")
        .values_list("uuid", "completed_on", "total", "status", "created_at")
    )
    return [
        trajectory.Observation(
            on=completed_on, score=total, key=str(uuid), prorated=status == "prorated", recorded_at=created_at
        )
        for uuid, completed_on, total, status, created_at in rows
    ]


def episode_trajectory(episode: EpisodeOfCare, instrument: Instrument) -> trajectory.Trajectory:
    return trajectory.build_trajectory(
        instrument, observations(episode, instrument.code), start=episode.admitted_on
    )


def episode_trajectories(episode: EpisodeOfCare) -> list[trajectory.Trajectory]:
    """A trajectory for each charted instrument given in the episode, in the library's order.

    One query for every instrument (the chart shows this on each open): the same rows, in the same order,
    as `observations` reads per instrument."""
    rows = (
        counted_administrations()
        .filter(episode=episode)
        .order_by("completed_on", "created_at", "pk")
        .values_list("instrument_code", "uuid", "completed_on", "total", "status", "created_at")
    )
    by_code: dict[str, list[trajectory.Observation]] = {}
    for code, uuid, completed_on, total, status, created_at in rows:
        by_code.setdefault(code, []).append(
            trajectory.Observation(
                on=completed_on,
                score=total,
                key=str(uuid),
                prorated=status == "prorated",
                recorded_at=created_at,
            )
        )
    return [
        trajectory.build_trajectory(i, by_code[i.code], start=episode.admitted_on)
        for i in charted_instruments()
        if i.code in by_code
    ]


def patient_for_trajectory(request, patient_uuid, *, detail: dict | None = None) -> Patient:
    """The patient, if the user may read their questionnaires (the chart's rule); else break-the-glass
    (BreakGlassRequired) or a recorded refusal. Writes the page's VIEW event."""
    patient = get_object_or_404(with_episodes(Patient.objects.all()), uuid=patient_uuid)
    user = request.user
    if not user.has_perm("measures.view_patient", patient):
        if user.has_perm("patients.break_glass", patient):
            raise BreakGlassRequired(patient)
        refuse(request, permission="measures.view_patient", patient=patient, obj=patient)
    access = open_break_glass(user, patient)
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=patient,
        obj=patient,
        detail={**({"break_glass": str(access.uuid)} if access else {}), **(detail or {})},
    )
    return patient


# --- program outcomes --------------------------------------------------------------------------------------


SCOPE_PROGRAM = "program"
SCOPE_CASELOAD = "caseload"


@dataclass(frozen=True)
class OutcomeView:
    """What one user may see of one program's outcomes."""

    program: Program
    scope: str  # SCOPE_PROGRAM, or SCOPE_CASELOAD (the episodes whose care team the user is on)
    by_clinician: bool
    may_export: bool


def outcome_programs(user) -> QuerySet[Program]:
    """The programs whose outcomes `user` may open: auditors every program, others the ones they work in."""
    if not user.has_perm("measures.view_outcomes"):
        return Program.objects.none()
    if is_auditor(user):  # org-wide and read-only: no program of their own
        return Program.objects.order_by("name")
    return Program.objects.filter(staff_profiles__user=user).distinct().order_by("name")


def outcome_view(user, program: Program) -> OutcomeView | None:
    if not user.has_perm("measures.view_program_outcomes", program):
        return None
    whole = user.has_perm("measures.view_whole_program_outcomes", program)
    return OutcomeView(
        program=program,
        scope=SCOPE_PROGRAM if whole else SCOPE_CASELOAD,
        by_clinician=user.has_perm("measures.view_outcomes_by_clinician", program),
        may_export=user.has_perm("measures.export_outcomes", program),
    )


def program_for_outcomes(request, program_uuid) -> OutcomeView:
    """The program and what the user may see of it, or a recorded refusal (404 for an unknown program)."""
    program = get_object_or_404(Program, uuid=program_uuid)
    view = outcome_view(request.user, program)
    if view is None:
        refuse(request, permission="measures.view_program_outcomes", obj=program)
    return view


def discharge_reason(episode: EpisodeOfCare, transitions: list[LevelTransition]) -> str | None:
    """Why the episode ended, as far as the record says. The closed discharge record (openiop.discharge)
    says it when there is one; otherwise (episodes ended before that record existed, or ended directly by a
    change of level out of the IOP, e.g. an immediate hospitalisation) the last transition out of the IOP
    says stepped up / stepped down; anything else counts as "reason not recorded"."""
    if episode.discharged_on is None:
        return None
    try:
        record = episode.discharge
    except ObjectDoesNotExist:
        record = None
    if record is not None and record.status == "closed":
        return record.reason
    leaving = [
        t
        for t in transitions
        if t.from_level == LevelOfCare.INTENSIVE_OUTPATIENT and t.to_level != LevelOfCare.INTENSIVE_OUTPATIENT
    ]
    if not leaving:
        return None
    return {Direction.STEP_UP: "stepped_up", Direction.STEP_DOWN: "stepped_down"}.get(leaving[-1].direction)


EPISODE_FIELDS = (
    "uuid",
    "admitted_on",
    "discharged_on",
    "track__name",
    "discharge__status",
    "discharge__reason",
)
PRIMARY_FIELDS = (
    "episode",
    "user__username",
    "user__first_name",
    "user__last_name",
    "user__staff_profile__credentials",
)


def outcome_records(
    view: OutcomeView,
    instrument: Instrument,
    *,
    start: datetime.date,
    end: datetime.date,
    user=None,
) -> list[outcomes.EpisodeRecord]:
    """The program's episodes in treatment during the period (the caseload's for SCOPE_CASELOAD), each with
    its scores on the instrument up to the period's end, its track, primary clinician and discharge."""
    episodes = EpisodeOfCare.objects.filter(
        program=view.program, admitted_on__isnull=False, admitted_on__lte=end
    ).exclude(discharged_on__lt=start)
    if view.scope == SCOPE_CASELOAD:
        episodes = episodes.filter(care_team_members__user=user).distinct()
    # Only the columns a record reads (below, discharge_reason and _clinician_labels): a program's period at
    # size M holds hundreds of episodes, and building every column of the episode, track, discharge, care
    # team member, user and profile rows was most of this page's time (the query count is the same).
    episodes = (
        episodes.select_related("track", "discharge")
        .only(*EPISODE_FIELDS)
        .prefetch_related(
            Prefetch(
                "care_team_members",
                queryset=CareTeamMember.objects.filter(role=CareTeamRole.PRIMARY_CLINICIAN)
                .select_related("user__staff_profile")
                .only(*PRIMARY_FIELDS),
                to_attr="primaries",
            ),
            Prefetch(
                "level_transitions",
                queryset=LevelTransition.objects.order_by("on", "created_at"),
                to_attr="moves",
            ),
        )
    )
    episodes = list(episodes.order_by("pk"))
    scores: dict[int, list[tuple[datetime.date, int]]] = {e.pk: [] for e in episodes}
    rows = (
        counted_administrations()
        .filter(
            episode__in=[e.pk for e in episodes],
            instrument_code=instrument.code,
            total__isnull=False,
            completed_on__lte=end,
        )
        .order_by("completed_on", "created_at", "pk")
        .values_list("episode_id", "completed_on", "total")
    )
    for episode_id, completed_on, total in rows:
        scores[episode_id].append((completed_on, total))
    names = _clinician_labels(episodes)
    return [
        outcomes.EpisodeRecord(
            key=str(e.uuid),
            admitted_on=e.admitted_on,
            discharged_on=e.discharged_on,
            discharge_reason=discharge_reason(e, e.moves),
            scores=tuple(scores[e.pk]),
            track=e.track.name if e.track else "",
            clinician=names.get(e.primaries[0].user_id, "") if e.primaries else "",
        )
        for e in episodes
    ]


def _clinician_labels(episodes) -> dict[int, str]:
    """Each primary clinician's shown name, made unique (two people of the same name get their username)."""
    users = {m.user_id: m.user for e in episodes for m in e.primaries}
    shown: dict[str, list[int]] = {}
    for pk, user in users.items():
        shown.setdefault(user.display_name, []).append(pk)
    labels = {}
    for name, pks in shown.items():
        for pk in pks:
            labels[pk] = name if len(pks) == 1 else f"{name} ({users[pk].username})"
    return labels


def program_outcome_report(
    view: OutcomeView, instrument: Instrument, *, start: datetime.date, end: datetime.date, user=None
) -> outcomes.OutcomeReport:
    records = outcome_records(view, instrument, start=start, end=end, user=user)
    return outcomes.program_outcomes(
        instrument, records, start=start, end=end, by_track=True, by_clinician=view.by_clinician
    )
