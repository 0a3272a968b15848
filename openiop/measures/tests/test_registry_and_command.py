import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openiop.measures import registry

from .factories import instrument_data


@pytest.fixture(autouse=True)
def fresh_registry():
    registry.clear_cache()
    yield
    registry.clear_cache()


def write(folder, name, data):
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- Registry ---------------------------------------------------------------------------------------------


def test_shipped_instruments_are_available_by_code_case_insensitively():
    assert registry.get_instrument("phq-9").code == "PHQ-9"
    assert [i.code for i in registry.current_instruments()] == ["ASQ", "AUDIT-C", "GAD-7", "PCL-5", "PHQ-9"]


def test_unknown_instrument_lists_the_available_ones():
    with pytest.raises(LookupError, match="No instrument WHO-5. Available: ASQ, AUDIT-C"):
        registry.get_instrument("WHO-5")


def test_an_organization_adds_its_own_instrument_folder(settings, tmp_path):
    write(tmp_path, "org-1.json", instrument_data(code="ORG-1"))
    write(tmp_path, "org-1-v2.json", instrument_data(code="ORG-1", version="2.0.0"))
    settings.OPENIOP_INSTRUMENT_DIRS = [str(tmp_path)]
    assert registry.get_instrument("ORG-1").version == "2.0.0"
    assert registry.get_instrument("ORG-1", "1.0.0").version == "1.0.0"
    assert [i.version for i in registry.all_instruments() if i.code == "ORG-1"] == ["1.0.0", "2.0.0"]
    assert sum(1 for i in registry.current_instruments() if i.code == "ORG-1") == 1


def test_a_broken_extra_file_stops_loading(settings, tmp_path):
    write(tmp_path, "bad.json", instrument_data(code="bad"))
    settings.OPENIOP_INSTRUMENT_DIRS = [str(tmp_path)]
    with pytest.raises(ValueError, match="bad.json has 1 problem"):
        registry.all_instruments()


def test_instrument_problems_lists_every_broken_file(tmp_path):
    write(tmp_path, "a.json", instrument_data(code="bad"))
    write(tmp_path, "b.json", instrument_data(version="x"))
    write(tmp_path, "c.json", instrument_data(code="PHQ-9"))  # clashes with the shipped PHQ-9 1.0.0
    problems = registry.instrument_problems([str(tmp_path), str(tmp_path / "nowhere")])
    paths = [path for path, _ in problems]
    assert paths == [
        str(tmp_path / "nowhere"),
        str(tmp_path / "a.json"),
        str(tmp_path / "b.json"),
        str(tmp_path / "c.json"),
    ]
    assert "also defined in" in problems[-1][1]


def test_no_problems_with_the_shipped_library():
    assert registry.instrument_problems([]) == []


# --- manage.py score --------------------------------------------------------------------------------------


def run(*args) -> dict:
    out = StringIO()
    call_command("score", *args, stdout=out)
    return json.loads(out.getvalue())


def test_score_prints_the_result_as_json():
    answers = {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}
    result = run("PHQ-9", json.dumps(answers))
    assert result["total"] == 3 and result["band"]["label"] == "Minimal"
    assert result["urgent"] is True and result["flags"][0]["id"] == "critical_item_9"


def test_score_reads_a_file_and_options(tmp_path):
    path = write(tmp_path, "answers.json", {"1": 1, "2": 1, "3": 1})
    result = run("audit-c", str(path), "--context", "sex=male", "--instrument-version", "1.0.0")
    assert result["total"] == 3 and result["flags"] == []
    result = run("PHQ-9", '{"1": 3}', "--language", "es")
    assert result["items"][0]["label"] == "Casi todos los días"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("NOPE", "{}"), "No instrument NOPE"),
        (("PHQ-9", "{not json"), "is not valid JSON"),
        (("PHQ-9", "[1, 2]"), "must be a JSON object"),
        (("PHQ-9", "/no/such/answers.json"), "Cannot read answers file"),
        (("PHQ-9", '{"1": 9}'), "9 is not an answer option"),
        (("AUDIT-C", "{}", "--context", "sex"), "--context takes NAME=VALUE"),
        (("PHQ-9", "{}", "--language", "fr"), "language 'fr'"),
        (("PHQ-9", "{}", "--instrument-version", "9.9.9"), "No instrument PHQ-9 9.9.9"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_status_2(args, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("score", *args, stdout=StringIO())
    assert caught.value.returncode == 2
