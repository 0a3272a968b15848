"""Who may invite a patient to the portal: whoever does the patient's paperwork of admission, the same
people as for consents (coordination.rules.works_paperwork): the care team's clinicians and psychiatrists,
and the program's directors and intake coordinators. Patients never invite.

Family access: a FAMILY user whose grant is still in force (read on every request, so a revoke is
immediate) may open the family view; the patient (portal.use) manages their own grants."""

import rules

from openiop.core.predicates import is_director, is_family_user, is_intake_coordinator, is_treating_role
from openiop.patients.rules import in_patient_program, on_care_team

invites_patient = (is_treating_role & on_care_team) | (
    (is_director | is_intake_coordinator) & in_patient_program
)

# Gate (no object), then the patient.
rules.add_perm("invitations.invite", is_treating_role | is_director | is_intake_coordinator)
rules.add_perm("invitations.invite_patient", invites_patient)


@rules.predicate
def has_active_family_grant(user) -> bool:
    from .models import FamilyAccessGrant

    return FamilyAccessGrant.objects.active().filter(user=user).exists()


rules.add_perm("invitations.family_view", is_family_user & has_active_family_grant)
