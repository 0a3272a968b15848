"""The plain-language explanation of a patient's scores (progress_text.py): examples and properties."""

from hypothesis import given
from hypothesis import strategies as st

from openiop.measures.change import NO_RELIABLE_CHANGE, RELIABLE_DETERIORATION, RELIABLE_IMPROVEMENT
from openiop.portal.progress_text import ScoreFacts, explain

CLASSIFICATIONS = [None, RELIABLE_IMPROVEMENT, NO_RELIABLE_CHANGE, RELIABLE_DETERIORATION]


def test_a_reliable_drop_on_the_phq9_reads_as_a_real_improvement():
    text = explain(ScoreFacts("PHQ-9", (18, 12, 9), "lower", RELIABLE_IMPROVEMENT, threshold=6))
    assert text == (
        "Your PHQ-9 score went from 18 to 9. Lower is better. "
        "That is a real improvement (a change of 6 points or more)."
    )


def test_a_small_change_is_called_small():
    text = explain(ScoreFacts("GAD-7", (12, 10), "lower", NO_RELIABLE_CHANGE, threshold=4))
    assert "went from 12 to 10" in text and "small" in text and "real improvement" not in text


def test_a_reliable_worsening_points_to_the_care_team_without_alarm():
    text = explain(ScoreFacts("PHQ-9", (9, 18), "lower", RELIABLE_DETERIORATION, threshold=6))
    assert "care team" in text and "improvement" not in text


def test_one_score_and_none():
    assert "next one" in explain(ScoreFacts("PHQ-9", (14,), "lower", None))
    assert "no PHQ-9 scores yet" in explain(ScoreFacts("PHQ-9", (), "lower", None))


def test_higher_is_better_scales_say_so():
    text = explain(ScoreFacts("WHO-5", (8, 16), "higher", RELIABLE_IMPROVEMENT))
    assert "Higher is better." in text and "bigger than normal ups and downs" in text


@given(
    scores=st.lists(st.integers(min_value=0, max_value=100), max_size=8).map(tuple),
    better=st.sampled_from([None, "lower", "higher"]),
    classification=st.sampled_from(CLASSIFICATIONS),
    threshold=st.one_of(st.none(), st.integers(min_value=1, max_value=20)),
)
def test_improvement_is_claimed_only_for_a_reliable_improvement(scores, better, classification, threshold):
    text = explain(ScoreFacts("PHQ-9", scores, better, classification, threshold))
    if classification != RELIABLE_IMPROVEMENT:
        assert "improve" not in text.lower()
    assert text.strip() and "%(" not in text
    if len(scores) >= 2:
        assert f"{scores[0]}" in text and f"{scores[-1]}" in text
