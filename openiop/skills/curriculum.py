"""The skills curriculum as data: a versioned JSON file of modules and lessons, validated at load.

A curriculum file (format "openiop-curriculum/1") holds modules, each with lessons; every lesson has
objectives, an outline, an in-session exercise and homework. We ship our own, openly licensed
(curricula/openiop-skills-1.json, CC BY 4.0); the file format is in curricula/README.md.

Loading reports every problem at once, each with the file and the JSON path ("$.modules[2].lessons[0].
homework: must not be empty"), so an author can fix a file in one pass. Codes are stable identifiers:
a module or lesson keeps its code across versions, and the database copy (models.Module, models.Lesson) is
matched by code when a new version is synced.

Plain Python on purpose: no Django, no I/O beyond reading the file.
"""

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from openiop.core.datafile import Checker, DataFileError, describe, read_json

FORMAT = "openiop-curriculum/1"
SHIPPED_DIR = Path(__file__).with_name("curricula")
SHIPPED_FILE = SHIPPED_DIR / "openiop-skills-1.json"

# Limits that match the database columns (models.Module, models.Lesson), so a file that loads can be synced.
MAX_CODE = 60
MAX_TITLE = 200
MAX_VERSION = 20
MAX_ITEM = 500  # one objective or one outline step
MAX_MINUTES = 240
_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


# --- Data -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonSpec:
    code: str
    title: str
    minutes: int | None
    objectives: tuple[str, ...]
    outline: tuple[str, ...]
    exercise: str
    homework: str


@dataclass(frozen=True)
class ModuleSpec:
    code: str
    title: str
    summary: str
    lessons: tuple[LessonSpec, ...]


@dataclass(frozen=True)
class Curriculum:
    id: str
    version: str
    title: str
    licence: str
    source: str
    modules: tuple[ModuleSpec, ...]

    @property
    def lessons(self) -> tuple[LessonSpec, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)


# --- Errors -----------------------------------------------------------------------------------------------


class CurriculumError(DataFileError):
    """Everything wrong with a curriculum file at once, each problem with its JSON path."""

    what = "curriculum"


# --- Validation -------------------------------------------------------------------------------------------


class _Checker(Checker):
    """The shared checker, with the curriculum's codes, trimmed texts and lists of texts."""

    def text(self, parent: dict, key: str, path: str, *, max_length: int | None = None) -> str | None:
        value = super().text(parent, key, path, max_length=max_length)
        return value.strip() if value is not None else None

    def code(self, parent: dict, key: str, path: str) -> str | None:
        rule = "must use lowercase letters, digits, '_', '-' or '.'"
        return self.pattern(parent, key, path, _CODE, rule, max_length=MAX_CODE)

    def texts(self, parent: dict, key: str, path: str) -> tuple[str, ...] | None:
        """A non-empty list of non-empty strings."""
        items = self.items(parent, key, path)
        if items is None:
            return None
        values, ok = [], True
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.add(f"{path}.{key}[{i}]", f"must be a string, not {describe(item)}")
                ok = False
            elif not item.strip():
                self.add(f"{path}.{key}[{i}]", "must not be empty")
                ok = False
            elif len(item) > MAX_ITEM:
                self.add(f"{path}.{key}[{i}]", f"must be at most {MAX_ITEM} characters")
                ok = False
            else:
                values.append(item.strip())
        return tuple(values) if ok else None


LESSON_KEYS = {"code", "title", "objectives", "outline", "exercise", "homework"}
MODULE_KEYS = {"code", "title", "summary", "lessons"}
TOP_KEYS = {"format", "id", "version", "title", "licence", "source", "modules"}


