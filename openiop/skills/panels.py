"""The skills sections of the patient chart and of "my day" (openiop.core.panels).

The chart has already checked access and audited the VIEW of the patient; "my day" has audited its LIST.
"""

from django.utils import timezone

from openiop.core import panels
from openiop.core.predicates import is_director, is_treating_role

from .selectors import caseload_homework, homework_of, lesson_days_had, patient_progress, practice_log_of


def chart_context(request, patient, episode) -> dict | None:
    today = timezone.localdate()
    # The panel shows no staff names and only which lessons were had when: the narrow reads.
    days_had = lesson_days_had(patient)
    homework = homework_of(patient, with_staff=False)
    open_homework = [h for h in homework if h.status == "assigned"]
    rows = patient_progress(patient, days_had=days_had)
    return {
        "patient": patient,
        "today": today,
        "modules": rows,
        "lessons_had": len({lesson_id for lesson_id, _day in days_had}),
        "lessons_total": sum(row.progress.total for row in rows),
        "open_homework": open_homework,
        "overdue": [h for h in open_homework if h.due_on < today],
        "recent_homework": [h for h in homework if h.status != "assigned"][:3],
        "practice": practice_log_of(patient, limit=3, with_staff=False),
        "may_work": request.user.has_perm("skills.work_patient_skills", patient),
    }


def my_day_context(request) -> dict | None:
    user = request.user
    if not (is_treating_role(user) or is_director(user)):
        return None
    today = timezone.localdate()
    items, total = caseload_homework(user, today=today)
    return {"items": items, "total": total, "today": today}


def register_panels() -> None:
    panels.register(panels.CHART, panels.Panel("skills", "skills/_chart_panel.html", chart_context, order=40))
    panels.register(
        panels.MY_DAY, panels.Panel("skills_homework", "skills/_my_day_panel.html", my_day_context, order=40)
    )
