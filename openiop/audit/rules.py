import rules

from openiop.core.predicates import is_auditor

rules.add_perm("audit.view_report", is_auditor)
rules.add_perm("audit.export_report", is_auditor)
