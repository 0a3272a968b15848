"""Who may see and change patients. Chart access follows the care team; program leads see their programs."""

import rules
from django.utils import timezone

from openiop.core.predicates import is_auditor, is_clinical_staff, is_director, is_intake_coordinator

from .models import BreakGlassAccess, CareTeamMember, EpisodeOfCare


@rules.predicate
def on_care_team(user, patient) -> bool:
    return CareTeamMember.objects.filter(episode__patient=patient, user=user).exists()


@rules.predicate
def in_patient_program(user, patient) -> bool:
    return EpisodeOfCare.objects.filter(patient=patient, program__staff_profiles__user=user).exists()


@rules.predicate
def has_open_break_glass(user, patient) -> bool:
    return BreakGlassAccess.objects.filter(user=user, patient=patient, expires_at__gt=timezone.now()).exists()


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
