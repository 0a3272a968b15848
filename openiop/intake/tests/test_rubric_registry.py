"""The rubric registry: shipped and configured rubrics load once, levels must be OpenIOP's, and the system
check names every broken file."""

import json

import pytest

from openiop.intake import rubric_registry
from openiop.intake.checks import check_rubrics
from openiop.intake.rubric import SHIPPED_DIR, RubricError, load_rubric

SHIPPED = json.loads((SHIPPED_DIR / "openiop-loc-1.json").read_text())


@pytest.fixture
def rubric_dir(settings, tmp_path):
    settings.OPENIOP_RUBRIC_DIRS = [str(tmp_path)]
    yield tmp_path
    rubric_registry.clear_cache()


def write(folder, name, data):
    path = folder / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_the_shipped_rubric_loads_and_is_the_default():
    rubric = rubric_registry.get_rubric(rubric_registry.DEFAULT_RUBRIC_ID)
    assert (rubric.id, rubric.version) == ("openiop-loc", "1.0.0")
    assert rubric in rubric_registry.current_rubrics()
    assert check_rubrics() == []


def test_rubrics_are_read_once_per_process(monkeypatch):
    rubric_registry.all_rubrics()
    monkeypatch.setattr(rubric_registry, "shipped_rubrics", lambda **kw: pytest.fail("read again"))
    rubric_registry.all_rubrics()


def test_an_unknown_rubric_is_a_lookup_error():
    with pytest.raises(LookupError):
        rubric_registry.get_rubric("locus")
    with pytest.raises(LookupError):
        rubric_registry.get_rubric("openiop-loc", "9.9")


def test_a_rubric_from_a_configured_folder_is_offered_in_its_latest_version(rubric_dir):
    write(rubric_dir, "acme-1.json", SHIPPED | {"id": "acme", "version": "1.0"})
    write(rubric_dir, "acme-2.json", SHIPPED | {"id": "acme", "version": "2.0"})
    assert rubric_registry.get_rubric("acme").version == "2.0"
    assert rubric_registry.get_rubric("acme", "1.0").version == "1.0"
    assert [r.id for r in rubric_registry.current_rubrics()] == ["acme", "openiop-loc"]
    assert check_rubrics() == []


def test_a_rubric_with_a_level_openiop_cannot_record_is_refused(rubric_dir):
    data = json.loads(json.dumps(SHIPPED)) | {"id": "detox"}
    data["levels"][0]["id"] = "withdrawal_management"
    for band in data["composite"]["bands"]:
        if band["level"] == "outpatient":
            band["level"] = "withdrawal_management"
    path = write(rubric_dir, "detox.json", data)
    with pytest.raises(RubricError, match="'withdrawal_management' is not a level of care OpenIOP records"):
        rubric_registry.check_levels(load_rubric(path))
    with pytest.raises(RubricError):
        rubric_registry.all_rubrics()
    [error] = check_rubrics()
    assert error.obj == str(path) and "$.levels[0].id" in error.hint


def test_the_system_check_reports_each_broken_file_with_its_path(rubric_dir):
    broken = write(rubric_dir, "broken.json", "{not json")
    incomplete = write(
        rubric_dir, "incomplete.json", {k: v for k, v in SHIPPED.items() if k != "levels"} | {"id": "x"}
    )
    errors = check_rubrics()
    assert [(e.id, e.obj) for e in errors] == [("intake.E001", str(broken)), ("intake.E001", str(incomplete))]
    assert "is not valid JSON" in errors[0].hint
    assert "$.levels: is missing" in errors[1].hint
    assert str(broken) in errors[0].msg


def test_the_system_check_reports_a_duplicate_and_a_missing_folder(settings, rubric_dir, tmp_path):
    copy = write(rubric_dir, "copy.json", SHIPPED)
    settings.OPENIOP_RUBRIC_DIRS = [str(rubric_dir), str(tmp_path / "nowhere")]
    errors = check_rubrics()
    assert [e.obj for e in errors] == [str(tmp_path / "nowhere"), str(copy)]
    assert "also defined in" in errors[1].hint
