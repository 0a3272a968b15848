"""Plans for tests: a realistic full content of each kind, drafts and signed versions."""

import datetime

from django.utils import timezone

from openiop.safety.models import PlanKind
from openiop.safety.services import plan_create, plan_save_draft, plan_sign


def full_safety_content() -> dict:
    """A realistic, complete safety plan: what a clinician and patient write in a 45-minute session."""
    return {
        "warning_signs": [
            "I stop answering texts from my sister",
            "Lying awake past 2 am two nights in a row",
            "Thinking 'everyone would be better off without me'",
            "Skipping meals and group",
        ],
        "coping_strategies": [
            "Walk the dog around the reservoir",
            "Cold water on my face, then the 4-7-8 breathing from group",
            "Put on the 'steady' playlist and draw",
            "Shower and change clothes",
        ],
        "distraction_places": [
            "The coffee shop on Main Street",
            "Saturday pottery class",
            "The public library",
        ],
        "distraction_people": [
            {"name": "Jordan (neighbour)", "phone": "555-201-3344"},
            {"name": "Cousin Sam", "phone": ""},
        ],
        "help_contacts": [
            {"name": "Maria (sister)", "phone": "(555) 201-7788"},
            {"name": "Chris (friend from work)", "phone": "555.201.9012"},
        ],
        "professionals": [
            {
                "name": "Alice Test, LCSW (primary clinician)",
                "phone": "555-201-4000 ext 12",
                "hours": "Mon-Fri 9-5",
            },
            {"name": "County mobile crisis team", "phone": "555-201-5000", "hours": "24/7"},
            {"name": "City General emergency department", "phone": "555-201-6000", "hours": "24/7"},
        ],
        "environment_safety": [
            "Maria keeps my prescriptions and gives me one week at a time",
            "The hunting rifle stays locked at my brother's house; he keeps the key",
            "No alcohol in the apartment",
        ],
        "reasons_for_living": [
            "My daughter Lily",
            "Finishing my nursing degree",
            "My dog, Biscuit",
            "Seeing the ocean again",
        ],
    }


def full_relapse_content() -> dict:
    return {
        "triggers": [
            "Friday payday",
            "Arguments with my partner",
            "Being alone after 10 pm",
            "Old friends from the bar",
        ],
        "warning_signs": ["Skipping group", "Thinking 'one won't hurt'", "Not sleeping", "Keeping secrets"],
        "coping_responses": [
            "Urge surfing for 20 minutes",
            "Leave and call my sponsor",
            "Go to the 7 pm meeting",
        ],
        "supports": [
            {"name": "Dee (sponsor)", "phone": "555-201-1111"},
            {"name": "Mom", "phone": "555-201-2222"},
        ],
        "after_lapse": [
            "Stop and get somewhere safe",
            "Call Dee within the hour",
            "Tell my clinician at the next session or call the program",
            "Never use alone; keep naloxone nearby",
        ],
    }


FULL = {PlanKind.SAFETY: full_safety_content, PlanKind.RELAPSE_PREVENTION: full_relapse_content}


def draft_of(patient, by, *, kind=PlanKind.SAFETY, content=None):
    """A draft of `kind` for `patient` (the first version), filled with a full plan unless told otherwise."""
    plan = plan_create(patient=patient, kind=kind, by=by)
    content = FULL[kind]() if content is None else content
    return plan_save_draft(plan=plan, content=content, version=plan.version, by=by)


def sign(plan, by, *, name=None, on=None):
    patient = plan.patient
    return plan_sign(
        plan=plan,
        by=by,
        version=plan.version,
        patient_name=name or patient.legal_name,
        patient_signed_on=on or timezone.localdate(),
    )


def signed_plan(patient, by, *, kind=PlanKind.SAFETY, content=None):
    return sign(draft_of(patient, by, kind=kind, content=content), by)


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)
