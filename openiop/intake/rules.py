"""Who may work intake. Referrals belong to a program: its intake coordinators and director work them.
Level-of-care assessments are clinical (clinicians, psychiatrists, directors of the program); physician
certification is for psychiatrists (the physicians of the program)."""

import rules

from openiop.accounts.models import Role
from openiop.core.predicates import (
    has_role,
    is_director,
    is_intake_coordinator,
    is_treating_role,
)
from openiop.patients.rules import in_patient_program


@rules.predicate
def in_referral_program(user, referral) -> bool:
    return referral.program.staff_profiles.filter(user=user).exists()


@rules.predicate
def in_episode_program(user, episode) -> bool:
    return episode.program.staff_profiles.filter(user=user).exists()


@rules.predicate
def in_program(user, program) -> bool:
    return program.staff_profiles.filter(user=user).exists()


is_psychiatrist = has_role(Role.PSYCHIATRIST)
works_intake = is_intake_coordinator | is_director

# Gates (no object): may open the intake pages at all.
rules.add_perm("intake.work_referrals", works_intake)
rules.add_perm("intake.assess", is_treating_role | is_director)
rules.add_perm("intake.certify", is_psychiatrist)
# Objects.
rules.add_perm("intake.view_referral", works_intake & in_referral_program)
rules.add_perm("intake.change_referral", works_intake & in_referral_program)
rules.add_perm("intake.assess_patient", (is_treating_role | is_director) & in_patient_program)
rules.add_perm("intake.admit", works_intake & in_episode_program)
rules.add_perm("intake.manage_waitlist", works_intake & in_program)
rules.add_perm("intake.record_transition", (works_intake | is_treating_role) & in_episode_program)
rules.add_perm("intake.certify_episode", is_psychiatrist & in_episode_program)
rules.add_perm("intake.view_program_due", works_intake & in_program)


@rules.predicate
def reads_assessment(user, assessment) -> bool:
    """Whoever may open the chart; intake staff who may view its referral; and its author while they may
    still assess the patient (a clinician who assessed a new referral, before any care team exists, can
    read what they signed)."""
    patient = assessment.patient
    return (
        user.has_perm("patients.view_chart", patient)
        or (assessment.referral_id is not None and user.has_perm("intake.view_referral", assessment.referral))
        or (assessment.assessed_by_id == user.pk and user.has_perm("intake.assess_patient", patient))
    )


rules.add_perm("intake.view_assessment", reads_assessment)
