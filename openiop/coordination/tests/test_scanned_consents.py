"""Consents signed on paper: the scan is checked by its first bytes and size, stored with its SHA-256,
downloaded by whoever reads the consent (audited), and quoted in the copy of the consent that accompanies
a Part 2 disclosure. A bad file is a form error and nothing is written."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.coordination import services
from openiop.coordination.models import Consent, ConsentDocument, SignatureMethod
from openiop.coordination.summary import summary_source

from .factories import PDF_BYTES, PNG_BYTES, scanned_consent, therapist

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(folder):
    return [p for p in folder.rglob("*") if p.is_file()]


def _paper_form(world, provider, *, scan, **changes):
    data = {
        "kind": "part2",
        "disclosing_party": "Program A IOP",
        "recipient": provider.uuid,
        "categories": ["attendance"],
        "purposes": ["treatment"],
        "expiry_event": "Discharge",
        "revocation_explained": "on",
        "signature_method": "paper",
        "signed_name": f"{world.patient_a.legal_given_name} {world.patient_a.legal_family_name}",
        "signed_on": timezone.localdate().isoformat(),
        "received_by": "Front desk",
    }
    if scan is not None:
        data["scan"] = scan
    data.update(changes)
    return data


def test_a_scanned_consent_keeps_the_file_its_type_and_digest(world, private_media):
    consent = scanned_consent(world.patient_a, therapist(), world.alice, content=PNG_BYTES, name="x.pdf")
    document = consent.document
    assert consent.signature_method == SignatureMethod.PAPER and consent.paper_received_by == "Front desk"
    assert document.content_type == "image/png"  # the bytes say PNG, whatever the name says
    assert document.sha256 == hashlib.sha256(PNG_BYTES).hexdigest() and document.size == len(PNG_BYTES)
    assert "x.pdf" not in document.file.name
    assert [p.read_bytes() for p in _files(private_media)] == [PNG_BYTES]


def test_a_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_written(world, private_media):
    with pytest.raises(services.ValidationError) as caught:
        scanned_consent(world.patient_a, therapist(), world.alice, content=b"<html>hi</html>", name="a.pdf")
    assert "scan" in caught.value.message_dict
    assert not Consent.objects.exists() and not ConsentDocument.objects.exists()
    assert not _files(private_media)


def test_a_file_over_10_mb_is_refused(world, private_media):
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    with pytest.raises(services.ValidationError) as caught:
        scanned_consent(world.patient_a, therapist(), world.alice, content=big)
    assert caught.value.message_dict["scan"] == ["The file is larger than 10 MB."]
    assert not Consent.objects.exists() and not _files(private_media)


def test_the_form_needs_the_scan_and_who_received_it_when_signed_on_paper(world, client_for):
    client = client_for(world.alice)
    url = reverse("coordination:consent_create", args=[world.patient_a.uuid])
    response = client.post(url, _paper_form(world, therapist(), scan=None, received_by=""))
    assert response.status_code == 200
    assert b"Upload the scan of the signed paper form." in response.content
    assert b"Say who received the signed paper form." in response.content
    assert not Consent.objects.exists()


def test_a_bad_file_and_a_wrong_name_are_both_shown_and_nothing_is_written(world, client_for, private_media):
    client = client_for(world.alice)
    url = reverse("coordination:consent_create", args=[world.patient_a.uuid])
    scan = SimpleUploadedFile("consent.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, _paper_form(world, therapist(), scan=scan, signed_name="Not The Patient"))
    assert response.status_code == 200
    assert b"Only PDF, PNG and JPEG files can be uploaded." in response.content
    assert b"Type the patient" in response.content
    assert not Consent.objects.exists() and not _files(private_media)
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_on_screen_consents_still_need_the_witness(world, client_for):
    client = client_for(world.alice)
    url = reverse("coordination:consent_create", args=[world.patient_a.uuid])
    response = client.post(url, _paper_form(world, therapist(), scan=None, signature_method="on_screen"))
    assert b"Confirm that you witnessed the patient" in response.content
    assert not Consent.objects.exists()


def test_recording_a_paper_consent_through_the_page_then_downloading_the_scan(world, client_for):
    client = client_for(world.alice)
    url = reverse("coordination:consent_create", args=[world.patient_a.uuid])
    scan = SimpleUploadedFile("IMG_0001.jpg", b"\xff\xd8\xff\xe0 synthetic jpeg", content_type="text/plain")
    response = client.post(url, _paper_form(world, therapist(), scan=scan))
    assert response.status_code == 302, response.content
    consent = Consent.objects.get()
    assert consent.signed_on_paper and consent.witnessed_by == world.alice
    detail = client.get(reverse("coordination:consent_detail", args=[consent.uuid]))
    assert b"Signed on paper" in detail.content and consent.document.sha256.encode() in detail.content
    before = AuditEvent.objects.count()
    download = client.get(reverse("coordination:consent_scan", args=[consent.uuid]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")
    events = AuditEvent.objects.order_by("seq")[before:]
    assert [(e.action, e.detail.get("export")) for e in events] == [(Action.EXPORT, "consent_scan")]


def test_an_on_screen_consent_has_no_scan_to_download(world, client_for):
    from .factories import part2_consent

    consent = part2_consent(world.patient_a, therapist(), world.alice)
    response = client_for(world.alice).get(reverse("coordination:consent_scan", args=[consent.uuid]))
    assert response.status_code == 404


def test_outside_the_program_the_scan_is_refused(world, client_for):
    consent = scanned_consent(world.patient_a, therapist(), world.alice)
    response = client_for(world.charlie).get(reverse("coordination:consent_scan", args=[consent.uuid]))
    assert response.status_code == 403


def test_the_copy_of_a_paper_consent_in_a_disclosure_quotes_the_scan_digest(world):
    from django.template.loader import render_to_string

    provider = therapist()
    consent = scanned_consent(world.patient_a, provider, world.alice)
    html = render_to_string(
        "coordination/pdf/part2_notice.html",
        {
            "consents": [consent],
            "patient": world.patient_a,
            "recipient": provider,
            "notice": "",
            "short_notice": "",
        },
    )
    assert f"scan on file (SHA-256 {consent.document.sha256})" in html
    disclosure, content = services.disclose(
        patient=world.patient_a,
        recipient=provider,
        purpose="treatment",
        categories=["attendance"],
        document=summary_source(world.patient_a, recipient=provider, include_plan=False),
        media_type=services.PDF,
        description="Summary",
        by=world.alice,
    )
    assert list(disclosure.consents.all()) == [consent] and content.startswith(b"%PDF")


def test_the_api_lists_how_a_consent_was_signed_and_the_scan_digest(world, client):
    from openiop.accounts.services import token_create

    consent = scanned_consent(world.patient_a, therapist(), world.alice)
    _, raw = token_create(user=world.alice, name="test")
    response = client.get(
        f"/api/v1/patients/{world.patient_a.uuid}/consents", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    (row,) = response.json()
    assert row["signature_method"] == "paper" and row["paper_received_by"] == "Front desk"
    assert row["scan_sha256"] == consent.document.sha256
