"""Who may keep the provider directory, record consents, disclose records and read the accounting.

- Directory: every clinical staff member reads it (they pick recipients); intake coordinators and
  directors add and edit providers.
- Consents and the external care team: read with the chart (`patients.view_chart`, break-the-glass
  included); recorded and revoked by the care team's clinicians and psychiatrists and by the program's
  directors and intake coordinators, who do the paperwork of admission.
- Disclosures and the accounting of disclosures: the care team's clinicians and psychiatrists and the
  program's director. Auditors read the audit log, not this clinical page; administrators have no
  clinical access; patients will see their accounting in the portal (issue 8).
"""

import rules

from openiop.core.predicates import is_clinical_staff, is_director, is_intake_coordinator, is_treating_role
from openiop.patients.rules import can_view_chart, in_patient_program, on_care_team

works_paperwork = (is_treating_role & on_care_team) | (
    (is_director | is_intake_coordinator) & in_patient_program
)
discloses = (is_treating_role & on_care_team) | (is_director & in_patient_program)

# Gates (no object).
rules.add_perm("coordination.view_providers", is_clinical_staff)
rules.add_perm("coordination.manage_providers", is_intake_coordinator | is_director)
rules.add_perm("coordination.view_consents", is_clinical_staff)
rules.add_perm("coordination.record_consents", is_treating_role | is_director | is_intake_coordinator)
rules.add_perm("coordination.disclose", is_treating_role | is_director)
# Objects: the patient.
rules.add_perm("coordination.view_patient_consents", can_view_chart)
rules.add_perm("coordination.record_patient_consent", works_paperwork)
rules.add_perm("coordination.disclose_patient", discloses)
