"""Plan structures as data: the shipped ones load, broken ones are refused with every problem named,
and 988 is on every plan whatever a file says."""

import pytest

from openiop.safety import checks
from openiop.safety.registry import current_structure, get_structure
from openiop.safety.structure import (
    LIFELINE_988_PHONE,
    StructureError,
    load_structure,
    parse_structure,
    shipped_structures,
)


def _data(**changes):
    data = {
        "format": "openiop-plan-structure/1",
        "id": "test-plan",
        "version": "1",
        "kind": "safety",
        "title": "T",
        "intro": "I",
        "licence": "CC0",
        "source": "tests",
        "crisis_lines": [{"name": "Emergency services", "phone": "911", "hours": "Any time"}],
        "sections": [
            {"id": "warning_signs", "kind": "list", "title": "Signs", "prompt": "p", "help": "h"},
            {"id": "people", "kind": "contacts", "phone": "required", "title": "People", "prompt": "p"},
        ],
    }
    data.update(changes)
    return data


def test_both_kinds_ship_and_follow_the_steps_in_order():
    kinds = {s.kind: s for s in shipped_structures()}
    safety = kinds["safety"]
    assert [s.id for s in safety.sections] == [
        "warning_signs",
        "coping_strategies",
        "distraction_places",
        "distraction_people",
        "help_contacts",
        "professionals",
        "environment_safety",
        "reasons_for_living",
    ]
    assert [s.id for s in kinds["relapse_prevention"].sections] == [
        "triggers",
        "warning_signs",
        "coping_responses",
        "supports",
        "after_lapse",
    ]
    assert get_structure(safety.id, safety.version) == safety
    assert checks.check_structures() == []


@pytest.mark.parametrize("kind", ["safety", "relapse_prevention"])
def test_988_comes_first_and_911_is_there(kind):
    lines = current_structure(kind).all_crisis_lines
    assert lines[0].phone == LIFELINE_988_PHONE
    assert "911" in [line.phone for line in lines]


def test_988_is_printed_even_when_a_structure_file_leaves_it_out():
    structure = parse_structure(_data())
    assert [line.phone for line in structure.crisis_lines] == ["911"]
    assert [line.phone for line in structure.all_crisis_lines] == ["988", "911"]


def test_a_broken_structure_names_every_problem():
    bad = _data(
        kind="diary",
        sections=[
            {"id": "Bad Id", "kind": "list", "title": "", "prompt": "p", "max_items": 99},
            {"id": "x", "kind": "table", "title": "X", "prompt": "p"},
            {"id": "x", "kind": "contacts", "phone": "maybe", "title": "X", "prompt": "p"},
        ],
    )
    with pytest.raises(StructureError) as error:
        parse_structure(bad, source="bad.json")
    message = str(error.value)
    assert message.startswith("bad.json: ")
    for expected in (
        "$.kind must be one of",
        "$.sections[0].id must be lower_snake_case",
        "$.sections[0].title must be a non-empty string",
        "$.sections[0].max_items must be a whole number from 1 to 20",
        "$.sections[1].kind must be one of list, contacts",
        "$.sections[2].id 'x' is used twice",
        "$.sections[2].phone must be one of required, optional",
    ):
        assert expected in message


def test_unreadable_files_are_refused_with_their_path(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(StructureError, match="broken.json: cannot be read as JSON"):
        load_structure(path)
    with pytest.raises(StructureError, match="must be a JSON object"):
        parse_structure([])
