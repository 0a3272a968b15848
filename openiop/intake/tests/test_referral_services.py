"""Referral services: the pipeline rules, linking to a patient, and what documents are accepted."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.intake.models import Referral, ReferralDocument, ReferralSource, ReferralStatus
from openiop.intake.services import (
    referral_create,
    referral_document_add,
    referral_link_patient,
    referral_possible_patients,
    referral_transition,
)
from openiop.intake.services.referral_intake import referral_create_with_documents
from openiop.patients.models import EpisodeStatus, Patient

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def new_referral(world, **fields) -> Referral:
    values = {"given_name": "Quinn", "family_name": "Example", "reason": "Low mood, missing work"}
    values.update(fields)
    return referral_create(
        created_by=world.ivan, program=world.program_a, source=ReferralSource.PRIMARY_CARE, **values
    )


def test_a_new_referral_starts_new_with_one_event_and_a_create_audit(world):
    referral = new_referral(world)
    assert referral.status == ReferralStatus.NEW
    assert [e.to_status for e in referral.events.all()] == [ReferralStatus.NEW]
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(referral.uuid)).count() == 1


def test_the_pipeline_moves_forward_and_first_contact_is_set_once(world):
    referral = new_referral(world)
    referral = referral_transition(referral=referral, to_status=ReferralStatus.CONTACTED, by=world.ivan)
    first = referral.first_contact_at
    assert first is not None and referral.closed_at is None
    when = timezone.now() + datetime.timedelta(days=2)
    referral = referral_transition(
        referral=referral, to_status=ReferralStatus.ASSESSMENT_BOOKED, by=world.ivan, assessment_at=when
    )
    referral = referral_transition(referral=referral, to_status=ReferralStatus.CONTACTED, by=world.ivan)
    assert referral.first_contact_at == first
    assert referral.assessment_booked_for == when
    assert [e.to_status for e in referral.events.all()] == [
        "new",
        "contacted",
        "assessment_booked",
        "contacted",
    ]


def test_a_step_outside_the_pipeline_is_refused(world):
    referral = new_referral(world)
    with pytest.raises(ValidationError, match="cannot move"):
        referral_transition(referral=referral, to_status=ReferralStatus.ASSESSED, by=world.ivan)
    with pytest.raises(ValidationError, match="through admission"):
        referral_transition(referral=referral, to_status=ReferralStatus.ADMITTED, by=world.ivan)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW


def test_booking_needs_a_time_and_declining_needs_a_note(world):
    referral = referral_transition(
        referral=new_referral(world), to_status=ReferralStatus.CONTACTED, by=world.ivan
    )
    with pytest.raises(ValidationError, match="date and time"):
        referral_transition(referral=referral, to_status=ReferralStatus.ASSESSMENT_BOOKED, by=world.ivan)
    for ending in (ReferralStatus.DECLINED, ReferralStatus.REFERRED_ELSEWHERE):
        with pytest.raises(ValidationError, match="Say why"):
            referral_transition(referral=referral, to_status=ending, by=world.ivan, note="  ")


def test_closing_sets_closed_at_and_lost_to_contact_is_not_a_contact(world):
    referral = referral_transition(
        referral=new_referral(world), to_status=ReferralStatus.LOST_TO_CONTACT, by=world.ivan
    )
    assert referral.closed_at is not None and referral.first_contact_at is None
    referral = referral_transition(referral=referral, to_status=ReferralStatus.CONTACTED, by=world.ivan)
    assert referral.closed_at is None and referral.first_contact_at is not None
    referral = referral_transition(
        referral=referral, to_status=ReferralStatus.DECLINED, by=world.ivan, note="Chose another program"
    )
    assert referral.closed_at is not None
    assert referral.events.last().note == "Chose another program"


def test_linking_an_existing_patient_opens_an_episode_in_the_referral_program(world):
    referral = new_referral(
        world, given_name="casey", family_name="SYNTHETIC", date_of_birth=datetime.date(2010, 3, 2)
    )
    assert list(referral_possible_patients(referral)) == [world.patient_c]
    referral = referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_c)
    assert referral.patient == world.patient_c
    assert referral.episode.program == world.program_a
    assert referral.episode.status == EpisodeStatus.REFERRAL
    with pytest.raises(ValidationError, match="already linked"):
        referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_a)


def test_a_new_patient_matching_an_existing_one_needs_confirmation(world):
    referral = new_referral(
        world, given_name="Avery", family_name="Synthetic", date_of_birth=datetime.date(1990, 5, 17)
    )
    fields = {
        "legal_given_name": "Avery",
        "legal_family_name": "Synthetic",
        "date_of_birth": datetime.date(1990, 5, 17),
        "phone": "",
        "email": "",
        "language": "en",
    }
    with pytest.raises(ValidationError, match="link to them instead"):
        referral_link_patient(referral=referral, by=world.ivan, new_patient_fields=fields)
    assert Patient.objects.filter(legal_given_name="Avery").count() == 1
    referral = referral_link_patient(
        referral=referral, by=world.ivan, new_patient_fields=fields, duplicate_confirmed=True
    )
    assert referral.patient != world.patient_a
    assert Patient.objects.filter(legal_given_name="Avery").count() == 2


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_png_named_pdf_is_stored_as_png(world):
    document = referral_document_add(
        referral=new_referral(world), upload=upload("scan.pdf", PNG), by=world.ivan
    )
    assert document.content_type == "image/png"
    assert document.original_name == "scan.pdf"
    assert "scan" not in document.file.name


def test_an_executable_renamed_pdf_is_refused(world):
    with pytest.raises(ValidationError, match="Only PDF, PNG and JPEG"):
        referral_document_add(
            referral=new_referral(world),
            upload=upload("letter.pdf", b"MZ\x90\x00" + b"\x00" * 60),
            by=world.ivan,
        )


def test_a_file_over_10_mb_is_refused_and_10_mb_exactly_is_accepted(world):
    referral = new_referral(world)
    limit = 10 * 1024 * 1024
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        referral_document_add(
            referral=referral, upload=upload("big.pdf", PDF + b"0" * (limit + 1 - len(PDF))), by=world.ivan
        )
    document = referral_document_add(
        referral=referral, upload=upload("ok.pdf", PDF + b"0" * (limit - len(PDF))), by=world.ivan
    )
    assert document.size == limit


def test_a_referral_with_one_bad_document_saves_nothing(world, tmp_path):
    with pytest.raises(ValidationError, match="bad.pdf"):
        referral_create_with_documents(
            created_by=world.ivan,
            program=world.program_a,
            source=ReferralSource.SELF,
            given_name="Nora",
            family_name="Nothing",
            reason="Anxiety",
            uploads=[upload("good.pdf", PDF), upload("bad.pdf", b"not a pdf")],
        )
    assert not Referral.objects.filter(family_name="Nothing").exists()
    assert not ReferralDocument.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
