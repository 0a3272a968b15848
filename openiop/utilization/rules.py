"""Who may see and work payer authorizations and print utilization-review summaries.

- Read a patient's authorizations: whoever opens the chart (the care team, the program's director and
  intake coordinators; others in the program through break-the-glass), and auditors, read-only.
- Add, edit, end: the program's director and intake coordinators (they talk to payers) and the
  clinicians and psychiatrists on the patient's care team (they do the concurrent reviews).
- The program list of authorizations (/utilization/): directors and intake coordinators, for their own
  programs; auditors for every program, read-only.
- The utilization-review summary PDF: the care team's clinicians and psychiatrists and the program's
  director: it gathers clinical detail (measures, plan progress, risk events) a reviewer needs, so it is
  printed by those who answer for the treatment. Intake coordinators and auditors do not print it.
- Patients, family members and administrators: nothing.

Gates take no object; the `*_patient_*` permissions take the patient.
"""

import rules

from openiop.core.predicates import (
    is_auditor,
    is_clinical_staff,
    is_director,
    is_intake_coordinator,
    is_treating_role,
)
from openiop.patients.rules import can_view_chart, in_patient_program, on_care_team

leads = is_director | is_intake_coordinator
manages = is_clinical_staff & ((is_treating_role & on_care_team) | (leads & in_patient_program))
prints_review = is_clinical_staff & ((is_treating_role & on_care_team) | (is_director & in_patient_program))

rules.add_perm("utilization.view_authorization", is_clinical_staff | is_auditor)
rules.add_perm("utilization.manage_authorization", is_treating_role | leads)
rules.add_perm("utilization.list_authorizations", leads | is_auditor)
rules.add_perm("utilization.print_review", is_treating_role | is_director)
rules.add_perm("utilization.view_patient_authorizations", can_view_chart | is_auditor)
rules.add_perm("utilization.manage_patient_authorizations", manages)
rules.add_perm("utilization.print_patient_review", prints_review)
