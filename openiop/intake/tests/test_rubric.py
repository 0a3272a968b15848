"""The level-of-care rubric engine: the shipped rubric, its bands and overrides, the validator's messages, and
the properties every valid rubric must have (monotonic, one level per set of ratings, overrides win)."""

import copy
import itertools
import json
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from openiop.intake.rubric import (
    SHIPPED_DIR,
    RatingsError,
    RubricError,
    check_ratings,
    load_rubric,
    load_shipped,
    recommend,
    shipped_rubrics,
)

# Timing is not what these tests check, and shared CI machines stall: no per-example deadline.
no_deadline = settings(deadline=None)

SHIPPED_FILE = SHIPPED_DIR / "openiop-loc-1.json"
RUBRIC = load_rubric(SHIPPED_FILE)
LEVELS = [
    "outpatient",
    "intensive_outpatient",
    "partial_hospitalization",
    "residential",
    "inpatient",
]
DIMENSIONS = [
    "risk_of_harm",
    "functional_status",
    "co_occurring_conditions",
    "recovery_environment_stress",
    "recovery_environment_support",
    "treatment_history",
    "engagement",
]


def raw_shipped() -> dict:
    return json.loads(SHIPPED_FILE.read_text(encoding="utf-8"))


def ratings(**given_ratings) -> dict[str, int]:
    return {dimension: 1 for dimension in DIMENSIONS} | given_ratings


def index(level: str) -> int:
    return LEVELS.index(level)


# --- The shipped rubric -----------------------------------------------------------------------------------


def test_the_shipped_rubric_loads_with_its_identity():
    assert (RUBRIC.id, RUBRIC.version) == ("openiop-loc", "1.0.0")
    assert "CC BY 4.0" in RUBRIC.licence
    assert (RUBRIC.scale_min, RUBRIC.scale_max) == (1, 5)


def test_the_shipped_levels_are_the_level_of_care_choices_in_order():
    from openiop.intake.models import LevelOfCare

    assert list(RUBRIC.level_ids) == LEVELS == list(LevelOfCare.values)


def test_the_shipped_dimensions_each_anchor_every_rating():
    assert [dimension.id for dimension in RUBRIC.dimensions] == DIMENSIONS
    for dimension in RUBRIC.dimensions:
        assert [anchor.rating for anchor in dimension.anchors] == [1, 2, 3, 4, 5]
        assert dimension.title and dimension.help
        assert all(anchor.label and anchor.description for anchor in dimension.anchors)


def test_the_shipped_rubric_does_not_quote_copyrighted_instruments_as_its_source():
    text = SHIPPED_FILE.read_text(encoding="utf-8")
    assert "not taken from LOCUS" in text


def test_shipped_rubrics_lists_the_openiop_rubric():
    assert ("openiop-loc", "1.0.0") in [(r.id, r.version) for r in shipped_rubrics()]
    assert load_shipped("openiop-loc") == RUBRIC
    assert load_shipped("openiop-loc", "1.0.0") == RUBRIC


# Written out here rather than read from the file, so a change to the bands must be made on purpose twice.
EXPECTED_BAND = {
    **dict.fromkeys(range(7, 14), "outpatient"),
    **dict.fromkeys(range(14, 22), "intensive_outpatient"),
    **dict.fromkeys(range(22, 26), "partial_hospitalization"),
    **dict.fromkeys(range(26, 30), "residential"),
    **dict.fromkeys(range(30, 36), "inpatient"),
}

# The most each dimension can be rated without triggering an override of the shipped rubric.
BELOW_OVERRIDES = {
    "risk_of_harm": 3,
    "functional_status": 4,
    "co_occurring_conditions": 3,
    "recovery_environment_stress": 4,
    "recovery_environment_support": 4,
    "treatment_history": 4,
    "engagement": 5,
}


def ratings_totalling(total: int, ceilings: dict[str, int]) -> dict[str, int]:
    """Ratings that add up to `total`, filling dimensions in order up to each ceiling."""
    result, left = {}, total - len(DIMENSIONS)
    for dimension in DIMENSIONS:
        extra = min(left, ceilings[dimension] - 1)
        result[dimension] = 1 + extra
        left -= extra
    assert left == 0, f"{total} cannot be reached under {ceilings}"
    return result


