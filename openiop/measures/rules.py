"""Who may read and enter questionnaires, act on urgent alerts, and set schedules and cover.

Reading a patient's questionnaires follows the chart (`patients.view_chart`): the care team, the
program's director and intake coordinators, and anyone who has broken the glass. Entering a paper form and
marking one entered in error is the care team's. An urgent alert is read and closed by the care team and by
whoever it is assigned to (the on-call clinician covering an absent primary clinician need not be on the
team). Schedules per program, on-call days and staff away periods are the program director's. Auditors,
administrators and patients have no access to these staff pages (patients answer in the portal, issue 8).
"""

import rules

from openiop.core.predicates import is_clinical_staff, is_director
from openiop.patients.rules import can_view_chart, on_care_team
from openiop.scheduling.rules import in_program


@rules.predicate
def on_alert_care_team(user, alert) -> bool:
    return on_care_team(user, alert.patient)


@rules.predicate
def reads_alert_chart(user, alert) -> bool:
    return can_view_chart(user, alert.patient)


@rules.predicate
def is_alert_assignee(user, alert) -> bool:
    return alert.assigned_to_id == user.pk


@rules.predicate
def on_administration_care_team(user, administration) -> bool:
    return on_care_team(user, administration.patient)


# Gates (no object): may open the pages at all.
rules.add_perm("measures.view", is_clinical_staff)
rules.add_perm("measures.enter", is_clinical_staff)
rules.add_perm("measures.manage_program", is_director)
# Objects: the patient.
rules.add_perm("measures.view_patient", can_view_chart)
rules.add_perm("measures.enter_patient", is_clinical_staff & on_care_team)
# Objects: an administration (marking it entered in error), an alert.
rules.add_perm("measures.mark_in_error", is_clinical_staff & on_administration_care_team)
# Showing a result's total and band to the patient in the portal: the care team's choice (issue 8).
rules.add_perm("measures.share_with_patient", is_clinical_staff & on_administration_care_team)
rules.add_perm("measures.view_alert", is_clinical_staff & (reads_alert_chart | is_alert_assignee))
rules.add_perm("measures.close_alert", is_clinical_staff & (on_alert_care_team | is_alert_assignee))
# Objects: a program (its schedules, on-call days and its staff's away periods).
rules.add_perm("measures.manage_program_measures", is_director & in_program)
