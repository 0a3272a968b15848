"""Who may use the profile page. Every staff member manages their own profile and API tokens."""

import rules

from openiop.core.predicates import is_staff_member

rules.add_perm("accounts.view_profile", is_staff_member)
# Only their own tokens: the views load tokens through the signed-in user, so others' are not found.
rules.add_perm("accounts.manage_own_tokens", is_staff_member)
