"""Demo content: a few external providers, consents for some active patients of the demo clinician, and
one disclosure. Synthetic patients only; idempotent (does nothing once the providers exist)."""

import datetime

from django.contrib.auth import get_user_model

from openiop.patients.models import CareTeamMember, EpisodeStatus

from . import services
from .models import Provider, ProviderRole
from .summary import summary_source

PROVIDERS = (
    ("Jordan Rivera, LCSW", ProviderRole.OUTPATIENT_THERAPIST, "Harbor Counseling (demo)", "1234567893"),
    ("Dr. Casey Morgan", ProviderRole.PRIMARY_CARE, "Lakeside Family Medicine (demo)", ""),
    ("Cedar House Residential", ProviderRole.RESIDENTIAL_PROGRAM, "Cedar House (demo)", ""),
)


def load_demo_coordination(*, today: datetime.date) -> int:
    """Add the demo providers, Part 2 consents for two active patients of "clinician" and one disclosure.

    Returns the number of records created (0 when already loaded)."""
    if Provider.objects.filter(organization__endswith="(demo)").exists():
        return 0
    clinician = get_user_model().objects.get(username="clinician")
    created = 0
    providers = []
    for name, role, organization, npi in PROVIDERS:
        providers.append(
            services.provider_create(
                by=clinician,
                name=name,
                role=role,
                organization=organization,
                npi=npi,
                phone="555-0100",
                direct_address=f"intake@direct.{organization.split()[0].lower()}.example.org",
            )
        )
        created += 1
    therapist = providers[0]
    members = (
        CareTeamMember.objects.filter(user=clinician, episode__status=EpisodeStatus.ACTIVE)
        .select_related("episode__patient")
        .order_by("episode__patient__record_number")[:2]
    )
    for index, member in enumerate(members):
        patient = member.episode.patient
        services.external_member_add(patient=patient, provider=therapist, role=therapist.role, by=clinician)
        services.consent_record(
            patient=patient,
            kind="part2",
            disclosing_party=member.episode.program.name,
            recipient=therapist,
            purposes=["treatment"],
            categories=["attendance", "treatment_plan"],
            expires_at_discharge=True,  # or in a year, whichever comes first
            expires_on=today + datetime.timedelta(days=365),
            signed_name=f"{patient.legal_given_name} {patient.legal_family_name}",
            signed_on=today,
            by=clinician,
        )
        created += 2
        if index == 0:
            services.disclose(
                patient=patient,
                recipient=therapist,
                purpose="treatment",
                categories=["attendance", "treatment_plan"],
                document=summary_source(patient, recipient=therapist, include_plan=True),
                media_type=services.PDF,
                description="Treatment summary (attendance, treatment plan goals)",
                by=clinician,
            )
            created += 1
    return created