@pytest.mark.parametrize("total", sorted(EXPECTED_BAND))
def test_every_composite_total_maps_to_its_band(total):
    scale_top = dict.fromkeys(DIMENSIONS, 5)
    recommendation = recommend(RUBRIC, ratings_totalling(total, scale_top))
    assert recommendation.composite == total
    assert recommendation.composite_level == EXPECTED_BAND[total]
    assert recommendation.reasons[0].startswith(f"Composite score {total} (possible 7–35)")


@pytest.mark.parametrize("total", [t for t in sorted(EXPECTED_BAND) if t <= sum(BELOW_OVERRIDES.values())])
def test_without_overrides_the_band_is_the_recommendation(total):
    recommendation = recommend(RUBRIC, ratings_totalling(total, BELOW_OVERRIDES))
    assert recommendation.triggered == ()
    assert recommendation.level == EXPECTED_BAND[total]


@pytest.mark.parametrize(
    ("low", "high"), [(13, 14), (21, 22), (25, 26), (29, 30)], ids=["op-iop", "iop-php", "php-res", "res-inp"]
)
def test_each_band_boundary_steps_up_by_one_level(low, high):
    assert index(RUBRIC.band_for(high).level) == index(RUBRIC.band_for(low).level) + 1


def test_totals_outside_the_possible_range_have_no_band():
    for total in (6, 36):
        with pytest.raises(ValueError, match="outside 7–35"):
            RUBRIC.band_for(total)


OVERRIDES = [
    ("imminent-risk", "risk_of_harm", 5, "inpatient"),
    ("serious-risk", "risk_of_harm", 4, "partial_hospitalization"),
    ("cannot-meet-basic-needs", "functional_status", 5, "residential"),
    ("needs-24-hour-medical-monitoring", "co_occurring_conditions", 5, "residential"),
    ("needs-daily-medical-oversight", "co_occurring_conditions", 4, "partial_hospitalization"),
    ("overwhelming-stress", "recovery_environment_stress", 5, "intensive_outpatient"),
    ("no-support", "recovery_environment_support", 5, "intensive_outpatient"),
    ("repeated-treatment-failure", "treatment_history", 5, "intensive_outpatient"),
]


def test_the_shipped_overrides_are_the_ones_we_chose():
    assert [(r.id, r.dimension, r.min_rating, r.level) for r in RUBRIC.overrides] == OVERRIDES


@pytest.mark.parametrize(
    ("rule_id", "dimension", "threshold", "level"), OVERRIDES, ids=[o[0] for o in OVERRIDES]
)
def test_each_override_lifts_an_otherwise_minimal_assessment(rule_id, dimension, threshold, level):
    at = recommend(RUBRIC, ratings(**{dimension: threshold}))
    assert at.composite_level == "outpatient"
    assert at.level == level
    assert rule_id in [rule.id for rule in at.triggered]
    assert any(rule.reason in reason for reason in at.reasons for rule in at.triggered if rule.id == rule_id)

    below = recommend(RUBRIC, ratings(**{dimension: threshold - 1}))
    assert rule_id not in [rule.id for rule in below.triggered]


def test_imminent_risk_is_inpatient_whatever_the_rest():
    for rest in (1, 2, 3):
        recommendation = recommend(
            RUBRIC, {dimension: rest for dimension in DIMENSIONS} | {"risk_of_harm": 5}
        )
        assert recommendation.level == "inpatient"
        assert "Recommended Inpatient rather than" in recommendation.reasons[-1]


def test_an_override_below_the_band_is_listed_but_does_not_change_the_level():
    recommendation = recommend(RUBRIC, ratings_totalling(27, BELOW_OVERRIDES) | {"treatment_history": 5})
    assert [rule.id for rule in recommendation.triggered] == ["repeated-treatment-failure"]
    assert recommendation.level == "residential"
    assert recommendation.reasons[-1] == "Recommended Residential."


