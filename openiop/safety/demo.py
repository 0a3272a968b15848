"""Demo safety and relapse-prevention plans for the synthetic patients of the demo organization.

Most active patients get a signed safety plan, written and signed by their primary clinician with the
patient in person; one gets a draft still being written; one signed plan has a review requested (as a
positive suicide-risk item on a measure would ask). Patients of substance-use and co-occurring programs
also get a signed relapse-prevention plan. Every write goes through the services, audit events included.

Idempotent and deterministic: a patient who already has a plan of a kind is left alone, and each
patient's content is drawn from a generator seeded with their record number. Only synthetic patients.
Contacts use fictional 555-01xx numbers; the crisis lines (988, 911) are printed by every plan anyway.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus
from openiop.programs.models import Focus, Population

from .models import Plan, PlanKind, ReviewRequest
from .services import plan_create, plan_save_draft, plan_sign, safety_plan_review_request

WARNING_SIGNS = (
    "I stop answering texts and calls",
    "Lying awake past 2 am for two nights",
    "Thinking 'everyone would be better off without me'",
    "Skipping meals",
    "Staying in bed all weekend",
    "Picking fights at home",
    "Feeling numb and far away",
    "Giving away things I care about",
    "Drinking more than usual",
    "Cancelling plans I was looking forward to",
)
COPING = (
    "Walk around the block, twice",
    "Cold water on my face, then slow breathing (in 4, hold 7, out 8)",
    "Listen to my 'steady' playlist",
    "Shower and put on clean clothes",
    "Draw or colour for 20 minutes",
    "Write down three things I can see, hear and feel",
    "Play a game on my phone with the sound on",
    "Make tea and sit by the window",
    "Stretch or do the body scan from group",
)
PLACES = (
    "The coffee shop on Main Street",
    "The public library",
    "The gym",
    "My cousin's kitchen",
    "The park by the river",
    "Youth drop-in centre",
)
PEOPLE = ("Jordan (neighbour)", "Cousin Sam", "Taylor (friend from work)", "Robin (teammate)", "Aunt Pat")
HELPERS = (
    "Maria (sister)",
    "Chris (best friend)",
    "Dad",
    "Mom",
    "Lee (partner)",
    "Grandma June",
    "Coach Rivera",
)
SCHOOL_HELPERS = ("Ms. Okafor (school counsellor)", "Mom", "Dad", "Older brother Alex")
MEANS = (
    "My sister keeps my prescriptions and gives me one week at a time",
    "The medicine cabinet stays locked; Mom has the key",
    "No firearms at home; Dad's are stored at my uncle's",
    "Razors are kept in my partner's bag",
    "No alcohol in the apartment",
    "Delete the pharmacy delivery app during a crisis",
)
REASONS = (
    "My daughter",
    "My dog, Biscuit",
    "Finishing school",
    "My little brother looks up to me",
    "Seeing the ocean again",
    "My music",
    "My grandmother",
    "The trip we are planning next summer",
)
TRIGGERS = (
    "Friday payday",
    "Arguments at home",
    "Being alone after 10 pm",
    "Friends who still use",
    "Parties after school",
    "Feeling left out",
    "Stress before exams",
)
RELAPSE_SIGNS = (
    "Skipping group",
    "Thinking 'one won't hurt'",
    "Not sleeping",
    "Keeping secrets",
    "Hanging out at the old spot",
)
RESPONSES = (
    "Urge surfing for 20 minutes",
    "Leave and call my sponsor or mentor",
    "Text my peer support group",
    "Go for a run",
    "Play basketball at the rec centre",
    "Use the HALT check: hungry, angry, lonely, tired?",
)
AFTER_LAPSE = (
    "Stop and get somewhere safe",
    "Call someone on my support list within the hour",
    "Tell my clinician at the next session, or call the program",
    "Never use alone; keep naloxone nearby",
    "Write down what happened and bring it to group",
)


def _phone(rng: random.Random) -> str:
    return f"555-01{rng.randint(0, 99):02d}"


def _pick(rng: random.Random, pool, low: int, high: int) -> list[str]:
    return rng.sample(pool, rng.randint(low, min(high, len(pool))))


def safety_content(rng: random.Random, *, adolescent: bool, program_phone: str) -> dict:
    helpers = SCHOOL_HELPERS if adolescent else HELPERS
    return {
        "warning_signs": _pick(rng, WARNING_SIGNS, 3, 4),
        "coping_strategies": _pick(rng, COPING, 3, 4),
        "distraction_places": _pick(rng, PLACES, 1, 3),
        "distraction_people": [{"name": name, "phone": _phone(rng)} for name in _pick(rng, PEOPLE, 1, 2)],
        "help_contacts": [{"name": name, "phone": _phone(rng)} for name in _pick(rng, helpers, 2, 3)],
        "professionals": [
            {"name": "My program (front desk)", "phone": program_phone, "hours": "Mon-Fri 8-6"},
            {"name": "County mobile crisis team", "phone": "555-0190", "hours": "24/7"},
        ],
        "environment_safety": _pick(rng, MEANS, 1, 2),
        "reasons_for_living": _pick(rng, REASONS, 2, 3),
    }


def relapse_content(rng: random.Random, *, adolescent: bool) -> dict:
    helpers = SCHOOL_HELPERS if adolescent else HELPERS
    return {
        "triggers": _pick(rng, TRIGGERS, 3, 4),
        "warning_signs": _pick(rng, RELAPSE_SIGNS, 2, 3),
        "coping_responses": _pick(rng, RESPONSES, 3, 4),
        "supports": [{"name": name, "phone": _phone(rng)} for name in _pick(rng, helpers, 2, 3)],
        "after_lapse": list(AFTER_LAPSE[: rng.randint(3, 5)]),
    }


def _signed(*, patient, kind, content, clinician) -> Plan:
    plan = plan_create(patient=patient, kind=kind, by=clinician)
    plan = plan_save_draft(plan=plan, content=content, version=plan.version, by=clinician)
    return plan_sign(
        plan=plan,
        by=clinician,
        version=plan.version,
        patient_name=patient.legal_name,
        patient_signed_on=timezone.localdate(),
    )


@transaction.atomic
def load_demo_safety(*, today: datetime.date) -> int:
    """Add the demo plans that are missing; returns how many plan versions it created (0 on a reload)."""
    episodes = (
        EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE, patient__is_synthetic=True)
        .select_related("patient", "program")
        .order_by("patient__record_number")
    )
    created = 0
    draft_left = Plan.objects.filter(
        patient__is_synthetic=True, kind=PlanKind.SAFETY, status="draft"
    ).exists()
    review_left = ReviewRequest.objects.filter(patient__is_synthetic=True).exists()
    for index, episode in enumerate(episodes):
        patient = episode.patient
        primary = CareTeamMember.objects.filter(episode=episode, role=CareTeamRole.PRIMARY_CLINICIAN).first()
        if primary is None:
            continue
        clinician = primary.user
        rng = random.Random(f"safety-{patient.record_number}")  # noqa: S311 - fictional demo data
        adolescent = episode.program.population == Population.ADOLESCENT
        # Both drawn every time, so a patient's plans are the same whatever was loaded before.
        safety = safety_content(rng, adolescent=adolescent, program_phone="555-0100")
        relapse = relapse_content(rng, adolescent=adolescent)
        if index % 6 == 5:
            continue  # not every chart has a plan yet: the panel's empty state and "Write a safety plan"
        if not Plan.objects.of(patient, PlanKind.SAFETY).exists():
            content = safety
            if not draft_left:
                plan = plan_create(patient=patient, kind=PlanKind.SAFETY, by=clinician)
                plan_save_draft(plan=plan, content=content, version=plan.version, by=clinician)
                draft_left = True
            else:
                plan = _signed(patient=patient, kind=PlanKind.SAFETY, content=content, clinician=clinician)
                if not review_left:
                    safety_plan_review_request(
                        episode, f"PHQ-9 item 9 answered 1 on {today:%Y-%m-%d}: review the safety plan today"
                    )
                    review_left = True
            created += 1
        substance = episode.program.focus in (Focus.SUBSTANCE_USE, Focus.CO_OCCURRING)
        if substance and not Plan.objects.of(patient, PlanKind.RELAPSE_PREVENTION).exists():
            _signed(patient=patient, kind=PlanKind.RELAPSE_PREVENTION, content=relapse, clinician=clinician)
            created += 1
    return created
