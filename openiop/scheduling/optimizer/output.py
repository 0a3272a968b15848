"""The schedule as JSON: assignments (what `schedule check` reads) plus a per-patient summary."""

from typing import Any

from .checker import Report
from .explain import Explanation, hours
from .instance import DAYS, Assignment, Instance, format_time


def schedule_to_dict(
    instance: Instance,
    assignments: list[Assignment],
    *,
    solver: dict[str, Any],
    report: Report,
    explanations: dict[str, Explanation],
) -> dict[str, Any]:
    by_patient: dict[str, list[dict[str, str]]] = {p.id: [] for p in instance.patients}
    for a in sorted(assignments, key=lambda a: (a.patient, _when_key(instance, a))):
        item = instance.session_by_id.get(a.session) or instance.slot_by_id[a.slot]
        entry = {
            "id": item.id,
            "type": item.type,
            "day": DAYS[item.when.day],
            "start": format_time(item.when.start),
            "end": format_time(item.when.end),
        }
        if a.slot:
            entry.update(clinician=a.clinician, room=a.room)
        by_patient[a.patient].append(entry)
    patients = {}
    for p in instance.patients:
        summary: dict[str, Any] = {
            "scheduled_hours": report.minutes[p.id] / 60,
            "target_hours": p.target_minutes / 60,
            "sessions": by_patient[p.id],
        }
        if p.id in explanations:
            why = explanations[p.id]
            summary.update(below_target=True, reachable_hours=float(hours(why.reachable_minutes)))
            summary.update(reason=why.reason, explanation=why.message)
        patients[p.id] = summary
    return {
        **solver,
        "objective": report.objective,
        "terms": report.terms,
        "hard_violations": len(report.violations),
        "patients_below_target": len(explanations),
        "assignments": [a.to_dict() for a in sorted(assignments)],
        "patients": patients,
    }


def _when_key(instance: Instance, a: Assignment) -> tuple[int, int]:
    item = instance.session_by_id.get(a.session) or instance.slot_by_id[a.slot]
    return (item.when.day, item.when.start)
