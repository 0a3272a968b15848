"""A patient's progress through the curriculum, from the lessons of the group sessions they attended.

Plain data in, plain data out: the selectors turn modules, lessons and attendance into the references
below and back. A lesson is "had" once the patient attended (present, late or left early) a group session
tied to it; attending it again adds a date. Every lesson of every module appears exactly once, had or not
yet had, in the curriculum's order.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class LessonRef:
    key: str
    title: str


@dataclass(frozen=True)
class ModuleRef:
    key: str
    title: str
    lessons: tuple[LessonRef, ...]


@dataclass(frozen=True)
class Attended:
    lesson_key: str
    on: datetime.date


@dataclass(frozen=True)
class LessonProgress:
    lesson: LessonRef
    dates: tuple[datetime.date, ...]  # every date attended, earliest first

    @property
    def had(self) -> bool:
        return bool(self.dates)

    @property
    def first_had_on(self) -> datetime.date | None:
        return self.dates[0] if self.dates else None


@dataclass(frozen=True)
class ModuleProgress:
    module: ModuleRef
    lessons: tuple[LessonProgress, ...]

    @property
    def had(self) -> tuple[LessonProgress, ...]:
        return tuple(item for item in self.lessons if item.had)

    @property
    def not_yet_had(self) -> tuple[LessonProgress, ...]:
        return tuple(item for item in self.lessons if not item.had)

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def is_complete(self) -> bool:
        return bool(self.lessons) and len(self.had) == self.total


def curriculum_progress(
    modules: Iterable[ModuleRef], attended: Iterable[Attended]
) -> tuple[ModuleProgress, ...]:
    """Per module, in the given order: each lesson with the dates it was attended (none = not yet had).

    Attendance of a lesson outside `modules` is ignored; the same date twice counts once.
    """
    dates: dict[str, set[datetime.date]] = {}
    for record in attended:
        dates.setdefault(record.lesson_key, set()).add(record.on)
    return tuple(
        ModuleProgress(
            module,
            tuple(
                LessonProgress(lesson, tuple(sorted(dates.get(lesson.key, ())))) for lesson in module.lessons
            ),
        )
        for module in modules
    )


def homework_state(*, status: str, due_on: datetime.date, today: datetime.date, soon_days: int = 2) -> str:
    """ "overdue", "due" (today or within `soon_days`), "open" or "recorded" (an outcome was recorded)."""
    if status != "assigned":
        return "recorded"
    if due_on < today:
        return "overdue"
    if due_on <= today + datetime.timedelta(days=soon_days):
        return "due"
    return "open"
