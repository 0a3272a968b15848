"""The chart's questionnaire reads: the "Latest" card and every trajectory of the episode, each in one query
and with the same rows as the general selectors they stand in for."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openiop.measures.selectors import patient_administrations, recent_administrations
from openiop.measures.selectors_outcomes import charted_instruments, episode_trajectories, episode_trajectory
from openiop.measures.services import administration_mark_entered_in_error

from .outcome_factories import administer, series

ADMITTED = datetime.date(2026, 9, 8)


def _history(world):
    episode = world.patient_a.episodes.get()
    phq = series(episode, "PHQ-9", [18, 15, 11, 8], start=ADMITTED, by=world.alice)
    series(episode, "GAD-7", [14, 12, 9], start=ADMITTED, by=world.alice)
    # Same day as a PHQ-9: the order then follows the time of entry.
    administer(episode, "GAD-7", 7, ADMITTED + datetime.timedelta(days=21), by=world.alice)
    administration_mark_entered_in_error(administration=phq[2], reason="Wrong patient", by=world.alice)
    return episode


def test_the_latest_card_shows_the_five_newest_in_one_query(world):
    _history(world)
    with CaptureQueriesContext(connection) as queries:
        recent = recent_administrations(world.patient_a)
    assert len(queries) == 1
    expected = patient_administrations(world.patient_a)[:5]
    assert [a.pk for a in recent] == [a.pk for a in expected]
    assert any(a.entered_in_error for a in recent)  # shown, marked, as before


def test_the_latest_card_of_a_patient_without_questionnaires_is_empty(world):
    assert recent_administrations(world.patient_b) == []


def test_every_trajectory_of_the_episode_comes_from_one_query(world):
    episode = _history(world)
    with CaptureQueriesContext(connection) as queries:
        trajectories = episode_trajectories(episode)
    assert len(queries) == 1
    per_instrument = [
        episode_trajectory(episode, i) for i in charted_instruments() if i.code in ("GAD-7", "PHQ-9")
    ]
    assert trajectories == per_instrument
    assert [t.instrument_code for t in trajectories] == ["GAD-7", "PHQ-9"]


def test_an_episode_without_charted_questionnaires_has_no_trajectory(world):
    assert episode_trajectories(world.patient_b.episodes.get()) == []