def test_reasons_name_the_total_the_band_and_the_anchor():
    recommendation = recommend(RUBRIC, ratings(risk_of_harm=4, functional_status=3))
    assert recommendation.reasons == (
        "Composite score 12 (possible 7–35) is in the 7–13 band: Outpatient.",
        "Risk of harm rated 4 (Serious), at or above 4: at least Partial hospitalization. "
        "Serious risk of harm needs clinical contact and safety monitoring every day, more than intensive "
        "outpatient offers.",
        "Recommended Partial hospitalization rather than Outpatient: an override asks for more than the "
        "composite score.",
    )


def test_to_dict_is_plain_json_for_the_assessment_record():
    data = recommend(RUBRIC, ratings(risk_of_harm=5)).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["rubric_id"] == "openiop-loc" and data["rubric_version"] == "1.0.0"
    assert data["level"] == "inpatient"
    assert data["triggered"] == ["imminent-risk", "serious-risk"]


# --- Ratings that do not fit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_ratings", "message"),
    [
        ({d: 1 for d in DIMENSIONS[1:]}, "risk_of_harm: no rating"),
        (ratings() | {"mood": 3}, "mood: not a dimension of openiop-loc 1.0.0"),
        (ratings(engagement=0), "engagement: rating 0 is outside 1–5"),
        (ratings(engagement=6), "engagement: rating 6 is outside 1–5"),
        (ratings(engagement=3.0), "engagement: rating must be a whole number, not 3.0"),
        (ratings(engagement="3"), "engagement: rating must be a whole number, not '3'"),
        (ratings(engagement=True), "engagement: rating must be a whole number, not True"),
        (ratings(engagement=None), "engagement: rating must be a whole number, not None"),
    ],
)
def test_ratings_that_do_not_fit_are_refused_by_dimension(given_ratings, message):
    with pytest.raises(RatingsError) as caught:
        recommend(RUBRIC, given_ratings)
    assert message in caught.value.problems
    assert isinstance(caught.value, ValueError)


def test_every_ratings_problem_is_reported_at_once():
    with pytest.raises(RatingsError) as caught:
        check_ratings(RUBRIC, {"risk_of_harm": 9, "mood": 1})
    assert len(caught.value.problems) == 1 + 6 + 1  # out of range, six missing, one unknown


# --- Broken rubric files ----------------------------------------------------------------------------------


def _set(path, value):
    def mutate(raw):
        *parents, last = path
        target = raw
        for key in parents:
            target = target[key]
        target[last] = value

    return mutate


def _delete(path):
    def mutate(raw):
        *parents, last = path
        target = raw
        for key in parents:
            target = target[key]
        del target[last]

    return mutate


def _append(path, value):
    def mutate(raw):
        target = raw
        for key in path:
            target = target[key]
        target.append(value)

    return mutate


