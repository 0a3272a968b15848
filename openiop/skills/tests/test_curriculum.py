"""The curriculum file format: every validation rule, with the file and JSON path of each problem."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openiop.skills.curriculum import (
    FORMAT,
    SHIPPED_FILE,
    CurriculumError,
    load_curriculum,
    shipped_curriculum,
)

TOPICS = {
    "Coping skills",
    "Emotional regulation",
    "Distress tolerance",
    "Healthy relationships",
    "Stress management",
    "Problem solving",
    "Communication",
    "Relapse prevention",
}


def lesson(code="a-1", **overrides):
    data = {
        "code": code,
        "title": "Noticing",
        "objectives": ["Notice early signs."],
        "outline": ["Check-in.", "Example."],
        "exercise": "Map a moment.",
        "homework": "Write two notes.",
    }
    data.update(overrides)
    return data


def minimal(**overrides):
    data = {
        "format": FORMAT,
        "id": "test-skills",
        "version": "1.0.0",
        "title": "Test",
        "licence": "CC BY 4.0",
        "source": "Written for the tests.",
        "modules": [{"code": "a", "title": "A", "summary": "About A.", "lessons": [lesson()]}],
    }
    data.update(overrides)
    return data


def problems_of(raw) -> list[str]:
    with pytest.raises(CurriculumError) as caught:
        load_curriculum(raw)
    return [str(problem) for problem in caught.value.problems]


def test_the_shipped_curriculum_covers_the_eight_topics_with_three_to_five_lessons_each():
    curriculum = shipped_curriculum()
    assert {module.title for module in curriculum.modules} == TOPICS
    assert all(3 <= len(module.lessons) <= 5 for module in curriculum.modules)
    assert "CC BY 4.0" in curriculum.licence and "OpenIOP" in curriculum.licence
    for item in curriculum.lessons:
        assert item.objectives and item.outline and item.exercise and item.homework


def test_a_minimal_curriculum_loads():
    curriculum = load_curriculum(minimal())
    assert curriculum.modules[0].lessons[0].objectives == ("Notice early signs.",)


def test_a_missing_field_is_reported_with_its_path():
    raw = minimal()
    del raw["modules"][0]["lessons"][0]["homework"]
    assert problems_of(raw) == ["$.modules[0].lessons[0].homework: is missing"]


def test_empty_text_is_refused():
    raw = minimal()
    raw["modules"][0]["lessons"][0]["exercise"] = "   "
    raw["modules"][0]["summary"] = ""
    assert problems_of(raw) == [
        "$.modules[0].summary: must not be empty",
        "$.modules[0].lessons[0].exercise: must not be empty",
    ]


def test_empty_lists_and_empty_items_are_refused():
    raw = minimal()
    raw["modules"][0]["lessons"][0]["objectives"] = []
    raw["modules"][0]["lessons"][0]["outline"] = ["Check-in.", " "]
    assert problems_of(raw) == [
        "$.modules[0].lessons[0].objectives: must not be empty",
        "$.modules[0].lessons[0].outline[1]: must not be empty",
    ]


def test_duplicate_module_codes_are_refused():
    raw = minimal()
    raw["modules"].append(copy.deepcopy(raw["modules"][0]))
    raw["modules"][1]["lessons"][0]["code"] = "a-2"
    assert problems_of(raw) == ["$.modules[1].code: duplicate module code 'a' (also at $.modules[0])"]


def test_lesson_codes_are_unique_across_modules():
    raw = minimal()
    raw["modules"].append({"code": "b", "title": "B", "summary": "About B.", "lessons": [lesson("a-1")]})
    assert problems_of(raw) == [
        "$.modules[1].lessons[0].code: duplicate lesson code 'a-1' (also at $.modules[0].lessons[0])"
    ]


def test_codes_use_a_small_alphabet():
    raw = minimal()
    raw["modules"][0]["code"] = "Coping Skills"
    assert problems_of(raw) == [
        "$.modules[0].code: 'Coping Skills' must use lowercase letters, digits, '_', '-' or '.'"
    ]


def test_unknown_keys_are_probable_typos_but_comments_are_free():
    raw = minimal()
    raw["modules"][0]["lessons"][0]["homwork"] = "typo"
    raw["modules"][0]["$comment"] = "an author's note"
    raw["x-reviewed"] = "2026"
    assert problems_of(raw) == ["$.modules[0].lessons[0].homwork: is not a known key"]


def test_format_and_types_are_checked():
    raw = minimal(format="openiop-curriculum/9", modules="none")
    assert problems_of(raw) == [
        "$.format: unsupported format 'openiop-curriculum/9'; expected 'openiop-curriculum/1'",
        "$.modules: must be a list, not a string",
    ]
    assert problems_of([]) == ["$: must be an object, not a list"]


def test_minutes_are_optional_but_sensible():
    raw = minimal()
    raw["modules"][0]["lessons"][0]["minutes"] = 0
    assert problems_of(raw) == [
        "$.modules[0].lessons[0].minutes: must be a whole number of minutes from 5 to 240"
    ]


def test_every_problem_is_reported_at_once_and_the_message_names_the_file(tmp_path):
    raw = minimal()
    del raw["title"]
    raw["modules"][0]["lessons"][0]["title"] = ""
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(CurriculumError) as caught:
        load_curriculum(path)
    message = str(caught.value)
    assert str(path) in message and "2 problems" in message
    assert "$.title: is missing" in message and "$.modules[0].lessons[0].title: must not be empty" in message


def test_a_file_that_is_not_json_is_refused_with_its_name(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(CurriculumError, match="bad.json has 1 problem"):
        load_curriculum(path)
    with pytest.raises(CurriculumError, match="cannot be read"):
        load_curriculum(tmp_path / "missing.json")


def test_the_shipped_file_is_the_one_named():
    assert SHIPPED_FILE.name == "openiop-skills-1.json"
    assert json.loads(SHIPPED_FILE.read_text())["version"] == shipped_curriculum().version


# --- properties ---------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_either_loads_or_is_refused_with_problems(value):
    try:
        load_curriculum({"value": value} if not isinstance(value, dict) else value)
    except CurriculumError as error:
        assert error.problems
        assert all(problem.path.startswith("$") for problem in error.problems)


@settings(max_examples=100, deadline=None)
@given(
    module=st.integers(min_value=0, max_value=1),
    lesson_index=st.integers(min_value=0, max_value=1),
    key=st.sampled_from(sorted({"code", "title", "objectives", "outline", "exercise", "homework"})),
)
def test_removing_any_required_lesson_key_names_exactly_that_path(module, lesson_index, key):
    raw = minimal(
        modules=[
            {
                "code": f"m{m}",
                "title": "M",
                "summary": "S.",
                "lessons": [lesson(f"m{m}-{i}") for i in range(2)],
            }
            for m in range(2)
        ]
    )
    load_curriculum(raw)
    del raw["modules"][module]["lessons"][lesson_index][key]
    assert problems_of(raw) == [f"$.modules[{module}].lessons[{lesson_index}].{key}: is missing"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="abc-", min_size=1, max_size=4), min_size=1, max_size=6))
def test_codes_load_exactly_when_unique(codes):
    codes = [code for code in codes if code[0] != "-"]
    if not codes:
        return
    raw = minimal(
        modules=[{"code": "m", "title": "M", "summary": "S.", "lessons": [lesson(c) for c in codes]}]
    )
    if len(set(codes)) == len(codes):
        assert [item.code for item in load_curriculum(raw).lessons] == codes
    else:
        assert all("duplicate lesson code" in problem for problem in problems_of(raw))
