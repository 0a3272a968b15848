"""Reads of patients for a given user. Chart loads check the policy and leave an audit event here, once."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse

from .chart_access import has_break_glass_open, remember_care_team
from .models import BreakGlassAccess, CareTeamMember, CareTeamRole, EpisodeOfCare, Patient


class BreakGlassRequired(Exception):
    """The user may open this chart only by giving a reason (break-the-glass)."""

    def __init__(self, patient: Patient):
        super().__init__(patient.uuid)
        self.patient = patient


def patients_in_programs_of(user) -> QuerySet[Patient]:
    """Patients with any episode in a program the user belongs to: the census they may list."""
    # A subquery of ids rather than a join and DISTINCT over every column: the same patients, without
    # de-duplicating wide rows (SQLite, size M: a census page and its count 4.3 -> 2.1 ms CPU).
    episodes = EpisodeOfCare.objects.filter(program__staff_profiles__user=user).values("patient_id")
    return Patient.objects.filter(id__in=episodes)


def patient_census(user, *, text: str = "", program_uuid=None, status: str = "", clinician_uuid=None):
    """The patients `user` may list, narrowed by a search text and episode filters, in name order.

    Episode filters apply together to one episode: "waitlist in program X" means an episode that is both.
    """
    patients = patients_in_programs_of(user)
    if text:
        patients = patients.search(text)
    episode_filters = {}
    if program_uuid:
        episode_filters["program__uuid"] = program_uuid
    if status:
        episode_filters["status"] = status
    if clinician_uuid:
        episode_filters["care_team_members__user__uuid"] = clinician_uuid
    if episode_filters:
        patients = patients.filter(episodes__in=EpisodeOfCare.objects.filter(**episode_filters))
    return patients.order_by("legal_family_name", "legal_given_name", "id")


def with_episodes(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Prefetch what list rows and chart headers show, in a fixed number of queries."""
    return patients.prefetch_related(
        Prefetch(
            "episodes",
            queryset=EpisodeOfCare.objects.select_related("program", "track").prefetch_related(
                Prefetch(
                    "care_team_members", queryset=CareTeamMember.objects.select_related("user__staff_profile")
                )
            ),
        )
    )


def with_list_episodes(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Prefetch what the patient list's rows show: episodes with program and track, and of each care team
    only the primary clinician (`episode.primary_clinicians`, at most one), not the whole team."""
    return patients.prefetch_related(
        Prefetch(
            "episodes",
            queryset=EpisodeOfCare.objects.select_related("program", "track").prefetch_related(
                Prefetch(
                    "care_team_members",
                    queryset=CareTeamMember.objects.filter(
                        role=CareTeamRole.PRIMARY_CLINICIAN
                    ).select_related("user__staff_profile"),
                    to_attr="primary_clinicians",
                )
            ),
        )
    )


def current_episode(patient: Patient) -> EpisodeOfCare | None:
    """The open episode referred most recently, else the latest one. Uses prefetched episodes."""
    episodes = list(patient.episodes.all())
    open_episodes = [episode for episode in episodes if episode.is_open]
    candidates = open_episodes or episodes
    return max(candidates, key=lambda e: (e.referred_on, e.created_at), default=None)


def patient_for_user(
    request, patient_uuid, *, permission: str = "patients.view_chart", action=Action.VIEW, audit: bool = True
) -> Patient:
    """Load a patient the user may act on, or stop: 404 if unknown, break-the-glass or 403 if not allowed.

    Writes the audit event for the access (`action`), so views never forget it.
    """
    patient = get_object_or_404(with_episodes(Patient.objects.all()), uuid=patient_uuid)
    user = request.user
    # The care teams just loaded answer the care-team checks of this patient without another query.
    remember_care_team(user, patient)
    if not user.has_perm(permission, patient):
        if permission == "patients.view_chart" and user.has_perm("patients.break_glass", patient):
            raise BreakGlassRequired(patient)
        refuse(request, permission=permission, patient=patient, obj=patient)
    if audit:
        audit_record(
            action=action,
            request=request,
            patient=patient,
            obj=patient,
            detail=_break_glass_detail(user, patient),
        )
    return patient


def patient_checked(
    request,
    patient: Patient,
    *,
    permission: str,
    reading: str,
    audit=True,
    action=Action.VIEW,
    obj=None,
    detail=None,
) -> Patient:
    """`patient_for_user` for a patient already loaded, under an app's own permissions: check `permission`
    (when it is the app's `reading` permission, a user who may break the glass gets BreakGlassRequired
    instead of a refusal) and write the audit event, naming any open break-the-glass access."""
    user = request.user
    if not user.has_perm(permission, patient):
        if permission == reading and user.has_perm("patients.break_glass", patient):
            raise BreakGlassRequired(patient)
        refuse(request, permission=permission, patient=patient, obj=obj or patient)
    if audit:
        audit_record(
            action=action,
            request=request,
            actor=user,
            patient=patient,
            obj=obj or patient,
            detail={**(detail or {}), **_break_glass_detail(user, patient)},
        )
    return patient


def _break_glass_detail(user, patient) -> dict:
    access = open_break_glass(user, patient)
    return {"break_glass": str(access.uuid)} if access else {}


def open_break_glass(user, patient) -> BreakGlassAccess | None:
    from django.utils import timezone

    # Most charts are opened without one: the request's remembered accesses answer that without a query.
    if not has_break_glass_open(user, patient):
        return None
    return (
        BreakGlassAccess.objects.filter(user=user, patient=patient, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def break_glass_awaiting_review(user) -> QuerySet[BreakGlassAccess]:
    """Emergency accesses the user should review: their programs' (directors) or all (auditors)."""
    # my day names who opened the chart with their credentials (display_name): the profile comes along.
    accesses = BreakGlassAccess.objects.filter(review=BreakGlassAccess.Review.PENDING).select_related(
        "user__staff_profile", "patient"
    )
    if user.role == "auditor":
        return accesses
    return accesses.filter(patient__episodes__program__staff_profiles__user=user).distinct()
