"""Reads for admission, waitlist, transitions, certification and due items, for a given user.

`episode_for_user` is the one loader of an episode for these pages: it checks the policy and writes the
audit event, so views never forget either.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from openiop.accounts.models import Role, User
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.programs.models import Program, Track

from .models import Certification, DueItem, LevelOfCareAssessment, LevelTransition

DUE_SOON_DAYS = 7


def episode_for_user(request, episode_uuid, permission: str) -> EpisodeOfCare:
    """Load an episode the user may act on with `permission`, or stop: 404 if unknown, 403 (audited) if not.

    The user must also be able to open the patient's chart: these pages show the person's name and
    clinical facts, so chart access (care team, or program lead) applies as it does on the chart.
    """
    episode = get_object_or_404(
        EpisodeOfCare.objects.select_related("patient", "program", "track"), uuid=episode_uuid
    )
    user = request.user
    for needed, target in ((permission, episode), ("patients.view_chart", episode.patient)):
        if not user.has_perm(needed, target):
            refuse(request, permission=needed, patient=episode.patient, obj=episode)
    audit_record(action=Action.VIEW, request=request, patient=episode.patient, obj=episode)
    return episode


def programs_of(user):
    return Program.objects.active().filter(staff_profiles__user=user).order_by("name")


def tracks_with_census(program):
    """The program's open tracks, each annotated with `taken`: the places active episodes hold."""
    return (
        Track.objects.active()
        .filter(program=program)
        .annotate(taken=Count("episodes", filter=Q(episodes__status=EpisodeStatus.ACTIVE)))
    )


def program_clinicians(program):
    """Who may be a primary clinician: the program's active clinicians and psychiatrists."""
    return (
        User.objects.filter(
            role__in=[Role.CLINICIAN, Role.PSYCHIATRIST], staff_profile__programs=program, is_active=True
        )
        .select_related("staff_profile")
        .order_by("last_name", "first_name")
    )


def program_psychiatrists(program):
    return program_clinicians(program).filter(role=Role.PSYCHIATRIST)


def admission_staff_among(program, uuids) -> tuple[dict, dict]:
    """Who among `uuids` may be the primary clinician (as `program_clinicians`) and who may be the
    psychiatrist (as `program_psychiatrists`), each by uuid, from one query: the admission form's two staff
    fields resolve from it instead of running a `get()` each (issue 10)."""
    clinicians = {user.uuid: user for user in program_clinicians(program).filter(uuid__in=uuids)}
    psychiatrists = {key: user for key, user in clinicians.items() if user.role == Role.PSYCHIATRIST}
    return clinicians, psychiatrists


def latest_assessment(patient) -> LevelOfCareAssessment | None:
    return (
        LevelOfCareAssessment.objects.filter(patient=patient)
        .select_related("assessed_by__staff_profile")
        .first()
    )


def open_due_items_of_program(program):
    """Open due items of the program's active episodes, soonest first."""
    return (
        DueItem.objects.open()
        .filter(episode__program=program, episode__status=EpisodeStatus.ACTIVE)
        .select_related("episode__patient", "owner__staff_profile")
        .order_by("due_on", "kind")
    )


def open_due_items_owned_by(user):
    """Open due items of active episodes that `user` owns, soonest (so overdue) first."""
    return (
        DueItem.objects.open()
        .filter(owner=user, episode__status=EpisodeStatus.ACTIVE)
        .select_related("episode__patient")
        .order_by("due_on", "kind")
    )


@dataclass
class DueGroups:
    overdue: list = field(default_factory=list)
    soon: list = field(default_factory=list)
    later: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.overdue or self.soon or self.later)

    def __len__(self) -> int:
        return len(self.overdue) + len(self.soon) + len(self.later)


def group_due_items(items, *, today: datetime.date) -> DueGroups:
    """Overdue (before today), due within the next 7 days (today included), later."""
    groups = DueGroups()
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    for item in items:
        if item.due_on < today:
            groups.overdue.append(item)
        elif item.due_on <= horizon:
            groups.soon.append(item)
        else:
            groups.later.append(item)
    return groups


@dataclass
class ChartIntake:
    """What the chart shows of intake: a fixed number of queries whatever the number of rows."""

    assessments: list
    transitions: list
    due_items: list
    certifications: list

    @property
    def latest_certification(self) -> Certification | None:
        return self.certifications[0] if self.certifications else None

    @property
    def recertification_due(self) -> DueItem | None:
        open_recerts = [i for i in self.due_items if i.kind == "recertification" and i.completed_at is None]
        return min(open_recerts, key=lambda i: i.due_on, default=None)


def chart_intake(patient, episode) -> ChartIntake:
    assessments = list(
        LevelOfCareAssessment.objects.filter(patient=patient).select_related("assessed_by__staff_profile")
    )
    transitions = list(LevelTransition.objects.filter(patient=patient).order_by("on", "created_at"))
    if episode is None:
        return ChartIntake(assessments, transitions, [], [])
    # Open items first, each part by due date (in Python: databases sort NULLs differently).
    due_items = sorted(
        DueItem.objects.filter(episode=episode).select_related(
            "owner__staff_profile", "completed_by__staff_profile"
        ),
        key=lambda item: (item.completed_at is not None, item.due_on, item.kind),
    )
    certifications = list(
        Certification.objects.filter(episode=episode).select_related("certified_by__staff_profile")
    )
    return ChartIntake(assessments, transitions, due_items, certifications)
