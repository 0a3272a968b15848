"""The skills lesson a group session teaches (openiop.skills), as the title a group note keeps."""


def session_lesson_title(session) -> str:
    """The title of the session's lesson, or "" when the session teaches none."""
    from openiop.skills.selectors import session_lesson

    lesson = session_lesson(session)
    if lesson is None:
        return ""
    return str(getattr(lesson, "title", None) or lesson)[:200]
