"""Who may read trajectories' program-level counterpart: program outcomes (PRODUCT.md §5 and §8).

Outcomes are aggregates, never a list of people, but a small group can still point at someone, so they
follow the programs a person works in:
- a program director reads their programs' outcomes, overall, by track and by primary clinician, and
  exports them as CSV;
- clinicians and psychiatrists read the outcomes of their own caseload in their programs (the episodes
  whose care team they are on), on screen only: colleagues' results are the director's to see;
- auditors read every program's outcomes, overall and by track, and may export them (read-only: Joint
  Commission surveys of CTS.03.01.09 ask for population outcomes), but not by clinician;
- intake coordinators, administrators and patients are refused.

A patient's own trajectory follows the chart, with the questionnaires' rules (`measures.view` and
`measures.view_patient` in rules.py). Imported by trajectory_panels.py, which the app's ready() loads.
"""

import rules

from openiop.core.predicates import is_auditor, is_director, is_treating_role


@rules.predicate
def works_in_program(user, program) -> bool:
    return program.staff_profiles.filter(user=user).exists()


def _add(name, predicate):
    # ready() may run twice in tests; the first registration stands.
    if not rules.perm_exists(name):
        rules.add_perm(name, predicate)


# Gate (no object): may open the outcomes page at all.
_add("measures.view_outcomes", is_director | is_treating_role | is_auditor)
_add("measures.export_any_outcomes", is_director | is_auditor)
# Objects: the program.
_add("measures.view_program_outcomes", ((is_director | is_treating_role) & works_in_program) | is_auditor)
_add("measures.view_whole_program_outcomes", (is_director & works_in_program) | is_auditor)
_add("measures.view_outcomes_by_clinician", is_director & works_in_program)
_add("measures.export_outcomes", (is_director & works_in_program) | is_auditor)
