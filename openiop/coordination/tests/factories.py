import datetime

from django.utils import timezone

from openiop.coordination import services
from openiop.coordination.models import Provider, ProviderRole, Transmission, TransmissionStatus

# The first bytes of each accepted scan type; the rest does not matter to the checks.
PDF_BYTES = b"%PDF-1.4\n% a synthetic scan\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


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


def member(patient, provider, by, **kw):
    return services.external_member_add(
        patient=patient, provider=provider, role=kw.pop("role", provider.role), by=by, **kw
    )


def scanned_consent(patient, provider, by, *, content=PDF_BYTES, name="signed.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.consent_record_scanned(
        patient=patient,
        scan=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        received_by="Front desk",
        kind="part2",
        disclosing_party="Program A IOP",
        recipient=provider,
        purposes=["treatment"],
        categories=["attendance", "treatment_plan"],
        expires_on=timezone.localdate() + datetime.timedelta(days=365),
        signed_name=f"{patient.legal_given_name} {patient.legal_family_name}",
        signed_on=timezone.localdate(),
        by=by,
    )


def failed_transmission(patient, by, *, content=b"synthetic attachment"):
    """A disclosure (not Part 2, so raw bytes are allowed) whose Direct send failed, bytes kept for a retry."""
    provider = therapist(direct_address="jordan@direct.harbor.example")
    if not provider.direct_address:
        provider.direct_address = "jordan@direct.harbor.example"
        provider.save(update_fields=["direct_address"])
    part2_consent(patient, provider, by)
    disclosure, content = services.disclose(
        patient=patient,
        recipient=provider,
        purpose="treatment",
        categories=["attendance"],
        document=content,
        media_type="application/octet-stream",
        description="Synthetic test document",
        by=by,
        part2=False,
    )
    return Transmission.objects.create(
        disclosure=disclosure,
        address=provider.direct_address,
        subject="Synthetic test document",
        attachment_name="test.bin",
        status=TransmissionStatus.FAILED,
        attempts=1,
        last_error="Connection refused",
        pending_content=content,
    )
