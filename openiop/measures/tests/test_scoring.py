"""The engine against every published scoring rule and boundary of the shipped instruments."""

import pytest

from openiop.measures.loader import SHIPPED_DIR, load_instrument
from openiop.measures.scoring import COMPLETE, INCOMPLETE, PRORATED, AnswersError, score

from .factories import instrument_data

PHQ9 = load_instrument(SHIPPED_DIR / "phq-9.json")
GAD7 = load_instrument(SHIPPED_DIR / "gad-7.json")
PCL5 = load_instrument(SHIPPED_DIR / "pcl-5.json")
AUDITC = load_instrument(SHIPPED_DIR / "audit-c.json")
ASQ = load_instrument(SHIPPED_DIR / "asq.json")


def answers_totalling(instrument, total: int, *, avoid: tuple[str, ...] = ()) -> dict[str, int]:
    """Answers whose sum is `total`, filling items in order and leaving `avoid` items at their lowest."""
    answers, left = {}, total
    for item in instrument.scored_items:
        if item.key in avoid:
            answers[item.key] = item.min_value
            continue
        value = min(item.max_value, left)
        answers[item.key] = value
        left -= value
    assert left == 0, "total out of reach"
    return answers


# --- PHQ-9 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_phq9_bands_at_every_boundary(total, band):
    result = score(PHQ9, answers_totalling(PHQ9, total, avoid=("9",) if total <= 24 else ()))
    assert (result.total, result.band.label, result.status) == (total, band, COMPLETE)


def test_phq9_range_is_0_to_27():
    assert (PHQ9.min_total, PHQ9.max_total) == (0, 27)


def test_phq9_item9_above_zero_raises_an_urgent_alert_whatever_the_total():
    # The issue's own case: item 9 = 1 with a total of 3.
    answers = {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}
    result = score(PHQ9, answers)
    assert result.total == 3 and result.band.label == "Minimal"
    assert result.urgent
    flag = result.flag("critical_item_9")
    assert flag.triggers == "urgent_alert" and flag.item == "9"
    assert [i.critical_triggered for i in result.items if i.key == "9"] == [True]


def test_phq9_item9_zero_raises_nothing():
    result = score(PHQ9, answers_totalling(PHQ9, 24, avoid=("9",)))
    assert not result.urgent and result.flags == ()


def test_phq9_item9_alert_survives_an_incomplete_form():
    result = score(PHQ9, {"9": 2})
    assert result.status == INCOMPLETE and result.total is None and result.band is None
    assert result.urgent


def test_phq9_unanswered_item9_is_flagged_for_review_not_treated_as_no():
    answers = answers_totalling(PHQ9, 8, avoid=("9",))
    del answers["9"]
    result = score(PHQ9, answers)
    assert result.status == PRORATED
    flag = result.flag("critical_item_9_unanswered")
    assert flag.triggers == "clinician_review" and not result.urgent


def test_phq9_prorates_one_or_two_missing_items():
    answers = {"1": 2, "2": 2, "3": 2, "4": 2, "5": 2, "6": 2, "7": 2, "8": 1}  # item 9 missing
    result = score(PHQ9, answers)
    # 15 over 8 answered items, x 9 = 16.875 -> 17
    assert (result.status, result.raw_total, result.total, result.band.label) == (
        PRORATED,
        15,
        17,
        "Moderately severe",
    )
    assert result.prorated and result.missing == ("9",)
    del answers["8"]
    result = score(PHQ9, answers)  # 14 over 7 x 9 = 18
    assert (result.total, result.missing) == (18, ("8", "9"))


def test_phq9_prorating_rounds_half_up():
    answers = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0, "8": 0}  # 6 x 9 / 8 = 6.75
    assert score(PHQ9, answers).total == 7
    answers = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1}  # 7 x 9 / 7 = 9
    assert score(PHQ9, answers).total == 9
    answers = {"1": 3, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0}  # 4 x 9 / 8 = 4.5 -> 5
    assert score(PHQ9, answers).total == 5


def test_phq9_three_missing_items_is_incomplete():
    answers = {"1": 3, "2": 3, "3": 3, "4": 3, "5": 3, "6": 3}
    result = score(PHQ9, answers)
    assert (result.status, result.total, result.raw_total) == (INCOMPLETE, None, 18)
    assert result.missing == ("7", "8", "9")


def test_phq9_difficulty_question_is_optional_and_not_scored():
    answers = answers_totalling(PHQ9, 12, avoid=("9",))
    with_difficulty = score(PHQ9, {**answers, "difficulty": 3})
    assert with_difficulty.total == score(PHQ9, answers).total == 12
    assert with_difficulty.status == COMPLETE
    assert [i.scored_value for i in with_difficulty.items if i.key == "difficulty"] == [None]


