"""Predicates shared by every app's rules. Each takes (user, object) and is cheap: at most one query."""

import rules

from openiop.accounts.models import CLINICAL_ROLES, STAFF_ROLES, Role


@rules.predicate
def is_staff_member(user) -> bool:
    return user.is_authenticated and user.role in STAFF_ROLES


@rules.predicate
def is_clinical_staff(user) -> bool:
    return user.is_authenticated and user.role in CLINICAL_ROLES


@rules.predicate
def is_patient_user(user) -> bool:
    return user.is_authenticated and user.role == Role.PATIENT


@rules.predicate
def is_family_user(user) -> bool:
    """A patient's family member (invitations.FamilyAccessGrant): neither staff nor patient."""
    return user.is_authenticated and user.role == Role.FAMILY


def has_role(*roles: Role):
    name = "has_role:" + ",".join(sorted(roles))

    @rules.predicate(name)
    def predicate(user) -> bool:
        return user.is_authenticated and user.role in roles

    return predicate


is_director = has_role(Role.PROGRAM_DIRECTOR)
is_auditor = has_role(Role.AUDITOR)
is_administrator = has_role(Role.ADMINISTRATOR)
is_intake_coordinator = has_role(Role.INTAKE_COORDINATOR)
is_treating_role = has_role(Role.CLINICIAN, Role.PSYCHIATRIST)
