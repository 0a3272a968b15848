"""Reads for the program director's dashboard: one program (and track) and period in, plain records out.

A fixed number of queries whatever the number of patients: the episodes with their referral, discharge and
patient (one query), their level transitions, all their bookings with the session, the closures of those
days, the waitlist and the care teams (one query each), then the outcomes report's own fixed queries. The
figures are computed by the pure core (figures.py); the ledger's weeks by scheduling/ledger.py.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from openiop.core.access import refuse
from openiop.core.predicates import is_auditor
from openiop.discharge.models import DischargeReason
from openiop.intake.models import LevelTransition, ReferralSource, WaitlistEntry
from openiop.measures.outcomes import OutcomeReport
from openiop.measures.selectors_outcomes import (
    SCOPE_PROGRAM,
    OutcomeView,
    charted_instrument,
    discharge_reason,
    program_outcome_report,
)
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare
from openiop.programs.models import Program, Track
from openiop.scheduling import ledger
from openiop.scheduling.models import SessionAttendee
from openiop.scheduling.selectors import closed_dates, records_of_bookings

from . import figures

OUTCOME_INSTRUMENT = "PHQ-9"
REASON_LABELS = {
    **{value: str(label) for value, label in DischargeReason.choices},
    figures.NOT_RECORDED: "Reason not recorded",
}
SOURCE_LABELS = {"": "No referral", **{value: str(label) for value, label in ReferralSource.choices}}


def dashboard_programs(user) -> QuerySet[Program]:
    """The programs whose dashboard `user` may open: auditors every program, directors the ones they work in."""
    if not user.has_perm("operations.view_dashboard"):
        return Program.objects.none()
    if is_auditor(user):
        return Program.objects.order_by("name")
    return Program.objects.filter(staff_profiles__user=user).distinct().order_by("name")


def program_for_dashboard(request, program_uuid, *, permission: str = "operations.view_program") -> Program:
    """The program, or a recorded refusal (404 for an unknown program)."""
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm(permission, program):
        refuse(request, permission=permission, obj=program)
    return program


@dataclass(frozen=True)
class Loaded:
    """The records of one program (and track) and period, plus the episodes for the people lists."""

    board: figures.Dashboard
    episodes: dict[str, EpisodeOfCare]  # by uuid string, with their patient loaded
    outcomes: OutcomeReport | None


def _received_on(episode) -> datetime.date | None:
    referral = getattr(episode, "referral", None)
    if referral is None or referral.received_at is None:
        return None
    return timezone.localdate(referral.received_at)


def load_dashboard(
    *,
    program: Program,
    track: Track | None,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    with_outcomes: bool = True,
) -> Loaded:
    episodes_qs = EpisodeOfCare.objects.filter(program=program)
    if track is not None:
        episodes_qs = episodes_qs.filter(track=track)
    # Everyone in the program at some time of the period, plus those on the waitlist then.
    episodes_qs = episodes_qs.filter(
        Q(admitted_on__isnull=False, admitted_on__lte=end)
        & (Q(discharged_on__isnull=True) | Q(discharged_on__gte=start))
        | Q(waitlist_entry__added_on__lte=end)
    ).distinct()
    episodes = list(
        episodes_qs.select_related("patient", "referral", "discharge", "track").prefetch_related(
            Prefetch(
                "level_transitions",
                queryset=LevelTransition.objects.order_by("on", "created_at"),
                to_attr="moves",
            ),
            Prefetch(
                "care_team_members",
                queryset=CareTeamMember.objects.select_related("user__staff_profile"),
                to_attr="team",
            ),
        )
    )
    pks = [e.pk for e in episodes]
    bookings = list(SessionAttendee.objects.filter(episode_id__in=pks).select_related("session"))
    closed = closed_dates(program.pk, bookings)
    by_episode: dict[int, list[SessionAttendee]] = {}
    for booking in bookings:
        by_episode.setdefault(booking.episode_id, []).append(booking)
    waitlist_qs = WaitlistEntry.objects.filter(program=program, added_on__lte=end).exclude(
        removed_at__date__lt=start
    )
    if track is not None:
        waitlist_qs = waitlist_qs.filter(episode__track=track)
    waitlist = [
        figures.WaitlistRecord(
            str(uuid), added_on, None if removed_at is None else timezone.localdate(removed_at)
        )
        for uuid, added_on, removed_at in waitlist_qs.values_list("episode__uuid", "added_on", "removed_at")
    ]
    roles = dict(CareTeamRole.choices)

    records, transitions, attendance, caseload = [], [], [], []
    for e in episodes:
        key = str(e.uuid)
        sessions = records_of_bookings(by_episode.get(e.pk, []), closed=closed)
        weeks = ()
        if e.admitted_on is not None:
            weeks = tuple(
                ledger.weekly_ledger(
                    sessions,
                    target_hours=program.weekly_hours_target,
                    today=today,
                    period_start=e.admitted_on,
                    period_end=e.discharged_on,
                ).weeks
            )
        referral = getattr(e, "referral", None)
        records.append(
            figures.EpisodeRecord(
                id=key,
                track=e.track.name if e.track else "",
                referral_source=referral.source if referral is not None else "",
                referred_on=e.referred_on,
                referral_received_on=_received_on(e),
                admitted_on=e.admitted_on,
                discharged_on=e.discharged_on,
                discharge_reason=discharge_reason(e, e.moves),
                weeks=weeks,
            )
        )
        transitions += [figures.TransitionRecord(key, t.direction, t.on) for t in e.moves]
        attendance += [figures.AttendanceRecord(key, s.date, s.status) for s in sessions]
        caseload += [
            figures.CaseloadRow(key, str(m.user.uuid), m.user.display_name, str(roles.get(m.role, m.role)))
            for m in e.team
        ]
    board = figures.dashboard(
        episodes=records,
        transitions=transitions,
        waitlist=waitlist,
        attendance=attendance,
        caseload=caseload,
        start=start,
        end=end,
        today=today,
        source_labels=SOURCE_LABELS,
        reason_labels=REASON_LABELS,
    )
    outcomes = None
    instrument = charted_instrument(OUTCOME_INSTRUMENT) if with_outcomes else None
    if instrument is not None:
        view = OutcomeView(program=program, scope=SCOPE_PROGRAM, by_clinician=False, may_export=False)
        outcomes = program_outcome_report(view, instrument, start=start, end=end)
    return Loaded(board=board, episodes={str(e.uuid): e for e in episodes}, outcomes=outcomes)