def _read_lesson(check: _Checker, item: object, path: str, seen: dict[str, str]) -> LessonSpec | None:
    if not check.obj(item, path, required=LESSON_KEYS, optional=frozenset({"minutes"})):
        return None
    code = check.code(item, "code", path)
    title = check.text(item, "title", path, max_length=MAX_TITLE)
    objectives = check.texts(item, "objectives", path)
    outline = check.texts(item, "outline", path)
    exercise = check.text(item, "exercise", path)
    homework = check.text(item, "homework", path)
    minutes = item.get("minutes")
    minutes_ok = True
    if minutes is not None and (
        not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= MAX_MINUTES
    ):
        check.add(f"{path}.minutes", f"must be a whole number of minutes from 5 to {MAX_MINUTES}")
        minutes_ok = False
    if code is not None:
        # Lesson codes are unique across the whole curriculum: a lesson is found by its code alone.
        if code in seen:
            check.add(f"{path}.code", f"duplicate lesson code {code!r} (also at {seen[code]})")
            code = None
        else:
            seen[code] = path
    if None in (code, title, objectives, outline, exercise, homework) or not minutes_ok:
        return None
    return LessonSpec(code, title, minutes, objectives, outline, exercise, homework)


def _read_module(
    check: _Checker, item: object, path: str, seen_modules: dict[str, str], seen_lessons: dict[str, str]
) -> ModuleSpec | None:
    if not check.obj(item, path, required=MODULE_KEYS):
        return None
    code = check.code(item, "code", path)
    title = check.text(item, "title", path, max_length=MAX_TITLE)
    summary = check.text(item, "summary", path)
    if code is not None:
        if code in seen_modules:
            check.add(f"{path}.code", f"duplicate module code {code!r} (also at {seen_modules[code]})")
            code = None
        else:
            seen_modules[code] = path
    items = check.items(item, "lessons", path)
    lessons = []
    if items is not None:
        for j, raw in enumerate(items):
            lesson = _read_lesson(check, raw, f"{path}.lessons[{j}]", seen_lessons)
            if lesson is not None:
                lessons.append(lesson)
    if None in (code, title, summary, items) or len(lessons) != len(items):
        return None
    return ModuleSpec(code, title, summary, tuple(lessons))


def _validate(raw: object, source: str) -> Curriculum:
    check = _Checker()
    if not check.obj(raw, "$", required=TOP_KEYS):
        raise CurriculumError(check.problems, source=source)
    fmt = check.text(raw, "format", "$")
    if fmt is not None and fmt != FORMAT:
        check.add("$.format", f"unsupported format {fmt!r}; expected {FORMAT!r}")
    curriculum_id = check.code(raw, "id", "$")
    version = check.text(raw, "version", "$", max_length=MAX_VERSION)
    title = check.text(raw, "title", "$", max_length=MAX_TITLE)
    licence = check.text(raw, "licence", "$")
    source_note = check.text(raw, "source", "$")
    items = check.items(raw, "modules", "$")
    modules = []
    seen_modules: dict[str, str] = {}
    seen_lessons: dict[str, str] = {}
    for i, item in enumerate(items or []):
        module = _read_module(check, item, f"$.modules[{i}]", seen_modules, seen_lessons)
        if module is not None:
            modules.append(module)
    if check.problems:
        raise CurriculumError(check.problems, source=source)
    return Curriculum(curriculum_id, version, title, licence, source_note, tuple(modules))


def load_curriculum(source: str | os.PathLike | Mapping | object) -> Curriculum:
    """Load and validate a curriculum from a JSON file path or an already-parsed mapping.

    Raises CurriculumError listing every problem found, each with its JSON path; the message names the file.
    """
    if isinstance(source, Mapping):
        return _validate(dict(source), "curriculum")
    if not isinstance(source, str | os.PathLike):  # already-parsed JSON that is not an object
        return _validate(source, "curriculum")
    return _validate(read_json(source, CurriculumError), str(Path(source)))


@functools.cache
def shipped_curriculum() -> Curriculum:
    """The curriculum OpenIOP ships, read once per process. Raises CurriculumError if the file is broken."""
    return load_curriculum(SHIPPED_FILE)
