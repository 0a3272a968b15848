import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

SESSION_STARTED_KEY = "openiop_session_started"
SESSION_RENEWED_KEY = "openiop_session_renewed"


class SessionTimeoutMiddleware:
    """End a session after SESSION_ABSOLUTE_HOURS whatever the activity, and renew its idle timeout.

    The idle timeout is the session's age (SESSION_COOKIE_AGE), counted from its last save. A signed-in
    request saves the session when the last renewal is SESSION_RENEW_SECONDS old or more, not on every
    request: one database write less per page, and the session then ends at most that much before a full
    idle timeout after the last request, never after it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            if time.time() - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                return redirect(f"{reverse('account_login')}?next={request.path}")
            now = time.time()
            if now - request.session.get(SESSION_RENEWED_KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                request.session[SESSION_RENEWED_KEY] = now  # marks the session modified: saved, renewed
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
