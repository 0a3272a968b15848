import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openiop.measures.change import (
    NO_RELIABLE_CHANGE,
    RELIABLE_DETERIORATION,
    RELIABLE_IMPROVEMENT,
    assess_change,
    assess_instrument_change,
    classify,
    cutoff_value,
    reliable_change_index,
    standard_error_of_difference,
)
from openiop.measures.instrument_schema import ChangeRules, ClinicalCutoff, ReliableChange
from openiop.measures.loader import SHIPPED_DIR, load_instrument

PHQ9 = load_instrument(SHIPPED_DIR / "phq-9.json")
GAD7 = load_instrument(SHIPPED_DIR / "gad-7.json")
PCL5 = load_instrument(SHIPPED_DIR / "pcl-5.json")
ASQ = load_instrument(SHIPPED_DIR / "asq.json")

LOWER = ChangeRules("lower", ReliableChange("Tests.", sd=5.0, reliability=0.84))
HIGHER = ChangeRules("higher", ReliableChange("Tests.", sd=5.0, reliability=0.84))

sds = st.floats(min_value=0.1, max_value=50, allow_nan=False)
reliabilities = st.floats(min_value=0, max_value=0.99, allow_nan=False)
scores = st.integers(min_value=0, max_value=100)


# --- The Jacobson–Truax index -----------------------------------------------------------------------------


def test_standard_error_of_difference_by_hand():
    # SE = 5 x sqrt(0.16) = 2; S_diff = sqrt(2 x 4) = 2.828...
    assert standard_error_of_difference(5, 0.84) == pytest.approx(math.sqrt(8))


def test_rci_by_hand():
    assert reliable_change_index(20, 14, sd=5, reliability=0.84) == pytest.approx(-6 / math.sqrt(8))


@pytest.mark.parametrize(("sd", "reliability"), [(0, 0.8), (-1, 0.8), (5, 1.0), (5, -0.1)])
def test_rci_refuses_impossible_parameters(sd, reliability):
    with pytest.raises(ValueError):
        standard_error_of_difference(sd, reliability)


@given(sds, reliabilities, scores, scores)
def test_rci_is_antisymmetric(sd, r, x1, x2):
    assert reliable_change_index(x1, x2, sd=sd, reliability=r) == pytest.approx(
        -reliable_change_index(x2, x1, sd=sd, reliability=r)
    )


@given(sds, reliabilities, scores)
def test_no_change_is_no_reliable_change(sd, r, x):
    rules = ChangeRules("lower", ReliableChange("Tests.", sd=sd, reliability=r))
    result = assess_change(rules, x, x)
    assert result.rci == 0 and result.classification == NO_RELIABLE_CHANGE


@given(sds, reliabilities, scores, scores)
def test_classification_is_symmetric(sd, r, x1, x2):
    rules = ChangeRules("lower", ReliableChange("Tests.", sd=sd, reliability=r))
    forward = assess_change(rules, x1, x2).classification
    back = assess_change(rules, x2, x1).classification
    mirror = {
        RELIABLE_IMPROVEMENT: RELIABLE_DETERIORATION,
        RELIABLE_DETERIORATION: RELIABLE_IMPROVEMENT,
        NO_RELIABLE_CHANGE: NO_RELIABLE_CHANGE,
    }
    assert back == mirror[forward]


@given(scores, scores)
def test_direction_flips_with_the_scale(x1, x2):
    lower, higher = assess_change(LOWER, x1, x2), assess_change(HIGHER, x1, x2)
    assert lower.improvement == -higher.improvement
    if lower.classification == RELIABLE_IMPROVEMENT:
        assert higher.classification == RELIABLE_DETERIORATION


def test_rci_boundary_is_1_96():
    assert classify(-1.0, rci=1.96) == NO_RELIABLE_CHANGE
    assert classify(-1.0, rci=1.97) == RELIABLE_DETERIORATION
    assert classify(1.0, rci=-1.97) == RELIABLE_IMPROVEMENT
    assert classify(1.0, rci=2.5, better="higher") == RELIABLE_IMPROVEMENT


