import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

SESSION_STARTED_KEY = "openiop_session_started"


class SessionTimeoutMiddleware:
    """End a session after SESSION_ABSOLUTE_HOURS whatever the activity.

    The idle timeout is the session cookie age, renewed on every request (SESSION_SAVE_EVERY_REQUEST).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            if time.time() - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                return redirect(f"{reverse('account_login')}?next={request.path}")
        return self.get_response(request)


# Paths a staff member without MFA may still reach: enrolment itself, sign-out and static files.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/readyz")


class StaffMfaRequiredMiddleware:
    """Staff must enrol an authenticator (TOTP) before anything else when OPENIOP_REQUIRE_STAFF_MFA is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.OPENIOP_REQUIRE_STAFF_MFA
            and user.is_authenticated
            and user.is_staff_member
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not request.path.startswith("/api/")
            and not request.session.get("openiop_mfa_enrolled")
        ):
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                return redirect("mfa_activate_totp")
            request.session["openiop_mfa_enrolled"] = True
        return self.get_response(request)
