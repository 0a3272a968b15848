"""Physician certification of need: the form, the due items it completes and schedules, who may certify."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from openiop.accounts.models import Role
from openiop.audit.models import Action, AuditEvent
from openiop.intake.models import Certification, DueItem, DueItemKind
from openiop.intake.services.admissions import certification_record, episode_admit

from .test_admissions import referred_patient


def certify_url(episode):
    return reverse("intake:certify", kwargs={"episode_uuid": episode.uuid})


@pytest.fixture
def admitted(world):
    """Drew, admitted today by ivan with alice and paul: three open due items."""
    patient = referred_patient(world)
    return episode_admit(
        episode=patient.episodes.get(),
        track=world.track_a,
        admitted_on=timezone.localdate(),
        primary_clinician=world.alice,
        psychiatrist=world.paul,
        by=world.ivan,
    )


def test_the_form_is_prefilled_with_the_programs_hours(world, client_for, admitted):
    page = client_for(world.paul).get(certify_url(admitted)).content.decode()
    assert 'value="9.0"' in page
    assert "Physician certification of need due" in page
    assert "No certification yet for this episode." in page


def test_the_psychiatrist_certifies_and_the_recertification_falls_due_in_60_days(world, client_for, admitted):
    today = timezone.localdate()
    response = client_for(world.paul).post(
        certify_url(admitted),
        {
            "hours_per_week": "9",
            "certified_on": today.isoformat(),
            "statement": "Needs structure after discharge.",
        },
        follow=True,
    )
    certification = Certification.objects.get(episode=admitted)
    assert certification.valid_until == today + datetime.timedelta(days=60)
    assert not certification.is_recertification
    done = DueItem.objects.get(episode=admitted, kind=DueItemKind.CERTIFICATION)
    assert done.completed_at is not None and done.completed_by == world.paul
    recert = DueItem.objects.open().get(episode=admitted, kind=DueItemKind.RECERTIFICATION)
    assert recert.due_on == today + datetime.timedelta(days=60) and recert.owner == world.paul
    page = response.content.decode()
    assert f"Certified until {(today + datetime.timedelta(days=60)):%Y-%m-%d}" in page
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(certification.uuid)).exists()


def test_a_recertification_completes_the_open_recertification(world, admitted):
    today = timezone.localdate()
    certification_record(
        episode=admitted, by=world.paul, certified_on=today, hours_per_week=Decimal("9"), statement="Need."
    )
    second = certification_record(
        episode=admitted, by=world.paul, certified_on=today, hours_per_week=Decimal("12"), statement="Still."
    )
    assert second.is_recertification
    assert DueItem.objects.open().filter(episode=admitted, kind=DueItemKind.RECERTIFICATION).count() == 1


def test_fewer_hours_than_the_program_target_are_refused(world, client_for, admitted):
    response = client_for(world.paul).post(
        certify_url(admitted),
        {"hours_per_week": "6", "certified_on": timezone.localdate().isoformat(), "statement": "Need."},
    )
    assert "Certify at least the program&#x27;s 9 hours a week." in response.content.decode()
    assert not Certification.objects.exists()


def test_a_certification_dated_in_the_future_is_refused(world, client_for, admitted):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(world.paul).post(
        certify_url(admitted),
        {"hours_per_week": "9", "certified_on": tomorrow.isoformat(), "statement": "Need."},
    )
    assert "A certification cannot be dated in the future." in response.content.decode()


def test_a_referral_cannot_be_certified(world, client_for):
    episode = referred_patient(world, given="Early").episodes.get()
    from openiop.patients.models import CareTeamMember, CareTeamRole

    CareTeamMember.objects.create(episode=episode, user=world.paul, role=CareTeamRole.PSYCHIATRIST)
    response = client_for(world.paul).get(certify_url(episode), follow=True)
    assert "Only an active episode can be certified." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("paul", 200),
        ("alice", 403),
        ("bob", 403),
        ("ivan", 403),
        ("dana", 403),
        ("charlie", 403),
        ("audrey", 403),
        ("adam", 403),
        ("pat_a", 403),
    ],
)
def test_only_the_psychiatrist_may_certify(world, client_for, role, expected):
    episode = world.patient_a.episodes.get()
    assert client_for(getattr(world, role)).get(certify_url(episode)).status_code == expected


def test_a_psychiatrist_of_another_program_is_refused(world, client_for):
    priya = make_user("priya", Role.PSYCHIATRIST, programs=[world.program_b])
    response = client_for(priya).get(certify_url(world.patient_a.episodes.get()))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(actor=priya, action=Action.ACCESS_REFUSED).exists()