BROKEN = {
    "missing version": (_delete(["version"]), "$.version", "is missing"),
    "wrong format": (_set(["format"], "locus/2"), "$.format", "unsupported format"),
    "title not a string": (_set(["title"], ["OpenIOP"]), "$.title", "must be a string, not a list"),
    "empty licence": (_set(["licence"], "  "), "$.licence", "must not be empty"),
    "id with spaces": (_set(["id"], "Open IOP"), "$.id", "lowercase letters"),
    "version too long for storage": (_set(["version"], "1" * 21), "$.version", "at most 20 characters"),
    "misspelt key": (_set(["overides"], []), "$.overides", "is not a known key"),
    "scale upside down": (_set(["scale", "min"], 6), "$.scale", "min (6) must be less than max (5)"),
    "no levels": (_set(["levels"], []), "$.levels", "must not be empty"),
    "duplicate level": (_set(["levels", 4], "outpatient"), "$.levels[4].id", "duplicate level 'outpatient'"),
    "dimensions not a list": (_set(["dimensions"], {}), "$.dimensions", "must be a list, not an object"),
    "duplicate dimension": (
        _set(["dimensions", 6, "id"], "risk_of_harm"),
        "$.dimensions[6].id",
        "duplicate dimension 'risk_of_harm'",
    ),
    "dimension without help": (_delete(["dimensions", 2, "help"]), "$.dimensions[2].help", "is missing"),
    "description not a string": (
        _set(["dimensions", 2, "ratings", 0, "description"], 3),
        "$.dimensions[2].ratings[0].description",
        "must be a string, not an integer",
    ),
    "rating missing from the scale": (
        _delete(["dimensions", 1, "ratings", 2]),
        "$.dimensions[1].ratings",
        "no anchored description for rating 3",
    ),
    "rating outside the scale": (
        _set(["dimensions", 0, "ratings", 4, "rating"], 6),
        "$.dimensions[0].ratings[4].rating",
        "6 is outside the scale 1–5",
    ),
    "rating described twice": (
        _set(["dimensions", 3, "ratings", 1, "rating"], 1),
        "$.dimensions[3].ratings[1].rating",
        "rating 1 is described twice",
    ),
    "rating as a boolean": (
        _set(["dimensions", 3, "ratings", 0, "rating"], True),
        "$.dimensions[3].ratings[0].rating",
        "must be an integer, not a boolean",
    ),
    "unknown composite method": (_set(["composite", "method"], "mean"), "$.composite.method", "only 'sum'"),
    "band with an unknown level": (
        _set(["composite", "bands", 1, "level"], "iop"),
        "$.composite.bands[1].level",
        "unknown level 'iop'",
    ),
    "gap between bands": (
        _set(["composite", "bands", 1, "min"], 15),
        "$.composite.bands[1]",
        "gap: no band covers totals 14–14",
    ),
    "overlapping bands": (
        _set(["composite", "bands", 2, "min"], 21),
        "$.composite.bands[2]",
        "overlaps the band before it",
    ),
    "bands stop short of the greatest total": (
        _set(["composite", "bands", 4, "max"], 34),
        "$.composite.bands",
        "no band covers totals 35–35",
    ),
    "bands start below the least total": (
        _set(["composite", "bands", 0, "min"], 5),
        "$.composite.bands[0]",
        "below the least possible total",
    ),
    "bands past the greatest total": (
        _set(["composite", "bands", 4, "max"], 40),
        "$.composite.bands",
        "past the greatest possible total 35",
    ),
    "band with min above max": (
        _set(["composite", "bands", 0, "max"], 6),
        "$.composite.bands[0]",
        "min (7) is greater than max (6)",
    ),
    "bands stepping down": (
        _set(["composite", "bands", 3, "level"], "intensive_outpatient"),
        "$.composite.bands[3].level",
        "less intensive than 'partial_hospitalization'",
    ),
    "override with an unknown level": (
        _set(["overrides", 0, "level"], "hospital"),
        "$.overrides[0].level",
        "unknown level 'hospital'",
    ),
    "override on an unknown dimension": (
        _set(["overrides", 1, "dimension"], "mood"),
        "$.overrides[1].dimension",
        "unknown dimension 'mood'",
    ),
    "override threshold above the scale": (
        _set(["overrides", 2, "min_rating"], 6),
        "$.overrides[2].min_rating",
        "6 is outside the scale 1–5",
    ),
    "override threshold below the scale": (
        _set(["overrides", 2, "min_rating"], 0),
        "$.overrides[2].min_rating",
        "0 is outside the scale 1–5",
    ),
    "override without a reason": (_delete(["overrides", 3, "reason"]), "$.overrides[3].reason", "is missing"),
    "duplicate override": (
        _append(["overrides"], {**raw_shipped()["overrides"][0]}),
        "$.overrides[8].id",
        "duplicate override 'imminent-risk'",
    ),
}


