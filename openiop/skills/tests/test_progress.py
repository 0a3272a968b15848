"""The pure progress core: every lesson once, had exactly when attended, dates in order."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openiop.skills.progress import Attended, LessonRef, ModuleRef, curriculum_progress, homework_state

TODAY = datetime.date(2026, 11, 20)


def modules_of(shape: list[int]) -> list[ModuleRef]:
    return [
        ModuleRef(f"m{m}", f"Module {m}", tuple(LessonRef(f"m{m}-l{n}", f"Lesson {n}") for n in range(count)))
        for m, count in enumerate(shape)
    ]


def test_a_lesson_is_had_once_attended_and_lists_every_date():
    (module,) = modules_of([3])
    attended = [
        Attended("m0-l1", datetime.date(2026, 11, 9)),
        Attended("m0-l1", datetime.date(2026, 11, 2)),
        Attended("elsewhere", datetime.date(2026, 11, 2)),
    ]
    (progress,) = curriculum_progress([module], attended)
    assert [item.had for item in progress.lessons] == [False, True, False]
    assert progress.lessons[1].dates == (datetime.date(2026, 11, 2), datetime.date(2026, 11, 9))
    assert progress.lessons[1].first_had_on == datetime.date(2026, 11, 2)
    assert len(progress.not_yet_had) == 2 and not progress.is_complete


shapes = st.lists(st.integers(min_value=0, max_value=5), max_size=6)


@given(shapes, st.data())
def test_every_lesson_appears_once_and_had_means_attended(shape, data):
    modules = modules_of(shape)
    keys = [lesson.key for module in modules for lesson in module.lessons] + ["unknown"]
    attended = data.draw(
        st.lists(
            st.builds(
                Attended,
                st.sampled_from(keys),
                st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2026, 12, 31)),
            ),
            max_size=20,
        )
    )
    result = curriculum_progress(modules, attended)
    assert [p.module for p in result] == modules
    for module_progress in result:
        assert [item.lesson for item in module_progress.lessons] == list(module_progress.module.lessons)
        assert len(module_progress.had) + len(module_progress.not_yet_had) == module_progress.total
        for item in module_progress.lessons:
            expected = sorted({a.on for a in attended if a.lesson_key == item.lesson.key})
            assert list(item.dates) == expected
            assert item.had == bool(expected)


def test_homework_states():
    assert (
        homework_state(status="assigned", due_on=TODAY - datetime.timedelta(days=1), today=TODAY) == "overdue"
    )
    assert homework_state(status="assigned", due_on=TODAY, today=TODAY) == "due"
    assert homework_state(status="assigned", due_on=TODAY + datetime.timedelta(days=2), today=TODAY) == "due"
    assert homework_state(status="assigned", due_on=TODAY + datetime.timedelta(days=3), today=TODAY) == "open"
    assert homework_state(status="done", due_on=TODAY - datetime.timedelta(days=9), today=TODAY) == "recorded"