def test_phq9_labels_follow_the_language():
    result = score(PHQ9, {**answers_totalling(PHQ9, 0), "9": 1}, "es")
    labels = {i.key: i.label for i in result.items}
    assert labels["1"] == "Ningún día" and labels["9"] == "Varios días"
    assert score(PHQ9, {"1": 3}).items[0].label == "Nearly every day"


def test_phq9_result_serialises():
    data = score(PHQ9, {**answers_totalling(PHQ9, 10, avoid=("9",))}).to_dict()
    assert data["instrument"] == {"code": "PHQ-9", "version": "1.0.0"}
    assert data["band"] == {"label": "Moderate", "min": 10, "max": 14}
    assert data["range"] == {"min": 0, "max": 27} and data["urgent"] is False


# --- GAD-7 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Severe"),
        (21, "Severe"),
    ],
)
def test_gad7_bands_at_every_boundary(total, band):
    result = score(GAD7, answers_totalling(GAD7, total))
    assert (result.total, result.band.label) == (total, band)


def test_gad7_cutpoint_10_flags_further_evaluation():
    assert score(GAD7, answers_totalling(GAD7, 9)).flag("further_evaluation") is None
    assert score(GAD7, answers_totalling(GAD7, 10)).flag("further_evaluation").triggers == "clinician_review"


def test_gad7_any_missing_item_is_incomplete():
    answers = answers_totalling(GAD7, 12)
    del answers["4"]
    result = score(GAD7, answers)
    assert (result.status, result.total, result.band) == (INCOMPLETE, None, None)


# --- PCL-5 ------------------------------------------------------------------------------------------------


def test_pcl5_total_runs_0_to_80():
    assert score(PCL5, answers_totalling(PCL5, 0)).total == 0
    assert score(PCL5, answers_totalling(PCL5, 80)).total == 80
    assert (PCL5.min_total, PCL5.max_total) == (0, 80)


def test_pcl5_cluster_subscales():
    answers = {str(n): 0 for n in range(1, 21)}
    answers.update({"1": 4, "5": 3, "6": 2, "7": 1, "8": 1, "14": 2, "15": 4, "20": 3})
    result = score(PCL5, answers)
    scores = {s.key: (s.score, s.min, s.max) for s in result.subscales}
    assert scores == {"b": (7, 0, 20), "c": (3, 0, 8), "d": (3, 0, 28), "e": (7, 0, 24)}
    assert sum(s.score for s in result.subscales) == result.total == 20


def test_pcl5_has_no_severity_bands():
    assert score(PCL5, answers_totalling(PCL5, 50)).band is None


def test_pcl5_probable_ptsd_from_31():
    assert score(PCL5, answers_totalling(PCL5, 30)).flag("probable_ptsd") is None
    assert score(PCL5, answers_totalling(PCL5, 31)).flag("probable_ptsd") is not None


def test_pcl5_provisional_diagnosis_needs_every_cluster():
    answers = {str(n): 0 for n in range(1, 21)}
    answers.update({"1": 2, "6": 2, "8": 2, "9": 2, "15": 2, "16": 2})  # B1 C1 D2 E2, total 12
    result = score(PCL5, answers)
    assert result.flag("provisional_dsm5_diagnosis") is not None
    assert result.flag("probable_ptsd") is None
    answers["16"] = 1  # only one E symptom rated 2 or more
    assert score(PCL5, answers).flag("provisional_dsm5_diagnosis") is None


def test_pcl5_missing_item_leaves_total_and_its_cluster_unscored():
    answers = answers_totalling(PCL5, 40)
    del answers["6"]
    result = score(PCL5, answers)
    assert result.status == INCOMPLETE and result.total is None
    assert result.subscale("c").score is None and result.subscale("b").score is not None


# --- AUDIT-C ----------------------------------------------------------------------------------------------


def test_auditc_total_runs_0_to_12():
    assert score(AUDITC, {"1": 0, "2": 0, "3": 0}).total == 0
    assert score(AUDITC, {"1": 4, "2": 4, "3": 4}).total == 12


@pytest.mark.parametrize(
    ("sex", "total", "positive"),
    [
        ("male", 3, False),
        ("male", 4, True),
        ("female", 2, False),
        ("female", 3, True),
        ("unknown", 2, False),
        ("unknown", 3, True),
    ],
)
def test_auditc_positive_screen_cutoffs_by_sex(sex, total, positive):
    result = score(AUDITC, answers_totalling(AUDITC, total), context={"sex": sex})
    matches = [f for f in result.flags if f.id == "positive_screen"]
    assert len(matches) == (1 if positive else 0)


