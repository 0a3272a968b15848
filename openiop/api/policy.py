"""The access policy of each API operation, the API's counterpart of `openiop.core.access.policy`.

Authentication (a usable token of an active user) is the API's default `auth`; `api_policy` adds the
permission gate and records the policy on the operation, so a test can prove none is missing.
"""

import functools

from openiop.core.access import refuse

# Any holder of a valid token: for operations about the caller themselves, never about patients.
TOKEN_HOLDER = "token holder"


def api_policy(permission: str):
    """Guard an operation with `permission` (a rules permission name) or TOKEN_HOLDER."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if permission != TOKEN_HOLDER and not request.auth.has_perm(permission):
                refuse(request, permission=permission)  # audits, then PermissionDenied -> 403 problem
            return view(request, *args, **kwargs)

        wrapped.access_policy = permission
        return wrapped

    return decorator
