"""Login, logout and failed-login audit events. Django's auth signals are the one place all logins pass."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from openiop.audit.models import Action, Outcome
from openiop.audit.services import audit_record

from .middleware import SESSION_STARTED_KEY


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(action=Action.LOGIN, request=request, actor=user)
    if request is not None and hasattr(request, "session"):
        # The absolute timeout counts from the sign-in itself, not from the first page after it.
        request.session[SESSION_STARTED_KEY] = time.time()


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=Action.LOGOUT, request=request, actor=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or credentials.get("login") or "")
    audit_record(action=Action.LOGIN_FAILED, request=request, username=username, outcome=Outcome.FAILED)
