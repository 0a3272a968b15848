"""Who may read and change the skills curriculum, session lessons, homework and practice logs.

- The curriculum is the program's teaching material, not PHI: clinical staff read it; program directors
  write it (add modules and lessons, edit shipped ones).
- A group session's lesson is set by those who lead the session (its clinicians, the group's
  facilitators) and by its program's director: the scheduling rules for recording attendance. They may
  also give that lesson's homework to the people who attended.
- A patient's skills record (lessons had, homework, practice log) is read by whoever may open the chart
  (break-the-glass included, as the chart). It is written by the treating care team (clinicians and
  psychiatrists on the care team) and the directors of the patient's program; intake coordinators read it.
- Patients, auditors and administrators have no staff pages here; the portal (issue 8) will come later.
"""

import rules

from openiop.core.predicates import is_clinical_staff, is_director, is_treating_role
from openiop.patients.rules import can_view_chart, in_patient_program, on_care_team
from openiop.scheduling.rules import directs_session_program, leads_session

works_sessions = is_treating_role | is_director

# Gates (no object): may open the pages at all.
rules.add_perm("skills.view_curriculum", is_clinical_staff)
rules.add_perm("skills.edit_curriculum", is_director)
rules.add_perm("skills.view_sessions", works_sessions)
rules.add_perm("skills.view_patient", is_clinical_staff)

# Objects.
rules.add_perm(
    "skills.set_session_lesson",
    (is_treating_role & leads_session) | (is_director & directs_session_program),
)
rules.add_perm("skills.view_patient_skills", can_view_chart)
rules.add_perm(
    "skills.work_patient_skills",
    (is_treating_role & on_care_team) | (is_director & in_patient_program),
)
