"""Reads of "my day"."""

from django.db.models import Prefetch

from openiop.patients.models import CareTeamMember, EpisodeOfCare, EpisodeStatus, Patient
from openiop.patients.selectors import current_episode

CASELOAD_STATUSES = (EpisodeStatus.ACTIVE, EpisodeStatus.WAITLIST, EpisodeStatus.REFERRAL)


def caseload_of(user) -> list[tuple[Patient, EpisodeOfCare | None]]:
    """The patients whose open episode's care team the user is on, by name, each with their current
    episode. Two queries. Only what the caseload rows show comes along (program and track): not the care
    teams, which the patient list prefetches (with_episodes) but my day never shows."""
    caseload_ids = CareTeamMember.objects.filter(user=user, episode__status__in=CASELOAD_STATUSES).values(
        "episode__patient"
    )
    patients = Patient.objects.filter(id__in=caseload_ids).prefetch_related(
        Prefetch("episodes", queryset=EpisodeOfCare.objects.select_related("program", "track"))
    )
    return [(patient, current_episode(patient)) for patient in patients]
