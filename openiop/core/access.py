"""The one access-policy layer.

Every view declares its policy with `@policy(...)`: either a `rules` permission name or PUBLIC. The
decorator enforces the view-level gate (signed in, permission held) and records the policy on the view, so
a test can prove that no URL is left without one. Object-level checks (this patient, this chart) go
through loaders such as `openiop.patients.selectors.patient_for_user`, which test the same rules with the
object and write the audit event.
"""

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

PUBLIC = "public"

# Third-party views that carry no decorator of ours, with the policy that governs them. The URL test
# accepts a view from these modules only; anything else without `access_policy` fails the suite.
THIRD_PARTY_POLICIES = {
    "allauth.": "authentication: sign-in, sign-out, password reset and MFA, governed by django-allauth",
    "django.contrib.admin.": "configuration: Django admin, staff flag and model permissions (administrators)",
    "ninja.": "api: each operation declares its own policy (see openiop.api)",
    "django.contrib.auth.admin": "configuration: the admin's add-user and set-password pages (admin only)",
    "django.contrib.contenttypes.views": "configuration: the admin's view-on-site redirect (admin only)",
    "django.views.generic.base": "redirects only (the admin's legacy object URLs), no content",
}


def policy(permission: str):
    """Guard a view with `permission` (a rules permission name) or PUBLIC."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if permission != PUBLIC:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if not request.user.has_perm(permission):
                    refuse(request, permission=permission)
            return view(request, *args, **kwargs)

        wrapped.access_policy = permission
        return wrapped

    return decorator


def refuse(request, *, permission: str, patient=None, obj=None):
    """Record the refusal and stop the request with 403. The refusal page shows no PHI."""
    from openiop.audit.models import Action, Outcome
    from openiop.audit.services import audit_record

    audit_record(
        action=Action.ACCESS_REFUSED,
        request=request,
        patient=patient,
        obj=obj,
        outcome=Outcome.REFUSED,
        detail={"permission": permission, "path": request.path},
    )
    raise PermissionDenied(permission)


def declared_policy(callback) -> str | None:
    """The policy a resolved URL callback declares, following class-based, partial and wrapped views."""
    callback = getattr(callback, "func", callback)  # functools.partial
    for candidate in (
        callback,
        getattr(callback, "view_class", None),
        getattr(callback, "__wrapped__", None),
    ):
        if candidate is not None and getattr(candidate, "access_policy", None):
            return candidate.access_policy
    module = getattr(callback, "__module__", "") or ""
    for prefix, description in THIRD_PARTY_POLICIES.items():
        if module.startswith(prefix):
            return description
    return None
