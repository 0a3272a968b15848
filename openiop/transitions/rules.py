"""Who may keep the medication list and send a transition packet.

- The medication list is read with the chart (`patients.view_chart`) and kept by the care team's
  clinicians and psychiatrists (it is recorded at medication management; nobody else knows it first-hand).
- A transition packet is a disclosure: the same people as any disclosure (coordination.disclose_patient:
  the care team's clinicians and psychiatrists, the program's director).
"""

import rules

from openiop.core.predicates import is_clinical_staff, is_treating_role
from openiop.patients.rules import can_view_chart, on_care_team

rules.add_perm("transitions.view_medications", is_clinical_staff)
rules.add_perm("transitions.record_medications", is_treating_role)
rules.add_perm("transitions.view_patient_medications", can_view_chart)
rules.add_perm("transitions.record_patient_medication", is_treating_role & on_care_team)
