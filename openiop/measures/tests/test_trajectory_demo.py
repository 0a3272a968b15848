"""The demo's weekly questionnaires: deterministic, idempotent, synthetic patients only, and stories whose
trajectories read as intended."""

import datetime

from openiop.measures.demo_trajectories import load_demo_trajectories
from openiop.measures.models import Administration
from openiop.measures.registry import get_instrument
from openiop.measures.selectors_outcomes import episode_trajectory
from openiop.patients.models import Patient

TODAY = datetime.date(2026, 11, 27)  # the world's episodes were admitted on 2026-09-08


def test_demo_scores_are_weekly_from_admission_and_loaded_once(world):
    created = load_demo_trajectories(today=TODAY)
    # 12 weekly scores each (09-08 .. 11-24); PHQ-9 for all three, GAD-7 for the first and third.
    assert created == 12 * 5
    assert load_demo_trajectories(today=TODAY) == 0
    episode = world.patient_a.episodes.get()
    days = list(
        Administration.objects.filter(episode=episode, instrument_code="PHQ-9").values_list(
            "completed_on", flat=True
        )
    )
    assert days[0] == episode.admitted_on and days[-1] == datetime.date(2026, 11, 24)
    assert all((b - a).days == 7 for a, b in zip(days, days[1:], strict=False))
    assert not Administration.objects.filter(answers__9__gt=0).exists()


def test_the_stories_read_as_intended(world):
    load_demo_trajectories(today=TODAY)
    phq9 = get_instrument("PHQ-9")
    improving = episode_trajectory(world.patient_a.episodes.get(), phq9)
    assert improving.classification == "reliable_improvement"
    remission = episode_trajectory(world.patient_b.episodes.get(), phq9)
    assert remission.remission is True


def test_the_same_day_gives_the_same_scores(world):
    load_demo_trajectories(today=TODAY)
    first = list(
        Administration.objects.order_by("episode", "instrument_code", "completed_on").values_list("total")
    )
    Administration.objects.all().delete()
    load_demo_trajectories(today=TODAY)
    assert (
        list(
            Administration.objects.order_by("episode", "instrument_code", "completed_on").values_list("total")
        )
        == first
    )


def test_real_patients_are_never_touched(world):
    Patient.objects.filter(pk=world.patient_c.pk).update(is_synthetic=False)
    load_demo_trajectories(today=TODAY)
    assert not Administration.objects.filter(patient=world.patient_c).exists()
