"""The shared reading of clinical content files: problems with paths, files, folders and versions."""

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openiop.core.datafile import (
    Checker,
    DataFileError,
    Problem,
    data_files,
    load_versioned,
    read_json,
    version_key,
)


class ThingError(DataFileError):
    what = "thing"


def test_the_error_lists_every_problem_with_its_path_and_names_the_source():
    error = ThingError([Problem("$.a", "is missing"), Problem("$.b[0]", "must not be empty")])
    assert str(error) == "thing has 2 problems:\n  - $.a: is missing\n  - $.b[0]: must not be empty"
    assert ThingError([Problem("$", "x")], source="f.json").source == "f.json"


def test_the_checker_reports_everything_in_one_pass():
    check = Checker()
    raw = {"name": " ", "count": True, "list": [], "id": "Bad Id", "extra": 1, "$comment": "ok", "x-note": 2}
    assert check.obj(raw, "$", required={"name", "count", "list", "id", "missing"})
    assert check.text(raw, "name", "$") is None
    assert check.integer(raw, "count", "$") is None
    assert check.items(raw, "list", "$") is None and check.items(raw, "list", "$", allow_empty=True) == []
    assert check.pattern(raw, "id", "$", re.compile(r"^[a-z]+$"), "is not an id") is None
    assert [str(p) for p in check.problems] == [
        "$.missing: is missing",
        "$.extra: is not a known key",
        "$.name: must not be empty",
        "$.count: must be an integer, not a boolean",
        "$.list: must not be empty",
        "$.id: 'Bad Id' is not an id",
    ]


def test_unreadable_and_invalid_files_name_the_file(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ThingError, match="broken.json has 1 problem") as caught:
        read_json(broken, ThingError)
    assert caught.value.problems[0].message.startswith("is not valid JSON")
    with pytest.raises(ThingError, match="cannot be read"):
        read_json(tmp_path / "absent.json", ThingError)


def test_extra_folders_come_after_the_shipped_one_and_a_missing_folder_is_an_error(tmp_path):
    shipped, extra = tmp_path / "shipped", tmp_path / "extra"
    shipped.mkdir(), extra.mkdir()
    (
        (shipped / "b.json").write_text("{}"),
        (shipped / "a.json").write_text("{}"),
        (extra / "c.json").write_text("{}"),
    )
    assert [p.name for p in data_files(shipped, [extra], "Thing")] == ["a.json", "b.json", "c.json"]
    with pytest.raises(FileNotFoundError, match="Thing folder .*nowhere does not exist"):
        data_files(shipped, [tmp_path / "nowhere"], "Thing")


def test_loading_a_folder_sorts_by_id_then_version_and_refuses_the_same_version_twice(tmp_path):
    for name, content in {"1.json": ("t", "1.10.0"), "2.json": ("t", "1.9.0"), "3.json": ("s", "2")}.items():
        (tmp_path / name).write_text(json.dumps(content))

    def load(path):
        return tuple(json.loads(path.read_text()))

    files = sorted(tmp_path.glob("*.json"))
    assert load_versioned(files, load, lambda t: t, ThingError) == (
        ("s", "2"),
        ("t", "1.9.0"),
        ("t", "1.10.0"),
    )
    (tmp_path / "4.json").write_text(json.dumps(["t", "1.9.0"]))
    with pytest.raises(ThingError, match="t 1.9.0 is also defined in"):
        load_versioned(sorted(tmp_path.glob("*.json")), load, lambda t: t, ThingError)


@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=3), st.lists(st.integers(0, 30), min_size=1, max_size=3)
)
def test_version_key_orders_numeric_versions_as_numbers(a, b):
    left, right = ".".join(map(str, a)), ".".join(map(str, b))
    assert (version_key(left) < version_key(right)) == (a < b)
