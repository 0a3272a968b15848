"""Program outcomes, hand-computed on a small cohort (PHQ-9, 2026-10-01 to 2026-12-31).

episode  admitted  discharged (reason)   track    primary  PHQ-9 scores                      pair    change
e1       09-01     —                     Morning  Alice    20, 8 (10-15), 6 (11-15)          20→6    −14 RI, response
e2       10-05     —                     Morning  Bob      12, 15                            12→15   +3 no change
e3       10-10     12-01 (stepped up)    Evening  Alice    10, 17                            10→17   +7 deterioration
e4       10-20     12-15 (not recorded)  Evening  Alice    9, 3                              9→3     −6 RI (baseline 9: no
                                                                                                     response/remission rule)
e5       11-01     —                     —        —        14 only                           —       baseline only
e6       11-05     12-20 (completed)     Morning  Bob      16, 4 (12-18), 20 (2027-01-05)    16→4    −12 RI, response,
                                                                                                     remission (last one is
                                                                                                     after the period)
e7       08-01     09-20                 Morning  Alice    18, 5                             out: discharged before
e8       2027-01-10                      Morning  Alice    18                                out: admitted after
e9       10-01     —                     Morning  Alice    none                              in the cohort, no baseline

Changes −14, +3, +7, −6, −12: mean −22/5 = −4.4; SD = sqrt(337.2 / 4) = 9.1815.
"""

import datetime
import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openiop.measures.change import (
    NO_RELIABLE_CHANGE,
    RELIABLE_DETERIORATION,
    RELIABLE_IMPROVEMENT,
    assess_instrument_change,
)
from openiop.measures.outcomes import EpisodeRecord, Rate, in_period, pair, program_outcomes
from openiop.measures.registry import get_instrument

START, END = datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)


