"""The content rules of a plan: pure functions, tested with examples and properties."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openiop.safety.content import (
    MAX_LINE,
    clean_content,
    is_phone_like,
    lines_of,
    missing_to_sign,
    name_matches,
    readable_content,
)
from openiop.safety.registry import current_structure

from .factories import full_relapse_content, full_safety_content

SAFETY = current_structure("safety")
RELAPSE = current_structure("relapse_prevention")


@pytest.mark.parametrize(
    "phone",
    [
        "988",
        "911",
        "555-201-3344",
        "(555) 201-7788",
        "+1 555 201 3344",
        "555.201.9012",
        "555-201-4000 ext 12",
        "741741",
    ],
)
def test_phone_numbers_people_write_are_accepted(phone):
    assert is_phone_like(phone)


@pytest.mark.parametrize(
    "phone", ["", "12", "call me", "555-CALL-NOW", "1234567890123456", "+", "555-201-3344; drop table"]
)
def test_things_that_are_not_phone_numbers_are_refused(phone):
    assert not is_phone_like(phone)


@given(st.text(alphabet=string.digits, min_size=3, max_size=15), st.sampled_from(["", " ", "-", "."]))
def test_any_3_to_15_digits_with_separators_are_a_phone_number(digits, separator):
    assert is_phone_like(separator.join([digits[:3], digits[3:]]).strip(separator) or digits)


def test_a_full_plan_is_clean_and_complete():
    for structure, content in ((SAFETY, full_safety_content()), (RELAPSE, full_relapse_content())):
        cleaned, errors = clean_content(structure, content)
        assert errors == {}
        assert missing_to_sign(structure, cleaned) == []


def test_lines_are_tidied_markers_dropped_and_duplicates_removed():
    text = "- I stop eating\n\n  * I stop   eating \n2) Can't sleep\n• Pacing at night\n"
    assert lines_of(text) == ["I stop eating", "I stop eating", "Can't sleep", "Pacing at night"]
    cleaned, errors = clean_content(SAFETY, {"warning_signs": text})
    assert errors == {} and cleaned["warning_signs"] == ["I stop eating", "Can't sleep", "Pacing at night"]


def test_people_to_ask_for_help_need_a_phone_number_that_looks_like_one():
    cleaned, errors = clean_content(
        SAFETY,
        {
            "help_contacts": [
                {"name": "Maria", "phone": ""},
                {"name": "Chris", "phone": "ask Maria"},
                {"name": "", "phone": "555-201-1111"},
                {"name": "", "phone": "", "hours": ""},
            ],
            "distraction_people": [{"name": "Cousin Sam", "phone": ""}],
        },
    )
    assert errors["help_contacts"] == [
        "Add a phone number for Maria.",
        "The phone number of Chris does not look like a phone number: use digits, spaces, + ( ) - . and an "
        "extension (e.g. 555-201-3344 ext 12).",
        "Add a name for 555-201-1111.",
    ]
    assert "distraction_people" not in errors  # a phone is optional for company
    assert len(cleaned["help_contacts"]) == 3  # the blank row is dropped


def test_limits_and_unknown_sections_are_reported():
    cleaned, errors = clean_content(
        SAFETY,
        {
            "warning_signs": [f"sign {i}" for i in range(11)],
            "coping_strategies": ["x" * (MAX_LINE + 1)],
            "diary": [],
        },
    )
    assert errors["warning_signs"] == ["At most 10 lines here; there are 11."]
    assert errors["coping_strategies"] == [
        f"Keep each line under {MAX_LINE} characters (line 1 is {MAX_LINE + 1})."
    ]
    assert errors["__all__"] == ["This plan has no section diary."]
    assert len(cleaned["warning_signs"]) == 10


def test_wrong_shapes_are_refused_not_crashed_on():
    _, errors = clean_content(SAFETY, {"warning_signs": [1, 2], "help_contacts": "Maria 555"})
    assert set(errors) == {"warning_signs", "help_contacts"}
    _, errors = clean_content(SAFETY, ["not", "a", "dict"])
    assert errors == {"__all__": ["Send the plan's sections as an object."]}


def test_required_steps_are_named_when_missing():
    cleaned, _ = clean_content(SAFETY, {"warning_signs": ["x"]})
    assert [s.id for s in missing_to_sign(SAFETY, cleaned)] == [
        "coping_strategies",
        "environment_safety",
        "reasons_for_living",
    ]


def test_damaged_stored_content_still_reads():
    assert readable_content(
        SAFETY, {"warning_signs": "one\ntwo", "help_contacts": 7, "old_section": ["x"]}
    ) == {
        **{s.id: [] for s in SAFETY.sections},
        "warning_signs": ["one", "two"],
    }


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("Avery Synthetic", True),
        ("avery   SYNTHETIC", True),
        ("Avery J. Synthetic", True),
        ("Ave Synthetic", True),  # the preferred name
        ("Avery", False),
        ("Synthetic Avery", False),
        ("Blake Synthetic", False),
        ("", False),
    ],
)
def test_the_typed_name_must_be_the_patients(typed, ok):
    assert name_matches(typed, given="Avery", family="Synthetic", preferred="Ave") is ok


def test_accents_and_compound_family_names_match():
    assert name_matches("Jose Garcia Lopez", given="José", family="García López")
    assert not name_matches("José García", given="José", family="García López")


section_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=320)
raw_lists = st.lists(section_text, max_size=14)
raw_contacts = st.lists(
    st.fixed_dictionaries({"name": section_text, "phone": st.one_of(section_text, st.just("555-201-3344"))}),
    max_size=8,
)


@given(
    st.fixed_dictionaries(
        {"warning_signs": raw_lists, "reasons_for_living": raw_lists, "help_contacts": raw_contacts}
    )
)
def test_cleaning_stays_within_the_structure_and_is_stable(raw):
    cleaned, _ = clean_content(SAFETY, raw)
    assert set(cleaned) == {s.id for s in SAFETY.sections}
    for section in SAFETY.sections:
        assert len(cleaned[section.id]) <= section.max_items
    assert all(line and len(line) <= MAX_LINE and "\n" not in line for line in cleaned["warning_signs"])
    again, _ = clean_content(SAFETY, cleaned)
    assert again == cleaned
