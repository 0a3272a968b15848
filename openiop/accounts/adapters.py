from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import ValidationError


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators (staff) or by invitation (patients), never by sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        """An attempt refused by the lockout never reaches authentication, so Django's user_login_failed
        (which audits every other failure, accounts/signals.py) does not fire: audit it here."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            from openiop.audit.models import Action, Outcome
            from openiop.audit.services import audit_record

            username = str(
                credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
            )
            audit_record(
                action=Action.LOGIN_FAILED,
                request=request,
                username=username,
                outcome=Outcome.FAILED,
                detail={"reason": "locked_out"},
            )
            raise


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """Staff may not remove their authenticator while MFA is required for staff."""
        user = authenticator.user
        return not (settings.OPENIOP_REQUIRE_STAFF_MFA and user.is_staff_member)
