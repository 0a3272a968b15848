"""The disclosure service: refused without consent, allowed with one, notice stamped, digest recorded."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.coordination import services
from openiop.coordination.models import Disclosure
from openiop.coordination.summary import summary_source

from .factories import part2_consent, therapist

pytestmark = pytest.mark.django_db


def _send(world, provider, **kw):
    return services.disclose(
        patient=world.patient_a,
        recipient=provider,
        purpose=kw.pop("purpose", "treatment"),
        categories=kw.pop("categories", ["attendance"]),
        document=summary_source(world.patient_a, recipient=provider, include_plan=False),
        media_type=services.PDF,
        description="Treatment summary",
        by=world.alice,
    )


def test_disclosure_without_consent_is_refused_audited_and_not_recorded(world):
    provider = therapist()
    with pytest.raises(services.DisclosureRefused) as refused:
        _send(world, provider)
    assert refused.value.decision.reason == "no_consent"
    assert not Disclosure.objects.exists()
    event = AuditEvent.objects.filter(action=Action.EXPORT).get()
    assert event.outcome == "refused" and event.detail["reason"] == "no_consent"


def test_disclosure_with_part2_consent_carries_the_notice_and_its_digest(world):
    provider = therapist()
    consent = part2_consent(world.patient_a, provider, world.alice)
    disclosure, content = _send(world, provider)
    assert content.startswith(b"%PDF")
    assert b"42 CFR part 2 prohibits unauthorized use or disclosure of these records." in content
    assert disclosure.sha256 == hashlib.sha256(content).hexdigest() and disclosure.size == len(content)
    assert list(disclosure.consents.all()) == [consent]
    assert disclosure.retain_until.year == timezone.localdate().year + 3
    event = AuditEvent.objects.filter(action=Action.EXPORT).get()
    assert event.detail["sha256"] == disclosure.sha256 and event.patient_id == world.patient_a.pk


def test_revoked_and_expired_consents_allow_nothing(world):
    provider = therapist()
    consent = part2_consent(world.patient_a, provider, world.alice)
    services.consent_revoke(consent=consent, note="In writing", by=world.alice)
    with pytest.raises(services.DisclosureRefused, match="revoked"):
        _send(world, provider)
    with pytest.raises(ValidationError):
        services.consent_revoke(consent=consent, note="again", by=world.alice)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    consent = part2_consent(
        world.patient_a,
        provider,
        world.alice,
        expires_on=yesterday,
        signed_on=yesterday - datetime.timedelta(days=2),
    )
    consent.signed_at = timezone.now() - datetime.timedelta(days=3)
    consent.save()
    with pytest.raises(services.DisclosureRefused, match="expired"):
        _send(world, provider)


def test_wrong_purpose_and_raw_bytes_of_part2_content_are_refused(world):
    provider = therapist()
    part2_consent(world.patient_a, provider, world.alice)
    with pytest.raises(services.DisclosureRefused, match="purpose"):
        _send(world, provider, purpose="payment")
    with pytest.raises(ValueError):
        services.disclose(
            patient=world.patient_a,
            recipient=provider,
            purpose="treatment",
            categories=["attendance"],
            document=b"%PDF",
            media_type=services.PDF,
            description="x",
            by=world.alice,
        )


def test_consent_record_validates_every_element(world):
    provider = therapist()
    with pytest.raises(ValidationError) as error:
        services.consent_record(
            patient=world.patient_a,
            kind="part2",
            disclosing_party="",
            recipient=provider,
            purposes=["legal_proceedings", "treatment"],
            categories=["sud_counselling_notes", "attendance"],
            signed_name="Someone Else",
            signed_on=timezone.localdate(),
            by=world.alice,
        )
    errors = error.value.message_dict
    assert {"signed_name", "disclosing_party", "expires_on", "__all__"} <= set(errors)
    assert any("legal" in e for e in errors["__all__"]) and any("SUD" in e for e in errors["__all__"])


def test_npi_must_pass_the_luhn_check():
    from openiop.coordination.forms import ProviderForm

    form = ProviderForm({"name": "Dr P", "role": "psychiatrist", "npi": "1234567890", "active": True})
    assert not form.is_valid() and "npi" in form.errors
    form = ProviderForm({"name": "Dr P", "role": "psychiatrist", "npi": "1234567893", "active": True})
    assert form.is_valid(), form.errors
