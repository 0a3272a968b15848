import datetime

from django.utils import timezone

from openiop.coordination import services
from openiop.coordination.models import Provider, ProviderRole


def therapist(name="Jordan Outpatient", **fields) -> Provider:
    provider, _ = Provider.objects.get_or_create(
        name=name,
        defaults={"role": ProviderRole.OUTPATIENT_THERAPIST, "organization": "Harbor Counseling", **fields},
    )
    return provider


def part2_consent(
    patient, provider, by, *, categories=("attendance", "treatment_plan"), purposes=("treatment",), **kw
):
    return services.consent_record(
        patient=patient,
        kind="part2",
        disclosing_party="Program A IOP",
        recipient=provider,
        purposes=list(purposes),
        categories=list(categories),
        expires_on=kw.pop("expires_on", timezone.localdate() + datetime.timedelta(days=365)),
        signed_name=f"{patient.legal_given_name} {patient.legal_family_name}",
        signed_on=kw.pop("signed_on", timezone.localdate()),
        by=by,
        **kw,
    )
