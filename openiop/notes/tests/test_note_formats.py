"""Note formats as data: the shipped files load, and each validation rule names what is wrong and where."""

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openiop.notes import registry
from openiop.notes.note_formats import (
    ContentError,
    NoteFormatError,
    clean_content,
    load_format,
    load_formats,
)

VALID = {
    "format": "openiop-note-format/1",
    "id": "narrative",
    "version": "1.0.0",
    "title": "Narrative",
    "licence": "CC BY 4.0",
    "sections": [
        {"key": "narrative", "label": "Narrative", "help": "What happened.", "required": True},
        {
            "key": "follow_up",
            "label": "Follow-up",
            "help": "Next steps.",
            "required": False,
            "max_length": 500,
        },
    ],
}


def problems_of(raw) -> list[str]:
    with pytest.raises(NoteFormatError) as error:
        load_format(raw)
    return [str(problem) for problem in error.value.problems]


def changed(**changes):
    raw = copy.deepcopy(VALID)
    for path, value in changes.items():
        target = raw
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return raw


def test_the_shipped_formats_load_dap_birp_and_soap():
    formats = {f.id: f for f in load_formats()}
    assert set(formats) == {"dap", "birp", "soap"}
    assert formats["dap"].keys == ("data", "assessment", "plan")
    assert formats["birp"].keys == ("behavior", "intervention", "response", "plan")
    assert formats["soap"].keys == ("subjective", "objective", "assessment", "plan", "medications")
    assert not formats["soap"].section("medications").required
    assert registry.format_problems() == []


def test_a_valid_format_loads():
    note_format = load_format(VALID)
    assert note_format.section("follow_up").max_length == 500
    assert note_format.section("narrative").max_length == 10_000


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (changed(format="openiop-note-format/9"), "$.format: unsupported format"),
        (changed(id="Narrative Note"), "$.id: 'Narrative Note' must use lowercase"),
        (changed(version=KeyError), "$.version: is missing"),
        (changed(title=""), "$.title: must not be empty"),
        (changed(licence=3), "$.licence: must be a string, not an integer"),
        (changed(colour="blue"), "$.colour: is not a known key"),
        (changed(sections={}), "$.sections: must be a list, not an object"),
        (changed(sections=[]), "$.sections: must not be empty"),
        (changed(sections__0__key="Narrative"), "$.sections[0].key: 'Narrative' must start with a lowercase"),
        (changed(sections__1__key="narrative"), "$.sections[1].key: duplicate section 'narrative'"),
        (changed(sections__0__label=KeyError), "$.sections[0].label: is missing"),
        (changed(sections__0__help="x" * 601), "$.sections[0].help: must be at most 600 characters"),
        (changed(sections__0__required="yes"), "$.sections[0].required: must be true or false, not a string"),
        (
            changed(sections__1__max_length=0),
            "$.sections[1].max_length: must be a whole number from 1 to 50000",
        ),
        (changed(sections__1__max_length=True), "$.sections[1].max_length: must be a whole number"),
        (changed(sections__0__required=False), "$.sections: at least one section must be required"),
        ([], "$: must be an object, not a list"),
    ],
)
def test_each_rule_names_the_problem_and_its_path(raw, expected):
    assert any(problem.startswith(expected) for problem in problems_of(raw)), problems_of(raw)


def test_every_problem_is_reported_at_once():
    raw = changed(id="Bad Id", title="", sections__0__required="no")
    assert len(problems_of(raw)) == 3


def test_unreadable_and_broken_json_files_say_so(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(NoteFormatError, match="is not valid JSON") as error:
        load_format(broken)
    assert str(broken) in str(error.value)
    with pytest.raises(NoteFormatError, match="cannot be read"):
        load_format(tmp_path / "missing.json")


def test_an_organization_folder_adds_formats_and_a_repeated_version_is_refused(tmp_path, settings):
    (tmp_path / "narrative.json").write_text(json.dumps(VALID))
    settings.OPENIOP_NOTE_FORMAT_DIRS = [str(tmp_path)]
    registry.clear_cache()
    try:
        assert registry.get_format("narrative").title == "Narrative"
        assert registry.get_format("dap", "1.0.0").id == "dap"
        with pytest.raises(LookupError):
            registry.get_format("dap", "9.0.0")
        (tmp_path / "dap-again.json").write_text(json.dumps({**VALID, "id": "dap", "version": "1.0.0"}))
        registry.clear_cache()
        with pytest.raises(NoteFormatError, match="also defined in"):
            registry.all_formats()
        assert any("also defined in" in message for _, message in registry.format_problems())
    finally:
        settings.OPENIOP_NOTE_FORMAT_DIRS = []
        registry.clear_cache()


def test_a_missing_folder_is_a_problem(tmp_path, settings):
    settings.OPENIOP_NOTE_FORMAT_DIRS = [str(tmp_path / "nowhere")]
    assert registry.format_problems() == [
        (
            str(tmp_path / "nowhere"),
            f"Note format folder {tmp_path / 'nowhere'} does not exist or is not a folder.",
        )
    ]


# --- content --------------------------------------------------------------------------------------------


def test_content_is_trimmed_and_every_section_kept():
    note_format = load_format(VALID)
    assert clean_content(note_format, {"narrative": "  Went well. "}, signing=False) == {
        "narrative": "Went well.",
        "follow_up": "",
    }


def test_content_problems_by_section():
    note_format = load_format(VALID)
    with pytest.raises(ContentError) as error:
        clean_content(note_format, {"follow_up": "x" * 501, "mood": "?", "narrative": 3}, signing=True)
    assert set(error.value.problems) == {"follow_up", "mood", "narrative"}
    with pytest.raises(ContentError) as error:
        clean_content(note_format, {"narrative": "   "}, signing=True)
    assert error.value.problems == {"narrative": "Narrative is required before the note is signed."}


@given(st.dictionaries(st.sampled_from(["narrative", "follow_up"]), st.text(max_size=40)))
def test_a_draft_accepts_any_short_text_and_signing_only_adds_the_required_rule(content):
    note_format = load_format(VALID)
    draft = clean_content(note_format, content, signing=False)
    assert set(draft) == {"narrative", "follow_up"}
    if draft["narrative"]:
        assert clean_content(note_format, content, signing=True) == draft
    else:
        with pytest.raises(ContentError):
            clean_content(note_format, content, signing=True)
