"""The Django layer around the pure rubric engine (rubric.py): which rubrics this deployment offers.

The shipped rubrics plus those in settings.OPENIOP_RUBRIC_DIRS are read once per process (per list of
folders, so a test that overrides the setting sees its own rubrics). A rubric is only usable here when every
level it names is a LevelOfCare: assessments store the recommended and determined levels in LevelOfCare
fields, and admission, waitlist and transitions reason in those levels.

`rubric_problems()` reports every broken file, each with its path, for the system check (checks.py), so a
bad file in a configured folder shows up at startup rather than as a rubric missing from the form.
"""

import functools
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from openiop.core.datafile import Problem

from .models import LevelOfCare
from .rubric import Rubric, RubricError, load_rubric, rubric_files, shipped_rubrics

DEFAULT_RUBRIC_ID = "openiop-loc"


def check_levels(rubric: Rubric, *, source: str = "rubric") -> Rubric:
    """The rubric, unless it names a level OpenIOP cannot record: then a RubricError naming each one."""
    known = set(LevelOfCare.values)
    problems = [
        Problem(
            f"$.levels[{i}].id",
            f"{level.id!r} is not a level of care OpenIOP records; use one of {', '.join(LevelOfCare.values)}",
        )
        for i, level in enumerate(rubric.levels)
        if level.id not in known
    ]
    if problems:
        raise RubricError(problems, source=source)
    return rubric


def _dirs() -> tuple[str, ...]:
    return tuple(str(folder) for folder in getattr(settings, "OPENIOP_RUBRIC_DIRS", ()) or ())


@functools.cache
def _load(dirs: tuple[str, ...]) -> tuple[Rubric, ...]:
    rubrics = shipped_rubrics(extra_dirs=dirs)
    for rubric in rubrics:
        check_levels(rubric, source=f"{rubric.id} {rubric.version}")
    return rubrics


def all_rubrics() -> tuple[Rubric, ...]:
    """Every loaded rubric and version, sorted by id then version. Raises on any broken file."""
    return _load(_dirs())


def current_rubrics() -> tuple[Rubric, ...]:
    """The latest version of each rubric: the ones a new assessment may use."""
    latest: dict[str, Rubric] = {}
    for rubric in all_rubrics():  # sorted by version within an id, so the last one wins
        latest[rubric.id] = rubric
    return tuple(latest.values())


def get_rubric(rubric_id: str, version: str | None = None) -> Rubric:
    """The rubric with this id: that exact version (to show a stored assessment again) or the latest.

    Raises LookupError when there is none.
    """
    candidates = [r for r in all_rubrics() if r.id == rubric_id and (version is None or r.version == version)]
    if not candidates:
        raise LookupError(f"No rubric {rubric_id} {version or ''}".strip() + ".")
    return candidates[-1]


def clear_cache() -> None:
    """Forget loaded rubrics (tests, or after replacing files without restarting)."""
    _load.cache_clear()


def rubric_problems(dirs: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Every problem with the rubric files, as (path, message) pairs; empty when all load.

    Unlike `all_rubrics`, which stops at the first broken file, this reads each file on its own so that
    one report lists them all.
    """
    dirs = _dirs() if dirs is None else tuple(dirs)
    problems: list[tuple[str, str]] = []
    files = rubric_files(())  # the shipped folder
    for folder in dirs:
        if not Path(folder).is_dir():
            problems.append((str(folder), f"Rubric folder {folder} does not exist or is not a folder."))
            continue
        files.extend(sorted(Path(folder).glob("*.json")))
    seen: dict[tuple[str, str], Path] = {}
    for path in files:
        try:
            rubric = check_levels(load_rubric(path), source=str(path))
        except RubricError as error:
            problems.append((str(path), str(error)))
            continue
        key = (rubric.id, rubric.version)
        if key in seen:
            problems.append((str(path), f"{rubric.id} {rubric.version} is also defined in {seen[key]}"))
        else:
            seen[key] = path
    return problems