def test_auditc_without_context_uses_the_lower_cutoff():
    assert score(AUDITC, answers_totalling(AUDITC, 3)).flag("positive_screen") is not None


def test_auditc_brief_counselling_from_5_for_everyone():
    for sex in ("male", "female"):
        assert (
            score(AUDITC, answers_totalling(AUDITC, 4), context={"sex": sex}).flag("brief_counselling")
            is None
        )
        assert score(AUDITC, answers_totalling(AUDITC, 5), context={"sex": sex}).flag("brief_counselling")


def test_unknown_context_is_refused():
    with pytest.raises(AnswersError, match="context 'sex': 'x'"):
        score(AUDITC, {"1": 0}, context={"sex": "x"})
    with pytest.raises(AnswersError, match="context 'age'"):
        score(AUDITC, {"1": 0}, context={"age": "40"})


# --- ASQ --------------------------------------------------------------------------------------------------


NO = {"1": 0, "2": 0, "3": 0, "4": 0}


def test_asq_all_no_is_a_negative_screen():
    result = score(ASQ, NO)
    assert result.flags == () and result.total is None and result.status == COMPLETE


@pytest.mark.parametrize("item", ["1", "2", "3", "4"])
def test_asq_yes_to_any_of_1_to_4_is_a_positive_screen(item):
    result = score(ASQ, {**NO, item: 1, "5": 0})
    assert result.flag("positive_screen").triggers == "urgent_alert"
    assert result.flag("non_acute_positive_screen") is not None
    assert result.flag("critical_item_5") is None


def test_asq_yes_to_5_is_an_acute_positive_screen():
    result = score(ASQ, {**NO, "1": 1, "5": 1})
    assert result.flag("critical_item_5").triggers == "urgent_alert"
    assert result.flag("non_acute_positive_screen") is None
    assert result.urgent


def test_asq_refusing_a_question_is_a_positive_screen():
    result = score(ASQ, {"1": 0, "2": 0, "4": 0, "5": 0})  # question 3 refused
    assert result.status == INCOMPLETE and result.missing == ("3",)
    assert result.flag("positive_screen") is not None


def test_asq_positive_without_the_acuity_question_asks_for_it():
    result = score(ASQ, {**NO, "3": 1})
    assert result.flag("acuity_question_unanswered") is not None
    assert result.flag("critical_item_5_unanswered") is None  # question 5 is only asked after a positive


# --- Invalid answers --------------------------------------------------------------------------------------


def test_value_not_among_the_options_is_refused():
    with pytest.raises(AnswersError, match="1: 4 is not an answer option; use one of 0, 1, 2, 3"):
        score(PHQ9, {"1": 4})


def test_unknown_item_is_refused():
    with pytest.raises(AnswersError, match="'10': not an item of PHQ-9 1.0.0"):
        score(PHQ9, {"10": 1})


def test_every_problem_is_listed():
    with pytest.raises(AnswersError) as caught:
        score(PHQ9, {"1": -1, "2": "2", "zz": 0})
    assert len(caught.value.problems) == 3


@pytest.mark.parametrize("value", [True, 1.0, "1", [1]])
def test_non_integer_answers_are_refused(value):
    with pytest.raises(AnswersError, match="the answer must be one of"):
        score(PHQ9, {"1": value})


def test_integer_keys_are_read_as_item_keys():
    assert score(PHQ9, {1: 3, 9: 0}).raw_total == 3


def test_unknown_language_is_refused():
    with pytest.raises(AnswersError, match="language 'fr'"):
        score(PHQ9, {}, "fr")


def test_none_means_unanswered():
    result = score(PHQ9, {**answers_totalling(PHQ9, 5), "9": None})
    assert result.missing == ("9",)


# --- Reverse keying (factory instrument) -------------------------------------------------------------------


def test_reverse_keyed_items_are_flipped_within_their_range():
    data = instrument_data()
    data["items"][1]["reverse"] = True
    instrument = load_instrument(data)
    result = score(instrument, {"a": 0, "b": 0, "c": 0})
    assert result.total == 3
    item = result.items[1]
    assert (item.value, item.scored_value) == (0, 3)
    assert result.subscale("s").score == 3


def test_critical_flag_fires_on_the_answer_not_the_reversed_value():
    data = instrument_data()
    instrument = load_instrument(data)
    assert score(instrument, {"a": 0, "b": 0, "c": 2}).urgent
    assert not score(instrument, {"a": 0, "b": 0, "c": 1}).urgent
