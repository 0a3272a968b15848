from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators (staff) or by invitation (patients), never by sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """Staff may not remove their authenticator while MFA is required for staff."""
        user = authenticator.user
        return not (settings.OPENIOP_REQUIRE_STAFF_MFA and user.is_staff_member)
