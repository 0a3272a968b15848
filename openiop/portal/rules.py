"""Who may use the portal: a patient user whose account is linked to a patient record. Every portal page
shows only that record; objects named in a portal URL (a homework, a draft questionnaire) are checked to
belong to it (selectors.py)."""

import rules

from openiop.core.predicates import is_patient_user


@rules.predicate
def has_patient_record(user) -> bool:
    return getattr(user, "patient", None) is not None


rules.add_perm("portal.use", is_patient_user & has_patient_record)