def test_classify_needs_a_rule():
    with pytest.raises(ValueError):
        classify(3)


# --- PHQ-9 (published threshold, response, remission) ------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (18, 12, RELIABLE_IMPROVEMENT),  # drop of 6
        (18, 13, NO_RELIABLE_CHANGE),  # drop of 5
        (12, 18, RELIABLE_DETERIORATION),
        (12, 17, NO_RELIABLE_CHANGE),
        (10, 10, NO_RELIABLE_CHANGE),
    ],
)
def test_phq9_reliable_change_is_a_drop_of_six(baseline, current, expected):
    result = assess_instrument_change(PHQ9, baseline, current)
    assert (result.method, result.threshold, result.classification) == ("threshold", 6, expected)


@pytest.mark.parametrize(
    ("baseline", "current", "response"),
    [(20, 10, True), (20, 11, False), (10, 5, True), (10, 6, False), (9, 0, None), (27, 13, True)],
)
def test_phq9_response_is_half_from_a_baseline_above_9(baseline, current, response):
    assert assess_instrument_change(PHQ9, baseline, current).response is response


@pytest.mark.parametrize(("baseline", "current", "remission"), [(15, 4, True), (15, 5, False), (8, 2, None)])
def test_phq9_remission_is_below_5_from_a_baseline_above_9(baseline, current, remission):
    assert assess_instrument_change(PHQ9, baseline, current).remission is remission


def test_phq9_clinically_significant_improvement_crosses_10():
    assert assess_instrument_change(PHQ9, 16, 9).clinically_significant is True
    assert assess_instrument_change(PHQ9, 22, 14).clinically_significant is False  # reliable, still a case
    assert assess_instrument_change(PHQ9, 12, 8).clinically_significant is False  # crossed, not reliable


def test_gad7_reliable_change_is_four():
    assert assess_instrument_change(GAD7, 14, 10).classification == RELIABLE_IMPROVEMENT
    assert assess_instrument_change(GAD7, 14, 11).classification == NO_RELIABLE_CHANGE
    assert assess_instrument_change(GAD7, 6, 10).classification == RELIABLE_DETERIORATION
    assert assess_instrument_change(GAD7, 10, 7).response is None  # no response rule for the GAD-7


def test_pcl5_reliable_change_is_ten():
    assert assess_instrument_change(PCL5, 50, 40).classification == RELIABLE_IMPROVEMENT
    assert assess_instrument_change(PCL5, 50, 41).classification == NO_RELIABLE_CHANGE


def test_change_is_refused_without_rules_or_outside_the_range():
    with pytest.raises(ValueError, match="has no change rules"):
        assess_instrument_change(ASQ, 1, 0)
    with pytest.raises(ValueError, match="outside"):
        assess_instrument_change(PHQ9, 10, 30)


def test_citations_travel_with_the_result():
    result = assess_instrument_change(PHQ9, 20, 8)
    assert len(result.citations) == 4 and all(result.citations)
    assert result.to_dict()["classification"] == RELIABLE_IMPROVEMENT


# --- Higher is better (a well-being style scale) -----------------------------------------------------------


def test_higher_is_better_with_rci_and_norms():
    cutoff = ClinicalCutoff("Tests.", clinical_mean=8, clinical_sd=4, functional_mean=16, functional_sd=4)
    rules = ChangeRules("higher", ReliableChange("Tests.", sd=4, reliability=0.8), clinical_cutoff=cutoff)
    assert cutoff_value(cutoff) == 12
    result = assess_change(rules, 6, 14)  # RCI = 8 / sqrt(2 x 3.2) = 3.16
    assert result.classification == RELIABLE_IMPROVEMENT and result.clinically_significant is True
    assert assess_change(rules, 14, 6).classification == RELIABLE_DETERIORATION
