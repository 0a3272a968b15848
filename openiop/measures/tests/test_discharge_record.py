"""The discharge record (openiop.discharge) in measures: the outcome reason, and the final questionnaires
due once a discharge is planned."""

import datetime

import pytest
from django.utils import timezone

from openiop.discharge import services
from openiop.discharge.tests.factories import active_episode, make_ready, schedule_at_discharge, start
from openiop.measures.selectors import due_questionnaires
from openiop.measures.selectors_outcomes import discharge_reason

pytestmark = pytest.mark.django_db


def test_discharge_reason_uses_the_closed_record(world):
    discharge = make_ready(start(world.patient_a, world.alice), world.alice)
    episode = discharge.episode
    assert discharge_reason(episode, []) is None  # still active
    services.discharge_close(discharge=discharge, by=world.alice, on=timezone.localdate())
    episode.refresh_from_db()
    assert discharge_reason(episode, []) == "completed"


def test_discharge_reason_without_a_record_is_not_recorded(world):
    episode = active_episode(world.patient_a)
    episode.status, episode.discharged_on = "discharged", timezone.localdate()
    episode.save()
    assert discharge_reason(episode, []) is None


def test_final_questionnaires_due_once_a_discharge_is_planned(world):
    schedule_at_discharge(world.program_a)
    episode = active_episode(world.patient_a)
    today = timezone.localdate()
    assert [d.occasion for d in due_questionnaires(episode, today)] == []
    start(world.patient_a, world.alice, planned_on=today + datetime.timedelta(days=3))
    [due] = due_questionnaires(episode, today)
    assert (due.occasion, due.instrument_code, due.due_on) == (
        "discharge",
        "PHQ-9",
        today + datetime.timedelta(days=3),
    )
