import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.audit.models import AuditEvent
from openiop.discharge import services
from openiop.discharge.models import DischargeStatus
from openiop.intake.models import LevelTransition
from openiop.measures.selectors_outcomes import discharge_reason
from openiop.patients.models import EpisodeStatus
from openiop.scheduling.models import GroupMembership
from openiop.scheduling.tests.factories import enrol, group_series

from .factories import (
    active_episode,
    administered,
    appointment,
    make_ready,
    schedule_at_discharge,
    signed_discharge_note,
    signed_safety_plan,
    start,
)

pytestmark = pytest.mark.django_db


def test_start_only_an_active_episode(world):
    episode = active_episode(world.patient_a)
    episode.status = EpisodeStatus.WAITLIST
    episode.save()
    with pytest.raises(ValidationError, match="active"):
        services.discharge_start(
            episode=episode, reason="completed", planned_on=timezone.localdate(), by=world.alice
        )


def test_start_validates_dates_and_levels(world):
    episode = active_episode(world.patient_a)
    today = timezone.localdate()
    for planned, key in (
        (datetime.date(2026, 9, 1), "planned_on"),
        (today + datetime.timedelta(days=31), "planned_on"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.discharge_start(episode=episode, reason="completed", planned_on=planned, by=world.alice)
        assert key in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.discharge_start(
            episode=episode, reason="stepped_up", planned_on=today, to_level="outpatient", by=world.alice
        )
    assert "to_level" in exc.value.message_dict


def test_start_once_and_audited(world):
    discharge = start(world.patient_a, world.alice)
    assert AuditEvent.objects.filter(object_id=str(discharge.uuid), action="create").count() == 1
    with pytest.raises(ValidationError, match="already"):
        start(world.patient_a, world.alice)


def test_close_refused_lists_missing_and_changes_nothing(world):
    discharge = start(world.patient_a, world.alice)
    with pytest.raises(services.NotReady) as exc:
        services.discharge_close(discharge=discharge, by=world.alice, on=timezone.localdate())
    assert [i.requirement for i in exc.value.missing] == [
        "aftercare",
        "support_groups",
        "crisis_plan",
        "summary_note",
    ]
    assert "aftercare appointment" in " ".join(exc.value.messages)
    discharge.refresh_from_db()
    assert discharge.status == DischargeStatus.OPEN
    assert active_episode(world.patient_a).discharged_on is None


def test_close_after_waivers_discharges_and_ends_rosters(world):
    episode = active_episode(world.patient_a)
    series = group_series(world, weekday=0)
    enrol(series, episode)
    schedule_at_discharge(world.program_a)
    discharge = start(world.patient_a, world.alice, reason="left_against_advice")
    with pytest.raises(ValidationError) as exc:
        services.requirement_waive(
            discharge=discharge, requirement="aftercare", reason="gone", by=world.alice
        )
    assert "reason" in exc.value.message_dict
    for requirement in ("aftercare", "support_groups", "summary_note", "final_measures"):
        services.requirement_waive(
            discharge=discharge, requirement=requirement, reason="Left and cannot be reached", by=world.alice
        )
    signed_safety_plan(world.patient_a, world.alice)
    today = timezone.localdate()
    closed = services.discharge_close(discharge=discharge, by=world.alice, on=today)
    assert closed.status == DischargeStatus.CLOSED and closed.closed_by == world.alice
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.DISCHARGED and episode.discharged_on == today
    assert GroupMembership.objects.get(series=series, episode=episode).ends_on == today + datetime.timedelta(
        days=1
    )
    assert discharge_reason(episode, []) == "left_against_advice"
    with pytest.raises(ValidationError, match="closed"):
        services.requirement_waive(
            discharge=closed, requirement="crisis_plan", reason="Too late for this one", by=world.alice
        )


def test_aftercare_not_waivable_when_completed(world):
    discharge = start(world.patient_a, world.alice)
    with pytest.raises(ValidationError) as exc:
        services.requirement_waive(
            discharge=discharge, requirement="aftercare", reason="No provider found in time", by=world.alice
        )
    assert "requirement" in exc.value.message_dict


def test_final_measures_count_from_the_early_window(world):
    schedule_at_discharge(world.program_a)
    discharge = make_ready(start(world.patient_a, world.alice), world.alice)
    episode = discharge.episode
    administered(episode, on=timezone.localdate() - datetime.timedelta(days=8))
    with pytest.raises(services.NotReady) as exc:
        services.discharge_close(discharge=discharge, by=world.alice, on=timezone.localdate())
    assert [i.requirement for i in exc.value.missing] == ["final_measures"]
    administered(episode)
    services.discharge_close(discharge=discharge, by=world.alice, on=timezone.localdate())


def test_second_save_from_the_same_version_is_refused(world):
    discharge = start(world.patient_a, world.alice)
    version = discharge.version
    services.discharge_update(discharge=discharge, version=version, by=world.alice, support_groups="AA")
    with pytest.raises(services.StaleDischarge) as exc:
        services.discharge_update(discharge=discharge, version=version, by=world.paul, support_groups="NA")
    assert "Nothing of yours was saved" in exc.value.messages[0]
    discharge.refresh_from_db()
    assert discharge.support_groups == "AA" and discharge.version == version + 1


def test_step_up_records_one_transition_and_discharges_once(world):
    discharge = start(world.patient_a, world.alice, reason="stepped_up")
    discharge = make_ready(discharge, world.alice)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.discharge_close(discharge=discharge, by=world.alice, on=today)
    assert "to_level" in exc.value.message_dict
    discharge = services.discharge_update(
        discharge=discharge,
        version=discharge.version,
        by=world.alice,
        to_level="partial_hospitalization",
        to_setting="Riverside PHP",
    )
    services.discharge_close(discharge=discharge, by=world.alice, on=today)
    episode = discharge.episode
    episode.refresh_from_db()
    transitions = list(LevelTransition.objects.filter(episode=episode))
    assert len(transitions) == 1
    assert (transitions[0].to_level, transitions[0].direction, transitions[0].on) == (
        "partial_hospitalization",
        "step_up",
        today,
    )
    assert episode.status == EpisodeStatus.DISCHARGED and episode.discharged_on == today
    assert discharge_reason(episode, transitions) == "stepped_up"
    assert AuditEvent.objects.filter(object_id=str(discharge.uuid), detail__closed=True).count() == 1


def test_close_not_ahead_of_time(world):
    discharge = make_ready(start(world.patient_a, world.alice), world.alice)
    with pytest.raises(ValidationError) as exc:
        services.discharge_close(
            discharge=discharge, by=world.alice, on=timezone.localdate() + datetime.timedelta(days=1)
        )
    assert "on" in exc.value.message_dict


def test_summary_note_and_safety_plan_count(world):
    discharge = start(world.patient_a, world.alice)
    signed_discharge_note(
        discharge.episode, world.alice, on=timezone.localdate() - datetime.timedelta(days=20)
    )
    signed_safety_plan(world.patient_a, world.alice)
    appointment(
        discharge, world.alice, provider=None, provider_name="Dr. Synthetic", location="", is_telehealth=True
    )
    with pytest.raises(services.NotReady) as exc:
        services.discharge_close(discharge=discharge, by=world.alice, on=timezone.localdate())
    assert [i.requirement for i in exc.value.missing] == ["support_groups", "summary_note"]


def test_aftercare_needs_a_provider_and_a_place(world):
    discharge = start(world.patient_a, world.alice)
    with pytest.raises(ValidationError) as exc:
        appointment(discharge, world.alice, provider=None, location="")
    assert {"provider", "location"} <= set(exc.value.message_dict)
    kept = appointment(discharge, world.alice)
    services.aftercare_remove(appointment=kept, by=world.alice)
    assert discharge.appointments.count() == 0
