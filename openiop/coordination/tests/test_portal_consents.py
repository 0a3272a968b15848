"""Consents prepared by staff for the patient to sign in the portal: they allow nothing until signed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.coordination import consent_rules as cr
from openiop.coordination import services
from openiop.coordination.models import Consent, SignatureMethod
from openiop.coordination.tests.test_api import api_client  # noqa: F401 (the API test client fixture)

from .factories import therapist

pytestmark = pytest.mark.django_db


def prepared(world, provider, **kw) -> Consent:
    return services.consent_prepare_for_portal(
        patient=world.patient_a,
        kind="part2",
        disclosing_party="Program A IOP",
        recipient=provider,
        purposes=["treatment"],
        categories=["attendance"],
        expires_on=kw.pop("expires_on", timezone.localdate() + datetime.timedelta(days=365)),
        by=world.alice,
        **kw,
    )


def _sign(world, consent, name="Avery Synthetic", version=None):
    return services.consent_sign_in_portal(
        consent=consent, signed_name=name, version=version or consent.updated_at, by=world.pat_a
    )


def _check(world, provider):
    return services.check_disclosure(
        patient=world.patient_a,
        recipient=provider,
        purpose="treatment",
        categories=["attendance"],
        part2=True,
    )


def test_a_consent_awaiting_the_signature_never_allows_a_disclosure(world):
    provider = therapist()
    consent = prepared(world, provider)
    assert consent.awaiting_signature and consent.witnessed_by is None
    assert consent.status_at(timezone.now()) == "awaiting_signature"
    assert not _check(world, provider).allowed
    # Even handed to the engine directly (not through the default manager), it allows nothing.
    decision = cr.decide(
        [consent.as_record()],
        cr.DisclosureRequest(
            str(provider.uuid), "treatment", frozenset({"attendance"}), timezone.now(), True
        ),
    )
    assert decision.reason == cr.NOT_YET_SIGNED
    assert not Consent.objects.filter(pk=consent.pk).exists()  # the default manager hides it
    with pytest.raises(services.DisclosureRefused):
        services.disclose(
            patient=world.patient_a,
            recipient=provider,
            purpose="treatment",
            categories=["attendance"],
            document=b"x",
            media_type="text/plain",
            description="Attendance",
            part2=False,
            by=world.alice,
        )


def test_preparing_checks_every_element_like_a_signed_consent(world):
    with pytest.raises(ValidationError) as error:
        services.consent_prepare_for_portal(
            patient=world.patient_a, kind="part2", disclosing_party="", by=world.alice, purposes=["treatment"]
        )
    assert {"disclosing_party", "expires_on", "__all__"} <= set(error.value.message_dict)
    assert not Consent.with_unsigned.exists()


def test_signing_with_the_right_name_allows_the_disclosure_once(world):
    provider = therapist()
    consent = prepared(world, provider)
    version = consent.updated_at
    signed = _sign(world, consent)
    assert signed.signed_in_portal and signed.signed_on == timezone.localdate()
    assert signed.signed_name == "Avery Synthetic" and signed.witnessed_by is None
    assert _check(world, provider).allowed
    event = AuditEvent.objects.filter(action=Action.UPDATE, actor=world.pat_a).get()
    assert event.detail == {"record": "consent", "change": "signed_in_portal"}
    with pytest.raises(services.ConsentChanged):
        _sign(world, consent, version=version)  # a second submit signs nothing
    assert Consent.objects.get(pk=consent.pk).signed_at == signed.signed_at


def test_a_wrong_name_or_a_stale_version_signs_nothing(world):
    consent = prepared(world, therapist())
    with pytest.raises(ValidationError):
        _sign(world, consent, name="Someone Else")
    with pytest.raises(services.ConsentChanged):
        _sign(world, consent, version=consent.updated_at - datetime.timedelta(seconds=1))
    assert Consent.with_unsigned.get(pk=consent.pk).awaiting_signature


def test_a_revoked_prepared_consent_cannot_be_signed(world):
    consent = prepared(world, therapist())
    Consent.with_unsigned.filter(pk=consent.pk).update(revoked_at=timezone.now(), revoked_by=world.alice)
    consent.refresh_from_db()
    with pytest.raises(services.ConsentChanged):
        _sign(world, consent)


def test_the_database_refuses_an_unwitnessed_on_screen_or_unsigned_non_portal_consent(world):
    fields = dict(
        patient=world.patient_a, kind="treatment", disclosing_party="Program A", created_by=world.alice
    )
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(**fields, signed_name="Avery Synthetic", signed_on=now.date(), signed_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(**fields, witnessed_by=world.alice, signature_method=SignatureMethod.PAPER)


def test_the_notice_describes_a_portal_signature(world):
    from django.template.loader import render_to_string

    consent = _sign(world, prepared(world, therapist()))
    html = render_to_string(
        "coordination/pdf/part2_notice.html",
        {"notice": "N", "short_notice": "S", "consents": [consent], "patient": world.patient_a},
    )
    assert "Signed by the patient in the patient portal on" in html and "witnessed by" not in html


def test_staff_form_prepares_a_consent_for_the_portal(world, client_for):
    provider = therapist()
    url = reverse("coordination:consent_create", args=[world.patient_a.uuid])
    response = client_for(world.alice).post(
        url,
        {
            "kind": "part2",
            "recipient": provider.uuid,
            "categories": ["attendance"],
            "purposes": ["treatment"],
            "expiry_event": "Discharge",
            "revocation_explained": "on",
            "signature_method": "portal",
            "disclosing_party": "Program A",
        },
    )
    assert response.status_code == 302
    consent = Consent.with_unsigned.get()
    assert consent.awaiting_signature and consent.signature_method == SignatureMethod.PORTAL
    assert consent.created_by == world.alice and consent.witnessed_by is None
    home = client_for(world.alice).get(response["Location"]).content.decode()
    assert "signature in the portal" in home and "Jordan Outpatient" in home


def test_staff_form_still_needs_name_and_date_when_signed_on_screen(world, client_for):
    url = reverse("coordination:consent_create", args=[world.patient_a.uuid])
    response = client_for(world.alice).post(
        url,
        {
            "kind": "treatment",
            "revocation_explained": "on",
            "signature_method": "on_screen",
            "witnessed": "on",
            "disclosing_party": "Program A",
        },
    )
    assert response.status_code == 200 and not Consent.with_unsigned.exists()
    assert {"signed_name", "signed_on"} <= set(response.context["form"].errors)


def test_a_consent_signed_in_the_portal_reads_through_the_api(world, api_client):  # noqa: F811
    provider = therapist()
    consent = prepared(world, provider)
    _sign(world, consent)
    response = api_client(world.paul).get(f"/api/v1/patients/{world.patient_a.uuid}/consents")
    assert response.status_code == 200
    [row] = [row for row in response.json() if row["uuid"] == str(consent.uuid)]
    assert (row["signature_method"], row["witnessed_by"], row["status"]) == ("portal", None, "active")
