"""Not-on-track: reliable deterioration at any point, or no reliable improvement by week N, raise a
treatment-plan review (treatment's plan_review_trigger) once; the daily command and the after-save hook."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from openiop.audit.models import AuditEvent
from openiop.home.models import Task
from openiop.measures import not_on_track
from openiop.measures.registry import get_instrument
from openiop.measures.review_triggers import episode_findings, not_on_track_check, not_on_track_run
from openiop.measures.trajectory import Observation, build_trajectory
from openiop.patients.models import EpisodeStatus
from openiop.treatment.models import PlanReview

from .outcome_factories import administer, series

ADMITTED = datetime.date(2026, 9, 8)  # the world's admissions


def day(n: int) -> datetime.date:
    return ADMITTED + datetime.timedelta(days=n)


def trajectory(*pairs, recorded=None):
    observations = [Observation(day(n), total, key=str(n), recorded_at=recorded) for n, total in pairs]
    return build_trajectory(get_instrument("PHQ-9"), observations, start=ADMITTED)


# --- the pure rules ---------------------------------------------------------------------------------------


def test_reliable_deterioration_at_any_point_is_found_with_the_newest_deteriorated_score():
    found = not_on_track.findings_for(
        trajectory((0, 10), (7, 17), (14, 12), (21, 18)), start=ADMITTED, today=day(21)
    )
    assert [f.reason for f in found] == ["deterioration"]
    assert found[0].evidence.on == day(21)
    assert found[0].detail == "PHQ-9 reliable deterioration: 10 at baseline (2026-09-08), 18 on 2026-09-29."


def test_deterioration_earlier_in_the_episode_still_counts():
    found = not_on_track.findings_for(trajectory((0, 10), (7, 16), (14, 9)), start=ADMITTED, today=day(14))
    assert [f.reason for f in found] == ["deterioration"]
    assert found[0].evidence.on == day(7)


def test_no_reliable_improvement_by_week_four():
    t = trajectory((0, 16), (7, 14), (21, 12))
    assert not_on_track.findings_for(t, start=ADMITTED, today=day(27)) == []  # not yet week 4
    found = not_on_track.findings_for(t, start=ADMITTED, today=day(28))
    assert [f.reason for f in found] == ["no_progress"]
    assert "no reliable improvement 4 weeks after admission" in found[0].detail


def test_a_reliable_improvement_at_any_point_is_progress():
    t = trajectory((0, 16), (7, 10), (21, 13))
    assert not_on_track.findings_for(t, start=ADMITTED, today=day(60)) == []


def test_the_week_is_configurable():
    t = trajectory((0, 16), (7, 14))
    assert [f.reason for f in not_on_track.findings_for(t, start=ADMITTED, today=day(14), weeks=2)] == [
        "no_progress"
    ]
    assert not_on_track.findings_for(t, start=ADMITTED, today=day(14), weeks=3) == []
    with pytest.raises(ValueError):
        not_on_track.findings_for(t, start=ADMITTED, today=day(14), weeks=0)


def test_a_baseline_alone_is_never_not_on_track():
    assert not_on_track.findings_for(trajectory((0, 20)), start=ADMITTED, today=day(90)) == []


def test_scores_after_today_are_not_used():
    t = trajectory((0, 10), (30, 20))
    assert not_on_track.findings_for(t, start=ADMITTED, today=day(20)) == []


def test_deterioration_is_not_raised_a_second_time_as_no_progress():
    found = not_on_track.findings_for(trajectory((0, 10), (14, 17), (28, 16)), start=ADMITTED, today=day(28))
    assert [f.reason for f in found] == ["deterioration"]


NOW = datetime.datetime(2026, 10, 20, 12, tzinfo=datetime.UTC)


def test_to_raise_without_earlier_reviews_raises_everything():
    found = not_on_track.findings_for(
        trajectory((0, 10), (14, 17), recorded=NOW), start=ADMITTED, today=day(14)
    )
    found += not_on_track.findings_for(
        trajectory((0, 16), (28, 15), recorded=NOW), start=ADMITTED, today=day(28)
    )
    assert set(not_on_track.to_raise(found, {}, now=NOW)) == {"deterioration", "no_progress"}


def test_to_raise_skips_scores_an_earlier_review_has_seen():
    recorded = NOW - datetime.timedelta(days=3)
    found = not_on_track.findings_for(
        trajectory((0, 10), (14, 17), recorded=recorded), start=ADMITTED, today=day(14)
    )
    assert not_on_track.to_raise(found, {"deterioration": NOW - datetime.timedelta(days=1)}, now=NOW) == {}
    # A score recorded after that review raises it again.
    assert set(
        not_on_track.to_raise(found, {"deterioration": NOW - datetime.timedelta(days=5)}, now=NOW)
    ) == {"deterioration"}


def test_no_progress_is_raised_again_at_most_every_n_weeks_and_only_with_a_new_score():
    recorded = NOW - datetime.timedelta(days=1)
    found = not_on_track.findings_for(
        trajectory((0, 16), (28, 15), recorded=recorded), start=ADMITTED, today=day(28)
    )
    two_weeks_ago = {"no_progress": NOW - datetime.timedelta(weeks=2)}
    five_weeks_ago = {"no_progress": NOW - datetime.timedelta(weeks=5)}
    assert not_on_track.to_raise(found, two_weeks_ago, now=NOW) == {}
    assert set(not_on_track.to_raise(found, five_weeks_ago, now=NOW)) == {"no_progress"}
    stale = not_on_track.findings_for(
        trajectory((0, 16), (28, 15), recorded=NOW - datetime.timedelta(weeks=6)),
        start=ADMITTED,
        today=day(28),
    )
    assert not_on_track.to_raise(stale, five_weeks_ago, now=NOW) == {}


# --- the service ----------------------------------------------------------------------------------------------


@pytest.fixture
def episode(world):
    return world.patient_a.episodes.get()


def reviews(episode):
    return list(PlanReview.objects.filter(episode=episode).order_by("created_at"))


def test_deterioration_raises_one_review_with_a_task_for_the_primary_clinician(world, episode):
    series(episode, "PHQ-9", [10, 17], start=ADMITTED, by=world.alice)
    raised = not_on_track_check(episode, today=day(8))
    assert [r.reason for r in raised] == ["deterioration"]
    review = raised[0]
    assert review.status == "due"
    assert "10 at baseline (2026-09-08), 17 on 2026-09-15" in review.detail
    task = Task.objects.get(pk=review.task_id)
    assert task.assigned_to == world.alice and task.patient == world.patient_a
    assert AuditEvent.objects.filter(action="create", object_id=str(review.uuid)).count() == 1


def test_checking_again_raises_nothing_new(world, episode):
    series(episode, "PHQ-9", [10, 17], start=ADMITTED)
    not_on_track_check(episode, today=day(8))
    assert not_on_track_check(episode, today=day(8)) == []
    assert not_on_track_check(episode, today=day(9)) == []
    assert len(reviews(episode)) == 1


def test_after_a_completed_review_only_a_newer_deteriorated_score_raises_again(world, episode):
    series(episode, "PHQ-9", [10, 17], start=ADMITTED)
    first = not_on_track_check(episode, today=day(8))[0]
    PlanReview.objects.filter(pk=first.pk).update(status="completed")
    assert not_on_track_check(episode, today=day(10)) == []
    administer(episode, "PHQ-9", 19, day(14))
    again = not_on_track_check(episode, today=day(14))
    assert [r.reason for r in again] == ["deterioration"] and again[0].pk != first.pk


def test_no_progress_by_week_four(world, episode):
    series(episode, "PHQ-9", [16, 14, 13, 15], start=ADMITTED)
    assert not_on_track_check(episode, today=day(27)) == []
    raised = not_on_track_check(episode, today=day(28))
    assert [r.reason for r in raised] == ["no_progress"]
    assert "PHQ-9: no reliable improvement 4 weeks after admission" in raised[0].detail


def test_the_week_comes_from_the_setting(world, episode, settings):
    settings.OPENIOP_NOT_ON_TRACK_WEEKS = 2
    series(episode, "PHQ-9", [16, 14, 13], start=ADMITTED)
    assert [r.reason for r in not_on_track_check(episode, today=day(14))] == ["no_progress"]


def test_no_progress_is_raised_again_weeks_later_with_new_scores(world, episode):
    series(episode, "PHQ-9", [16, 14, 13, 15, 14], start=ADMITTED)
    first = not_on_track_check(episode, today=day(28))[0]
    PlanReview.objects.filter(pk=first.pk).update(status="completed")
    assert not_on_track_check(episode, today=day(35)) == []  # reviewed just now
    PlanReview.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(weeks=5))
    administer(episode, "PHQ-9", 15, day(63))
    assert [r.reason for r in not_on_track_check(episode, today=day(63))] == ["no_progress"]


def test_improvement_on_track_raises_nothing(world, episode):
    series(episode, "PHQ-9", [18, 14, 11, 9], start=ADMITTED)
    assert not_on_track_check(episode, today=day(60)) == []


def test_each_instrument_is_judged_and_one_review_per_reason_names_them(world, episode):
    series(episode, "PHQ-9", [10, 17], start=ADMITTED)
    series(episode, "GAD-7", [8, 14], start=ADMITTED)
    raised = not_on_track_check(episode, today=day(8))
    assert len(raised) == 1
    assert "PHQ-9" in raised[0].detail and "GAD-7" in raised[0].detail


def test_administrations_entered_in_error_do_not_count(world, episode):
    series(episode, "PHQ-9", [10], start=ADMITTED)
    administer(
        episode,
        "PHQ-9",
        20,
        day(7),
        entered_in_error_at=timezone.now(),
        entered_in_error_by=world.alice,
        entered_in_error_reason="Wrong patient's form.",
    )
    assert episode_findings(episode, today=day(8)) == []
    assert not_on_track_check(episode, today=day(8)) == []


def test_a_discharged_episode_is_not_reviewed(world, episode):
    series(episode, "PHQ-9", [10, 17], start=ADMITTED)
    episode.status = EpisodeStatus.DISCHARGED
    episode.discharged_on = day(10)
    episode.save()
    assert not_on_track_check(episode, today=day(12)) == []


def test_screens_without_change_rules_are_ignored(world, episode):
    administer(episode, "PHQ-9", 10, ADMITTED)
    administer(episode, "AUDIT-C", 3, day(1))  # no change rules: no trajectory
    assert episode_findings(episode, today=day(40)) == []


def test_the_daily_run_checks_every_active_episode_once(world, episode):
    series(episode, "PHQ-9", [10, 17], start=ADMITTED)
    other = world.patient_b.episodes.get()
    series(other, "PHQ-9", [16, 15], start=ADMITTED)
    summary = not_on_track_run(today=day(28))
    assert summary.episodes == 2
    assert summary.raised == {"deterioration": 1, "no_progress": 1}
    assert not_on_track_run(today=day(28)).raised == {"deterioration": 0, "no_progress": 0}


def test_the_command_reports_what_it_raised_and_is_idempotent(world, episode):
    series(episode, "PHQ-9", [10, 17], start=ADMITTED)
    out = StringIO()
    call_command("measures_not_on_track", "--today", day(8).isoformat(), stdout=out)
    assert out.getvalue().strip() == (
        "1 episodes checked; plan reviews raised: 1 for deterioration, 0 for no progress by week 4."
    )
    out = StringIO()
    call_command("measures_not_on_track", "--today", day(8).isoformat(), "--weeks", "1", stdout=out)
    assert "0 for deterioration, 0 for no progress by week 1" in out.getvalue()  # nothing new
    assert len(reviews(episode)) == 1
