"""CarePlan and Goal: a signed treatment plan version and its goals (pure).

A CarePlan is one signed version of a treatment plan (its id is the version's). Drafts and versions awaiting
signatures are not plans of record and are never served. The active version is `active`; a version replaced
by a newer signed one is `revoked`, and the newer one `replaces` it. Problems are named in `addresses` by
display only (Condition is not exposed). Each goal is a Goal (its id is the goal's); its measurable
objectives are its targets: what is measured, the target as text, and the target date.
"""

import datetime

from .common import LOINC, drop_empty, meta, reference

CARE_PLAN_STATUS = {"active": "active", "superseded": "revoked"}
GOAL_STATUS = {"active": "active", "superseded": "cancelled"}


def _problem(code: str, description: str) -> dict:
    return {"display": f"{code} {description}".strip()}


def care_plan_resource(
    *,
    id,
    updated_at: datetime.datetime,
    patient_id,
    episode_id,
    status: str,
    number: int,
    program: str,
    activated_at: datetime.datetime | None,
    superseded_at: datetime.datetime | None,
    author: str,
    strengths: str = "",
    discharge_criteria: str = "",
    replaces_id=None,
    problems: list[tuple[str, str]] = (),
    goal_ids: list = (),
    activities: list[tuple[str, str, str, str, object]] = (),
) -> dict:
    """`problems`: (ICD-10 code, description); `activities`: (modality label, description, frequency,
    responsible name, goal id) for the plan's interventions."""
    period = drop_empty(
        {
            "start": activated_at.date().isoformat() if activated_at else "",
            "end": superseded_at.date().isoformat() if superseded_at else "",
        }
    )
    return drop_empty(
        {
            "resourceType": "CarePlan",
            "id": str(id),
            "meta": meta(updated_at),
            "status": CARE_PLAN_STATUS[status],
            "intent": "plan",
            "category": [{"text": "Behavioral health treatment plan"}],
            "title": f"Treatment plan, version {number} · {program}",
            "subject": reference("Patient", patient_id),
            "period": period,
            "created": activated_at.date().isoformat() if activated_at else "",
            "author": {"display": author} if author else {},
            "replaces": [reference("CarePlan", replaces_id)] if replaces_id else [],
            "supportingInfo": [reference("EpisodeOfCare", episode_id)],
            "addresses": [_problem(code, description) for code, description in problems],
            "goal": [reference("Goal", goal_id) for goal_id in goal_ids],
            "activity": [
                {
                    "detail": drop_empty(
                        {
                            "status": "in-progress" if status == "active" else "stopped",
                            "description": f"{label}: {description}" if description else label,
                            "scheduledString": frequency,
                            "performer": [{"display": name}] if name else [],
                            "goal": [reference("Goal", goal_id)],
                        }
                    )
                }
                for label, description, frequency, name, goal_id in activities
            ],
            "note": [
                *([{"text": f"Strengths and supports: {strengths}"}] if strengths else []),
                *([{"text": f"Discharge criteria: {discharge_criteria}"}] if discharge_criteria else []),
            ],
        }
    )


def goal_resource(
    *,
    id,
    updated_at: datetime.datetime,
    patient_id,
    plan_status: str,
    text: str,
    problem: tuple[str, str],
    start: datetime.date | None,
    objectives: list[dict],
) -> dict:
    """`objectives`: dicts with text, baseline, target, target_date, and for an objective tied to a measure
    ("PHQ-9 below 10") measure_instrument and measure_loinc (the instrument's LOINC total code, or "").
    The objective's words are the measure's text; baselines, which Goal has no element for, are notes."""
    targets, baselines = [], []
    for objective in objectives:
        code, instrument = objective.get("measure_loinc", ""), objective.get("measure_instrument", "")
        targets.append(
            drop_empty(
                {
                    "measure": {
                        "coding": [{"system": LOINC, "code": code, "display": f"{instrument} total score"}]
                        if code
                        else [],
                        "text": objective["text"],
                    },
                    "detailString": objective["target"],
                    "dueDate": objective["target_date"].isoformat(),
                }
            )
        )
        if objective.get("baseline"):
            baselines.append({"text": f"Baseline for “{objective['text']}”: {objective['baseline']}"})
    return drop_empty(
        {
            "resourceType": "Goal",
            "id": str(id),
            "meta": meta(updated_at),
            "lifecycleStatus": GOAL_STATUS[plan_status],
            "category": [{"text": "Behavioral health"}],
            "description": {"text": text},
            "subject": reference("Patient", patient_id),
            "startDate": start.isoformat() if start else "",
            "target": targets,
            "addresses": [_problem(*problem)],
            "note": baselines,
            "expressedBy": reference("Patient", patient_id),
        }
    )
