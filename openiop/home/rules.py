import rules

from openiop.core.predicates import is_clinical_staff, is_patient_user


@rules.predicate
def is_assignee(user, task) -> bool:
    return task.assigned_to_id == user.id


@rules.predicate
def is_authenticated(user) -> bool:
    return user.is_authenticated


rules.add_perm("home.enter", is_authenticated)
rules.add_perm("home.view_my_day", is_clinical_staff)
rules.add_perm("home.complete_task", is_clinical_staff & is_assignee)
rules.add_perm("home.view_own_care", is_patient_user)
