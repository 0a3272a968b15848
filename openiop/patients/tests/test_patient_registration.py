import datetime

import pytest
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent
from openiop.patients.models import EpisodeStatus, Patient
from openiop.patients.services import patient_create, possible_duplicates


def form_data(world, **overrides):
    data = {
        "legal_given_name": "Rowan",
        "legal_family_name": "Example",
        "preferred_name": "Ro",
        "pronouns": "they/them",
        "date_of_birth": "1988-02-29",
        "language": "en",
        "phone": "555-0142",
        "email": "rowan@example.org",
        "program": str(world.program_a.uuid),
        "track": str(world.track_a.uuid),
        "referred_on": "2026-11-20",
    }
    data.update(overrides)
    return data


def test_intake_coordinator_registers_a_patient_with_a_referral_episode(world, client_for):
    response = client_for(world.ivan).post(reverse("patients:add"), form_data(world))
    patient = Patient.objects.get(legal_family_name="Example")
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", kwargs={"patient_uuid": patient.uuid})
    episode = patient.episodes.get()
    assert (episode.program, episode.track, episode.status) == (
        world.program_a,
        world.track_a,
        EpisodeStatus.REFERRAL,
    )
    assert episode.referred_on == datetime.date(2026, 11, 20)
    assert patient.record_number.startswith("OI") and len(patient.record_number) == 9
    assert AuditEvent.objects.filter(action=Action.CREATE, patient=patient, actor=world.ivan).count() == 1


def test_same_name_and_birth_date_is_caught_as_a_duplicate_and_nothing_is_saved(world, client_for):
    data = form_data(
        world, legal_given_name=" avery ", legal_family_name="SYNTHETIC", date_of_birth="1990-05-17"
    )
    response = client_for(world.dana).post(reverse("patients:add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "already exists" in page and world.patient_a.record_number in page
    assert 'value="Ro"' in page, "the form keeps what was typed"
    assert Patient.objects.count() == 3


def test_a_confirmed_different_person_with_the_same_name_and_birth_date_is_registered(world, client_for):
    data = form_data(
        world,
        legal_given_name="Avery",
        legal_family_name="Synthetic",
        date_of_birth="1990-05-17",
        duplicate_confirmed="on",
    )
    response = client_for(world.dana).post(reverse("patients:add"), data)
    assert response.status_code == 302
    assert Patient.objects.filter(legal_given_name="Avery").count() == 2
    event = AuditEvent.objects.get(action=Action.CREATE, actor=world.dana)
    assert event.detail["duplicate_confirmed"] is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2099-01-01", "in the future"),
        ("date_of_birth", "1850-01-01", "older than 120"),
        ("referred_on", "2099-01-01", "cannot be in the future"),
        ("legal_given_name", "", "required"),
        ("email", "not-an-email", "valid email"),
    ],
)
def test_invalid_registration_re_renders_with_a_clear_message(world, client_for, field, value, message):
    response = client_for(world.ivan).post(reverse("patients:add"), form_data(world, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Patient.objects.count() == 3


def test_a_track_of_another_program_is_refused(world, client_for):
    response = client_for(world.dana).post(
        reverse("patients:add"),
        form_data(world, program=str(world.program_a.uuid), track=str(world.track_a.uuid) + "0"),
    )
    assert response.status_code == 200
    assert Patient.objects.count() == 3


def test_staff_can_only_register_into_their_own_programs(world, client_for):
    response = client_for(world.dana).post(
        reverse("patients:add"), form_data(world, program=str(world.program_b.uuid), track="")
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_duplicate_search_ignores_case_and_spaces(world):
    matches = possible_duplicates(
        given_name="  AVERY", family_name="synthetic ", date_of_birth=datetime.date(1990, 5, 17)
    )
    assert list(matches) == [world.patient_a]


def test_record_numbers_are_unique_and_not_sequential(world):
    numbers = [
        patient_create(
            created_by=world.ivan,
            program=world.program_a,
            legal_given_name=f"P{i}",
            legal_family_name="Example",
            date_of_birth=datetime.date(1980, 1, 1),
        ).record_number
        for i in range(20)
    ]
    assert len(set(numbers)) == 20
    assert sorted(numbers) != numbers or sorted(numbers, reverse=True) != numbers


def test_record_numbers_never_fall_in_the_range_reserved_for_synthetic_data(monkeypatch):
    from openiop.patients import services

    monkeypatch.setattr(services.secrets, "randbelow", lambda upper: upper - 1)
    assert services.new_record_number() == "OI8999999"
