"""The notes sections of the chart (recent notes, group entries included) and of "my day" (my unsigned
notes by age, notes awaiting my co-signature). The chart and my day have checked access and audited."""

from openiop.core.panels import CHART, MY_DAY, Panel, register

from . import timeliness
from .selectors import (
    group_sessions_to_document,
    patient_note_rows,
    unsigned_and_awaiting_cosignature,
)

RECENT = 8


def chart_context(request, patient, episode):
    """Recent notes for those who read this patient's notes (the care team, the program's directors,
    break-the-glass); hidden from anyone else who opens the chart (intake coordinators)."""
    user = request.user
    if not user.has_perm("notes.read_patient_notes", patient):
        return None
    return {
        "patient": patient,
        "rows": patient_note_rows(patient, limit=RECENT),
        "may_write": user.has_perm("notes.write_patient_notes", patient),
        # Only a link, and only to the author-to-be: process notes are never shown in the chart.
        "may_write_process": user.has_perm("notes.write_process_note", patient),
    }


def my_day_context(request):
    user = request.user
    if not user.has_perm("notes.use"):
        return None
    unsigned, awaiting = unsigned_and_awaiting_cosignature(user)
    return {
        "unsigned": unsigned,
        "over_24h": sum(1 for row in unsigned if row.age == timeliness.Age.OVER_24H),
        "over_72h": sum(1 for row in unsigned if row.age == timeliness.Age.OVER_72H),
        "awaiting": awaiting,
        "to_document": list(group_sessions_to_document(user)),
        "directed_programs": _directed_programs(user),
    }


def _directed_programs(user):
    if not user.has_perm("notes.view_program_unsigned"):
        return []
    from openiop.scheduling.selectors import directed_programs_of

    return list(directed_programs_of(user))


def register_panels() -> None:
    register(CHART, Panel("notes", "notes/_chart_panel.html", chart_context, order=40))
    register(MY_DAY, Panel("notes", "notes/_my_day_panel.html", my_day_context, order=40))
