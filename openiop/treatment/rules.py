"""Who may read, write and sign treatment plans.

Plans follow the care team: the patient's clinicians and psychiatrists on the care team write them, review
them and witness the patient's signature. The program's director reads every plan of the program (and
signs as physician only when credentialed as one: a medical director). Staff outside the care team read a
plan only through break-the-glass, and never change it. Intake coordinators, auditors, administrators and
patients are refused: a plan is treatment content (minimum necessary); the portal will show patients their
own goals (issue 8).

Object checks take the patient (read, write, export) or the plan version (signatures).
"""

import re

import rules

from openiop.accounts.models import Role
from openiop.core.predicates import is_director, is_treating_role
from openiop.patients.rules import can_view_chart, in_patient_program, on_care_team

# Credentials that allow the physician's signature: physicians and psychiatric nurse practitioners.
PHYSICIAN_CREDENTIALS = frozenset({"MD", "DO", "NP", "PMHNP", "PMHNP-BC", "APRN", "FNP", "FNP-BC", "DNP"})


def has_physician_credentials(user) -> bool:
    """A psychiatrist by role, or a staff member whose credentials include MD, DO or a nurse practitioner."""
    if user.role == Role.PSYCHIATRIST:
        return True
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return False
    return bool(PHYSICIAN_CREDENTIALS & set(re.split(r"[\s,/;]+", profile.credentials.upper())))


@rules.predicate
def is_physician(user) -> bool:
    return user.is_authenticated and has_physician_credentials(user)


@rules.predicate
def on_plan_care_team(user, plan) -> bool:
    return on_care_team(user, plan.episode.patient)


@rules.predicate
def in_plan_program(user, plan) -> bool:
    return plan.episode.program.staff_profiles.filter(user=user).exists()


@rules.predicate
def is_responsible_clinician(user, plan) -> bool:
    return plan.responsible_clinician_id == user.pk


@rules.predicate
def in_program(user, program) -> bool:
    return program.staff_profiles.filter(user=user).exists()


works_plans = is_treating_role | is_director
writes_plans = is_treating_role & on_care_team

# Gate (no object): may open plan pages at all.
rules.add_perm("treatment.view_plans", works_plans)
# Objects: the patient.
rules.add_perm("treatment.view_plan", works_plans & can_view_chart)
rules.add_perm("treatment.write_plan", writes_plans)
# PDFs leave the system: the care team and the program's director, not break-the-glass readers.
rules.add_perm("treatment.export_plan", writes_plans | (is_director & in_patient_program))
# Objects: the plan version.
rules.add_perm("treatment.sign_as_clinician", is_treating_role & on_plan_care_team & is_responsible_clinician)
rules.add_perm(
    "treatment.sign_as_physician",
    is_physician & ((is_treating_role & on_plan_care_team) | (is_director & in_plan_program)),
)
rules.add_perm("treatment.witness_patient_signature", is_treating_role & on_plan_care_team)
# The program's plans list and settings: its director.
rules.add_perm("treatment.view_program_plans", is_director)
rules.add_perm("treatment.view_program", is_director & in_program)
rules.add_perm("treatment.configure_program", is_director & in_program)
