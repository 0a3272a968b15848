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
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Problem:
    path: str  # JSON path into the file, e.g. "$.modules[2].lessons[0].homework"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CurriculumError(ValueError):
    """Everything wrong with a curriculum file at once, each problem with its JSON path."""

    def __init__(self, problems: Iterable[Problem], *, source: str = "curriculum"):
        self.problems = tuple(problems)
        self.source = source
        count = len(self.problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{source} has {count} problem{'s' if count != 1 else ''}:\n{lines}")


# --- Validation -------------------------------------------------------------------------------------------


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number"}.get(
        type(value), type(value).__name__
    )


class _Checker:
    """Collects problems while reading; each reader returns None when the value is unusable."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def obj(
        self, value: object, path: str, *, required: set[str], optional: frozenset[str] = frozenset()
    ) -> bool:
        if not isinstance(value, dict):
            self.add(path, f"must be an object, not {_describe(value)}")
            return False
        for key in sorted(required - value.keys()):
            self.add(f"{path}.{key}", "is missing")
        for key in sorted(map(str, value.keys() - required - optional)):
            # "$comment" and "x-..." keys are free for authors' notes; anything else is probably a typo.
            if not (key.startswith("$") or key.startswith("x-")):
                self.add(f"{path}.{key}", "is not a known key")
        return True

    def text(self, parent: dict, key: str, path: str, *, max_length: int | None = None) -> str | None:
        if key not in parent:
            return None  # already reported as missing
        value = parent[key]
        if not isinstance(value, str):
            self.add(f"{path}.{key}", f"must be a string, not {_describe(value)}")
            return None
        if not value.strip():
            self.add(f"{path}.{key}", "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.add(f"{path}.{key}", f"must be at most {max_length} characters")
            return None
        return value.strip()

    def code(self, parent: dict, key: str, path: str) -> str | None:
        value = self.text(parent, key, path, max_length=MAX_CODE)
        if value is not None and not _CODE.match(value):
            self.add(f"{path}.{key}", f"{value!r} must use lowercase letters, digits, '_', '-' or '.'")
            return None
        return value

    def texts(self, parent: dict, key: str, path: str) -> tuple[str, ...] | None:
        """A non-empty list of non-empty strings."""
        items = self.items(parent, key, path)
        if items is None:
            return None
        values, ok = [], True
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.add(f"{path}.{key}[{i}]", f"must be a string, not {_describe(item)}")
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

    def items(self, parent: dict, key: str, path: str) -> list | None:
        if key not in parent:
            return None
        value = parent[key]
        if not isinstance(value, list):
            self.add(f"{path}.{key}", f"must be a list, not {_describe(value)}")
            return None
        if not value:
            self.add(f"{path}.{key}", "must not be empty")
            return None
        return value


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
    path = Path(source)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CurriculumError(
            [Problem("$", f"cannot be read: {error.strerror or error}")], source=str(path)
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CurriculumError([Problem("$", f"is not valid JSON: {error}")], source=str(path)) from error
    return _validate(raw, str(path))


@functools.cache
def shipped_curriculum() -> Curriculum:
    """The curriculum OpenIOP ships, read once per process. Raises CurriculumError if the file is broken."""
    return load_curriculum(SHIPPED_FILE)
