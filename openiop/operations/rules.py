"""Who may run the program (PRODUCT.md §8): the dashboard, its people lists, the compliance lists and their
exports.

- A program director reads and exports the dashboard and the compliance lists of the programs they work in,
  and follows any figure to the people behind it (each row links to the chart, which keeps its own rules).
- Auditors read and export every program's dashboard and compliance lists (read-only). People lists show
  them record numbers only: names are for those who may open the chart.
- Clinicians, psychiatrists, intake coordinators, administrators, patients and family are refused: their
  own work lists are on My day.
"""

import rules

from openiop.core.predicates import is_auditor, is_director


@rules.predicate
def works_in_program(user, program) -> bool:
    return program.staff_profiles.filter(user=user).exists()


# Gates (no object): may open the pages at all.
rules.add_perm("operations.view_dashboard", is_director | is_auditor)
rules.add_perm("operations.view_compliance", is_director | is_auditor)
# Objects: the program.
rules.add_perm("operations.view_program", (is_director & works_in_program) | is_auditor)
rules.add_perm("operations.export_program", (is_director & works_in_program) | is_auditor)
