import copy
import json

import pytest

from openiop.measures.loader import (
    SHIPPED_DIR,
    InstrumentError,
    instrument_files,
    load_instrument,
    load_instruments,
)

from .factories import instrument_data, option_set


def problems_of(data) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        load_instrument(data)
    return [str(problem) for problem in caught.value.problems]


def assert_problem(data, path: str, fragment: str):
    found = problems_of(data)
    assert any(p.startswith(f"{path}:") and fragment in p for p in found), found


# --- The shipped library ----------------------------------------------------------------------------------


def test_every_shipped_instrument_loads():
    codes = [instrument.code for instrument in load_instruments()]
    assert codes == ["ASQ", "AUDIT-C", "GAD-7", "PCL-5", "PHQ-9"]


def test_shipped_instruments_record_licence_source_and_decision():
    for instrument in load_instruments():
        assert instrument.licence.decision.startswith("Shipped"), instrument
        assert instrument.licence.url.startswith("https://")
        assert instrument.source.citation and instrument.source.text_source


def test_phq9_and_gad7_carry_the_loinc_codes_of_product_md():
    by_code = {i.code: i for i in load_instruments()}
    assert (by_code["PHQ-9"].loinc.panel, by_code["PHQ-9"].loinc.total) == ("44249-1", "44261-6")
    assert (by_code["GAD-7"].loinc.panel, by_code["GAD-7"].loinc.total) == ("69737-5", "70274-6")
    assert by_code["PHQ-9"].item("9").loinc == "44260-8"


