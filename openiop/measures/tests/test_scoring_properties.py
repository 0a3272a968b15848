"""Properties of the engine over every shipped instrument (and a reverse-keyed made-up one)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from openiop.measures.loader import load_instrument, load_instruments
from openiop.measures.scoring import COMPLETE, PRORATED, score

from .factories import instrument_data

SHIPPED = load_instruments()
SUMMED = [i for i in SHIPPED if i.scoring.method == "sum"]
PHQ9 = next(i for i in SHIPPED if i.code == "PHQ-9")

reverse_data = instrument_data()
reverse_data["items"][1]["reverse"] = True
REVERSED = load_instrument(reverse_data)


@st.composite
def complete_answers(draw, instrument):
    return {item.key: draw(st.sampled_from(item.values)) for item in instrument.items if item.required}


@st.composite
def partial_answers(draw, instrument):
    answers = {}
    for item in instrument.items:
        if draw(st.booleans()):
            answers[item.key] = draw(st.sampled_from(item.values))
    return answers


@settings(max_examples=200)
@given(data=st.data())
def test_total_is_always_within_the_range(data):
    instrument = data.draw(st.sampled_from(SUMMED + [REVERSED]))
    result = score(instrument, data.draw(partial_answers(instrument)))
    if result.total is not None:
        assert instrument.min_total <= result.total <= instrument.max_total
        if instrument.scoring.bands:
            assert result.band.min <= result.total <= result.band.max
    for subscale in result.subscales:
        assert subscale.score is None or subscale.min <= subscale.score <= subscale.max


@settings(max_examples=200)
@given(data=st.data())
def test_a_more_severe_answer_never_lowers_the_total(data):
    instrument = data.draw(st.sampled_from(SUMMED))  # no shipped instrument has reverse-keyed items
    answers = data.draw(complete_answers(instrument))
    item = data.draw(st.sampled_from(instrument.scored_items))
    higher = [v for v in item.values if v > answers[item.key]]
    if not higher:
        return
    raised = {**answers, item.key: data.draw(st.sampled_from(higher))}
    assert score(instrument, raised).total > score(instrument, answers).total


@settings(max_examples=200)
@given(data=st.data())
def test_with_reverse_keyed_items_the_keyed_direction_never_lowers_the_total(data):
    answers = data.draw(complete_answers(REVERSED))
    item = data.draw(st.sampled_from(REVERSED.scored_items))
    # Towards more severe: up for an ordinary item, down for a reverse-keyed one.
    worse = [v for v in item.values if (v < answers[item.key] if item.reverse else v > answers[item.key])]
    if not worse:
        return
    changed = {**answers, item.key: data.draw(st.sampled_from(worse))}
    assert score(REVERSED, changed).total > score(REVERSED, answers).total


@settings(max_examples=200)
@given(data=st.data())
def test_nothing_missing_means_no_prorating(data):
    instrument = data.draw(st.sampled_from(SUMMED + [REVERSED]))
    answers = data.draw(complete_answers(instrument))
    result = score(instrument, answers)
    assert result.status == COMPLETE and not result.prorated
    assert (
        result.total
        == result.raw_total
        == sum(i.scored_value for i in result.items if i.scored_value is not None)
    )


@settings(max_examples=200)
@given(data=st.data())
def test_prorated_total_equals_the_full_total_when_the_missing_items_match_the_mean(data):
    # Dropping items whose answers equal the mean of the rest leaves the prorated total unchanged.
    value = data.draw(st.sampled_from(PHQ9.item("1").values))
    answers = {str(n): value for n in range(1, 10)}
    dropped = data.draw(
        st.lists(st.sampled_from([str(n) for n in range(1, 10)]), min_size=1, max_size=2, unique=True)
    )
    partial = {k: v for k, v in answers.items() if k not in dropped}
    result = score(PHQ9, partial)
    assert result.status == PRORATED
    assert result.total == score(PHQ9, answers).total


@settings(max_examples=300)
@given(data=st.data())
def test_phq9_item9_above_zero_always_raises_an_urgent_alert(data):
    answers = data.draw(partial_answers(PHQ9))
    answers["9"] = data.draw(st.sampled_from([1, 2, 3]))
    language = data.draw(st.sampled_from(PHQ9.languages))
    result = score(PHQ9, answers, language)
    assert result.urgent and result.flag("critical_item_9") is not None


@settings(max_examples=200)
@given(data=st.data())
def test_asq_is_urgent_exactly_when_the_screen_is_positive(data):
    asq = next(i for i in SHIPPED if i.code == "ASQ")
    answers = {k: data.draw(st.sampled_from([0, 1])) for k in ("1", "2", "3", "4", "5")}
    positive = any(answers[k] == 1 for k in ("1", "2", "3", "4")) or answers["5"] == 1
    assert score(asq, answers).urgent == positive
