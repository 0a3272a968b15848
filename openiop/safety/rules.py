"""Who may read, write and sign a patient's safety and relapse-prevention plans.

Reading follows the chart (`patients.view_chart`): the care team, the program's director and intake
coordinators, and anyone who has broken the glass, because the plan is exactly what is needed in a
crisis. Writing, revising and signing are for the clinicians and psychiatrists on the patient's care
team. Auditors and administrators have no clinical access; patients will read their own plan in the
portal (issue 8), not on these staff pages.
"""

import rules

from openiop.core.predicates import is_clinical_staff, is_treating_role
from openiop.patients.rules import can_view_chart, on_care_team

# Gates (no object): may open the pages at all.
rules.add_perm("safety.view_plans", is_clinical_staff)
rules.add_perm("safety.write_plans", is_treating_role)
# Objects: the patient.
rules.add_perm("safety.view_plan", can_view_chart)
rules.add_perm("safety.write_plan", is_treating_role & on_care_team)
