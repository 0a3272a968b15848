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
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from openiop.accounts.models import StaffProfile, User
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
    return outcome_view_or_refuse(request, get_object_or_404(Program, uuid=program_uuid))


def outcome_view_or_refuse(request, program: Program) -> OutcomeView:
    """What the user may see of a program already loaded (the outcomes form's choice), or a recorded
    refusal: the same check as program_for_outcomes, without reading the program a second time."""
    view = outcome_view(request.user, program)
    if view is None:
        refuse(request, permission="measures.view_program_outcomes", obj=program)
    return view


def discharge_reason(episode: EpisodeOfCare, transitions: list[LevelTransition]) -> str | None:
    """Why the episode ended (the rule is `reason_of_discharge`), read from the episode's models."""
    record = None
    if episode.discharged_on is not None:  # an episode in treatment has no reason: its record is not read
        try:
            record = episode.discharge
        except ObjectDoesNotExist:
            pass
    return reason_of_discharge(
        discharged_on=episode.discharged_on,
        record_status=record.status if record is not None else None,
        record_reason=record.reason if record is not None else None,
        moves=[(t.from_level, t.to_level, t.direction) for t in transitions],
    )


def reason_of_discharge(
    *,
    discharged_on: datetime.date | None,
    record_status: str | None,
    record_reason: str | None,
    moves: list[tuple[str, str, str]],
) -> str | None:
    """Why the episode ended, as far as the record says. The closed discharge record (openiop.discharge)
    says it when there is one; otherwise (episodes ended before that record existed, or ended directly by a
    change of level out of the IOP, e.g. an immediate hospitalisation) the last transition out of the IOP
    says stepped up / stepped down; anything else counts as "reason not recorded".

    Plain values in (`moves`: the episode's (from_level, to_level, direction) in date order), so the
    outcomes page can read them without building model instances."""
    if discharged_on is None:
        return None
    if record_status == "closed":
        return record_reason
    leaving = [
        direction
        for from_level, to_level, direction in moves
        if from_level == LevelOfCare.INTENSIVE_OUTPATIENT and to_level != LevelOfCare.INTENSIVE_OUTPATIENT
    ]
    if not leaving:
        return None
    return {Direction.STEP_UP: "stepped_up", Direction.STEP_DOWN: "stepped_down"}.get(leaving[-1])


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
    # Plain rows, not model instances, and the episode filter as a subquery rather than a list of ids: a
    # program-year at size L holds ~2,750 episodes, and building the episode, track, discharge, care team
    # member, user, profile and transition instances was most of this page's time. Four queries, as before.
    in_period = episodes.order_by().values("pk")
    rows = list(
        episodes.order_by("pk").values_list(
            "pk",
            "uuid",
            "admitted_on",
            "discharged_on",
            "track__name",
            "discharge__status",
            "discharge__reason",
        )
    )
    # An episode admitted between these reads may show up in the later ones: it is skipped there, so every
    # read describes the same episodes as the first.
    scores: dict[int, list[tuple[datetime.date, int]]] = {row[0]: [] for row in rows}
    moves: dict[int, list[tuple[str, str, str]]] = {row[0]: [] for row in rows}
    primary: dict[int, int] = {}
    people: dict[int, tuple[str, str, str, str | None]] = {}
    # The care team's own order (role, last name): the first primary clinician is the episode's.
    members = CareTeamMember.objects.filter(
        episode__in=in_period, role=CareTeamRole.PRIMARY_CLINICIAN
    ).values_list(
        "episode_id",
        "user_id",
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__staff_profile__credentials",
    )
    for episode_id, user_id, *person in members:
        if episode_id in scores:
            primary.setdefault(episode_id, user_id)
            people[user_id] = tuple(person)
    transitions = (
        LevelTransition.objects.filter(episode__in=in_period)
        .order_by("on", "created_at")
        .values_list("episode_id", "from_level", "to_level", "direction")
    )
    for episode_id, *move in transitions:
        if episode_id in moves:
            moves[episode_id].append(tuple(move))
    administrations = (
        counted_administrations()
        .filter(
            episode__in=in_period,
            instrument_code=instrument.code,
            total__isnull=False,
            completed_on__lte=end,
        )
        .order_by("completed_on", "created_at", "pk")
        .values_list("episode_id", "completed_on", "total")
    )
    for episode_id, completed_on, total in administrations:
        episode_scores = scores.get(episode_id)
        if episode_scores is not None:
            episode_scores.append((completed_on, total))
    names = _clinician_labels(people)
    return [
        outcomes.EpisodeRecord(
            key=str(uuid),
            admitted_on=admitted_on,
            discharged_on=discharged_on,
            # An episode in treatment has no reason (the rule's first case): most of a cohort, so not asked.
            discharge_reason=None
            if discharged_on is None
            else reason_of_discharge(
                discharged_on=discharged_on,
                record_status=record_status,
                record_reason=record_reason,
                moves=moves[pk],
            ),
            scores=tuple(scores[pk]),
            track=track_name or "",
            clinician=names.get(primary[pk], "") if pk in primary else "",
        )
        for pk, uuid, admitted_on, discharged_on, track_name, record_status, record_reason in rows
    ]


def _clinician_labels(people: dict[int, tuple[str, str, str, str | None]]) -> dict[int, str]:
    """Each primary clinician's shown name, made unique (two people of the same name get their username).

    `people`: user id -> (username, first name, last name, credentials or None without a staff profile).
    The name is the one `User.display_name` gives, from unsaved instances (one per person, not per episode)
    so the rule stays in one place."""
    users = {}
    for pk, (username, first_name, last_name, credentials) in people.items():
        users[pk] = User(username=username, first_name=first_name, last_name=last_name)
        if credentials is not None:
            StaffProfile(user=users[pk], credentials=credentials)  # caches itself as users[pk].staff_profile
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