def d(month: int, day: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


def record(key, admitted, scores, *, discharged=None, reason=None, track="", clinician=""):
    return EpisodeRecord(
        key=key,
        admitted_on=admitted,
        discharged_on=discharged,
        discharge_reason=reason,
        scores=tuple(scores),
        track=track,
        clinician=clinician,
    )


COHORT = [
    record(
        "e1", d(9, 1), [(d(9, 1), 20), (d(10, 15), 8), (d(11, 15), 6)], track="Morning", clinician="Alice"
    ),
    record("e2", d(10, 5), [(d(10, 5), 12), (d(11, 30), 15)], track="Morning", clinician="Bob"),
    record(
        "e3",
        d(10, 10),
        [(d(11, 20), 17), (d(10, 10), 10)],  # any order
        discharged=d(12, 1),
        reason="stepped_up",
        track="Evening",
        clinician="Alice",
    ),
    record(
        "e4",
        d(10, 20),
        [(d(10, 20), 9), (d(12, 10), 3)],
        discharged=d(12, 15),
        track="Evening",
        clinician="Alice",
    ),
    record("e5", d(11, 1), [(d(11, 1), 14)]),
    record(
        "e6",
        d(11, 5),
        [(d(11, 5), 16), (d(12, 18), 4), (d(1, 5, 2027), 20)],
        discharged=d(12, 20),
        reason="completed",
        track="Morning",
        clinician="Bob",
    ),
    record(
        "e7",
        d(8, 1),
        [(d(8, 1), 18), (d(9, 15), 5)],
        discharged=d(9, 20),
        reason="completed",
        track="Morning",
    ),
    record("e8", d(1, 10, 2027), [(d(1, 10, 2027), 18)], track="Morning", clinician="Alice"),
    record("e9", d(10, 1), [], track="Morning", clinician="Alice"),
]


@pytest.fixture
def report():
    return program_outcomes(get_instrument("PHQ-9"), COHORT, start=START, end=END, by_clinician=True)


def test_the_cohort_is_everyone_in_treatment_during_the_period(report):
    s = report.overall
    assert s.episodes == 7  # e7 ended before, e8 started after
    assert s.with_baseline == 6  # e9 has no score
    assert s.with_follow_up == 5  # e5 has one score only: left out of change


def test_mean_change_and_its_standard_deviation(report):
    assert report.overall.mean_change == pytest.approx(-4.4)
    assert report.overall.sd_change == pytest.approx(math.sqrt(337.2 / 4))
    assert report.overall.mean_change_text == "−4.4 (SD 9.2)"


def test_reliable_change_rates_have_the_paired_episodes_as_denominator(report):
    s = report.overall
    assert (s.reliable_improvement.count, s.reliable_improvement.of) == (3, 5)
    assert (s.no_reliable_change.count, s.no_reliable_change.of) == (1, 5)
    assert (s.reliable_deterioration.count, s.reliable_deterioration.of) == (1, 5)
    assert s.reliable_improvement.percent == pytest.approx(60)
    assert s.reliable_improvement.text == "60% (3 of 5)"


def test_response_and_remission_count_only_baselines_above_nine(report):
    s = report.overall
    assert (s.response.count, s.response.of) == (2, 4)  # e1 and e6 of e1, e2, e3, e6
    assert (s.remission.count, s.remission.of) == (1, 4)  # e6 (4); e1 ended at 6
    assert report.has_response_rule and report.has_remission_rule


def test_completion_counts_discharges_in_the_period_and_shows_unrecorded_reasons(report):
    s = report.overall
    assert s.discharged == 3  # e3, e4, e6 (e7 was discharged before the period)
    assert (s.completed.count, s.completed.of) == (1, 3)
    assert s.reason_not_recorded == 1  # e4


def test_by_track(report):
    assert list(report.by_track) == ["Evening", "Morning", "No track"]
    morning = report.by_track["Morning"]
    assert (morning.episodes, morning.with_follow_up) == (4, 3)  # e1, e2, e6, e9
    assert (morning.reliable_improvement.count, morning.reliable_improvement.of) == (2, 3)
    assert morning.mean_change == pytest.approx((-14 + 3 - 12) / 3)
    evening = report.by_track["Evening"]
    assert (evening.reliable_deterioration.count, evening.completed.of) == (1, 2)
    assert report.by_track["No track"].with_follow_up == 0
    assert (
        report.by_track["No track"].mean_change is None
        and report.by_track["No track"].mean_change_text == "—"
    )


def test_by_clinician(report):
    assert list(report.by_clinician) == ["Alice", "Bob", "No primary clinician"]
    alice = report.by_clinician["Alice"]
    assert (alice.episodes, alice.with_follow_up) == (4, 3)  # e1, e3, e4, e9
    assert alice.mean_change == pytest.approx((-14 + 7 - 6) / 3)
    bob = report.by_clinician["Bob"]
    assert (bob.response.count, bob.response.of, bob.remission.count) == (1, 2, 1)


def test_by_clinician_is_only_given_when_asked():
    report = program_outcomes(get_instrument("PHQ-9"), COHORT, start=START, end=END)
    assert report.by_clinician == {} and report.by_track


def test_one_person_has_a_mean_but_no_sd():
    report = program_outcomes(get_instrument("PHQ-9"), COHORT[:1], start=START, end=END)
    assert report.overall.mean_change == -14 and report.overall.sd_change is None
    assert report.overall.mean_change_text == "−14.0"


def test_an_empty_cohort_has_zero_denominators_and_no_percentages():
    report = program_outcomes(get_instrument("PHQ-9"), [], start=START, end=END)
    s = report.overall
    assert (s.episodes, s.with_follow_up, s.mean_change) == (0, 0, None)
    assert s.reliable_improvement.percent is None and s.reliable_improvement.text == "— (0 of 0)"
    assert s.to_dict()["completed"] == {"count": 0, "of": 0, "percent": None}


def test_gad7_has_no_response_or_remission_rule():
    report = program_outcomes(get_instrument("GAD-7"), COHORT[:2], start=START, end=END)
    assert not report.has_response_rule and not report.has_remission_rule
    assert report.overall.response.of == 0


def test_bad_period_and_screens_are_refused():
    with pytest.raises(ValueError, match="ends before"):
        program_outcomes(get_instrument("PHQ-9"), [], start=END, end=START)
    with pytest.raises(ValueError, match="no change rules"):
        program_outcomes(get_instrument("ASQ"), [], start=START, end=END)


def test_pair_takes_the_first_and_the_last_score_up_to_the_end():
    assert pair(COHORT[5], END) == (16, 4)
    assert pair(COHORT[5], d(12, 1)) is None  # only the baseline by then
    assert pair(COHORT[4], END) is None


def test_in_period_edges():
    assert in_period(record("x", END, []), START, END)  # admitted on the last day
    assert in_period(record("x", d(9, 1), [], discharged=START), START, END)  # discharged on the first day
    assert not in_period(record("x", None, []), START, END)  # never admitted


def test_to_dict_is_json_ready(report):
    data = report.overall.to_dict()
    assert data["mean_change"] == -4.4 and data["sd_change"] == 9.18
    assert data["reliable_improvement"] == {"count": 3, "of": 5, "percent": 60.0}
    assert data["discharge_reason_not_recorded"] == 1


@given(st.lists(st.tuples(st.integers(0, 27), st.integers(0, 27)), max_size=20))
def test_rates_always_add_up_to_the_paired_denominator(pairs):
    records = [
        record(f"p{i}", START, [(START, a), (START + datetime.timedelta(days=14), b)])
        for i, (a, b) in enumerate(pairs)
    ]
    s = program_outcomes(get_instrument("PHQ-9"), records, start=START, end=END).overall
    assert s.with_follow_up == len(pairs)
    assert s.reliable_improvement.count + s.no_reliable_change.count + s.reliable_deterioration.count == len(
        pairs
    )
    assert s.response.of == sum(1 for a, _ in pairs if a >= 10)
    if pairs:
        assert s.mean_change == pytest.approx(sum(b - a for a, b in pairs) / len(pairs))


def test_rate_percent():
    assert Rate(1, 3).percent == pytest.approx(33.333, abs=0.001)
    assert Rate(1, 3).to_dict()["percent"] == 33.3


DAYS = st.dates(min_value=d(8, 1), max_value=d(2, 1, 2027))
RECORDS = st.lists(
    st.builds(
        lambda admitted, scores, discharge, reason, track, clinician: record(
            "x",
            admitted,
            scores,
            discharged=None if discharge is None else admitted + datetime.timedelta(days=discharge),
            reason=reason,
            track=track,
            clinician=clinician,
        ),
        DAYS,
        st.lists(st.tuples(DAYS, st.integers(0, 27)), max_size=5),
        st.none() | st.integers(0, 120),
        st.sampled_from([None, "completed", "stepped_up"]),
        st.sampled_from(["", "Morning", "Evening"]),
        st.sampled_from(["", "Alice", "Bob"]),
    ),
    max_size=25,
)


@given(RECORDS)
def test_each_group_is_summarised_as_if_it_were_the_whole_cohort(records):
    """The report assesses each episode once and shares it between the overall, track and clinician
    summaries: every group's figures equal a report on that group's episodes alone."""
    phq9 = get_instrument("PHQ-9")
    report = program_outcomes(phq9, records, start=START, end=END, by_clinician=True)
    for groups, key, missing in (
        (report.by_track, lambda r: r.track, "No track"),
        (report.by_clinician, lambda r: r.clinician, "No primary clinician"),
    ):
        for label, summary in groups.items():
            alone = [r for r in records if (key(r) or missing) == label]
            assert summary == program_outcomes(phq9, alone, start=START, end=END).overall
    assert sum(s.episodes for s in report.by_track.values()) == report.overall.episodes


@given(RECORDS)
def test_the_overall_figures_are_the_episodes_counted_one_by_one(records):
    """The report counts in one pass and assesses each (baseline, follow-up) pair once, however many
    episodes share it: its figures equal the rules applied to each episode in turn."""
    phq9 = get_instrument("PHQ-9")
    cohort = [r for r in records if in_period(r, START, END)]
    changes = [assess_instrument_change(phq9, *p) for p in (pair(r, END) for r in cohort) if p is not None]
    discharged = [r for r in cohort if r.discharged_on is not None and START <= r.discharged_on <= END]
    s = program_outcomes(phq9, records, start=START, end=END).overall
    assert s.episodes == len(cohort)
    assert s.with_baseline == sum(1 for r in cohort if any(day <= END for day, _ in r.scores))
    assert s.with_follow_up == len(changes)
    assert s.mean_change == (statistics.fmean(c.difference for c in changes) if changes else None)
    assert s.sd_change == (statistics.stdev(c.difference for c in changes) if len(changes) > 1 else None)
    classified = sum(1 for c in changes if c.classification is not None)
    for rate, classification in (
        (s.reliable_improvement, RELIABLE_IMPROVEMENT),
        (s.no_reliable_change, NO_RELIABLE_CHANGE),
        (s.reliable_deterioration, RELIABLE_DETERIORATION),
    ):
        assert rate == Rate(sum(1 for c in changes if c.classification == classification), classified)
    assert s.response == Rate(
        sum(1 for c in changes if c.response), sum(c.response is not None for c in changes)
    )
    assert s.remission == Rate(
        sum(1 for c in changes if c.remission), sum(c.remission is not None for c in changes)
    )
    assert s.discharged == len(discharged)
    assert s.completed == Rate(
        sum(1 for r in discharged if r.discharge_reason == "completed"), len(discharged)
    )
    assert s.reason_not_recorded == sum(1 for r in discharged if r.discharge_reason is None)