def test_phq9_ships_english_and_the_official_spanish_text():
    phq9 = load_instrument(SHIPPED_DIR / "phq-9.json")
    assert phq9.languages == ("en", "es")
    assert phq9.item("1").text["es"] == "Poco interés o placer en hacer cosas"
    assert (
        phq9.item("9").text["en"]
        == "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert phq9.item("9").option(0).label["es"] == "Ningún día"


def test_who5_is_not_shipped():
    assert not any("who" in path.name.lower() for path in instrument_files())


def test_the_factory_instrument_is_valid():
    instrument = load_instrument(instrument_data())
    assert (instrument.min_total, instrument.max_total) == (0, 9)


# --- Files ------------------------------------------------------------------------------------------------


def test_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    assert str(path) in str(caught.value)
    assert "is not valid JSON" in str(caught.value)


def test_unreadable_file_is_reported(tmp_path):
    with pytest.raises(InstrumentError, match="cannot be read"):
        load_instrument(tmp_path / "absent.json")


def test_errors_name_the_file_and_every_problem_at_once(tmp_path):
    data = instrument_data(code="bad code", version="one")
    path = tmp_path / "two-problems.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_instrument(path)
    message = str(caught.value)
    assert message.startswith(f"{path} has 2 problems")
    assert "$.code:" in message and "$.version:" in message


def test_same_code_and_version_twice_is_refused(tmp_path):
    for name in ("one.json", "two.json"):
        (tmp_path / name).write_text(json.dumps(instrument_data()), encoding="utf-8")
    with pytest.raises(InstrumentError, match="is also defined in"):
        load_instruments([tmp_path])


def test_missing_extra_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        instrument_files([tmp_path / "nowhere"])


def test_extra_folder_instruments_load_after_the_shipped_ones(tmp_path):
    (tmp_path / "org.json").write_text(json.dumps(instrument_data(code="ORG-1")), encoding="utf-8")
    codes = [i.code for i in load_instruments([tmp_path])]
    assert "ORG-1" in codes and "PHQ-9" in codes


def test_versions_sort_numerically(tmp_path):
    for version in ("1.9.0", "1.10.0"):
        (tmp_path / f"{version}.json").write_text(
            json.dumps(instrument_data(version=version)), encoding="utf-8"
        )
    versions = [i.version for i in load_instruments([tmp_path]) if i.code == "TEST-3"]
    assert versions == ["1.9.0", "1.10.0"]


# --- Top level --------------------------------------------------------------------------------------------


def test_unknown_top_level_key():
    assert_problem(instrument_data(colour="blue"), "$.colour", "is not a known key")


def test_comment_keys_are_allowed():
    load_instrument(instrument_data(**{"$comment": "note", "x-origin": "tests"}))


def test_missing_required_key():
    data = instrument_data()
    del data["licence"]
    assert_problem(data, "$.licence", "is missing")


def test_wrong_format():
    assert_problem(instrument_data(format="other/1"), "$.format", "unsupported format")


def test_code_must_look_like_an_instrument_code():
    assert_problem(instrument_data(code="phq9"), "$.code", "is not an instrument code")


def test_licence_needs_a_decision():
    data = instrument_data()
    del data["licence"]["decision"]
    assert_problem(data, "$.licence.decision", "is missing")


def test_bad_loinc_code():
    assert_problem(instrument_data(loinc={"panel": "not-a-code"}), "$.loinc.panel", "is not a LOINC code")


# --- Languages --------------------------------------------------------------------------------------------


def test_item_text_missing_a_declared_language():
    data = instrument_data(languages=["en", "es"], title={"en": "T", "es": "T"}, stem={"en": "S", "es": "S"})
    data["option_sets"]["freq"] = option_set(languages=("en", "es"))
    assert_problem(data, "$.items[0].text.es", "is missing")


def test_option_label_missing_a_declared_language():
    data = instrument_data(languages=["en", "es"], title={"en": "T", "es": "T"}, stem={"en": "S", "es": "S"})
    for item in data["items"]:
        item["text"]["es"] = "texto"
    assert_problem(data, "$.option_sets.freq[0].label.es", "is missing")


def test_text_in_an_undeclared_language():
    data = instrument_data()
    data["items"][1]["text"]["fr"] = "Deuxième"
    assert_problem(data, "$.items[1].text.fr", "is not one of the instrument's languages")


def test_language_listed_twice():
    assert_problem(instrument_data(languages=["en", "en"]), "$.languages[1]", "listed twice")


# --- Items and options ------------------------------------------------------------------------------------


def test_duplicate_item_keys():
    data = instrument_data()
    data["items"][1]["key"] = "a"
    assert_problem(data, "$.items[1].key", "duplicate item key 'a'")


def test_option_values_must_be_integers():
    data = instrument_data()
    data["option_sets"]["freq"][1]["value"] = 1.5
    assert_problem(data, "$.option_sets.freq[1].value", "must be an integer")


def test_option_values_must_not_be_booleans():
    data = instrument_data()
    data["items"][0]["options"] = [
        {"value": False, "label": {"en": "No"}},
        {"value": 1, "label": {"en": "Yes"}},
    ]
    assert_problem(data, "$.items[0].options[0].value", "must be an integer")


def test_option_values_must_be_unique():
    data = instrument_data()
    data["option_sets"]["freq"][2]["value"] = 1
    assert_problem(data, "$.option_sets.freq[2].value", "used by two options")


def test_options_must_ascend():
    data = instrument_data()
    data["option_sets"]["freq"].reverse()
    assert_problem(data, "$.option_sets.freq", "ascending order")


def test_unknown_option_set():
    data = instrument_data()
    data["items"][2]["options"] = "nope"
    assert_problem(data, "$.items[2].options", "unknown option set 'nope'")


def test_unknown_item_key_is_refused():
    data = instrument_data()
    data["items"][0]["weight"] = 2
    assert_problem(data, "$.items[0].weight", "is not a known key")


def test_unscored_item_cannot_be_reverse_keyed():
    data = instrument_data()
    data["items"].append(
        {"key": "d", "text": {"en": "D"}, "options": "freq", "scored": False, "reverse": True}
    )
    assert_problem(data, "$.items[3].reverse", "cannot be reverse-keyed")


# --- Critical items ---------------------------------------------------------------------------------------


def test_critical_threshold_no_option_reaches():
    data = instrument_data()
    data["items"][2]["critical"]["at_least"] = 9
    assert_problem(data, "$.items[2].critical.at_least", "could never fire")


def test_critical_threshold_at_the_lowest_answer_is_refused():
    data = instrument_data()
    data["items"][2]["critical"]["at_least"] = 0
    assert_problem(data, "$.items[2].critical.at_least", "every answer would be critical")


def test_critical_unknown_trigger():
    data = instrument_data()
    data["items"][2]["critical"]["triggers"] = "email_everyone"
    assert_problem(data, "$.items[2].critical.triggers", "unknown trigger")


# --- Subscales --------------------------------------------------------------------------------------------


def test_subscale_listing_an_unknown_item():
    data = instrument_data()
    data["scoring"]["subscales"][0]["items"].append("zz")
    assert_problem(data, "$.scoring.subscales[0].items[2]", "unknown item 'zz'")


def test_item_naming_an_unknown_subscale():
    data = instrument_data()
    data["items"][2]["subscales"] = ["nope"]
    assert_problem(data, "$.items[2].subscales[0]", "unknown subscale 'nope'")


def test_subscale_and_item_must_agree():
    data = instrument_data()
    data["items"][1]["subscales"] = []
    assert_problem(data, "$.items[1].subscales", "is in subscale 's' but does not name it")


# --- Bands ------------------------------------------------------------------------------------------------


def test_bands_with_a_gap():
    data = instrument_data()
    data["scoring"]["bands"] = [{"min": 0, "max": 2, "label": "Low"}, {"min": 4, "max": 9, "label": "High"}]
    assert_problem(data, "$.scoring.bands[1]", "leaves a gap: no band covers 3–3")


def test_bands_that_overlap():
    data = instrument_data()
    data["scoring"]["bands"] = [{"min": 0, "max": 4, "label": "Low"}, {"min": 4, "max": 9, "label": "High"}]
    assert_problem(data, "$.scoring.bands[1]", "overlaps the previous band")


def test_bands_must_start_at_the_lowest_total():
    data = instrument_data()
    data["scoring"]["bands"] = [{"min": 1, "max": 9, "label": "All"}]
    assert_problem(data, "$.scoring.bands[0]", "gap")


def test_bands_must_reach_the_highest_total():
    data = instrument_data()
    data["scoring"]["bands"] = [{"min": 0, "max": 3, "label": "Low"}, {"min": 4, "max": 8, "label": "High"}]
    assert_problem(data, "$.scoring.bands[1]", "must end at the highest possible total, 9")


def test_band_min_above_max():
    data = instrument_data()
    data["scoring"]["bands"][0] = {"min": 3, "max": 0, "label": "Low"}
    assert_problem(data, "$.scoring.bands[0]", "greater than max")


def test_bands_need_a_citation():
    data = instrument_data()
    del data["scoring"]["bands_citation"]
    assert_problem(data, "$.scoring.bands_citation", "cite where the severity bands come from")


def test_no_bands_is_allowed():
    data = instrument_data()
    data["scoring"]["bands"] = []
    assert load_instrument(data).scoring.bands == ()


# --- Missing-answer rule ----------------------------------------------------------------------------------


def test_prorate_needs_max_missing():
    data = instrument_data()
    del data["scoring"]["missing"]["max_missing"]
    assert_problem(data, "$.scoring.missing.max_missing", "is missing")


def test_prorate_must_leave_an_answered_item():
    data = instrument_data()
    data["scoring"]["missing"]["max_missing"] = 3
    assert_problem(data, "$.scoring.missing.max_missing", "at least one answered item")


def test_unknown_missing_rule():
    data = instrument_data()
    data["scoring"]["missing"]["rule"] = "guess"
    assert_problem(data, "$.scoring.missing.rule", "unknown rule 'guess'")


# --- Flags ------------------------------------------------------------------------------------------------


def flag(when, **extra):
    return {
        "id": "f",
        "label": "F",
        "when": when,
        "triggers": "clinician_review",
        "citation": "Tests.",
        **extra,
    }


def test_flag_condition_naming_an_unknown_item():
    data = instrument_data()
    data["scoring"]["flags"] = [flag({"item_at_least": {"item": "zz", "value": 1}})]
    assert_problem(data, "$.scoring.flags[0].when.item_at_least.item", "unknown item 'zz'")


def test_flag_condition_of_unknown_kind():
    data = instrument_data()
    data["scoring"]["flags"] = [flag({"total_above_average": 1})]
    assert_problem(data, "$.scoring.flags[0].when.total_above_average", "unknown condition")


def test_flag_count_larger_than_its_items():
    data = instrument_data()
    data["scoring"]["flags"] = [flag({"count_items_at_least": {"items": ["a"], "value": 1, "count": 2}})]
    assert_problem(data, "$.scoring.flags[0].when.count_items_at_least.count", "more than the 1 items")


def test_flag_on_an_unknown_subscale():
    data = instrument_data()
    data["scoring"]["flags"] = [flag({"subscale_at_least": {"subscale": "zz", "value": 1}})]
    assert_problem(data, "$.scoring.flags[0].when.subscale_at_least.subscale", "unknown subscale")


def test_total_condition_without_a_total():
    data = instrument_data(change=None)
    del data["change"]
    data["scoring"].update(method="none", bands=[])
    assert_problem(data, "$.scoring.flags[0].when.total_at_least", "has no total")


def test_duplicate_flag_ids_need_exclusive_contexts():
    data = instrument_data()
    data["scoring"]["flags"] = [flag({"total_at_least": 1}), flag({"total_at_least": 2})]
    assert_problem(data, "$.scoring.flags[1].id", "duplicate flag 'f'")
    data["scoring"]["flags"] = [
        flag({"total_at_least": 1}, context={"sex": ["female"]}),
        flag({"total_at_least": 2}, context={"sex": ["male", "unknown"]}),
    ]
    assert len(load_instrument(data).scoring.flags) == 2


def test_flag_context_values_are_checked():
    data = instrument_data()
    data["scoring"]["flags"] = [flag({"total_at_least": 1}, context={"sex": ["other"]})]
    assert_problem(data, "$.scoring.flags[0].context.sex", "must be a non-empty list drawn from")


# --- Change rules -----------------------------------------------------------------------------------------


def test_reliable_change_needs_threshold_or_statistics_not_both():
    data = instrument_data()
    data["change"]["reliable_change"] = {"threshold": 3, "sd": 4.0, "reliability": 0.8, "citation": "Tests."}
    assert_problem(data, "$.change.reliable_change", "either a published 'threshold'")


def test_reliable_change_statistics_need_both():
    data = instrument_data()
    data["change"]["reliable_change"] = {"sd": 4.0, "citation": "Tests."}
    assert_problem(data, "$.change.reliable_change", "needs both 'sd' and 'reliability'")


def test_reliability_must_be_below_one():
    data = instrument_data()
    data["change"]["reliable_change"] = {"sd": 4.0, "reliability": 1.0, "citation": "Tests."}
    assert_problem(data, "$.change.reliable_change.reliability", "less than 1")


def test_response_only_when_lower_is_better():
    data = instrument_data()
    data["change"] = {
        "better": "higher",
        "response": {"min_baseline": 3, "reduction_percent": 50, "citation": "Tests."},
    }
    assert_problem(data, "$.change.response", "only applies when lower scores are better")


def test_remission_outside_the_range():
    data = instrument_data()
    data["change"]["remission"] = {"below": 40, "citation": "Tests."}
    assert_problem(data, "$.change.remission.below", "within the score range 0–9")


def test_clinical_cutoff_from_norms_loads():
    data = instrument_data()
    data["change"]["clinical_cutoff"] = {
        "clinical_mean": 7,
        "clinical_sd": 1.5,
        "functional_mean": 2,
        "functional_sd": 1.5,
        "citation": "Tests.",
    }
    assert load_instrument(data).change.clinical_cutoff.clinical_mean == 7


def test_clinical_cutoff_needs_all_four_norms():
    data = instrument_data()
    data["change"]["clinical_cutoff"] = {"clinical_mean": 7, "citation": "Tests."}
    assert_problem(data, "$.change.clinical_cutoff", "all four")


def test_mapping_input_is_not_mutated():
    data = instrument_data()
    before = copy.deepcopy(data)
    load_instrument(data)
    assert data == before


def test_the_example_in_the_documentation_loads_and_scores():
    from pathlib import Path

    from openiop.measures.change import assess_instrument_change
    from openiop.measures.scoring import score

    doc = (Path(__file__).resolve().parents[3] / "docs" / "measures.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    instrument = load_instrument(json.loads(example))
    assert (instrument.code, instrument.min_total, instrument.max_total) == ("MOOD-3", 0, 6)
    result = score(instrument, {"1": 2, "2": 0, "3": 1}, "es")
    assert (result.total, result.band.label, result.urgent) == (5, "High", True)
    assert result.flag("high") is not None
    assert assess_instrument_change(instrument, 5, 1).remission is True