@pytest.mark.parametrize(("mutate", "path", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_rubric_names_the_path_of_its_problem(mutate, path, message):
    raw = raw_shipped()
    mutate(raw)
    with pytest.raises(RubricError) as caught:
        load_rubric(raw)
    problems = [(p.path, p.message) for p in caught.value.problems]
    assert any(p == path and message in m for p, m in problems), problems
    assert f"{path}: " in str(caught.value)


def test_every_problem_in_a_file_is_reported_at_once():
    raw = raw_shipped()
    del raw["title"]
    raw["dimensions"][0]["id"] = "functional_status"
    raw["composite"]["bands"][1]["min"] = 15
    raw["overrides"][0]["min_rating"] = 9
    with pytest.raises(RubricError) as caught:
        load_rubric(raw)
    assert {p.path for p in caught.value.problems} == {
        "$.title",
        "$.dimensions[1].id",
        "$.composite.bands[1]",
        "$.overrides[0].min_rating",
    }
    assert str(caught.value).startswith("rubric has 4 problems:")


def test_a_rubric_file_that_is_not_an_object_is_refused(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(RubricError, match=r"\$: must be an object, not a list"):
        load_rubric(path)


def test_a_file_that_is_not_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RubricError, match=r"broken\.json has 1 problem:\n  - \$: is not valid JSON"):
        load_rubric(path)


def test_a_missing_file_names_the_file(tmp_path):
    with pytest.raises(RubricError, match=r"absent\.json"):
        load_rubric(tmp_path / "absent.json")


def test_levels_may_be_given_as_bare_ids_and_extra_notes_are_allowed():
    raw = raw_shipped()
    raw["levels"] = LEVELS
    raw["$comment"] = "Reviewed by the clinical director."
    rubric = load_rubric(raw)
    assert rubric.level_title("partial_hospitalization") == "Partial hospitalization"


def test_a_rubric_may_have_no_overrides():
    raw = raw_shipped()
    raw["overrides"] = []
    assert recommend(load_rubric(raw), ratings(risk_of_harm=5)).level == "outpatient"


# --- An organization's own rubric folder ------------------------------------------------------------------


def write_rubric(folder, name, **changes):
    raw = raw_shipped() | changes
    (folder / name).write_text(json.dumps(raw), encoding="utf-8")


def test_a_rubric_in_an_extra_folder_is_found_beside_the_shipped_one(tmp_path):
    write_rubric(tmp_path, "licensed.json", id="acme-loc", version="2.0", title="Acme licensed rubric")
    ids = [(r.id, r.version) for r in shipped_rubrics(extra_dirs=[tmp_path])]
    assert ("acme-loc", "2.0") in ids and ("openiop-loc", "1.0.0") in ids
    assert load_shipped("acme-loc", extra_dirs=[str(tmp_path)]).title == "Acme licensed rubric"


def test_the_latest_version_is_loaded_unless_a_version_is_asked_for(tmp_path):
    write_rubric(tmp_path, "a.json", id="acme-loc", version="1.9.0")
    write_rubric(tmp_path, "b.json", id="acme-loc", version="1.10.0")
    assert load_shipped("acme-loc", extra_dirs=[tmp_path]).version == "1.10.0"
    assert load_shipped("acme-loc", "1.9.0", extra_dirs=[tmp_path]).version == "1.9.0"


def test_the_same_rubric_version_in_two_files_is_refused(tmp_path):
    write_rubric(tmp_path, "copy.json")
    with pytest.raises(RubricError, match="openiop-loc 1.0.0 is also defined in"):
        shipped_rubrics(extra_dirs=[tmp_path])


def test_a_broken_file_in_an_extra_folder_is_reported_by_name(tmp_path):
    write_rubric(tmp_path, "bad.json", id="acme-loc", levels=[])
    with pytest.raises(RubricError, match=r"bad\.json has 1 problem"):
        shipped_rubrics(extra_dirs=[tmp_path])


def test_a_missing_extra_folder_is_a_configuration_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        shipped_rubrics(extra_dirs=[tmp_path / "nowhere"])


def test_an_unknown_rubric_id_or_version_is_a_lookup_error():
    with pytest.raises(LookupError, match="No rubric locus"):
        load_shipped("locus")
    with pytest.raises(LookupError, match="No rubric openiop-loc 9.9.9"):
        load_shipped("openiop-loc", "9.9.9")


# --- Properties of the shipped rubric ---------------------------------------------------------------------

shipped_ratings = st.fixed_dictionaries({d: st.integers(min_value=1, max_value=5) for d in DIMENSIONS})


@no_deadline
@given(shipped_ratings, st.sampled_from(DIMENSIONS))
def test_raising_any_single_rating_never_lowers_the_recommendation(given_ratings, dimension):
    assume(given_ratings[dimension] < 5)
    before = recommend(RUBRIC, given_ratings)
    after = recommend(RUBRIC, given_ratings | {dimension: given_ratings[dimension] + 1})
    assert index(after.level) >= index(before.level)


@no_deadline
@given(shipped_ratings)
def test_triggered_overrides_always_win_and_reasons_are_never_empty(given_ratings):
    recommendation = recommend(RUBRIC, given_ratings)
    assert recommendation.level in LEVELS
    assert index(recommendation.level) >= index(recommendation.composite_level)
    for rule in recommendation.triggered:
        assert index(recommendation.level) >= index(rule.level)
    assert recommendation.level in {
        recommendation.composite_level,
        *(r.level for r in recommendation.triggered),
    }
    assert recommendation.reasons and all(reason.strip() for reason in recommendation.reasons)
    assert len(recommendation.reasons) == 2 + len(recommendation.triggered)


def test_every_combination_of_ratings_exhaustively(record_property):
    """All 5^7 = 78,125 assessments: one level each, overrides win, and raising a rating never lowers it."""
    started = time.perf_counter()
    levels = {}
    for combination in itertools.product(range(1, 6), repeat=len(DIMENSIONS)):
        recommendation = recommend(RUBRIC, dict(zip(DIMENSIONS, combination, strict=True)))
        assert recommendation.reasons
        assert all(index(recommendation.level) >= index(rule.level) for rule in recommendation.triggered)
        levels[combination] = index(recommendation.level)
    assert len(levels) == 5**7
    assert set(levels.values()) == set(range(len(LEVELS)))  # every level is reachable
    for combination, level in levels.items():
        for i, rating in enumerate(combination):
            if rating < 5:
                raised = (*combination[:i], rating + 1, *combination[i + 1 :])
                assert levels[raised] >= level, (combination, DIMENSIONS[i])
    elapsed = time.perf_counter() - started
    record_property("exhaustive_seconds", round(elapsed, 2))
    assert elapsed < 30  # about 3 s here (recommend() is ~40 µs); the bound only catches a slowdown


def test_every_composite_total_is_in_exactly_one_band():
    for total in range(RUBRIC.min_total, RUBRIC.max_total + 1):
        assert sum(band.min_total <= total <= band.max_total for band in RUBRIC.bands) == 1


# --- Properties of any valid rubric -----------------------------------------------------------------------


@st.composite
def random_rubrics(draw):
    """Valid rubrics of every shape: 1–6 dimensions, scales of 2–6 points, 1–6 levels, random contiguous
    bands whose levels never step down, and random single-dimension overrides."""
    scale_min = draw(st.integers(min_value=0, max_value=2))
    scale_max = scale_min + draw(st.integers(min_value=1, max_value=5))
    dimension_ids = [f"d{i}" for i in range(draw(st.integers(min_value=1, max_value=6)))]
    level_ids = [f"level-{i}" for i in range(draw(st.integers(min_value=1, max_value=6)))]
    low, high = scale_min * len(dimension_ids), scale_max * len(dimension_ids)
    cuts = sorted(draw(st.sets(st.integers(min_value=low + 1, max_value=high), max_size=len(level_ids) - 1)))
    band_levels = sorted(
        draw(st.lists(st.sampled_from(level_ids), min_size=len(cuts) + 1, max_size=len(cuts) + 1)),
        key=level_ids.index,
    )
    starts, ends = [low, *cuts], [cut - 1 for cut in cuts] + [high]
    bands = [
        {"min": start, "max": end, "level": level}
        for start, end, level in zip(starts, ends, band_levels, strict=True)
    ]
    overrides = [
        {
            "id": f"rule-{i}",
            "dimension": dimension,
            "min_rating": threshold,
            "level": level,
            "reason": "Because.",
        }
        for i, (dimension, threshold, level) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(dimension_ids),
                        st.integers(min_value=scale_min, max_value=scale_max),
                        st.sampled_from(level_ids),
                    ),
                    max_size=6,
                )
            )
        )
    ]
    raw = {
        "format": "openiop-rubric/1",
        "id": "random",
        "version": "0.0.1",
        "title": "Random",
        "licence": "CC0",
        "source": "Generated by a property test.",
        "scale": {"min": scale_min, "max": scale_max},
        "levels": level_ids,
        "dimensions": [
            {
                "id": dimension,
                "title": dimension,
                "help": "Help.",
                "ratings": [
                    {"rating": r, "label": str(r), "description": f"Rating {r}."}
                    for r in range(scale_min, scale_max + 1)
                ],
            }
            for dimension in dimension_ids
        ],
        "composite": {"method": "sum", "bands": draw(st.permutations(bands))},
        "overrides": overrides,
    }
    return load_rubric(raw)


