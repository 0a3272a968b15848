"""Who may see and work a patient's discharge.

- Start, update, add aftercare, waive, close: the clinicians and psychiatrists on the patient's care team,
  and the director of the patient's program.
- Read: whoever opens the chart (intake coordinators of the program read only; staff outside the care team
  through break-the-glass), and auditors, read-only (they verify that episodes closed with their parts done
  or waived).
- Patients: nothing yet (the portal, later). Administrators: no clinical access.

Gates take no object; the `*_patient_discharge` permissions take the patient.
"""

import rules

from openiop.core.predicates import is_auditor, is_clinical_staff, is_director, is_treating_role
from openiop.patients.rules import can_view_chart, in_patient_program, on_care_team

manages = (is_treating_role & on_care_team) | (is_director & in_patient_program)

rules.add_perm("discharge.view_discharge", is_clinical_staff | is_auditor)
rules.add_perm("discharge.manage_discharge", is_treating_role | is_director)
rules.add_perm("discharge.view_patient_discharge", can_view_chart | is_auditor)
rules.add_perm("discharge.manage_patient_discharge", manages)
