"""Who may see and change patients. Chart access follows the care team; program leads see their programs."""

import rules

from openiop.core.predicates import is_auditor, is_clinical_staff, is_director, is_intake_coordinator

from .chart_access import has_break_glass_open, is_in_patient_program, is_on_care_team

# The three facts every app's chart permissions rest on are remembered on the request's user object
# (chart_access.py): a chart's panels ask them up to twenty times a page.


@rules.predicate
def on_care_team(user, patient) -> bool:
    return is_on_care_team(user, patient)


@rules.predicate
def in_patient_program(user, patient) -> bool:
    return is_in_patient_program(user, patient)


@rules.predicate
def has_open_break_glass(user, patient) -> bool:
    return has_break_glass_open(user, patient)


@rules.predicate
def leads_patient_program(user, access) -> bool:
    return in_patient_program(user, access.patient)


# Program directors and intake coordinators work every patient of their programs; clinicians and
# psychiatrists their care team's. Anyone else clinical in the program must break the glass.
can_view_chart = is_clinical_staff & (
    on_care_team | ((is_director | is_intake_coordinator) & in_patient_program) | has_open_break_glass
)

rules.add_perm("patients.list_patients", is_clinical_staff)
rules.add_perm("patients.add_patient", is_intake_coordinator | is_director)
rules.add_perm("patients.view_chart", can_view_chart)
rules.add_perm("patients.break_glass", is_clinical_staff & in_patient_program)
rules.add_perm("patients.review_break_glass_queue", is_director | is_auditor)
rules.add_perm("patients.review_break_glass", (is_director & leads_patient_program) | is_auditor)