@st.composite
def rubric_with_ratings(draw):
    rubric = draw(random_rubrics())
    scale = st.integers(min_value=rubric.scale_min, max_value=rubric.scale_max)
    given_ratings = {dimension.id: draw(scale) for dimension in rubric.dimensions}
    return rubric, given_ratings


@no_deadline
@given(rubric_with_ratings(), st.data())
def test_any_valid_rubric_is_monotonic(case, data):
    rubric, given_ratings = case
    dimension = data.draw(st.sampled_from([d.id for d in rubric.dimensions]))
    assume(given_ratings[dimension] < rubric.scale_max)
    before = recommend(rubric, given_ratings)
    after = recommend(rubric, given_ratings | {dimension: given_ratings[dimension] + 1})
    assert rubric.level_index(after.level) >= rubric.level_index(before.level)


@no_deadline
@given(rubric_with_ratings())
def test_any_valid_rubric_gives_one_listed_level_that_respects_its_overrides(case):
    rubric, given_ratings = case
    recommendation = recommend(rubric, given_ratings)
    assert recommendation.level in rubric.level_ids
    assert rubric.level_index(recommendation.level) >= rubric.level_index(recommendation.composite_level)
    expected_triggered = [r for r in rubric.overrides if given_ratings[r.dimension] >= r.min_rating]
    assert list(recommendation.triggered) == expected_triggered
    for rule in recommendation.triggered:
        assert rubric.level_index(recommendation.level) >= rubric.level_index(rule.level)
    assert recommendation.reasons


