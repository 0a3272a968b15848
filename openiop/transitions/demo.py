"""Demo content: medications as recorded for the active patients of the demo clinician's caseload, so the
transition packet has something to carry. Synthetic patients only; idempotent (nothing once any exists)."""

import datetime

from django.contrib.auth import get_user_model

from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeStatus

from . import services
from .models import Medication

MEDICATIONS = (
    ("Sertraline", "100 mg", "once a day in the morning"),
    ("Naltrexone", "50 mg", "once a day"),
    ("Hydroxyzine", "25 mg", "up to three times a day as needed for anxiety"),
    ("Bupropion XL", "150 mg", "once a day in the morning"),
)


def load_demo_medications(*, today: datetime.date) -> int:
    if Medication.objects.exists():
        return 0
    users = get_user_model().objects
    psychiatrist = users.filter(username="psychiatrist").first() or users.get(username="clinician")
    members = (
        CareTeamMember.objects.filter(
            user__username="clinician",
            role=CareTeamRole.PRIMARY_CLINICIAN,
            episode__status=EpisodeStatus.ACTIVE,
            episode__patient__is_synthetic=True,
        )
        .select_related("episode__patient")
        .order_by("episode__patient__record_number")
    )
    created = 0
    for index, member in enumerate(members[:6]):
        episode = member.episode
        for name, dose, directions in (MEDICATIONS[index % 4], MEDICATIONS[(index + 1) % 4])[: 1 + index % 2]:
            services.medication_add(
                patient=episode.patient,
                by=psychiatrist,
                name=name,
                dose=dose,
                directions=directions,
                prescriber=psychiatrist.display_name,
                started_on=min(today, episode.admitted_on or today),
            )
            created += 1
    return created
