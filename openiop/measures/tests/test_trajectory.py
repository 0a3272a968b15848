"""The pure trajectory core: baseline, change from baseline, reliable change over time, response, remission,
bands and the first week of reliable improvement, with PHQ-9's and GAD-7's cited rules."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openiop.measures.change import NO_RELIABLE_CHANGE, RELIABLE_DETERIORATION, RELIABLE_IMPROVEMENT
from openiop.measures.loader import load_instrument
from openiop.measures.registry import get_instrument
from openiop.measures.trajectory import Observation, band_shades, build_trajectory, signed, week_of

from .factories import instrument_data

START = datetime.date(2026, 9, 7)  # a Monday: admission


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


def phq(*totals, every=7, start_day=0):
    return [Observation(on=day(start_day + every * i), score=t, key=f"a{i}") for i, t in enumerate(totals)]


def test_baseline_is_the_first_score_and_change_is_against_it():
    t = build_trajectory(get_instrument("PHQ-9"), phq(18, 15, 11, 9), start=START)
    assert t.baseline.score == 18 and t.baseline.is_baseline and t.baseline.change is None
    assert [p.difference for p in t.points] == [None, -3, -7, -9]
    assert t.latest.score == 9
    assert t.change.difference == -9
    assert t.classification == RELIABLE_IMPROVEMENT


def test_observations_are_sorted_by_date_whatever_the_order_given():
    given = list(reversed(phq(18, 15, 11)))
    t = build_trajectory(get_instrument("PHQ-9"), given, start=START)
    assert [p.score for p in t.points] == [18, 15, 11]


def test_phq9_reliable_change_uses_the_published_six_points():
    t = build_trajectory(get_instrument("PHQ-9"), phq(14, 9, 8, 20), start=START)
    assert [p.classification for p in t.points[1:]] == [
        NO_RELIABLE_CHANGE,  # 5 points: below the threshold
        RELIABLE_IMPROVEMENT,  # 6 points exactly
        RELIABLE_DETERIORATION,  # +6
    ]
    assert all(p.change.method == "threshold" and p.change.rci is None for p in t.points[1:])
    assert t.criteria.reliable == "a change of 6 or more points"
    assert "NHS Talking Therapies" in t.criteria.reliable_citation
    assert [p.on for p in t.deteriorations] == [day(21)]


def test_first_reliable_improvement_week_counts_whole_weeks_from_admission():
    # Baseline at admission, then days 7, 16 (week 2, reliable), 28.
    obs = [
        Observation(day(0), 18),
        Observation(day(7), 15),
        Observation(day(16), 12),
        Observation(day(28), 8),
    ]
    t = build_trajectory(get_instrument("PHQ-9"), obs, start=START)
    assert [p.week for p in t.points] == [0, 1, 2, 4]
    assert t.first_reliable_improvement.on == day(16)
    assert t.first_reliable_improvement_week == 2


def test_without_a_start_weeks_count_from_the_baseline_and_a_measure_before_admission_is_week_zero():
    obs = [Observation(day(-3), 16), Observation(day(11), 9)]
    assert [p.week for p in build_trajectory(get_instrument("PHQ-9"), obs).points] == [0, 2]
    assert [p.week for p in build_trajectory(get_instrument("PHQ-9"), obs, start=START).points] == [0, 1]


def test_response_needs_a_baseline_above_nine_and_half_the_score_gone():
    phq9 = get_instrument("PHQ-9")
    assert build_trajectory(phq9, phq(16, 8)).response is True  # exactly 50 %
    assert build_trajectory(phq9, phq(16, 9)).response is False
    assert build_trajectory(phq9, phq(9, 2)).response is None  # baseline 9: the rule does not apply
    assert "50%" in build_trajectory(phq9, phq(16, 8)).criteria.response


def test_remission_is_below_five_from_a_baseline_above_nine():
    phq9 = get_instrument("PHQ-9")
    assert build_trajectory(phq9, phq(15, 4)).remission is True
    assert build_trajectory(phq9, phq(15, 5)).remission is False
    assert build_trajectory(phq9, phq(8, 2)).remission is None
    assert "below 5" in build_trajectory(phq9, phq(15, 4)).criteria.remission


def test_gad7_has_no_response_or_remission_rule():
    t = build_trajectory(get_instrument("GAD-7"), phq(15, 11))
    assert t.classification == RELIABLE_IMPROVEMENT  # GAD-7: 4 points
    assert t.response is None and t.remission is None
    assert t.criteria.response == "" and t.criteria.remission == ""


def test_one_score_has_no_change_and_no_classification():
    t = build_trajectory(get_instrument("PHQ-9"), phq(12))
    assert t.baseline is t.latest
    assert t.change is None and t.classification is None and t.first_reliable_improvement_week is None


def test_no_scores_is_an_empty_trajectory():
    t = build_trajectory(get_instrument("PHQ-9"), [])
    assert t.points == () and t.baseline is None and t.latest is None and t.change is None


def test_incomplete_forms_are_left_out_and_counted():
    obs = [Observation(day(0), 18), Observation(day(7), None), Observation(day(14), 10)]
    t = build_trajectory(get_instrument("PHQ-9"), obs)
    assert [p.score for p in t.points] == [18, 10]
    assert t.unscored == 1


def test_bands_label_each_point_and_shade_the_whole_range():
    phq9 = get_instrument("PHQ-9")
    t = build_trajectory(phq9, phq(4, 5, 9, 10, 14, 15, 19, 20))
    assert [p.band for p in t.points] == [
        "Minimal",
        "Mild",
        "Mild",
        "Moderate",
        "Moderate",
        "Moderately severe",
        "Moderately severe",
        "Severe",
    ]
    shades = band_shades(phq9)
    assert [(s.low, s.high) for s in shades] == [(0, 4.5), (4.5, 9.5), (9.5, 14.5), (14.5, 19.5), (19.5, 27)]
    assert [s.level for s in shades] == [0, 1, 2, 3, 4]


def test_an_instrument_without_bands_has_no_shades():
    pcl5 = get_instrument("PCL-5")
    assert band_shades(pcl5) == ()
    assert build_trajectory(pcl5, phq(50, 38)).points[1].band is None


def test_rci_method_gives_the_jacobson_truax_index():
    data = instrument_data(
        change={"better": "lower", "reliable_change": {"sd": 2, "reliability": 0.75, "citation": "T."}}
    )
    instrument = load_instrument(data)
    t = build_trajectory(instrument, phq(8, 4))
    # S_diff = sqrt(2 * (2 * sqrt(0.25))**2) = sqrt(2); RCI = -4 / sqrt(2) = -2.83
    assert t.change.rci == pytest.approx(-2.828, abs=0.001)
    assert t.classification == RELIABLE_IMPROVEMENT
    assert t.criteria.reliable.startswith("|RCI| > 1.96")


def test_higher_is_better_instruments_improve_upwards():
    data = instrument_data(change={"better": "higher", "reliable_change": {"threshold": 3, "citation": "T."}})
    t = build_trajectory(load_instrument(data), phq(2, 6))
    assert t.classification == RELIABLE_IMPROVEMENT
    assert t.criteria.better == "higher"


def test_signed_numbers_use_a_true_minus():
    assert (signed(3), signed(-9), signed(0), signed(-2.5)) == ("+3", "−9", "0", "−2.5")


def test_week_of():
    assert week_of(day(6), START) == 0
    assert week_of(day(7), START) == 1
    assert week_of(day(-10), START) == 0


@given(st.lists(st.integers(0, 27), min_size=1, max_size=12), st.integers(0, 400))
def test_any_phq9_series_keeps_every_point_and_classifies_against_the_baseline(totals, offset):
    phq9 = get_instrument("PHQ-9")
    start = datetime.date(2026, 1, 1) + datetime.timedelta(days=offset)
    obs = [Observation(start + datetime.timedelta(days=3 * i), t) for i, t in enumerate(totals)]
    t = build_trajectory(phq9, obs, start=start)
    assert [p.score for p in t.points] == totals
    for point in t.points[1:]:
        drop = totals[0] - point.score
        expected = (
            RELIABLE_IMPROVEMENT
            if drop >= 6
            else RELIABLE_DETERIORATION
            if drop <= -6
            else NO_RELIABLE_CHANGE
        )
        assert point.classification == expected
        assert phq9.band_for(point.score).label == point.band
    weeks = [p.week for p in t.points]
    assert weeks == sorted(weeks) and weeks[0] == 0
    first = t.first_reliable_improvement_week
    assert (first is None) == all(totals[0] - s < 6 for s in totals[1:])