@no_deadline
@given(random_rubrics())
def test_any_valid_rubric_covers_every_total_exactly_once(rubric):
    for total in range(rubric.min_total, rubric.max_total + 1):
        assert sum(band.min_total <= total <= band.max_total for band in rubric.bands) == 1


@no_deadline
@given(random_rubrics(), st.integers(min_value=0, max_value=100))
def test_removing_any_band_from_a_valid_rubric_is_refused(rubric, pick):
    assume(len(rubric.bands) > 1)
    raw_bands = [{"min": b.min_total, "max": b.max_total, "level": b.level} for b in rubric.bands]
    del raw_bands[pick % len(raw_bands)]
    raw = copy.deepcopy(rubric_to_raw(rubric)) | {"composite": {"method": "sum", "bands": raw_bands}}
    with pytest.raises(RubricError, match="no band covers totals"):
        load_rubric(raw)


def rubric_to_raw(rubric) -> dict:
    return {
        "format": "openiop-rubric/1",
        "id": rubric.id,
        "version": rubric.version,
        "title": rubric.title,
        "licence": rubric.licence,
        "source": rubric.source,
        "scale": {"min": rubric.scale_min, "max": rubric.scale_max},
        "levels": [{"id": level.id, "title": level.title} for level in rubric.levels],
        "dimensions": [
            {
                "id": d.id,
                "title": d.title,
                "help": d.help,
                "ratings": [
                    {"rating": a.rating, "label": a.label, "description": a.description} for a in d.anchors
                ],
            }
            for d in rubric.dimensions
        ],
        "composite": {
            "method": "sum",
            "bands": [{"min": b.min_total, "max": b.max_total, "level": b.level} for b in rubric.bands],
        },
        "overrides": [
            {
                "id": r.id,
                "dimension": r.dimension,
                "min_rating": r.min_rating,
                "level": r.level,
                "reason": r.reason,
            }
            for r in rubric.overrides
        ],
    }


@no_deadline
@given(random_rubrics())
def test_a_valid_rubric_round_trips_through_its_json(rubric):
    assert load_rubric(json.loads(json.dumps(rubric_to_raw(rubric)))) == rubric
